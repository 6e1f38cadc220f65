"""Retention schedule, restriction and legal holds (R-19-1, R-47-1, R-47-2)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from piplvault.core.retention import (
    CustomerFacts,
    LegalHold,
    Outcome,
    add_period,
    parse_schedule,
    plan_customer,
)
from piplvault.errors import ConfigError, LegalHoldError
from piplvault.vault import destruction, legal_holds
from tests.conftest import run_piplvault
from tests.lifecycle.conftest import open_home

RULES = """
[rules.purpose-ended]
categories = ["*"]
trigger = "relationship-end"
source = "PIPL Arts. 19, 47"
[rules.tax-records]
categories = ["financial"]
trigger = "fiscal-year-end"
years = 10
statutory = true
source = "Tax Collection Law Art. 24"
"""
D = dt.date


def _facts(**kw: object) -> CustomerFacts:
    base: dict[str, object] = {
        "id": 1,
        "collected_on": D(2020, 1, 1),
        "categories": frozenset({"identity", "financial"}),
    }
    base.update(kw)
    return CustomerFacts(**base)  # type: ignore[arg-type]


def test_plan_outcomes_R_19_1_R_47_2() -> None:
    """R-19-1: purpose running → keep; ended → destroy; ended with a running statutory
    period → restrict the held categories until the period ends (R-47-2)."""
    s = parse_schedule(RULES)
    today = D(2026, 6, 1)
    assert plan_customer(s, _facts(), today).outcome is Outcome.KEEP
    ended = plan_customer(s, _facts(relationship_ended_on=D(2025, 1, 1)), today)
    assert ended.outcome is Outcome.DESTROY
    restricted = plan_customer(
        s,
        _facts(relationship_ended_on=D(2025, 1, 1), last_transaction_on=D(2024, 5, 1)),
        today,
    )
    assert restricted.outcome is Outcome.RESTRICT
    assert restricted.destroy_categories == ("identity",)
    assert restricted.keep_categories == ("financial",)
    assert restricted.restricted_until == D(2035, 1, 1)
    assert restricted.rules == ("tax-records",)
    later = plan_customer(
        s,
        _facts(relationship_ended_on=D(2025, 1, 1), last_transaction_on=D(2024, 5, 1)),
        D(2035, 1, 1),
    )
    assert later.outcome is Outcome.DESTROY
    erasure = plan_customer(s, _facts(), today, erasure=True)
    assert erasure.outcome is Outcome.DESTROY
    held = plan_customer(
        s,
        _facts(
            relationship_ended_on=D(2025, 1, 1),
            holds=(LegalHold(id=4, customer_id=1, reason="case 1", ends_on=None),),
        ),
        today,
    )
    assert held.outcome is Outcome.HELD and held.hold_ids == (4,)


def test_add_period_and_rule_file_errors() -> None:
    assert add_period(D(2024, 2, 29), years=1) == D(2025, 2, 28)
    assert add_period(D(2024, 1, 31), months=1) == D(2024, 2, 29)
    with pytest.raises(ConfigError, match="legal source"):
        parse_schedule('[rules.x]\ntrigger = "collected"\n')
    with pytest.raises(ConfigError, match="valid triggers"):
        parse_schedule('[rules.x]\ntrigger = "never"\nsource = "s"\n')
    with pytest.raises(ConfigError, match="unknown key"):
        parse_schedule('[rules.x]\ntrigger = "collected"\nsource = "s"\nyaers = 3\n')


def test_shipped_rules_name_their_sources(tmp_path: Path) -> None:
    from importlib import resources

    text = (
        resources.files("piplvault").joinpath("retention_rules.toml").read_text("utf-8")
    )
    schedule = parse_schedule(text)
    assert {r.key for r in schedule.rules} >= {"purpose-ended", "tax-records"}
    assert all(r.source for r in schedule.rules)


def test_retention_plan_apply_and_holds_cli_R_47_1_R_47_2(home: Path) -> None:
    """R-47-1 / R-47-2 end to end: facts → plan → apply (one shredded, one restricted, one
    held) → certificate; the restricted customer keeps only what its statutes need."""
    h = ("--home", str(home))
    for args in (
        ("retention", "set", "1", "--relationship-ended", "2025-01-31"),
        (
            "retention",
            "set",
            "2",
            "--relationship-ended",
            "2025-01-31",
            "--last-transaction",
            "2024-05-01",
        ),
        ("retention", "set", "3", "--relationship-ended", "2025-01-31"),
        ("retention", "hold", "add", "3", "--reason", "(2026)京0105民初123号"),
    ):
        done = run_piplvault(*args, *h)
        assert done.returncode == 0, (args, done.stderr)
    plan = run_piplvault("retention", "plan", "--as-of", "2026-06-01", "--json", *h)
    assert plan.returncode == 0, plan.stderr
    data = json.loads(plan.stdout)
    by_id = {c["customer_id"]: c for c in data["customers"]}
    assert by_id[1]["outcome"] == "destroy"
    assert by_id[2]["outcome"] == "restrict"
    # the 30-year accounting rule is on by default (issue 13 item 11)
    assert by_id[2]["restricted_until"] == "2055-01-01"
    assert by_id[3]["outcome"] == "held"
    assert by_id[4]["outcome"] == "keep"
    assert data["summary"]["keep"] == 197

    applied = run_piplvault(
        "retention", "apply", "--as-of", "2026-06-01", "--yes", "--json", *h
    )
    assert applied.returncode == 0, applied.stderr
    result = json.loads(applied.stdout)
    assert Path(result["certificate"]).is_file()
    assert result["customers_destroyed"] == 1
    assert result["customers_restricted"] == 1

    vault = open_home(home)
    try:
        view = vault.show_customer(2, reveal=True, purpose="finance")
        cats = {f.definition.category for f in view.fields.values()}
        assert view.status == "restricted"
        # statutes keep the whole record: who (identity) and how much (financial)
        assert "identity" in cats and "contact" not in cats
        assert "financial" in cats
        with pytest.raises(LegalHoldError):
            destruction.delete_customer(vault, 3, reason="request")
        hold_id = legal_holds.list_holds(vault)[0]["id"]
        legal_holds.lift_hold(vault, hold_id, reason="case closed")
        again = destruction.apply_retention(vault, as_of=D(2026, 6, 1))
        assert again.customers_destroyed == 1
    finally:
        vault.close()
    listed = run_piplvault("retention", "hold", "list", "--all", "--json", *h)
    assert json.loads(listed.stdout)[0]["lifted_at"]
