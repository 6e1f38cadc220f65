"""An audit entry prepared before the transaction that appends it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict


class AuditEntryFields(TypedDict):
    """An entry as ``audit.log.append`` takes it, less the time: made in the request
    (who, which request) and appended later, maybe by another process."""

    actor: str
    action: str
    target: str
    purpose: str
    outcome: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuditNote:
    """An audit entry to record (as :meth:`Vault.record` takes it), prepared by a read
    before the transaction that appends it."""

    action: str
    target: str
    purpose: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "target": self.target,
            "purpose": self.purpose,
            "details": self.details,
        }
