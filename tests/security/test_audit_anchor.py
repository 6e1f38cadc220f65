"""Issue 10, attack 3: audit truncation and checkpoint edits are detected.

The tamper matrix runs every variant against a fresh copy of one vault and reports
"audit: N variants, N detected"; each variant must make ``audit verify`` exit 1."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import rawdb, vaults
from tests.conftest import TEST_ENV
from tests.security.conftest import cli, write_rows

Tamper = Callable[[Path], None]


def _sql(*statements: str) -> Tamper:
    def run(home: Path) -> None:
        with rawdb.connect(home) as db:
            for statement in statements:
                db.execute(statement)

    return run


def _truncate_tail(home: Path, *, below_certificate: bool = False) -> None:
    """The attack from the review: delete the tail of the log and checkpoints, move the
    head back — the shorter log is internally consistent."""
    with rawdb.connect(home) as db:
        (last,) = db.execute("SELECT max(seq) FROM audit_log").fetchone()
        keep = last - 3
        if below_certificate:
            (text,) = db.execute("SELECT certificate FROM destruction_runs").fetchone()
            keep = json.loads(text)["audit"]["head_seq"] - 1
        db.execute("DELETE FROM audit_log WHERE seq > ?", (keep,))
        db.execute("DELETE FROM audit_checkpoints WHERE seq > ?", (keep,))
        (digest,) = db.execute(
            "SELECT hash FROM audit_log WHERE seq = ?", (keep,)
        ).fetchone()
        db.execute("UPDATE audit_head SET seq = ?, hash = ?", (keep, digest))


def _below_certificate_no_head_file(home: Path) -> None:
    """Caught by the head recorded in the destruction certificate the vault keeps."""
    _truncate_tail(home, below_certificate=True)
    (home / "audit-head.json").unlink()


def _below_certificate_no_anchor_left(home: Path) -> None:
    """Every anchor in the vault directory gone: caught by --expect-head CERTIFICATE."""
    _below_certificate_no_head_file(home)
    with rawdb.connect(home) as db:
        db.execute("DELETE FROM destruction_runs")


def _forge_head_file(home: Path) -> None:
    _truncate_tail(home)
    path = home / "audit-head.json"
    doc = json.loads(path.read_text())
    with rawdb.connect(home) as db:
        seq, digest = db.execute("SELECT seq, hash FROM audit_head").fetchone()
    doc["audit_head"] = {"seq": seq, "hash": digest}
    path.write_text(json.dumps(doc))


VARIANTS: dict[str, Tamper] = {
    "edit-entry": _sql("UPDATE audit_log SET actor='mallory' WHERE seq=2"),
    "delete-entry": _sql("DELETE FROM audit_log WHERE seq=3"),
    "truncate-tail-and-move-head-back": _truncate_tail,
    "truncate-below-certificate-delete-head-file": _below_certificate_no_head_file,
    "truncate-delete-head-file-and-certificates": _below_certificate_no_anchor_left,
    "truncate-tail-and-forge-head-file": _forge_head_file,
    "wipe-everything": _sql(
        "DELETE FROM audit_log",
        "DELETE FROM audit_checkpoints",
        "UPDATE audit_head SET seq=0, hash='" + "0" * 64 + "'",
    ),
    "delete-head-row": _sql("DELETE FROM audit_head"),
    "checkpoint-at-changed": _sql(
        "UPDATE audit_checkpoints SET at='2001-01-01T00:00:00Z' "
        "WHERE seq=(SELECT min(seq) FROM audit_checkpoints)"
    ),
    "checkpoint-key-version-changed": _sql(
        "UPDATE audit_checkpoints SET key_version=key_version+7 "
        "WHERE seq=(SELECT max(seq) FROM audit_checkpoints)"
    ),
    "checkpoint-deleted-at-head": _sql(
        "DELETE FROM audit_checkpoints WHERE seq=(SELECT max(seq) FROM audit_checkpoints)"
    ),
}

#: Variants that the head file alone cannot catch: verify gets an --expect-head anchor.
EXPECT_FROM_CERTIFICATE = {"truncate-delete-head-file-and-certificates"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A vault with 20 customers, one deletion (its certificate anchors the head), reads;
    and that certificate's JSON file."""
    base = tmp_path_factory.mktemp("anchor")
    home = base / "v"
    with pytest.MonkeyPatch.context() as env:
        for key, value in TEST_ENV.items():
            env.setenv(key, value)
        return _build(base, home)


