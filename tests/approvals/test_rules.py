"""The pure second-approver rules (core/approvals.py) and its two settings.
R-GB35273-7-1 (internal approval for bulk modification)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piplvault.core.approvals import (
    COMMANDS,
    OPERATIONS,
    decision_refusal,
    params_digest,
    use_refusal,
)
from piplvault.core.policy import ACTIONS
from piplvault.errors import ConfigError
from piplvault.settings import load_settings

IDS = st.lists(st.integers(min_value=1, max_value=2**63 - 1), max_size=50)
NOW = "2026-11-30T01:00:00.000000Z"
LATER = "2026-12-01T01:00:00.000000Z"


@given(ids=IDS, reason=st.text(max_size=40))
def test_digest_ignores_key_order_not_values_R_GB35273_7_1(
    ids: list[int], reason: str
) -> None:
    one = params_digest("customers-delete", {"customers": ids, "reason": reason})
    two = params_digest("customers-delete", {"reason": reason, "customers": ids})
    assert one == two and len(one) == 64
    assert one != params_digest(
        "customers-delete", {"customers": [*ids, 0], "reason": reason}
    )
    assert one != params_digest(
        "customers-delete", {"customers": ids, "reason": reason + "x"}
    )
    assert one != params_digest("retention-apply", {"customers": ids, "reason": reason})


def test_every_operation_needs_a_real_policy_action_and_has_a_command() -> None:
    assert set(OPERATIONS) == set(COMMANDS)
    assert set(OPERATIONS.values()) <= set(ACTIONS)


def _use(**changes: object) -> str | None:
    values: dict[str, object] = {
        "approval_id": 3,
        "status": "approved",
        "operation": "retention-apply",
        "params_sha256": "a" * 64,
        "decided_by": "bob",
        "expires_at": LATER,
        "used_run": None,
        "wanted_operation": "retention-apply",
        "wanted_sha256": "a" * 64,
        "actor": "owner",
        "now": NOW,
    }
    values.update(changes)
    refusal = use_refusal(**values)  # type: ignore[arg-type]
    return None if refusal is None else refusal.reason


def test_use_rules_R_GB35273_7_1() -> None:
    assert _use() is None
    assert _use(status="used", used_run="R1") == "reused"
    assert _use(status="pending") == "not-approved"
    assert _use(status="rejected") == "not-approved"
    assert _use(wanted_operation="customers-delete") == "other-operation"
    assert _use(now=LATER) == "expired"
    assert _use(wanted_sha256="b" * 64) == "parameters-changed"
    assert _use(actor="bob") == "self-approval"


def test_decision_rules_R_GB35273_7_1() -> None:
    def decide(**changes: object) -> str | None:
        values: dict[str, object] = {
            "approval_id": 3,
            "status": "pending",
            "requested_by": "owner",
            "expires_at": LATER,
            "decider": "bob",
            "now": NOW,
            "approving": True,
        }
        values.update(changes)
        refusal = decision_refusal(**values)  # type: ignore[arg-type]
        return None if refusal is None else refusal.reason

    assert decide() is None
    assert decide(decider="owner") == "self-approval"
    assert decide(decider="owner", approving=False) is None  # withdrawing one's own ask
    assert decide(status="approved") == "not-pending"
    assert decide(now=LATER) == "expired"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", True), ("true", True), ("YES", True), ("on", True), ("0", False),
     ("false", False), ("no", False), ("off", False)],
)  # fmt: skip
def test_require_second_approver_setting_parses(text: str, expected: bool) -> None:
    env = {"PIPLVAULT_REQUIRE_SECOND_APPROVER": text}
    assert load_settings({}, env=env).require_second_approver is expected
    assert load_settings({}, env={}).require_second_approver is False


@given(
    text=st.text(min_size=1, max_size=10).filter(
        lambda t: (
            t.strip().lower()
            not in ("1", "true", "yes", "on", "0", "false", "no", "off", "")
        )
    )
)
def test_other_values_are_a_config_error_naming_the_setting(text: str) -> None:
    with pytest.raises(ConfigError, match="require_second_approver"):
        load_settings({}, env={"PIPLVAULT_REQUIRE_SECOND_APPROVER": text})


@pytest.mark.parametrize("hours", ["0", "-3", "soon", "1.5"])
def test_approval_ttl_must_be_whole_hours_at_least_one(hours: str) -> None:
    with pytest.raises(ConfigError, match="approval_ttl_hours"):
        load_settings({}, env={"PIPLVAULT_APPROVAL_TTL_HOURS": hours})
    assert (
        load_settings({}, env={"PIPLVAULT_APPROVAL_TTL_HOURS": "48"}).approval_ttl_hours
        == 48
    )
