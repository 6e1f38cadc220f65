"""``piplvault requests open|verify|list|show|fulfil|refuse|extend|overdue`` — individuals'
rights requests (PIPL Arts. 44-50)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from piplvault.cli.app import app, emit, out_console, personal_value, print_json
from piplvault.cli.lazy import lazy_module
from piplvault.cli.options import (
    MAX_ID,
    CustomerIdArgument,
    DbOption,
    HomeOption,
    JsonOption,
    UserOption,
    open_vault,
)
from piplvault.cli.render import record, table, value_name
from piplvault.errors import ValidationError
from piplvault.i18n import N_, _, is_zh

if TYPE_CHECKING:
    from piplvault.vault import requests, requests_fulfil
else:
    requests = lazy_module("piplvault.vault.requests")
    requests_fulfil = lazy_module("piplvault.vault.requests_fulfil")

requests_app = typer.Typer(
    help="Individuals' rights requests (PIPL Arts. 44-50): access, copy, portability, "
    "correction, deletion, explanation, withdrawal, automated decisions, next of kin.",
    no_args_is_help=True,
)
app.add_typer(requests_app, name="requests")

#: The use cases' errors, so that ``i18n extract`` offers them for translation.
ERROR_TEMPLATES = (
    N_("No rights request with id {id}"),
    N_("Request {id} is {state}; it cannot become {wanted} (allowed: {allowed})"),
    N_(
        "Request {id} is not verified yet: verify the requester's identity first "
        "('piplvault requests verify {id}')"
    ),
    N_("'{code}' is not a refusal ground the law allows; grounds: {grounds}"),
    N_("Unknown request type '{value}'; types: {types}"),
    N_("Unknown {what} '{value}'; valid: {valid}"),
    N_("Request {id} was already extended to {due}; it can be extended once"),
    N_("A refusal must give the person its reasons (PIPL Art. 50)"),
    N_("A correction needs the field and its corrected value"),
    N_("A next-of-kin request needs the relative's name"),
    N_("A next-of-kin request needs evidence of death (PIPL Art. 49)"),
    N_(
        "A next-of-kin request must state the relative's own lawful interest "
        "(PIPL Art. 49)"
    ),
    N_(
        "A next-of-kin request must say what it wants: {wants} (PIPL Art. 49)"
    ),
    N_(
        "Customer {id}'s information was not collected under consent or a contract, so "
        "PIPL Art. 45 para. 3 does not apply; refuse the request: 'piplvault requests "
        "refuse {request} --reason portability-conditions-unmet --explain …'"
    ),
    N_("Customer {id} has no live consent to withdraw; name the purposes withdrawn"),
)  # fmt: skip

RequestIdArgument = Annotated[int, typer.Argument(metavar="REQUEST", min=1, max=MAX_ID)]
OutOption = Annotated[
    Path,
    typer.Option(
        "--out",
        help="Directory for the reply (letter, copy); outside the vault directory.",
    ),
]


@requests_app.command("open")
def open_command(
    customer_id: CustomerIdArgument,
    kind: Annotated[
        str,
        typer.Option(
            "--type",
            help="access, portability, correction, deletion, explanation, withdrawal, "
            "automated-decision or next-of-kin.",
        ),
    ],
    channel: Annotated[
        str,
        typer.Option(help="counter, phone, email, letter, app, web or other."),
    ],
    identity: Annotated[
        str | None,
        typer.Option(
            help="How identity was verified (in-person, sms-code, email-code, "
            "account-login, id-match, notarised, other); leave out to verify later."
        ),
    ] = None,
    received: Annotated[
        str | None,
        typer.Option(
            help="Date received, YYYY-MM-DD (default today); the clock starts."
        ),
    ] = None,
    requester_name: Annotated[
        str | None,
        typer.Option(help="Who asked, if not the person ('-' reads stdin)."),
    ] = None,
    requester_contact: Annotated[
        str | None, typer.Option(help="How to reach who asked.")
    ] = None,
    relationship: Annotated[
        str | None,
        typer.Option(
            help="next-of-kin: spouse, parent, child, sibling, grandparent, grandchild."
        ),
    ] = None,
    interest: Annotated[
        str | None,
        typer.Option(help="next-of-kin: the relative's own lawful interest."),
    ] = None,
    death_evidence: Annotated[
        str | None, typer.Option(help="next-of-kin: evidence of death.")
    ] = None,
    wants: Annotated[
        str | None,
        typer.Option(help="next-of-kin: access, correction or deletion."),
    ] = None,
    purpose: Annotated[
        list[str] | None,
        typer.Option(help="withdrawal: purpose withdrawn (repeatable; default all)."),
    ] = None,
    processor: Annotated[
        str | None,
        typer.Option(help="portability: the handler the person names (a company)."),
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record a rights request; due date in working days. Example: piplvault requests open 7 --type access --channel phone --identity sms-code"""
    name = (
        personal_value(requester_name, "requester name")
        if requester_name is not None
        else ""
    )
    new = requests.NewRequest(
        customer_id=customer_id,
        kind=kind,
        channel=channel,
        received_on=_date(received),
        identity_method=identity or "",
        wants=wants or "",
        requester=requests.Requester(
            name=name,
            contact=requester_contact or "",
            relationship=relationship or "",
            interest=interest or "",
            death_evidence=death_evidence or "",
        ),
        purposes=tuple(purpose or ()),
        processor=processor or "",
    )
    vault = open_vault(home, db, user)
    result = requests.open_request(vault, new)
    vault.close()
    emit(
        result,
        json_out,
        _("Request R-{id} recorded ({state}); reply due {due}").format(
            id=result["id"], state=value_name(result["state"]), due=result["due_on"]
        ),
    )


