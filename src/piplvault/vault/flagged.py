"""The review queue of flagged cells: values that failed validation on import.

An invalid value is never lost (issue 12.3): the row is imported, the value is stored
encrypted and masked but not blind-indexed, and the field is flagged. A person then
either fixes it (``customers update`` / ``customers flagged fix``, which validates) or
confirms it as it is (``customers flagged confirm``: a number from a segment the
numbering plan does not know yet, a foreign ID…), which clears the flag and indexes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from piplvault.errors import ValidationError
from piplvault.store.flags import flagged_ids, store_flags
from piplvault.vault import policy
from piplvault.vault.customers import (
    DEFAULT_READ_PURPOSE,
    CustomerList,
    _birth_date,
    _readable,
)
from piplvault.vault.records import fetch_row, load_field_defs, load_plain, reindex

if TYPE_CHECKING:
    from piplvault.vault.service import Vault


def flag_set(flags: str) -> set[str]:
    return set(filter(None, flags.split(",")))


def list_flagged(
    vault: Vault, *, limit: int = 50, offset: int = 0, purpose: str | None = None
) -> CustomerList:
    """Customers with at least one flagged field, in id order, masked."""
    with vault.write() as conn:
        vault.require_action(conn, "read-masked")
        ids = flagged_ids(conn, limit=limit, offset=offset)
        result = _readable(vault, conn, ids, purpose or DEFAULT_READ_PURPOSE)
        vault.record(
            conn,
            action="customers-flagged-listed",
            target="customers",
            purpose=purpose or DEFAULT_READ_PURPOSE,
            details={
                "customer_ids": [c.id for c in result.customers],
                "withheld": result.withheld,
                "masked": True,
            },
        )
    return result


def confirm_flag(
    vault: Vault, customer_id: int, field: str, *, purpose: str
) -> dict[str, Any]:
    """Accept a flagged value as it is: the flag is cleared and the value indexed."""
    with vault.write() as conn:
        resolved = policy.resolve_purpose(conn, purpose)
        defs = load_field_defs(conn)
        flags = flag_set(fetch_row(conn, vault.keyring.sealing, customer_id)[5])
        if field not in flags:
            flagged = ", ".join(sorted(flags)) or "none"
            raise ValidationError(
                f"Field '{field}' of customer {customer_id} is not flagged "
                f"(flagged: {flagged})",
                field=field,
            )
        _facts, plain = load_plain(conn, vault.keyring, customer_id)
        policy.authorize(
            vault,
            conn,
            action="update",
            purpose=resolved,
            customer_id=customer_id,
            fields=[defs[field]],
            birth_date=_birth_date(plain),
        )
        remaining = flags - {field}
        store_flags(conn, customer_id, remaining)
        values = {
            k: v for k, (v, _) in plain.items() if k in defs and k not in remaining
        }
        reindex(conn, vault.keyring.sealing, customer_id, defs, values)
        vault.record(
            conn,
            action="customer-flag-confirmed",
            target=f"customer:{customer_id}",
            purpose=resolved.key,
            details={"field": field, "still_flagged": sorted(remaining)},
        )
    return {"id": customer_id, "field": field, "still_flagged": sorted(remaining)}


__all__ = ["confirm_flag", "flag_set", "list_flagged", "store_flags"]
