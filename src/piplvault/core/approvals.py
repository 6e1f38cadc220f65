"""Second approver (四眼原则) for destructive bulk operations: the pure rules.

An operation that needs a second administrator is bound to the SHA-256 of the canonical
JSON of its exact parameters. An approval is good for one run of that operation with those
parameters, by someone other than the approver, before it expires. The functions here
return the reason a step is refused, or ``None``; the vault raises and audits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from piplvault.core.canonical import canonical_json

#: The operations that can require a second approver, and the policy action each needs
#: (the requester, the approver and whoever runs it must all hold that action).
OPERATIONS: dict[str, str] = {
    "customers-delete": "delete",
    "retention-apply": "retention-apply",
    "transfer-complete": "transfer",
    "transfer-discontinue": "transfer",
    "deregister-shred": "deregister",
    "deregister-seal": "deregister",
}
#: The command each operation is, for messages and listings.
COMMANDS: dict[str, str] = {
    "customers-delete": "piplvault customers delete",
    "retention-apply": "piplvault retention apply",
    "transfer-complete": "piplvault transfer complete",
    "transfer-discontinue": "piplvault transfer advance",
    "deregister-shred": "piplvault deregister shred",
    "deregister-seal": "piplvault deregister seal",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Refusal:
    """Why an approval step is refused: a stable ``reason`` and the message."""

    reason: str
    message: str


def params_digest(operation: str, params: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``{"operation", "params"}``."""
    text = canonical_json({"operation": operation, "params": params}, default=str)
    return hashlib.sha256(text).hexdigest()


def decision_refusal(
    *,
    approval_id: int,
    status: str,
    requested_by: str,
    expires_at: str,
    decider: str,
    now: str,
    approving: bool,
) -> Refusal | None:
    """May ``decider`` approve (or reject) this request now?"""
    if status != "pending":
        return Refusal(
            reason="not-pending",
            message=f"Approval {approval_id} is already {status}; nothing was changed",
        )
    if now >= expires_at:
        return _expired(approval_id, expires_at)
    if approving and decider == requested_by:
        return Refusal(
            reason="self-approval",
            message=f"Refused: approval {approval_id} was requested by {requested_by}; "
            "a different administrator must approve it",
        )
    return None


def use_refusal(
    *,
    approval_id: int,
    status: str,
    operation: str,
    params_sha256: str,
    decided_by: str | None,
    expires_at: str,
    used_run: str | None,
    wanted_operation: str,
    wanted_sha256: str,
    actor: str,
    now: str,
) -> Refusal | None:
    """May ``actor`` run ``wanted_operation`` with these parameters under this approval?"""
    if status == "used":
        return Refusal(
            reason="reused",
            message=f"Approval {approval_id} was already used (run {used_run}); an "
            "approval is good for one run only: run the command without --approval to "
            "request a new one",
        )
    if status != "approved":
        return Refusal(
            reason="not-approved",
            message=f"Approval {approval_id} is {status}, not approved; another "
            f"administrator runs 'piplvault approvals approve {approval_id}' first",
        )
    if operation != wanted_operation:
        return Refusal(
            reason="other-operation",
            message=f"Approval {approval_id} is for '{operation}', not "
            f"'{wanted_operation}'; nothing was changed",
        )
    if now >= expires_at:
        return _expired(approval_id, expires_at)
    if params_sha256 != wanted_sha256:
        return Refusal(
            reason="parameters-changed",
            message=f"Approval {approval_id} was given for other parameters (or another "
            "set of customers) than this run; nothing was changed: run the command "
            "without --approval to request a new approval",
        )
    if decided_by == actor:
        return Refusal(
            reason="self-approval",
            message=f"Refused: {actor} approved request {approval_id} and may not also "
            "run it; the requester or another administrator runs it",
        )
    return None


def _expired(approval_id: int, expires_at: str) -> Refusal:
    return Refusal(
        reason="expired",
        message=f"Approval {approval_id} expired at {expires_at}; run the command "
        "without --approval to request a new one",
    )
