"""Retention schedule: rules, end triggers, legal holds and the deletion plan (pure).

A :class:`RetentionRule` maps data categories × purposes to a period counted from an end
trigger, and names its legal source. Rules are either *purpose* rules (PIPL Arts. 19, 47:
keep only while the purpose lasts) or *statutory* rules (a law says keep for N years); while
a statutory period runs after the purpose has ended, the data is **restricted** (PIPL
Art. 47 para. 2; NDSMR Art. 24): kept, readable only for the rule's purposes.

:func:`plan_customer` decides one customer's outcome on a date: ``keep`` (purpose still
running), ``held`` (a legal hold blocks deletion), ``restrict`` (purpose over, some categories
under a running statutory period, the rest destroyed) or ``destroy``. When several rules
apply to a category the longest wins and every holding rule is listed.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from piplvault.errors import ConfigError


class Trigger(StrEnum):
    """The event a retention period is counted from."""

    RELATIONSHIP_END = "relationship-end"
    TRANSACTION = "transaction"
    FISCAL_YEAR_END = "fiscal-year-end"
    COLLECTED = "collected"


class Outcome(StrEnum):
    KEEP = "keep"
    HELD = "held"
    RESTRICT = "restrict"
    DESTROY = "destroy"


@dataclass(frozen=True, slots=True, kw_only=True)
class RetentionRule:
    """One line of the retention schedule."""

    key: str
    title: str
    categories: frozenset[str]  # field categories; "*" matches all
    purposes: frozenset[str]  # the customer's purposes it applies to; "*" = any
    years: int = 0
    months: int = 0
    days: int = 0
    trigger: Trigger
    statutory: bool
    source: str
    readers: frozenset[str] = frozenset({"finance"})

    def applies_to(self, category: str, purposes: frozenset[str]) -> bool:
        if "*" not in self.categories and category not in self.categories:
            return False
        return "*" in self.purposes or not purposes or bool(self.purposes & purposes)

    def ends_on(self, start: dt.date) -> dt.date:
        return add_period(start, years=self.years, months=self.months, days=self.days)


@dataclass(frozen=True, slots=True, kw_only=True)
class LegalHold:
    id: int
    customer_id: int
    reason: str
    ends_on: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerFacts:
    """What the plan needs to know about one customer (no personal values)."""

    id: int
    collected_on: dt.date
    categories: frozenset[str]
    purposes: frozenset[str] = frozenset()
    relationship_ended_on: dt.date | None = None
    last_transaction_on: dt.date | None = None
    holds: tuple[LegalHold, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryDecision:
    category: str
    until: dt.date | None  # None: a trigger has not happened yet
    rules: tuple[str, ...]
    statutory_until: dt.date | None = None
    statutory_rules: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerPlan:
    customer_id: int
    outcome: Outcome
    reason: str
    destroy_categories: tuple[str, ...] = ()
    keep_categories: tuple[str, ...] = ()
    restricted_until: dt.date | None = None
    review_on: dt.date | None = None
    rules: tuple[str, ...] = ()
    hold_ids: tuple[int, ...] = ()
    hold_ends_on: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "destroy_categories": list(self.destroy_categories),
            "keep_categories": list(self.keep_categories),
            "restricted_until": _iso(self.restricted_until),
            "review_on": _iso(self.review_on),
            "rules": list(self.rules),
            "holds": list(self.hold_ids),
            "hold_ends_on": _iso(self.hold_ends_on),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    """The rule pack in force."""

    rules: tuple[RetentionRule, ...]
    version: str = "1"
    sources: dict[str, str] = field(default_factory=dict)

    def rule(self, key: str) -> RetentionRule:
        for rule in self.rules:
            if rule.key == key:
                return rule
        valid = ", ".join(r.key for r in self.rules)
        raise ConfigError(f"Unknown retention rule '{key}'; valid rules: {valid}")


# --- planning -----------------------------------------------------------------------------


def plan_customer(
    schedule: Schedule, facts: CustomerFacts, as_of: dt.date, *, erasure: bool = False
) -> CustomerPlan:
    """The outcome for one customer on ``as_of``.

    ``erasure`` is a deletion request (PIPL Art. 47 para. 1): the purpose is treated as ended
    now, statutory periods and legal holds still apply.
    """
    active = tuple(h for h in facts.holds if h.ends_on is None or h.ends_on > as_of)
    if active:
        ends = [h.ends_on for h in active]
        return CustomerPlan(
            customer_id=facts.id,
            outcome=Outcome.HELD,
            reason="legal hold: " + "; ".join(h.reason for h in active),
            hold_ids=tuple(h.id for h in active),
            hold_ends_on=None if None in ends else max(e for e in ends if e),
            keep_categories=tuple(sorted(facts.categories)),
        )
    decisions = [
        decide_category(schedule, facts, c, as_of, erasure=erasure)
        for c in sorted(facts.categories)
    ]
    pending = [d for d in decisions if d.until is None or d.until > as_of]
    if pending:
        dates = [d.until for d in pending if d.until is not None]
        return CustomerPlan(
            customer_id=facts.id,
            outcome=Outcome.KEEP,
            reason="purpose still running"
            if any(d.until is None for d in pending)
            else "retention period running",
            keep_categories=tuple(d.category for d in decisions),
            review_on=min(dates) if dates else None,
            rules=_rule_keys(decisions),
        )
    kept = [
        d
        for d in decisions
        if d.statutory_until is not None and d.statutory_until > as_of
    ]
    destroyed = tuple(d.category for d in decisions if d not in kept)
    if not kept:
        return CustomerPlan(
            customer_id=facts.id,
            outcome=Outcome.DESTROY,
            reason="erasure requested" if erasure else "retention period ended",
            destroy_categories=destroyed,
            rules=_rule_keys(decisions),
        )
    until = max(d.statutory_until for d in kept if d.statutory_until is not None)
    return CustomerPlan(
        customer_id=facts.id,
        outcome=Outcome.RESTRICT,
        reason="statutory retention: " + ", ".join(_rule_keys(kept, statutory=True)),
        destroy_categories=destroyed,
        keep_categories=tuple(d.category for d in kept),
        restricted_until=until,
        review_on=until,
        rules=_rule_keys(kept, statutory=True),
    )


def decide_category(
    schedule: Schedule,
    facts: CustomerFacts,
    category: str,
    as_of: dt.date,
    *,
    erasure: bool = False,
) -> CategoryDecision:
    """When ``category``'s purpose ends (purpose rules) and until when a law keeps it."""
    ends: list[tuple[RetentionRule, dt.date | None]] = []
    for rule in schedule.rules:
        if not rule.applies_to(category, facts.purposes):
            continue
        start = trigger_date(rule.trigger, facts)
        if rule.statutory and start is None:
            continue  # no transaction recorded: no record the law makes us keep
        if not rule.statutory and erasure:
            start = as_of if start is None else min(start, as_of)
            ends.append((rule, start))
            continue
        ends.append((rule, None if start is None else rule.ends_on(start)))
    purpose = [(r, e) for r, e in ends if not r.statutory]
    statutory = [(r, e) for r, e in ends if r.statutory and e is not None]
    until: dt.date | None = as_of  # no purpose rule: nothing keeps it for a purpose
    if purpose:
        until = (
            None
            if any(e is None for _, e in purpose)
            else max(e for _, e in purpose if e)
        )
    return CategoryDecision(
        category=category,
        until=until,
        rules=tuple(r.key for r, _ in ends),
        statutory_until=max((e for _, e in statutory if e), default=None),
        statutory_rules=tuple(r.key for r, _ in statutory),
    )


