"""A three-customer vault and times for the incident and sharing tests (in-process CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.transfer.small import ROWS, cli, clock_at, vault

__all__ = ["FULL", "ROWS", "cli", "clock_at", "opened", "read_some", "vault"]

FOUND = "2026-11-26T10:00:00+08:00"
#: Every Art. 57 block a notice needs (R-57-1).
FULL = (
    "--cause", "销售账号口令被撞库后登录并批量查看客户资料",
    "--harm", "可能被用于冒名诈骗或骚扰",
    "--remedies", "已停用该账号、重置全部口令并启用双因素认证",
    "--advice", "警惕自称本公司客服的来电，不要透露验证码",
    "--contact", "400-000-0000（个人信息保护负责人）",
)  # fmt: skip


def read_some(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The owner reveals customer 1 and reads 2 masked on 11-20; reveals 3 on 11-25."""
    h = ("--home", str(home))
    with clock_at(monkeypatch, "2026-11-20"):
        cli("customers", "show", "1", "--reveal", "--purpose", "contract", *h)
        cli("customers", "show", "2", *h)
    with clock_at(monkeypatch, "2026-11-25"):
        cli("customers", "show", "3", "--reveal", "--purpose", "contract", *h)


def opened(home: Path, *extra: str) -> Any:
    return cli(
        "incidents", "open", "--title", "销售账号被盗用", "--found-at", FOUND,
        "--source", "安全监控告警", "--categories", "identity,contact,financial",
        *extra, "--home", home,
    )  # fmt: skip
