"""``piplvault transfer …``, ``piplvault receive`` and ``piplvault keys exchange``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from piplvault.cli.app import (
    app,
    emit,
    out_console,
    print_json,
    read_input,
)
from piplvault.cli.confirm import (
    ApprovalOption,
    YesOption,
    confirm_destruction,
    only_requests_approval,
)
from piplvault.cli.keys import keys_app
from piplvault.cli.lazy import lazy_module
from piplvault.cli.options import (
    MAX_ID,
    DbOption,
    HomeOption,
    JsonOption,
    UserOption,
    open_vault,
    require_served_role,
)
from piplvault.cli.render import plain, record, value_name
from piplvault.documents.labels import label
from piplvault.errors import ValidationError
from piplvault.i18n import _, current

if TYPE_CHECKING:
    from piplvault.crypto import envelope
    from piplvault.vault import (
        counterparty,
        due_diligence,
        handover_receive,
        transfer,
        transfer_finish,
        transfer_notices,
    )
else:
    envelope = lazy_module("piplvault.crypto.envelope")
    counterparty = lazy_module("piplvault.vault.counterparty")
    due_diligence = lazy_module("piplvault.vault.due_diligence")
    handover_receive = lazy_module("piplvault.vault.handover_receive")
    transfer = lazy_module("piplvault.vault.transfer")
    transfer_finish = lazy_module("piplvault.vault.transfer_finish")
    transfer_notices = lazy_module("piplvault.vault.transfer_notices")

export = lazy_module("piplvault.documents.export")
cases_mod = lazy_module("piplvault.vault.cases")

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
            help="merger|division|asset-sale|share-transfer|dissolution-successor|"
            "bankruptcy|share-transfer-discontinued"
        ),
    ],
    objection_days: Annotated[
        int,
        typer.Option(
            help="Objection window in days from each customer's delivery (at least 30)."
        ),
    ] = 30,
    objection_reason: Annotated[
        str | None,
        typer.Option(help="Why the window is longer than 30 days (recorded)."),
    ] = None,
    legal_opinion: Annotated[
        str | None,
        typer.Option(
            help="Reference of a legal opinion allowing Art. 22 mode for an asset sale."
        ),
    ] = None,
    recipient_signing_key: Annotated[
        Path | None,
        typer.Option(
            help="Pin the recipient vault's Ed25519 key now ('piplvault keys public' "
            "there); only receipts it signs complete the case."
        ),
    ] = None,
    recipient_key: Annotated[
        Path | None,
        typer.Option(
            help="Pin the recipient vault's X25519 key now ('piplvault keys exchange')."
        ),
    ] = None,
    court_appointment: Annotated[
        str | None,
        typer.Option(
            help="Bankruptcy: the court's decision appointing the administrator "
            "(破产管理人), who is the recipient."
        ),
    ] = None,
    closing_date: Annotated[
        str | None,
        typer.Option(
            help="share-transfer-discontinued: the day the new shareholders take control "
            "(data is deleted or restricted before it)."
        ),
    ] = None,
    seller_ceases: Annotated[
        bool | None,
        typer.Option(
            "--seller-ceases/--seller-continues",
            help="Whether the seller ceases to exist (default by deal: merger, "
            "dissolution-successor, bankruptcy); objectors are then deleted at completion.",
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
        objection_reason=objection_reason,
        legal_opinion=legal_opinion,
        signing_key=read_input(recipient_signing_key, "signing key")
        if recipient_signing_key
        else None,
        exchange_key=read_input(recipient_key, "recipient key")
        if recipient_key
        else None,
        court_appointment=court_appointment,
        seller_ceases=seller_ceases,
        closing_date=cases_mod.parse_date(closing_date, "--closing-date")
        if closing_date
        else None,
    )
    vault.close()
    emit(
        result,
        json_out,
        f"{result['id']}: {result['mode']} mode, "
        f"{result['counts']['included']} customer(s) in scope, "
        f"{result['counts']['excluded']} excluded {result['exclusions']}"
        + (f"\nWarning: {result['warning']}" if result.get("warning") else "")
        + pinned_line(result["pinned"]),
    )


def pinned_line(pinned: dict[str, str]) -> str:
    """The pinned key fingerprints, for the operator to confirm by telephone."""
    if not pinned:
        return ""
    return (
        "\nPinned counterparty keys — read them to the counterparty by telephone and "
        "compare with its 'piplvault keys fingerprint': "
        + "; ".join(f"{k} {v}" for k, v in pinned.items())
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
    pairs = []
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
            pairs.append((label(key, current()), plain(result[key])))
    out_console.print(record(f"{result['id']} — {value_name(result['state'])}", pairs))


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
    voluntary: Annotated[
        bool,
        typer.Option(
            "--voluntary",
            help="Share transfer: send change notices although none is required.",
        ),
    ] = False,
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
        if not host or not port.isdecimal():
            raise ValidationError("--smtp must look like HOST:PORT, e.g. 127.0.0.1:25")
        server = (host, int(port), smtp_from)
    result = transfer_notices.send_notices(
        vault, case, out, lang=lang, smtp=server, voluntary=voluntary
    )
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
    result = transfer_notices.record_delivery(
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
    result = transfer_notices.record_objection(vault, case, customer, channel=channel)
    vault.close()
    emit(result, json_out, f"{case}: customer {customer} objected and is excluded")


@transfer_app.command("consent")
def consent_command(
    case: CaseArg,
    customer: Annotated[int, typer.Option(help="The customer who replied 同意.")],
    channel: Annotated[str, typer.Option(help="How the reply arrived.")] = "cli",
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record a customer's separate consent (同意) to an asset sale, naming this case's
    recipient (PIPL Art. 23); the customer joins the transfer."""
    vault = open_vault(home, db, user)
    result = transfer_notices.record_consent(vault, case, customer, channel=channel)
    vault.close()
    emit(
        result,
        json_out,
        f"{case}: customer {customer} consented; included={result['included']}",
    )


