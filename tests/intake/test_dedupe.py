"""Issue 12.9 — re-importing any copy of a file (UTF-8 CSV, GBK CSV, XLSX) creates no
customer (R-SYS-1 data quality; one person, one record), including an enterprise whose
only identifier is a bank card.

The bank-card case runs the real ``piplvault`` client against a served vault end to end;
the generated tables (hypothesis) import in-process as the server runs the command
(``tests/inprocess.py``) into a copy of one empty vault built once for the module — the
same Typer app, Session and import code, without a server and client per example."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import piplvault.cli.commands  # noqa: F401  registers the commands
from piplvault.cli.app import app
from tests.discovery.test_properties import card_numbers, credit_codes, resident_ids
from tests.inprocess import CliRunner, as_served
from tests.intake.helpers import cli, new_vault, write_csv
from tests.vaults import clone, frozen

pytestmark = pytest.mark.usefixtures("empty_template")  # new_vault copies it

HEADER = [
    "客户名称",
    "客户类型",
    "身份证号",
    "统一社会信用代码",
    "手机号",
    "银行卡号",
    "邮箱",
]
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "欧阳娜娜", "赵敏", "孙丽"]
CARD = "6222021234567890128"


def _xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _copies(folder: Path, rows: list[list[str]]) -> list[Path]:
    return [
        write_csv(folder / "utf8.csv", rows),
        write_csv(folder / "gbk.csv", rows, encoding="gbk"),
        _xlsx(folder / "copy.xlsx", rows),
    ]


def _imports_through_the_client(home: Path, path: Path) -> int:
    ran = cli("import", str(path), "--home", str(home), "--json")
    assert ran.code == 0, ran.err
    new: int = ran.json()["new"]
    return new


def _imports_as_served(home: Path, path: Path) -> int:
    argv = ["import", str(path), "--home", str(home), "--json"]
    with as_served(argv):
        result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, (result.output, result.exception)
    new: int = json.loads(result.stdout)["new"]
    return new


def _reimports_create_nobody(
    folder: Path, home: Path, rows: list[list[str]], *, served: bool = True
) -> None:
    run = _imports_through_the_client if served else _imports_as_served
    counts = [run(home, path) for path in _copies(folder, rows)]
    assert counts[0] >= 1 and counts[1:] == [0, 0], counts


@pytest.fixture(scope="module")
def empty_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One freshly initialised vault, copied for each generated table."""
    home = new_vault(tmp_path_factory.mktemp("dedupe-template"))
    frozen(home)
    return home


def test_enterprise_known_only_by_its_bank_card_is_not_duplicated(
    tmp_path: Path,
) -> None:
    rows = [HEADER, ["示例科技有限公司", "企业", "", "", "", CARD, ""]]
    rows += [["张伟", "个人", "11010519491231002X", "", "13812345678", "", ""]]
    _reimports_create_nobody(tmp_path, new_vault(tmp_path), rows)


@st.composite
def customer_rows(draw: st.DrawFn) -> list[list[str]]:
    count = draw(st.integers(1, 6))
    ids = draw(st.lists(resident_ids(), min_size=count, max_size=count, unique=True))
    codes = draw(st.lists(credit_codes(), min_size=count, max_size=count, unique=True))
    cards = draw(st.lists(card_numbers(), min_size=count, max_size=count, unique=True))
    rows = [HEADER]
    for i in range(count):
        keep = draw(st.lists(st.booleans(), min_size=4, max_size=4))
        mobile = f"138{draw(st.integers(0, 99_999_999)):08d}" if keep[1] else ""
        if draw(st.booleans()):
            rows.append(
                [
                    f"示例{i}号科技有限公司",
                    "企业",
                    "",
                    codes[i] if keep[0] else "",
                    mobile,
                    cards[i] if keep[2] else "",
                    f"co{i}@example.cn" if keep[3] else "",
                ]
            )
        else:
            rows.append(
                [
                    draw(st.sampled_from(NAMES)),
                    "个人",
                    ids[i] if keep[0] else "",
                    "",
                    mobile,
                    cards[i] if keep[2] else "",
                    f"p{i}@example.cn" if keep[3] else "",
                ]
            )
    return rows


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(rows=customer_rows())
def test_any_copy_of_a_generated_table_reimports_without_duplicates(
    empty_vault: Path, rows: list[list[str]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        home = clone(empty_vault, Path(folder) / "vault")
        _reimports_create_nobody(Path(folder), home, rows, served=False)
