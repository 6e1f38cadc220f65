"""People: users with their role and training, the roles, disabling a user (their console
sessions end at once). Adding users and issuing tokens stay in the CLI (a password or a
token is shown once, on the terminal of the person it belongs to)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from piplvault.vault import people
from piplvault.web.deps import ConsoleDep, FormDep, PostDep, field, state_of
from piplvault.web.render import PREFIX, render

router = APIRouter(prefix=PREFIX)


def _page(request: Request, console: ConsoleDep, notice: str = "") -> Response:
    s = console.session
    users = people.list_users(s)
    training = people.list_training(s)
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
        roles=roles,
        disabled=notice,
    )


@router.get("/users")
def user_list(request: Request, console: ConsoleDep) -> Response:
    return _page(request, console)


@router.post("/users/disable")
def user_disable(request: Request, console: PostDep, form: FormDep) -> Response:
    name = field(form, "user")
    people.disable_user(console.session, name)
    state_of(request).sessions.drop_user(name)
    return _page(request, console, notice=name)
