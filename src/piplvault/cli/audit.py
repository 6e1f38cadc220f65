"""``piplvault audit log|verify``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from piplvault.audit.chain import AuditEntry
from piplvault.cli.app import app, emit, err_console, out_console, print_json
from piplvault.cli.lazy import lazy_module
from piplvault.cli.options import (
    DbOption,
    HomeOption,
    JsonOption,
    UserOption,
    open_vault,
)
from piplvault.cli.render import (
    ExportOption,
    record,
    time_header,
    value_name,
    when,
)
from piplvault.cli.render import table as render_table
from piplvault.i18n import _, is_zh
from piplvault.timefmt import zone_label

documents_export = lazy_module("piplvault.documents.export")

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
    out: ExportOption = None,
) -> None:
    """Print the audit log. Example: piplvault audit log --since 2026-11-01 --json"""
    vault = open_vault(home, db, user)
    entries = vault.audit_entries(since=since)
    vault.close()
    if out is not None:
        export = [entry_dict(e) for e in entries]
        settings = vault.settings
        written = documents_export.write_with_original(
            {"title": "审计日志 Audit log", "entries": export},
            out,
            lang=settings.lang,
            tz=settings.timezone,
        )
        emit(written, json_out, "\n".join(written.values()))
        return
    if json_out:
        print_json([entry_dict(e) for e in entries])
        return
    _print_entries(entries, vault.settings.timezone)


def _print_entries(entries: list[AuditEntry], tz: str) -> None:
    """A table (folding, never cutting) when the terminal is wide; else one block each."""
    if out_console.width >= 120:
        table = render_table(
            "#",
            time_header(tz),
            _("Actor"),
            _("Action"),
            _("Target"),
            _("Purpose"),
            _("Outcome"),
        )
        for e in entries:
            table.add_row(
                str(e.seq),
                when(e.at, tz),
                e.actor,
                e.action,
                e.target,
                e.purpose,
                value_name(e.outcome),
            )
        out_console.print(table)
        return
    zone = f"（{zone_label(tz)}）" if is_zh() else f" ({tz})"
    for e in entries:
        out_console.print(
            record(
                f"#{e.seq}  {when(e.at, tz)}{zone}",
                [
                    (_("Actor"), e.actor),
                    (_("Action"), e.action),
                    (_("Target"), e.target),
                    (_("Purpose"), e.purpose),
                    (_("Outcome"), value_name(e.outcome)),
                ],
            )
        )


def entry_dict(e: AuditEntry) -> dict[str, Any]:
    """One audit entry as ``audit log --json`` prints it."""
    return {
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
