"""A deregistration case's steps in the console, through the CLI's use cases: a creditor
kept until settled (R-CO-232-1), the closing notices downloaded and their delivery
recorded (R-22-1), the custodian package only after its key fingerprints are shown, and
the shredding behind a confirmation with the counts (R-47-1) — nothing destroyed before."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
import zipfile
from pathlib import Path

from piplvault.crypto.envelope import exchange_pem
from piplvault.settings import load_settings
from piplvault.vault import Vault, custodian, deregistration
from piplvault.vault.session import open_session
from tests.web.conftest import TestClient, login


def _start(served: Vault, tmp_path: Path) -> Vault:
    owner = open_session(served, "owner")
    deregistration.start(
        owner,
        reason="股东会决议解散",
        effective_date=served.clock.now().date() + dt.timedelta(days=120),
        company="示例科技有限公司",
        contact="清算组 010-00000000",
    )
    keeper = Vault.create(load_settings({"home": tmp_path / "custodian"}))
    custodian.set_custodian(
        owner,
        "D-0001",
        name="某档案管理有限公司",
        identifier="91110000600037341L",
        contact="010-12345678",
        kind="agency",
        signing_key=keeper.public_key_pem().encode(),
    )
    return keeper


def test_deregistration_steps_in_the_console(
    client: TestClient, served: Vault, tmp_path: Path
) -> None:
    keeper = _start(served, tmp_path)
    try:
        token = login(client, "cora")
        base = "/console/cases/D-0001"
        page = client.get(base).text
        assert 'id="creditor-form"' in page and 'id="notices-form"' in page
        creditor = client.post(
            f"{base}/creditor", data={"customer": "3", "csrf_token": token}
        )
        assert "已记录客户 3 为债权人" in html.unescape(creditor.text)
        notices = client.post(f"{base}/notices", data={"csrf_token": token})
        assert notices.status_code == 200, notices.text
        with zipfile.ZipFile(io.BytesIO(notices.content)) as archive:
            assert "某档案管理有限公司" in archive.read("letters.html").decode()
        delivered = client.post(
            f"{base}/delivery",
            data={"status": "delivered", "all": "yes", "csrf_token": token},
        )
        assert 'id="case-done"' in delivered.text and 'id="package-form"' in (
            delivered.text
        )
        exchange = exchange_pem(keeper.keyring.exchange_key.public_key()).encode()
        shown = client.post(
            f"{base}/package",
            data={"csrf_token": token},
            files={"exchange_key": ("x.pem", exchange, "application/x-pem-file")},
        )
        assert shown.status_code == 200 and 'id="fingerprints-given"' in shown.text
        assert deregistration.status(served, "D-0001")["state"] == "notices-sent"
        served.settings = dataclasses.replace(
            served.settings, require_second_approver=True
        )
        refused = client.post(
            f"{base}/shred", data={"csrf_token": token, "confirmed": "yes"}
        )
        # shredding is refused before packaging, with its reason; nothing is destroyed
        assert refused.status_code == 422
        assert "next allowed: packaged" in html.unescape(refused.text)
        assert served.show_customer(1)
        sam = TestClient(client.app, base_url="http://testserver")
        sam_token = login(sam, "sam")
        assert (
            sam.post(
                f"{base}/creditor", data={"customer": "4", "csrf_token": sam_token}
            ).status_code
            == 403
        )
    finally:
        keeper.close()
