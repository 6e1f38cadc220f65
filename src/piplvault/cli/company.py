"""``piplvault company set|show``: the handler named on every notice, certificate, report."""

from __future__ import annotations

from typing import Annotated

import typer

from piplvault.cli.app import app, emit
from piplvault.cli.lazy import lazy_module
from piplvault.cli.options import (
    DbOption,
    HomeOption,
    JsonOption,
    UserOption,
    open_vault,
)

company = lazy_module("piplvault.vault.company")

company_app = typer.Typer(
    help="The company profile (处理者信息) printed on notices, certificates and reports.",
    no_args_is_help=True,
)
app.add_typer(company_app, name="company")

NameOption = Annotated[str | None, typer.Option(help="Legal name (企业名称).")]
UsccOption = Annotated[
    str | None, typer.Option(help="Unified social credit code (统一社会信用代码).")
]
AddressOption = Annotated[
    str | None, typer.Option(help="Postal address for letters (通讯地址).")
]
ContactOption = Annotated[
    str | None, typer.Option(help="Contact for customers (客服电话/邮箱).")
]
DpoOption = Annotated[
    str | None,
    typer.Option(
        help="Personal-information protection officer's role contact "
        "(个人信息保护负责人, PIPL Art. 52), e.g. privacy@example.com."
    ),
]
SignatureOption = Annotated[
    str | None,
    typer.Option(help="Registered SMS signature, 2–16 characters without 【】."),
]


SectorOption = Annotated[
    str | None,
    typer.Option(
        help="general, or financial-institution (AML Law duties: 10-year identity records, "
        "a designated recipient on dissolution)."
    ),
]


def profile_changes(
    name: str | None,
    uscc: str | None,
    address: str | None,
    contact: str | None,
    dpo: str | None,
    sms_signature: str | None,
    sector: str | None = None,
) -> dict[str, str | None]:
    return {
        "name": name,
        "uscc": uscc,
        "address": address,
        "contact": contact,
        "dpo": dpo,
        "sms_signature": sms_signature,
        "sector": sector,
    }


@company_app.command("set")
def set_command(
    name: NameOption = None,
    uscc: UsccOption = None,
    address: AddressOption = None,
    contact: ContactOption = None,
    dpo: DpoOption = None,
    sms_signature: SignatureOption = None,
    sector: SectorOption = None,
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Set company profile fields (others unchanged). Example: piplvault company set
    --name 示例商贸有限公司 --uscc 91110000600037341L --address "北京市…" --contact 400-000-0000
    --dpo privacy@example.com --sms-signature 示例商贸"""
    vault = open_vault(home, db, user)
    result = company.set_profile(
        vault,
        **profile_changes(name, uscc, address, contact, dpo, sms_signature, sector),
    )
    vault.close()
    emit(result, json_out, f"company profile: {result}")


@company_app.command("show")
def show_command(
    home: HomeOption = None,
    user: UserOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show the company profile and which fields are still missing."""
    vault = open_vault(home, db, user)
    result = company.show(vault)
    vault.close()
    missing = ", ".join(result["missing"]) or "none"
    emit(result, json_out, f"{result} — missing: {missing}")
