"""``piplvault init``, ``import`` and ``status``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from piplvault.cli.app import app, err_console, out_console, print_json
from piplvault.cli.company import (
    AddressOption,
    ContactOption,
    DpoOption,
    NameOption,
    SignatureOption,
    UsccOption,
    profile_changes,
)
from piplvault.cli.entry import say_error
from piplvault.cli.lazy import lazy_module
from piplvault.cli.options import (
    DbOption,
    HomeOption,
    JsonOption,
    UserOption,
    open_vault,
    settings_from,
)
from piplvault.cli.render import (
    count_rows,
    record,
    status_lines,
    terminal_bar,
    value_name,
)
from piplvault.cli.render import table as render_table
from piplvault.discovery.overrides import parse_map_options
from piplvault.i18n import _
from piplvault.io.mappings import load_mapping
from piplvault.io.mappings import save_mapping as write_mapping
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
        "warning": INIT_RECOVERY_NOTICE,
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

    err_console.print(INIT_RECOVERY_NOTICE, markup=False, highlight=False)


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


#: Said at every ``init`` (issue 10, attack 10): there is no recovery without the passphrase.
INIT_RECOVERY_NOTICE = (
    "重要 Important: the passphrase is the only key to this vault. If it is lost, every "
    "customer record in it is lost for good — there is no reset. Keep it in a password "
    "manager or sealed envelope held by a second officer, and keep encrypted backups "
    "(piplvault backup create); see docs/security.md."
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
    last_transaction_column: Annotated[
        str | None,
        typer.Option(
            help="A date column recorded as each customer's last transaction (statutory "
            "retention counts from it); re-import a file with it to set dates in bulk."
        ),
    ] = None,
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
    """Import customers. Example: piplvault import examples/customers.csv
    [--last-transaction-column 交易日期]"""
    overrides = _overrides(mapping, map_ or [])
    vault = open_vault(home, db, user)
    table = tables.open_table(
        file,
        sheet=sheet,
        encoding=encoding,
        header_row=header_row,
        no_header=no_header,
    )
    bar = terminal_bar(_("Importing"), json_out=json_out)
    if bar.enabled:
        bar.expect(count_rows(file, sheet=sheet))
    with bar as advance:
        report = imports.import_table(
            vault,
            table,
            kind=kind,
            dry_run=dry_run,
            on_invalid=on_invalid,
            purpose=purpose,
            progress=advance,
            last_transaction_column=last_transaction_column,
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
            (c["entity"] or c["kind"])
            + (" (mixed)" if c["mixed"] else "")
            + (" ←--map" if c["decided_by"] == "person" else ""),
            value_name(c["sensitivity"] or "none"),
            str(c["grade"]),
            value_name(c["category"]),
        )
    out_console.print(table)
    for c in report.columns:
        if c["hint"] and c["decided_by"] != "person":
            out_console.print(f"! {c['header']}: {c['hint']}", markup=False)
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
    out_console.print(record(_("Vault status"), status_lines(data)))
