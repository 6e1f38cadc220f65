"""Who may handle rights requests (R-51-4 role-based access; R-SYS-1 refusals audited):
sales may not touch them, after-sales takes them in but may not fulfil or refuse."""

from __future__ import annotations

from pathlib import Path

import pytest

from piplvault.io.tables import open_table
from piplvault.settings import load_settings
from piplvault.vault import Vault
from tests import rawdb
from tests.security.conftest import cli, write_rows

PASSWORD = "staff-口令-correct-horse-9"


def _as(home: Path, monkeypatch: pytest.MonkeyPatch, name: str, role: str) -> None:
    added = cli(
        "users", "add", name, "--role", role, "--password-stdin",
        "--home", str(home), input=PASSWORD + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    monkeypatch.setenv("PIPLVAULT_USER", name)
    monkeypatch.setenv("PIPLVAULT_PASSWORD", PASSWORD)


def _denied(home: Path, action: str) -> int:
    db = rawdb.connect(home)
    try:
        return int(
            db.execute(
                "SELECT count(*) FROM audit_log WHERE action=? AND outcome='denied'",
                (action,),
            ).fetchone()[0]
        )
    finally:
        db.close()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A vault holding the first 5 example customers."""
    path = tmp_path / "vault"
    vault = Vault.create(load_settings({"home": path}))
    try:
        vault.import_table(open_table(write_rows(tmp_path / "c.csv", [1, 2, 3, 4, 5])))
    finally:
        vault.close()
    return path


OPEN = ("requests", "open", "1", "--type", "access", "--channel", "phone")


def test_sales_may_not_open_list_or_show_requests(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-51-4: a role without rights-intake is refused, and each refusal is audited."""
    h = ("--home", str(home))
    _as(home, monkeypatch, "alice", "sales")
    for argv in (OPEN, ("requests", "list"), ("requests", "overdue")):
        result = cli(*argv, *h)
        assert result.exit_code == 1, result.output
        assert "may not 'rights-intake'" in result.stderr
    assert _denied(home, "rights-intake") == 3
    db = rawdb.connect(home)
    assert db.execute("SELECT count(*) FROM rights_requests").fetchone()[0] == 0
    db.close()


def test_after_sales_takes_requests_in_but_may_not_close_them(
    home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """R-51-4, R-50-1: customer service records and verifies; only the compliance
    officer (rights-fulfil) fulfils, refuses or extends."""
    h = ("--home", str(home))
    _as(home, monkeypatch, "bob", "after_sales")
    opened = cli(*OPEN, *h)
    assert opened.exit_code == 0, opened.output
    assert cli("requests", "verify", "1", "--identity", "sms-code", *h).exit_code == 0
    for argv in (
        ("requests", "fulfil", "1", "--out", str(tmp_path / "o")),
        (
            "requests",
            "refuse",
            "1",
            "--reason",
            "identity-unverified",
            "--explain",
            "x",
        ),
        ("requests", "extend", "1", "--days", "5", "--reason", "x"),
    ):
        result = cli(*argv, *h)
        assert result.exit_code == 1, result.output
        assert "may not 'rights-fulfil'" in result.stderr
    assert _denied(home, "rights-fulfil") == 3
    assert not (tmp_path / "o").exists()
