"""No plaintext personal value anywhere under the vault directory (R-51-3, reliability P1).

Every PII value of examples/customers.csv is searched in the database, WAL and every other
file, in UTF-8, GB18030, UTF-16 and the normalised forms."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

from tests import rawdb
from tests.conftest import EXAMPLES, run_piplvault
from tests.plaintext import occurring, searchable

PII_COLUMNS = (
    "客户名称",
    "姓名",
    "身份证号",
    "手机号",
    "邮箱",
    "银行卡号",
    "地址",
    "备注",
)


def _needles() -> set[str]:
    values: set[str] = set()
    with (EXAMPLES / "customers.csv").open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            for col in PII_COLUMNS:
                v = unicodedata.normalize("NFKC", row[col]).strip()
                if len(v.encode("utf-8")) >= 6:
                    values.add(v)
                    values.add(v.lower())
    return values


def _encodings(value: str) -> list[bytes]:
    forms = [
        value.encode("utf-8"),
        value.encode("utf-16-le"),
        value.encode("utf-16-be"),
    ]
    try:
        forms.append(value.encode("gb18030"))
    except UnicodeEncodeError:
        pass
    return sorted(searchable(forms))  # a 4-byte form matches ciphertext by chance


def test_no_plaintext_under_vault_directory_after_import(tmp_path: Path) -> None:
    home = tmp_path / "vault"
    assert run_piplvault("init", str(home)).returncode == 0
    for name in ("customers.csv", "customers-gbk.csv", "customers.xlsx"):
        assert (
            run_piplvault(
                "import", str(EXAMPLES / name), "--home", str(home)
            ).returncode
            == 0
        )
    assert (
        run_piplvault(
            "customers",
            "update",
            "1",
            "mobile",
            "13900001111",
            "--purpose",
            "contract",
            "--home",
            str(home),
        ).returncode
        == 0
    )
    assert (
        run_piplvault(
            "customers",
            "show",
            "1",
            "--reveal",
            "--purpose",
            "contract",
            "--home",
            str(home),
        ).returncode
        == 0
    )
    files = [p for p in home.rglob("*") if p.is_file()]
    blobs = {p: p.read_bytes() for p in files}
    # every row of the vault's database (the SQLite file itself, or each PostgreSQL table)
    blobs[home / "database"] = rawdb.snapshot(home)
    assert len(blobs[home / "database"]) > 10_000
    needles = _needles() | {"13900001111"}
    assert len(needles) > 500
    forms = {form for n in needles for form in _encodings(n)}
    found = {p: occurring(forms, data) for p, data in blobs.items()}  # `form in data`
    hits = [
        (p.name, n)
        for n in needles
        for form in _encodings(n)
        for p in blobs
        if form in found[p]
    ]
    assert hits == []
    tmp_files = [p for p in (tmp_path / "tmp").rglob("*") if p.is_file()]
    assert tmp_files == []
