"""``piplvault recipients …`` (register, PIPL Art. 23) and ``piplvault share …`` (exports to
a registered recipient; cross-border Arts. 38-39)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from piplvault.cli.app import app, emit, err_console, read_input
from piplvault.cli.lazy import lazy_module
from piplvault.cli.options import (
    DbOption,
    HomeOption,
    JsonOption,
    UserOption,
    open_vault,
)
from piplvault.cli.render import record, table
from piplvault.errors import ValidationError
from piplvault.i18n import _

if TYPE_CHECKING:
    from piplvault.vault import recipients, sharing
else:
    recipients = lazy_module("piplvault.vault.recipients")
    sharing = lazy_module("piplvault.vault.sharing")

recipients_app = typer.Typer(
    help="Recipients register (PIPL Art. 23; abroad Arts. 38-39).",
    no_args_is_help=True,
)
share_app = typer.Typer(
    help="Export to a registered recipient: consent, minimised, encrypted, logged.",
    no_args_is_help=True,
)
app.add_typer(recipients_app, name="recipients")
app.add_typer(share_app, name="share")

RecipientArg = Annotated[
    str, typer.Argument(metavar="RECIPIENT", help="Recipient id, e.g. R-0001")
]
MechanismOption = Annotated[
    str | None,
    typer.Option(
        "--mechanism",
        help="Abroad: security-assessment, standard-contract, certification or exemption.",
    ),
]
MechanismRef = Annotated[
    str | None,
    typer.Option(
        help="Evidence: approval, SCC filing or certificate number, or ground."
    ),
]
MechanismExpires = Annotated[
    str | None, typer.Option(help="Expiry of the assessment or certificate (date).")
]
PipiaOption = Annotated[
    str | None, typer.Option(help="Reference of the completed PIPIA (PIPL Art. 55).")
]


def _say(r: dict[str, Any]) -> None:
    mechanism = r["mechanism"] or {}
    pairs = [
        (_("Identifier"), r["identifier"]),
        (_("Contact"), r["contact"]),
        (_("Country"), r["country"]),
        (_("Contract"), r["contract"]),
        (_("Purposes"), ", ".join(r["purposes"])),
        (_("Fields"), ", ".join(r["fields"])),
        (_("Pinned keys"), "; ".join(f"{k} {v}" for k, v in r["pinned"].items())),
        (_("Mechanism"), f"{mechanism.get('type', '-')} {mechanism.get('reference', '')}"
         f" {mechanism.get('expires') or ''}".strip()),
        (_("Exports"), str(len(r["exports"]))),
    ]  # fmt: skip
    err_console.print(record(f"{r['id']} {r['name']}", pairs))


@recipients_app.command("add")
def add_command(
    name: Annotated[str, typer.Option(help="The recipient's legal name.")],
    identifier: Annotated[
        str, typer.Option(help="USCC (mainland) or foreign registration number.")
    ],
    contact: Annotated[str, typer.Option(help="The recipient's contact.")],
    contract: Annotated[str, typer.Option(help="Reference of the provision contract.")],
    purposes: Annotated[
        str, typer.Option(help="Registered purposes, comma-separated.")
    ],
    fields: Annotated[
        str, typer.Option(help="Registered field keys, comma-separated.")
    ],
    exchange_key: Annotated[
        Path,
        typer.Option(help="The recipient's X25519 key ('keys exchange'); pinned."),
    ],
    country: Annotated[
        str, typer.Option(help="Two-letter country: CN for mainland China.")
    ] = "CN",
    signing_key: Annotated[
        Path | None, typer.Option(help="The recipient's Ed25519 key; pinned.")
    ] = None,
    mechanism: MechanismOption = None,
    mechanism_ref: MechanismRef = None,
    mechanism_expires: MechanismExpires = None,
    pipia: PipiaOption = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Register a recipient. Example: piplvault recipients add --name 某物流有限公司
    --identifier 91… --contact 010-… --contract HT-2026-01 --purposes contract
    --fields name,mobile,address --exchange-key their.exchange.pem"""
    vault = open_vault(home, db, user)
    result = recipients.add(
        vault,
        name=name,
        identifier=identifier,
        contact=contact,
        country=country,
        contract=contract,
        purposes=purposes,
        fields=fields,
        exchange_key=read_input(exchange_key, "exchange key"),
        signing_key=read_input(signing_key, "signing key") if signing_key else None,
        mechanism=mechanism,
        mechanism_ref=mechanism_ref,
        mechanism_expires=mechanism_expires,
        pipia=pipia,
    )
    emit(result, json_out)
    if not json_out:
        _say(result)


