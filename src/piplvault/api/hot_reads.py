"""The busiest request, a plain customer read, answered without FastAPI's per-request work.

``GET /api/v1/customers/{id}`` with no query string (the masked read, default purpose) is
what a CRM or a clerk's screen sends most. FastAPI spends about 0.8 ms of CPU on each
(routing, dependency solving, parameter validation, its exception and exit-stack layers):
a fifth of the request (issue 11, measured with bench/api_bench.py's load). Its middleware
stack (FastAPI's error, telemetry and body-limit layers, then the app's own) cost another
tenth. This plain ASGI app is what uvicorn serves: it answers that one shape itself, inside
the **same** middlewares the app has around its routes (request id; with the console,
security headers: ``around``), with the **same** functions the FastAPI route calls (the
session dependency ``current_session`` and the response ``customer_response``, or the one
snapshot that checks a token and reads: ``app.customer_answer``) and the error response of
the app's ``VaultError`` handler. Every other request, including the
same path with any query parameter or under a ``root_path``, goes to the FastAPI app
whole, which also documents the route.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from piplvault.api import errors
from piplvault.errors import VaultError

_CUSTOMER = re.compile(r"/api/v1/customers/([0-9]{1,18})")
_AUTHORIZATION = b"authorization"

#: (request, its Authorization header, the customer id) → the answer
CustomerAnswer = Callable[[Request, str | None, int], Awaitable[Response]]
Middleware = Callable[[Any], Any]


class HotReads:
    """Answer a plain ``GET /api/v1/customers/{id}`` directly; pass on everything else.

    ``around``: the middlewares to run the shortcut's own answers in, innermost first
    (the app's request-id middleware, then its security headers, as the app nests them).
    """

    def __init__(
        self,
        app: Any,
        *,
        answer: CustomerAnswer,
        around: Iterable[Middleware] = (),
    ) -> None:
        self.app = app
        self._customer_answer = answer
        hot: Any = self._answer_read
        for middleware in around:
            hot = middleware(hot)
        self._hot = hot

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
        scope["app"] = self.app  # as Starlette does: the session reads app.state
        scope["path_params"] = {"customer_id": int(found.group(1))}  # as a router does
        await self._hot(scope, receive, send)

    async def _answer_read(self, scope: Any, receive: Any, send: Any) -> None:
        customer_id = scope["path_params"]["customer_id"]
        response = await self._answer(Request(scope, receive), customer_id)
        await response(scope, receive, send)

    async def _answer(self, request: Request, customer_id: int) -> Response:
        authorization = None
        for name, value in request.scope["headers"]:
            if name == _AUTHORIZATION:
                authorization = value.decode("latin-1")
                break
        try:
            return await self._customer_answer(request, authorization, customer_id)
        except VaultError as error:  # as the app's VaultError handler answers it
            return errors.vault_error_response(error)
