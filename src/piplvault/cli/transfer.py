"""``piplvault transfer …``, ``piplvault receive`` and ``piplvault keys exchange``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from piplvault.cli.app import (
    app,
    emit,
    out_console,
    print_json,
    read_input,
)
from piplvault.cli.keys import keys_app
from piplvault.cli.options import (
    MAX_ID,
    DbOption,
    HomeOption,
    JsonOption,
    UserOption,
    open_vault,
)
from piplvault.crypto.envelope import exchange_pem
from piplvault.errors import ValidationError
from piplvault.vault import handover, transfer
from piplvault.vault.cases import parse_date

transfer_app = typer.Typer(
    help="Company transfer (公司转让) under PIPL Art. 22/23.", no_args_is_help=True
)
app.add_typer(transfer_app, name="transfer")

CaseArg = Annotated[str, typer.Argument(metavar="CASE", help="Case id, e.g. T-0001")]


@transfer_app.command("create")
def create_command(
    recipient: Annotated[
        str, typer.Option(help="The recipient's legal name (接收方名称).")
    ],
    contact: Annotated[
        str, typer.Option(help="The recipient's contact (phone, address).")
    ],
    uscc: Annotated[
        str, typer.Option(help="The recipient's unified social credit code.")
    ],
    purposes: Annotated[
        str, typer.Option(help="Purposes that continue, e.g. contract,after-sales")
    ],
    deal: Annotated[
        str,
        typer.Option(
            help="merger|division|asset-sale|share-transfer|dissolution-successor"
        ),
    ],
    objection_days: Annotated[int, typer.Option(help="Objection window in days.")] = 30,
    legal_opinion: Annotated[
        str | None,
        typer.Option(
            help="Reference of a legal opinion allowing Art. 22 mode for an asset sale."
        ),
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Open a transfer case. Example: piplvault transfer create --recipient 示例科技有限公司 --contact 010-12345678 --uscc 91110000600037341L --purposes contract,after-sales --deal merger"""
    vault = open_vault(home, db, user)
    result = transfer.create(
        vault,
        recipient=recipient,
        contact=contact,
        uscc=uscc,
        purposes=purposes.split(","),
        deal=deal,
        objection_days=objection_days,
        legal_opinion=legal_opinion,
    )
    vault.close()
    emit(
        result,
        json_out,
        f"{result['id']}: {result['mode']} mode, "
        f"{result['counts']['included']} customer(s) in scope, "
        f"{result['counts']['excluded']} excluded {result['exclusions']}",
    )


