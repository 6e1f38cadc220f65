"""Issue 10, attack 2: customer ids are never reused, and shred-journal / case links check
the customer's created_at as well as the id."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command

from piplvault.io.tables import open_table
from piplvault.settings import load_settings
from piplvault.store import migrate
from piplvault.vault import Vault, destruction
from tests.conftest import PASSPHRASE
from tests.security.conftest import cli, open_home, write_rows


def test_attack_delete_highest_id_then_import_gets_a_new_id(
    home: Path, tmp_path: Path
) -> None:
    gone = cli("customers", "delete", "20", "--reason", "erasure", "--home", str(home))
    assert gone.exit_code == 0, gone.output
    again = cli(
        "import", str(write_rows(tmp_path / "one.csv", [20])), "--home", str(home)
    )
    assert again.exit_code == 0, again.output
    vault = open_home(home)
    try:
        ids = [c.id for c in vault.list_customers(limit=100).customers]
    finally:
        vault.close()
    assert 20 not in ids and ids[-1] == 21


def test_attack_id_not_reused_after_restore_of_older_backup(
    home: Path, tmp_path: Path
) -> None:
    """Backup at ids 1..20; import 21, delete 21; restore the backup: the restored vault
    knows (from the live shred journal) that 21 was used and never hands it out."""
    made = cli("backup", "create", "--to", str(tmp_path / "bk"), "--home", str(home))
    assert made.exit_code == 0, made.output
    backup = made.output.strip().splitlines()[-1]
    assert (
        cli(
            "import", str(write_rows(tmp_path / "x.csv", [21])), "--home", str(home)
        ).exit_code
        == 0
    )
    assert (
        cli("customers", "delete", "21", "--reason", "r", "--home", str(home)).exit_code
        == 0
    )
    into = tmp_path / "restored"
    done = cli("backup", "restore", backup, "--into", str(into), "--home", str(home))
    assert done.exit_code == 0, done.output
    assert (
        cli(
            "import", str(write_rows(tmp_path / "y.csv", [22])), "--home", str(into)
        ).exit_code
        == 0
    )
    vault = open_home(into)
    try:
        ids = [c.id for c in vault.list_customers(limit=100).customers]
    finally:
        vault.close()
    assert 21 not in ids and ids[-1] == 22


def test_attack_journal_replay_spares_another_customer_under_the_same_id(
    home: Path, tmp_path: Path
) -> None:
    """A journal entry names id *and* created_at: an entry for customer 5 created at another
    time (a different person under a reused id) does not delete the backup's customer 5."""
    made = cli("backup", "create", "--to", str(tmp_path / "bk"), "--home", str(home))
    backup = made.output.strip().splitlines()[-1]
    assert (
        cli("customers", "delete", "5", "--reason", "r", "--home", str(home)).exit_code
        == 0
    )
    with sqlite3.connect(home / "vault.db") as db:
        (stamp,) = db.execute(
            "SELECT customer_created FROM shred_journal WHERE customer_id=5"
        ).fetchone()
        assert stamp  # the journal records who was shredded, not just the id
        db.execute(
            "UPDATE shred_journal SET customer_created='1999-01-01T00:00:00Z' "
            "WHERE customer_id=5"
        )
    into = tmp_path / "restored"
    done = cli("backup", "restore", backup, "--into", str(into), "--home", str(home))
    assert done.exit_code == 0, done.output
    assert cli("customers", "show", "5", "--home", str(into)).exit_code == 0


def test_migration_0006_keeps_every_child_row(home: Path) -> None:
    """Rebuilding ``customers`` with AUTOINCREMENT cascades nowhere (foreign keys off)."""
    vault = open_home(home)
    engine = vault.engine
    vault.close()
    db = sqlite3.connect(home / "vault.db")
    counts = {
        t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
        for t in ("customers", "customer_keys", "blind_index", "customer_purposes")
    }
    db.close()
    with engine.connect() as conn:
        cfg = migrate._config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
        conn.commit()
    migrate.upgrade(engine)
    db = sqlite3.connect(home / "vault.db")
    after = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in counts}  # noqa: S608
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name='customers'").fetchone()[
        0
    ]
    high = db.execute(
        "SELECT value FROM meta WHERE key='customer_id_high_water'"
    ).fetchone()
    db.close()
    assert after == counts
    assert "AUTOINCREMENT" in sql
    assert high == ("20",)


@pytest.mark.postgres
def test_attack_id_reuse_on_postgresql(fresh_postgres_db: str, tmp_path: Path) -> None:
    """The same guarantee on PostgreSQL (identity column + high-water mark)."""
    settings = load_settings(
        {"home": tmp_path / "pg", "db": fresh_postgres_db, "passphrase": PASSPHRASE}
    )
    vault = Vault.create(settings)
    try:
        vault.import_table(open_table(write_rows(tmp_path / "a.csv", [1, 2, 3])))
        destruction.delete_customer(vault, 3, reason="erasure", out_dir=tmp_path / "c")
        vault.import_table(open_table(write_rows(tmp_path / "b.csv", [3])))
        ids = [c.id for c in vault.list_customers(limit=10).customers]
    finally:
        vault.close()
    assert ids == [1, 2, 4]


def test_attack_notice_of_a_deleted_customer_does_not_cover_a_new_one(
    home: Path,
) -> None:
    """A delivered notice recorded for customer 7 as created at another time (a person who
    had the id before) does not count as delivered for today's customer 7."""
    from piplvault.vault import cases

    vault = open_home(home)
    try:
        with vault.write() as conn:
            conn.exec_driver_sql(
                "INSERT INTO cases (id, kind, state, created_at, updated_at) "
                "VALUES ('T-0009', 'transfer', 'notices-sent', 'x', 'x')"
            )
            cases.set_members(conn, "T-0009", [(7, True, ""), (8, True, "")])
            conn.exec_driver_sql(
                "UPDATE case_customers SET notice='delivered' WHERE case_id='T-0009'"
            )
            assert cases.undelivered(conn, "T-0009") == []
            conn.exec_driver_sql(
                "UPDATE case_customers SET customer_created='1999-01-01T00:00:00Z' "
                "WHERE customer_id=7"
            )
            assert cases.undelivered(conn, "T-0009") == [7]
            cases.set_members(conn, "T-0009", [(7, True, ""), (8, True, "")])
            row = conn.exec_driver_sql(
                "SELECT notice FROM case_customers WHERE customer_id=7"
            ).one()
            assert row.notice == "none"  # re-scoping drops the other person's notice
    finally:
        vault.close()
