"""Every command is a documented REST route (issue 15, "REST API"): one route per command in
the OpenAPI schema, run as the authenticated person, lists paginated, one error shape, the
request id in the audit log; every route × role authorised (PIPL Art. 51, R-51-2); and
schemathesis over the schema finds no server error.

Everything goes through the real FastAPI app (``create_app``) over a real vault, with
Starlette's TestClient (in-process ASGI): no mocks."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from piplvault.api import commands
from piplvault.api.app import create_app
from piplvault.api.bridge import LOCAL_ONLY
from piplvault.settings import load_settings
from piplvault.vault import Vault, people
from tests.security.conftest import write_rows
from tests.web.conftest import PASSWORD, ROLES, make_vault

ROUTE = commands.PREFIX
TABLE = Path(commands.__file__).parent.parent / "cli" / "path_table.json"

#: A role that may do nothing at all.
NOBODY_POLICY = (
    '[roles.nobody]\nlabel = "无权限"\nactions = []\nrequires_training = false\n'
)


@pytest.fixture(scope="module")
def api_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("rest")
    home = base / "vault"
    with pytest.MonkeyPatch.context() as mp:
        from tests.conftest import TEST_ENV

        for key, value in TEST_ENV.items():
            mp.setenv(key, value)
        make_vault(home, write_rows(base / "c.csv", list(range(1, 21))))
        (home / "policy.toml").write_text(NOBODY_POLICY, encoding="utf-8")
        vault = Vault.open(load_settings({"home": home}))
        try:
            people.add_user(vault, "nobody", "nobody", PASSWORD)
        finally:
            vault.close()
    return home


@pytest.fixture(scope="module")
def api(api_home: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The app over the vault, and a Bearer token per user (from POST /api/v1/login)."""
    with pytest.MonkeyPatch.context() as mp:
        from tests.conftest import TEST_ENV

        for key, value in TEST_ENV.items():
            mp.setenv(key, value)
        vault = Vault.open(load_settings({"home": api_home}))
        try:
            with TestClient(create_app(vault)) as client:
                tokens = {}
                for user in [*ROLES, "nobody"]:
                    answer = client.post(
                        "/api/v1/login", json={"user": user, "password": PASSWORD}
                    )
                    assert answer.status_code == 200, answer.text
                    tokens[user] = "Bearer " + answer.json()["token"]
                yield client, tokens
        finally:
            vault.close()


def _call(
    api: tuple[TestClient, dict[str, str]],
    user: str | None,
    words: str,
    body: dict[str, Any] | None = None,
    **params: Any,
) -> Any:
    client, tokens = api
    headers = {"Authorization": tokens[user]} if user else {}
    return client.post(
        f"{ROUTE}/{words.replace(' ', '/')}",
        json=body or {},
        headers=headers,
        params=params,
    )


def _is_error_shape(answer: Any) -> bool:
    data = answer.json()
    return (
        set(data) == {"error"}
        and isinstance(data["error"].get("code"), str)
        and isinstance(data["error"].get("message"), str)
    )


def test_every_command_has_one_documented_route(api: Any) -> None:
    """The OpenAPI schema lists a route for every command of the CLI (from the generated
    command table, an independent list), each with a summary and a typed body."""
    client, _tokens = api
    schema = client.get("/openapi.json").json()
    table = json.loads(TABLE.read_text(encoding="utf-8"))["commands"]
    expected = {
        f"{ROUTE}/{words.replace(' ', '/')}"
        for words in table
        if words not in LOCAL_ONLY and words.split(" ")[0] not in LOCAL_ONLY
    }
    routes = {path for path in schema["paths"] if path.startswith(ROUTE)}
    assert routes == expected
    assert len(routes) >= 100
    for path in routes:
        operation = schema["paths"][path]["post"]
        assert operation["summary"], path
        assert "requestBody" in operation, path
        assert {"401", "403", "422"} <= set(operation["responses"]), path
    show = schema["components"]["schemas"]["CustomersShowBody"]
    assert show["properties"]["customer_id"]["type"] == "integer"
    assert show["required"] == ["customer_id"]
    assert client.get("/docs").status_code == 200  # readable docs


