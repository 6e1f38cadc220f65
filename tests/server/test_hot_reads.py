"""Which requests the plain-read shortcut answers itself (api/hot_reads.py): exactly
``GET /api/v1/customers/{digits}`` with no query string and no root path; everything else
goes on to FastAPI (R-SYS-ACCESS: one documented route, one behaviour)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from piplvault.api.hot_reads import HotReads
from piplvault.errors import NotFoundError


def _scope(
    method: str, path: str, query: bytes = b"", root: str = ""
) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "root_path": root,
        "headers": [(b"authorization", b"Bearer t")],
    }


def _run(scope: dict[str, Any]) -> tuple[str, int, list[Any]]:
    """(who answered, status, what the shortcut was asked)"""
    asked: list[Any] = []
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await PlainTextResponse("fastapi", status_code=299)(scope, receive, send)

    async def answer(
        request: Request, authorization: str | None, customer_id: int
    ) -> Response:
        asked.extend([authorization, customer_id])
        if customer_id == 404:
            raise NotFoundError("Customer 404 not found")
        return PlainTextResponse("hot")

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(HotReads(app, answer=answer)(scope, receive, send))
    body = b"".join(
        m.get("body", b"") for m in sent if m["type"] == "http.response.body"
    )
    return body.decode(), sent[0]["status"], asked


def test_a_plain_customer_read_is_answered_by_the_shortcut() -> None:
    assert _run(_scope("GET", "/api/v1/customers/42")) == ("hot", 200, ["Bearer t", 42])
    assert _run(_scope("GET", "/api/v1/customers/007"))[2] == ["Bearer t", 7]


def test_its_vault_errors_get_the_apps_error_answer() -> None:
    body, status, _ = _run(_scope("GET", "/api/v1/customers/404"))
    assert status == 404 and '"code":"not-found"' in body.replace(" ", "")


@pytest.mark.parametrize(
    "scope",
    [
        _scope("GET", "/api/v1/customers/42", query=b"reveal=false"),
        _scope("GET", "/api/v1/customers/42", root="/vault"),
        _scope("HEAD", "/api/v1/customers/42"),
        _scope("POST", "/api/v1/customers/42"),
        _scope("GET", "/api/v1/customers/-1"),
        _scope("GET", "/api/v1/customers/4x"),
        _scope("GET", "/api/v1/customers/42/"),
        _scope("GET", "/api/v1/customers/1234567890123456789"),
        _scope("GET", "/api/v1/customers/find"),
    ],
)
def test_every_other_request_goes_on_to_fastapi(scope: dict[str, Any]) -> None:
    assert _run(scope) == ("fastapi", 299, [])


def test_other_protocols_go_on_untouched() -> None:
    scope = {**_scope("GET", "/api/v1/customers/1"), "type": "websocket"}
    assert _run(scope)[2] == []  # the shortcut was never asked
