"""The API's one error shape: ``{"error": {"code", "message", "field"?}}``.

Every refusal — a typed `VaultError` from a use case, or a request the schema rejects —
answers in this shape with the HTTP status of its error class (``errors.py``), so a
client handles errors in one place.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from piplvault.errors import VaultError


def error_shape(error: VaultError) -> dict[str, Any]:
    """Code, message and HTTP status of ``error``, and the field it is about if it names one."""
    shape: dict[str, Any] = {
        "code": error.code,
        "message": error.message,
        "status": error.status,
    }
    field_name = getattr(error, "field", None)
    if field_name:
        shape["field"] = field_name
    return shape


def vault_error_response(error: VaultError) -> JSONResponse:
    shape = error_shape(error)
    status = shape.pop("status")
    return JSONResponse(status_code=status, content={"error": shape})


async def validation_error_response(
    _request: Request, error: Exception
) -> JSONResponse:
    """A request the schema rejects: 422 ``usage-error`` naming the field at fault."""
    problems = error.errors() if isinstance(error, RequestValidationError) else []
    first = (list(problems) or [{}])[0]
    where = [str(part) for part in first.get("loc", ()) if part not in ("body",)]
    shape: dict[str, Any] = {
        "code": "usage-error",
        "message": f"{'.'.join(where) or 'request'}: {first.get('msg', 'invalid')}",
    }
    if where:
        shape["field"] = ".".join(where)
    return JSONResponse(status_code=422, content={"error": shape})


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    """The one error shape (documented on every route)."""

    error: ErrorDetail


#: The refusals every authenticated route can answer with, for the OpenAPI schema.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (401, "Not authenticated (no, wrong, expired or revoked credentials)"),
        (
            403,
            "Refused by policy (role, purpose, consent, grade, training, case state)",
        ),
        (404, "No such customer, case, request… "),
        (409, "A workflow step whose precondition does not hold"),
        (422, "A malformed request or a value out of range (names the field)"),
        (503, "The vault is sealed"),
    )
}
