"""``piplvault customers delete``, ``retention …`` and ``certificate …``."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table as RichTable

from piplvault.cli.app import app, emit, err_console, out_console, print_json
from piplvault.cli.confirm import (
    ApprovalOption,
    YesOption,
    confirm_destruction,
    only_requests_approval,
)
from piplvault.cli.customers import customers_app
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
from piplvault.cli.render import ExportOption, terminal_bar, value_name
from piplvault.errors import IntegrityError, ValidationError, VaultError
from piplvault.i18n import _

if TYPE_CHECKING:
    from piplvault.documents import certificate
    from piplvault.vault import certificates, destruction, legal_holds, retention
    from piplvault.vault.service import Vault
    from piplvault.vault.shred_run import DestructionResult
else:
    certificate = lazy_module("piplvault.documents.certificate")
    certificates = lazy_module("piplvault.vault.certificates")
    destruction = lazy_module("piplvault.vault.destruction")
    legal_holds = lazy_module("piplvault.vault.legal_holds")
    retention = lazy_module("piplvault.vault.retention")

export = lazy_module("piplvault.documents.export")

retention_app = typer.Typer(
    help="Retention schedule, legal holds and scheduled deletion (保存期限).",
    no_args_is_help=True,
)
hold_app = typer.Typer(
    help="Legal holds (诉讼保全/调查): block deletion.", no_args_is_help=True
)
certificate_app = typer.Typer(
    help="Destruction certificates (销毁证明): verify offline, export.",
    no_args_is_help=True,
)
app.add_typer(retention_app, name="retention")
retention_app.add_typer(hold_app, name="hold")
app.add_typer(certificate_app, name="certificate")

DateOption = Annotated[str | None, typer.Option(help="A date, YYYY-MM-DD.")]
ApprovedByOption = Annotated[
    str | None, typer.Option("--approved-by", help="Who approved this deletion.")
]
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out", help="Directory for the certificate (default HOME/certificates)."
    ),
]


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"{option} must be a date like 2026-12-31") from exc


def _print_run(result: DestructionResult, json_out: bool) -> None:
    if json_out:
        print_json(result.to_dict())
        return
    sys.stdout.write(f"{result.certificate}\n")
    err_console.print(
        f"已销毁 destroyed {result.customers_destroyed} customer(s), "
        f"restricted {result.customers_restricted}; certificate above "
        f"(HTML: {result.html['zh-CN'].name}, {result.html['en'].name})"
    )


@customers_app.command("delete")
def delete_command(
    customer_ids: Annotated[
        list[int], typer.Argument(metavar="ID...", min=1, max=MAX_ID)
    ],
    reason: Annotated[
        str, typer.Option("--reason", help="Why (recorded, no personal data).")
    ],
    approved_by: ApprovedByOption = None,
    approval: ApprovalOption = None,
    out: OutOption = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
    yes: YesOption = False,
) -> None:
    """Crypto-shred customers (one run, one certificate); print the certificate's path.

    Example: piplvault customers delete 42 43 --reason "deletion request 2026-001"
    """
    vault = open_vault(home, db, user)
    try:
        confirm_destruction(
            _("Will destroy"),
            lambda: [
                *(
                    (_("Customer"), f"{cid} {_masked_name(vault, cid)}")
                    for cid in customer_ids[:20]
                ),
                (_("Customers"), str(len(set(customer_ids)))),
                (_("Reason"), reason),
            ],
            yes=yes or only_requests_approval(vault, approval),
        )
        bar = terminal_bar(_("Shredding"), json_out=json_out)
        with bar as advance:
            result = destruction.erase_customers(
                vault,
                customer_ids,
                reason=reason,
                approved_by=approved_by,
                out_dir=out,
                approval_id=approval,
                progress=advance,
                on_total=bar.expect,
            )
    finally:
        vault.close()
    _print_run(result, json_out)


def _masked_name(vault: Vault, customer_id: int) -> str:
    """The customer's masked name for the confirmation, or '' if policy hides it."""
    try:
        return vault.show_customer(customer_id).display_name()
    except VaultError:
        return ""


