"""The smallest transfer the tests need, in-process through the real Typer CLI.

Three customers in a seller vault, a buyer vault, and helpers to drive a case to any state
quickly (CliRunner, the test KDF settings, a patched clock instead of sleeping 30 days).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import piplvault.cli.commands  # noqa: F401  registers the commands
from piplvault.cli.app import app
from piplvault.errors import VaultError
from piplvault.vault import service
from tests.conftest import cli_env

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


def cli(*args: str | Path) -> Any:
    """Run ``piplvault ARGS --json`` in-process; the parsed JSON, or raise Failed."""
    result = CliRunner().invoke(app, [*map(str, args), "--json"])
    if result.exit_code != 0:
        exc = result.exception
        if isinstance(exc, VaultError):
            raise Failed(exc.message)
        raise Failed(f"{type(exc).__name__}: {exc}\n{result.output}")
    return json.loads(result.stdout) if result.stdout.strip() else None


def raw(*args: str | Path) -> str:
    """Run a command that prints plain text (e.g. ``keys public``); its stdout."""
    result = CliRunner().invoke(app, list(map(str, args)))
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
    """Run the real CLI in a subprocess whose clock is frozen at ``day`` (tests only)."""
    return subprocess.run(
        [sys.executable, "-c", _AT, day, *args],
        capture_output=True,
        text=True,
        env=env or cli_env(),
        timeout=120,
        check=False,
    )
