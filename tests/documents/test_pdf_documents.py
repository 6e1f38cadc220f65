"""Documents people hand on (issue 14.3): PDF with Chinese glyphs, XLSX tables, the format
the file name asks for, and a typed error when the PDF renderer cannot load.

Requirement ids: R-47-3 (destruction certificate), R-NDS-32-1 (regulator report).
"""

from __future__ import annotations

import builtins
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import vaults
from tests.conftest import EXAMPLES, run_piplvault

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils (pdftoppm, pdffonts, pdftotext) not installed",
)


def pv(*args: str, env: dict[str, str] | None = None) -> Any:
    result = run_piplvault(*args, "--json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("docs") / "v"
    pv("init", str(home))
    pv("import", str(EXAMPLES / "customers.csv"), "--home", str(home))
    return home


def pdf_text(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def ink_ratio(pdf: Path, tmp: Path) -> float:
    """Share of non-white pixels on page 1, rendered at 40 dpi by pdftoppm."""
    from PIL import Image

    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "1",
            "-png",
            str(pdf),
            str(tmp / "p"),
        ],
        check=True,
    )
    (png,) = tmp.glob("p*.png")
    image = Image.open(png).convert("L")
    dark = sum(image.histogram()[:160])
    return dark / (image.width * image.height)


@needs_poppler
def test_certificate_pdf_has_chinese_glyphs_R_47_3(vault: Path, tmp_path: Path) -> None:
    """The certificate PDF embeds a Noto CJK font, its Chinese text extracts, its page
    is not blank, categories and the pseudonym explanation are Chinese, times are 北京时间."""
    home = tmp_path / "v"
    vaults.clone(vault, home)
    run = pv(
        "customers", "delete", "3", "--reason", "删除请求", "--yes", "--home", str(home)
    )
    pdf = tmp_path / "销毁证明.pdf"
    pv("document", "render", run["certificate"], "--out", str(pdf))
    assert pdf.read_bytes()[:5] == b"%PDF-"
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "CJK" in fonts, fonts
    text = pdf_text(pdf)
    for words in ("个人信息销毁证明", "身份信息", "北京时间", "客户假名标识", "为准"):
        assert words in text, words
    assert "identity" not in text and "HMAC-SHA256 under" not in text
    (tmp_path / "png").mkdir()
    assert ink_ratio(pdf, tmp_path / "png") > 0.01


@needs_poppler
def test_regulator_report_writes_the_format_its_name_asks_for_R_NDS_32_1(
    vault: Path, tmp_path: Path
) -> None:
    """`.pdf` gives a PDF (with its JSON original beside it), `.xlsx` a workbook,
    `.json` JSON, and an unknown suffix a clear error before anything is written."""
    home = tmp_path / "v"
    vaults.clone(vault, home)
    s = ("--home", str(home))
    case = pv(
        "transfer", "create", "--recipient", "示例承接科技有限公司", "--contact",
        "010-88886666", "--uscc", "91110000600037341L", "--purposes", "contract",
        "--deal", "merger", *s,
    )  # fmt: skip
    pdf = tmp_path / "处置方案.pdf"
    report = pv("transfer", "regulator-report", case["id"], "--out", str(pdf), *s)
    assert report["rendered"] == str(pdf) and pdf.read_bytes()[:5] == b"%PDF-"
    original = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
    assert original["case"] == case["id"]
    text = pdf_text(pdf)
    assert "数据处置方案" in text and "处置方案.json" in text and "为准" in text
    xlsx = tmp_path / "plan.xlsx"
    pv("transfer", "regulator-report", case["id"], "--out", str(xlsx), *s)
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    cells = [
        c for row in load_workbook(xlsx).active.iter_rows(values_only=True) for c in row
    ]
    assert "案件编号" in cells and case["id"] in cells
    bad = run_piplvault("transfer", "regulator-report", case["id"], "--out", str(tmp_path / "p.docx"), *s)  # fmt: skip
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert ".pdf" in bad.stderr and not (tmp_path / "p.json").exists()


def test_xlsx_cells_cannot_inject_formulas(tmp_path: Path) -> None:
    """A value starting with '=' stays text in the workbook (formula injection)."""
    source = tmp_path / "audit.json"
    rows = [{"seq": 1, "action": '=HYPERLINK("http://x")', "actor": "owner"}]
    source.write_text(json.dumps(rows), encoding="utf-8")
    pv("document", "render", str(source), "--out", str(tmp_path / "a.xlsx"))
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "a.xlsx").worksheets[1]
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x")' in values
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def _run_main(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    from piplvault.cli.app import main

    monkeypatch.setattr(sys, "argv", ["piplvault", *argv])
    with pytest.raises(SystemExit) as exit_:
        main()
    return int(exit_.value.code or 0)


@pytest.mark.parametrize("failure", [ImportError, OSError])
def test_pdf_without_renderer_is_a_typed_error_not_a_traceback(
    failure: type[Exception],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Missing WeasyPrint (ImportError) or missing Pango (OSError): exit 1, one line."""
    source = tmp_path / "plan.json"
    source.write_text(json.dumps({"title": "数据处置方案"}), encoding="utf-8")
    real_import = builtins.__import__

    def refuse(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "weasyprint":
            raise failure("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)
    code = _run_main(
        ["document", "render", str(source), "--out", str(tmp_path / "p.pdf")],
        monkeypatch,
    )
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert err.startswith("错误：无法生成 PDF") and "\nError: PDF output" in err
    assert not (tmp_path / "p.pdf").exists()
