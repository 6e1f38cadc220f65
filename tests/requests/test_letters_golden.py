"""Golden files for the rights-request reply letter (zh-CN), with a frozen clock.

R-45-1 (the copy and its letter), R-47-2/R-47-3 (a restricted deletion names the statute and
the date), R-50-1 (a refusal gives the ground and reasons, and the right to complain and to
sue). Regenerate with ``PIPLVAULT_UPDATE_GOLDEN=1 pytest tests/requests/test_letters_golden.py``
and review the diff.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from piplvault.io.tables import open_table
from piplvault.settings import load_settings
from piplvault.testing import FrozenClock
from piplvault.vault import Vault, requests, requests_fulfil, retention
from tests.conftest import EXAMPLES

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
NOW = "2026-12-02T09:00:00+00:00"


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("PIPLVAULT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name} differs from golden"


def _normalise(text: str) -> str:
    return re.sub(r"\d{8}T\d{6}Z-[0-9a-f]{6}", "RUN-ID", text)


def _letter(reply: dict[str, object]) -> str:
    files = reply["files"]
    assert isinstance(files, dict)
    return _normalise(Path(files["letter_html"]).read_text(encoding="utf-8"))


def test_reply_letters_golden(tmp_path: Path) -> None:
    """R-45-1, R-47-3, R-50-1: the three kinds of reply, byte for byte."""
    vault = Vault.create(
        load_settings({"home": tmp_path / "v"}), clock=FrozenClock(NOW)
    )
    try:
        rows = (EXAMPLES / "customers.csv").read_text(encoding="utf-8-sig").splitlines()
        (tmp_path / "c.csv").write_text("\n".join(rows[:4]) + "\n", encoding="utf-8")
        vault.import_table(open_table(tmp_path / "c.csv"))
        retention.set_facts(
            vault,
            2,
            relationship_ended_on=dt.date(2025, 1, 31),
            last_transaction_on=dt.date(2024, 5, 1),
        )
        out = tmp_path / "out"

        def opened(cid: int, kind: str, **extra: object) -> int:
            new = requests.NewRequest(
                customer_id=cid,
                kind=kind,
                channel="phone",
                **extra,  # type: ignore[arg-type]
            )
            return int(requests.open_request(vault, new)["id"])

        access = opened(1, "access", identity_method="sms-code")
        done = requests_fulfil.fulfil(vault, access, out_dir=out)
        _check("rights-reply-access.zh.html", _letter(done["reply"]))

        deletion = opened(2, "deletion", identity_method="in-person")
        done = requests_fulfil.fulfil(vault, deletion, out_dir=out)
        _check("rights-reply-deletion-restricted.zh.html", _letter(done["reply"]))

        refused = opened(3, "portability")
        done = requests.refuse_request(
            vault,
            refused,
            ground="identity-unverified",
            explanation="您未能提供预留手机号收到的验证码。",
            out_dir=out,
        )
        _check("rights-reply-refused.zh.html", _letter(done["reply"]))
    finally:
        vault.close()
