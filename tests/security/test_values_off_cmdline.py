"""Issue 10, attack 15: personal values need not appear in process arguments
(``/proc/PID/cmdline`` is readable by other users): ``-`` reads them from stdin."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import EXAMPLES
from tests.security.conftest import cli

#: a valid ID number of an example customer not in the test vault (row 30)
NEW_ID = (
    (EXAMPLES / "customers.csv")
    .read_text(encoding="utf-8-sig")
    .splitlines()[30]
    .split(",")[4]
)


def test_attack_value_from_stdin_not_argv(home: Path) -> None:
    done = cli(
        "customers", "update", "3", "id_number", "-", "--purpose", "contract",
        "--home", str(home), "--json", input=NEW_ID + "\n",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["version"] == 2
    found = cli(
        "customers", "find", "--id-number", "-", "--purpose", "contract",
        "--home", str(home), "--json", input=NEW_ID + "\n",
    )  # fmt: skip
    assert found.exit_code == 0, found.output
    assert [c["id"] for c in json.loads(found.stdout)] == [3]


def test_empty_stdin_is_refused(home: Path) -> None:
    result = cli(
        "customers", "update", "3", "id_number", "-", "--purpose", "contract",
        "--home", str(home), input="",
    )  # fmt: skip
    assert result.exit_code == 1 and "standard input" in result.stderr
