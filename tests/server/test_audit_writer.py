"""The workers' one audit writer (`vault/audit_writer.py`, issue 11).

Entries sent by several workers are appended in one transaction and each worker learns
which of its reads may answer; a commit the database refuses fails every read of the
group; a writer that is gone fails every waiting read and stops the worker; frames cut
anywhere by the socket come out whole.

R-SYS-1 / DESIGN "no audit entry, no operation" (fail closed), R-SYS-ACCESS.
"""

from __future__ import annotations

import asyncio
import json
import select
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import uvloop
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Connection

from piplvault.audit import anchor
from piplvault.audit.note import AuditNote
from piplvault.errors import AuditUnavailableError
from piplvault.io.frames import Frames, frame
from piplvault.settings import load_settings
from piplvault.vault import Vault
from piplvault.vault.audit_writer import AuditWriter, AuditWriterClient
from tests import rawdb
from tests.lifecycle.conftest import home, home_template  # noqa: F401  fixtures


def _entry(n: int) -> dict[str, object]:
    return {
        "actor": "owner",
        "action": "customer-read",
        "target": f"customer:{n}",
        "purpose": "data-management",
        "outcome": "ok",
        "details": {"fields": ["姓名"], "request_id": f"r{n}"},
    }


def _audit_targets(vault_home: Path) -> list[str]:
    with rawdb.connect(vault_home) as db:
        rows = db.execute("SELECT target FROM audit_log ORDER BY seq").fetchall()
    return [str(r[0]) for r in rows]


@given(
    docs=st.lists(
        st.dictionaries(st.text(max_size=5), st.text(max_size=20), max_size=3),
        max_size=6,
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=8),
)
def test_frames_cut_anywhere_come_out_whole_R_SYS_1(
    docs: list[dict[str, str]], cuts: list[int]
) -> None:
    stream = b"".join(frame(d) for d in docs)
    frames, out, at = Frames(), [], 0
    for cut in [*sorted({min(c, len(stream)) for c in cuts}), len(stream)]:
        out += frames.feed(stream[at:cut])
        at = cut
    assert out == [json.loads(json.dumps(d)) for d in docs]


def _serve(writer: AuditWriter, stop: threading.Event) -> threading.Thread:
    def loop() -> None:
        while not stop.is_set():
            writer.run_once(timeout=0.05)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


def test_two_workers_entries_are_durable_before_they_answer_R_SYS_ACCESS(
    home: Path,  # noqa: F811  the fixture
) -> None:
    vault = Vault.open(load_settings({"home": home}), pooled=True)
    pairs = [socket.socketpair() for _ in range(2)]
    writer = AuditWriter(vault, [ours for ours, _ in pairs])
    stop = threading.Event()
    thread = _serve(writer, stop)
    gone: list[str] = []
    try:
        before = len(_audit_targets(home))

        async def reads() -> None:
            clients = [
                AuditWriterClient(theirs, on_gone=lambda: gone.append("x"))
                for _, theirs in pairs
            ]
            await asyncio.gather(
                *(clients[n % 2].append_async(_entry(n)) for n in range(40))  # type: ignore[arg-type]
            )

        asyncio.run(reads())
        targets = _audit_targets(home)
        assert len(targets) == before + 40
        assert sorted(targets[before:]) == sorted(f"customer:{n}" for n in range(40))
        rawdb.refuse_audit_inserts(home)

        async def refused() -> list[BaseException | None]:
            client = AuditWriterClient(pairs[0][1], on_gone=lambda: gone.append("x"))
            return await asyncio.gather(
                *(client.append_async(_entry(n)) for n in range(3)),  # type: ignore[arg-type]
                return_exceptions=True,
            )

        results = asyncio.run(refused())
        assert all(isinstance(r, AuditUnavailableError) for r in results), results
        assert len(_audit_targets(home)) == before + 40
        assert gone == []
    finally:
        stop.set()
        thread.join()
        writer.close()
        vault.close()


