"""Audit-log tamper matrix (R-9-1; reliability plan T1): edit, delete, insert, reorder,
truncate, recompute the chain, forge a signature — `audit verify` exits 1 naming the entry."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from piplvault.audit.chain import entry_hash
from tests import rawdb, vaults
from tests.conftest import EXAMPLES, run_piplvault


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("audit") / "v"
    assert run_piplvault("init", str(home)).returncode == 0
    assert (
        run_piplvault(
            "import", str(EXAMPLES / "customers.csv"), "--home", str(home)
        ).returncode
        == 0
    )
    for n in ("1", "2", "3"):
        assert (
            run_piplvault("customers", "show", n, "--home", str(home)).returncode == 0
        )
    return home


def _edit(db: rawdb.Connection) -> None:
    db.execute("UPDATE audit_log SET actor='mallory' WHERE seq=2")


def _delete(db: rawdb.Connection) -> None:
    db.execute("DELETE FROM audit_log WHERE seq=3")


def _insert(db: rawdb.Connection) -> None:
    db.execute("UPDATE audit_log SET seq=-seq WHERE seq>=3")  # make room, then forge
    db.execute("UPDATE audit_log SET seq=1-seq WHERE seq<0")
    db.execute(
        "INSERT INTO audit_log SELECT 3, at, 'mallory', action, target, purpose, "
        "outcome, details, prev_hash, hash FROM audit_log WHERE seq=2"
    )


def _reorder(db: rawdb.Connection) -> None:
    db.execute("UPDATE audit_log SET seq=-1 WHERE seq=2")
    db.execute("UPDATE audit_log SET seq=2 WHERE seq=3")
    db.execute("UPDATE audit_log SET seq=3 WHERE seq=-1")


def _truncate(db: rawdb.Connection) -> None:
    db.execute("DELETE FROM audit_log WHERE seq=(SELECT max(seq) FROM audit_log)")
    db.execute(
        "UPDATE audit_head SET seq=seq-1, hash=(SELECT hash FROM audit_log "
        "WHERE seq=(SELECT max(seq) FROM audit_log))"
    )


def _recompute(db: rawdb.Connection) -> None:
    """An attacker edits entry 2 and recomputes every later hash and the head."""
    rows = db.execute(
        "SELECT seq, at, actor, action, target, purpose, outcome, details, "
        "prev_hash FROM audit_log ORDER BY seq"
    ).fetchall()
    prev = rows[0][8]
    for seq, at, actor, action, target, purpose, outcome, details, _ in rows:
        if seq == 2:
            actor = "mallory"
        digest = entry_hash(
            prev_hash=prev,
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            target=target,
            purpose=purpose,
            outcome=outcome,
            details=details,
        )
        db.execute(
            "UPDATE audit_log SET actor=?, prev_hash=?, hash=? WHERE seq=?",
            (actor, prev, digest, seq),
        )
        prev = digest
    db.execute("UPDATE audit_head SET hash=?", (prev,))


def _forge_signature(db: rawdb.Connection) -> None:
    sig = hashlib.sha512(b"forged").digest()
    db.execute(
        "UPDATE audit_checkpoints SET signature=? WHERE seq=(SELECT min(seq) "
        "FROM audit_checkpoints)",
        (sig,),
    )


TAMPERS: dict[str, tuple[Callable[[rawdb.Connection], None], str]] = {
    "edit": (_edit, "entry 2 was edited"),
    "delete": (_delete, "entry 3 is missing"),
    "insert": (_insert, "entry 3"),
    "reorder": (_reorder, "entry 2"),
    "truncate": (_truncate, "removed from the end"),
    "recompute": (_recompute, "differs from what checkpoint"),
    "forge_signature": (_forge_signature, "invalid signature"),
}


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_tampering_is_detected(name: str, template: Path, tmp_path: Path) -> None:
    home = tmp_path / "v"
    vaults.clone(template, home)
    tamper, expected = TAMPERS[name]
    db = rawdb.connect(home)
    with db:
        tamper(db)
    db.close()
    result = run_piplvault("audit", "verify", "--home", str(home))
    assert result.returncode == 1, result.stdout
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_untouched_copy_verifies(template: Path, tmp_path: Path) -> None:
    home = tmp_path / "v"
    vaults.clone(template, home)
    assert run_piplvault("audit", "verify", "--home", str(home)).returncode == 0
