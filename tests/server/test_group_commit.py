"""Group commit of concurrent customer reads (issue 11): one durable transaction for many
requests, and still every read answers only once its own audit entry is committed; a
refusal is audited in the group, the others unaffected; each entry carries its own
request's id.

R-SYS-ACCESS (PIPL Art. 51: every access audited), DESIGN "no audit entry, no operation".
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from piplvault.audit.request import REQUEST_ID
from piplvault.errors import NotFoundError, PermissionDeniedError
from piplvault.settings import load_settings
from piplvault.vault import Vault, people
from piplvault.vault.session import open_session
from tests.lifecycle.conftest import home, home_template  # noqa: F401  fixtures


def test_concurrent_reads_share_one_commit_and_each_is_audited_R_SYS_ACCESS(
    home: Path,  # noqa: F811  the fixture
) -> None:
    """Nine reads queued while a first one runs are committed in one transaction: two
    commits in all, ten customer-read entries, a refused reveal audited as denied and a
    missing customer answered with its own error."""
    vault = Vault.open(load_settings({"home": home}), pooled=True)
    try:
        people.add_user(vault, "sales1", "sales", "sales-口令-5678")
        before = len(vault.audit_entries())
        commits: list[int] = []
        event.listen(vault.engine, "commit", lambda _conn: commits.append(1))
        vault.start_group_commit()
        assert vault.group is not None
        owner, sales = open_session(vault, "owner"), open_session(vault, "sales1")
        gate, started = threading.Event(), threading.Event()
        first_append = vault.group.append

        def slow_first(conn: Any) -> None:
            started.set()
            assert gate.wait(30)

        answers: dict[str, Any] = {}

        def ask(name: str, call: Callable[[], Any]) -> None:
            try:
                answers[name] = call()
            except Exception as exc:  # noqa: BLE001  recorded for the assertions
                answers[name] = exc

        threads = [
            threading.Thread(
                target=ask, args=("first", lambda: first_append(slow_first))
            )
        ]
        threads[0].start()
        assert started.wait(30)
        for cid in range(1, 9):
            threads.append(
                threading.Thread(
                    target=ask,
                    args=(f"read{cid}", lambda cid=cid: _read_as_request(owner, cid)),
                )
            )
        threads.append(
            threading.Thread(
                target=ask,
                args=(
                    "refused",
                    lambda: sales.show_customer(3, reveal=True, purpose="finance"),
                ),
            )
        )
        threads.append(
            threading.Thread(
                target=ask, args=("missing", lambda: owner.show_customer(99999))
            )
        )
        for thread in threads[1:]:
            thread.start()
        _wait_queued(vault, 9)  # 8 reads and the refusal; a missing customer has none
        gate.set()
        for thread in threads:
            thread.join(60)
        assert answers["first"] is None
        for cid in range(1, 9):
            assert answers[f"read{cid}"].id == cid
        assert isinstance(answers["refused"], PermissionDeniedError)
        assert isinstance(answers["missing"], NotFoundError)
        assert len(commits) == 2  # the first alone, then the nine queued meanwhile
        entries = vault.audit_entries()[before:]
        reads = [e for e in entries if e.action == "customer-read"]
        assert sorted(e.target for e in reads) == [f"customer:{c}" for c in range(1, 9)]
        for (
            entry
        ) in reads:  # appended by the committer thread, in each request's context
            cid = entry.target.removeprefix("customer:")
            assert json.loads(entry.details)["request_id"] == f"request-{cid}"
        denied = [e for e in entries if e.outcome == "denied" and e.actor == "sales1"]
        assert denied and denied[0].target == "customer:3"
        assert vault.verify_audit().head_seq >= before
    finally:
        vault.close()


def test_a_failed_group_commit_answers_no_one(
    home: Path,  # noqa: F811  the fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No audit entry, no operation: if the group's commit fails, every read of the group
    gets the error and none returns customer data."""
    vault = Vault.open(load_settings({"home": home}), pooled=True)
    try:
        vault.start_group_commit()

        def broken_sign(_conn: Any) -> None:
            raise OSError("disk gone")

        monkeypatch.setattr(vault, "sign_head", broken_sign)
        with pytest.raises(OSError, match="disk gone"):
            open_session(vault, "owner").show_customer(1)
    finally:
        vault.close()


def _read_as_request(session: Any, cid: int) -> Any:
    REQUEST_ID.set(f"request-{cid}")
    return session.show_customer(cid)


def _wait_queued(vault: Vault, count: int) -> None:
    import time

    assert vault.group is not None
    deadline = time.monotonic() + 30
    while vault.group._queue.qsize() < count:
        assert time.monotonic() < deadline, "the requests never queued"
        time.sleep(0.01)
