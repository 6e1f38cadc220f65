"""Mount the console on the API's FastAPI app: routes, static assets, security headers,
and errors rendered as pages (JSON stays the API's error shape)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from piplvault.errors import VaultError
from piplvault.web import (
    routes_auth,
    routes_cases,
    routes_customers,
    routes_import,
    routes_main,
    routes_users,
)
from piplvault.web.deps import ConsoleState, LoginRequired, current_console
from piplvault.web.ratelimit import LoginLimiter
from piplvault.web.render import PREFIX, STATIC, headers_for, render
from piplvault.web.sessions import SessionStore


def install(api: FastAPI) -> None:
    """Add the console under /console (``/`` redirects there)."""
    api.state.console = ConsoleState(SessionStore(), LoginLimiter())
    api.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="console-static")
    for module in (
        routes_auth,
        routes_main,
        routes_customers,
        routes_import,
        routes_cases,
        routes_users,
    ):
        api.include_router(module.router, include_in_schema=False)

    @api.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse(f"{PREFIX}/", status_code=303)

    @api.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in headers_for(request.url.path).items():
            response.headers.setdefault(name, value)
        return response

    @api.exception_handler(VaultError)
    def vault_error(request: Request, error: VaultError) -> Response:
        if not request.url.path.startswith(PREFIX):
            return JSONResponse(
                status_code=error.status,
                content={"error": {"code": error.code, "message": error.message}},
            )
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

    @api.exception_handler(LoginRequired)
    def login_required(request: Request, _error: LoginRequired) -> Response:
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": f"{PREFIX}/login"})
        return RedirectResponse(f"{PREFIX}/login", status_code=303)