def test_a_writer_that_is_gone_fails_every_waiting_read_and_stops_the_worker_R_SYS_1() -> (
    None
):
    ours, theirs = socket.socketpair()
    gone: list[str] = []

    async def read_then_lose_the_writer() -> list[BaseException | None]:
        client = AuditWriterClient(theirs, on_gone=lambda: gone.append("stopped"))
        waiting = [
            asyncio.ensure_future(client.append_async(_entry(n))) for n in range(3)
        ]  # type: ignore[arg-type]
        await asyncio.sleep(0.05)
        ours.close()  # the parent process died
        results = await asyncio.gather(*waiting, return_exceptions=True)
        late = await asyncio.gather(
            client.append_async(_entry(9)),  # type: ignore[arg-type]
            return_exceptions=True,
        )
        return [*results, *late]

    results = asyncio.run(read_then_lose_the_writer())
    assert all(isinstance(r, AuditUnavailableError) for r in results), results
    assert gone == ["stopped"]


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_a_read_whose_entry_is_durable_answers_before_a_new_read_starts_R_SYS_ACCESS(
    home: Path,  # noqa: F811  the fixture
    loop: str,
) -> None:
    """Finish before starting: when read X's entry is durable (the writer's answer is
    waiting on the socket) as read Y comes in, X answers before Y's read runs — not
    after it, as the event loop's arrival order would have it. Both stay audited. On
    asyncio's loop and on uvloop's, which ``piplvault serve`` runs."""
    vault = Vault.open(load_settings({"home": home}), pooled=True)
    ours, theirs = socket.socketpair()
    writer = AuditWriter(vault, [ours])
    order: list[str] = []

    def reader(name: str) -> Callable[[Connection], tuple[str, AuditNote]]:
        def read(_conn: Connection) -> tuple[str, AuditNote]:
            order.append(f"{name} read")
            return name, AuditNote(action="customer-read", target=f"customer:{name}")

        return read

    async def two_reads() -> None:
        vault.audit_writer = AuditWriterClient(theirs, on_gone=lambda: None)

        async def read_x() -> None:
            await vault.audited_read_async(reader("X"))
            order.append("X answered")

        x = asyncio.create_task(read_x())
        while order != ["X read"]:
            await asyncio.sleep(0)
        writer.run_once(timeout=5)  # X's entry committed, its answer sent back

        async def commit_y() -> None:
            while "Y read" not in order:
                await asyncio.sleep(0)
            writer.run_once(timeout=5)

        pump = asyncio.create_task(commit_y())
        await vault.audited_read_async(reader("Y"))  # a read arriving just now
        await x
        await pump

    try:
        before = len(_audit_targets(home))
        factory = uvloop.new_event_loop if loop == "uvloop" else None
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(two_reads())
        assert order == ["X read", "X answered", "Y read"]
        assert _audit_targets(home)[before:] == ["customer:X", "customer:Y"]
    finally:
        vault.audit_writer = None
        writer.close()
        vault.close()


def _head_file_names_the_committed_head(vault: Vault, vault_home: Path) -> bool:
    """Whether the signed head file beside the vault holds the database's audit head."""
    with rawdb.connect(vault_home) as db:
        seq, head_hash = db.execute("SELECT seq, hash FROM audit_head").fetchone()
    signing = vault.keyring.signing_key.public_key()
    vault_id = vault.meta_value("vault_id") or ""
    head = anchor.read_head_file(vault_home, signing, vault_id)
    return head is not None and (head.seq, head.hash) == (seq, head_hash)


def test_a_round_answers_before_it_publishes_the_head_file_which_then_names_it_R_SYS_ACCESS(
    home: Path,  # noqa: F811  the fixture
) -> None:
    """The entries are durable at the commit: the worker hears so at once, and the head
    file (the anchor outside the database) is rewritten after, before the next round."""
    vault = Vault.open(load_settings({"home": home}), pooled=True)
    ours, theirs = socket.socketpair()
    writer = AuditWriter(vault, [ours])
    answered_first: list[bool] = []
    publish = vault._publish_head

    def observed(plan: anchor.HeadPlan | None = None) -> None:
        ready, _, _ = select.select([theirs], [], [], 0)
        answered_first.append(bool(ready))
        publish(plan)

    vault._publish_head = observed  # type: ignore[method-assign]
    try:
        theirs.sendall(frame({"n": 7, "e": _entry(7)}))
        writer.run_once(timeout=5)
        assert answered_first == [True]
        assert Frames().feed(theirs.recv(1 << 16)) == [{"done": [7]}]
        assert _head_file_names_the_committed_head(vault, home)
    finally:
        writer.close()
        theirs.close()
        vault.close()


def test_a_failed_publication_is_reported_and_the_next_round_publishes_R_SYS_ACCESS(
    home: Path,  # noqa: F811  the fixture
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The reads of a round whose head file could not be written are still answered
    (their entries are durable); the failure is reported, and the next round's
    publication names the head it finds."""
    vault = Vault.open(load_settings({"home": home}), pooled=True)
    ours, theirs = socket.socketpair()
    writer = AuditWriter(vault, [ours])
    publish = vault._publish_head

    def broken(plan: anchor.HeadPlan | None = None) -> None:
        raise RuntimeError("disk gone")

    vault._publish_head = broken  # type: ignore[method-assign]
    try:
        theirs.sendall(frame({"n": 1, "e": _entry(1)}))
        writer.run_once(timeout=5)
        assert Frames().feed(theirs.recv(1 << 16)) == [{"done": [1]}]
        assert "the audit head file was not updated (RuntimeError)" in (
            capsys.readouterr().err
        )
        vault._publish_head = publish  # type: ignore[method-assign]
        theirs.sendall(frame({"n": 2, "e": _entry(2)}))
        writer.run_once(timeout=5)
        assert Frames().feed(theirs.recv(1 << 16)) == [{"done": [2]}]
        assert _head_file_names_the_committed_head(vault, home)
    finally:
        writer.close()
        theirs.close()
        vault.close()
