"""``transfer complete`` behind a second approver: the approval binds the case, the receipt
and the customers destroyed; the approver is signed into the transfer-completion
certificate. R-GB35273-7-1, R-22-6 (PIPL Art. 22)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from piplvault.cli.app import app
from tests import vaults
from tests.inprocess import CliRunner, as_served
from tests.transfer.small import Failed, cli
from tests.transfer.test_pinned_keys import handed_over, handed_over_template

__all__ = ["handed_over", "handed_over_template"]

BOB = "bob-口令-second-admin-7"


def test_transfer_complete_needs_and_records_a_second_approver_R_GB35273_7_1(
    handed_over: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = handed_over
    s = ("--home", h["seller"])
    argv = ["users", "add", "bob", "--role", "admin", "--password-stdin", *map(str, s)]
    with as_served(argv):
        added = CliRunner().invoke(app, argv, input=BOB + "\n")
    assert added.exit_code == 0, added.output
    vaults.configure(Path(h["seller"]), "require_second_approver = true\n")
    complete = (
        "transfer",
        "complete",
        "--yes",
        h["case"],
        "--receipt",
        h["receipt"],
        *s,
    )
    with pytest.raises(Failed, match=r"approval request (\d+)") as asked:
        cli(*complete)
    assert "piplvault transfer complete" in asked.value.message
    status = cli("transfer", "status", h["case"], *s)
    assert status["state"] == "handed-over"  # nothing destroyed
    with monkeypatch.context() as m:
        m.setenv("PIPLVAULT_USER", "bob")
        m.setenv("PIPLVAULT_PASSWORD", BOB)
        listed = cli("approvals", "list", *s)
        assert [(r["operation"], r["summary"]["customers"]) for r in listed] == [
            ("transfer-complete", 3)
        ]
        cli("approvals", "approve", str(listed[0]["id"]), *s)
    done = cli(*complete, "--approval", str(listed[0]["id"]))
    assert done["customers_destroyed"] == 3
    doc = json.loads(Path(done["certificate"]).read_text(encoding="utf-8"))
    assert doc["kind"] == "transfer-completion"
    assert doc["who"]["approved_by"] == "bob"
    assert doc["who"]["approval"]["operation"] == "transfer-complete"
    assert cli("transfer", "status", h["case"], *s)["state"] == "source-destroyed"
