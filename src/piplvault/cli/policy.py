"""``piplvault users|purposes|consents|training|policy`` — who may see what, for which purpose."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table as RichTable

from piplvault.cli.app import (
    app,
    emit,
    err_console,
    out_console,
    print_json,
)
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

if TYPE_CHECKING:
    from piplvault.vault import consents, people
else:
    consents = lazy_module("piplvault.vault.consents")
    people = lazy_module("piplvault.vault.people")

users_app = typer.Typer(help="Users, roles and API tokens.", no_args_is_help=True)
purposes_app = typer.Typer(
    help="Purposes (处理目的) and legal bases.", no_args_is_help=True
)
consents_app = typer.Typer(
    help="Per-customer consents (同意) and withdrawals.", no_args_is_help=True
)
training_app = typer.Typer(
    help="Data-protection training records (PIPL Art. 51).", no_args_is_help=True
)
policy_app = typer.Typer(help="Explain access decisions.", no_args_is_help=True)
for sub, name in (
    (users_app, "users"),
    (purposes_app, "purposes"),
    (consents_app, "consents"),
    (training_app, "training"),
    (policy_app, "policy"),
):
    app.add_typer(sub, name=name)


def _table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    table = RichTable()
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*("" if r.get(c) is None else str(r.get(c)) for c in columns))
    out_console.print(table)


# --- users -----------------------------------------------------------------------------


def _new_password(label: str, *, from_stdin: bool) -> str:
    """A new password from stdin (--password-stdin) or a confirmed prompt on a terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if sys.stdin.isatty():
        return str(typer.prompt(label, hide_input=True, confirmation_prompt=True))
    raise ValidationError("Give the password with --password-stdin or on a terminal")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(metavar="NAME")],
    role: Annotated[
        str,
        typer.Option(
            help="admin, compliance_officer, sales, after_sales, "
            "finance, auditor, or a custom role"
        ),
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Add a user. Example: echo 'pw…' | piplvault users add alice --role sales --password-stdin"""
    password = _new_password("Password / 密码", from_stdin=password_stdin)
    vault = open_vault(home, db, user)
    result = people.add_user(vault, name, role, password)
    vault.close()
    emit(result, json_out, f"已添加用户 user added: {name} ({role})")


@users_app.command("passwd")
def users_passwd(
    name: Annotated[str, typer.Argument(metavar="NAME")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Set a user's password (admins: anyone; everyone: their own).

    Also the owner's bootstrap on the box: PIPLVAULT_PASSPHRASE=… piplvault users passwd owner
    """
    password = _new_password("New password / 新密码", from_stdin=password_stdin)
    vault = open_vault(home, db, user)
    result = people.set_password(vault, name, password)
    vault.close()
    emit(result, json_out, f"已设置密码 password set for {name}")


@users_app.command("list")
def users_list(
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List users with their roles and training."""
    vault = open_vault(home, db, user)
    rows = people.list_users(vault)
    vault.close()
    if json_out:
        print_json(rows)
    else:
        _table(
            rows, ["name", "role", "created_at", "disabled_at", "training_valid_until"]
        )


@users_app.command("disable")
def users_disable(
    name: Annotated[str, typer.Argument(metavar="NAME")],
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Disable a user and revoke its tokens."""
    vault = open_vault(home, db, user)
    result = people.disable_user(vault, name)
    vault.close()
    emit(result, json_out, f"已停用 disabled: {name}")


@users_app.command("token")
def users_token(
    name: Annotated[str, typer.Argument(metavar="NAME")],
    days: Annotated[int, typer.Option(help="Days until it expires.")] = 90,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Issue an API token (shown once). Example: piplvault users token alice --days 30"""
    vault = open_vault(home, db, user)
    result = people.issue_token(vault, name, days)
    vault.close()
    if json_out:
        print_json(result)
    else:
        print(result["token"])
        err_console.print(f"expires {result['expires_at']}; it is shown only once")


@users_app.command("revoke-token")
def users_revoke(
    token_id: Annotated[str, typer.Argument(metavar="TOKEN_ID")],
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Revoke an API token by its id."""
    vault = open_vault(home, db, user)
    result = people.revoke_token(vault, token_id)
    vault.close()
    emit(result, json_out, f"revoked {token_id}")


# --- purposes --------------------------------------------------------------------------


@purposes_app.command("list")
def purposes_list(
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List purposes with their legal basis."""
    vault = open_vault(home, db, user)
    rows = consents.list_purposes(vault)
    vault.close()
    if json_out:
        print_json(rows)
    else:
        _table(rows, ["key", "name_zh", "basis", "necessity"])


@purposes_app.command("add")
def purposes_add(
    key: Annotated[str, typer.Argument(metavar="KEY")],
    name_zh: Annotated[str, typer.Option("--name", help="Chinese name, e.g. 会员服务")],
    basis: Annotated[
        str,
        typer.Option(
            help="consent, contract, legal-obligation, hr, "
            "emergency, public-interest, already-public"
        ),
    ],
    necessity: Annotated[
        str, typer.Option(help="Why it is necessary (PIPL Arts. 6, 28)")
    ] = "",
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Add a purpose. Example: piplvault purposes add membership --name 会员服务 --basis consent"""
    vault = open_vault(home, db, user)
    result = consents.add_purpose(vault, key, name_zh, basis, necessity)
    vault.close()
    emit(result, json_out, f"已添加目的 purpose added: {key} ({basis})")


# --- consents --------------------------------------------------------------------------


@consents_app.command("grant")
def consents_grant(
    customer_id: CustomerIdArgument,
    purpose: Annotated[str, typer.Option(help="Purpose key or Chinese name.")],
    separate: Annotated[
        list[str] | None,
        typer.Option(
            help="Separate consent: sensitive, third-party:RECIPIENT_USCC (names the "
            "recipient), public, cross-border (repeatable)."
        ),
    ] = None,
    channel: Annotated[
        str, typer.Option(help="Where it was given: app, paper, web…")
    ] = "cli",
    notice_version: Annotated[
        str, typer.Option(help="Version of the notice shown.")
    ] = "v1",
    basis: Annotated[
        str, typer.Option(help="consent (default) or another legal basis.")
    ] = "consent",
    guardian: Annotated[
        bool, typer.Option("--guardian", help="Given by a guardian (under 14).")
    ] = False,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record a consent. Example: piplvault consents grant 7 --purpose marketing --separate sensitive"""
    vault = open_vault(home, db, user)
    result = consents.grant(
        vault,
        customer_id,
        purpose,
        separate=separate,
        channel=channel,
        notice_version=notice_version,
        basis=basis,
        guardian=guardian,
    )
    vault.close()
    emit(
        result,
        json_out,
        f"已记录同意 consent recorded: customer {customer_id}, {result['purpose']}",
    )


@consents_app.command("withdraw")
def consents_withdraw(
    customer_id: CustomerIdArgument,
    purpose: Annotated[str, typer.Option(help="Purpose key or Chinese name.")],
    channel: Annotated[str, typer.Option(help="How it was withdrawn.")] = "cli",
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Withdraw a consent; it takes effect for the very next read."""
    vault = open_vault(home, db, user)
    result = consents.withdraw(vault, customer_id, purpose, channel=channel)
    vault.close()
    emit(
        result,
        json_out,
        f"已撤回同意 consent withdrawn: customer {customer_id}, {result['purpose']}",
    )


@consents_app.command("show")
def consents_show(
    customer_id: CustomerIdArgument,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """A customer's consent records and the effective basis per purpose."""
    vault = open_vault(home, db, user)
    result = consents.show(vault, customer_id)
    vault.close()
    if json_out:
        print_json(result)
        return
    _table(
        result["records"],
        [
            "purpose",
            "basis",
            "granted_at",
            "channel",
            "notice_version",
            "separate",
            "withdrawn_at",
        ],
    )
    for key, basis in result["effective"].items():
        text = (
            "无 none"
            if basis is None
            else (
                f"{basis['basis']}"
                + (
                    f", withdrawn {basis['withdrawn_on']}"
                    if basis["withdrawn_on"]
                    else ""
                )
            )
        )
        out_console.print(f"{key}: {text}")


@consents_app.command("import")
def consents_import(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX with one consent per row.")],
    match: Annotated[str, typer.Option(help="id, id_number, phone, email or uscc")],
    match_column: Annotated[str, typer.Option(help="Column holding that value.")],
    purpose: Annotated[
        str | None, typer.Option(help="One purpose for every row.")
    ] = None,
    purpose_column: Annotated[
        str | None, typer.Option(help="Column naming the purpose.")
    ] = None,
    granted_column: Annotated[
        str | None, typer.Option(help="Column with the consent time.")
    ] = None,
    withdrawn_column: Annotated[
        str | None,
        typer.Option(help="Column with the withdrawal time (empty: not withdrawn)."),
    ] = None,
    channel: Annotated[str, typer.Option()] = "import",
    notice_version: Annotated[str, typer.Option()] = "",
    separate: Annotated[list[str] | None, typer.Option()] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Import consents. Example: piplvault consents import c.csv --match phone --match-column 手机号 --purpose marketing"""
    vault = open_vault(home, db, user)
    result = consents.import_consents(
        vault,
        file,
        match=match,
        match_column=match_column,
        purpose=purpose,
        purpose_column=purpose_column,
        granted_column=granted_column,
        withdrawn_column=withdrawn_column,
        channel=channel,
        notice_version=notice_version,
        separate=separate,
    )
    vault.close()
    emit(
        result,
        json_out,
        f"imported {result['granted']} consent(s), {result['withdrawn']} withdrawal(s)",
    )


# --- training --------------------------------------------------------------------------


@training_app.command("record")
def training_record(
    name: Annotated[str, typer.Argument(metavar="USER")],
    course: Annotated[str, typer.Argument(metavar="COURSE")],
    score: Annotated[int, typer.Option(help="0-100; 60 or more passes.")],
    valid_days: Annotated[
        int, typer.Option(help="Days the completion stays current.")
    ] = 365,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record a course. Example: piplvault training record alice pipl-basics --score 92 --valid-days 365"""
    vault = open_vault(home, db, user)
    result = people.record_training(
        vault, name, course, score=score, valid_days=valid_days
    )
    vault.close()
    emit(
        result,
        json_out,
        f"{name}: {course} {score} "
        f"({'passed' if result['passed'] else 'not passed'}), until {result['valid_until']}",
    )


@training_app.command("list")
def training_list(
    name: Annotated[str | None, typer.Argument(metavar="[USER]")] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List training records."""
    vault = open_vault(home, db, user)
    rows = people.list_training(vault, name)
    vault.close()
    if json_out:
        print_json(rows)
    else:
        _table(
            rows, ["user", "course", "score", "completed_at", "valid_until", "current"]
        )


# --- policy check ----------------------------------------------------------------------


@policy_app.command("check")
def policy_check(
    name: Annotated[str, typer.Argument(metavar="USER")],
    customer_id: CustomerIdArgument,
    field: Annotated[str, typer.Argument(metavar="FIELD")],
    purpose: Annotated[str, typer.Option(help="Declared purpose.")],
    action: Annotated[
        str, typer.Option(help="read-masked, reveal, update, export")
    ] = "reveal",
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Explain a decision. Example: piplvault policy check alice 7 mobile --purpose marketing"""
    vault = open_vault(home, db, user)
    result = consents.check(vault, name, customer_id, field, purpose, action)
    vault.close()
    if json_out:
        print_json(result)
    else:
        verdict = "允许 ALLOWED" if result["allowed"] else "拒绝 DENIED"
        out_console.print(f"{verdict}: {result['message']} ({result['reason']})")
