"""Schemathesis over the REST API's OpenAPI schema finds no server error and no answer that
breaks the schema (issue 15 proof). Its own module, so the suite runs it beside the other
API tests."""

from __future__ import annotations

from typing import Any

from piplvault.api import commands

ROUTE = commands.PREFIX


def test_schemathesis_finds_no_server_error(api: Any) -> None:
    """Generated requests against every route's schema, as the owner: never a 5xx, and
    every answer matches the schema (issue 15 proof)."""
    import schemathesis

    client, tokens = api
    schema = schemathesis.openapi.from_dict(client.app.openapi())
    schema.app = client.app
    failures: list[str] = []
    calls = [0]
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith(ROUTE):
            _fuzz(operation, tokens["owner"], failures, calls)
    assert calls[0] >= len(commands.command_specs())
    assert not failures, "\n".join(failures[:10])


def _fuzz(operation: Any, token: str, failures: list[str], calls: list[int]) -> None:
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    @settings(
        max_examples=1,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        calls[0] += 1
        answer = case.call(headers={"Authorization": token}, timeout=120)
        try:
            case.validate_response(
                answer, checks=[not_a_server_error, response_schema_conformance]
            )
        except Exception as failure:  # noqa: BLE001  collected, reported together
            failures.append(f"{operation.path}: {str(failure)[:300]}")

    check()
