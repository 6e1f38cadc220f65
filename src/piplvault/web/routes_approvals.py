"""The second approver's side of a destructive bulk operation (双人审批), as ``piplvault
approvals list|approve|reject``: the open requests with what each would do, and approving
or rejecting one with a note. ``approvals.approve`` refuses (and audits) approving one's
own request and any person without the operation's right; nothing is decided here."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from piplvault.i18n import N_
from piplvault.timefmt import local_time
from piplvault.vault import approvals
from piplvault.web.deps import (
    Console,
    ConsoleDep,
    FormDep,
    PostDep,
    field,
    whole_number,
)
from piplvault.web.render import PREFIX, render

router = APIRouter(prefix=PREFIX)


def _page(
    request: Request, console: Console, *, closed: bool = False, **shown: Any
) -> Response:
    rows = approvals.list_requests(console.session, include_closed=closed)
    return render(
        request,
        "approvals.html",
        web=console.web,
        console=console,
        approvals=[
            {
                **r,
                "summary_items": sorted(
                    (k, v) for k, v in r["summary"].items() if k != "customer_ids"
                ),
            }
            for r in rows
        ],
        closed=closed,
        **shown,
    )


@router.get("/approvals")
def approval_list(request: Request, console: ConsoleDep, all: str = "") -> Response:
    return _page(request, console, closed=all == "yes")


@router.post("/approvals/{approval_id}/approve")
def approval_approve(
    request: Request, console: PostDep, form: FormDep, approval_id: str
) -> Response:
    row = approvals.approve(
        console.session, whole_number(approval_id, 9), note=field(form, "note")
    )
    return _page(
        request,
        console,
        done=(
            N_(
                "Approved {id} ({command}) for {who}: they run it again with approval "
                "number {id} before {until}"
            ),
            {
                "id": row["id"],
                "command": row["command"],
                "who": row["requested_by"],
                "until": local_time(
                    row["expires_at"], console.session.settings.timezone
                ),
            },
        ),
    )


@router.post("/approvals/{approval_id}/reject")
def approval_reject(
    request: Request, console: PostDep, form: FormDep, approval_id: str
) -> Response:
    row = approvals.reject(
        console.session, whole_number(approval_id, 9), note=field(form, "note")
    )
    return _page(
        request,
        console,
        done=(
            N_("Rejected {id} ({command})"),
            {"id": row["id"], "command": row["command"]},
        ),
    )
