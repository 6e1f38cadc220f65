"""``piplvault deregister …`` (公司注销) and ``piplvault address-change``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from piplvault.cli.app import app, emit, read_input
from piplvault.cli.confirm import (
    ApprovalOption,
    YesOption,
    confirm_destruction,
    only_requests_approval,
)
from piplvault.cli.lazy import lazy_module
from piplvault.cli.options import (
    MAX_ID,
    DbOption,
    HomeOption,
    JsonOption,
    UserOption,
    open_vault,
)
from piplvault.cli.render import terminal_bar
from piplvault.cli.transfer import pinned_line
from piplvault.errors import ValidationError

if TYPE_CHECKING:
    from piplvault.vault import (
        address_change,
        creditors,
        custodian,
        deregistration,
        deregistration_notices,
        deregistration_shred,
        winding_up,
    )
    from piplvault.vault.service import Vault
else:
    address_change = lazy_module("piplvault.vault.address_change")
    creditors = lazy_module("piplvault.vault.creditors")
    custodian = lazy_module("piplvault.vault.custodian")
    deregistration = lazy_module("piplvault.vault.deregistration")
    deregistration_notices = lazy_module("piplvault.vault.deregistration_notices")
    deregistration_shred = lazy_module("piplvault.vault.deregistration_shred")
    winding_up = lazy_module("piplvault.vault.winding_up")
from piplvault.i18n import _

export = lazy_module("piplvault.documents.export")
cases_mod = lazy_module("piplvault.vault.cases")

deregister_app = typer.Typer(
    help="Deregistration (公司注销): wind down, custodian package, shred, seal.",
    no_args_is_help=True,
)
app.add_typer(deregister_app, name="deregister")

CaseArg = Annotated[str, typer.Argument(metavar="CASE", help="Case id, e.g. D-0001")]
LangOption = Annotated[
    str | None, typer.Option("--lang", help="zh (default) or en.", show_default=False)
]


def _summary(st: dict[str, Any]) -> str:
    custodian = (st["custodian"] or {}).get("name", "not named yet")
    split = st["split"]
    return (
        f"{st['id']} [{st['state']}] vault {st['vault_state']}; effective "
        f"{st['effective_date']}, notify by {st['notice_by']}; custodian: {custodian}; "
        f"must keep {split['must_keep']}, destroy {split['destroy']}, creditors "
        f"unsettled {split['creditors_unsettled']}; notices {st['notices']}"
    )


@deregister_app.command("start")
def start_command(
    reason: Annotated[str, typer.Option(help="Why the company is wound up.")],
    effective_date: Annotated[
        str, typer.Option(help="The day the service stops (YYYY-MM-DD).")
    ],
    resolution_date: Annotated[
        str | None,
        typer.Option(help="Dissolution resolution date (default today)."),
    ] = None,
    company: Annotated[
        str | None, typer.Option(help="Company name for notices (default setting).")
    ] = None,
    contact: Annotated[
        str | None, typer.Option(help="Liquidation group contact for notices.")
    ] = None,
    route: Annotated[
        str,
        typer.Option(
            help="ordinary (liquidation), simplified (简易注销, Art. 240) or forced "
            "(强制注销, Art. 241)."
        ),
    ] = "ordinary",
    shareholder_commitment: Annotated[
        str | None,
        typer.Option(
            help="Simplified route: the all-shareholder commitment reference."
        ),
    ] = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Open a deregistration case; the vault stops collecting. Example:
    piplvault deregister start --reason "股东会决议解散" --effective-date 2027-03-31"""
    vault = open_vault(home, db, user)
    result = deregistration.start(
        vault,
        reason=reason,
        effective_date=cases_mod.parse_date(effective_date, "--effective-date"),
        resolution_date=cases_mod.parse_date(resolution_date, "--resolution-date")
        if resolution_date
        else None,
        company=company,
        contact=contact,
        route=route,
        shareholder_commitment=shareholder_commitment,
    )
    emit(result, json_out, _summary(result))


