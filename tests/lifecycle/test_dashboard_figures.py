"""The dashboard's set-based figures (GROUP BY over ``customers.field_keys`` and the plan
facts) equal the per-record counts of ``status`` and the summary of the full
``retention_plan`` (R-19-1), after every kind of write that changes a record: import,
update, restriction, deletion, legal hold, lifecycle dates, and a record whose
``field_keys`` is unknown (a restore from an older row backup). Migration 0011 fills the
column of existing rows from their records (R-51-3: the names only, no value)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from piplvault.store.records import field_names
from piplvault.vault import dashboard_figures, destruction, legal_holds, retention
from piplvault.vault.dashboard_figures import figures
from tests.lifecycle.conftest import open_home

D = dt.date


def _expected(vault: object, day: dt.date) -> dict[str, object]:
    status = vault.status()  # type: ignore[attr-defined]
    plan = retention.retention_plan(vault, as_of=day)  # type: ignore[arg-type]
    summary = plan["summary"]
    return {
        "counts": {
            k: status[k]
            for k in (
                "customers",
                "by_kind",
                "field_values_by_sensitivity",
                "field_values_by_category",
            )
        },
        "retention": {
            "as_of": day.isoformat(),
            "summary": summary,
            "due": summary["destroy"] + summary["restrict"],
        },
    }


def test_set_based_figures_equal_the_per_record_ones(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = D(2026, 6, 1)
    vault = open_home(home)
    try:
        assert figures(vault, as_of=day) == _expected(vault, day)
        retention.set_facts(
            vault,
            1,
            relationship_ended_on=D(2025, 1, 31),
            last_transaction_on=D(2024, 5, 1),
        )
        retention.set_facts(vault, 2, relationship_ended_on=D(2025, 1, 31))
        retention.set_facts(vault, 3, relationship_ended_on=D(2025, 1, 31))
        retention.set_facts(vault, 5, relationship_ended_on=D(2025, 3, 1))
        legal_holds.place_hold(vault, 3, reason="(2026)京0105民初123号")
        vault.update_field(4, "mobile", "13911112222", purpose="contract")
        destruction.delete_customer(vault, 6, reason="request")
        before = figures(vault, as_of=day)
        assert before == _expected(vault, day)
        assert before["retention"]["summary"]["held"] == 1  # type: ignore[index]
        destruction.apply_retention(vault, as_of=day)  # destroys and restricts
        after = figures(vault, as_of=day)
        assert after == _expected(vault, day) and after != before
        with vault.write() as conn:  # as a restore of an older row backup leaves it
            conn.exec_driver_sql(
                "UPDATE customers SET field_keys = NULL WHERE id IN (7, 8)"
            )
        assert figures(vault, as_of=day) == _expected(vault, day)
        with vault.write() as conn:  # many unknown: every record planned
            conn.exec_driver_sql("UPDATE customers SET field_keys = NULL")
        monkeypatch.setattr(dashboard_figures, "_MANY_UNKNOWN", 10)
        assert figures(vault, as_of=day) == _expected(vault, day)
    finally:
        vault.close()


def test_every_writer_keeps_field_keys_in_step(home: Path) -> None:
    vault = open_home(home)
    try:
        vault.update_field(9, "email", "new@example.com", purpose="contract")
        retention.set_facts(vault, 10, relationship_ended_on=D(2020, 1, 31))
        destruction.apply_retention(vault, as_of=D(2026, 6, 1))
        with vault.read() as conn:
            rows = conn.exec_driver_sql(
                "SELECT id, data, field_keys FROM customers"
            ).all()
        assert rows
        for cid, data, keys in rows:
            assert json.loads(keys) == sorted(field_names(bytes(data))), cid
    finally:
        vault.close()


def test_migration_0011_fills_field_keys_from_the_records(home: Path) -> None:
    from alembic import command

    from piplvault.store import migrate
    from tests import rawdb

    vault = open_home(home)
    engine = vault.engine
    vault.close()
    with engine.connect() as conn:
        cfg = migrate._config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010")
        conn.commit()
    db = rawdb.connect(home)
    if db.postgres:
        columns = [
            r[0]
            for r in db.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'customers'"
            ).fetchall()
        ]
    else:
        columns = [r[1] for r in db.execute("PRAGMA table_info(customers)").fetchall()]
    db.close()
    assert "field_keys" not in columns
    migrate.upgrade(engine)
    db = rawdb.connect(home)
    rows = db.execute("SELECT id, data, field_keys FROM customers").fetchall()
    postgres = db.postgres
    plan = (
        None
        if postgres  # PostgreSQL's planner reads 200 rows without the index: not asked
        else db.execute(
            "EXPLAIN QUERY PLAN SELECT kind, field_keys, count(*) FROM customers "
            "GROUP BY kind, field_keys"
        ).fetchall()
    )
    db.close()
    assert len(rows) == 200
    for cid, data, keys in rows:
        assert json.loads(keys) == sorted(field_names(bytes(data))), cid
    if plan is not None:
        assert "ix_customers_kind_field_keys" in str(plan)  # index scan, no record read


@pytest.mark.postgres
def test_set_based_figures_on_postgresql(
    fresh_postgres_db: str, tmp_path: Path
) -> None:
    from piplvault.io.tables import open_table
    from piplvault.settings import load_settings
    from piplvault.vault import Vault
    from tests.security.conftest import write_rows

    settings = load_settings({"home": tmp_path / "pg", "db": fresh_postgres_db})
    vault = Vault.create(settings)
    try:
        vault.import_table(
            open_table(write_rows(tmp_path / "a.csv", list(range(1, 13))))
        )
        retention.set_facts(vault, 1, relationship_ended_on=D(2025, 1, 31))
        legal_holds.place_hold(vault, 2, reason="(2026)京0105民初123号")
        with vault.write() as conn:
            conn.exec_driver_sql("UPDATE customers SET field_keys = NULL WHERE id = 3")
        day = D(2026, 6, 1)
        assert figures(vault, as_of=day) == _expected(vault, day)
    finally:
        vault.close()


def test_counting_does_not_hold_the_write_lock(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a large vault is counted (seconds at 1,000,000), other requests still write
    their audit entries: the count reads a snapshot, it does not take the write lock."""
    from piplvault.store import customer_counts

    vault = open_home(home)
    wrote: list[float] = []
    real = customer_counts.retention_groups

    def meanwhile(conn: object) -> object:
        import time

        start = time.perf_counter()
        with vault.write() as other:  # BEGIN IMMEDIATE: waits if the count held it
            vault.record(other, action="retention-planned", target="customers")
        wrote.append(time.perf_counter() - start)
        return real(conn)  # type: ignore[arg-type]

    monkeypatch.setattr(customer_counts, "retention_groups", meanwhile)
    try:
        figures(vault)
    finally:
        vault.close()
    assert wrote and wrote[0] < 2.0  # no wait for a lock (the busy timeout is 10 s)
