"""Dashboard and audit-log pages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from piplvault.errors import AuditChainError, IntegrityError
from piplvault.store import console as console_store
from piplvault.vault import deregistration, transfer
from piplvault.vault.dashboard_figures import figures as vault_figures
from piplvault.web.deps import Console, ConsoleDep, PostDep, state_of
from piplvault.web.render import PREFIX, render

router = APIRouter(prefix=PREFIX)
AUDIT_PAGE = 50


@router.get("/")
def dashboard(request: Request, console: ConsoleDep) -> Response:
    s = console.session
    panels: dict[str, Any] = {}
    if console.may("report"):
        panels["figures"] = _figures(request, console)
    if any(console.may(a) for a in ("report", "transfer", "deregister")):
        panels["cases"] = _open_cases(console)
    if console.may("audit-read"):
        panels["audit"] = _audit_status(console)
        with s.reading("audit-read") as conn:
            panels["refusals"] = [
                _entry(e) for e in console_store.recent_refusals(conn, limit=10)
            ]
    return render(request, "dashboard.html", web=console.web, console=console, **panels)


@router.get("/dashboard/figures")
def dashboard_figures(request: Request, console: ConsoleDep) -> Response:
    """The figures panel alone: polled (htmx) while they are being computed."""
    return render(
        request,
        "_dashboard_figures.html",
        web=console.web,
        console=console,
        figures=_figures(request, console),
    )


def _figures(request: Request, console: Console) -> dict[str, Any]:
    """The vault-wide counts and retention summary from the dashboard cache (computed
    in the background when stale); refused (audited) without the report right."""
    s = console.session
    s.check_allowed("report")

    def compute() -> tuple[dict[str, Any], str]:
        return vault_figures(s), s.now()

    found, running, error = state_of(request).dashboard.figures(compute)
    return {
        **(found.value if found else {}),
        "computed_at": found.computed_at if found else None,
        "running": running,
        "error": error,
    }


def _open_cases(console: Console) -> list[dict[str, Any]]:
    s = console.session
    with s.reading("report", "transfer", "deregister") as conn:
        found = console_store.open_cases(conn)
    today = s.clock.now().date()
    out = []
    for case in found:
        deadline: str | None = None
        if case.kind == "transfer":
            deadline = transfer.status(s, case.id).get("window_ends_on")
        else:
            status = deregistration.status(s, case.id)
            dates = [
                d
                for d in (status.get("notice_by"), status.get("claims_deadline"))
                if d and dt.date.fromisoformat(d) >= today
            ]
            deadline = min(dates) if dates else None
        out.append({**dataclasses.asdict(case), "deadline": deadline})
    return out


def _audit_status(console: Console) -> dict[str, Any]:
    try:
        report = console.session.verify_audit()
    except (AuditChainError, IntegrityError) as error:
        return {"ok": False, "message": error.message}
    return {
        "ok": True,
        "entries": report.entries,
        "checkpoints": report.checkpoints,
        "head": f"{report.head_seq}:{report.head_hash[:16]}",
        "warnings": report.warnings,
    }


def _entry(row: console_store.AuditRow) -> dict[str, Any]:
    try:
        details = json.loads(row.details)
    except ValueError:
        details = {}
    if not isinstance(details, dict):
        details = {"value": details}
    return {
        **dataclasses.asdict(row),
        "details": details,
        "reason": details.get("message", ""),
    }


@router.get("/audit")
def audit_log(
    request: Request,
    console: ConsoleDep,
    actor: str = "",
    action: str = "",
    outcome: str = "",
    page: int = 1,
) -> Response:
    """The audit log, newest first, filtered by person, action and outcome (reading it is
    itself audited)."""
    s = console.session
    page = max(1, page)
    outcome = outcome if outcome in ("ok", "denied") else ""
    with s.write() as conn:
        s.authorize(conn, action="audit-read")
        rows, total = console_store.audit_page(
            conn,
            actor=actor or None,
            action=action or None,
            outcome=outcome or None,
            limit=AUDIT_PAGE,
            offset=(page - 1) * AUDIT_PAGE,
        )
        actions = console_store.audit_actions(conn)
        s.record(
            conn,
            action="audit-log-read",
            target="audit",
            details={
                "via": "console",
                "filters": {"actor": actor, "action": action, "outcome": outcome},
                "entries": len(rows),
            },
        )
    return render(
        request,
        "audit.html",
        web=console.web,
        console=console,
        entries=[_entry(r) for r in rows],
        total=total,
        page=page,
        pages=max(1, -(-total // AUDIT_PAGE)),
        actions=actions,
        filters={"actor": actor, "action": action, "outcome": outcome},
    )


@router.post("/audit/verify")
def audit_verify(request: Request, console: PostDep) -> Response:
    """Verify the chain, checkpoints and anchors; an HTMX fragment (or a full page)."""
    result = _audit_status(console)
    template = "verify_result.html"
    if request.headers.get("hx-request") != "true":
        template = "verify_page.html"
    return render(request, template, web=console.web, console=console, audit=result)
