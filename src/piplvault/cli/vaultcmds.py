"""``piplvault init``, ``import`` and ``status``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from piplvault.cli.app import app, err_console, out_console, print_json, say_error
from piplvault.cli.options import (
    DbOption,
    HomeOption,
    JsonOption,
    UserOption,
    is_terminal,
    open_vault,
    settings_from,
)
from piplvault.cli.render import (
    ProgressBar,
    count_rows,
    record,
    status_lines,
    value_name,
)
from piplvault.cli.render import table as render_table
from piplvault.i18n import _
from piplvault.io.tables import open_table
from piplvault.settings import load_settings
from piplvault.vault import Vault
from piplvault.vault.imports import ImportReport, import_table


@app.command("init")
def init_command(
    directory: Annotated[Path | None, typer.Argument(help="Vault directory.")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Create a vault. Example: PIPLVAULT_PASSPHRASE=… piplvault init ./piplvault-data"""
    home = directory or load_settings({}).home
    vault = Vault.create(settings_from(home, db, confirm=True))
    info = {
        "home": str(home.resolve()),
        "database": vault.engine.dialect.name,
        "vault_id": vault.meta_value("vault_id"),
        "owner": vault.actor,
    }
    vault.close()
    if json_out:
        print_json(info)
    else:
        err_console.print(
            f"已创建保险库 Vault created at {info['home']} "
            f"({info['database']}); owner: {info['owner']}"
        )


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8/GBK/GB18030) or XLSX file.")],
    sheet: Annotated[str | None, typer.Option(help="Sheet name (XLSX).")] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            help="individual|enterprise for every row (default: from the data)."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check only; store nothing.")
    ] = False,
    on_invalid: Annotated[
        str,
        typer.Option(
            help="reject: keep invalid rows out (exit 1, rest imported); flag: import and "
            "flag them; abort: import nothing."
        ),
    ] = "reject",
    encoding: Annotated[str | None, typer.Option(help="Force a text encoding.")] = None,
    purpose: Annotated[
        str, typer.Option(help="Purpose of the collection.")
    ] = "contract",
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Import customers. Example: piplvault import examples/customers.csv"""
    vault = open_vault(home, db, user)
    table = open_table(file, sheet=sheet, encoding=encoding)
    total = None if json_out or not is_terminal() else count_rows(file, sheet=sheet)
    bar = ProgressBar(
        _("Importing"), total, err_console, enabled=not json_out and is_terminal()
    )
    with bar as advance:
        report = import_table(
            vault,
            table,
            kind=kind,
            dry_run=dry_run,
            on_invalid=on_invalid,
            purpose=purpose,
            progress=advance,
        )
    vault.close()
    if json_out:
        print_json(report.to_dict())
    else:
        _print_import(report)
    for r in report.rejections[:20]:
        say_error(
            f"{report.file}, row {r['row']}, column '{r['column']}': "
            f"not a valid {r['entity']} ({r['action']})"
        )
    if report.rejected:
        err_console.print(
            f"{report.rejected} row(s) rejected; fix them and import the "
            "file again (rows already imported are matched, not duplicated)."
        )
        raise typer.Exit(1)


def _print_import(report: ImportReport) -> None:
    table = render_table(
        _("Column"),
        _("Field"),
        _("Entity"),
        _("Sensitivity"),
        _("Grade"),
        _("Category"),
        title=f"{report.file} ({report.encoding})"
        + (_(" — dry run") if report.dry_run else ""),
    )
    for c in report.columns:
        table.add_row(
            c["header"],
            c["field"],
            (c["entity"] or c["kind"]) + (" (mixed)" if c["mixed"] else ""),
            value_name(c["sensitivity"] or "none"),
            str(c["grade"]),
            value_name(c["category"]),
        )
    out_console.print(table)
    out_console.print(
        _(
            "rows {rows}: new {new}, updated {updated}, unchanged {unchanged}, "
            "rejected {rejected}, flagged {flagged}"
        ).format(
            rows=report.rows,
            new=report.new,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=report.rejected,
            flagged=report.flagged,
        )
    )


@app.command("status")
def status_command(
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Counts by customer kind, sensitivity and category; key versions; audit head."""
    vault = open_vault(home, db, user)
    data = vault.status()
    vault.close()
    if json_out:
        print_json(data)
        return
    out_console.print(record(_("Vault status"), status_lines(data)))
