"""Golden files for the closing notices and the closing report, with a frozen clock.

R-22-6 (the notice names the custodian), R-CO-232-1 (creditor's declaration deadline),
R-47-1/R-47-2 (what is kept until when, what is destroyed). Regenerate with
``PIPLVAULT_UPDATE_GOLDEN=1 pytest tests/deregistration/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from pathlib import Path

from piplvault.crypto.envelope import exchange_pem
from piplvault.io.tables import open_table
from piplvault.settings import load_settings
from piplvault.testing import FrozenClock
from piplvault.vault import (
    Vault,
    creditors,
    deregistration,
    deregistration_notices,
    deregistration_shred,
    retention,
)
from piplvault.vault import custodian as custodian_module
from tests.conftest import EXAMPLES

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
NOW = "2026-12-02T09:00:00+00:00"


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("PIPLVAULT_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name} differs from golden"


def _normalise(text: str, tmp: Path) -> str:
    text = text.replace(str(tmp), "TMP")
    text = re.sub(
        r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----",
        "PUBLIC-KEY",
        text,
        flags=re.S,
    )
    text = re.sub(r"\b[0-9a-f]{64}\b", "SHA256", text)
    text = re.sub(r"\d{8}T\d{6}Z-[0-9a-f]{6}", "RUN-ID", text)
    return re.sub(r"\b[0-9a-f]{16}\b", "VAULT-ID", text)


def _vault(path: Path, clock: FrozenClock) -> Vault:
    return Vault.create(load_settings({"home": path}), clock=clock)


def test_closing_notices_and_report_golden(tmp_path: Path) -> None:
    clock = FrozenClock(NOW)
    rows = list(csv.reader((EXAMPLES / "customers.csv").open(encoding="utf-8-sig")))[:4]
    source = tmp_path / "three.csv"
    with source.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    company = _vault(tmp_path / "company", clock)
    custodian = _vault(tmp_path / "custodian", clock)
    company.import_table(open_table(source))
    retention.set_facts(company, 1, last_transaction_on=dt.date(2026, 5, 1))
    deregistration.start(
        company,
        reason="股东会决议解散",
        effective_date=dt.date(2027, 3, 31),
        resolution_date=dt.date(2026, 12, 1),
        company="示例科技有限公司",
        contact="清算组 010-00000000",
    )
    creditors.mark_creditor(company, "D-0001", 3)
    custodian_module.set_custodian(
        company,
        "D-0001",
        name="某档案管理有限公司",
        identifier="91110000600037341L",
        contact="010-12345678",
        kind="agency",
        signing_key=custodian.public_key_pem().encode(),
    )
    for lang in ("zh", "en"):
        out = tmp_path / f"notices-{lang}"
        deregistration_notices.send_notices(company, "D-0001", out, lang=lang)
        _check(f"closing-letters.{lang}.html", (out / "letters.html").read_text())
        _check(f"closing-sms.{lang}.csv", (out / "sms.csv").read_text("utf-8-sig"))
    deregistration_notices.record_delivery(
        company, "D-0001", None, "delivered", "EMS-1"
    )
    key = exchange_pem(custodian.keyring.exchange_key.public_key()).encode()
    custodian_module.package(company, "D-0001", key, tmp_path / "p.pvpkg")
    creditors.mark_creditor(company, "D-0001", 3, settled=True)
    clock.moment = dt.datetime(2027, 3, 31, 9, tzinfo=dt.UTC)  # the effective date
    result = deregistration_shred.shred(company, "D-0001", out_dir=tmp_path / "proof")
    for lang in ("zh-CN", "en"):
        text = Path(result["report"][lang]).read_text(encoding="utf-8")
        _check(f"closing-report.{lang}.html", _normalise(text, tmp_path))