@deregister_app.command("status")
def status_command(
    case_id: CaseArg,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show the case, its Company Law timeline and split. Example:
    piplvault deregister status D-0001 --json"""
    vault = open_vault(home, db, user)
    result = deregistration.status(vault, case_id)
    emit(result, json_out, _summary(result))


@deregister_app.command("creditor")
def creditor_command(
    case_id: CaseArg,
    customer: Annotated[
        int, typer.Option("--customer", min=1, max=MAX_ID, help="Customer id.")
    ],
    settled: Annotated[
        bool, typer.Option("--settled", help="The claim is settled.")
    ] = False,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Mark a creditor (kept until settled), or its claim settled. Example:
    piplvault deregister creditor D-0001 --customer 7 [--settled]"""
    vault = open_vault(home, db, user)
    result = creditors.mark_creditor(vault, case_id, customer, settled=settled)
    emit(result, json_out, f"Customer {customer}: creditor, settled={settled}")


@deregister_app.command("custodian")
def custodian_command(
    case_id: CaseArg,
    name: Annotated[str, typer.Option(help="Custodian's legal name (保管人).")],
    identifier: Annotated[str, typer.Option(help="USCC or resident ID number.")],
    contact: Annotated[str, typer.Option(help="Custodian's contact.")],
    kind: Annotated[
        str,
        typer.Option(
            "--type",
            help="successor, shareholder, authority, archive, agency, designated "
            "(AML) or administrator (破产管理人).",
        ),
    ],
    signing_key: Annotated[
        Path | None,
        typer.Option(
            help="Pin the custodian vault's Ed25519 key ('piplvault keys public' "
            "there); only receipts it signs seal the vault."
        ),
    ] = None,
    exchange_key: Annotated[
        Path | None,
        typer.Option(help="Pin the custodian vault's X25519 key ('keys exchange')."),
    ] = None,
    designation: Annotated[
        str | None,
        typer.Option(
            help="--type designated: the document designating the recipient institution "
            "(AML Law 2024 Art. 34)."
        ),
    ] = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Name the custodian of the retained records. Example: piplvault deregister
    custodian D-0001 --name 某档案公司 --identifier 91… --contact 010-… --type agency"""
    vault = open_vault(home, db, user)
    result = custodian.set_custodian(
        vault,
        case_id,
        name=name,
        identifier=identifier,
        contact=contact,
        kind=kind,
        signing_key=read_input(signing_key, "signing key") if signing_key else None,
        exchange_key=read_input(exchange_key, "exchange key") if exchange_key else None,
        designation=designation,
    )
    emit(result, json_out, _summary(result) + pinned_line(result["pinned"]))


@deregister_app.command("outside-copy")
def outside_copy_command(
    case_id: CaseArg,
    where: Annotated[
        str | None,
        typer.Option(
            help="New item: wechat, usb, cloud, paper, email, laptop or other."
        ),
    ] = None,
    holder: Annotated[
        str | None, typer.Option(help="New item: who holds it (a role, not a name).")
    ] = None,
    description: Annotated[
        str | None,
        typer.Option(help="New item: what it is (no personal information)."),
    ] = None,
    item: Annotated[
        int | None, typer.Option(help="Record the destruction of this item.")
    ] = None,
    method: Annotated[
        str | None, typer.Option(help="How it was destroyed (shredded, wiped…).")
    ] = None,
    witness: Annotated[str | None, typer.Option(help="Who witnessed it.")] = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Inventory a copy outside the vault, or record its destruction. Example: piplvault
    deregister outside-copy D-0001 --where usb --holder 销售部 --description "2024年客户表";
    then --item 1 --method 粉碎 --witness 法务部"""
    vault = open_vault(home, db, user)
    if item is not None:
        result = winding_up.destroy_outside_copy(
            vault, case_id, item=item, method=method or "", witness=witness
        )
        human = f"outside copy {item} destroyed ({result['method']})"
    else:
        result = winding_up.add_outside_copy(
            vault,
            case_id,
            where=where or "",
            holder=holder or "",
            description=description or "",
        )
        human = f"outside copy {result['item']} recorded; destroy it before 'shred'"
    emit(result, json_out, human)


@deregister_app.command("notices")
def notices_command(
    case_id: CaseArg,
    out: Annotated[Path, typer.Option("--out", help="Directory outside the vault.")],
    lang: LangOption = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Render closing notices naming the custodian. Example:
    piplvault deregister notices D-0001 --out ./notices"""
    vault = open_vault(home, db, user)
    result = deregistration_notices.send_notices(vault, case_id, out, lang=lang)
    emit(
        result,
        json_out,
        f"{result['letters']} letters, {result['sms']} SMS, {result['emails']} "
        f"e-mails in {result['directory']}",
    )


@deregister_app.command("delivery")
def delivery_command(
    case_id: CaseArg,
    status: Annotated[str, typer.Option(help="delivered, failed or announced.")],
    customer: Annotated[
        list[int] | None, typer.Option("--customer", help="Customer id (repeat).")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Every customer with a notice.")
    ] = False,
    reference: Annotated[
        str | None, typer.Option(help="Delivery or announcement reference.")
    ] = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record notice delivery (or an announcement). Example:
    piplvault deregister delivery D-0001 --all --status delivered"""
    if bool(customer) == all_:
        raise ValidationError("Give --customer ID (repeatable) or --all")
    vault = open_vault(home, db, user)
    result = deregistration_notices.record_delivery(
        vault, case_id, None if all_ else list(customer or []), status, reference
    )
    emit(result, json_out, f"{result['customers']} notice(s) {status}")


@deregister_app.command("regulator-report")
def regulator_report_command(
    case_id: CaseArg,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="The disposal plan: .json, .pdf, .html or .xlsx (the JSON original "
            "is always written next to it).",
        ),
    ],
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Write the disposal plan for the regulator (NDSMR Art. 32). Example:
    piplvault deregister regulator-report D-0001 --out plan.json"""
    vault = open_vault(home, db, user)
    json_path = export.json_sibling(out)
    result = deregistration_notices.regulator_report(vault, case_id, json_path)
    if json_path != out:
        settings = vault.settings
        result["rendered"] = str(
            export.render_file(json_path, out, lang=settings.lang, tz=settings.timezone)
        )
    emit(result, json_out, f"Disposal plan written to {result['report']}")


@deregister_app.command("package")
def package_command(
    case_id: CaseArg,
    custodian_key: Annotated[
        Path,
        typer.Option(help="Custodian's X25519 PEM ('piplvault keys exchange')."),
    ],
    out: Annotated[Path, typer.Option("--out", help="Package file to write.")],
    custodian_signing_key: Annotated[
        Path | None,
        typer.Option(
            help="Custodian's Ed25519 PEM, pinned now unless 'deregister custodian' "
            "pinned it."
        ),
    ] = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Export the must-keep part for the custodian. Example: piplvault deregister
    package D-0001 --custodian-key custodian.pem --custodian-signing-key c.pub
    --out D-0001.pvpkg"""
    vault = open_vault(home, db, user)
    result = custodian.package(
        vault,
        case_id,
        read_input(custodian_key, "custodian key"),
        out,
        custodian_signing_key=read_input(custodian_signing_key, "signing key")
        if custodian_signing_key
        else None,
    )
    emit(
        result,
        json_out,
        f"{result['customers']} customer(s) packaged for "
        f"{result['custodian']['name']}: {result['package']}"
        + pinned_line(result["pinned"]),
    )


@deregister_app.command("shred")
def shred_command(
    case_id: CaseArg,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory for certificate and report."),
    ] = None,
    approved_by: Annotated[
        str | None, typer.Option("--approved-by", help="Who approved it.")
    ] = None,
    approval: ApprovalOption = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
    yes: YesOption = False,
) -> None:
    """Crypto-shred everything not kept; certificate and closing report. Example:
    piplvault deregister shred D-0001"""
    vault = open_vault(home, db, user)
    confirm_destruction(
        _("Will destroy"),
        lambda: _shred_preview(vault, case_id),
        yes=yes or only_requests_approval(vault, approval),
    )
    bar = terminal_bar(_("Shredding"), json_out=json_out)
    with bar as advance:
        result = deregistration_shred.shred(
            vault,
            case_id,
            out_dir=out,
            approved_by=approved_by,
            approval_id=approval,
            progress=advance,
            on_total=bar.expect,
        )
    emit(
        result,
        json_out,
        f"destroyed {result['customers_destroyed']}, restricted "
        f"{result['customers_restricted']}; certificate {result['certificate']}; "
        f"report {result['report']['zh-CN']}",
    )


def _shred_preview(vault: Vault, case_id: str) -> list[tuple[str, str]]:
    split = deregistration.status(vault, case_id)["split"]
    return [
        (_("Case"), case_id),
        (_("Customers destroyed"), str(split["destroy"])),
        (_("Customers kept"), str(split["must_keep"])),
    ]


@deregister_app.command("seal")
def seal_command(
    case_id: CaseArg,
    receipt: Annotated[
        Path | None, typer.Option(help="The custodian's signed receipt.")
    ] = None,
    custodian_signing_key: Annotated[
        Path | None,
        typer.Option(
            help="Custodian's Ed25519 PEM; must be the key pinned on the case."
        ),
    ] = None,
    approval: ApprovalOption = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Seal the vault read-only after the custodian's receipt. Example: piplvault
    deregister seal D-0001 --receipt receipt.json --custodian-signing-key c.pem"""
    vault = open_vault(home, db, user)
    result = custodian.seal(
        vault,
        case_id,
        read_input(receipt, "receipt") if receipt else None,
        read_input(custodian_signing_key, "key") if custodian_signing_key else None,
        approval_id=approval,
    )
    emit(result, json_out, _summary(result))


@app.command("address-change")
def address_change_command(
    new_address: Annotated[str, typer.Option(help="The new registered address.")],
    effective_date: Annotated[str, typer.Option(help="YYYY-MM-DD.")],
    out: Annotated[Path, typer.Option("--out", help="Directory outside the vault.")],
    contact: Annotated[
        str | None, typer.Option(help="New contact details for notices.")
    ] = None,
    company: Annotated[str | None, typer.Option(help="Company name.")] = None,
    lang: LangOption = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Registered-address change: change notices and deadlines; no data moves.
    Example: piplvault address-change --new-address "…" --effective-date 2027-01-01
    --out ./notices"""
    vault = open_vault(home, db, user)
    result = address_change.change_address(
        vault,
        new_address=new_address,
        effective_date=cases_mod.parse_date(effective_date, "--effective-date"),
        contact=contact,
        company=company,
        out_dir=out,
        lang=lang,
    )
    deadlines = "; ".join(f"{d['date']} {d['what_en']}" for d in result["deadlines"])
    emit(
        result,
        json_out,
        f"{result['id']}: {result['notices']['letters']} change notices in "
        f"{result['notices']['directory']}; deadlines: {deadlines}",
    )
