"""Golden files for notices and the package manifest (R-22-1, R-22-2). Rewrite them with
PIPLVAULT_UPDATE_GOLDEN=1 and review the diff like code."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from piplvault.documents import notices
from piplvault.io.tables import open_table
from piplvault.settings import load_settings
from piplvault.testing import FrozenClock
from piplvault.vault import Vault, handover
from tests.conftest import EXAMPLES, PASSPHRASE

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("PIPLVAULT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text


COMMON = {
    "company": "示例商贸有限公司",
    "sms_signature": "示例商贸",
    "company_profile": {
        "name": "示例商贸有限公司",
        "uscc": "91110000600037341L",
        "address": "北京市东城区示例路1号",
        "contact": "400-000-0000",
        "dpo": "privacy@example.com",
    },
    "deal_zh": "合并",
    "deal_en": "the merger",
    "recipient": {
        "name": "示例承接科技有限公司",
        "identifier": "91110000600037341L",
        "contact": "010-88886666",
    },
    "purposes_zh": "合同履行、售后服务",
    "purposes_en": "contract, after-sales",
    "categories_zh": "身份信息、联系方式",
    "categories_en": "identity, contact",
    "objection_days": 30,
    "objection_deadline": "2026-12-23",
    "objection_deadline_zh": "2026年12月23日",
    "objection_channel": "客服电话 400-000-0000",
    "change_zh": "",
    "change_en": "",
    "contact": "010-88886666",
    "date": "2026-11-23",
    "date_zh": "2026年11月23日",
}
PEOPLE = [
    notices.Recipient(
        customer_id=1, name="张健", mobile="13411641045", email="z@example.com"
    ),
    notices.Recipient(
        customer_id=2,
        name="七喜网络有限公司",
        mobile=None,
        email=None,
        context={
            "postal_address": "广东省广州市天河区示例街2号",
            "attention": "管桂英",
        },
    ),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", ["transfer", "transfer-consent", "change"])
def test_notice_golden_every_kind_channel_language(
    kind: str, lang: str, tmp_path: Path
) -> None:
    """Every deal path × channel (letter, SMS, e-mail) × language (issue 13, Proof)."""
    env = notices.environment(tmp_path)
    out = tmp_path / lang
    rendered = notices.render(
        env, kind, lang, PEOPLE, out, common=COMMON, title="个人信息转移告知书"
    )
    assert (rendered.letters, rendered.sms, rendered.emails) == (2, 1, 1)
    _check(
        f"{kind}-letters.{lang}.html",
        (out / "letters.html").read_text(encoding="utf-8"),
    )
    _check(f"{kind}-sms.{lang}.csv", (out / "sms.csv").read_text(encoding="utf-8-sig"))
    _check(
        f"{kind}-emails.{lang}.csv",
        (out / "emails.csv").read_text(encoding="utf-8-sig"),
    )


def test_consent_request_asks_for_agreement_on_every_channel_13_5(
    tmp_path: Path,
) -> None:
    """Silence is not consent: the Art. 23 SMS and e-mail ask for 同意, never "reply N"."""
    rendered = notices.render(
        notices.environment(tmp_path), "transfer-consent", "zh", PEOPLE, tmp_path,
        common=COMMON, title="t",
    )  # fmt: skip
    assert rendered.sms == 1
    for name in ("sms.csv", "emails.csv"):
        text = (tmp_path / name).read_text(encoding="utf-8-sig")
        assert "回复“同意”" in text and "回复N" not in text
        assert COMMON["recipient"]["name"] in text  # type: ignore[index]


def test_override_template_from_vault_home(tmp_path: Path) -> None:
    custom = tmp_path / "templates" / "notices"
    custom.mkdir(parents=True)
    (custom / "transfer-sms.zh-CN.txt").write_text(
        "【{{ company }}】自定义：{{ recipient.name }}", encoding="utf-8"
    )
    rendered = notices.render(
        notices.environment(tmp_path),
        "transfer",
        "zh",
        PEOPLE,
        tmp_path / "o",
        common=COMMON,
        title="t",
    )
    assert rendered.sms == 1
    assert "自定义：示例承接科技有限公司" in (tmp_path / "o" / "sms.csv").read_text(
        encoding="utf-8-sig"
    )


def test_package_manifest_golden(tmp_path: Path) -> None:
    clock = FrozenClock("2026-11-23T08:00:00")
    vault = Vault.create(
        load_settings({"home": tmp_path / "v", "passphrase": PASSPHRASE}), clock=clock
    )
    try:
        vault.import_table(open_table(EXAMPLES / "customers.csv"))
        with vault.read() as conn:
            payload = handover.build_payload(
                vault,
                conn,
                customer_ids=[1, 2, 3],
                field_keys={"name", "mobile", "email"},
                purpose_keys=["contract", "after-sales"],
                party=handover.Party(
                    name="示例承接科技有限公司",
                    identifier="91110000600037341L",
                    contact="010-88886666",
                ),
                case_id="T-0001",
                kind="transfer",
                deal="merger",
                retention_rules="",
            )
    finally:
        vault.close()
    manifest = dict(payload["manifest"])
    assert set(manifest.pop("section_sha256")) == set(handover.SECTIONS) - {"manifest"}
    assert set(payload) == set(handover.SECTIONS)
    _check(
        "package-manifest.json",
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
    )
