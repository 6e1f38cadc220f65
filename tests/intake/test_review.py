"""Issue 12.2 — review before storing: --map COLUMN=ENTITY (repeatable) and a saved
mapping file override the classifier; the decisions and overrides are in the audit entry
(R-51 accountability: who decided what a column is)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.intake.helpers import cli, new_vault, write_csv

pytestmark = pytest.mark.usefixtures("empty_template")  # new_vault copies it

ROWS = [
    ["姓名", "其他", "联系方式", "说明事项"],
    ["张伟", "wx_zhangwei", "13812345678", "VIP"],
    ["李娜", "wx_lina", "021-62345678", "普通"],
]


def _audit_entry(home: Path, action: str) -> dict:
    log = cli("audit", "log", "--home", str(home), "--json").json()
    return [e for e in log if e["action"] == action][-1]


def test_map_overrides_decisions_and_the_audit_entry_records_them(
    tmp_path: Path,
) -> None:
    home = new_vault(tmp_path)
    path = write_csv(tmp_path / "review.csv", ROWS)
    dry = cli("import", str(path), "--home", str(home), "--dry-run", "--json").json()
    before = {c["header"]: c["entity"] or c["kind"] for c in dry["columns"]}
    assert before["其他"] == "UNREVIEWED"
    ran = cli(
        "import",
        str(path),
        "--home",
        str(home),
        "--json",
        "--map",
        "其他=WECHAT_ID",
        "--map",
        "联系方式=CN_MOBILE|CN_LANDLINE",
        "--map",
        "说明事项=non_pii",
        "--save-mapping",
        str(tmp_path / "mapping.json"),
    )
    assert ran.code == 0, ran.err
    columns = {c["header"]: c for c in ran.json()["columns"]}
    assert columns["其他"]["entity"] == "WECHAT_ID"
    assert columns["其他"]["decided_by"] == "person"
    assert columns["联系方式"]["mixed"] and columns["联系方式"]["field"] == "phone"
    assert columns["说明事项"]["kind"] == "non_pii"
    entry = _audit_entry(home, "customers-imported")
    overrides = {
        o["column"]: (o["from"], o["to"]) for o in entry["details"]["overrides"]
    }
    assert overrides["其他"] == ("UNREVIEWED", "WECHAT_ID")
    assert overrides["说明事项"][1] == "non_pii"
    assert "wx_zhangwei" not in json.dumps(entry, ensure_ascii=False)
    saved = json.loads((tmp_path / "mapping.json").read_text("utf-8"))
    assert saved["columns"]["其他"] == "WECHAT_ID"


def test_saved_mapping_file_is_reused_and_map_wins(tmp_path: Path) -> None:
    home = new_vault(tmp_path)
    path = write_csv(tmp_path / "review.csv", ROWS)
    mapping = tmp_path / "m.json"
    mapping.write_text(
        json.dumps({"columns": {"其他": "QQ_NUMBER", "说明事项": "free_text"}}),
        encoding="utf-8",
    )
    ran = cli(
        "import",
        str(path),
        "--home",
        str(home),
        "--json",
        "--mapping",
        str(mapping),
        "--map",
        "其他=WECHAT_ID",
    )
    assert ran.code == 0, ran.err
    columns = {c["header"]: c for c in ran.json()["columns"]}
    assert columns["其他"]["entity"] == "WECHAT_ID"
    assert columns["说明事项"]["kind"] == "free_text"


def test_map_errors_name_the_column_or_entity(tmp_path: Path) -> None:
    home = new_vault(tmp_path)
    path = write_csv(tmp_path / "review.csv", ROWS)
    bad_column = cli("import", str(path), "--home", str(home), "--map", "无此列=PERSON")
    assert bad_column.code == 1 and "names no column '无此列'" in bad_column.err
    bad_entity = cli(
        "import", str(path), "--home", str(home), "--map", "其他=SHOE_SIZE"
    )
    assert bad_entity.code == 1 and "Unknown entity 'SHOE_SIZE'" in bad_entity.err
    assert cli("status", "--home", str(home), "--json").json()["customers"] == 0
