"""Per-request plumbing: who is logged in (→ their `Session`), and the CSRF check."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import FormData

from piplvault.core.policy import Role
from piplvault.errors import (
    PermissionDeniedError,
    ValidationError,
    VaultSealedError,
)
from piplvault.store import console as console_store
from piplvault.vault.service import Vault
from piplvault.vault.session import Session, open_session
from piplvault.web.dashboard_cache import DashboardCache
from piplvault.web.ratelimit import LoginLimiter
from piplvault.web.sessions import COOKIE, SessionStore, WebSession, csrf_ok

CSRF_FIELD = "csrf_token"
READ_PURPOSE = "data-management"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """No live console session: the page redirects to the login form."""


@dataclass(slots=True)
class ConsoleState:
    sessions: SessionStore
    limiter: LoginLimiter
    dashboard: DashboardCache = dataclass_field(default_factory=DashboardCache)


@dataclass(slots=True)
class Console:
    """The logged-in person of this request: their web session and vault `Session`."""

    web: WebSession
    session: Session
    role: Role

    def may(self, action: str) -> bool:
        return action in self.role.actions

    @property
    def read_purpose(self) -> str | None:
        """The purpose masked pages are read for: the vault's default (data management)
        when the role may use it, else the role's own (after-sales staff read for
        contract or after-sales work); declared in every audit entry."""
        allowed = self.role.purposes
        if not allowed or "*" in allowed or READ_PURPOSE in allowed:
            return None
        for preferred in ("contract", *sorted(allowed)):
            if preferred in allowed:
                return preferred
        return None


def vault_of(request: Request) -> Vault:
    vault: Vault = request.app.state.vault
    if vault.keyring.sealed:
        raise VaultSealedError(
            "The vault is sealed; the owner must restart 'piplvault serve'"
        )
    return vault


def state_of(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.console
    return state


def current_console(request: Request) -> Console:
    """The logged-in person; LoginRequired without a live session or for a user who has
    since been disabled (checked on every request)."""
    vault = vault_of(request)
    state = state_of(request)
    web = state.sessions.get(request.cookies.get(COOKIE))
    if web is None:
        raise LoginRequired
    with vault.read() as conn:
        role_name = console_store.user_role(conn, web.user)
    session = open_session(vault, web.user)
    role = session.roles.get(role_name or "")
    if role_name is None or role is None:
        state.sessions.drop(web.id)
        raise LoginRequired
    return Console(web, session, role)


#: A console form is at most an upload of 64 MiB and its fields: refused before parsing,
#: so that a larger body is neither held in memory nor spooled to a temp file.
MAX_FORM_BYTES = 65 * 1024 * 1024


async def posted_form(request: Request) -> FormData:
    length = request.headers.get("content-length", "")
    if length.isdecimal() and int(length) > MAX_FORM_BYTES:
        raise ValidationError("The file is over 64 MiB; import it with the CLI")
    return await request.form()


def checked_console(
    request: Request,
    form: Annotated[FormData, Depends(posted_form)],
) -> Console:
    """The logged-in person of a POST whose CSRF token matches their session's."""
    console = current_console(request)
    given = request.headers.get(CSRF_HEADER) or _text(form.get(CSRF_FIELD))
    if not csrf_ok(console.web.csrf, given):
        raise PermissionDeniedError(
            "The form has expired or did not come from this console (CSRF check failed); "
            "reload the page and try again"
        )
    return console


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


ConsoleDep = Annotated[Console, Depends(current_console)]
PostDep = Annotated[Console, Depends(checked_console)]
FormDep = Annotated[FormData, Depends(posted_form)]


def field(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else default


def whole_number(text: str, digits: int) -> int:
    """A number from a form field or path: up to ``digits`` digits, anything else
    refused (no sign, no spaces, nothing the use case would have to re-check)."""
    if not text.isdecimal() or len(text) > digits:
        raise ValidationError("The request is malformed (a wrong number or field)")
    return int(text)


def optional_approval(form: FormData) -> int | None:
    """The second approver's approval number a destructive form carries, if any."""
    text = field(form, "approval")
    return whole_number(text, 9) if text else None