@retention_app.command("plan")
def plan_command(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Plan for this date.")
    ] = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
    out: ExportOption = None,
) -> None:
    """What is due for deletion, what is held and why. Example: piplvault retention plan --as-of 2030-01-01"""
    vault = open_vault(home, db, user)
    try:
        plan = retention.retention_plan(vault, as_of=parse_date(as_of, "--as-of"))
    finally:
        vault.close()
    if out is not None:
        settings = vault.settings
        written = export.write_with_original(
            {"title": "保存期限计划 Retention plan", **plan},
            out,
            lang=settings.lang,
            tz=settings.timezone,
        )
        emit(written, json_out, "\n".join(written.values()))
        return
    if json_out:
        print_json(plan)
        return
    summary = ", ".join(f"{k} {v}" for k, v in plan["summary"].items())
    out_console.print(f"保存期限计划 Retention plan as of {plan['as_of']}: {summary}")
    table = RichTable()
    for col in (
        "客户 id",
        "结果 outcome",
        "原因 reason",
        "保留至/复核 until/review",
        "规则 rules",
    ):
        table.add_column(col)
    for c in plan["customers"]:
        if c["outcome"] == "keep" and len(plan["customers"]) > 50:
            continue
        table.add_row(
            str(c["customer_id"]),
            c["outcome"],
            c["reason"],
            c["restricted_until"] or c["hold_ends_on"] or c["review_on"] or "-",
            ", ".join(c["rules"]),
        )
    out_console.print(table)


@retention_app.command("apply")
def apply_command(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Apply as of this date.")
    ] = None,
    approved_by: ApprovedByOption = None,
    approval: ApprovalOption = None,
    out: OutOption = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
    yes: YesOption = False,
) -> None:
    """Shred or restrict what is due; print the destruction certificate's path.

    Example: piplvault retention apply --approved-by 合规负责人
    """
    vault = open_vault(home, db, user)
    try:
        confirm_destruction(
            _("Will destroy or restrict"),
            lambda: [
                (value_name(k), str(v))
                for k, v in retention.retention_plan(
                    vault, as_of=parse_date(as_of, "--as-of")
                )["summary"].items()
            ],
            yes=yes or only_requests_approval(vault, approval),
        )
        bar = terminal_bar(_("Shredding"), json_out=json_out)
        with bar as advance:
            result = destruction.apply_retention(
                vault,
                as_of=parse_date(as_of, "--as-of"),
                approved_by=approved_by,
                out_dir=out,
                approval_id=approval,
                progress=advance,
                on_total=bar.expect,
            )
    finally:
        vault.close()
    _print_run(result, json_out)


