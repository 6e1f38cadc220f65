"""``piplvault audit log|verify``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table as RichTable

from piplvault.cli.app import app, err_console, out_console, print_json
from piplvault.cli.options import (
    DbOption,
    HomeOption,
    JsonOption,
    UserOption,
    open_vault,
)

audit_app = typer.Typer(
    help="Read and verify the tamper-evident audit log.", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")


@audit_app.command("log")
def log_command(
    since: Annotated[
        str | None,
        typer.Option(help="Only entries at or after this UTC time, e.g. 2026-11-01."),
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Print the audit log. Example: piplvault audit log --since 2026-11-01 --json"""
    vault = open_vault(home, db, user)
    entries = vault.audit_entries(since=since)
    vault.close()
    if json_out:
        print_json(
            [
                {
                    "seq": e.seq,
                    "at": e.at,
                    "actor": e.actor,
                    "action": e.action,
                    "target": e.target,
                    "purpose": e.purpose,
                    "outcome": e.outcome,
                    "details": e.details_dict(),
                    "hash": e.hash,
                }
                for e in entries
            ]
        )
        return
    table = RichTable()
    for col in (
        "#",
        "时间 at (UTC)",
        "操作人 actor",
        "操作 action",
        "对象 target",
        "目的 purpose",
        "结果 outcome",
    ):
        table.add_column(col)
    for e in entries:
        table.add_row(
            str(e.seq), e.at[:19], e.actor, e.action, e.target, e.purpose, e.outcome
        )
    out_console.print(table)


@audit_app.command("verify")
def verify_command(
    expect_head: Annotated[
        list[str] | None,
        typer.Option(
            "--expect-head",
            help="A head the log must contain: SEQ:HASH, or a certificate, report, "
            "package, receipt, backup manifest or audit-head.json that carries one "
            "(repeatable).",
        ),
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Verify the hash chain, signed checkpoints and head anchors; exit 1 naming the first
    bad entry. Example: piplvault audit verify --expect-head 1234:9f86d0…"""
    vault = open_vault(home, db, user)
    try:
        report = vault.verify_audit(expect=expect_head or [])
    finally:
        vault.close()
    if json_out:
        print_json(
            {
                "ok": True,
                "entries": report.entries,
                "checkpoints": report.checkpoints,
                "anchors": report.anchors,
                "head_seq": report.head_seq,
                "head_hash": report.head_hash,
                "warnings": report.warnings,
            }
        )
    else:
        for warning in report.warnings:
            err_console.print(f"Warning: {warning}", markup=False, highlight=False)
        print(
            f"审计日志完整 Audit log intact: {report.entries} entries, "
            f"{report.checkpoints} signed checkpoints, {report.anchors} anchor(s), "
            f"head {report.head_seq}:{report.head_hash}"
        )
