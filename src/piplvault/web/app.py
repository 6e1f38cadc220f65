"""Mount the console on the API's FastAPI app: routes, static assets, security headers,
and errors rendered as pages (JSON stays the API's error shape)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from piplvault.api.errors import validation_error_response, vault_error_response
from piplvault.errors import ValidationError, VaultError
from piplvault.web import (
    routes_approvals,
    routes_auth,
    routes_backups,
    routes_case_actions,
    routes_cases,
    routes_certificates,
    routes_customers,
    routes_dereg_records,
    routes_import,
    routes_lifecycle,
    routes_main,
    routes_users,
)
from piplvault.web.deps import ConsoleState, LoginRequired, current_console
from piplvault.web.ratelimit import LoginLimiter
from piplvault.web.render import PREFIX, STATIC, headers_for, render
from piplvault.web.sessions import SessionStore


class SecurityHeaders:
    """Pure ASGI middleware: the security headers of ``render.headers_for`` on every
    response (no request body is touched, so large uploads to the API stream as before)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope.get("path", ""))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)


def install(api: FastAPI) -> None:
    """Add the console under /console (``/`` redirects there)."""
    api.state.console = ConsoleState(SessionStore(), LoginLimiter())
    api.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="console-static")
    for module in (
        routes_auth,
        routes_main,
        routes_lifecycle,
        routes_customers,
        routes_import,
        routes_cases,
        routes_case_actions,
        routes_dereg_records,
        routes_approvals,
        routes_certificates,
        routes_backups,
        routes_users,
    ):
        api.include_router(module.router, include_in_schema=False)

    @api.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse(f"{PREFIX}/", status_code=303)

    api.add_middleware(SecurityHeaders)

    @api.exception_handler(VaultError)
    def vault_error(request: Request, error: VaultError) -> Response:
        if not request.url.path.startswith(PREFIX):
            return vault_error_response(error)
        web = None
        try:
            web = current_console(request).web
        except (LoginRequired, VaultError):
            web = None
        fragment = request.headers.get("hx-request") == "true"
        return render(
            request,
            "error_fragment.html" if fragment else "error.html",
            status=error.status,
            web=web,
            error=error,
        )

    @api.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError) -> Response:
        """A malformed console URL or form is a page in the reader's language (the API
        keeps FastAPI's JSON answer)."""
        if not request.url.path.startswith(PREFIX):
            return await validation_error_response(request, error)
        return render(
            request,
            "error.html",
            status=422,
            web=None,
            error=ValidationError("The request is malformed (a wrong number or field)"),
        )

    @api.exception_handler(LoginRequired)
    def login_required(request: Request, _error: LoginRequired) -> Response:
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": f"{PREFIX}/login"})
        return RedirectResponse(f"{PREFIX}/login", status_code=303)
