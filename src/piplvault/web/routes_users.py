"""People: users with their role, API tokens and training records; adding a user (the
password typed by the admin, or generated and shown once), issuing a token (shown once),
revoking a token, recording a training, disabling a user (their console sessions end at
once). Every action is a `people` use case, authorized and audited there."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from piplvault.vault import people
from piplvault.web.deps import (
    Console,
    ConsoleDep,
    FormDep,
    PostDep,
    field,
    state_of,
    whole_number,
)
from piplvault.web.render import PREFIX, render

router = APIRouter(prefix=PREFIX)


def _page(request: Request, console: Console, **shown: Any) -> Response:
    """The users page; ``shown`` carries what the last action produced (a disabled
    user, a generated password or a token to show once, a notice)."""
    s = console.session
    users = people.list_users(s)
    training = people.list_training(s)
    tokens = people.list_tokens(s)
    roles = [
        {
            "name": r.name,
            "label_zh": r.label_zh,
            "actions": sorted(r.actions),
            "purposes": sorted(r.purposes),
            "max_grade": r.max_grade,
        }
        for r in sorted(s.roles.values(), key=lambda r: r.name)
    ]
    return render(
        request,
        "users.html",
        web=console.web,
        console=console,
        users=users,
        training=training,
        tokens=tokens,
        roles=roles,
        disabled=shown.pop("disabled", ""),
        **shown,
    )


@router.get("/users")
def user_list(request: Request, console: ConsoleDep) -> Response:
    return _page(request, console)


@router.post("/users/disable")
def user_disable(request: Request, console: PostDep, form: FormDep) -> Response:
    name = field(form, "user")
    people.disable_user(console.session, name)
    state_of(request).sessions.drop_user(name)
    return _page(request, console, disabled=name)


@router.post("/users/add")
def user_add(request: Request, console: PostDep, form: FormDep) -> Response:
    """A new user: the admin types the password, or leaves it empty for a generated
    one shown once on this page (to hand over; the person then sets their own)."""
    password = field(form, "password")
    generated = not password
    if generated:
        password = secrets.token_urlsafe(12)
    added = people.add_user(
        console.session, field(form, "user"), field(form, "role"), password
    )
    return _page(
        request,
        console,
        added=added,
        one_time_password=password if generated else "",
    )


@router.post("/users/token")
def token_issue(request: Request, console: PostDep, form: FormDep) -> Response:
    """A new API token for a user, shown once (only its hash is kept)."""
    issued = people.issue_token(
        console.session, field(form, "user"), _number(field(form, "days", "90"))
    )
    return _page(request, console, issued=issued)


@router.post("/users/token/revoke")
def token_revoke(request: Request, console: PostDep, form: FormDep) -> Response:
    revoked = people.revoke_token(console.session, field(form, "token_id"))
    return _page(request, console, revoked=revoked["token_id"])


@router.post("/users/training")
def training_record(request: Request, console: PostDep, form: FormDep) -> Response:
    recorded = people.record_training(
        console.session,
        field(form, "user"),
        field(form, "course"),
        score=_number(field(form, "score")),
        valid_days=_number(field(form, "valid_days", "365")),
    )
    return _page(request, console, trained=recorded)


def _number(text: str) -> int:
    return whole_number(text, 6)
