"""Rows the server keeps between requests (`store.reference`, issue 11) are never stale.

Users, their API tokens, purposes, field definitions and training records are read by
every request and kept in memory while ``meta.reference_stamp`` is unchanged. Triggers give the stamp a fresh
random value in the same transaction as any change to those tables, so a change made by
any means (a use case, another worker, a hand edit of the database) applies to the very
next read.

R-51-4 (roles and training decide every access), R-SYS-1 (fail closed).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from piplvault.errors import PermissionDeniedError, ValidationError
from piplvault.settings import load_settings
from piplvault.store import reference
from piplvault.store.purposes import _ALL_PURPOSES
from piplvault.vault import Vault, people, policy
from piplvault.vault.session import authenticate
from tests import rawdb
from tests.lifecycle.conftest import home, home_template  # noqa: F401  fixtures

NOW = "2026-11-30T00:00:00Z"
MIGRATION = importlib.import_module(
    "piplvault.store.migrations.versions.0012_reference_stamp"
)
TOKENS_MIGRATION = importlib.import_module(
    "piplvault.store.migrations.versions.0013_token_reference_stamp"
)

#: (statement, parameters) that insert, update and delete one row of each kept table
EDITS: dict[str, list[tuple[str, tuple[object, ...]]]] = {
    "users": [
        (
            "INSERT INTO users (name, role, password_hash, created_at) "
            "VALUES ('hand', 'sales', NULL, ?)",
            (NOW,),
        ),
        ("UPDATE users SET role = 'auditor' WHERE name = 'hand'", ()),
        ("DELETE FROM users WHERE name = 'hand'", ()),
    ],
    "api_tokens": [
        (
            "INSERT INTO api_tokens (id, user, token_hash, created_at, expires_at) "
            "VALUES ('hand', 'owner', ?, ?, '2099-01-01T00:00:00Z')",
            (b"\x00", NOW),
        ),
        ("UPDATE api_tokens SET revoked_at = expires_at WHERE id = 'hand'", ()),
        ("DELETE FROM api_tokens WHERE id = 'hand'", ()),
    ],
    "purposes": [
        (
            "INSERT INTO purposes (key, name_zh, basis, necessity, created_at) "
            "VALUES ('hand', '手工', 'consent', '', ?)",
            (NOW,),
        ),
        ("UPDATE purposes SET name_zh = '手工改' WHERE key = 'hand'", ()),
        ("DELETE FROM purposes WHERE key = 'hand'", ()),
    ],
    "fields": [
        (
            "INSERT INTO fields (key, label, entity, kind, sensitivity, grade, "
            "category, created_at) VALUES ('hand', 'hand', NULL, 'non_pii', NULL, 1, "
            "'general', ?)",
            (NOW,),
        ),
        ("UPDATE fields SET grade = 2 WHERE key = 'hand'", ()),
        ("DELETE FROM fields WHERE key = 'hand'", ()),
    ],
    "training": [
        (
            "INSERT INTO training (user, course, score, completed_at, valid_until, "
            "recorded_by) VALUES ('owner', 'hand', 90, ?, '2027-11-30', 'owner')",
            (NOW,),
        ),
        ("UPDATE training SET score = 95 WHERE course = 'hand'", ()),
        ("DELETE FROM training WHERE course = 'hand'", ()),
    ],
}


def _stamp(vault_home: Path) -> str:
    with rawdb.connect(vault_home) as db:
        row = db.execute(
            "SELECT value FROM meta WHERE key = ?", (reference.STAMP_KEY,)
        ).fetchone()
    return str(row[0])


def test_every_change_to_a_kept_table_changes_the_stamp_R_SYS_1(
    home: Path,  # noqa: F811  the fixture
) -> None:
    """Insert, update and delete, by hand on the raw database (no piplvault code runs)."""
    assert set(EDITS) == {*MIGRATION.TABLES, TOKENS_MIGRATION._TABLE}
    seen = {_stamp(home)}
    for table, edits in EDITS.items():
        for sql, params in edits:
            with rawdb.connect(home) as db:
                db.execute(sql.replace("user,", '"user",'), params)
            stamp = _stamp(home)
            assert stamp not in seen, f"{table}: {sql}"
            seen.add(stamp)


def test_kept_rows_are_read_once_per_stamp_and_again_after_a_change_R_SYS_1(
    home: Path,  # noqa: F811  the fixture
) -> None:
    vault = Vault.open(load_settings({"home": home}), pooled=True)
    loads: list[str] = []

    def load_from(conn: object) -> list[str]:
        loads.append("read")
        return [p.key for p in _ALL_PURPOSES.all(conn)]  # type: ignore[arg-type]

    try:
        for _ in range(3):
            with vault.snapshot() as conn:
                reference.kept(conn, "test-purposes", lambda c=conn: load_from(c))
        assert loads == ["read"]
        with vault.write() as conn:  # a write transaction keeps nothing
            reference.kept(conn, "test-purposes", lambda c=conn: load_from(c))
        assert loads == ["read", "read"]
        with rawdb.connect(home) as db:
            db.execute("UPDATE purposes SET necessity = 'x' WHERE key = 'marketing'")
        with vault.read() as conn:
            reference.kept(conn, "test-purposes", lambda c=conn: load_from(c))
        assert loads == ["read", "read", "read"]
    finally:
        vault.close()


def test_hand_edits_apply_to_the_next_read_R_51_4(
    home: Path,  # noqa: F811  the fixture
) -> None:
    """A role, a purpose name and a field's grade changed behind the server's back."""
    vault = Vault.open(load_settings({"home": home}), pooled=True)
    try:
        vault.start_group_commit()
        people.add_user(vault, "officer1", "compliance_officer", "officer-口令-5678")
        staff = authenticate(vault, "officer1", password="officer-口令-5678")
        assert staff.show_customer(3).id == 3
        with rawdb.connect(home) as db:
            db.execute("UPDATE users SET role = 'auditor' WHERE name = 'officer1'")
        with pytest.raises(PermissionDeniedError):
            staff.show_customer(3)
        with rawdb.connect(home) as db:
            db.execute("UPDATE users SET role = 'compliance_officer'")
            db.execute(
                "UPDATE purposes SET name_zh = '手工改名' WHERE key = 'data-management'"
            )
        assert staff.show_customer(3, purpose="手工改名").id == 3
        with pytest.raises(ValidationError, match="手工改名"):
            staff.show_customer(3, purpose="数据管理")
    finally:
        vault.close()


def test_a_token_revoked_by_hand_is_refused_at_the_next_check_R_SYS_1(
    home: Path,  # noqa: F811  the fixture
) -> None:
    """The token check in a request's own snapshot uses the kept token row (migration
    0013); a revocation by any writer changes the stamp, so the next check reads it."""
    vault = Vault.open(load_settings({"home": home}), pooled=True)
    try:
        token = str(people.issue_token(vault, "owner")["token"])
        token_id = policy.token_owner(token)
        for _ in range(2):
            with vault.read() as conn:
                assert policy.token_actor(vault, token, conn) == ("owner", None)
        with rawdb.connect(home) as db:
            db.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE id = ?", (NOW, token_id)
            )
        with vault.read() as conn:
            name, refusal = policy.token_actor(vault, token, conn)
        assert name == "owner" and refusal is not None and "revoked" in refusal
    finally:
        vault.close()


def test_unknown_token_ids_are_not_kept_R_SYS_1(
    home: Path,  # noqa: F811  the fixture
) -> None:
    """Anyone can send a token id: a miss is read again, never kept in memory."""
    vault = Vault.open(load_settings({"home": home}), pooled=True)
    try:
        for n in range(50):
            with vault.read() as conn:
                assert policy.token_actor(vault, f"pvt_nobody{n}_x", conn)[0] is None
        kept = [k for rows in reference._kept.values() for k in rows]
        assert not [k for k in kept if "nobody" in str(k)]
    finally:
        vault.close()
