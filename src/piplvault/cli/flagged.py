"""``piplvault customers flagged list|fix|confirm`` — the review queue of invalid values."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table as RichTable

from piplvault.cli.app import err_console, out_console, print_json
from piplvault.cli.customers import customers_app
from piplvault.cli.lazy import lazy_module
from piplvault.cli.options import (
    CustomerIdArgument,
    DbOption,
    HomeOption,
    JsonOption,
    UserOption,
    open_vault,
)
from piplvault.errors import ValidationError

flagged_app = typer.Typer(
    help="Review values that failed validation on import (kept, flagged, masked).",
    no_args_is_help=True,
)
customers_app.add_typer(flagged_app, name="flagged")

flagged = lazy_module("piplvault.vault.flagged")


@flagged_app.command("list")
def list_command(
    limit: Annotated[
        int, typer.Option(min=1, max=10000, help="At most this many.")
    ] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many.")] = 0,
    purpose: Annotated[
        str | None,
        typer.Option(help="Declared purpose (default data-management 数据管理)."),
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Customers with flagged fields, masked. Example: piplvault customers flagged list"""
    vault = open_vault(home, db, user)
    result = flagged.list_flagged(vault, limit=limit, offset=offset, purpose=purpose)
    vault.close()
    if result.withheld:
        err_console.print(f"{result.withheld} customer(s) withheld by policy")
    if json_out:
        print_json(
            [
                {
                    "id": v.id,
                    "flagged": sorted(k for k, f in v.fields.items() if f.flagged),
                    "fields": {k: f.to_dict() for k, f in v.fields.items()},
                }
                for v in result.customers
            ]
        )
        return
    table = RichTable()
    for col in ("ID", "名称 name", "待核 flagged field", "值 value (masked)"):
        table.add_column(col)
    for v in result.customers:
        for key, f in v.fields.items():
            if f.flagged:
                table.add_row(str(v.id), v.display_name(), key, f.value)
    out_console.print(table)
    err_console.print(
        f"{len(result.customers)} customer(s) to review: fix a value with "
        "`piplvault customers flagged fix ID FIELD --purpose P` (value on stdin) or "
        "accept it with `piplvault customers flagged confirm ID FIELD --purpose P`"
    )


@flagged_app.command("fix")
def fix_command(
    customer_id: CustomerIdArgument,
    field: Annotated[str, typer.Argument(metavar="FIELD")],
    purpose: Annotated[str, typer.Option(help="Declared purpose.")],
    value: Annotated[
        str | None,
        typer.Argument(
            metavar="[VALUE]",
            help="The corrected value; '-' (or nothing) reads one line from stdin, "
            "which keeps it out of the process list.",
        ),
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Replace a flagged value with a valid one; clears the flag.

    Example: echo 13812345678 | piplvault customers flagged fix 7 mobile - --purpose contract
    """
    if value is None or value == "-":
        value = sys.stdin.readline().strip()
    if not value:
        raise ValidationError("No value given (argument or one line on stdin)")
    vault = open_vault(home, db, user)
    result = vault.update_field(customer_id, field, value, purpose=purpose)
    vault.close()
    if json_out:
        print_json(result)
    else:
        err_console.print(
            f"customer {result['id']}: {result['field']} → v{result['version']}, "
            "flag cleared"
        )


@flagged_app.command("confirm")
def confirm_command(
    customer_id: CustomerIdArgument,
    field: Annotated[str, typer.Argument(metavar="FIELD")],
    purpose: Annotated[str, typer.Option(help="Declared purpose.")],
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Accept a flagged value as it is (e.g. a new mobile segment); clears the flag.

    Example: piplvault customers flagged confirm 7 mobile --purpose contract
    """
    vault = open_vault(home, db, user)
    result = flagged.confirm_flag(vault, customer_id, field, purpose=purpose)
    vault.close()
    if json_out:
        print_json(result)
    else:
        err_console.print(f"customer {result['id']}: {result['field']} confirmed")
