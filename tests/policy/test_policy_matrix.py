"""The policy matrix (R-6-1, R-29-1, R-31-1, R-51-2, R-51-4): every built-in role × every
action × sensitivity grade × consent state × training state, against an independent oracle
written from the role table in docs/policy.md. docs/policy-matrix.md is generated from the
same oracle and must stay current (run with PIPLVAULT_UPDATE_GOLDEN=1 to rewrite it)."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from pathlib import Path

import pytest

from piplvault.core import policy as core

TODAY = dt.date(2026, 11, 23)
DOC = Path(__file__).resolve().parents[2] / "docs" / "policy-matrix.md"

# The role table as documented (docs/policy.md), written out independently of the code.
SPEC = {
    "admin": ({"*"}, 4, False, {"contract"}),
    "compliance_officer": ({"*"} - set(), 4, True, {"contract"}),
    "sales": ({"read-masked", "reveal", "update", "import"}, 3, True, {"contract"}),
    "after_sales": (
        {"read-masked", "reveal", "update", "rights-intake"},
        3,
        True,
        {"after-sales"},
    ),
    "finance": ({"read-masked", "reveal", "update", "export"}, 4, True, {"finance"}),
    "auditor": ({"audit-read", "report"}, 0, False, {"contract"}),
}
CO_EXCLUDED = {"manage-keys"}
CONSENT_STATES = ("granted", "separate-missing", "withdrawn", "missing")
TRAINING_STATES = ("current", "lapsed", "none")
GRADES = (1, 2, 3, 4)


def spec_actions(role: str) -> set[str]:
    actions, *_ = SPEC[role]
    if "*" in actions:
        return set(core.ACTIONS) - (
            CO_EXCLUDED if role == "compliance_officer" else set()
        )
    return actions


def oracle(role: str, action: str, grade: int, consent: str, training: str) -> bool:
    _, max_grade, needs_training, _ = SPEC[role]
    if action not in spec_actions(role):
        return False
    data = action in {"read-masked", "reveal", "update", "export", "import"}
    if data and grade > max_grade:
        return False
    sensitive = grade >= 3
    if data and consent in ("withdrawn", "missing"):
        return False
    if data and consent == "separate-missing" and sensitive:
        return False
    return not (
        action in {"reveal", "export"} and needs_training and training != "current"
    )


def request(
    role: str, action: str, grade: int, consent: str, training: str
) -> core.Request:
    r = core.BUILTIN_ROLES[role]
    until = {
        "current": TODAY + dt.timedelta(days=30),
        "lapsed": TODAY - dt.timedelta(days=1),
        "none": None,
    }[training]
    basis = {
        "granted": core.Basis(basis="consent", separate=frozenset({"sensitive"})),
        "separate-missing": core.Basis(basis="consent"),
        "withdrawn": core.Basis(basis="consent", withdrawn_on=dt.date(2026, 11, 1)),
        "missing": None,
    }[consent]
    purpose = sorted(SPEC[role][3])[0]
    field = core.FieldAccess(
        key=f"g{grade}", grade=grade, category="identity", sensitive=grade >= 3
    )
    return core.Request(
        actor=core.Actor(name="u", role=r, training_valid_until=until),
        action=action,
        purpose=purpose,
        purpose_basis="consent",
        customer_id=7,
        fields=(field,),
        basis=basis,
        today=TODAY,
    )


CASES = list(
    itertools.product(
        sorted(SPEC), core.ACTIONS, GRADES, CONSENT_STATES, TRAINING_STATES
    )
)


def test_matrix_is_exhaustive() -> None:
    assert len(CASES) == 6 * len(core.ACTIONS) * 4 * 4 * 3


@pytest.mark.parametrize("role", sorted(SPEC))
def test_every_cell_matches_the_oracle(role: str) -> None:
    mismatches = []
    for r, action, grade, consent, training in CASES:
        if r != role:
            continue
        got = core.decide(request(r, action, grade, consent, training))
        want = oracle(r, action, grade, consent, training)
        if got.allowed != want:
            mismatches.append((action, grade, consent, training, got.reason))
        if not got.allowed:
            assert got.reason != "allowed" and got.message
    assert mismatches == []


def test_refusals_name_the_missing_piece() -> None:
    """R-6-1: the reason says what is missing."""
    assert core.decide(request("sales", "reveal", 4, "granted", "current")).reason == (
        "role-lacks-grade"
    )
    assert core.decide(request("sales", "delete", 1, "granted", "current")).reason == (
        "role-lacks-action"
    )
    withdrawn = core.decide(request("sales", "reveal", 2, "withdrawn", "current"))
    assert withdrawn.reason == "consent-withdrawn" and "2026-11-01" in withdrawn.message
    assert (
        core.decide(request("sales", "reveal", 3, "separate-missing", "current")).reason
        == "separate-consent-missing"
    )
    assert core.decide(request("sales", "reveal", 2, "missing", "current")).reason == (
        "no-legal-basis"
    )
    assert core.decide(request("sales", "reveal", 2, "granted", "lapsed")).reason == (
        "training-lapsed"
    )
    assert core.decide(
        request("auditor", "reveal", 1, "granted", "current")
    ).reason == ("role-lacks-action")


def test_purpose_outside_role_is_refused() -> None:
    req = request("after_sales", "reveal", 2, "granted", "current")
    other = core.Request(
        **{
            **{f: getattr(req, f) for f in req.__dataclass_fields__},
            "purpose": "marketing",
        }
    )
    assert core.decide(other).reason == "purpose-not-allowed"


def test_minor_needs_guardian_consent_R_31_1() -> None:
    req = request("sales", "read-masked", 2, "granted", "current")
    minor = core.Request(
        **{**{f: getattr(req, f) for f in req.__dataclass_fields__}, "minor": True}
    )
    assert core.decide(minor).reason == "guardian-consent-missing"
    guarded = core.Request(
        **{
            **{f: getattr(minor, f) for f in minor.__dataclass_fields__},
            "basis": core.Basis(
                basis="consent", guardian=True, separate=frozenset({"sensitive"})
            ),
        }
    )
    assert core.decide(guarded).allowed
    assert core.is_minor(dt.date(2015, 6, 1), TODAY)
    assert not core.is_minor(dt.date(2012, 11, 23), TODAY)
    assert core.birth_date_from_id("11010520150601002X") == dt.date(2015, 6, 1)


def test_disabled_user_is_refused_everything() -> None:
    req = request("admin", "reveal", 1, "granted", "current")
    disabled = core.Request(
        **{
            **{f: getattr(req, f) for f in req.__dataclass_fields__},
            "actor": core.Actor(name="u", role=req.actor.role, active=False),
        }
    )
    assert core.decide(disabled).reason == "user-disabled"


def render_matrix() -> str:
    lines = [
        "# Policy matrix (generated)",
        "",
        "Generated by `tests/policy/test_policy_matrix.py` from the documented role table;",
        "the test checks every one of the "
        f"{len(CASES):,} cells (role × action × grade × consent state × training state)",
        "against `piplvault.core.policy.decide`.",
        "",
        "Legend per cell (grade 1–4 columns): `✓` allowed whatever the consent and training;",
        "`C` allowed only with a legal basis that is not withdrawn (for grades 3–4 under",
        "consent: with separate consent); `CT` as `C` and only with current training; `✗` never.",
        "",
    ]
    for role in sorted(SPEC):
        lines += [
            f"## {role}",
            "",
            "| action | grade 1 | grade 2 | grade 3 | grade 4 |",
            "|---|---|---|---|---|",
        ]
        for action in core.ACTIONS:
            cells = []
            for grade in GRADES:
                outcomes = {
                    (c, t): oracle(role, action, grade, c, t)
                    for c in CONSENT_STATES
                    for t in TRAINING_STATES
                }
                if all(outcomes.values()):
                    cells.append("✓")
                elif not any(outcomes.values()):
                    cells.append("✗")
                elif outcomes[("granted", "lapsed")]:
                    cells.append("C")
                else:
                    cells.append("CT")
            lines.append(f"| {action} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def test_matrix_document_is_current() -> None:
    text = render_matrix()
    if os.environ.get("PIPLVAULT_UPDATE_GOLDEN"):
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text
