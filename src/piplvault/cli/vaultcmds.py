"""``piplvault init``, ``import`` and ``status``."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
from piplvault.cli.lazy import lazy_module
from piplvault.cli.company import (
    AddressOption,
    ContactOption,
    DpoOption,
    NameOption,
    SignatureOption,
    UsccOption,
    profile_changes,
)
from piplvault.cli.options import (
    DbOption,
    HomeOption,
    JsonOption,
    UserOption,
    is_terminal,
    open_vault,
    settings_from,
)
from piplvault.settings import load_settings

if TYPE_CHECKING:
    from piplvault.io import tables
    from piplvault.vault import company, imports, people, policy, service
    from piplvault.vault.imports import ImportReport
else:
    tables = lazy_module("piplvault.io.tables")
    company = lazy_module("piplvault.vault.company")
    imports = lazy_module("piplvault.vault.imports")
    people = lazy_module("piplvault.vault.people")
    policy = lazy_module("piplvault.vault.policy")
    service = lazy_module("piplvault.vault.service")


@app.command("init")
def init_command(
    directory: Annotated[Path | None, typer.Argument(help="Vault directory.")] = None,
    company_name: NameOption = None,
    company_uscc: UsccOption = None,
    company_address: AddressOption = None,
    company_contact: ContactOption = None,
    company_dpo: DpoOption = None,
    sms_signature: SignatureOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Create a vault. Example: PIPLVAULT_PASSPHRASE=… piplvault init ./piplvault-data
    --company-name 示例商贸有限公司 --company-uscc 91110000600037341L (the company profile
    is printed on every notice; 'piplvault company set' later)"""
    home = directory or load_settings({}).home
    changes = profile_changes(
        company_name,
        company_uscc,
        company_address,
        company_contact,
        company_dpo,
        sms_signature,
    )
    owner_password = _owner_password()
    vault = service.Vault.create(settings_from(home, db, confirm=True))
    if owner_password:
        people.set_password(vault, vault.actor, owner_password)
    info: dict[str, Any] = {
        "home": str(home.resolve()),
        "database": vault.engine.dialect.name,
        "vault_id": vault.meta_value("vault_id"),
        "owner": vault.actor,
        "owner_password_set": bool(owner_password),
    }
    if any(v is not None for v in changes.values()):
        info["company"] = company.set_profile(vault, **changes)
    info["company_missing"] = company.show(vault)["missing"]
    vault.close()
    if json_out:
        print_json(info)
    else:
        err_console.print(
            f"已创建保险库 Vault created at {info['home']} "
            f"({info['database']}); owner: {info['owner']}"
        )
        if info["company_missing"]:
            err_console.print(
                "Company profile incomplete ("
                + ", ".join(info["company_missing"])
                + "): notices name the handler — run 'piplvault company set'."
            )

    if not owner_password:
        err_console.print(
            "注意 Note: the owner has no password yet, so cannot log in to "
            "'piplvault serve'; set one with 'piplvault users passwd owner'.",
            markup=False,
        )


def _owner_password() -> str | None:
    """The owner's own login password: PIPLVAULT_OWNER_PASSWORD or a prompt (checked
    before anything is created, so a too-short password leaves no vault behind)."""
    password = os.environ.get("PIPLVAULT_OWNER_PASSWORD") or None
    if password is None and sys.stdin.isatty():
        password = typer.prompt(
            "Owner's login password (for piplvault serve) / 所有者登录密码",
            hide_input=True,
            confirmation_prompt=True,
        )
    if password is not None:
        policy.hash_password(password)  # validates length before the vault exists
    return password


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
    last_transaction_column: Annotated[
        str | None,
        typer.Option(
            help="A date column recorded as each customer's last transaction (statutory "
            "retention counts from it); re-import a file with it to set dates in bulk."
        ),
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Import customers. Example: piplvault import examples/customers.csv
    [--last-transaction-column 交易日期]"""
    vault = open_vault(home, db, user)
    table = tables.open_table(file, sheet=sheet, encoding=encoding)
    with _progress(json_out) as advance:
        report = imports.import_table(
            vault,
            table,
            kind=kind,
            dry_run=dry_run,
            on_invalid=on_invalid,
            purpose=purpose,
            progress=advance,
            last_transaction_column=last_transaction_column,
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
            (c["entity"] or c["kind"]) + (" (mixed)" if c["mixed"] else ""),
            c["sensitivity"] or "-",
            str(c["grade"]),
            c["category"],
        )
    out_console.print(table)
    out_console.print(
        f"rows {report.rows}: new {report.new}, updated {report.updated}, "
        f"unchanged {report.unchanged}, rejected {report.rejected}, flagged {report.flagged}"
    )
    dates = report.last_transactions
    if dates is not None:
        out_console.print(
            f"last-transaction dates from '{dates['column']}': "
            f"{dates['customers_dated']} customer(s) dated, {dates['empty_cells']} empty, "
            f"{dates['unreadable']} unreadable (rows {dates['unreadable_rows']})"
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
