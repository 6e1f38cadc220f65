"""The busiest request, a plain customer read, answered without FastAPI's per-request work.

``GET /api/v1/customers/{id}`` with no query string (the masked read, default purpose) is
what a CRM or a clerk's screen sends most. FastAPI spends about 0.8 ms of CPU on each
(routing, dependency solving, parameter validation, its exception and exit-stack layers):
a fifth of the request (issue 11, measured with bench/api_bench.py's load). This plain
ASGI layer sits inside the request-id and security-header middlewares and answers that one
shape with the **same** functions the FastAPI route calls: the session dependency
(``current_session``), the response (``customer_response``) and the error response of the
app's ``VaultError`` handler. Every other request, including the same path with any query
parameter or under a ``root_path``, goes on to FastAPI, which also documents the route.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from piplvault.api import errors
from piplvault.errors import VaultError
from piplvault.vault.session import Session

_CUSTOMER = re.compile(r"/api/v1/customers/([0-9]{1,18})")
_AUTHORIZATION = b"authorization"

SessionOf = Callable[[Request, str | None], Awaitable[Session]]
CustomerResponse = Callable[[Session, int], Awaitable[Response]]


class HotReads:
    """Answer a plain ``GET /api/v1/customers/{id}`` directly; pass on everything else."""

    def __init__(
        self, app: Any, *, session: SessionOf, customer: CustomerResponse
    ) -> None:
        self.app = app
        self._session = session
        self._customer = customer

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        found = (
            _CUSTOMER.fullmatch(scope["path"])
            if scope["type"] == "http"
            and scope["method"] == "GET"
            and not scope.get("query_string")
            and not scope.get("root_path")
            else None
        )
        if found is None:
            await self.app(scope, receive, send)
            return
        response = await self._answer(Request(scope, receive), int(found.group(1)))
        await response(scope, receive, send)

    async def _answer(self, request: Request, customer_id: int) -> Response:
        authorization = None
        for name, value in request.scope["headers"]:
            if name == _AUTHORIZATION:
                authorization = value.decode("latin-1")
                break
        try:
            session = await self._session(request, authorization)
            return await self._customer(session, customer_id)
        except VaultError as error:  # as the app's VaultError handler answers it
            return errors.vault_error_response(error)
