"""Login, logout and the language switch."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from piplvault.errors import AuthenticationError
from piplvault.vault.session import authenticate
from piplvault.web.deps import (
    CSRF_FIELD,
    FormDep,
    PostDep,
    field,
    state_of,
    vault_of,
)
from piplvault.web.render import LANG_COOKIE, PREFIX, render
from piplvault.web.sessions import COOKIE, MAX_SECONDS, csrf_ok

LOGIN_COOKIE = "pv_login"

router = APIRouter(prefix=PREFIX)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _address(request: Request) -> str:
    return request.client.host if request.client else "local"


def login_page(request: Request, *, error: str = "", status: int = 200) -> Response:
    """The login form with a fresh pre-login CSRF token (double-submit cookie)."""
    token = secrets.token_urlsafe(32)
    response = render(
        request, "login.html", status=status, login_csrf=token, error=error
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path=f"{PREFIX}/login",
    )
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    return login_page(request)


@router.post("/login")
def login(request: Request, form: FormDep) -> Response:
    vault = vault_of(request)
    state = state_of(request)
    if not csrf_ok(request.cookies.get(LOGIN_COOKIE, ""), field(form, CSRF_FIELD)):
        return login_page(request, error="csrf", status=403)
    user, password = field(form, "user"), str(form.get("password") or "")
    address = _address(request)
    wait = state.limiter.retry_after(user, address)
    if wait:
        with vault.write() as conn:
            vault.record(
                conn,
                action="login-throttled",
                target=f"user:{user}",
                outcome="denied",
                details={"via": "console", "retry_after_s": wait},
            )
        response = login_page(request, error="throttled", status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        session = authenticate(vault, user, password=password or None)
    except AuthenticationError:  # audited as login-failed by authenticate()
        state.limiter.failed(user, address)
        return login_page(request, error="wrong", status=401)
    state.limiter.succeeded(user, address)
    # A new id at every login: an id planted before login is never promoted.
    state.sessions.drop(request.cookies.get(COOKIE))
    web = state.sessions.create(session.actor)
    with vault.write() as conn:
        session.record(conn, action="console-login", target=f"user:{session.actor}")
    response = RedirectResponse(f"{PREFIX}/", status_code=303)
    response.set_cookie(
        COOKIE,
        web.id,
        max_age=MAX_SECONDS,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path=PREFIX,
    )
    response.delete_cookie(
        LOGIN_COOKIE, path=f"{PREFIX}/login", httponly=True, samesite="strict"
    )
    return response


@router.post("/logout")
def logout(request: Request, console: PostDep) -> Response:
    with console.session.write() as conn:
        console.session.record(
            conn, action="console-logout", target=f"user:{console.web.user}"
        )
    state_of(request).sessions.drop(console.web.id)
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    response.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="strict")
    return response


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str = "") -> Response:
    """Switch the console language (kept in a cookie) and go back to the page."""
    target = next if _local(next) else f"{PREFIX}/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        LANG_COOKIE,
        "en" if code == "en" else "zh",
        max_age=365 * 24 * 3600,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )
    return response


def _local(target: str) -> bool:
    """Only console paths on this server (no open redirect)."""
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. "//[" (a malformed IPv6 host): not ours
        return False
    return (
        not parts.scheme
        and not parts.netloc
        and target.startswith(f"{PREFIX}/")
        and not target.startswith("//")
        and "\\" not in target
    )