@transfer_app.command("advance")
def advance_command(
    case: CaseArg,
    as_of: Annotated[
        str | None,
        typer.Option(help="Decide as of this day (today or earlier; audited)."),
    ] = None,
    approval: ApprovalOption = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Move to the next step: objection-window (all notices delivered), then ready."""
    vault = open_vault(home, db, user)
    result = transfer_notices.advance(
        vault,
        case,
        as_of=cases_mod.parse_date(as_of, "--as-of") if as_of else None,
        approval_id=approval,
    )
    vault.close()
    emit(result, json_out, f"{case}: {result['state']}")


@transfer_app.command("regulator-report")
def regulator_command(
    case: CaseArg,
    out: Annotated[
        Path,
        typer.Option(
            help="Where to write the disposal plan: .json, .pdf, .html or .xlsx (the "
            "JSON original is always written next to it)."
        ),
    ],
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Write the disposal plan for the regulator (NDSMR Art. 32)."""
    vault = open_vault(home, db, user)
    json_path = export.json_sibling(out)
    result = transfer.regulator_report(vault, case, json_path)
    if json_path != out:
        settings = vault.settings
        result["rendered"] = str(
            export.render_file(json_path, out, lang=settings.lang, tz=settings.timezone)
        )
    vault.close()
    emit(result, json_out, result.get("rendered", result["report"]))


@transfer_app.command("due-diligence")
def due_diligence_command(
    prepared_for: Annotated[
        str, typer.Option("--for", help="The prospective buyer the pack is for.")
    ],
    out: Annotated[Path, typer.Option(help="Where to write the signed report (JSON).")],
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Write the signed due-diligence pack for a buyer, before signing: data map, counts by
    category and sensitivity, consent coverage per purpose, recipients, retention holds,
    rights requests — no personal information."""
    vault = open_vault(home, db, user)
    result = due_diligence.write_report(vault, out, prospective_buyer=prepared_for)
    vault.close()
    emit(result, json_out, f"due-diligence report: {result['report']}")


@transfer_app.command("verify-report")
def verify_report_command(
    report: Annotated[Path, typer.Argument(help="A due-diligence report file.")],
    public_key: Annotated[
        Path, typer.Option(help="The issuing vault's Ed25519 key ('keys public').")
    ],
    json_out: JsonOption = False,
) -> None:
    """Check a due-diligence report is intact and signed by the given key."""
    document = due_diligence.verify_report(read_input(report, "report"), public_key)
    emit(
        document,
        json_out,
        f"有效 VALID: due-diligence report by {document['handler']['name']} for "
        f"{document['prepared_for']}, {document['generated_at']}",
    )


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
    recipient_signing_key: Annotated[
        Path | None,
        typer.Option(
            help="The recipient vault's Ed25519 key, pinned now unless 'transfer "
            "create' pinned it; only receipts it signs complete the case."
        ),
    ] = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Build the encrypted, signed handover package (only when the case is ready)."""
    key = read_input(recipient_key, "recipient key")
    signing = (
        read_input(recipient_signing_key, "signing key")
        if recipient_signing_key
        else None
    )
    vault = open_vault(home, db, user)
    result = transfer_finish.package(
        vault, case, key, out, recipient_signing_key=signing
    )
    vault.close()
    if json_out:
        print_json(result)
    else:
        print(result["package"])
        emit(result, False, pinned_line(result["pinned"]).strip())


@transfer_app.command("complete")
def complete_command(
    case: CaseArg,
    receipt: Annotated[Path, typer.Option(help="The recipient's signed receipt.")],
    recipient_signing_key: Annotated[
        Path | None,
        typer.Option(
            help="The recipient vault's Ed25519 key; must be the key pinned on the case."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Directory for the certificate.")
    ] = None,
    approval: ApprovalOption = None,
    yes: YesOption = False,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """After the receipt signed by the pinned recipient key: shred the source copies;
    prints the certificate path. Safe to run again if it was interrupted. At a terminal it
    shows how many customers it will destroy and asks; scripts pass --yes."""
    data = read_input(receipt, "receipt")
    key = (
        read_input(recipient_signing_key, "signing key")
        if recipient_signing_key
        else None
    )
    vault = open_vault(home, db, user)

    def describe() -> list[tuple[str, str]]:
        counts = transfer_finish.preview(vault, case)
        return [
            (_("Case"), case),
            (_("Customers destroyed"), str(counts["customers"])),
            (_("Objectors deleted"), str(counts["objectors"])),
        ]

    confirm_destruction(
        _("Will destroy"), describe, yes=yes or only_requests_approval(vault, approval)
    )
    result = transfer_finish.complete(
        vault, case, data, key, out_dir=out, approval_id=approval
    )
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
    require_served_role("import")  # before parsing anything the caller sent
    key = read_input(sender_key, "sender key")
    vault = open_vault(home, db, user)
    result = handover_receive.receive(vault, package, key, receipt_out=receipt_out)
    vault.close()
    emit(
        result,
        json_out,
        f"received {result['customers']} customer(s) under case "
        f"{result['case_id']} for {', '.join(result['purposes'])}; receipt: "
        f"{result['receipt']}",
    )


@keys_app.command("fingerprint")
def fingerprint_command(
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Print this vault's key fingerprints, to confirm by telephone with a sender that
    pins them (transfer or deregistration counterparty)."""
    vault = open_vault(home, db, user)
    result = {
        "signing_fingerprint": counterparty.readable(
            envelope.fingerprint(vault.keyring.signing_key.public_key())
        ),
        "exchange_fingerprint": counterparty.readable(
            envelope.fingerprint(vault.keyring.exchange_key.public_key())
        ),
    }
    vault.close()
    emit(
        result,
        json_out,
        f"signing {result['signing_fingerprint']}\n"
        f"exchange {result['exchange_fingerprint']}",
    )


@keys_app.command("exchange")
def exchange_command(
    home: HomeOption = None, user: UserOption = None, db: DbOption = None
) -> None:
    """Print this vault's X25519 public key (PEM): senders encrypt packages to it."""
    vault = open_vault(home, db, user)
    pem = envelope.exchange_pem(vault.keyring.exchange_key.public_key())
    vault.close()
    print(pem, end="")