def trigger_date(trigger: Trigger, facts: CustomerFacts) -> dt.date | None:
    """The day a period starts counting, or None if the event has not happened."""
    if trigger is Trigger.RELATIONSHIP_END:
        return facts.relationship_ended_on
    if trigger is Trigger.TRANSACTION:
        return facts.last_transaction_on
    if trigger is Trigger.FISCAL_YEAR_END:
        if facts.last_transaction_on is None:
            return None
        return dt.date(facts.last_transaction_on.year + 1, 1, 1)
    return facts.collected_on


def add_period(
    start: dt.date, *, years: int = 0, months: int = 0, days: int = 0
) -> dt.date:
    """``start`` plus a calendar period (29 Feb + 1 year = 28 Feb)."""
    month_index = start.month - 1 + months + 12 * years
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, _days_in_month(year, month))
    return dt.date(year, month, day) + dt.timedelta(days=days)


def _days_in_month(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def _rule_keys(
    decisions: Iterable[CategoryDecision], *, statutory: bool = False
) -> tuple[str, ...]:
    keys: list[str] = []
    for d in decisions:
        for key in d.statutory_rules if statutory else d.rules:
            if key not in keys:
                keys.append(key)
    return tuple(keys)


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


# --- the rule file ------------------------------------------------------------------------


def parse_schedule(text: str, *, origin: str = "retention rules") -> Schedule:
    """Parse a retention TOML document; errors name the rule and the bad key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from exc
    rules = []
    seen: set[str] = set()
    for key, body in dict(data.get("rules", {})).items():
        if key in seen:
            raise ConfigError(f"{origin}: retention rule '{key}' is defined twice")
        seen.add(key)
        if not isinstance(body, Mapping):
            raise ConfigError(f"{origin}: rule '{key}' must be a table")
        if body.get("enabled", True) is False:
            continue
        rules.append(_parse_rule(key, body, origin))
    if not rules:
        raise ConfigError(f"{origin}: no enabled retention rules")
    return Schedule(rules=tuple(rules), version=str(data.get("version", "1")))


_RULE_KEYS = frozenset(
    {
        "title",
        "categories",
        "purposes",
        "years",
        "months",
        "days",
        "trigger",
        "statutory",
        "source",
        "readers",
        "enabled",
        "note",
    }
)


def _parse_rule(key: str, body: Mapping[str, Any], origin: str) -> RetentionRule:
    unknown = sorted(set(body) - _RULE_KEYS)
    if unknown:
        raise ConfigError(
            f"{origin}: rule '{key}' has unknown key(s) {', '.join(unknown)}; "
            f"valid: {', '.join(sorted(_RULE_KEYS))}"
        )
    if not body.get("source"):
        raise ConfigError(f"{origin}: rule '{key}' must name its legal source")
    try:
        trigger = Trigger(str(body.get("trigger", "")))
    except ValueError as exc:
        valid = ", ".join(t.value for t in Trigger)
        raise ConfigError(
            f"{origin}: rule '{key}' has unknown trigger {body.get('trigger')!r}; "
            f"valid triggers: {valid}"
        ) from exc
    try:
        return RetentionRule(
            key=key,
            title=str(body.get("title", key)),
            categories=frozenset(map(str, body.get("categories", ["*"]))),
            purposes=frozenset(map(str, body.get("purposes", ["*"]))),
            years=int(body.get("years", 0)),
            months=int(body.get("months", 0)),
            days=int(body.get("days", 0)),
            trigger=trigger,
            statutory=bool(body.get("statutory", False)),
            source=str(body["source"]),
            readers=frozenset(map(str, body.get("readers", ["finance"]))),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{origin}: rule '{key}': {exc}") from exc