@recipients_app.command("mechanism")
def mechanism_command(
    recipient_id: RecipientArg,
    mechanism: MechanismOption = None,
    mechanism_ref: MechanismRef = None,
    mechanism_expires: MechanismExpires = None,
    pipia: PipiaOption = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record or renew a recipient's cross-border mechanism. Example: piplvault recipients
    mechanism R-0002 --mechanism standard-contract --mechanism-ref 沪SCC-2026-001 --pipia P-1"""
    if mechanism is None or mechanism_ref is None:
        raise ValidationError("Give --mechanism and --mechanism-ref")
    vault = open_vault(home, db, user)
    result = recipients.set_mechanism(
        vault, recipient_id, mechanism=mechanism, reference=mechanism_ref,
        expires=mechanism_expires, pipia=pipia,
    )  # fmt: skip
    emit(result, json_out)
    if not json_out:
        _say(result)


@recipients_app.command("list")
def list_command(
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """List the register. Example: piplvault recipients list"""
    vault = open_vault(home, db, user)
    rows = recipients.list_recipients(vault)
    if json_out:
        emit(rows, True)
        return
    out = table(_("ID"), _("Name"), _("Country"), _("Purposes"), _("Mechanism"))
    for r in rows:
        out.add_row(
            r["id"], r["name"], r["country"], ", ".join(r["purposes"]),
            (r["mechanism"] or {}).get("type", "-"),
        )  # fmt: skip
    err_console.print(out)


@recipients_app.command("show")
def show_command(
    recipient_id: RecipientArg,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show one recipient, its pinned keys, mechanism and exports. Example:
    piplvault recipients show R-0001"""
    vault = open_vault(home, db, user)
    result = recipients.show(vault, recipient_id)
    emit(result, json_out)
    if not json_out:
        _say(result)


@share_app.command("export")
def export_command(
    recipient_id: RecipientArg,
    purpose: Annotated[
        str, typer.Option(help="A purpose registered for the recipient.")
    ],
    out: Annotated[Path, typer.Option("--out", help="The encrypted package to write.")],
    customers: Annotated[
        str | None,
        typer.Option(
            help="Customer ids, comma-separated (default: all who consented)."
        ),
    ] = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Export to a recipient, sealed to its pinned key. Example: piplvault share export
    R-0001 --purpose contract --customers 1,2 --out ./to-logistics.pvpkg"""
    ids = None
    if customers:
        try:
            ids = [int(c) for c in customers.split(",") if c.strip()]
        except ValueError as exc:
            raise ValidationError("--customers takes ids like 1,2,3") from exc
    vault = open_vault(home, db, user)
    result = sharing.export(
        vault, recipient_id, purpose=purpose, customers=ids, out=out
    )
    emit(
        result,
        json_out,
        _("Exported {n} customer(s) to {r}: {out} (SHA-256 {sha})").format(
            n=result["customers"], r=recipient_id, out=result["out"],
            sha=result["sha256"][:16],
        ),
    )  # fmt: skip


@share_app.command("abroad")
def abroad_command(
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Persons sent abroad since 1 January and the mechanism that volume needs. Example:
    piplvault share abroad"""
    vault = open_vault(home, db, user)
    result = sharing.abroad_status(vault)
    emit(
        result,
        json_out,
        _("Since {since}: {persons} persons abroad ({sensitive} sensitive); needs: "
          "{needs}").format(
            since=result["since"], persons=result["persons"],
            sensitive=result["sensitive_persons"], needs=result["needs"],
        ),
    )  # fmt: skip