def test_a_route_runs_its_command_as_the_authenticated_person_R_51_2(
    api: Any,
) -> None:
    answer = _call(
        api, "sam", "customers show", {"customer_id": 3, "purpose": "contract"}
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["command"] == "customers show"
    assert data["result"]["id"] == 3
    masked = [f for f in data["result"]["fields"].values() if f["masked"]]
    assert masked, "a plain show is masked"
    rid = answer.headers["x-request-id"]
    log = _call(api, "owner", "audit log", limit=1000).json()["result"]["items"]
    mine = [e for e in log if e["details"].get("request_id") == rid]
    assert mine and {e["actor"] for e in mine} == {"sam"}


def test_a_given_request_id_is_kept_and_a_bad_one_replaced(api: Any) -> None:
    client, tokens = api
    headers = {"Authorization": tokens["owner"], "X-Request-Id": "trace-0123456789"}
    answer = client.post(f"{ROUTE}/status", json={}, headers=headers)
    assert answer.headers["x-request-id"] == "trace-0123456789"
    headers["X-Request-Id"] = "bad id\nwith newline"
    answer = client.post(f"{ROUTE}/status", json={}, headers=headers)
    assert answer.headers["x-request-id"] != headers["X-Request-Id"]


def test_lists_are_paginated(api: Any) -> None:
    first = _call(api, "owner", "users list", limit=2).json()["result"]
    assert len(first["items"]) == 2 and first["total"] == len(ROLES) + 1
    assert first["next_offset"] == 2
    names = [u["name"] for u in first["items"]]
    rest = _call(api, "owner", "users list", limit=1000, offset=2).json()["result"]
    assert rest["next_offset"] is None
    assert (
        names + [u["name"] for u in rest["items"]] == sorted([*ROLES, "nobody"])
        or len(rest["items"]) == first["total"] - 2
    )
    assert _call(api, "owner", "users list", limit=0).status_code == 422


@pytest.mark.parametrize(
    ("user", "words", "body", "status", "code"),
    [
        (None, "customers show", {"customer_id": 1}, 401, "authentication-failed"),
        (
            "sam",
            "users add",
            {
                "name": "eve",
                "role": "admin",
                "password_stdin": True,
                "stdin": "pw-口令-0001\n",
            },
            403,
            "permission-denied",
        ),
        ("owner", "customers show", {"customer_id": 99999}, 404, "not-found"),
        ("owner", "customers show", {}, 422, "usage-error"),
        ("owner", "customers show", {"customer_id": "x"}, 422, "usage-error"),
        ("owner", "customers show", {"customer_id": 1, "bogus": 1}, 422, "usage-error"),
        ("owner", "customers show", {"customer_id": 0}, 422, "usage-error"),
    ],
)
def test_one_error_shape_for_every_refusal(
    api: Any, user: str | None, words: str, body: dict[str, Any], status: int, code: str
) -> None:
    answer = _call(api, user, words, body)
    assert answer.status_code == status, answer.text
    assert _is_error_shape(answer), answer.text
    assert answer.json()["error"]["code"] == code
    if code == "usage-error":
        assert answer.json()["error"]["field"]


def test_the_error_names_the_field_not_a_flag(api: Any) -> None:
    answer = _call(api, "owner", "customers show", {"customer_id": 1, "limit": "x"})
    assert answer.json()["error"]["field"] == "limit"


def _filled(spec: commands.CommandSpec) -> dict[str, Any]:
    """A body with every required field given a plausible value of its type."""
    body: dict[str, Any] = {}
    for param in spec.params:
        if not param.required:
            continue
        if param.is_path:
            value: Any = {"name": "x.csv", "data": "eCx5CjEsMgo="}
        elif param.choices:
            value = param.choices[0]
        elif param.annotation is int:
            value = max(1, param.minimum or 1)
        else:
            value = "x"
        body[param.name] = [value] if param.many else value
    return body


def test_every_route_refuses_anonymous_and_a_role_without_rights(api: Any) -> None:
    """Anonymous: 401 on every route. A user whose role allows nothing is never answered
    with success on any route but the public ones, and the audit log shows it: refusals
    only, no success but its own login."""
    wrong: list[str] = []
    for spec in commands.command_specs():
        words = " ".join(spec.words)
        anonymous = _call(api, None, words, _filled(spec))
        if anonymous.status_code != 401 or not _is_error_shape(anonymous):
            wrong.append(f"{words}: anonymous got {anonymous.status_code}")
        nobody = _call(api, "nobody", words, _filled(spec))
        if words in PUBLIC:
            if nobody.status_code != 200:
                wrong.append(f"{words} (public): {nobody.text[:200]}")
        elif not 400 <= nobody.status_code < 500 or not _is_error_shape(nobody):
            wrong.append(f"{words}: no-rights role got {nobody.status_code}")
    assert not wrong, "\n".join(wrong)
    log = _call(api, "owner", "audit log", limit=1000).json()["result"]["items"]
    done = [e for e in log if e["actor"] == "nobody" and e["outcome"] == "ok"]
    assert {e["action"] for e in done} <= {"login", "token-issued"}, done
    assert [e for e in log if e["actor"] == "nobody" and e["outcome"] == "denied"]


#: Read routes and the actions that allow them (docs/policy.md; a listing of case or
#: register metadata is also open to `report`, the auditor's and compliance's action).
READS = {
    "status": {"report"},
    "customers list": {"read-masked"},
    "customers show": {"read-masked"},
    "customers flagged list": {"read-masked"},
    "users list": {"manage-users"},
    "audit log": {"audit-read"},
    "audit verify": {"audit-read"},
    "purposes list": {"read-masked", "report", "manage-consents"},
    "training list": {"manage-users"},
    "retention plan": {"retention-apply", "report"},
    "certificate list": {"delete", "retention-apply", "report"},
    "requests list": {"rights-intake", "report"},
    "incidents list": {"incident", "report"},
    "recipients list": {"share", "report"},
}
#: Authenticated users of any role may read these: public keys (given to counterparties
#: to pin) and the company profile, which PIPL Arts. 17 and 52 require to be published.
PUBLIC = {"keys public", "keys fingerprint", "keys exchange", "company show"}
BODIES = {"customers show": {"customer_id": 2, "purpose": "contract"}}


@pytest.mark.parametrize("user", sorted(ROLES))
@pytest.mark.parametrize("words", sorted(READS))
def test_route_by_role_matrix_R_51_2(api: Any, words: str, user: str) -> None:
    """Allowed exactly when the user's role holds one of the route's actions."""
    client, _tokens = api
    role = ROLES[user]
    vault: Vault = client.app.state.vault  # type: ignore[attr-defined]
    actions = set(people_roles(vault)[role])
    answer = _call(api, user, words, BODIES.get(words, {}))
    if actions & READS[words]:
        assert answer.status_code == 200, f"{user} ({role}): {answer.text}"
    else:
        assert answer.status_code == 403, f"{user} ({role}): {answer.text}"
        assert answer.json()["error"]["code"] == "permission-denied"


def people_roles(vault: Vault) -> dict[str, list[str]]:
    return {name: sorted(role.actions) for name, role in vault.roles.items()}


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
        max_examples=2,
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