@requests_app.command("verify")
def verify_command(
    request_id: RequestIdArgument,
    identity: Annotated[
        str,
        typer.Option(
            help="in-person, sms-code, email-code, account-login, id-match, "
            "notarised or other."
        ),
    ],
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record how the requester's identity was verified. Example: piplvault requests verify 3 --identity sms-code"""
    vault = open_vault(home, db, user)
    result = requests.verify_request(vault, request_id, identity)
    vault.close()
    emit(result, json_out, _("Request R-{id} verified").format(id=request_id))


@requests_app.command("start")
def start_command(
    request_id: RequestIdArgument,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Mark a verified request as in progress. Example: piplvault requests start 3"""
    vault = open_vault(home, db, user)
    result = requests.start_request(vault, request_id)
    vault.close()
    emit(
        result,
        json_out,
        _("Request R-{id} {state}").format(
            id=request_id, state=value_name(result["state"])
        ),
    )


@requests_app.command("list")
def list_command(
    all_: Annotated[
        bool, typer.Option("--all", help="Include fulfilled and refused requests.")
    ] = False,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List open rights requests with their due dates. Example: piplvault requests list --all"""
    vault = open_vault(home, db, user)
    result = requests.list_requests(vault, include_closed=all_)
    vault.close()
    _print_list(result, json_out)


@requests_app.command("overdue")
def overdue_command(
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Open requests past their due date. Example: piplvault requests overdue"""
    vault = open_vault(home, db, user)
    result = requests.list_requests(vault, overdue_only=True)
    vault.close()
    _print_list(result, json_out)


@requests_app.command("show")
def show_command(
    request_id: RequestIdArgument,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show one request, with who asked (audited). Example: piplvault requests show 3"""
    vault = open_vault(home, db, user)
    result = requests.show_request(vault, request_id)
    vault.close()
    if json_out:
        print_json(result)
        return
    pairs = [
        (_("Customer"), str(result["customer_id"])),
        (_("Type"), _kind(result)),
        (_("State"), value_name(result["state"])),
        (_("Channel"), result["channel"]),
        (_("Received"), result["received_at"]),
        (_("Due"), result["extended_to"] or result["due_on"]),
        (_("Due date source"), result["due_source"]),
        (_("Identity check"), result["identity_method"] or "-"),
        (_("Requester"), _requester(result["requester"])),
        (_("Refusal ground"), result["refusal_ground"] or "-"),
    ]  # fmt: skip
    out_console.print(record(_("Rights request R-{id}").format(id=request_id), pairs))


@requests_app.command("fulfil")
def fulfil_command(
    request_id: RequestIdArgument,
    out: OutOption,
    field: Annotated[
        str | None, typer.Option(help="correction: the field to correct.")
    ] = None,
    value: Annotated[
        str | None,
        typer.Option(help="correction: the corrected value ('-' reads stdin)."),
    ] = None,
    purpose: Annotated[
        list[str] | None,
        typer.Option(help="withdrawal: purpose withdrawn (repeatable)."),
    ] = None,
    note: Annotated[
        str | None,
        typer.Option(help="automated-decision: how a person now takes the decision."),
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Carry out a verified request and write the reply. Example: piplvault requests fulfil 3 --out ./replies"""
    corrected = personal_value(value, "corrected value") if field else None
    vault = open_vault(home, db, user)
    result = requests_fulfil.fulfil(
        vault,
        request_id,
        out_dir=out,
        field=field,
        value=corrected,
        purposes=tuple(purpose or ()),
        note=note or "",
    )
    vault.close()
    emit(result, json_out, _reply_line(result))


@requests_app.command("refuse")
def refuse_command(
    request_id: RequestIdArgument,
    reason: Annotated[
        str,
        typer.Option(
            help="Ground the law allows: identity-unverified, "
            "law-requires-confidentiality, law-provides-otherwise, "
            "portability-conditions-unmet, deceased-arranged-otherwise, "
            "not-close-relative."
        ),
    ],
    explain: Annotated[
        str, typer.Option(help="The reasons, as told to the person (PIPL Art. 50).")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory for the reply letter."),
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Refuse with a lawful ground and reasons. Example: piplvault requests refuse 3 --reason identity-unverified --explain "…" --out ./replies"""
    vault = open_vault(home, db, user)
    result = requests.refuse_request(
        vault, request_id, ground=reason, explanation=explain, out_dir=out
    )
    vault.close()
    emit(result, json_out, _reply_line(result))


@requests_app.command("extend")
def extend_command(
    request_id: RequestIdArgument,
    days: Annotated[int, typer.Option(min=1, max=60, help="Working days to add.")],
    reason: Annotated[str, typer.Option(help="Why, as told to the person.")],
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Extend the due date once. Example: piplvault requests extend 3 --days 10 --reason "…\""""
    vault = open_vault(home, db, user)
    result = requests.extend_request(
        vault, request_id, working_days=days, reason=reason
    )
    vault.close()
    emit(
        result,
        json_out,
        _("Request R-{id} extended to {due}").format(
            id=request_id, due=result["extended_to"]
        ),
    )


def _print_list(result: dict[str, Any], json_out: bool) -> None:
    if json_out:
        print_json(result)
        return
    grid = table(
        _("Request"), _("Customer"), _("Type"), _("State"), _("Due"), _("Overdue")
    )
    for r in result["requests"]:
        grid.add_row(
            f"R-{r['id']}",
            str(r["customer_id"]),
            _kind(r),
            value_name(r["state"]),
            r["extended_to"] or r["due_on"],
            _("yes") if r["overdue"] else "-",
        )
    out_console.print(grid)
    level = result["service_level"]
    source = level["source_zh"] if is_zh() else level["source"]
    out_console.print(
        _("{n} request(s); service level {days} working days ({source})").format(
            n=len(result["requests"]),
            days=level["working_days"],
            source=source,
        ),
        markup=False,
        highlight=False,
    )


def _reply_line(result: dict[str, Any]) -> str:
    line = _("Request R-{id} {state}").format(
        id=result["id"], state=value_name(result["state"])
    )
    reply = result.get("reply")
    if reply:
        line += "; " + _("reply written to {dir}").format(dir=reply["directory"])
    return line


def _kind(r: dict[str, Any]) -> str:
    wants = f" ({value_name(r['wants'])})" if r["wants"] else ""
    return value_name(r["kind"]) + wants


def _requester(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"--received '{value}' is not a date like 2026-11-30"
        ) from None
