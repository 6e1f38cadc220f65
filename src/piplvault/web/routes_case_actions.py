"""The actions of a transfer or deregistration case's current step — exactly those the
CLI offers (``piplvault transfer …``, ``piplvault deregister …``), through the same use
cases: notices (downloaded as a zip), delivery and objections, advancing the case, the
regulator's disposal plan, the handover package after the counterparty's key
fingerprints are confirmed, and — after a confirmation page, behind the second-approver
setting — completing a transfer, shredding and sealing a deregistration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from piplvault.errors import ApprovalRequiredError, NotFoundError, ValidationError
from piplvault.i18n import N_
from piplvault.vault import (
    creditors,
    custodian,
    deregistration,
    deregistration_notices,
    deregistration_shred,
    transfer,
    transfer_finish,
    transfer_notices,
)
from piplvault.vault.counterparty import (
    exchange_fingerprint,
    readable,
    signing_fingerprint,
)
from piplvault.web.case_files import (
    download,
    notices_zip,
    optional_file,
    output_path,
    required_file,
)
from piplvault.web.deps import (
    Console,
    ConsoleDep,
    FormDep,
    PostDep,
    field,
    optional_approval,
    state_of,
    whole_number,
)
from piplvault.web.render import PREFIX, render
from piplvault.web.routes_cases import case_page

router = APIRouter(prefix=PREFIX)


def _kind(case_id: str) -> str:
    if case_id.startswith("T-"):
        return "transfer"
    if case_id.startswith("D-"):
        return "deregistration"
    raise NotFoundError(f"No transfer or deregistration case '{case_id}'")


def _require_kind(case_id: str, kind: str) -> None:
    """An action of one kind of case only: any other id is not found."""
    if _kind(case_id) != kind:
        raise NotFoundError(f"No transfer or deregistration case '{case_id}'")


def _customer(form: FormData) -> int:
    return whole_number(field(form, "customer"), 12)


def _customers(form: FormData) -> list[int] | None:
    """``None`` for every customer with a notice, else the listed numbers."""
    if field(form, "all") == "yes":
        return None
    parts = field(form, "customers").replace(",", " ").split()
    if not parts or any(not p.isdecimal() or len(p) > 12 for p in parts):
        raise ValidationError("Give the customer numbers, or tick every customer")
    return sorted({int(p) for p in parts})


def _stamp(console: Console) -> str:
    return console.session.clock.now().strftime("%Y%m%dT%H%M%SZ")


def _approval_requested(
    request: Request, console: Console, error: ApprovalRequiredError, case_id: str
) -> Response:
    return render(
        request,
        "approval_requested.html",
        status=409,
        web=console.web,
        console=console,
        approval_id=error.approval_id,
        message=error.message,
        back=f"{PREFIX}/cases/{case_id}",
    )


# --- notices, delivery, objections, consents --------------------------------------------


@router.post("/cases/{case_id}/notices")
def case_notices(console: PostDep, form: FormDep, case_id: str) -> Response:
    """Render the notices (the step moves on) and hand them over as one zip."""
    s = console.session
    lang = field(form, "lang") if field(form, "lang") in ("zh", "en") else None
    if _kind(case_id) == "transfer":
        voluntary = field(form, "voluntary") == "yes"
        data = notices_zip(
            lambda out: transfer_notices.send_notices(
                s, case_id, out, lang=lang, voluntary=voluntary
            )
        )
    else:
        data = notices_zip(
            lambda out: deregistration_notices.send_notices(s, case_id, out, lang=lang)
        )
    return download(data, f"{case_id}-notices.zip", "application/zip")


@router.post("/cases/{case_id}/delivery")
def case_delivery(
    request: Request, console: PostDep, form: FormDep, case_id: str
) -> Response:
    status = field(form, "status")
    reference = field(form, "reference") or None
    record = (
        transfer_notices.record_delivery
        if _kind(case_id) == "transfer"
        else deregistration_notices.record_delivery
    )
    result = record(console.session, case_id, _customers(form), status, reference)
    return case_page(
        request,
        console,
        case_id,
        done=(
            N_("{n} notice(s) recorded as {status}"),
            {
                "n": result["customers"],
                "status": status,
            },
        ),
    )


@router.post("/cases/{case_id}/objection")
def case_objection(
    request: Request, console: PostDep, form: FormDep, case_id: str
) -> Response:
    customer = _customer(form)
    _require_kind(case_id, "transfer")
    transfer_notices.record_objection(
        console.session, case_id, customer, channel=field(form, "channel") or "console"
    )
    return case_page(
        request,
        console,
        case_id,
        done=(N_("Customer {id} objected and is excluded"), {"id": customer}),
    )


@router.post("/cases/{case_id}/consent")
def case_consent(
    request: Request, console: PostDep, form: FormDep, case_id: str
) -> Response:
    customer = _customer(form)
    _require_kind(case_id, "transfer")
    transfer_notices.record_consent(
        console.session, case_id, customer, channel=field(form, "channel") or "console"
    )
    return case_page(
        request,
        console,
        case_id,
        done=(N_("Customer {id}'s separate consent recorded"), {"id": customer}),
    )


@router.post("/cases/{case_id}/creditor")
def case_creditor(
    request: Request, console: PostDep, form: FormDep, case_id: str
) -> Response:
    customer = _customer(form)
    _require_kind(case_id, "deregistration")
    settled = field(form, "settled") == "yes"
    creditors.mark_creditor(console.session, case_id, customer, settled=settled)
    message = (
        N_("Customer {id}'s claim recorded as settled")
        if settled
        else N_("Customer {id} recorded as a creditor (kept until settled)")
    )
    return case_page(request, console, case_id, done=(message, {"id": customer}))


# --- advancing, reports ------------------------------------------------------------------


@router.post("/cases/{case_id}/advance")
def case_advance(
    request: Request, console: PostDep, form: FormDep, case_id: str
) -> Response:
    """One step forward (transfer): objection window, then ready — as ``transfer
    advance``; a step that destroys (a discontinued business) respects the
    second-approver setting."""
    _require_kind(case_id, "transfer")
    try:
        result = transfer_notices.advance(
            console.session, case_id, approval_id=optional_approval(form)
        )
    except ApprovalRequiredError as error:
        return _approval_requested(request, console, error, case_id)
    return case_page(
        request,
        console,
        case_id,
        done=(N_("The case moved on to: {state}"), {"state": result["state"]}),
    )


@router.post("/cases/{case_id}/regulator-report")
def case_regulator_report(console: PostDep, case_id: str) -> Response:
    """The disposal plan for the regulator (no personal data), kept in HOME/reports and
    downloaded as its JSON original."""
    s = console.session
    out = output_path(
        s, "reports", f"{case_id}-regulator-report-{_stamp(console)}.json"
    )
    if _kind(case_id) == "transfer":
        transfer.regulator_report(s, case_id, out)
    else:
        deregistration_notices.regulator_report(s, case_id, out)
    return download(out.read_bytes(), out.name, "application/json")


# --- the handover package, after the key fingerprints are confirmed ---------------------


@router.post("/cases/{case_id}/package")
async def case_package(
    request: Request, console: PostDep, form: FormDep, case_id: str
) -> Response:
    """First the fingerprints of the uploaded keys, to read to the counterparty by
    telephone; only a form ticked "confirmed" builds the package."""
    kind = _kind(case_id)
    s = console.session
    s.check_allowed(kind if kind == "transfer" else "deregister")
    exchange = await required_file(form, "exchange_key")
    signing = await optional_file(form, "signing_key")
    if field(form, "confirmed") != "yes":
        status = (
            transfer.status(s, case_id)
            if kind == "transfer"
            else deregistration.status(s, case_id)
        )
        return render(
            request,
            "case_keys_confirm.html",
            web=console.web,
            console=console,
            case_id=case_id,
            pinned=status.get("pinned") or {},
            given={
                "exchange_fingerprint": readable(exchange_fingerprint(exchange)),
                **(
                    {"signing_fingerprint": readable(signing_fingerprint(signing))}
                    if signing
                    else {}
                ),
            },
            exchange_text=_text(exchange),
            signing_text=_text(signing) if signing else "",
        )
    out = output_path(s, "packages", f"{case_id}-{_stamp(console)}.pvpkg")
    if kind == "transfer":
        result = transfer_finish.package(
            s, case_id, exchange, out, recipient_signing_key=signing
        )
    else:
        result = custodian.package(
            s, case_id, exchange, out, custodian_signing_key=signing
        )
    return case_page(
        request,
        console,
        case_id,
        done=(
            N_("Package built for {n} customer(s); download it below"),
            {"n": result["customers"]},
        ),
    )


@router.get("/cases/{case_id}/package")
def case_package_download(console: ConsoleDep, case_id: str) -> Response:
    """The package the case recorded (encrypted to the counterparty's pinned key)."""
    s = console.session
    status = (
        transfer.status(s, case_id)
        if _kind(case_id) == "transfer"
        else deregistration.status(s, case_id)
    )
    with s.reading("transfer" if case_id.startswith("T-") else "deregister"):
        pass  # the package is for the people who run the case, not only readers
    path = (status.get("details") or {}).get("package") or status.get("package")
    if not path:
        raise NotFoundError(f"Case {case_id} has no package yet")
    found = Path(str(path))
    if not found.is_file():
        raise NotFoundError(f"Case {case_id} has no package yet")
    return download(found.read_bytes(), found.name, "application/octet-stream")


def _text(data: bytes | None) -> str:
    try:
        return (data or b"").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError("A key or receipt file must be PEM or JSON text") from exc


# --- destructive steps: a confirmation page first ----------------------------------------


@router.post("/cases/{case_id}/complete")
async def case_complete(
    request: Request, console: PostDep, form: FormDep, case_id: str
) -> Response:
    """After the recipient's signed receipt: shred the source copies (``transfer
    complete``), once the counts were shown and confirmed."""
    _require_kind(case_id, "transfer")
    s = console.session
    receipt = await required_file(form, "receipt")
    signing = await optional_file(form, "signing_key")
    approval = optional_approval(form)
    if field(form, "confirmed") != "yes":
        counts = transfer_finish.preview(s, case_id)
        return _confirm(
            request,
            console,
            case_id,
            step="complete",
            rows=[
                (N_("Customers destroyed"), counts["customers"]),
                (N_("Objectors deleted"), counts["objectors"]),
            ],
            carried={
                "receipt_text": _text(receipt),
                "signing_key_text": _text(signing),
            },
            approval=approval,
        )
    try:
        result = transfer_finish.complete(
            s, case_id, receipt, signing, approval_id=approval
        )
        state_of(request).dashboard.clear()
    except ApprovalRequiredError as error:
        return _approval_requested(request, console, error, case_id)
    return case_page(
        request,
        console,
        case_id,
        done=(N_("Source copies destroyed; certificate {run}"), {"run": _run(result)}),
    )


@router.post("/cases/{case_id}/shred")
def case_shred(
    request: Request, console: PostDep, form: FormDep, case_id: str
) -> Response:
    """Crypto-shred everything the deregistration does not keep (``deregister shred``)."""
    _require_kind(case_id, "deregistration")
    s = console.session
    approval = optional_approval(form)
    if field(form, "confirmed") != "yes":
        split = deregistration.status(s, case_id)["split"]
        return _confirm(
            request,
            console,
            case_id,
            step="shred",
            rows=[
                (N_("Customers destroyed"), split["destroy"]),
                (N_("Customers kept"), split["must_keep"]),
            ],
            carried={},
            approval=approval,
        )
    try:
        result = deregistration_shred.shred(s, case_id, approval_id=approval)
        state_of(request).dashboard.clear()
    except ApprovalRequiredError as error:
        return _approval_requested(request, console, error, case_id)
    return case_page(
        request,
        console,
        case_id,
        done=(
            N_("Destroyed {n}; certificate {run}"),
            {
                "n": result["customers_destroyed"],
                "run": _run(result),
            },
        ),
    )


@router.post("/cases/{case_id}/seal")
async def case_seal(
    request: Request, console: PostDep, form: FormDep, case_id: str
) -> Response:
    """Seal the vault read-only after the custodian's signed receipt (``deregister
    seal``), once confirmed."""
    _require_kind(case_id, "deregistration")
    s = console.session
    receipt = await optional_file(form, "receipt")
    signing = await optional_file(form, "signing_key")
    approval = optional_approval(form)
    if field(form, "confirmed") != "yes":
        s.check_allowed("deregister")
        return _confirm(
            request,
            console,
            case_id,
            step="seal",
            rows=[],
            carried={
                "receipt_text": _text(receipt),
                "signing_key_text": _text(signing),
            },
            approval=approval,
        )
    try:
        custodian.seal(s, case_id, receipt, signing, approval_id=approval)
    except ApprovalRequiredError as error:
        return _approval_requested(request, console, error, case_id)
    return case_page(
        request, console, case_id, done=(N_("The vault is sealed read-only"), {})
    )


def _run(result: dict[str, Any]) -> str:
    """The run id of a certificate path ``…/destruction-<run>.json``."""
    name = str(result.get("certificate", "")).rsplit("/", 1)[-1]
    return name.removeprefix("destruction-").removesuffix(".json")


def _confirm(
    request: Request,
    console: Console,
    case_id: str,
    *,
    step: str,
    rows: list[tuple[str, int]],
    carried: dict[str, str],
    approval: int | None,
) -> Response:
    return render(
        request,
        "case_confirm.html",
        web=console.web,
        console=console,
        case_id=case_id,
        step=step,
        rows=rows,
        carried={k: v for k, v in carried.items() if v},
        approval=approval,
        second_approver=console.session.settings.require_second_approver,
    )
