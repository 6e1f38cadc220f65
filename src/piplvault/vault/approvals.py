"""Second approver for destructive bulk operations (issue 11 item 4; R-GB35273-7-1:
internal approval for bulk modification; PIPL Art. 51).

With ``require_second_approver`` on, ``customers delete``, ``retention apply``, ``transfer
complete``, ``transfer advance`` of a discontinued business, ``deregister shred`` and
``deregister seal`` do not run on one person's word:

1. the initiator's run records a *pending approval* bound to the operation and the SHA-256
   of its exact parameters (audited ``approval-requested``) and stops, printing its id;
2. a different person who may run that operation approves (or rejects) it as a separate,
   authenticated request: ``piplvault approvals approve ID`` (``approval-approved``);
   approving one's own request is refused and audited (``approval-refused``);
3. the operation is run again with ``--approval ID``: the approval must be approved, for
   this operation and these very parameters, unexpired and unused, and the person running
   it must not be the approver. It is consumed in the operation's own transaction
   (``approval-used``) and the approver is written into the signed certificate.

With the setting off, operations run as before; an ``--approval`` given anyway is checked
and recorded all the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from piplvault.core.approvals import (
    COMMANDS,
    OPERATIONS,
    Refusal,
    decision_refusal,
    params_digest,
    use_refusal,
)
from piplvault.core.ports import to_timestamp
from piplvault.errors import ApprovalError, ApprovalRequiredError, NotFoundError
from piplvault.store import approvals as store
from piplvault.store.approvals import ApprovalRow
from piplvault.store.engine import Connection

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

#: What the caller binds an approval to: the exact parameters, and what the approver sees.
Params = tuple[dict[str, Any], dict[str, Any]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Grant:
    """A checked approval, ready to be consumed by the run it was given for."""

    id: int
    operation: str
    params_sha256: str
    requested_by: str
    approved_by: str
    approved_at: str

    def to_dict(self) -> dict[str, Any]:
        """The approval as the signed certificate records it."""
        return {
            "id": self.id,
            "operation": self.operation,
            "params_sha256": self.params_sha256,
            "requested_by": self.requested_by,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
        }


def gate(
    vault: Vault,
    *,
    operation: str,
    params: Callable[[], Params],
    approval_id: int | None,
) -> Grant | None:
    """``None`` when no approval is needed or given; a checked :class:`Grant` for
    ``approval_id``; or — setting on, no approval — record a request and raise
    :class:`ApprovalRequiredError` (nothing else changes).

    ``params()`` computes the exact parameters and the approver's summary (no personal
    values); it runs only when an approval is involved.
    """
    if approval_id is None and not vault.settings.require_second_approver:
        return None
    exact, summary = params()
    digest = params_digest(operation, exact)
    if approval_id is None:
        _request(vault, operation, digest, summary)
    # a snapshot: checking an approval never waits for a writer (a refusal is audited)
    action = OPERATIONS[operation]
    with vault.authorized_read(
        lambda conn: vault.authorize(conn, action=action)
    ) as conn:
        row = _load(conn, approval_id)
        _check_use(vault, row, operation, digest)
    return _grant(row)


def consume(
    vault: Vault,
    conn: Connection,
    grant: Grant | None,
    *,
    run: str,
    params: dict[str, Any] | None = None,
) -> None:
    """Use ``grant`` once, inside the operation's own transaction (audited). ``params``,
    when given, are the parameters recomputed in that transaction: a change since the
    approval (e.g. more customers due) refuses the run."""
    if grant is None:
        return
    digest = (
        params_digest(grant.operation, params)
        if params is not None
        else grant.params_sha256
    )
    row = _load(conn, grant.id)
    _check_use(vault, row, grant.operation, digest)
    if not store.mark_used(conn, grant.id, at=vault.now(), run=run):
        _refuse(
            Refusal(reason="reused", message=f"Approval {grant.id} was already used"),
            grant.id,
        )
    vault.record(
        conn,
        action="approval-used",
        target=f"approval:{grant.id}",
        details={**grant.to_dict(), "run": run},
    )


def approve(vault: Vault, approval_id: int, *, note: str = "") -> dict[str, Any]:
    """A second administrator approves a pending request (not their own)."""
    return _decide(vault, approval_id, approving=True, note=note)


def reject(vault: Vault, approval_id: int, *, note: str = "") -> dict[str, Any]:
    """An administrator rejects a pending request; it can never be used."""
    return _decide(vault, approval_id, approving=False, note=note)


def list_requests(
    vault: Vault, *, include_closed: bool = False
) -> list[dict[str, Any]]:
    """Open (pending, approved) requests — every request with ``include_closed``."""
    actions = sorted(set(OPERATIONS.values()))
    with vault.reading(*actions) as conn:
        rows = store.list_requests(conn, include_closed=include_closed)
    now = vault.now()
    return [
        {
            **r.to_dict(),
            "command": COMMANDS[r.operation],
            "expired": r.status in ("pending", "approved") and now >= r.expires_at,
        }
        for r in rows
    ]


# --- private ------------------------------------------------------------------------------


def _request(
    vault: Vault, operation: str, digest: str, summary: dict[str, Any]
) -> NoReturn:
    """Record (or find again) this person's request for exactly this run; then stop."""
    now = vault.clock.now()
    with vault.write() as conn:
        vault.authorize(conn, action=OPERATIONS[operation])
        found = store.find_pending(
            conn,
            operation=operation,
            params_sha256=digest,
            requested_by=vault.actor,
            now=to_timestamp(now),
        )
        if found is None:
            expires = _expiry(vault, now)
            approval_id = store.insert_request(
                conn,
                operation=operation,
                params_sha256=digest,
                summary=summary,
                requested_by=vault.actor,
                requested_at=to_timestamp(now),
                expires_at=expires,
            )
            vault.record(
                conn,
                action="approval-requested",
                target=f"approval:{approval_id}",
                details={
                    "operation": operation,
                    "params_sha256": digest,
                    "summary": summary,
                    "expires_at": expires,
                },
            )
            status, expires_at, approver = "pending", expires, None
        else:
            approval_id, status = found.id, found.status
            expires_at, approver = found.expires_at, found.decided_by
    if status == "approved":
        message = (
            f"Approval {approval_id} for exactly this operation was already given by "
            f"{approver}: run this command again with --approval {approval_id} (before "
            f"{expires_at}); nothing was changed"
        )
    else:
        message = (
            f"'{COMMANDS[operation]}' needs a second administrator's approval "
            f"(require_second_approver); recorded as approval request {approval_id}: "
            f"another administrator runs 'piplvault approvals approve {approval_id}', "
            f"then run this command again with --approval {approval_id} (before "
            f"{expires_at}); nothing was changed"
        )
    raise ApprovalRequiredError(message, approval_id=approval_id)