def _build(base: Path, home: Path) -> tuple[Path, Path]:
    assert cli("init", str(home)).exit_code == 0
    rows = write_rows(base / "c.csv", list(range(1, 21)))
    assert cli("import", str(rows), "--home", str(home)).exit_code == 0
    certs = base / "certs"
    gone = cli(
        "customers", "delete", "3", "--reason", "r", "--out", str(certs),
        "--home", str(home),
    )  # fmt: skip
    assert gone.exit_code == 0, gone.output
    for n in ("1", "2", "4"):
        assert cli("customers", "show", n, "--home", str(home)).exit_code == 0
    cert = next(certs.glob("*.json"))
    return home, cert


def _copy(home: Path, into: Path) -> Path:
    vaults.clone(home, into)
    return into


def test_audit_tamper_matrix_every_variant_detected(
    template: tuple[Path, Path], tmp_path: Path
) -> None:
    home, cert = template
    detected, missed = [], []
    for name, tamper in VARIANTS.items():
        copy = _copy(home, tmp_path / name)
        tamper(copy)
        args = ["audit", "verify", "--home", str(copy)]
        if name in EXPECT_FROM_CERTIFICATE:
            args += ["--expect-head", str(cert)]
        result = cli(*args)
        (detected if result.exit_code == 1 else missed).append(name)
    summary = f"audit: {len(VARIANTS)} variants, {len(detected)} detected"
    sys.stderr.write(summary + "\n")  # the matrix count, shown with -s
    assert not missed, f"{summary}; missed: {missed}"


def test_untouched_copy_verifies_with_its_anchors(
    template: tuple[Path, Path], tmp_path: Path
) -> None:
    home, cert = template
    copy = _copy(home, tmp_path / "clean")
    result = cli("audit", "verify", "--home", str(copy), "--expect-head", str(cert))
    assert result.exit_code == 0, result.output
    assert "anchor(s)" in result.stdout and not result.stderr


def test_attack_truncated_log_detected_by_head_file(
    template: tuple[Path, Path], tmp_path: Path
) -> None:
    copy = _copy(template[0], tmp_path / "t")
    _truncate_tail(copy)
    result = cli("audit", "verify", "--home", str(copy))
    assert result.exit_code == 1
    assert "truncated" in result.stderr and "audit-head.json" in result.stderr


def test_attack_wiped_log_is_not_intact_0_entries(
    template: tuple[Path, Path], tmp_path: Path
) -> None:
    copy = _copy(template[0], tmp_path / "w")
    VARIANTS["wipe-everything"](copy)
    (copy / "audit-head.json").unlink()
    result = cli("audit", "verify", "--home", str(copy))
    assert result.exit_code == 1 and "wiped" in result.stderr


def test_head_file_is_not_moved_back_by_the_next_command(
    template: tuple[Path, Path], tmp_path: Path
) -> None:
    """After a truncation the next command must not overwrite the evidence."""
    copy = _copy(template[0], tmp_path / "n")
    before = (copy / "audit-head.json").read_text()
    _truncate_tail(copy)
    cli("customers", "show", "1", "--home", str(copy))
    assert (copy / "audit-head.json").read_text() == before
    assert cli("audit", "verify", "--home", str(copy)).exit_code == 1


