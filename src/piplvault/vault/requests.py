"""Rights-request use cases (PIPL Arts. 44-50): open, verify, extend, refuse, list, show.

Fulfilment lives in ``vault/requests_fulfil.py``. Every use case authorizes through the
policy (``rights-intake`` to take a request in, ``rights-fulfil`` to close or extend one) and
writes its audit entry in the same transaction. Who asked is sealed under the customer's
data key; the audit log and the table carry only ids, codes and dates.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piplvault.core import rights as core
from piplvault.errors import NotFoundError, ValidationError
from piplvault.store import requests as store
from piplvault.store.engine import Connection
from piplvault.vault import workdays
from piplvault.vault.records import cipher_for

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

REQUESTER_FIELD = "rights-request:{id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Requester:
    """Who asked, when it is not the person themselves (sealed at rest)."""

    name: str = ""
    contact: str = ""
    relationship: str = ""  # next-of-kin: a Civil Code Art. 1045 code
    interest: str = ""  # next-of-kin: the relative's own lawful interest
    death_evidence: str = ""  # next-of-kin: the death certificate or other evidence

    def to_dict(self) -> dict[str, str]:
        return {
            k: v
            for k, v in {
                "name": self.name,
                "contact": self.contact,
                "relationship": self.relationship,
                "interest": self.interest,
                "death_evidence": self.death_evidence,
            }.items()
            if v
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class NewRequest:
    """What ``requests open`` records."""

    customer_id: int
    kind: str
    channel: str
    received_on: dt.date | None = None
    identity_method: str = ""
    wants: str = ""
    requester: Requester = field(default_factory=Requester)
    purposes: tuple[str, ...] = ()  # withdrawal: which purposes (default: all consents)
    processor: str = ""  # portability: the handler the person names (a company)


def service_level(vault: Vault) -> core.ServiceLevel:
    """The service level in force, with its source (setting or product default)."""
    days = vault.settings.rights_working_days
    return core.service_level(
        days if days is not None else core.DEFAULT_WORKING_DAYS,
        configured=days is not None,
    )


def open_request(vault: Vault, new: NewRequest) -> dict[str, Any]:
    """Record a request; its due date counts from receipt (R-NDS-23-1)."""
    kind = core.parse_type(new.kind)
    core.parse_choice(new.channel, core.CHANNELS, "channel")
    if new.identity_method:
        core.parse_choice(new.identity_method, core.IDENTITY_METHODS, "identity")
    wants = _check_kin(kind, new)
    level = service_level(vault)
    calendar = workdays.load(vault.settings.home)
    today = vault.clock.now().date()
    received = new.received_on or today
    if received > today:
        raise ValidationError(
            f"The date received {received} is in the future", field="received"
        )
    due = core.due_date(received, level, calendar.is_workday)
    now = vault.now()
    details: dict[str, Any] = {"article": core.ARTICLES[kind]}
    if new.purposes:
        details["purposes"] = list(new.purposes)
    if kind is core.RequestType.PORTABILITY:
        details["to"] = "processor" if new.processor else "self"
        if new.processor:
            details["processor"] = new.processor
    if new.requester.relationship:
        details["relationship"] = new.requester.relationship
    with vault.write() as conn:
        vault.authorize(conn, action="rights-intake")
        created = _customer_created(conn, new.customer_id)
        state = core.State.VERIFIED if new.identity_method else core.State.RECEIVED
        request_id = store.insert_request(
            conn,
            customer_id=new.customer_id,
            customer_created=created,
            kind=kind.value,
            wants=wants,
            state=state.value,
            channel=new.channel,
            received_at=f"{received.isoformat()}T00:00:00Z" if new.received_on else now,
            due_on=due.isoformat(),
            due_source=f"{level.source}; calendar: {calendar.source()}",
            identity_method=new.identity_method,
            verified_at=now if new.identity_method else None,
            verified_by=vault.actor if new.identity_method else None,
            details=details,
            opened_by=vault.actor,
            updated_at=now,
        )
        who = new.requester.to_dict()
        if who:
            cipher = cipher_for(conn, vault.keyring, new.customer_id)
            sealed = cipher.encrypt(
                REQUESTER_FIELD.format(id=request_id), 1, json.dumps(who)
            )
            store.set_requester(conn, request_id, sealed)
        vault.record(
            conn,
            action="rights-request-opened",
            target=f"rights-request:{request_id}",
            details={
                "customer": new.customer_id,
                "kind": kind.value,
                "wants": wants,
                "channel": new.channel,
                "state": state.value,
                "due_on": due.isoformat(),
                "working_days": level.working_days,
                "requester_recorded": bool(who),
            },
        )
        row = store.get_request(conn, request_id)
    return summary(row, today)


def verify_request(vault: Vault, request_id: int, method: str) -> dict[str, Any]:
    """Record how the requester's identity was checked (no more data than the vault holds)."""
    core.parse_choice(method, core.IDENTITY_METHODS, "identity")
    with vault.write() as conn:
        vault.authorize(conn, action="rights-intake")
        row = store.get_request(conn, request_id)
        core.check_transition(
            core.State(row.state), core.State.VERIFIED, request_id=request_id
        )
        now = vault.now()
        store.update_request(
            conn,
            request_id,
            state=core.State.VERIFIED.value,
            identity_method=method,
            verified_at=now,
            verified_by=vault.actor,
            updated_at=now,
        )
        vault.record(
            conn,
            action="rights-request-verified",
            target=f"rights-request:{request_id}",
            details={"customer": row.customer_id, "method": method},
        )
        row = store.get_request(conn, request_id)
    return summary(row, vault.clock.now().date())


