"""The same vault contract on SQLite and on a real PostgreSQL server (started by the suite).

If PostgreSQL cannot start, the PostgreSQL half is skipped with a loud message."""

from __future__ import annotations

from pathlib import Path

import pytest

from piplvault.io.tables import open_table
from piplvault.settings import load_settings
from piplvault.store import migrate
from piplvault.vault import Vault
from tests.conftest import EXAMPLES, PASSPHRASE


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def settings(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    db = None
    if request.param == "postgresql":
        db = request.getfixturevalue("fresh_postgres_db")
    return load_settings(
        {"home": tmp_path / "vault", "db": db, "passphrase": PASSPHRASE}
    )


def test_contract_import_lookup_update_audit(settings) -> None:  # type: ignore[no-untyped-def]
    vault = Vault.create(settings)
    try:
        assert migrate.current_revision(vault.engine) == migrate.head_revision()
        report = vault.import_table(open_table(EXAMPLES / "customers.csv"))
        assert (report.new, report.rejected) == (200, 0)
        again = vault.import_table(open_table(EXAMPLES / "customers.xlsx"))
        assert (again.new, again.unchanged) == (0, 200)
        shown = vault.show_customer(5, reveal=True, purpose="contract")
        phone = shown.fields["mobile"].value
        assert [c.id for c in vault.find_customers("phone", phone).customers] == [5]
        vault.update_field(5, "mobile", "13900001111", purpose="after-sales")
        assert [
            c.id for c in vault.find_customers("phone", "13900001111").customers
        ] == [5]
        assert vault.find_customers("phone", phone).customers == []
        assert vault.status()["customers"] == 200
        # policy on the same backend: consent, withdrawal, refusal audited (R-15-1)
        from piplvault.errors import PermissionDeniedError
        from piplvault.vault import consents

        consents.grant(
            vault, 6, "marketing", separate=["sensitive"], notice_version="v1"
        )
        assert vault.show_customer(6, reveal=True, purpose="marketing").fields
        consents.withdraw(vault, 6, "marketing")
        with pytest.raises(PermissionDeniedError, match="withdrew consent"):
            vault.show_customer(6, reveal=True, purpose="marketing")
        denied = [e for e in vault.audit_entries() if e.outcome == "denied"]
        assert denied and denied[-1].target == "customer:6"
        assert vault.verify_audit().entries >= 6
        _retention_and_shred(vault, settings.home.parent / "certificates")
    finally:
        vault.close()
    reopened = Vault.open(settings)
    try:
        assert reopened.show_customer(5).fields["mobile"].version == 2
    finally:
        reopened.close()


def test_head_revision_read_without_alembic_agrees_with_alembic() -> None:
    """Opening an up-to-date vault skips importing Alembic: its head must be Alembic's."""
    from alembic.script import ScriptDirectory

    migrate.head_revision.cache_clear()
    script = ScriptDirectory.from_config(migrate._config())
    assert migrate.head_revision() == script.get_current_head()


def _retention_and_shred(vault: Vault, out: Path) -> None:
    """R-47-1 / R-47-2 / R-47-3 on the same backend: retention facts, a legal hold, a
    retention run (one shredded, one restricted) and an erasure, through store/ SQL."""
    import datetime as dt

    from piplvault.errors import LegalHoldError
    from piplvault.store import shred
    from piplvault.vault import certificates, destruction, legal_holds, retention

    ended = dt.date(2025, 1, 31)
    retention.set_facts(vault, 1, relationship_ended_on=ended)
    retention.set_facts(
        vault, 2, relationship_ended_on=ended, last_transaction_on=dt.date(2024, 5, 1)
    )
    retention.set_facts(vault, 3, relationship_ended_on=ended)
    hold = legal_holds.place_hold(vault, 3, reason="(2026)京0105民初123号")
    applied = destruction.apply_retention(vault, as_of=dt.date(2026, 6, 1), out_dir=out)
    assert (applied.customers_destroyed, applied.customers_restricted) == (1, 1)
    with pytest.raises(LegalHoldError):
        destruction.delete_customer(vault, 3, reason="request", out_dir=out)
    legal_holds.lift_hold(vault, hold["id"], reason="case closed")
    assert legal_holds.list_holds(vault) == []
    erased = destruction.delete_customers(vault, [3, 4], reason="request", out_dir=out)
    assert erased.customers_destroyed + erased.customers_restricted == 2
    assert vault.show_customer(2, reveal=True, purpose="finance").status == "restricted"
    runs = {r["run_id"] for r in certificates.list_runs(vault)}
    assert runs == {applied.run_id, erased.run_id}
    assert erased.run_id.encode() in certificates.certificate_json(vault, erased.run_id)
    with vault.reading("report") as conn:
        # one entry per shredded customer, one per restricted customer's dropped fields
        assert shred.journal_count(conn) == 4
    assert vault.status()["customers"] == 200 - 1 - erased.customers_destroyed
