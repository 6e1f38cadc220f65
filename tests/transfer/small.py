"""The smallest transfer the tests need, in-process through the real Typer CLI.

Three customers in a seller vault, a buyer vault, and helpers to drive a case to any state
quickly (CliRunner, the test KDF settings, a patched clock instead of sleeping 30 days).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import piplvault.cli.commands  # noqa: F401  registers the commands
from piplvault.cli.app import app
from piplvault.errors import VaultError
from piplvault.vault import service
from tests import servers
from tests.conftest import cli_env, run_direct
from tests.inprocess import CliRunner, as_served
from tests.zygote import ForkedProcess, zygote

RECIPIENT = "示例承接科技有限公司"
USCC = "91110000600037341L"
CONTACT = "010-88886666"
ROWS = [
    "客户编号,客户类型,客户名称,姓名,身份证号,手机号,邮箱,银行卡号,地址",
    "KH1,个人,张健,张健,32010219480921163X,13411641045,a1@example.org,"
    "6217008186620116411,重庆市渝中区和平路1号",
    "KH2,个人,陈华,陈华,11010519890730482X,15634067884,b2@example.cn,"
    "6217003791566859661,北京市东城区东华门街道2号",
    "KH3,个人,李娜,李娜,11010519491231002X,13912345678,c3@example.com,"
    "6214837340678842378,上海市黄浦区南京东路3号",
]


class Failed(Exception):
    """A CLI command exited non-zero; ``message`` is what the user saw."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _invoke(argv: list[str]) -> Any:
    """Invoke the Typer app in-process as the server would (tests/inprocess.py)."""
    with as_served(argv):
        return CliRunner().invoke(app, argv)


def cli(*args: str | Path) -> Any:
    """Run ``piplvault ARGS --json`` in-process; the parsed JSON, or raise Failed."""
    result = _invoke([*map(str, args), "--json"])
    if result.exit_code != 0:
        exc = result.exception
        if isinstance(exc, VaultError):
            raise Failed(exc.message)
        raise Failed(f"{type(exc).__name__}: {exc}\n{result.output}")
    return json.loads(result.stdout) if result.stdout.strip() else None


def raw(*args: str | Path) -> str:
    """Run a command that prints plain text (e.g. ``keys public``); its stdout."""
    result = _invoke(list(map(str, args)))
    assert result.exit_code == 0, result.output
    return result.stdout


def fails(*args: str | Path) -> str:
    with pytest.raises(Failed) as info:
        cli(*args)
    return info.value.message


@contextmanager
def clock_at(monkeypatch: pytest.MonkeyPatch, day: str) -> Iterator[None]:
    """The vault's clock (a frozen clock, as tests use) reads ``day`` at noon UTC."""
    moment = dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=dt.UTC)
    with monkeypatch.context() as m:
        m.setattr(service.SystemClock, "now", lambda self: moment)
        yield


def vault(home: Path, *, customers: bool = False) -> tuple[str, str]:
    cli("init", home)
    if customers:
        csv = home.parent / f"{home.name}.csv"
        csv.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
        cli("import", csv, "--home", home)
    return ("--home", str(home))


def keys(home: Path, out: Path) -> dict[str, Path]:
    """The vault's public keys written to files: {"public": …, "exchange": …}."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for kind in ("public", "exchange"):
        path = out / f"{home.name}.{kind}.pem"
        path.write_text(raw("keys", kind, "--home", home), encoding="ascii")
        paths[kind] = path
    return paths


def create(
    home: Path, *extra: str, deal: str = "merger", purposes: str = "contract"
) -> Any:
    return cli(
        "transfer", "create", "--recipient", RECIPIENT, "--contact", CONTACT,
        "--uscc", USCC, "--purposes", purposes, "--deal", deal, *extra, "--home", home,
    )  # fmt: skip


def to_ready(home: Path, case: str, out: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """notices → delivered → objection window → (clock +60 days) → ready."""
    s = ("--home", home)
    cli("transfer", "notices", case, "--out", out / "notices", *s)
    cli("transfer", "delivery", case, "--all", "--status", "delivered", *s)
    cli("transfer", "advance", case, *s)
    later = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    with clock_at(monkeypatch, later):
        return cli("transfer", "advance", case, *s)


_AT = (
    "import datetime as dt, sys\n"
    "from piplvault.vault import service\n"
    "moment = dt.datetime.fromisoformat(sys.argv[1]).replace(hour=12, tzinfo=dt.UTC)\n"
    "service.SystemClock.now = lambda self: moment\n"
    "from piplvault.cli.app import main\n"
    "sys.argv = ['piplvault', *sys.argv[2:]]\n"
    "main()\n"
)


def run_at(
    day: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI against a real `piplvault serve` whose clock is frozen at ``day``
    (tests only): the server for this vault is restarted with that clock for one command.

    The server is forked from the test zygote with its clock frozen (tests/zygote.py), or
    with ``PIPLVAULT_TEST_ZYGOTE=0`` started as a fresh ``python -c`` that freezes it."""
    env = dict(env or cli_env())
    key = servers.vault_key(list(args), env)
    servers.stop(key)
    workdir = Path(tempfile.mkdtemp(prefix="pvat-", dir="/tmp"))
    sock = workdir / "s.sock"
    serve = ["serve", "--home", key[0], "--socket", str(sock)]
    if key[1]:
        serve += ["--db", key[1]]
    log = workdir / "serve.log"
    proc: subprocess.Popen[bytes] | ForkedProcess
    if os.environ.get("PIPLVAULT_TEST_ZYGOTE", "1") == "1":
        log.touch(mode=0o600)
        proc = zygote().start(serve, env, log, clock=day)
    else:
        with log.open("wb") as handle:
            proc = subprocess.Popen(
                [sys.executable, "-c", _AT, day, *serve],
                env=env,
                stdout=handle,
                stderr=handle,
            )
    try:
        deadline = time.monotonic() + 60
        while not sock.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                err = log.read_text(encoding="utf-8", errors="replace")
                return subprocess.CompletedProcess(
                    ["piplvault", *serve], proc.returncode or 1, "", err
                )
            time.sleep(0.05)
        client = {k: v for k, v in env.items() if k != "PIPLVAULT_PASSPHRASE"}
        client["PIPLVAULT_URL"] = f"unix://{sock}"
        if not client.get("PIPLVAULT_PASSWORD") and not client.get("PIPLVAULT_TOKEN"):
            client["PIPLVAULT_USER"] = "owner"
            client["PIPLVAULT_PASSWORD"] = env.get("PIPLVAULT_OWNER_PASSWORD", "")
        return run_direct(list(args), env=client, input=None, timeout=120)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
