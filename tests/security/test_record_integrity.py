"""Issue 10, attack 4: records and blind-index rows are authenticated as a whole.

A MAC under a vault key covers each customer's packed field → version → ciphertext map
and each blind-index row; a mismatch is a RecordIntegrityError, audited. The tamper
matrix reports "records: N variants, N detected"."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from piplvault.store.records import SealedField, pack, unpack
from tests import rawdb, vaults
from tests.conftest import TEST_ENV
from tests.security.conftest import cli, open_home, write_rows

Tamper = Callable[[rawdb.Connection], None]
NEW_PHONE = "13900001111"


def _old_version_back(db: rawdb.Connection) -> None:
    """Copy mobile v1 (superseded, in field_history) back as the current value."""
    (data,) = db.execute("SELECT data FROM customers WHERE id=1").fetchone()
    (old,) = db.execute(
        "SELECT ciphertext FROM field_history WHERE customer_id=1 AND field='mobile'"
    ).fetchone()
    sealed = unpack(data, customer_id=1)
    sealed["mobile"] = SealedField(1, bytes(old))
    db.execute("UPDATE customers SET data=? WHERE id=1", (pack(sealed),))


def _drop_field(db: rawdb.Connection) -> None:
    (data,) = db.execute("SELECT data FROM customers WHERE id=1").fetchone()
    sealed = unpack(data, customer_id=1)
    del sealed["email"]
    db.execute("UPDATE customers SET data=? WHERE id=1", (pack(sealed),))


def _sql(*statements: str) -> Tamper:
    def run(db: rawdb.Connection) -> None:
        for statement in statements:
            db.execute(statement)

    return run


#: name → (tamper, what to run: "show" customer 1, or "find" by the new phone)
VARIANTS: dict[str, tuple[Tamper, str]] = {
    "superseded-version-copied-back": (_old_version_back, "show"),
    "field-deleted-from-record": (_drop_field, "show"),
    "record-mac-removed": (_sql("UPDATE customers SET mac=NULL WHERE id=1"), "show"),
    "other-customers-record-and-mac-copied-in": (
        _sql(
            "UPDATE customers SET data=(SELECT data FROM customers WHERE id=2), "
            "mac=(SELECT mac FROM customers WHERE id=2) WHERE id=1"
        ),
        "show",
    ),
    "macs-removed-and-seal-mark-deleted": (
        _sql(
            "UPDATE customers SET mac=NULL",
            "UPDATE blind_index SET mac=NULL",
            "DELETE FROM meta WHERE key='record_macs'",
        ),
        "show",
    ),
    "index-tag-pointed-at-another-customer": (
        _sql(
            "UPDATE blind_index SET customer_id=2 WHERE customer_id=1 AND kind='phone'"
        ),
        "find",
    ),
    "index-mac-removed": (
        _sql("UPDATE blind_index SET mac=NULL WHERE customer_id=1 AND kind='phone'"),
        "find",
    ),
    "index-row-forged-with-copied-mac": (
        _sql(
            "INSERT INTO blind_index (kind, tag, customer_id, mac) SELECT kind, tag, 3, "
            "mac FROM blind_index WHERE customer_id=1 AND kind='phone'"
        ),
        "find",
    ),
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("records")
    home = base / "v"
    with pytest.MonkeyPatch.context() as env:
        for key, value in TEST_ENV.items():
            env.setenv(key, value)
        assert cli("init", str(home)).exit_code == 0
        rows = write_rows(base / "c.csv", list(range(1, 11)))
        assert cli("import", str(rows), "--home", str(home)).exit_code == 0
        changed = cli(
            "customers", "update", "1", "mobile", NEW_PHONE, "--purpose", "after-sales",
            "--home", str(home),
        )  # fmt: skip
        assert changed.exit_code == 0, changed.output
    return home


def _probe(home: Path, how: str) -> int:
    if how == "show":
        args = ["customers", "show", "1", "--reveal", "--purpose", "after-sales"]
    else:
        args = ["customers", "find", "--phone", NEW_PHONE, "--purpose", "after-sales"]
    return cli(*args, "--home", str(home)).exit_code


def test_records_tamper_matrix_every_variant_detected(
    template: Path, tmp_path: Path
) -> None:
    detected, missed = [], []
    for name, (tamper, how) in VARIANTS.items():
        copy = tmp_path / name
        vaults.clone(template, copy)
        with rawdb.connect(copy) as db:
            tamper(db)
        (detected if _probe(copy, how) == 1 else missed).append(name)
    summary = f"records: {len(VARIANTS)} variants, {len(detected)} detected"
    sys.stderr.write(summary + "\n")
    assert not missed, f"{summary}; missed: {missed}"


def test_untouched_copy_reads_fine(template: Path, tmp_path: Path) -> None:
    copy = tmp_path / "clean"
    vaults.clone(template, copy)
    assert _probe(copy, "show") == 0
    assert _probe(copy, "find") == 0


def test_attack_old_phone_shown_as_current_is_refused_and_audited(
    template: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "old"
    vaults.clone(template, copy)
    with rawdb.connect(copy) as db:
        _old_version_back(db)
    result = cli(
        "customers", "show", "1", "--reveal", "--purpose", "after-sales",
        "--home", str(copy),
    )  # fmt: skip
    assert result.exit_code == 1
    assert "integrity check" in result.stderr and NEW_PHONE not in result.output
    vault = open_home(copy)
    try:
        failed = [
            e for e in vault.audit_entries() if e.action == "record-integrity-failed"
        ]
    finally:
        vault.close()
    assert (
        failed and failed[-1].target == "customer:1" and failed[-1].outcome == "denied"
    )


def test_attack_find_returns_wrong_person_is_refused(
    template: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "find"
    vaults.clone(template, copy)
    with rawdb.connect(copy) as db:
        VARIANTS["index-tag-pointed-at-another-customer"][0](db)
    result = cli(
        "customers", "find", "--phone", NEW_PHONE, "--purpose", "after-sales",
        "--home", str(copy),
    )  # fmt: skip
    assert result.exit_code == 1 and "search-index row" in result.stderr


def test_legacy_vault_records_are_sealed_once_on_open(
    template: Path, tmp_path: Path
) -> None:
    """A vault upgraded from before MACs: the first open fills them and audits it."""
    copy = tmp_path / "legacy"
    vaults.clone(template, copy)
    with rawdb.connect(copy) as db:
        db.execute("UPDATE customers SET mac=NULL")
        db.execute("UPDATE blind_index SET mac=NULL")
        db.execute("DELETE FROM meta WHERE key='record_macs'")
        db.execute(
            "UPDATE audit_log SET details=replace(details, '\"record_macs\"', '\"x\"') "
            "WHERE seq=1"
        )
    vault = open_home(
        copy
    )  # (the audit chain is now broken; sealing does not check it)
    try:
        assert vault.show_customer(1).id == 1
        sealed = [e for e in vault.audit_entries() if e.action == "record-macs-sealed"]
    finally:
        vault.close()
    assert sealed and sealed[0].details_dict()["customers"] == 10
