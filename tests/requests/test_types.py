"""One test per rights-request type, through the CLI run in-process as the server runs it
(tests/inprocess.py). Requirement ids name the PIPL article each type implements."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from tests.transfer.small import cli, fails, vault


@pytest.fixture
def home(tmp_path: Path) -> tuple[str, str]:
    return vault(tmp_path / "v", customers=True)


def _open(h: tuple[str, str], cid: int, kind: str, *extra: str) -> int:
    opened = cli(
        "requests", "open", str(cid), "--type", kind, "--channel", "phone",
        "--identity", "sms-code", *extra, *h,
    )  # fmt: skip
    assert opened["state"] == "verified"
    return int(opened["id"])


def test_access_writes_copy_csv_and_letter_outside_the_vault(
    home: tuple[str, str], tmp_path: Path
) -> None:
    """R-45-1: an access request produces a copy of all PI plus purposes, bases,
    recipients and retention, with a zh-CN letter, written where the operator asks."""
    rid = _open(home, 1, "access")
    done = cli("requests", "fulfil", str(rid), "--out", tmp_path / "out", *home)
    assert done["state"] == "fulfilled"
    files = done["reply"]["files"]
    copy = json.loads(Path(files["json"]).read_text(encoding="utf-8"))
    values = {f["field"]: f["value"] for f in copy["fields"]}
    assert values["mobile"] == "13411641045"
    assert values["name"] == "张健"
    assert [p["key"] for p in copy["purposes"]] == ["contract"]
    assert copy["purposes"][0]["basis"] == "contract"
    assert "outcome" in copy["retention"] and "rules" in copy["retention"]
    assert copy["recipients"] == []
    rows = list(csv.reader(Path(files["csv"]).open(encoding="utf-8-sig")))
    assert ["mobile", "13411641045"] == [
        rows[i][0] for i in range(1, len(rows)) if rows[i][0] == "mobile"
    ] + [r[3] for r in rows if r[0] == "mobile"]
    letter = Path(files["letter_html"]).read_text(encoding="utf-8")
    assert "尊敬的张健" in letter and "第六十五条" in letter
    assert Path(files["letter_pdf"]).read_bytes()[:4] == b"%PDF"
    # the copy is never written into the vault directory
    message = fails("requests", "fulfil", str(rid), "--out", Path(home[1]) / "x", *home)
    assert "vault directory" in message


def test_portability_to_a_named_processor(
    home: tuple[str, str], tmp_path: Path
) -> None:
    """R-45-2: portability exports JSON and CSV to the handler the person names; the four
    conditions are checked and recorded."""
    rid = _open(home, 2, "portability", "--processor", "示例承接科技有限公司")
    done = cli("requests", "fulfil", str(rid), "--out", tmp_path / "out", *home)
    copy = json.loads(Path(done["reply"]["files"]["json"]).read_text(encoding="utf-8"))
    assert copy["portability"]["to"] == "processor"
    assert copy["portability"]["processor"] == "示例承接科技有限公司"
    assert copy["portability"]["conditions"]["bases"] == ["contract"]
    assert copy["portability"]["conditions"]["identity_verified"] == "sms-code"


def test_correction_writes_an_audited_version(
    home: tuple[str, str], tmp_path: Path
) -> None:
    """R-46-1: a correction replaces the value as a new version; the audit entry records
    the change without the old or new value."""
    rid = _open(home, 1, "correction")
    done = cli(
        "requests", "fulfil", str(rid), "--out", tmp_path / "out",
        "--field", "email", "--value", "fixed@example.com", *home,
    )  # fmt: skip
    assert done["state"] == "fulfilled"
    shown = cli(
        "customers", "show", "1", "--reveal", "--purpose", "contract",
        "--field", "email", *home,
    )  # fmt: skip
    assert shown["fields"]["email"]["value"] == "fixed@example.com"
    assert shown["fields"]["email"]["version"] == 2
    log = json.dumps(cli("audit", "log", *home), ensure_ascii=False)
    assert "customer-field-updated" in log and "rights-request-fulfilled" in log
    assert "fixed@example.com" not in log and "a1@example.org" not in log


def test_deletion_shreds_and_the_reply_says_so(
    home: tuple[str, str], tmp_path: Path
) -> None:
    """R-47-3: a deletion request goes through the lifecycle rules; the outcome (shredded,
    or restricted naming the statute) is sent to the requester."""
    rid = _open(home, 3, "deletion")
    done = cli("requests", "fulfil", str(rid), "--out", tmp_path / "out", *home)
    shown = cli("requests", "show", str(rid), *home)
    assert shown["outcome"]["result"] in ("shredded", "restricted")
    letter = Path(done["reply"]["files"]["letter_html"]).read_text(encoding="utf-8")
    assert "尊敬的李娜" in letter
    if shown["outcome"]["result"] == "shredded":
        assert "已删除我们持有的您的全部个人信息" in letter
        assert "No customer with id 3" in fails("customers", "show", "3", *home)
    else:
        assert shown["outcome"]["statutes"]
        assert shown["outcome"]["statutes"][0]["source"] in letter


def test_deletion_of_a_restricted_record_names_the_statute(
    home: tuple[str, str], tmp_path: Path
) -> None:
    """R-47-2, R-47-3: fields under a statutory period are restricted, not shredded, and
    the reply names the law and the destroy-after date."""
    cli(
        "retention", "set", "1", "--relationship-ended", "2025-01-31",
        "--last-transaction", "2024-05-01", *home,
    )  # fmt: skip
    rid = _open(home, 1, "deletion")
    done = cli("requests", "fulfil", str(rid), "--out", tmp_path / "out", *home)
    outcome = cli("requests", "show", str(rid), *home)["outcome"]
    assert outcome["result"] == "restricted", outcome
    letter = Path(done["reply"]["files"]["letter_html"]).read_text(encoding="utf-8")
    assert outcome["statutes"][0]["source"] in letter
    assert outcome["until"] == "2055-01-01" and "保存至2055年1月1日" in letter


def test_withdrawal_takes_effect_on_the_next_read(
    home: tuple[str, str], tmp_path: Path
) -> None:
    """R-15-1: a withdrawal request withdraws the consent; the next read for that purpose
    is refused."""
    cli(
        "consents", "grant", "1", "--purpose", "marketing", "--separate", "sensitive",
        *home,
    )  # fmt: skip
    cli("customers", "show", "1", "--purpose", "marketing", *home)
    rid = _open(home, 1, "withdrawal", "--purpose", "marketing")
    done = cli("requests", "fulfil", str(rid), "--out", tmp_path / "out", *home)
    assert done["state"] == "fulfilled"
    message = fails("customers", "show", "1", "--purpose", "marketing", *home)
    assert "withdrew consent" in message


def test_explanation_letter_comes_from_the_rules(
    home: tuple[str, str], tmp_path: Path
) -> None:
    """R-48-1: the explanation is generated from the customer's own purposes and bases
    and the retention rules."""
    rid = _open(home, 1, "explanation")
    done = cli("requests", "fulfil", str(rid), "--out", tmp_path / "out", *home)
    assert "json" not in done["reply"]["files"]  # no copy of the values
    letter = Path(done["reply"]["files"]["letter_html"]).read_text(encoding="utf-8")
    assert "合同履行" in letter and "订立、履行您作为一方当事人的合同所必需" in letter
    assert "保存期限" in letter and "13411641045" not in letter


def test_automated_decision_objection_is_recorded(
    home: tuple[str, str], tmp_path: Path
) -> None:
    """R-44-1 (PIPL Art. 24 para. 3): refusing automated decisions is recorded and
    answered."""
    rid = _open(home, 2, "automated-decision")
    done = cli(
        "requests", "fulfil", str(rid), "--out", tmp_path / "out",
        "--note", "信用额度改由信贷专员人工审核。", *home,
    )  # fmt: skip
    letter = Path(done["reply"]["files"]["letter_html"]).read_text(encoding="utf-8")
    assert "第二十四条第三款" in letter and "人工审核" in letter
    assert cli("requests", "show", str(rid), *home)["outcome"]["objection_recorded"]


def test_next_of_kin_needs_evidence_and_is_answered_to_the_relative(
    home: tuple[str, str], tmp_path: Path
) -> None:
    """R-49-1: a close relative's request needs death evidence, a Civil Code relationship
    and a stated interest; the reply goes to the relative."""
    base = (
        "requests", "open", "2", "--type", "next-of-kin", "--channel", "counter",
        "--requester-name", "陈明", "--wants", "access", *home,
    )  # fmt: skip
    assert "relationship" in fails(*base, "--relationship", "cousin")
    assert "evidence of death" in fails(*base, "--relationship", "child")
    opened = cli(
        *base, "--relationship", "child", "--death-evidence", "死亡证明 编号 X1",
        "--interest", "处理遗产", "--identity", "in-person",
    )  # fmt: skip
    done = cli("requests", "fulfil", str(opened["id"]), "--out", tmp_path / "o", *home)
    letter = Path(done["reply"]["files"]["letter_html"]).read_text(encoding="utf-8")
    assert "尊敬的陈明" in letter and "涉及已故的陈华" in letter
    shown = cli("requests", "show", str(opened["id"]), *home)
    assert shown["requester"]["relationship"] == "child"
    assert shown["wants"] == "access"


def test_refusal_needs_a_lawful_ground_and_reasons(
    home: tuple[str, str], tmp_path: Path
) -> None:
    """R-50-1: a request cannot be refused without a ground the law allows and reasons;
    the letter states the right to complain and to sue."""
    opened = cli(
        "requests", "open", "1", "--type", "access", "--channel", "email", *home
    )
    rid = str(opened["id"])
    assert "not verified yet" in fails(
        "requests", "fulfil", rid, "--out", tmp_path / "o", *home
    )
    assert "not a refusal ground" in fails(
        "requests", "refuse", rid, "--reason", "too-busy", "--explain", "x", *home
    )
    done = cli(
        "requests", "refuse", rid, "--reason", "identity-unverified",
        "--explain", "两次验证码均未通过。", "--out", tmp_path / "o", *home,
    )  # fmt: skip
    assert (
        done["state"] == "refused" and done["refusal_ground"] == "identity-unverified"
    )
    letter = Path(done["reply"]["files"]["letter_html"]).read_text(encoding="utf-8")
    assert "无法核验请求人的身份" in letter and "两次验证码均未通过" in letter
    assert "投诉" in letter and "提起诉讼" in letter
    assert "cannot become" in fails(
        "requests", "verify", rid, "--identity", "sms-code", *home
    )


def test_start_extend_once_and_overdue(
    home: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-45-1 (clock), R-SYS-3: in progress → extended once by working days; the letter
    gives the reason; an open request past its due date is listed as overdue."""
    from piplvault.core.rights import add_working_days
    from piplvault.vault.workdays import WorkCalendar
    from tests.transfer.small import clock_at

    rid = str(_open(home, 1, "explanation"))
    assert cli("requests", "start", rid, *home)["state"] == "in_progress"
    extended = cli(
        "requests", "extend", rid, "--days", "10", "--reason", "需调取纸质档案核对", *home
    )  # fmt: skip
    due = dt.date.fromisoformat(extended["due_on"])
    expected = add_working_days(due, 10, WorkCalendar().is_workday)
    assert extended["state"] == "extended"
    assert extended["extended_to"] == expected.isoformat()
    assert "extended once" in fails(
        "requests", "extend", rid, "--days", "1", "--reason", "x", *home
    )
    assert cli("requests", "overdue", *home)["requests"] == []
    later = (expected + dt.timedelta(days=1)).isoformat()
    with clock_at(monkeypatch, later):
        overdue = cli("requests", "overdue", *home)["requests"]
    assert [r["id"] for r in overdue] == [int(rid)]
    done = cli("requests", "fulfil", rid, "--out", tmp_path / "o", *home)
    letter = Path(done["reply"]["files"]["letter_html"]).read_text(encoding="utf-8")
    assert "需调取纸质档案核对" in letter