@retention_app.command("set")
def set_command(
    customer_id: CustomerIdArgument,
    relationship_ended: Annotated[
        str | None,
        typer.Option("--relationship-ended", help="Service/relationship end."),
    ] = None,
    last_transaction: Annotated[
        str | None, typer.Option("--last-transaction", help="Last transaction date.")
    ] = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record the dates retention counts from. Example: piplvault retention set 7 --relationship-ended 2025-06-30"""
    vault = open_vault(home, db, user)
    try:
        info = retention.set_facts(
            vault,
            customer_id,
            relationship_ended_on=parse_date(
                relationship_ended, "--relationship-ended"
            ),
            last_transaction_on=parse_date(last_transaction, "--last-transaction"),
        )
    finally:
        vault.close()
    _say(info, json_out, f"已记录 recorded for customer {customer_id}")


@hold_app.command("add")
def hold_add_command(
    customer_id: CustomerIdArgument,
    reason: Annotated[
        str, typer.Option("--reason", help="Case or investigation reference.")
    ],
    basis: Annotated[
        str, typer.Option(help="Legal basis, e.g. 民事诉讼法 第103条.")
    ] = "",
    until: Annotated[
        str | None, typer.Option("--until", help="Hold ends on (optional).")
    ] = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Place a legal hold. Example: piplvault retention hold add 7 --reason "(2026)京0105民初123号" """
    vault = open_vault(home, db, user)
    try:
        info = legal_holds.place_hold(
            vault,
            customer_id,
            reason=reason,
            basis=basis,
            ends_on=parse_date(until, "--until"),
        )
    finally:
        vault.close()
    _say(info, json_out, f"已保全 hold {info['id']} placed on customer {customer_id}")


@hold_app.command("lift")
def hold_lift_command(
    hold_id: Annotated[int, typer.Argument(metavar="HOLD_ID", min=1, max=MAX_ID)],
    reason: Annotated[str, typer.Option("--reason", help="Why the hold ends.")],
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Lift a legal hold. Example: piplvault retention hold lift 1 --reason "case closed" """
    vault = open_vault(home, db, user)
    try:
        info = legal_holds.lift_hold(vault, hold_id, reason=reason)
    finally:
        vault.close()
    _say(info, json_out, f"已解除 hold {hold_id} lifted")


@hold_app.command("list")
def hold_list_command(
    all_: Annotated[bool, typer.Option("--all", help="Include lifted holds.")] = False,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """List legal holds. Example: piplvault retention hold list --json"""
    vault = open_vault(home, db, user)
    try:
        rows = legal_holds.list_holds(vault, include_lifted=all_)
    finally:
        vault.close()
    if json_out:
        print_json(rows)
        return
    table = RichTable()
    for col in ("id", "客户 customer", "原因 reason", "截止 until", "状态 state"):
        table.add_column(col)
    for r in rows:
        state = "lifted" if r["lifted_at"] else "active"
        table.add_row(
            str(r["id"]), str(r["customer_id"]), r["reason"], r["ends_on"] or "-", state
        )
    out_console.print(table)


@certificate_app.command("verify")
def verify_command(
    file: Annotated[Path, typer.Argument(metavar="FILE")],
    public_key: Annotated[
        Path, typer.Option("--public-key", help="PEM from 'piplvault keys public'.")
    ],
    json_out: JsonOption = False,
) -> None:
    """Check a certificate offline (no vault, no passphrase); exit 0 only if intact.

    Example: piplvault certificate verify destruction-X.json --public-key vault.pub
    """
    key = certificate.load_public_key(public_key)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ValidationError(f"Cannot read certificate {file}: {exc}") from exc
    try:
        doc = certificate.verify_certificate(data, key)
    except IntegrityError as exc:
        raise IntegrityError(f"{file}: INVALID: {exc.message}") from exc
    info = {
        "valid": True,
        "certificate_id": doc["certificate_id"],
        "destroyed_at": doc["when"]["destroyed_at"],
        "customers_destroyed": doc["what"]["customers_destroyed"],
        "customers_restricted": doc["what"]["customers_restricted"],
        "audit_head": doc["audit"],
        "who": doc.get("who", {}),
    }
    _say(
        info,
        json_out,
        f"有效 VALID: certificate {doc['certificate_id']} is intact and signed",
    )


@certificate_app.command("list")
def list_command(
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """List past deletion runs. Example: piplvault certificate list"""
    vault = open_vault(home, db, user)
    try:
        rows = certificates.list_runs(vault)
    finally:
        vault.close()
    if json_out:
        print_json(rows)
        return
    for r in rows:
        out_console.print(f"{r['run_id']}  {r['at']}  {r['kind']}  {r['customers']}")


@certificate_app.command("export")
def export_command(
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID")],
    out: Annotated[Path, typer.Option("--out", help="Directory to write to.")] = Path(
        "."
    ),
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
) -> None:
    """Re-export a stored certificate (JSON + HTML). Example: piplvault certificate export RUN --out ."""
    from piplvault.documents.certificate import write_certificate_files

    vault = open_vault(home, db, user)
    try:
        data = certificates.certificate_json(vault, run_id)
    finally:
        vault.close()
    paths = write_certificate_files(data, out, f"destruction-{run_id}")
    sys.stdout.write(f"{paths['json']}\n")


def _say(info: dict[str, Any], json_out: bool, message: str) -> None:
    if json_out:
        print_json(info)
    else:
        err_console.print(message)
