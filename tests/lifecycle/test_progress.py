"""Progress of long operations (issue 14 item 4): scan, backup create and restore, and the
shredding runs report counts that add up to the total they announce (R-47-3 deletion,
R-NDS-9-1 backups). The terminal bar is the import's (cli/render.py ProgressBar)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path

import pytest
from rich.console import Console

import piplvault.cli.commands  # noqa: F401  registers the commands
from piplvault.cli.app import app
from piplvault.discovery import scan_table
from piplvault.io.tables import open_table
from piplvault.settings import load_settings
from piplvault.store import shred
from piplvault.vault import backups, destruction, retention, shred_run
from tests.conftest import EXAMPLES
from tests.inprocess import CliRunner, as_served
from tests.lifecycle.conftest import open_home


class _Counts:
    """Collects what a vault function reports: the total it announced and each step."""

    def __init__(self) -> None:
        self.totals: list[int] = []
        self.steps: list[int] = []

    def advance(self, n: int) -> None:
        self.steps.append(n)

    def total(self, n: int) -> None:
        self.totals.append(n)


def test_backup_create_and_restore_report_every_frame_R_NDS_9_1(
    home: Path, tmp_path: Path
) -> None:
    """R-NDS-9-1: backup create announces its frames once and reports each one written;
    restore reports as many frames as the file's manifest says (its bar's total)."""
    made = _Counts()
    vault = open_home(home)
    try:
        info = backups.create_backup(
            vault, tmp_path / "bk", progress=made.advance, on_total=made.total
        )
    finally:
        vault.close()
    frames = info.manifest["body"]["frames"]
    assert made.totals == [frames] and frames > 3
    assert sum(made.steps) == frames == backups.backup_frames(info.path)
    vault = open_home(home)
    try:
        store = backups.live_key_store(vault)
    finally:
        vault.close()
    loaded = _Counts()
    into = tmp_path / "restored"
    settings = dataclasses.replace(load_settings({"home": home}), home=into, db=None)
    result = backups.restore_backup(
        info.path, into, settings, key_store=store, progress=loaded.advance
    )
    assert result["customers_in_backup"] == 200
    assert sum(loaded.steps) == frames


def test_customers_delete_reports_each_customer_R_47_3(home: Path) -> None:
    """R-47-3: deleting many customers announces how many, then counts up to it."""
    seen = _Counts()
    vault = open_home(home)
    try:
        result = destruction.erase_customers(
            vault,
            [3, 1, 2, 2, 40, 41],
            reason="progress test",
            progress=seen.advance,
            on_total=seen.total,
        )
    finally:
        vault.close()
    assert seen.totals == [5]
    assert sum(seen.steps) == 5 == result.customers_destroyed


def test_retention_apply_reports_destroyed_and_restricted_R_47_2(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-47-2: a retention run shredding 30 customers (in chunks of 7 here) and restricting
    one announces 31, then counts each chunk and the restricted one; every shredded
    customer is in the journal."""
    monkeypatch.setattr(shred_run, "CHUNK", 7)
    seen = _Counts()
    vault = open_home(home)
    try:
        for cid in range(1, 31):
            retention.set_facts(vault, cid, relationship_ended_on=dt.date(2025, 1, 31))
        retention.set_facts(
            vault,
            31,
            relationship_ended_on=dt.date(2025, 1, 31),
            last_transaction_on=dt.date(2024, 5, 1),
        )
        result = destruction.apply_retention(
            vault,
            as_of=dt.date(2026, 6, 1),
            progress=seen.advance,
            on_total=seen.total,
        )
        with vault.write(commit=False) as conn:
            journalled = shred.journal_count(conn)
    finally:
        vault.close()
    assert (result.customers_destroyed, result.customers_restricted) == (30, 1)
    assert seen.totals == [31]
    assert seen.steps == [7, 7, 7, 7, 2, 1]
    assert journalled == 31  # 30 whole customers and the restricted one's fields


def test_scan_reports_every_row() -> None:
    """Scanning reports rows chunk by chunk; they add up to the rows scanned."""
    table = open_table(EXAMPLES / "customers.csv")
    rows = list(table.rows()) * 30  # several chunks
    steps: list[int] = []
    result = scan_table(table.headers, rows, workers=1, progress=steps.append)
    assert len(steps) > 1
    assert sum(steps) == result.rows == len(rows)


@pytest.mark.parametrize(("lang", "label"), [("zh", "正在扫描"), ("en", "Scanning")])
def test_scan_on_a_terminal_draws_a_bar_with_total_and_eta(
    monkeypatch: pytest.MonkeyPatch, lang: str, label: str
) -> None:
    """On a terminal the scan shows done/total, a percentage and an ETA on stderr."""
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    monkeypatch.setattr("piplvault.cli.app.err_console", console)
    monkeypatch.setattr("piplvault.cli.options.is_terminal", lambda: True)
    monkeypatch.setenv("PIPLVAULT_LANG", lang)
    argv = ["scan", str(EXAMPLES / "customers.csv")]
    with as_served(argv):
        result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    drawn = screen.getvalue()
    assert label in drawn
    assert "/200" in drawn and "%" in drawn
    assert ("剩余" if lang == "zh" else "ETA") in drawn
