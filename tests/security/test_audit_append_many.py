"""The audit writer appends a round's entries together (``audit.log.append_many``): the
chain is the one appending them one by one makes, ``audit verify`` passes, and a round
with one entry it cannot append appends none (R-SYS-1: no audit entry, no operation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from piplvault.audit import log as audit
from piplvault.audit.note import AuditEntryFields
from piplvault.errors import AuditUnavailableError
from tests.lifecycle.conftest import home, home_template, open_home  # noqa: F401

AT = "2026-11-30T12:00:00.000000Z"


def _entry(n: int, action: str = "customer-read") -> AuditEntryFields:
    return {
        "actor": "owner",
        "action": action,
        "target": f"customer:{n}",
        "purpose": "customer_service",
        "outcome": "ok",
        "details": {"fields": ["name"], "request_id": f"r{n}"},
    }


def test_a_round_chains_as_entries_one_by_one_R_SYS_1(
    home: Path,  # noqa: F811  the fixture
) -> None:
    vault = open_home(home)
    try:
        entries = [_entry(n) for n in range(5)]
        with vault.write(commit=False) as conn:  # one by one, then rolled back
            single = [audit.append(conn, at=AT, **e) for e in entries]
        with vault.write() as conn:
            together = audit.append_many(conn, at=AT, entries=entries)
        assert together == single
        with vault.read() as conn:
            last = list(audit.entries(conn))[-5:]
        assert [e.hash for e in last] == [e.hash for e in single]
        assert vault.verify_audit().head_hash == single[-1].hash  # raises if broken
    finally:
        vault.close()


def test_a_round_with_an_unknown_action_appends_nothing_R_SYS_1(
    home: Path,  # noqa: F811  the fixture
) -> None:
    vault = open_home(home)
    try:
        with vault.read() as conn:
            before = len(list(audit.entries(conn)))
        with pytest.raises(AuditUnavailableError), vault.write() as conn:
            audit.append_many(
                conn, at=AT, entries=[_entry(1), _entry(2, action="no-such-action")]
            )
        with vault.read() as conn:
            assert len(list(audit.entries(conn))) == before
    finally:
        vault.close()
