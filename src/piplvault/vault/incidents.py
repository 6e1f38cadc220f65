"""Security incidents (PIPL Art. 57, R-57-1; Incident Reporting Measures, R-INC-4-1/7-1):
open → scope (computed from the audit log or a leaked file) → grade and clocks → regulator
report and per-person notices → close with a review.

The scope is computed, never estimated: the customers a user (or one API token) read between
two times, from the audit log; or the customers in a leaked file, matched by blind index the
way an import matches (the file is read in memory and never stored). Only customer ids are
kept; the rendering lives in vault/incident_documents.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import TYPE_CHECKING, Any

from piplvault.core import incidents as rules_
from piplvault.core.policy import ALL_CATEGORIES
from piplvault.errors import NotFoundError, ValidationError, VaultError, WorkflowError
from piplvault.store import incidents as store
from piplvault.store.engine import Connection
from piplvault.timefmt import parse_utc
from piplvault.vault.records import load_field_defs

if TYPE_CHECKING:
    from piplvault.io.tables import Table
    from piplvault.vault.service import Vault

ACTION = "incident"
#: Audit events that show a customer to the actor, and where the customer ids are.
READ_EVENTS = {
    "pii-revealed": "target",
    "customer-read": "target",
    "customers-listed": "customer_ids",
    "customers-searched": "matches",
    "customers-flagged-listed": "customer_ids",
    "share-exported": "customer_ids",
}
TEXT_FIELDS = (
    "description",
    "cause",
    "harm",
    "remedies",
    "advice",
    "contact",
    "measures",
)


def rules(vault: Vault) -> rules_.IncidentRules:
    s = vault.settings
    return rules_.IncidentRules.parse(
        s.incident_grades, s.incident_operator, s.incident_summary_days
    )


def refuse(error: VaultError, incident_id: str, action: str = "incident") -> VaultError:
    """Mark ``error`` so that Vault.write audits the refusal after its rollback."""
    info = {"action": action, "target": f"incident:{incident_id}", "purpose": ""}
    setattr(error, "audit", info)  # noqa: B010  read back with getattr by Vault.write
    return error


def parse_time(value: str, option: str) -> str:
    """A date or date-time given by the operator (local dates are read as UTC midnight)."""
    moment = parse_utc(value)
    if moment is None:
        raise ValidationError(f"{option} must be a time like 2026-11-30T09:00:00+08:00")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


#: The order categories are listed in (documents read identity first).
CATEGORY_ORDER = ("identity", "contact", "address", "financial", "transaction",
                  "organisation", "network", "business", "free_text")  # fmt: skip


def parse_categories(text: str) -> list[str]:
    given = {c.strip() for c in text.split(",") if c.strip()}
    wanted = sorted(given, key=lambda c: (*CATEGORY_ORDER, c).index(c))
    bad = [c for c in wanted if c not in ALL_CATEGORIES]
    if bad or not wanted:
        raise ValidationError(
            f"Unknown PI category '{bad[0] if bad else text}'; categories: "
            f"{', '.join(sorted(ALL_CATEGORIES))}"
        )
    return wanted


def open_incident(
    vault: Vault,
    *,
    title: str,
    found_at: str,
    source: str,
    categories: str,
    started_at: str | None = None,
    **texts: str | None,
) -> dict[str, Any]:
    """Record what happened, when it was found, how, and which categories of PI."""
    if not title.strip() or not source.strip():
        raise ValidationError(
            "An incident needs a title and a source",
            field="title" if not title.strip() else "source",
        )
    found = parse_time(found_at, "--found-at")
    details: dict[str, Any] = {
        k: v.strip() for k, v in texts.items() if v and k in TEXT_FIELDS
    }
    if started_at:
        details["started_at"] = parse_time(started_at, "--started-at")
    cats = parse_categories(categories)
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        incident_id = store.next_incident_id(conn)
        store.insert_incident(
            conn,
            id=incident_id,
            state="open",
            title=title.strip(),
            found_at=found,
            source=source.strip(),
            categories=",".join(cats),
            details=json.dumps(details, ensure_ascii=False),
            opened_at=vault.now(),
            opened_by=vault.actor,
        )
        vault.record(
            conn,
            action="incident-opened",
            target=f"incident:{incident_id}",
            details={"found_at": found, "source": source, "categories": cats},
        )
        return describe(vault, conn, incident_id)


def update(vault: Vault, incident_id: str, **texts: str | None) -> dict[str, Any]:
    """Add or correct the cause, harm, remedies, advice, contact or measures taken."""
    given = {
        k: v.strip() for k, v in texts.items() if v is not None and k in TEXT_FIELDS
    }
    if not given:
        raise ValidationError(
            "Give at least one of: description, cause, harm, remedies, advice, contact, "
            "measures"
        )
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        row = open_row(conn, incident_id)
        details = {**json.loads(row.details), **given}
        store.update_incident(
            conn, incident_id, details=json.dumps(details, ensure_ascii=False)
        )
        vault.record(
            conn,
            action="incident-updated",
            target=f"incident:{incident_id}",
            details={"fields": sorted(given)},
        )
        return describe(vault, conn, incident_id)


def scope_from_audit(
    vault: Vault,
    incident_id: str,
    *,
    user: str | None,
    token: str | None,
    since: str,
    until: str,
) -> dict[str, Any]:
    """Everything ``user`` (or the user of API token ``token``, inside its lifetime) read
    between ``since`` and ``until``, from the audit log: reveals, masked reads, listings,
    searches and exports to third parties."""
    if (user is None) == (token is None):
        raise ValidationError(
            "Give exactly one of the user and the API token id", field="by"
        )
    start, end = parse_time(since, "--since"), parse_time(until, "--until")
    if end < start:
        raise ValidationError(
            "The end of the window is before its start", field="until"
        )
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        open_row(conn, incident_id)
        actor = user or ""
        if token is not None:
            window = store.token_window(conn, token)
            if window is None:
                raise NotFoundError(f"No API token with id '{token}'")
            actor, issued, ended = window
            start, end = max(start, issued), min(end, ended)
        events = store.audit_reads(
            conn, actor=actor, since=start, until=end, actions=READ_EVENTS
        )
        people = _people_in(conn, events)
        method = {
            "method": "audit",
            "user": actor,
            "token": token,
            "since": start,
            "until": end,
            "events": len(events),
        }
        return _set_scope(vault, conn, incident_id, people, method)


def scope_from_file(vault: Vault, incident_id: str, table: Table) -> dict[str, Any]:
    """The customers in a leaked file, matched by blind index as an import matches them
    (ID number or USCC first, then phone, then e-mail). Nothing of the file is stored."""
    from piplvault.vault.incident_match import match_table

    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        open_row(conn, incident_id)
        people, counts = match_table(vault, conn, table)
        method = {"method": "file", "file": table.name, **counts}
        return _set_scope(vault, conn, incident_id, people, method)


def _people_in(
    conn: Connection, events: list[tuple[str, str, dict[str, Any]]]
) -> dict[int, bool]:
    """customer id → whether a sensitive field of theirs was among what was read."""
    sensitive_keys = {
        k for k, d in load_field_defs(conn).items() if d.sensitivity == "sensitive"
    }
    people: dict[int, bool] = {}
    for action, target, details in events:
        where = READ_EVENTS[action]
        if where == "target":
            kind, _, raw = target.partition(":")
            ids = [int(raw)] if kind == "customer" and raw.isdecimal() else []
            sensitive = bool(set(details.get("fields", [])) & sensitive_keys) and not (
                details.get("masked", False)
            )
        else:
            ids = [int(i) for i in details.get(where, [])]
            sensitive = action == "share-exported" and bool(
                set(details.get("fields", [])) & sensitive_keys
            )
        for cid in ids:
            people[cid] = people.get(cid, False) or sensitive
    return people


def _set_scope(
    vault: Vault,
    conn: Connection,
    incident_id: str,
    people: dict[int, bool],
    method: dict[str, Any],
) -> dict[str, Any]:
    row = open_row(conn, incident_id)
    graded = rules_.grade(len(people), rules(vault))
    store.replace_affected(conn, incident_id, people)
    details = {**json.loads(row.details), "scope": method}
    store.update_incident(
        conn,
        incident_id,
        affected=len(people),
        grade=graded,
        details=json.dumps(details, ensure_ascii=False),
    )
    vault.record(
        conn,
        action="incident-scoped",
        target=f"incident:{incident_id}",
        details={
            **method,
            "persons": len(people),
            "sensitive_persons": sum(people.values()),
            "grade": graded,
            # the ids are in incident_affected; the log pins them without growing with
            # a million-person incident
            "customer_ids_sha256": hashlib.sha256(
                ",".join(map(str, sorted(people))).encode()
            ).hexdigest(),
        },
    )
    return describe(vault, conn, incident_id)


def list_incidents(vault: Vault) -> list[dict[str, Any]]:
    with vault.reading(ACTION, "report") as conn:
        return [_summary(vault, r, rules(vault)) for r in store.list_incidents(conn)]


def show(vault: Vault, incident_id: str) -> dict[str, Any]:
    with vault.reading(ACTION, "report") as conn:
        return describe(vault, conn, incident_id)


def describe(vault: Vault, conn: Connection, incident_id: str) -> dict[str, Any]:
    """The incident with its grade, clocks (with sources) and scope — no personal data."""
    row = store.load_incident(conn, incident_id)
    if row is None:
        raise NotFoundError(
            f"No incident '{incident_id}'; see 'piplvault incidents list'"
        )
    current = rules(vault)
    people = store.affected(conn, incident_id)
    out = _summary(vault, row, current)
    details = json.loads(row.details)
    out.update(
        details=details,
        sensitive_persons=sum(1 for p in people if p.sensitive),
        notices={
            s: sum(1 for p in people if p.notice == s) for s in ("none", "generated")
        },
        rules=current.to_dict(),
    )
    return out


def _summary(vault: Vault, row: Any, current: rules_.IncidentRules) -> dict[str, Any]:
    aware = parse_utc(str(row.found_at))
    ended = parse_utc(str(row.closed_at)) if row.closed_at else None
    assert aware is not None  # noqa: S101  stored by parse_time
    clocks = rules_.clocks(
        str(row.grade), current, aware_at=aware, handling_ended=ended
    )
    return {
        "id": row.id,
        "state": row.state,
        "title": row.title,
        "found_at": row.found_at,
        "source": row.source,
        "categories": [c for c in str(row.categories).split(",") if c],
        "persons": int(row.affected),
        "grade": row.grade,
        "grade_zh": rules_.GRADE_ZH[str(row.grade)],
        "clocks": [c.to_dict() for c in clocks],
        "opened_by": row.opened_by,
        "closed_at": row.closed_at,
    }


def close(
    vault: Vault, incident_id: str, *, review: str, no_notice_reason: str | None = None
) -> dict[str, Any]:
    """Close with a written review; refused before the regulator report exists, and
    before the notices exist unless a written reason says why none is needed (R-57-1)."""
    if not review.strip():
        raise ValidationError(
            "Closing an incident needs a written review", field="review"
        )
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        row = open_row(conn, incident_id)
        details = json.loads(row.details)
        if not details.get("report"):
            raise refuse(
                WorkflowError(
                    f"Incident {incident_id} has no regulator report yet: run "
                    f"'piplvault incidents report {incident_id} --out DIR' first "
                    "(PIPL Art. 57)"
                ),
                incident_id,
                "incident-closed",
            )
        if int(row.affected) and not details.get("notices") and not no_notice_reason:
            raise refuse(
                WorkflowError(
                    f"Incident {incident_id}: {int(row.affected):,} persons have no "
                    f"notice: run 'piplvault incidents notices {incident_id} --out DIR', "
                    "or give --no-notice-reason (measures effectively avoid harm, "
                    "PIPL Art. 57 para. 2)"
                ),
                incident_id,
                "incident-closed",
            )
        details["review"] = review.strip()
        if no_notice_reason:
            details["no_notice_reason"] = no_notice_reason.strip()
        store.update_incident(
            conn,
            incident_id,
            state="closed",
            closed_at=vault.now(),
            details=json.dumps(details, ensure_ascii=False),
        )
        vault.record(
            conn,
            action="incident-closed",
            target=f"incident:{incident_id}",
            details={"no_notice_reason": bool(no_notice_reason)},
        )
        return describe(vault, conn, incident_id)


def load_row(conn: Connection, incident_id: str) -> Any:
    row = store.load_incident(conn, incident_id)
    if row is None:
        raise NotFoundError(
            f"No incident '{incident_id}'; see 'piplvault incidents list'"
        )
    return row


def open_row(conn: Connection, incident_id: str) -> Any:
    row = load_row(conn, incident_id)
    if row.state != "open":
        raise WorkflowError(f"Incident {incident_id} is closed; nothing was changed")
    return row


# --- emergency plans and drills (R-51-5) ------------------------------------------------------


def add_drill(
    vault: Vault, *, held_on: str, scenario: str, findings: str, plan_version: str = ""
) -> dict[str, Any]:
    """Record a drill of the incident emergency plan: date, scenario, findings."""
    try:
        day = dt.date.fromisoformat(held_on)
    except ValueError as exc:
        raise ValidationError(
            "The date must be a date like 2026-11-30", field="date"
        ) from exc
    if not scenario.strip() or not findings.strip():
        raise ValidationError(
            "A drill needs a scenario and its findings",
            field="scenario" if not scenario.strip() else "findings",
        )
    if day > vault.clock.now().date():
        raise ValidationError("A drill is recorded after it was held, not before")
    with vault.write() as conn:
        vault.authorize(conn, action=ACTION)
        drill_id = store.insert_drill(
            conn,
            held_on=day.isoformat(),
            scenario=scenario.strip(),
            findings=findings.strip(),
            plan_version=plan_version.strip(),
            recorded_at=vault.now(),
            recorded_by=vault.actor,
        )
        vault.record(
            conn,
            action="drill-recorded",
            target=f"drill:{drill_id}",
            details={"held_on": day.isoformat(), "plan_version": plan_version},
        )
    return {"id": drill_id, "held_on": day.isoformat(), "scenario": scenario.strip()}


def list_drills(vault: Vault) -> dict[str, Any]:
    """Drills, and whether one is overdue (none in the last 12 months)."""
    with vault.reading(ACTION, "report") as conn:
        rows = store.list_drills(conn)
    items = [
        {
            "id": int(r.id),
            "held_on": r.held_on,
            "scenario": r.scenario,
            "findings": r.findings,
            "plan_version": r.plan_version,
            "recorded_by": r.recorded_by,
        }
        for r in rows
    ]
    last = dt.date.fromisoformat(items[-1]["held_on"]) if items else None
    return {
        "drills": items,
        "last": last.isoformat() if last else None,
        "overdue": rules_.drill_overdue(last, vault.clock.now().date()),
        "rule": "at least one drill a year (PIPL Art. 51(5); GB/T 35273, R-51-5, S)",
    }
