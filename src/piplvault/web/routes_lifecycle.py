"""Retention and deletion: the plan, applying it, deleting named customers — each after a
confirmation page that shows what will be destroyed (masked names, counts) and respects
the second-approver setting (without an approval number the run only records a request).
The deletion itself is `destruction.erase_customers` / `apply_retention`, as in the CLI."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from piplvault.errors import ApprovalRequiredError, ValidationError, VaultError
from piplvault.vault import destruction
from piplvault.vault.retention import retention_plan
from piplvault.vault.shred_run import DestructionResult
from piplvault.web.deps import (
    Console,
    ConsoleDep,
    FormDep,
    PostDep,
    field,
    optional_approval,
    state_of,
)
from piplvault.web.render import PREFIX, render

router = APIRouter(prefix=PREFIX)
RETENTION_PAGE = 100
#: Names shown on a confirmation page (the count covers all).
SHOWN = 20
MAX_IDS = 1000


@router.get("/retention")
def retention(request: Request, console: ConsoleDep, page: int = 1) -> Response:
    """The retention plan: who is due for deletion or restriction today and why, what is
    held, and the rules in force; with the deletion and apply forms."""
    plan = retention_plan(console.session)
    due = [c for c in plan["customers"] if c["outcome"] in ("destroy", "restrict")]
    page = max(1, min(page, 10**6))
    return render(
        request,
        "retention.html",
        web=console.web,
        console=console,
        plan=plan,
        due=due[(page - 1) * RETENTION_PAGE : page * RETENTION_PAGE],
        due_total=len(due),
        page=page,
        pages=max(1, -(-len(due) // RETENTION_PAGE)),
        second_approver=console.session.settings.require_second_approver,
    )


def _ids(text: str) -> list[int]:
    parts = text.replace(",", " ").split()
    if not parts or any(not p.isdecimal() or len(p) > 12 for p in parts):
        raise ValidationError("Give the customer numbers to delete, e.g. 42 43")
    ids = sorted({int(p) for p in parts})
    if len(ids) > MAX_IDS:
        raise ValidationError("At most 1000 customers per deletion in the console")
    return ids


def _masked_name(console: Console, customer_id: int) -> str:
    """The masked name for the confirmation, or '' when policy hides it (as the CLI)."""
    try:
        return console.session.show_customer(customer_id).display_name()
    except VaultError:
        return ""


def _done(request: Request, console: Console, result: DestructionResult) -> Response:
    state_of(request).dashboard.clear()
    return render(
        request, "deletion_done.html", web=console.web, console=console, result=result
    )


def _approval_requested(
    request: Request, console: Console, error: ApprovalRequiredError
) -> Response:
    return render(
        request,
        "approval_requested.html",
        status=409,
        web=console.web,
        console=console,
        approval_id=error.approval_id,
        message=error.message,
    )


@router.post("/customers/delete")
def delete_customers(request: Request, console: PostDep, form: FormDep) -> Response:
    """Crypto-shred the named customers in one run with one certificate: first a
    confirmation page (masked names and the count), then the run."""
    s = console.session
    s.check_allowed("delete")  # refused (audited) before any name is shown
    ids = _ids(field(form, "ids"))
    reason = field(form, "reason")
    if not reason:
        raise ValidationError("A deletion needs a reason (--reason)")
    approval = optional_approval(form)
    if field(form, "confirmed") != "yes":
        return render(
            request,
            "deletion_confirm.html",
            web=console.web,
            console=console,
            what="customers",
            shown=[(cid, _masked_name(console, cid)) for cid in ids[:SHOWN]],
            count=len(ids),
            ids=" ".join(str(i) for i in ids),
            reason=reason,
            approval=approval,
            second_approver=s.settings.require_second_approver,
        )
    try:
        result = destruction.erase_customers(
            s, ids, reason=reason, approval_id=approval
        )
    except ApprovalRequiredError as error:
        return _approval_requested(request, console, error)
    return _done(request, console, result)


@router.post("/retention/apply")
def apply_retention(request: Request, console: PostDep, form: FormDep) -> Response:
    """Shred or restrict everything due today: a confirmation with the counts (and the
    first masked names), then ``apply_retention`` (behind an approval if required)."""
    s = console.session
    s.check_allowed("retention-apply")
    approval = optional_approval(form)
    if field(form, "confirmed") != "yes":
        plan = retention_plan(s)
        due = [c for c in plan["customers"] if c["outcome"] in ("destroy", "restrict")]
        return render(
            request,
            "deletion_confirm.html",
            web=console.web,
            console=console,
            what="retention",
            shown=[
                (c["customer_id"], _masked_name(console, c["customer_id"]))
                for c in due[:SHOWN]
            ],
            count=len(due),
            summary=plan["summary"],
            as_of=plan["as_of"],
            approval=approval,
            second_approver=s.settings.require_second_approver,
        )
    try:
        result = destruction.apply_retention(s, approval_id=approval)
    except ApprovalRequiredError as error:
        return _approval_requested(request, console, error)
    return _done(request, console, result)