def start_request(vault: Vault, request_id: int) -> dict[str, Any]:
    """Mark a verified (or extended) request as being worked on (in progress)."""
    with vault.write() as conn:
        vault.authorize(conn, action="rights-intake")
        row = store.get_request(conn, request_id)
        core.check_transition(
            core.State(row.state), core.State.IN_PROGRESS, request_id=request_id
        )
        store.update_request(
            conn, request_id, state=core.State.IN_PROGRESS.value, updated_at=vault.now()
        )
        vault.record(
            conn,
            action="rights-request-started",
            target=f"rights-request:{request_id}",
            details={"customer": row.customer_id, "from": row.state},
        )
        row = store.get_request(conn, request_id)
    return summary(row, vault.clock.now().date())


def extend_request(
    vault: Vault, request_id: int, *, working_days: int, reason: str
) -> dict[str, Any]:
    """Move the due date once, by ``working_days``, with a reason told to the person."""
    if not reason.strip():
        raise ValidationError("An extension needs a reason", field="reason")
    if not 1 <= working_days <= 60:
        raise ValidationError("The extension must be 1..60 working days", field="days")
    calendar = workdays.load(vault.settings.home)
    with vault.write() as conn:
        vault.authorize(conn, action="rights-fulfil")
        row = store.get_request(conn, request_id)
        if row.extended_to:
            raise ValidationError(
                f"Request {request_id} was already extended to {row.extended_to}; "
                "it can be extended once"
            )
        core.check_transition(
            core.State(row.state), core.State.EXTENDED, request_id=request_id
        )
        until = core.add_working_days(
            dt.date.fromisoformat(row.due_on), working_days, calendar.is_workday
        )
        store.update_request(
            conn,
            request_id,
            state=core.State.EXTENDED.value,
            extended_to=until.isoformat(),
            extension_reason=reason.strip(),
            updated_at=vault.now(),
        )
        vault.record(
            conn,
            action="rights-request-extended",
            target=f"rights-request:{request_id}",
            details={
                "customer": row.customer_id,
                "from": row.due_on,
                "to": until.isoformat(),
                "working_days": working_days,
            },
        )
        row = store.get_request(conn, request_id)
    return summary(row, vault.clock.now().date())


def list_requests(
    vault: Vault, *, include_closed: bool = False, overdue_only: bool = False
) -> dict[str, Any]:
    """Requests (open ones unless ``include_closed``), without who asked."""
    today = vault.clock.now().date()
    with vault.reading("rights-intake", "report") as conn:
        states = None if include_closed else [s.value for s in core.OPEN_STATES]
        rows = store.list_requests(conn, states=states)
    items = [summary(r, today) for r in rows]
    if overdue_only:
        items = [i for i in items if i["overdue"]]
    level = service_level(vault)
    return {
        "requests": items,
        "service_level": {
            "working_days": level.working_days,
            "source": level.source,
            "source_zh": level.source_zh,
        },
        "today": today.isoformat(),
    }


def show_request(vault: Vault, request_id: int) -> dict[str, Any]:
    """One request with who asked (decrypted for an intake or fulfil role; audited)."""
    with vault.write() as conn:
        vault.authorize_any(conn, ["rights-intake", "rights-fulfil"])
        row = store.get_request(conn, request_id)
        requester = requester_of(vault, conn, row)
        vault.record(
            conn,
            action="rights-request-read",
            target=f"rights-request:{request_id}",
            details={"customer": row.customer_id},
        )
    return {
        **summary(row, vault.clock.now().date()),
        "requester": requester,
        "due_source": row.due_source,
        "verified_by": row.verified_by,
        "extension_reason": row.extension_reason,
        "outcome": row.outcome,
        "opened_by": row.opened_by,
    }


