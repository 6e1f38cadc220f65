"""A transfer case walked in the console, through the same use cases as the CLI: notices
downloaded (R-22-1), delivery and an objection recorded (R-44-1), advanced past the
objection window, the recipient's key fingerprints shown to confirm before the package is
built (R-22-2), the package downloaded, received by a second vault, and completed from
its signed receipt after a confirmation (R-47-1); the disposal plan for the regulator
downloaded (R-NDS-32-1). Every action is refused (audited) for a role without it."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
from pathlib import Path

import pytest

from piplvault.crypto.envelope import exchange_pem
from piplvault.settings import load_settings
from piplvault.vault import Vault, handover_receive
from piplvault.vault.counterparty import readable, signing_fingerprint
from tests.transfer.small import clock_at
from tests.web.conftest import TestClient, login


def _page(r_text: str) -> str:
    return html.unescape(r_text)


def test_walk_a_transfer_case_to_completion(
    client: TestClient,
    served: Vault,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = login(client, "cora")
    base = "/console/cases/T-0001"
    page = _page(client.get(base).text)
    assert 'id="notices-form"' in page and 'id="package-form"' not in page

    notices = client.post(f"{base}/notices", data={"lang": "zh", "csrf_token": token})
    assert notices.status_code == 200, notices.text
    assert notices.headers["cache-control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(notices.content)) as archive:
        letters = archive.read("letters.html").decode("utf-8")
    assert "示例承接科技有限公司" in letters  # the notice names the recipient

    delivered = client.post(
        f"{base}/delivery",
        data={"status": "delivered", "all": "yes", "csrf_token": token},
    )
    assert 'id="case-done"' in delivered.text
    objected = client.post(
        f"{base}/objection", data={"customer": "2", "csrf_token": token}
    )
    assert "客户 2 已提出反对" in _page(objected.text)
    window = client.post(f"{base}/advance", data={"csrf_token": token})
    assert "objection-window" in window.text or "异议期" in _page(window.text)
    early = client.post(f"{base}/advance", data={"csrf_token": token})
    assert early.status_code == 409  # the window is still open: refused with its reason

    report = client.post(f"{base}/regulator-report", data={"csrf_token": token})
    assert report.status_code == 200 and b'"persons_transferred"' in report.content

    later = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    with clock_at(monkeypatch, later):
        ready = client.post(f"{base}/advance", data={"csrf_token": token})
        assert 'id="package-form"' in ready.text, ready.text

        buyer = Vault.create(load_settings({"home": tmp_path / "buyer"}))
        try:
            signing = buyer.public_key_pem().encode()
            exchange = exchange_pem(buyer.keyring.exchange_key.public_key()).encode()
            keys = {
                "exchange_key": ("x.pem", exchange, "application/x-pem-file"),
                "signing_key": ("s.pem", signing, "application/x-pem-file"),
            }
            shown = client.post(
                f"{base}/package", data={"csrf_token": token}, files=keys
            )
            assert shown.status_code == 200
            assert readable(signing_fingerprint(signing)) in shown.text
            assert served.show_customer(1).status != "transferred"
            assert "handed-over" not in client.get(base).text  # nothing built yet
            built = client.post(
                f"{base}/package",
                data={
                    "csrf_token": token,
                    "confirmed": "yes",
                    "exchange_key_text": exchange.decode(),
                    "signing_key_text": signing.decode(),
                },
            )
            assert 'id="case-done"' in built.text, built.text
            package = client.get(f"{base}/package")
            assert package.status_code == 200 and package.content
            pkg = tmp_path / "T-0001.pvpkg"
            pkg.write_bytes(package.content)
            received = handover_receive.receive(
                buyer, pkg, served.public_key_pem().encode()
            )
            receipt = Path(received["receipt"]).read_bytes()
        finally:
            buyer.close()

        confirm = client.post(
            f"{base}/complete",
            data={"csrf_token": token},
            files={"receipt": ("receipt.json", receipt, "application/json")},
        )
        assert confirm.status_code == 200 and 'id="case-confirm"' in confirm.text
        assert "source-destroyed" not in client.get(base).text
        carried = re.search(r'name="receipt_text" value="([^"]*)"', confirm.text)
        assert carried
        done = client.post(
            f"{base}/complete",
            data={
                "csrf_token": token,
                "confirmed": "yes",
                "receipt_text": html.unescape(carried.group(1)),
            },
        )
        assert done.status_code == 200 and 'id="case-done"' in done.text, done.text
    completed = [e for e in served.audit_entries() if e.target == "case:T-0001"]
    assert completed and completed[-1].actor == "cora"


@pytest.mark.parametrize(
    "path",
    [
        "notices",
        "delivery",
        "objection",
        "advance",
        "regulator-report",
        "complete",
        "package",
    ],
)
def test_case_actions_refused_without_the_transfer_right(
    client: TestClient, served: Vault, path: str
) -> None:
    """R-51-4: a sales user may not run a case step; the refusal is audited."""
    token = login(client, "sam")
    before = {e.seq for e in served.audit_entries()}
    files = None
    if path in ("package", "complete"):
        files = {
            "exchange_key" if path == "package" else "receipt": (
                "k",
                b"x",
                "text/plain",
            )
        }
    r = client.post(
        f"/console/cases/T-0001/{path}",
        data={
            "csrf_token": token,
            "status": "delivered",
            "all": "yes",
            "customer": "3",
        },
        files=files,
    )
    assert r.status_code == 403, (path, r.status_code)
    denied = [
        e
        for e in served.audit_entries()
        if e.seq not in before and e.actor == "sam" and e.outcome == "denied"
    ]
    assert denied
