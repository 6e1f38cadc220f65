"""``piplvault approvals list|approve|reject``: the second administrator's side."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from piplvault.cli.app import app, emit, out_console, print_json
from piplvault.cli.lazy import lazy_module
from piplvault.cli.options import (
    MAX_ID,
    DbOption,
    HomeOption,
    JsonOption,
    UserOption,
    open_vault,
)
from piplvault.cli.render import plain, table, when
from piplvault.i18n import _

if TYPE_CHECKING:
    from piplvault.vault import approvals
else:
    approvals = lazy_module("piplvault.vault.approvals")

approvals_app = typer.Typer(
    help="Second approver (双人审批) for destructive bulk operations: list, approve, "
    "reject.",
    no_args_is_help=True,
)
app.add_typer(approvals_app, name="approvals")

ApprovalIdArgument = Annotated[
    int, typer.Argument(metavar="ID", min=1, max=MAX_ID, help="The approval's id.")
]
NoteOption = Annotated[
    str, typer.Option("--note", help="Why (recorded, no personal data).")
]


@approvals_app.command("list")
def list_command(
    all_: Annotated[
        bool, typer.Option("--all", help="Include used, rejected and expired ones.")
    ] = False,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """List approval requests (open ones by default). Example: piplvault approvals list"""
    vault = open_vault(home, db, user)
    try:
        rows = approvals.list_requests(vault, include_closed=all_)
    finally:
        vault.close()
    if json_out:
        print_json(rows)
        return
    tz = vault.settings.timezone
    grid = table(
        "ID",
        _("Command"),
        _("Summary"),
        _("Requested by"),
        _("Status"),
        _("Valid until"),
    )
    for r in rows:
        status = r["status"] + (f" ({r['decided_by']})" if r["decided_by"] else "")
        grid.add_row(
            str(r["id"]),
            r["command"],
            _summary(r["summary"]),
            r["requested_by"],
            _("expired") if r["expired"] else status,
            when(r["expires_at"], tz),
        )
    out_console.print(grid)
    out_console.print(_("{n} approval request(s)").format(n=len(rows)))


@approvals_app.command("approve")
def approve_command(
    approval_id: ApprovalIdArgument,
    note: NoteOption = "",
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Approve another administrator's request (never your own). Example: piplvault
    approvals approve 3 --note "checked the retention plan"
    """
    vault = open_vault(home, db, user)
    try:
        row = approvals.approve(vault, approval_id, note=note)
    finally:
        vault.close()
    emit(
        row,
        json_out,
        _(
            "Approved {id} ({command}) for {who}: they run it again with --approval {id} "
            "before {until}"
        ).format(
            id=row["id"],
            command=row["command"],
            who=row["requested_by"],
            until=when(row["expires_at"], vault.settings.timezone),
        ),
    )


@approvals_app.command("reject")
def reject_command(
    approval_id: ApprovalIdArgument,
    note: NoteOption = "",
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Reject a request; it can never be used. Example: piplvault approvals reject 3
    --note "wrong date"
    """
    vault = open_vault(home, db, user)
    try:
        row = approvals.reject(vault, approval_id, note=note)
    finally:
        vault.close()
    emit(
        row,
        json_out,
        _("Rejected {id} ({command})").format(id=row["id"], command=row["command"]),
    )


def _summary(summary: dict[str, Any]) -> str:
    return ", ".join(
        f"{k} {plain(v)}" for k, v in sorted(summary.items()) if k != "customer_ids"
    )
