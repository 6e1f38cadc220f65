"""The second-approver flow end to end: the real ``piplvault`` command against a real
``piplvault serve``, two administrators with their own passwords (issue 11 item 4)."""

from __future__ import annotations

import json
from pathlib import Path

from tests import rawdb, vaults
from tests.conftest import EXAMPLES, cli_env, run_piplvault

BOB = "bob-口令-second-admin-7"


def test_two_admins_approve_a_bulk_deletion_through_the_server_R_GB35273_7_1(
    tmp_path: Path,
) -> None:
    home = str(tmp_path / "vault")
    assert run_piplvault("init", home).returncode == 0
    vaults.configure(Path(home), "require_second_approver = true\n")
    assert (
        run_piplvault(
            "import", str(EXAMPLES / "customers.csv"), "--home", home
        ).returncode
        == 0
    )
    added = run_piplvault("users", "add", "bob", "--role", "admin", "--password-stdin",
                          "--home", home, input=BOB + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    bob = cli_env(PIPLVAULT_USER="bob", PIPLVAULT_PASSWORD=BOB)
    delete = ("customers", "delete", "1", "2", "3", "--reason", "批量删除申请",
              "--home", home, "--yes")  # fmt: skip

    first = run_piplvault(*delete)
    assert first.returncode == 1
    assert "piplvault approvals approve 1" in first.stderr  # the approver's command
    assert "--approval 1" in first.stderr
    own = run_piplvault("approvals", "approve", "1", "--home", home)
    assert own.returncode == 1 and "different administrator" in own.stderr
    approved = run_piplvault("approvals", "approve", "1", "--home", home, "--json",
                             env=bob)  # fmt: skip
    assert approved.returncode == 0, approved.stderr
    assert json.loads(approved.stdout)["decided_by"] == "bob"

    ran = run_piplvault(*delete, "--approval", "1", "--json")
    assert ran.returncode == 0, ran.stderr
    certificate = json.loads(ran.stdout)["certificate"]
    pem = tmp_path / "vault.pub"
    pem.write_text(run_piplvault("keys", "public", "--home", home).stdout)
    verified = run_piplvault("certificate", "verify", certificate, "--public-key",
                             str(pem), "--json")  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    who = json.loads(verified.stdout)["who"]
    assert (who["performed_by"], who["approved_by"]) == ("owner", "bob")
    assert who["approval"]["requested_by"] == "owner"
    with rawdb.connect(home) as db:
        trail = db.execute(
            "SELECT action, actor, outcome FROM audit_log WHERE action LIKE 'approval-%' "
            "ORDER BY seq"
        ).fetchall()
        left = db.execute("SELECT count(*) FROM customers").fetchone()[0]
    assert trail == [
        ("approval-requested", "owner", "ok"),
        ("approval-refused", "owner", "denied"),
        ("approval-approved", "bob", "ok"),
        ("approval-used", "owner", "ok"),
    ]
    assert left == 197
