"""The server's plain customer read checks the Bearer token and reads the customer in one
driver-level snapshot (``Vault.admitted_read_async``, issue 11): the same answer, the same
refusals and the same audit entry as the use case's own read, on every branch a plain read
can take — an ordinary, unknown, shredded or restricted customer — and a token that is not
valid (wrong, revoked, its user disabled) reads nothing and is left to the full check,
which audits it.

R-SYS-ACCESS (one behaviour per route), R-51-4 (roles decide every access), R-47-2
(a restricted customer is read only for its statute's purposes), R-SYS-1 (fail closed).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from piplvault.api import auth
from piplvault.audit import log as audit
from piplvault.errors import VaultError
from piplvault.store.engine import Connection
from piplvault.vault import Vault, customers, destruction, people, retention
from piplvault.vault.service import NOT_ADMITTED
from piplvault.vault.session import authenticate
from tests import rawdb
from tests.lifecycle.conftest import home, home_template, open_home  # noqa: F401

PASSWORD = "officer-口令-5678"


def _outcome(read: Callable[[Connection], Any], conn: Connection) -> Any:
    try:
        view, note = read(conn)
    except VaultError as refused:
        return type(refused).__name__, str(refused), getattr(refused, "audit", None)
    return view.to_dict(), note.fields()


def test_the_driver_snapshot_reads_as_the_use_case_does_R_SYS_ACCESS_R_47_2(
    home: Path,  # noqa: F811  the fixture
) -> None:
    vault = open_home(home)
    try:
        for cid in range(1, 4):  # shredded
            retention.set_facts(vault, cid, relationship_ended_on=dt.date(2025, 1, 31))
        retention.set_facts(  # restricted: a statute keeps it
            vault,
            4,
            relationship_ended_on=dt.date(2025, 1, 31),
            last_transaction_on=dt.date(2024, 5, 1),
        )
        result = destruction.apply_retention(vault, as_of=dt.date(2026, 6, 1))
        assert (result.customers_destroyed, result.customers_restricted) == (3, 1)
        people.add_user(vault, "officer1", "compliance_officer", PASSWORD)
        officer = authenticate(vault, "officer1", password=PASSWORD)
        cases = [(cid, None) for cid in (1, 4, 5, 6, 99999)] + [(4, "finance")]
        seen = set()
        for cid, purpose in cases:
            read = customers.customer_reader(officer, cid, purpose=purpose)
            with vault.read() as conn:
                expected = _outcome(read, conn)
            with vault.snapshot() as conn:
                assert _outcome(read, conn) == expected, (cid, purpose)
            seen.add(expected[0] if isinstance(expected[0], str) else "ok")
        assert seen == {"ok", "NotFoundError", "PermissionDeniedError"}
    finally:
        vault.close()


def test_only_a_valid_token_is_admitted_and_its_user_is_audited_R_51_4_R_SYS_1(
    home: Path,  # noqa: F811  the fixture
) -> None:
    vault: Vault = open_home(home)
    try:
        vault.start_group_commit()
        people.add_user(vault, "officer1", "compliance_officer", PASSWORD)
        token = str(people.issue_token(vault, "officer1")["token"])

        def read(header: str | None) -> Any:
            return asyncio.run(
                vault.admitted_read_async(
                    lambda conn: auth.valid_token_session(vault, header, conn),
                    lambda session: customers.customer_reader(session, 7),
                )
            )

        if not vault.reads_inline:  # PostgreSQL: reads run in threads, the route's way
            assert read(f"Bearer {token}") is NOT_ADMITTED
            return
        view = read(f"Bearer {token}")
        assert view is not NOT_ADMITTED and view.id == 7
        with vault.read() as conn:
            last = list(audit.entries(conn))[-1]
        assert (last.actor, last.action, last.target) == (
            "officer1",
            "customer-read",
            "customer:7",
        )
        before = len(_entries(vault))
        for header in (None, "Bearer pvt_nope_x", f"Basic {token}", "Bearer junk"):
            assert read(header) is NOT_ADMITTED
        with rawdb.connect(home) as db:
            db.execute("UPDATE users SET disabled_at = 'x' WHERE name = 'officer1'")
        assert read(f"Bearer {token}") is NOT_ADMITTED
        with rawdb.connect(home) as db:
            db.execute("UPDATE users SET disabled_at = NULL WHERE name = 'officer1'")
            db.execute("UPDATE api_tokens SET revoked_at = 'x'")
        assert read(f"Bearer {token}") is NOT_ADMITTED
        assert len(_entries(vault)) == before  # nothing read, nothing audited here
    finally:
        vault.close()


def _entries(vault: Vault) -> list[Any]:
    with vault.read() as conn:
        return list(audit.entries(conn))
