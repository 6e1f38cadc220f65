"""Customers: masked list and search, detail, reveal one field for a declared purpose,
update a field (a new version; the old one is kept), consents."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from piplvault.core.customers import FIND_KINDS, CustomerView
from piplvault.errors import ValidationError
from piplvault.store import console as console_store
from piplvault.vault import consents
from piplvault.web.deps import ConsoleDep, FormDep, PostDep, field
from piplvault.web.render import PREFIX, render

router = APIRouter(prefix=PREFIX)
PAGE = 25
#: Columns of the list (masked), in order; the first a customer has is its name.
NAME_KEYS = ("customer_name", "name", "company")
LIST_KEYS = ("mobile", "id_number", "email")
SEARCH_KINDS = ("phone", "id_number", "email", "name")
#: Matches a search shows (a common name matches hundreds in a 1,000,000-customer vault;
#: the rest are counted, not read)
SEARCH_LIMIT = PAGE


def row_of(view: CustomerView) -> dict[str, Any]:
    return {
        "id": view.id,
        "kind": view.kind,
        "status": view.status,
        "name": view.display_name(),
        "flagged": any(f.flagged for f in view.fields.values()),
        **{k: view.fields[k].value if k in view.fields else "" for k in LIST_KEYS},
    }


@router.get("/customers")
def customer_list(request: Request, console: ConsoleDep, page: int = 1) -> Response:
    page = max(1, min(page, 10**9))
    result = console.session.list_customers(
        limit=PAGE, offset=(page - 1) * PAGE, purpose=console.read_purpose
    )
    return render(
        request,
        "customers.html",
        web=console.web,
        console=console,
        rows=[row_of(c) for c in result.customers],
        withheld=result.withheld,
        page=page,
        more=len(result.customers) + result.withheld >= PAGE,
        kinds=SEARCH_KINDS,
        searched=None,
    )


@router.post("/customers/search")
def customer_search(request: Request, console: PostDep, form: FormDep) -> Response:
    """Exact lookup by blind index; a POST so the value never appears in a URL or log."""
    by, value = field(form, "by"), field(form, "value")
    if by not in FIND_KINDS or by not in SEARCH_KINDS:
        raise ValidationError(
            f"Cannot find by '{by}'; use one of {', '.join(SEARCH_KINDS)}"
        )
    if not value:
        raise ValidationError("Give a value to search for")
    result = console.session.find_customers(
        by, value, purpose=console.read_purpose, limit=SEARCH_LIMIT
    )
    return render(
        request,
        "customers.html",
        web=console.web,
        console=console,
        rows=[row_of(c) for c in result.customers],
        withheld=result.withheld,
        page=1,
        more=False,
        kinds=SEARCH_KINDS,
        searched=by,
        more_matches=result.more,
    )


def _detail(
    request: Request,
    console: Any,
    customer_id: int,
    *,
    notice: tuple[str, dict[str, Any]] | None = None,
) -> Response:
    s = console.session
    view = s.show_customer(customer_id, purpose=console.read_purpose)
    consent = consents.show(s, customer_id) if console.may("manage-consents") else None
    with s.read() as conn:  # the purposes a reveal or update may declare
        purposes = [dataclasses.asdict(p) for p in consents.list_purposes_conn(conn)]
        # the record's change history (who, when, field, version; never old values),
        # read after show_customer authorized and audited this reading
        history = (
            [
                {**dataclasses.asdict(r), "details": json.loads(r.details)}
                for r in console_store.field_changes(conn, customer_id)
            ]
            if console.may("update") or console.may("audit-read")
            else None
        )
    allowed = console.role.purposes
    return render(
        request,
        "customer.html",
        web=console.web,
        console=console,
        customer=view,
        name=view.display_name(),
        consent=consent,
        purposes=[p for p in purposes if not allowed or p["key"] in allowed]
        or purposes,
        notice=notice,
        history=history,
    )


@router.get("/customers/{customer_id}")
def customer_detail(
    request: Request, console: ConsoleDep, customer_id: int
) -> Response:
    return _detail(request, console, customer_id)


@router.post("/customers/{customer_id}/reveal")
def customer_reveal(
    request: Request, console: PostDep, form: FormDep, customer_id: int
) -> Response:
    """One field in plaintext for a declared purpose (audited); a refusal names why."""
    name, purpose = field(form, "field"), field(form, "purpose")
    if not purpose:
        raise ValidationError("Revealing values needs a declared purpose")
    if not name:
        raise ValidationError("Choose the field to reveal")
    view = console.session.show_customer(
        customer_id, reveal=True, purpose=purpose, only=[name]
    )
    shown = view.fields[name]
    return render(
        request,
        "reveal_result.html",
        web=console.web,
        console=console,
        field_key=name,
        definition=shown.definition,
        value=shown.value,
        purpose=purpose,
    )


@router.post("/customers/{customer_id}/update")
def customer_update(
    request: Request, console: PostDep, form: FormDep, customer_id: int
) -> Response:
    """A new version of one field for a declared purpose; the old one stays in history."""
    name, purpose = field(form, "field"), field(form, "purpose")
    value = str(form.get("value") or "")
    if not purpose:
        raise ValidationError("Changing a value needs a declared purpose")
    result = console.session.update_field(customer_id, name, value, purpose=purpose)
    return _detail(
        request,
        console,
        customer_id,
        notice=(
            "Field {field} saved as version {version}",
            {"field": result["field"], "version": result["version"]},
        ),
    )


@router.post("/customers/{customer_id}/consents/withdraw")
def consent_withdraw(
    request: Request, console: PostDep, form: FormDep, customer_id: int
) -> Response:
    purpose = field(form, "purpose")
    consents.withdraw(console.session, customer_id, purpose, channel="console")
    return _detail(
        request,
        console,
        customer_id,
        notice=(
            "Consent for purpose {purpose} recorded as withdrawn",
            {"purpose": purpose},
        ),
    )


@router.post("/customers/{customer_id}/consents/grant")
def consent_grant(
    request: Request, console: PostDep, form: FormDep, customer_id: int
) -> Response:
    """Record a consent with its evidence: the notice version shown, the channel, and
    whether it is the separate consent sensitive fields need (PIPL Arts. 14, 29)."""
    purpose = field(form, "purpose")
    consents.grant(
        console.session,
        customer_id,
        purpose,
        separate=["sensitive"] if field(form, "separate") == "sensitive" else [],
        channel="console",
        notice_version=field(form, "notice_version"),
    )
    return _detail(
        request,
        console,
        customer_id,
        notice=("Consent for purpose {purpose} recorded", {"purpose": purpose}),
    )
