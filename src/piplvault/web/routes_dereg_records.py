"""A deregistration case's records that the CLI keeps with ``deregister custodian`` and
``deregister outside-copy``: naming the custodian of the records the law keeps (with its
vault's keys pinned when uploaded), and the inventory of copies outside the vault with
the record of each one's destruction — through the very same use cases
(``custodian.set_custodian``, ``winding_up.add_outside_copy`` /
``destroy_outside_copy``), which check the role and the case's state themselves."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from piplvault.errors import NotFoundError, ValidationError
from piplvault.i18n import N_
from piplvault.vault import custodian, winding_up
from piplvault.web.case_files import optional_file
from piplvault.web.deps import FormDep, PostDep, field
from piplvault.web.render import PREFIX
from piplvault.web.routes_cases import case_page

router = APIRouter(prefix=PREFIX)


def _deregistration(case_id: str) -> None:
    if not case_id.startswith("D-"):
        raise NotFoundError(f"No deregistration case '{case_id}'")


@router.post("/cases/{case_id}/custodian")
async def case_custodian(
    request: Request, console: PostDep, form: FormDep, case_id: str
) -> Response:
    """Name (or rename, until packaged) the custodian, as ``deregister custodian``."""
    _deregistration(case_id)
    signing = await optional_file(form, "signing_key")
    exchange = await optional_file(form, "exchange_key")
    result = custodian.set_custodian(
        console.session,
        case_id,
        name=field(form, "name"),
        identifier=field(form, "identifier"),
        contact=field(form, "contact"),
        kind=field(form, "type"),
        signing_key=signing,
        exchange_key=exchange,
        designation=field(form, "designation") or None,
    )
    return case_page(
        request,
        console,
        case_id,
        done=(
            N_("Custodian named: {name}"),
            {"name": (result.get("custodian") or {}).get("name", "")},
        ),
    )


@router.post("/cases/{case_id}/outside-copies")
def case_outside_copy(
    request: Request, console: PostDep, form: FormDep, case_id: str
) -> Response:
    """Inventory one copy outside the vault (a role and a description, no names)."""
    _deregistration(case_id)
    item = winding_up.add_outside_copy(
        console.session,
        case_id,
        where=field(form, "where"),
        holder=field(form, "holder"),
        description=field(form, "description"),
    )
    return case_page(
        request,
        console,
        case_id,
        done=(
            N_("Outside copy {item} recorded; destroy it before shredding"),
            {"item": item["item"]},
        ),
    )


@router.post("/cases/{case_id}/outside-copies/{item}/destroyed")
def case_outside_copy_destroyed(
    request: Request, console: PostDep, form: FormDep, case_id: str, item: str
) -> Response:
    """Record how an inventoried copy was destroyed, and who witnessed it."""
    _deregistration(case_id)
    if not item.isdecimal() or len(item) > 6:
        raise ValidationError("The request is malformed (a wrong number or field)")
    found = winding_up.destroy_outside_copy(
        console.session,
        case_id,
        item=int(item),
        method=field(form, "method"),
        witness=field(form, "witness") or None,
    )
    return case_page(
        request,
        console,
        case_id,
        done=(
            N_("Outside copy {item} recorded as destroyed ({method})"),
            {"item": found["item"], "method": found["method"]},
        ),
    )
