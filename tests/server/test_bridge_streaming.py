"""Progress through the server and concurrent bridge requests (issue 14).

A long shredding run through ``POST /api/v1/cli`` streams its progress (total, then the
count done, R-47-2/R-47-3) before its result, and a second command sent meanwhile is
answered while the first still runs: each request has its own streams, nothing process-wide
is swapped, so no request waits for another's output. The real CLI client draws the
events: the same bar on a terminal, plain lines in a log.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from bench.gen_customers import write as write_customers
from rich.console import Console
from sqlalchemy import insert

from piplvault.cli.progress_view import ProgressView, plain_line
from piplvault.io.tables import open_table
from piplvault.settings import load_settings
from piplvault.store.schema import customer_lifecycle
from piplvault.vault import Vault, people
from tests import servers
from tests.conftest import OWNER_PASSWORD, cli_env, run_direct

CUSTOMERS = 4200
DUE = 4000  # customers 1..DUE are due for deletion; the rest stay for the client test


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """A vault of 4,200 customers (4,000 due for deletion) behind a real server."""
    work = tmp_path_factory.mktemp("streaming")
    env = cli_env()
    home = work / "vault"
    settings = load_settings(
        {
            "home": home,
            "passphrase": env["PIPLVAULT_PASSPHRASE"],
            "kdf_memory_kib": int(env["PIPLVAULT_KDF_MEMORY_KIB"]),
        }
    )
    vault = Vault.create(settings)
    try:
        table = write_customers(work / "customers.csv", CUSTOMERS)
        vault.import_table(open_table(table), workers=1)
        ended = dt.date(2025, 1, 31).isoformat()
        with (
            vault.write() as conn
        ):  # set-up: `retention set` for 4,000 customers at once
            conn.execute(
                insert(customer_lifecycle),
                [
                    {"customer_id": cid, "relationship_ended_on": ended}
                    for cid in range(1, DUE + 1)
                ],
            )
        people.set_password(vault, "owner", OWNER_PASSWORD)
    finally:
        vault.close()
    server = servers.start(
        servers.vault_key(["--home", str(home)], env), env, register=False
    )
    assert isinstance(server, servers.Server)
    client = httpx.Client(
        transport=httpx.HTTPTransport(uds=str(server.socket)),
        base_url="http://t",
        timeout=300,
    )
    token = client.post(
        "/api/v1/login", json={"user": "owner", "password": OWNER_PASSWORD}
    ).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    yield {"home": home, "server": server, "client": client, "token": token}
    client.close()
    server.stop()


def test_shredding_streams_progress_and_status_is_answered_meanwhile_R_47_2(
    served: dict[str, object],
) -> None:
    """R-47-2: `retention apply` of 4,000 customers sends its total and its chunks as they
    are shredded, then the result; a `status` sent after the first event is answered
    before the run's result arrives (before issue 14 it waited for the whole run). Until
    session 7, `status` authorized itself in a write transaction and so waited for the
    run's commit: it was answered only milliseconds before the result, and lost that race
    2 times in 3. It now reads a snapshot (`Vault.authorized_read`) and is answered while
    the run is still shredding (0.7 s before its end in the runs measured)."""
    client = served["client"]
    assert isinstance(client, httpx.Client)
    arrived: list[tuple[float, dict[str, object]]] = []
    first = threading.Event()

    def read_stream() -> None:
        body = {
            "argv": ["retention", "apply", "--as-of", "2026-06-01", "--yes"],
            "lang": "en",
            "stream": True,
        }
        with client.stream("POST", "/api/v1/cli", json=body) as response:
            assert response.headers["content-type"].startswith("application/x-ndjson")
            for line in response.iter_lines():
                event = json.loads(line)
                arrived.append((time.monotonic(), event))
                if "progress" in event:
                    first.set()
        first.set()

    reader = threading.Thread(target=read_stream)
    reader.start()
    assert first.wait(120)
    status = client.post(
        "/api/v1/cli", json={"argv": ["status", "--json"], "lang": "en"}
    ).json()
    status_done = time.monotonic()
    reader.join(300)
    assert status["exit_code"] == 0, status["stderr"]
    assert json.loads(status["stdout"])["customers"] >= CUSTOMERS - DUE
    progress = [e["progress"] for _t, e in arrived if "progress" in e]
    *_events, (result_at, last) = arrived
    assert last["result"]["exit_code"] == 0, last  # type: ignore[index]
    assert f"destroyed {DUE} customer(s)" in last["result"]["stderr"]  # type: ignore[index]
    assert {p["label"] for p in progress} == {"Shredding"}
    assert progress[-1] == {"label": "Shredding", "total": DUE, "done": DUE}
    assert any(p["total"] == DUE and p["done"] < DUE for p in progress)
    assert [p["done"] for p in progress] == sorted(p["done"] for p in progress)
    assert status_done < result_at, "status waited for the shredding run to end"


def test_client_prints_progress_lines_when_not_at_a_terminal_R_47_3(
    served: dict[str, object],
) -> None:
    """R-47-3: the real client, writing to a log (not a terminal), prints plain progress
    lines (PIPLVAULT_PROGRESS_EVERY=0: every event) and then exactly what it printed
    before: the certificate on stdout and the summary on stderr."""
    server = served["server"]
    assert isinstance(server, servers.Server)
    env = {k: v for k, v in cli_env().items() if k != "PIPLVAULT_PASSPHRASE"}
    env.update(
        PIPLVAULT_URL=server.url,
        PIPLVAULT_TOKEN=str(served["token"]),
        PIPLVAULT_PROGRESS_EVERY="0",
    )
    ids = [str(cid) for cid in range(DUE + 1, DUE + 41)]
    done = run_direct(
        ["customers", "delete", *ids, "--reason", "streaming", "--yes", "--lang", "en"],
        env=env,
        input=None,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Shredding 0/40 (0%) ETA" in done.stderr
    assert "Shredding 40/40 (100%) ETA 0:00:00" in done.stderr
    assert "destroyed 40 customer(s)" in done.stderr
    assert done.stdout.strip().endswith(".json")


def test_progress_view_draws_the_terminal_bar_or_plain_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a terminal the client draws the local bar (done/total, %, ETA) from the events;
    elsewhere it writes plain lines, none for work shorter than the interval."""
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    monkeypatch.setattr(
        importlib.import_module("piplvault.cli.app"), "err_console", console
    )
    monkeypatch.setenv("PIPLVAULT_LANG", "en")
    view = ProgressView()
    view.terminal = True
    for done in (0, 300, 600):
        view({"label": "Shredding", "total": 1200, "done": done})
    view.close()
    drawn = screen.getvalue()
    assert "Shredding" in drawn and "/1200" in drawn and "%" in drawn
    assert "ETA" in drawn

    log = io.StringIO()
    monkeypatch.setattr("sys.stderr", log)
    quiet = ProgressView()
    quiet.terminal, quiet.every = False, 60.0
    quiet({"label": "Importing", "total": 10, "done": 0})
    quiet({"label": "Importing", "total": 10, "done": 10})
    quiet.close()
    assert log.getvalue() == ""  # short work: the same output as a local run
    chatty = ProgressView()
    chatty.terminal, chatty.every = False, 0.0
    chatty({"label": "Importing", "total": 10, "done": 5})
    chatty.close()
    assert log.getvalue().splitlines()[0].startswith("Importing 5/10 (50%) ETA 0:00:0")
    assert plain_line({"label": "x", "total": None, "done": 7}, 1.0) == "x 7"


def test_bridge_streams_refusals_as_http_errors(served: dict[str, object]) -> None:
    """A command refused before it starts is an HTTP error, streaming or not."""
    client = served["client"]
    assert isinstance(client, httpx.Client)
    answer = client.post(
        "/api/v1/cli", json={"argv": ["init", "/tmp/x"], "stream": True}
    )
    assert answer.status_code == 422  # ValidationError
    assert "runs only on the server's machine" in answer.json()["error"]["message"]