def refuse_request(
    vault: Vault,
    request_id: int,
    *,
    ground: str,
    explanation: str,
    out_dir: Path | None = None,
) -> dict[str, Any]:
    """Close a request as refused with a ground the law allows (Art. 50); the reply tells
    the person they may complain to the authorities and sue (R-50-1)."""
    from piplvault.vault import requests_fulfil

    reason = core.refusal_ground(ground)
    if not explanation.strip():
        raise ValidationError(
            "A refusal must give the person its reasons (PIPL Art. 50)",
            field="explain",
        )
    return requests_fulfil.close_refused(
        vault, request_id, reason, explanation.strip(), out_dir
    )


def requester_of(vault: Vault, conn: Connection, row: store.RequestRow) -> Any:
    """Who asked, decrypted in memory; ``self`` when the person asked themselves."""
    if row.requester is None:
        return "self"
    try:
        cipher = cipher_for(conn, vault.keyring, row.customer_id)
    except NotFoundError:
        return "shredded"  # the customer's key is gone, and with it who asked
    plain = cipher.decrypt(REQUESTER_FIELD.format(id=row.id), 1, row.requester)
    return json.loads(plain)


def open_for(conn: Connection, customer_ids: list[int]) -> list[store.RequestRow]:
    """Open requests about these customers (for transfer and custodian packages)."""
    states = [s.value for s in core.OPEN_STATES]
    return store.list_requests(conn, states=states, customer_ids=customer_ids)


def summary(row: store.RequestRow, today: dt.date) -> dict[str, Any]:
    """A request as listed: ids, codes and dates only (no personal data)."""
    due = dt.date.fromisoformat(row.effective_due)
    return {
        "id": row.id,
        "customer_id": row.customer_id,
        "kind": row.kind,
        "wants": row.wants or None,
        "state": row.state,
        "channel": row.channel,
        "received_at": row.received_at,
        "due_on": row.due_on,
        "extended_to": row.extended_to,
        "identity_method": row.identity_method or None,
        "verified_at": row.verified_at,
        "refusal_ground": row.refusal_ground,
        "closed_at": row.closed_at,
        "overdue": core.is_overdue(core.State(row.state), due, today),
        "details": row.details,
    }


def _check_kin(kind: core.RequestType, new: NewRequest) -> str:
    """Art. 49: a close relative, death evidence and their own interest are required."""
    if kind is not core.RequestType.NEXT_OF_KIN:
        if new.wants:
            raise ValidationError(
                "What a relative wants is only for next-of-kin requests", field="wants"
            )
        return ""
    wants = core.handled_as(
        kind,
        core.RequestType(new.wants)
        if new.wants in {t.value for t in core.RequestType}
        else None,
    )
    who = new.requester
    core.parse_choice(who.relationship, core.RELATIONSHIPS, "relationship")
    if not who.name:
        raise ValidationError("A next-of-kin request needs the relative's name")
    if not who.death_evidence.strip():
        raise ValidationError(
            "A next-of-kin request needs evidence of death (PIPL Art. 49)",
            field="death_evidence",
        )
    if not who.interest.strip():
        raise ValidationError(
            "A next-of-kin request must state the relative's own lawful interest "
            "(PIPL Art. 49)",
            field="interest",
        )
    return wants.value


def _customer_created(conn: Connection, customer_id: int) -> str:
    created = store.customer_created(conn, customer_id)
    if created is None:
        raise NotFoundError(f"No customer with id {customer_id}")
    return created


def receive_inherited(
    vault: Vault,
    conn: Connection,
    items: list[dict[str, Any]],
    mapping: dict[int, int],
    case_id: str,
) -> int:
    """Open requests arriving in a handover package keep their receipt time, due date
    and state; who asked is sealed again under the new customer's key."""
    now = vault.now()
    for item in items:
        cid = mapping[int(item["customer_ref"])]
        created = _customer_created(conn, cid)
        request_id = store.insert_request(
            conn,
            customer_id=cid,
            customer_created=created,
            kind=core.parse_type(str(item["kind"])).value,
            wants=str(item.get("wants") or ""),
            state=core.State(str(item["state"])).value,
            channel=core.parse_choice(str(item["channel"]), core.CHANNELS, "channel"),
            received_at=str(item["received_at"]),
            due_on=str(item["due_on"]),
            due_source=f"inherited:{case_id} (request {item['request_ref']})",
            identity_method=str(item.get("identity_method") or ""),
            verified_at=item.get("verified_at"),
            extended_to=item.get("extended_to"),
            details={
                **dict(item.get("details") or {}),
                "inherited": case_id,
                "sender_request": item["request_ref"],
            },
            opened_by=f"inherited:{case_id}",
            updated_at=now,
        )
        who = item.get("requester")
        if isinstance(who, dict) and who:
            cipher = cipher_for(conn, vault.keyring, cid)
            sealed = cipher.encrypt(
                REQUESTER_FIELD.format(id=request_id), 1, json.dumps(who)
            )
            store.set_requester(conn, request_id, sealed)
    return len(items)
