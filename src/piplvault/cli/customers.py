"""``piplvault customers list|show|find|update``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from piplvault.cli.app import (
    app,
    err_console,
    out_console,
    personal_value,
    print_json,
)
from piplvault.cli.options import (
    MAX_ID,
    CustomerIdArgument,
    DbOption,
    HomeOption,
    JsonOption,
    UserOption,
    open_vault,
)
from piplvault.cli.render import record, value_name
from piplvault.cli.render import table as render_table
from piplvault.errors import ValidationError

if TYPE_CHECKING:
    from piplvault.vault.customers import CustomerList
from piplvault.i18n import _, is_zh

customers_app = typer.Typer(
    help="Look up and change customers (masked by default).", no_args_is_help=True
)
app.add_typer(customers_app, name="customers")


@customers_app.command("list")
def list_command(
    limit: Annotated[
        int, typer.Option(min=1, max=100_000, help="At most this many.")
    ] = 50,
    offset: Annotated[int, typer.Option(min=0, max=MAX_ID, help="Skip this many.")] = 0,
    purpose: Annotated[
        str | None,
        typer.Option(help="Declared purpose (default data-management 数据管理)."),
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List customers, masked. Example: piplvault customers list --limit 10"""
    vault = open_vault(home, db, user)
    views = vault.list_customers(limit=limit, offset=offset, purpose=purpose)
    vault.close()
    _print_many(views, json_out)


@customers_app.command("show")
def show_command(
    customer_id: CustomerIdArgument,
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Show plaintext (audited).")
    ] = False,
    purpose: Annotated[
        str | None, typer.Option(help="Declared purpose, e.g. after-sales (售后服务).")
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            "-f",
            help="Only this field (repeatable); refused if your role may not see it.",
        ),
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show one customer. Example: piplvault customers show 1 --reveal --purpose contract"""
    vault = open_vault(home, db, user)
    view = vault.show_customer(customer_id, reveal=reveal, purpose=purpose, only=field)
    vault.close()
    if json_out:
        print_json(view.to_dict())
        return
    pairs = []
    for key, f in view.fields.items():
        d = f.definition
        name = f"{d.label}（{key}）" if is_zh() and d.label != key else key
        meta = ", ".join(
            x for x in (d.entity or d.kind, value_name(d.sensitivity or "none")) if x
        )
        pairs.append((name, f"{f.value}  [{meta}, v{f.version}]"))
    title = _("Customer {id} ({kind}, {status})").format(
        id=view.id, kind=value_name(view.kind), status=value_name(view.status)
    )
    out_console.print(record(title, pairs))


@customers_app.command("find")
def find_command(
    id_number: Annotated[str | None, typer.Option("--id-number")] = None,
    phone: Annotated[str | None, typer.Option("--phone")] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    uscc: Annotated[str | None, typer.Option("--uscc")] = None,
    name: Annotated[str | None, typer.Option("--name")] = None,
    purpose: Annotated[
        str | None,
        typer.Option(help="Declared purpose (default data-management 数据管理)."),
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Find customers by exact value (blind index). Example: piplvault customers find --phone 13812345678"""
    given = {
        k: v
        for k, v in {
            "id_number": id_number,
            "phone": phone,
            "email": email,
            "uscc": uscc,
            "name": name,
        }.items()
        if v
    }
    if len(given) != 1:
        raise ValidationError(
            "Give exactly one of --id-number, --phone, --email, --uscc, --name"
        )
    ((by, value),) = given.items()
    value = personal_value(value, by)  # '--phone -' reads the value from stdin
    vault = open_vault(home, db, user)
    views = vault.find_customers(by, value, purpose=purpose)
    vault.close()
    _print_many(views, json_out)


@customers_app.command("update")
def update_command(
    customer_id: CustomerIdArgument,
    field: Annotated[str, typer.Argument(metavar="FIELD")],
    purpose: Annotated[str, typer.Option(help="Declared purpose.")],
    value: Annotated[
        str | None,
        typer.Argument(
            metavar="[VALUE]",
            help="The new value; '-' reads it from stdin, none prompts (keeps it out of "
            "the process list).",
        ),
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Set a field to a new version. Example: echo 13900001111 | piplvault customers update 1 mobile - --purpose after-sales"""
    new_value = personal_value(value, f"new value for {field}")
    vault = open_vault(home, db, user)
    result = vault.update_field(customer_id, field, new_value, purpose=purpose)
    vault.close()
    if json_out:
        print_json(result)
    else:
        err_console.print(
            f"customer {result['id']}: {result['field']} → v{result['version']}"
        )


def _print_many(result: CustomerList, json_out: bool) -> None:
    views = result.customers
    if result.withheld:
        err_console.print(
            f"{result.withheld} customer(s) withheld by policy (no legal "
            "basis for this purpose, or your role may not read them)"
        )
    if json_out:
        print_json([v.to_dict() for v in views])
        return
    table = render_table("ID", _("Kind"), _("Name"), _("Mobile"), _("ID number"))
    for v in views:
        f = v.fields
        table.add_row(
            str(v.id),
            value_name(v.kind),
            v.display_name(),
            f["mobile"].value if "mobile" in f else "",
            f["id_number"].value if "id_number" in f else "",
        )
    out_console.print(table)
    err_console.print(_("{n} customer(s)").format(n=len(views)))
