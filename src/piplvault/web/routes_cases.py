"""Transfer and deregistration cases: each step with the law it answers to, its deadline
and what blocks it, and the actions of the current step (routes_case_actions)."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from piplvault.errors import NotFoundError
from piplvault.store import console as console_store
from piplvault.vault import deregistration, transfer
from piplvault.web.case_steps import deregistration_steps, transfer_steps
from piplvault.web.deps import Console, ConsoleDep
from piplvault.web.render import PREFIX, render

router = APIRouter(prefix=PREFIX)


@router.get("/cases")
def case_list(request: Request, console: ConsoleDep) -> Response:
    s = console.session
    with s.reading("report", "transfer", "deregister") as conn:
        found = console_store.all_cases(conn)
    return render(
        request,
        "cases.html",
        web=console.web,
        console=console,
        cases=[dataclasses.asdict(c) for c in found],
    )


@router.get("/cases/{case_id}")
def case_detail(request: Request, console: ConsoleDep, case_id: str) -> Response:
    return case_page(request, console, case_id)


def case_page(
    request: Request, console: Console, case_id: str, **shown: Any
) -> Response:
    """The case as steps, with the actions its current step allows; ``shown`` is what
    the last action did (a notice to show)."""
    s = console.session
    today = s.clock.now().date()
    if case_id.startswith("T-"):
        status = transfer.status(s, case_id)
        steps = transfer_steps(status, today)
    elif case_id.startswith("D-"):
        status = deregistration.status(s, case_id)
        status.pop("customers", None)  # per-customer rows are not shown here
        steps = deregistration_steps(status, today)
    else:
        raise NotFoundError(f"No transfer or deregistration case '{case_id}'")
    return render(
        request,
        "case.html",
        status=shown.pop("status", 200),
        web=console.web,
        console=console,
        case=status,
        steps=steps,
        second_approver=s.settings.require_second_approver,
        custodian_types=deregistration.CUSTODIAN_TYPES,
        **shown,
    )