@transfer_app.command("status")
def status_command(
    case: CaseArg,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show a case: state, scope, exclusions with reasons, notices, dates."""
    vault = open_vault(home, db, user)
    result = transfer.status(vault, case)
    vault.close()
    if json_out:
        print_json(result)
        return
    table = RichTable(title=f"{result['id']} — {result['state']}")
    table.add_column("项目 item")
    table.add_column("值 value")
    for key in (
        "deal",
        "mode",
        "purposes",
        "party",
        "counts",
        "exclusions",
        "window_ends_on",
    ):
        if key in result:
            table.add_row(key, str(result[key]))
    out_console.print(table)


@transfer_app.command("notices")
def notices_command(
    case: CaseArg,
    out: Annotated[
        Path,
        typer.Option(
            help="Directory for letters.html, sms.csv, "
            "emails.csv (outside the vault directory)."
        ),
    ],
    lang: Annotated[
        str | None, typer.Option(help="zh or en (default: setting).")
    ] = None,
    smtp: Annotated[
        str | None,
        typer.Option(help="Also send the e-mails through this SMTP server, HOST:PORT."),
    ] = None,
    smtp_from: Annotated[
        str, typer.Option(help="From address for --smtp.")
    ] = "privacy@example.invalid",
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Render one notice per customer naming the recipient (PIPL Art. 22)."""
    vault = open_vault(home, db, user)
    server = None
    if smtp:
        host, _, port = smtp.rpartition(":")
        if not host or not port.isdigit():
            raise ValidationError("--smtp must look like HOST:PORT, e.g. 127.0.0.1:25")
        server = (host, int(port), smtp_from)
    result = transfer.send_notices(vault, case, out, lang=lang, smtp=server)
    vault.close()
    emit(
        result,
        json_out,
        f"{case}: {result['letters']} letters, {result['sms']} SMS, "
        f"{result['emails']} e-mails in {result['directory']}",
    )


@transfer_app.command("delivery")
def delivery_command(
    case: CaseArg,
    status: Annotated[str, typer.Option(help="delivered|failed|announced")],
    customer: Annotated[
        list[int] | None, typer.Option(help="Customer id (repeatable).")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Every customer with a notice.")
    ] = False,
    reference: Annotated[
        str | None, typer.Option(help="Announcement or batch reference.")
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record notice delivery. Example: piplvault transfer delivery T-0001 --all --status delivered"""
    if all_ == bool(customer):
        raise ValidationError("Give --customer ID (repeatable) or --all")
    vault = open_vault(home, db, user)
    result = transfer.record_delivery(
        vault, case, None if all_ else customer, status, reference
    )
    vault.close()
    emit(result, json_out, f"{case}: {result['customers']} notice(s) {status}")


@transfer_app.command("object")
def object_command(
    case: CaseArg,
    customer: Annotated[
        int, typer.Option(min=1, max=MAX_ID, help="The customer who objects.")
    ],
    channel: Annotated[str, typer.Option(help="How the objection arrived.")] = "cli",
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record an objection; the customer is excluded from the transfer."""
    vault = open_vault(home, db, user)
    result = transfer.record_objection(vault, case, customer, channel=channel)
    vault.close()
    emit(result, json_out, f"{case}: customer {customer} objected and is excluded")


@transfer_app.command("advance")
def advance_command(
    case: CaseArg,
    as_of: Annotated[str | None, typer.Option(help="Treat today as this date.")] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Move to the next step: objection-window (all notices delivered), then ready."""
    vault = open_vault(home, db, user)
    result = transfer.advance(
        vault, case, as_of=parse_date(as_of, "--as-of") if as_of else None
    )
    vault.close()
    emit(result, json_out, f"{case}: {result['state']}")


@transfer_app.command("regulator-report")
def regulator_command(
    case: CaseArg,
    out: Annotated[Path, typer.Option(help="Where to write the disposal plan (JSON).")],
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Write the disposal plan for the regulator (NDSMR Art. 32)."""
    vault = open_vault(home, db, user)
    result = transfer.regulator_report(vault, case, out)
    vault.close()
    emit(result, json_out, result["report"])


@transfer_app.command("package")
def package_command(
    case: CaseArg,
    recipient_key: Annotated[
        Path,
        typer.Option(
            help="The recipient vault's X25519 key (its 'piplvault keys exchange')."
        ),
    ],
    out: Annotated[Path, typer.Option(help="The package file to write.")],
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Build the encrypted, signed handover package (only when the case is ready)."""
    key = read_input(recipient_key, "recipient key")
    vault = open_vault(home, db, user)
    result = transfer.package(vault, case, key, out)
    vault.close()
    if json_out:
        print_json(result)
    else:
        print(result["package"])


@transfer_app.command("complete")
def complete_command(
    case: CaseArg,
    receipt: Annotated[Path, typer.Option(help="The recipient's signed receipt.")],
    recipient_signing_key: Annotated[
        Path,
        typer.Option(
            help="The recipient vault's Ed25519 key ('piplvault keys public')."
        ),
    ],
    out: Annotated[
        Path | None, typer.Option(help="Directory for the certificate.")
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """After the signed receipt: shred the source copies; prints the certificate path."""
    data, key = (
        read_input(receipt, "receipt"),
        read_input(recipient_signing_key, "signing key"),
    )
    vault = open_vault(home, db, user)
    result = transfer.complete(vault, case, data, key, out_dir=out)
    vault.close()
    if json_out:
        print_json(result)
    else:
        print(result["certificate"])


@app.command("receive")
def receive_command(
    package: Annotated[Path, typer.Argument(help="The handover package file.")],
    sender_key: Annotated[
        Path,
        typer.Option(
            help="The sender vault's Ed25519 public key ('piplvault keys public')."
        ),
    ],
    receipt_out: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the signed receipt (default next to the package)."
        ),
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Verify and import a handover package; write a signed receipt for the sender."""
    key = read_input(sender_key, "sender key")
    vault = open_vault(home, db, user)
    result = handover.receive(vault, package, key, receipt_out=receipt_out)
    vault.close()
    emit(
        result,
        json_out,
        f"received {result['customers']} customer(s) under case "
        f"{result['case_id']} for {', '.join(result['purposes'])}; receipt: "
        f"{result['receipt']}",
    )


@keys_app.command("exchange")
def exchange_command(
    home: HomeOption = None, user: UserOption = None, db: DbOption = None
) -> None:
    """Print this vault's X25519 public key (PEM): senders encrypt packages to it."""
    vault = open_vault(home, db, user)
    pem = exchange_pem(vault.keyring.exchange_key.public_key())
    vault.close()
    print(pem, end="")
