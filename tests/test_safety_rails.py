"""Safety rails on destructive commands (issue 14.5; R-47-3 deletion, attack: a script or
a slip of the keyboard destroying customers by surprise).

In a terminal the command shows what it will destroy (masked name, count) and asks; no
answer or "n" destroys nothing. Without a terminal and without --yes it refuses.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from tests import servers
from tests.conftest import EXAMPLES, OWNER_PASSWORD, cli_env, run_piplvault


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("rails") / "v"
    assert run_piplvault("init", str(home)).returncode == 0
    done = run_piplvault("import", str(EXAMPLES / "customers.csv"), "--home", str(home))
    assert done.returncode == 0, done.stderr
    return home


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run_in_terminal(
    argv: list[str], answer: str, monkeypatch: pytest.MonkeyPatch
) -> int:
    from piplvault.cli.app import main

    # The person at the terminal is a logged-in client of the real server: the server
    # sends the preview, this terminal confirms, then the command runs with --yes.
    home = Path(argv[argv.index("--home") + 1])
    server = servers.server_for(home, cli_env())
    monkeypatch.delenv("PIPLVAULT_PASSPHRASE", raising=False)
    monkeypatch.setenv("PIPLVAULT_URL", server.url)
    monkeypatch.setenv("PIPLVAULT_PASSWORD", OWNER_PASSWORD)
    monkeypatch.setattr(sys, "argv", ["piplvault", *argv])
    monkeypatch.setattr(sys, "stdin", _Terminal(answer))
    with pytest.raises(SystemExit) as exit_:
        main()
    return int(exit_.value.code or 0)


def _exists(home: Path, customer_id: str) -> bool:
    shown = run_piplvault("customers", "show", customer_id, "--home", str(home))
    return shown.returncode == 0


def test_script_without_yes_is_refused_and_nothing_is_destroyed(vault: Path) -> None:
    for args in (
        ("customers", "delete", "1", "--reason", "r"),
        ("retention", "apply"),
        ("backup", "prune"),
    ):
        result = run_piplvault(*args, "--home", str(vault))
        assert result.returncode == 1 and "Traceback" not in result.stderr, args
        assert "--yes" in result.stderr and "销毁类命令需要确认" in result.stderr
    assert _exists(vault, "1")


def test_terminal_shows_masked_name_and_count_then_no_keeps_the_customer(
    vault: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    argv = ["customers", "delete", "1", "--reason", "删除请求", "--home", str(vault)]
    assert _run_in_terminal(argv, "n\n", monkeypatch) == 1
    err = capsys.readouterr().err
    assert "张*" in err and "张健" not in err  # masked, never the plaintext name
    assert "将销毁" in err and "什么也没有销毁" in err
    assert _exists(vault, "1")


def test_terminal_yes_destroys(
    vault: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["customers", "delete", "2", "--reason", "删除请求", "--home", str(vault)]
    assert _run_in_terminal(argv, "y\n", monkeypatch) == 0
    assert "已销毁" in capsys.readouterr().err
    assert not _exists(vault, "2")
