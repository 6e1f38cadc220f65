"""Fixtures for the console tests: a vault with example customers and one user per role,
served by the real FastAPI app (``create_app``) through Starlette's TestClient."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():
    # Starlette asks for httpx2 (not in the lock); the TestClient works with httpx.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from piplvault.io.tables import open_table
from piplvault.settings import load_settings
from piplvault.vault import Vault, consents, people, transfer
from tests.routes import create_app  # the command routes built once per process
from tests.security.conftest import write_rows

PASSWORD = "console-口令-5678"
#: A user per built-in role (the owner is an admin).
ROLES = {
    "owner": "admin",
    "cora": "compliance_officer",
    "sam": "sales",
    "ada": "after_sales",
    "fay": "finance",
    "otto": "auditor",
}


def make_vault(path: Path, rows: Path) -> None:
    vault = Vault.create(load_settings({"home": path}))
    try:
        vault.import_table(open_table(rows))
        people.set_password(vault, "owner", PASSWORD)
        for name, role in ROLES.items():
            if name != "owner":
                people.add_user(vault, name, role, PASSWORD)
                people.record_training(
                    vault, name, "pipl-basics", score=90, valid_days=365
                )
        # customer 5 consented to marketing, then withdrew (R-15-1)
        consents.grant(vault, 5, "marketing", notice_version="2026-11")
        consents.withdraw(vault, 5, "marketing")
        transfer.create(  # T-0001, in draft
            vault,
            recipient="示例承接科技有限公司",
            contact="010-88886666",
            uscc="91110000600037341L",
            purposes=["contract"],
            deal="merger",
        )
    finally:
        vault.close()


@pytest.fixture(scope="module")
def vault_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("console")
    home = base / "vault"
    with pytest.MonkeyPatch.context() as mp:
        from tests.conftest import TEST_ENV

        for key, value in TEST_ENV.items():
            mp.setenv(key, value)
        make_vault(home, write_rows(base / "c.csv", list(range(1, 21))))
    return home


@pytest.fixture
def served(vault_home: Path) -> Iterator[Vault]:
    vault = Vault.open(load_settings({"home": vault_home}))
    try:
        yield vault
    finally:
        vault.close()


@pytest.fixture
def client(served: Vault) -> Iterator[TestClient]:
    with TestClient(create_app(served), base_url="http://testserver") as c:
        yield c


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def login(client: TestClient, user: str, password: str = PASSWORD) -> str:
    """Log ``user`` in; the session's CSRF token."""
    page = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={"user": user, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/console/").text)