def _decide(
    vault: Vault, approval_id: int, *, approving: bool, note: str
) -> dict[str, Any]:
    now = vault.clock.now()
    with vault.write() as conn:
        # no hint to an actor without any destructive right (not even which ids exist)
        vault.authorize_any(conn, sorted(set(OPERATIONS.values())))
        row = _load(conn, approval_id)
        vault.authorize(conn, action=OPERATIONS[row.operation])
        refusal = decision_refusal(
            approval_id=row.id,
            status=row.status,
            requested_by=row.requested_by,
            expires_at=row.expires_at,
            decider=vault.actor,
            now=to_timestamp(now),
            approving=approving,
        )
        if refusal is not None:
            _refuse(refusal, row.id)
        status = "approved" if approving else "rejected"
        expires = _expiry(vault, now) if approving else row.expires_at
        if not store.decide(
            conn,
            row.id,
            status=status,
            by=vault.actor,
            at=to_timestamp(now),
            note=note,
            expires_at=expires,
        ):
            _refuse(
                Refusal(
                    reason="not-pending",
                    message=f"Approval {row.id} was decided meanwhile; nothing was changed",
                ),
                row.id,
            )
        vault.record(
            conn,
            action="approval-approved" if approving else "approval-rejected",
            target=f"approval:{row.id}",
            details={
                "operation": row.operation,
                "requested_by": row.requested_by,
                "params_sha256": row.params_sha256,
                "note": note,
                "expires_at": expires,
            },
        )
        decided = store.load(conn, row.id)
    assert decided is not None  # noqa: S101  just written in this transaction
    return {**decided.to_dict(), "command": COMMANDS[decided.operation]}


def _check_use(vault: Vault, row: ApprovalRow, operation: str, digest: str) -> None:
    refusal = use_refusal(
        approval_id=row.id,
        status=row.status,
        operation=row.operation,
        params_sha256=row.params_sha256,
        decided_by=row.decided_by,
        expires_at=row.expires_at,
        used_run=row.used_run,
        wanted_operation=operation,
        wanted_sha256=digest,
        actor=vault.actor,
        now=vault.now(),
    )
    if refusal is not None:
        _refuse(refusal, row.id)


def _load(conn: Connection, approval_id: int | None) -> ApprovalRow:
    row = None if approval_id is None else store.load(conn, approval_id)
    if row is None:
        raise NotFoundError(f"No approval with id {approval_id}")
    return row


def _grant(row: ApprovalRow) -> Grant:
    return Grant(
        id=row.id,
        operation=row.operation,
        params_sha256=row.params_sha256,
        requested_by=row.requested_by,
        approved_by=str(row.decided_by),
        approved_at=str(row.decided_at),
    )


def _refuse(refusal: Refusal, approval_id: int) -> NoReturn:
    """Raise the refusal; ``Vault.write`` rolls back and audits it (``approval-refused``)."""
    error = ApprovalError(
        refusal.message, reason=refusal.reason, approval_id=approval_id
    )
    error.audit = {  # type: ignore[attr-defined]
        "action": "approval-refused",
        "target": f"approval:{approval_id}",
        "purpose": "",
        "fields": [],
    }
    raise error


def _expiry(vault: Vault, now: dt.datetime) -> str:
    return to_timestamp(now + dt.timedelta(hours=vault.settings.approval_ttl_hours))
