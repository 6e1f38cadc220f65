"""Fixtures for the lifecycle tests: a vault with the 200 example customers."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from piplvault.io.tables import open_table
from piplvault.settings import load_settings
from piplvault.vault import Vault
from tests.conftest import EXAMPLES, TEST_ENV
from tests.vaults import clone


def open_home(home: Path) -> Vault:
    return Vault.open(load_settings({"home": home}))


@pytest.fixture(scope="session")
def home_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vault holding the 200 example customers, built once per worker (copied per test)."""
    path = tmp_path_factory.mktemp("lifecycle") / "vault"
    vault = Vault.create(load_settings({"home": path}, env=TEST_ENV))
    try:
        vault.import_table(open_table(EXAMPLES / "customers.csv"))
    finally:
        vault.close()
    return path


@pytest.fixture
def home(home_template: Path, tmp_path: Path) -> Iterator[Path]:
    """This test's own vault directory holding the 200 example customers (ids 1..200)."""
    yield clone(home_template, tmp_path / "vault")


def example_values(row_number: int) -> list[str]:
    """Distinctive plaintext values of the example customer in data row ``row_number``
    (1-based): ID number, mobile, e-mail, bank card (the needles for residue sweeps)."""
    with (EXAMPLES / "customers.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    row = rows[row_number - 1]
    keys = ("身份证号", "手机号", "邮箱", "银行卡号", "统一社会信用代码")
    return [row[k] for k in keys if row.get(k)]


def sweep(paths: list[Path], needles: list[bytes]) -> list[tuple[str, bytes]]:
    """Every (file, needle) where a needle occurs in a file under ``paths``."""
    hits = []
    for base in paths:
        files = (
            [base] if base.is_file() else [p for p in base.rglob("*") if p.is_file()]
        )
        for file in files:
            data = file.read_bytes()
            hits += [(str(file), n) for n in needles if n and n in data]
    return hits


def encodings(value: str) -> list[bytes]:
    return [value.encode("utf-8"), value.encode("gb18030"), value.encode("utf-16-le")]
