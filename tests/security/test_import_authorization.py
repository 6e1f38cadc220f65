"""Issue 10, attack 5: import passes the same purpose/grade/category check as a read.

A ``sales`` user (grade ≤ 3, no financial category, purposes contract/marketing) re-imported
a file and overwrote bank cards (grade 4, financial) and added the ``finance`` purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import rawdb
from tests.security.conftest import cli, write_rows

PASSWORD = "sales-口令-correct-horse-9"


@pytest.fixture
def sales_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    added = cli(
        "users", "add", "alice", "--role", "sales", "--password-stdin",
        "--home", str(home), input=PASSWORD + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    monkeypatch.setenv("PIPLVAULT_USER", "alice")
    monkeypatch.setenv("PIPLVAULT_PASSWORD", PASSWORD)
    return home


def _columns(path: Path, keep: list[str], rows: list[int], source: Path) -> Path:
    """A CSV with only the ``keep`` columns of the example rows."""
    lines = write_rows(source, rows).read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    idx = [header.index(k) for k in keep]
    out = [",".join(line.split(",")[i] for i in idx) for line in lines]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def test_attack_sales_reimport_overwriting_bank_cards_is_refused(
    sales_home: Path, tmp_path: Path
) -> None:
    before = rawdb.connect(sales_home)
    data = before.execute("SELECT data FROM customers WHERE id=1").fetchone()
    before.close()
    result = cli(
        "import",
        str(write_rows(tmp_path / "all.csv", [1, 2])),
        "--home",
        str(sales_home),
    )
    assert result.exit_code == 1
    assert "grade-4" in result.stderr or "financial" in result.stderr
    after = rawdb.connect(sales_home)
    assert after.execute("SELECT data FROM customers WHERE id=1").fetchone() == data
    denied = after.execute(
        "SELECT count(*) FROM audit_log WHERE action='import' AND outcome='denied'"
    ).fetchone()[0]
    after.close()
    assert denied == 1


def test_attack_sales_import_under_finance_purpose_is_refused(
    sales_home: Path, tmp_path: Path
) -> None:
    safe = _columns(
        tmp_path / "p.csv", ["客户编号", "姓名", "手机号"], [1], tmp_path / "s.csv"
    )
    result = cli("import", str(safe), "--purpose", "finance", "--home", str(sales_home))
    assert result.exit_code == 1 and "purpose 'finance'" in result.stderr
    with rawdb.connect(sales_home) as db:
        assert not db.execute(
            "SELECT 1 FROM customer_purposes WHERE purpose='finance'"
        ).fetchall()


def test_sales_import_of_fields_it_may_read_still_works(
    sales_home: Path, tmp_path: Path
) -> None:
    safe = _columns(
        tmp_path / "p.csv", ["客户编号", "姓名", "手机号"], [21], tmp_path / "s.csv"
    )
    result = cli("import", str(safe), "--home", str(sales_home))
    assert result.exit_code == 0, result.output


def test_attack_sales_update_of_a_bank_card_is_refused(sales_home: Path) -> None:
    with rawdb.connect(sales_home) as db:
        (key,) = db.execute(
            "SELECT key FROM fields WHERE category='financial' AND grade=4"
        ).fetchone()
    result = cli(
        "customers", "update", "1", key, "6217008186620116411", "--purpose", "contract",
        "--home", str(sales_home),
    )  # fmt: skip
    assert result.exit_code == 1 and "Refused" in result.stderr
