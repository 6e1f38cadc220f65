"""Chinese-first interface (issue 14.1, 14.2, 14.4): both languages for every message id,
zh-CN by default with English on PIPLVAULT_LANG=en / --lang en, errors in both, Beijing
time, and golden outputs of the main commands at 80 and 120 columns.

Rewrite the golden files with PIPLVAULT_UPDATE_GOLDEN=1 and review the diff like code.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from piplvault import i18n
from piplvault.i18n_build import message_ids, missing
from piplvault.timefmt import local_time, zh_datetime
from tests import vaults
from tests.conftest import EXAMPLES, cli_env, run_piplvault

GOLDEN = Path(__file__).resolve().parent / "golden" / "cli"


def test_every_message_id_has_both_languages() -> None:
    """Every _()/N_() string and every CLI help text has a zh_CN and an en entry
    (fix with: python -m piplvault.i18n update, then translate the new zh_CN entries)."""
    assert len(message_ids()) > 150
    assert missing() == []


def test_error_templates_translate_with_values_put_back() -> None:
    assert (
        i18n.translate_message("No customer with id 42", "zh") == "没有编号为 42 的客户"
    )
    where = "客户.csv, row 3, column '手机号': has 4 cells but the header has 5"
    assert i18n.translate_message(where, "zh") == (
        "客户.csv 第 3 行「手机号」列：该行有 4 个单元格，但表头有 5 列"
    )
    assert i18n.translate_message("something new", "zh") is None


def test_the_most_specific_template_wins_over_a_short_prefix_R_51_3() -> None:
    """The template "Customer {id}" also matches any longer message that starts "Customer …"; the longer,
    specific template must win so no English is left inside the Chinese line."""
    message = (
        "Customer 7's information was not collected under consent or a contract, so PIPL "
        "Art. 45 para. 3 does not apply; refuse the request: 'piplvault requests refuse 3 "
        "--reason portability-conditions-unmet --explain …'"
    )
    zh = i18n.translate_message(message, "zh")
    assert zh is not None and zh.startswith("客户 7 的信息并非基于同意或合同收集")
    assert i18n.translate_message("Customer 7", "zh") == i18n.catalogue("zh")[
        "Customer {id}"
    ].format(id="7")


def test_times_are_stored_utc_and_shown_in_beijing_time() -> None:
    assert local_time("2026-11-29T21:45:03Z") == "2026-11-30 05:45:03"
    assert local_time("2026-11-29T21:45:03+00:00", "UTC") == "2026-11-29 21:45:03"
    assert zh_datetime("2026-11-29T21:45:03Z") == "2026年11月30日 05:45（北京时间）"
    assert zh_datetime("2026-12-31") == "2026年12月31日"


def test_unknown_timezone_setting_is_a_config_error(tmp_path: Path) -> None:
    result = run_piplvault(
        "status", "--home", str(tmp_path), env=cli_env(PIPLVAULT_TIMEZONE="Mars/Base")
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Mars/Base" in result.stderr


def test_errors_are_chinese_first_then_the_english_line(tmp_path: Path) -> None:
    """zh (default): a 错误： line, then the stable ``Error:`` line; en: only the latter."""
    zh = run_piplvault("status", "--home", str(tmp_path / "none"))
    lines = zh.stderr.splitlines()
    assert zh.returncode == 1 and lines[0].startswith("错误：")
    assert "没有保险库" in lines[0] and lines[1].startswith("Error: No vault at")
    en = run_piplvault("--lang", "en", "status", "--home", str(tmp_path / "none"))
    assert en.returncode == 1 and en.stderr.startswith("Error: No vault at")
    env = run_piplvault(
        "status", "--home", str(tmp_path / "none"), env=cli_env(PIPLVAULT_LANG="en")
    )
    assert env.stderr.startswith("Error: ")


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("i18n") / "v"
    assert run_piplvault("init", str(home)).returncode == 0
    imported = run_piplvault(
        "import", str(EXAMPLES / "customers.csv"), "--home", str(home)
    )
    assert imported.returncode == 0, imported.stderr
    return home


def _normalise(text: str, home: Path) -> str:
    text = text.replace(str(home), "<home>")
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "<time>", text)
    text = re.sub(r"#\d+ [0-9a-f]{16}…", "#<seq> <hash>…", text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


COMMANDS = {
    "help": ("--help",),
    "customers-help": ("customers", "--help"),
    "status": ("status",),
    "list": ("customers", "list", "--limit", "5"),
    "show": ("customers", "show", "1", "--reveal", "--purpose", "contract"),
    "audit": ("audit", "log", "--since", "2000-01-01"),
}


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("columns", [80, 120])
def test_golden_outputs_R_51_3(
    vault: Path, tmp_path: Path, lang: str, columns: int
) -> None:
    """The main commands, as a person reads them: nothing cut (a revealed ID number is
    whole), no Python dicts, headers in the language, fitting the width."""
    home = tmp_path / "v"
    vaults.clone(vault, home)
    env = cli_env(PIPLVAULT_LANG=lang[:2], COLUMNS=str(columns))
    outputs = []
    for name, args in COMMANDS.items():
        where = () if "help" in name else ("--home", str(home))
        result = run_piplvault(*args, *where, env=env)
        assert result.returncode == 0, result.stderr
        text = _normalise(result.stdout, home)
        assert all(len(line) <= columns for line in text.splitlines()), name
        assert "{'" not in text and "…\n" not in text.replace("<hash>…", "")
        outputs.append(f"$ piplvault {' '.join(args)}\n{text}")
    joined = "\n".join(outputs)
    assert "32010219480921163X" in joined  # revealed value shown whole, never cut
    if lang == "zh-CN":
        assert "保险库状态" in joined and "身份证号" in joined and "北京时间" in joined
    else:
        assert "Vault status" in joined and "保险库状态" not in joined
    path = GOLDEN / f"main-commands.{lang}.{columns}.txt"
    if os.environ.get("PIPLVAULT_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(joined, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == joined