def test_expect_head_seq_hash_and_bad_values(
    template: tuple[Path, Path], tmp_path: Path
) -> None:
    copy = _copy(template[0], tmp_path / "e")
    doc = json.loads((copy / "audit-head.json").read_text())
    head = f"{doc['audit_head']['seq']}:{doc['audit_head']['hash']}"
    assert (
        cli("audit", "verify", "--home", str(copy), "--expect-head", head).exit_code
        == 0
    )
    ahead = f"{doc['audit_head']['seq'] + 50}:{doc['audit_head']['hash']}"
    result = cli("audit", "verify", "--home", str(copy), "--expect-head", ahead)
    assert result.exit_code == 1 and "truncated" in result.stderr
    bad = cli("audit", "verify", "--home", str(copy), "--expect-head", "nonsense")
    assert bad.exit_code == 1 and "SEQ:HASH" in bad.stderr


def test_a_head_file_changed_after_this_process_wrote_it_is_verified_again(
    tmp_path: Path,
) -> None:
    """R-SYS-1: the server skips re-verifying only the exact bytes it signed itself; one
    changed character (or another key or vault) and the signature is checked again."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from piplvault.audit import anchor
    from piplvault.errors import AuditChainError

    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    anchor.write_head_file(
        tmp_path,
        key,
        vault_id="v1",
        seq=7,
        head_hash="a" * 64,
        at="2026-11-30T00:00:00Z",
    )
    found = anchor.read_head_file(tmp_path, key.public_key(), "v1")
    assert found is not None and (found.seq, found.hash) == (7, "a" * 64)
    with pytest.raises(AuditChainError):
        anchor.read_head_file(tmp_path, other.public_key(), "v1")
    with pytest.raises(AuditChainError):
        anchor.read_head_file(tmp_path, key.public_key(), "v2")
    path = tmp_path / anchor.HEAD_FILE
    path.write_text(path.read_text().replace('"seq": 7', '"seq": 9'))
    with pytest.raises(AuditChainError, match="forged"):
        anchor.read_head_file(tmp_path, key.public_key(), "v1")


def test_a_publication_planned_before_the_commit_is_dropped_if_the_file_moved(
    template: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-SYS-1 (issue 10, attack 3): the head file's rewrite is decided inside the
    committing transaction (``anchor.plan_head``) and carried out after the commit only
    if the file is byte for byte what the plan saw. Another publisher (or anyone) who
    changed it meanwhile makes the plan a no-op, and the decision is taken again."""
    from piplvault.audit import anchor
    from piplvault.settings import load_settings
    from piplvault.store.meta import read_meta
    from piplvault.vault import Vault

    for key, value in TEST_ENV.items():
        monkeypatch.setenv(key, value)
    copy = _copy(template[0], tmp_path / "p")
    vault = Vault.open(load_settings({"home": copy}))
    try:
        signing = vault.keyring.signing_key
        with rawdb.connect(copy) as db:
            (seq,) = db.execute("SELECT max(seq) FROM audit_log").fetchone()
            older = {n: h for n, h in db.execute("SELECT seq, hash FROM audit_log")}
        with vault.read() as conn:
            vault_id = read_meta(conn, "vault_id") or ""

        def anchored_at(n: int, at: str) -> bytes:
            anchor.write_head_file(
                copy, signing, vault_id=vault_id, seq=n, head_hash=older[n], at=at
            )
            return (copy / anchor.HEAD_FILE).read_bytes()

        anchored_at(seq - 2, "2026-11-30T00:00:00Z")  # the file lags the log
        with vault.read() as conn:
            plan = anchor.plan_head(conn, copy, signing, at="2026-11-30T00:00:01Z")
        assert plan is not None and plan.data is not None  # it would move to seq
        moved = anchored_at(seq - 1, "2026-11-30T00:00:02Z")  # someone else published
        with anchor.publishing(copy):
            assert anchor.apply_plan(plan) is False
        assert (copy / anchor.HEAD_FILE).read_bytes() == moved  # the plan did nothing
        with vault.read() as conn:
            plan = anchor.plan_head(conn, copy, signing, at="2026-11-30T00:00:03Z")
        assert plan is not None
        with anchor.publishing(copy):
            assert anchor.apply_plan(plan) is True
        found = anchor.read_head_file(copy, signing.public_key(), vault_id)
        assert found is not None and (found.seq, found.hash) == (seq, older[seq])
    finally:
        vault.close()
