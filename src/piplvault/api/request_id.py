"""One id per request: in the ``X-Request-Id`` response header and in every audit entry the
request writes (``audit.request.REQUEST_ID``).

A plain ASGI middleware (not Starlette's ``BaseHTTPMiddleware``, which runs every request
in an extra task with its own streams: about a third of a millisecond of CPU per request,
issue 11). The id is set for the whole request, streamed bodies included.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from piplvault.audit.request import REQUEST_ID

_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{8,64}")
_HEADER = b"x-request-id"


def new_request_id() -> str:
    return secrets.token_hex(8)


class RequestIdMiddleware:
    """Use the client's well-formed ``X-Request-Id`` or make a new one."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = ""
        for name, value in scope.get("headers", ()):
            if name == _HEADER:
                given = value.decode("latin-1")
                break
        rid = given if _WELL_FORMED.fullmatch(given) else new_request_id()
        header = (_HEADER, rid.encode("ascii"))

        async def send_with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                kept = [
                    h for h in message.get("headers", ()) if h[0].lower() != _HEADER
                ]
                message = {**message, "headers": [*kept, header]}
            await send(message)

        token = REQUEST_ID.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)
