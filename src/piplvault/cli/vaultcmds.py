"""``piplvault init``, ``import`` and ``status``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table as RichTable

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
from piplvault.discovery.overrides import parse_map_options
from piplvault.io.mappings import load_mapping
from piplvault.io.mappings import save_mapping as write_mapping
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
            help="flag (default): import the row, keep the invalid value encrypted and "
            "flagged for review (customers flagged list); reject: keep invalid rows out "
            "(exit 1, rest imported); abort: import nothing. A value whose only fault "
            "is the numbering plan (new mobile segments) is always flagged."
        ),
    ] = "flag",
    encoding: Annotated[str | None, typer.Option(help="Force a text encoding.")] = None,
    header_row: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=20,
            help="Row number of the header (default: found; title rows are skipped).",
        ),
    ] = None,
    no_header: Annotated[
        bool,
        typer.Option(
            "--no-header", help="The file has no header row: columns are 列1, 列2…"
        ),
    ] = False,
    purpose: Annotated[
        str, typer.Option(help="Purpose of the collection.")
    ] = "contract",
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="COLUMN=ENTITY (repeatable): your decision for a column, e.g. "
            "'证件=CN_RESIDENT_ID', '联系方式=CN_MOBILE|CN_LANDLINE', '备注=free_text', "
            "'会员号=non_pii'.",
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(help="A saved mapping file (JSON, see --save-mapping)."),
    ] = None,
    save_mapping: Annotated[
        Path | None,
        typer.Option(help="Write this import's column decisions to a mapping file."),
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Import customers. Example: piplvault import examples/customers.csv"""
    overrides = _overrides(mapping, map_ or [])
    vault = open_vault(home, db, user)
    table = open_table(
        file,
        sheet=sheet,
        encoding=encoding,
        header_row=header_row,
        no_header=no_header,
    )
    with _progress(json_out) as advance:
        report = import_table(
            vault,
            table,
            kind=kind,
            dry_run=dry_run,
            on_invalid=on_invalid,
            purpose=purpose,
            progress=advance,
            overrides=overrides,
        )
    vault.close()
    if save_mapping is not None:
        write_mapping(save_mapping, report.mapping)
    if json_out:
        print_json(report.to_dict())
    else:
        _print_import(report)
    for r in report.rejections[:20]:
        where = f"{report.file}, row {r['row']}, column '{r['column']}'"
        if r["action"] == "flagged":
            err_console.print(
                f"Warning: {where}: not a valid {r['entity']} (kept, flagged)",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        else:
            say_error(f"{where}: not a valid {r['entity']} ({r['action']})")
    if report.flagged and not report.dry_run:
        err_console.print(
            f"{report.flagged} row(s) imported with flagged values; review them with "
            "`piplvault customers flagged list`."
        )
    if report.rejected:
        err_console.print(
            f"{report.rejected} row(s) rejected; fix them and import the "
            "file again (rows already imported are matched, not duplicated)."
        )
        raise typer.Exit(1)


def _overrides(mapping: Path | None, options: list[str]) -> dict[str, str]:
    """Column decisions from a mapping file, then from --map (which wins)."""
    overrides = load_mapping(mapping) if mapping is not None else {}
    overrides.update(parse_map_options(options))
    return overrides


class _progress:
    def __init__(self, quiet: bool) -> None:
        self.bar: Progress | None = None
        if not quiet and is_terminal():
            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("正在导入 importing"),
                BarColumn(),
                TextColumn("{task.completed} rows"),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
            )

    def __enter__(self) -> Callable[[int], None] | None:
        if self.bar is None:
            return None
        self.bar.start()
        task = self.bar.add_task("import", total=None)
        bar = self.bar
        return lambda n: bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print_import(report: ImportReport) -> None:
    table = RichTable(
        title=f"{report.file} ({report.encoding})"
        + (" — 试运行 dry run" if report.dry_run else "")
    )
    for col in (
        "列 column",
        "字段 field",
        "类型 entity",
        "敏感 sensitivity",
        "级别 grade",
        "类别 category",
    ):
        table.add_column(col)
    for c in report.columns:
        table.add_row(
            c["header"],
            c["field"],
            (c["entity"] or c["kind"])
            + (" (mixed)" if c["mixed"] else "")
            + (" ←--map" if c["decided_by"] == "person" else ""),
            c["sensitivity"] or "-",
            str(c["grade"]),
            c["category"],
        )
    out_console.print(table)
    for c in report.columns:
        if c["hint"] and c["decided_by"] != "person":
            out_console.print(f"! {c['header']}: {c['hint']}", markup=False)
    out_console.print(
        f"rows {report.rows}: new {report.new}, updated {report.updated}, "
        f"unchanged {report.unchanged}, rejected {report.rejected}, flagged {report.flagged}"
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
    out_console.print(f"客户 customers: {data['customers']}  {data['by_kind']}")
    out_console.print(f"敏感度 sensitivity: {data['field_values_by_sensitivity']}")
    out_console.print(f"类别 category: {data['field_values_by_category']}")
    out_console.print(
        f"密钥版本 key versions: {data['key_versions']}; "
        f"数据密钥 data keys: {data['data_keys']}"
    )
    head = data["audit_head"]
    out_console.print(f"审计 audit head: #{head['seq']} {head['hash'][:16]}…")
