"""The REST API tests' vault: example customers, a user per built-in role and one whose
role allows nothing, served by the real FastAPI app in-process (one per test module)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from piplvault.api.app import create_app
from piplvault.settings import load_settings
from piplvault.vault import Vault, people
from tests.security.conftest import write_rows
from tests.web.conftest import PASSWORD, ROLES, make_vault

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
