"""The import's worker pool works under the ``spawn`` start method (issue 9.7): Windows' and
macOS's default, where a worker inherits no memory from the parent. Spawned workers give the
same result as preparing the rows in one process (R-SYS-4: no row lost or doubled)."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from examples.generate import make_rows, write_csv

from piplvault.errors import ConfigError
from piplvault.io.tables import open_table
from piplvault.settings import load_settings
from piplvault.vault import Vault, imports
from tests.conftest import run_piplvault

ROWS = 1200  # above the 1,000-row sample, so the import goes parallel


@pytest.fixture(scope="module")
def table_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spawn") / "customers.csv"
    write_csv(path, make_rows(ROWS, seed=11), "utf-8")
    return path


@pytest.fixture
def contexts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str | None]]:
    """The start methods the import asked multiprocessing for."""
    asked: list[str | None] = []
    real = multiprocessing.get_context

    def spy(method: str | None = None) -> Any:
        asked.append(method)
        return real(method)

    monkeypatch.setattr(imports.multiprocessing, "get_context", spy)
    yield asked


def _import(home: Path, path: Path, **options: Any) -> tuple[dict[str, Any], list[str]]:
    flags = {"home": home, "start_method": options.pop("start_method", None)}
    vault = Vault.create(load_settings(flags))
    try:
        report = vault.import_table(open_table(path), **options).to_dict()
        shown = [
            vault.show_customer(cid, reveal=True, purpose="contract")
            for cid in (1, ROWS // 2, ROWS)
        ]
        values = [f.value for view in shown for f in view.fields.values()]
    finally:
        vault.close()
    return report, values


def test_spawned_workers_import_what_one_process_imports(
    table_csv: Path, tmp_path: Path, contexts: list[str | None]
) -> None:
    spawned, spawned_values = _import(
        tmp_path / "spawn", table_csv, start_method="spawn", workers=2
    )
    assert contexts == ["spawn"]  # the pool really started with spawn
    serial, serial_values = _import(tmp_path / "serial", table_csv, workers=1)
    assert contexts == ["spawn"]  # one worker: no pool at all
    assert spawned["rows"] == serial["rows"] == ROWS
    for key in ("new", "updated", "unchanged", "rejected", "flagged"):
        assert spawned[key] == serial[key], key
    assert spawned["new"] + spawned["rejected"] == ROWS
    assert spawned_values == serial_values and spawned_values


def test_unknown_start_method_is_a_config_error_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match="start_method must be one of fork, spawn"):
        load_settings({"start_method": "thread"})


@pytest.mark.slow
def test_cli_import_through_the_server_with_spawn(
    table_csv: Path, tmp_path: Path
) -> None:
    """The real CLI, through piplvault serve started with PIPLVAULT_START_METHOD=spawn."""
    from tests.conftest import cli_env

    env = cli_env(PIPLVAULT_START_METHOD="spawn")
    home = tmp_path / "vault"
    assert run_piplvault("init", str(home), env=env).returncode == 0
    done = run_piplvault(
        "import", str(table_csv), "--home", str(home), "--json", env=env
    )
    report = json.loads(done.stdout)
    assert done.returncode == (1 if report["rejected"] else 0), done.stderr
    assert report["rows"] == ROWS and report["new"] + report["rejected"] == ROWS
    status = run_piplvault("status", "--home", str(home), "--json", env=env)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["customers"] == report["new"]


def test_scan_worker_pool_under_spawn_finds_what_one_process_finds() -> None:
    """``piplvault scan``'s pool (discovery.scanner) also works with spawn."""
    probe = (
        "import multiprocessing\n"
        "from piplvault.discovery import scan_table\n"
        "if __name__ == '__main__':\n"
        "    multiprocessing.set_start_method('spawn')\n"
        "    headers = ['姓名', '手机号', '备注']\n"
        "    rows = [['张伟', '13812345678', '联系张伟13812345678']] * 50\n"
        "    many = scan_table(headers, iter(rows), workers=2)\n"
        "    one = scan_table(headers, iter(rows), workers=1)\n"
        "    print(many.rows, one.rows, many.findings == one.findings)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["50", "50", "True"]
