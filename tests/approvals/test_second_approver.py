"""Second approver for destructive bulk operations (issue 11 item 4), in-process as the
server runs each command: two admins, self-approval, changed parameters, expiry, reuse, the
approver on the signed certificate, and the setting off."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from piplvault.documents.certificate import load_public_key, verify_certificate
from piplvault.vault import service
from tests import rawdb, vaults
from tests.security.conftest import Ran, cli

BOB_PASSWORD = "bob-口令-second-admin-7"


@pytest.fixture
def two_admins(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The vault with the owner and a second admin, ``bob``; the setting on."""
    added = cli(
        "users", "add", "bob", "--role", "admin", "--password-stdin",
        "--home", str(home), input=BOB_PASSWORD + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    vaults.configure(home, "require_second_approver = true\n")
    yield home


def as_owner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PIPLVAULT_USER", raising=False)
    monkeypatch.delenv("PIPLVAULT_PASSWORD", raising=False)


def as_bob(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPLVAULT_USER", "bob")
    monkeypatch.setenv("PIPLVAULT_PASSWORD", BOB_PASSWORD)


def requested_id(ran: Ran) -> int:
    """The approval id the refused first run printed."""
    assert ran.exit_code == 1, ran.output
    found = re.search(r"approval request (\d+)", ran.stderr)
    assert found, ran.stderr
    return int(found.group(1))


def db(home: Path, sql: str) -> list[tuple[object, ...]]:
    with rawdb.connect(home) as conn:
        return conn.execute(sql).fetchall()


def customers_left(home: Path) -> int:
    return int(db(home, "SELECT count(*) FROM customers")[0][0])


def delete(home: Path, *args: str) -> Ran:
    return cli("customers", "delete", "1", "2", "3", "--reason", "bulk request",
               "--home", str(home), "--json", *args)  # fmt: skip


def approve(home: Path, approval: int) -> Ran:
    return cli("approvals", "approve", str(approval), "--home", str(home), "--json")


def test_first_run_only_records_a_request_and_self_approval_is_refused_R_GB35273_7_1(
    two_admins: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The initiator's run destroys nothing, records an audited pending request; the
    initiator approving it is refused and audited."""
    approval = requested_id(delete(two_admins))
    assert customers_left(two_admins) == 20
    assert "piplvault approvals approve" in delete(two_admins).stderr
    rows = db(two_admins, "SELECT id, status, requested_by, operation FROM approvals")
    assert rows == [
        (approval, "pending", "owner", "customers-delete")
    ]  # asked twice: one
    own = approve(two_admins, approval)
    assert own.exit_code == 1 and "different administrator" in own.stderr
    assert db(two_admins, "SELECT status FROM approvals") == [("pending",)]
    audit = db(two_admins, "SELECT action, actor, outcome, target FROM audit_log")
    assert ("approval-requested", "owner", "ok", f"approval:{approval}") in audit
    assert ("approval-refused", "owner", "denied", f"approval:{approval}") in audit


def test_approved_run_carries_the_approver_on_the_signed_certificate_R_GB35273_7_1(
    two_admins: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    approval = requested_id(delete(two_admins))
    as_bob(monkeypatch)
    approved = approve(two_admins, approval)
    assert approved.exit_code == 0, approved.output
    assert json.loads(approved.stdout)["decided_by"] == "bob"
    # the approver may not also run it
    assert (
        "may not also run it" in delete(two_admins, "--approval", str(approval)).stderr
    )
    as_owner(monkeypatch)
    ran = delete(two_admins, "--approval", str(approval))
    assert ran.exit_code == 0, ran.output
    assert customers_left(two_admins) == 17
    data = Path(json.loads(ran.stdout)["certificate"]).read_bytes()
    pem = tmp_path / "vault.pub"
    pem.write_text(cli("keys", "public", "--home", str(two_admins)).stdout)
    doc = verify_certificate(data, load_public_key(pem))  # the signature covers "who"
    assert doc["who"]["performed_by"] == "owner"
    assert doc["who"]["approved_by"] == "bob"
    assert doc["who"]["approval"]["id"] == approval
    assert doc["who"]["approval"]["requested_by"] == "owner"
    forged = data.replace(b'"approved_by":"bob"', b'"approved_by":"eve"')
    assert forged != data
    with pytest.raises(Exception, match="edited"):
        verify_certificate(forged, load_public_key(pem))
    verified = cli("certificate", "verify", str(Path(json.loads(ran.stdout)["certificate"])),
                   "--public-key", str(pem), "--json")  # fmt: skip
    assert json.loads(verified.stdout)["who"]["approved_by"] == "bob"
    html = json.loads(ran.stdout)["html"]
    zh = Path(html["zh-CN"]).read_text(encoding="utf-8")
    assert "双人审批" in zh and "bob" in zh
    assert "Second approver" in Path(html["en"]).read_text(encoding="utf-8")
    used = db(two_admins, "SELECT status, decided_by, used_run FROM approvals")
    assert used == [("used", "bob", doc["certificate_id"])]
    audit = db(two_admins, "SELECT action, actor FROM audit_log")
    assert ("approval-approved", "bob") in audit and ("approval-used", "owner") in audit


def test_an_approval_is_good_for_one_run_only_R_GB35273_7_1(
    two_admins: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = cli("customers", "delete", "4", "--reason", "r", "--home", str(two_admins))
    approval = requested_id(first)
    as_bob(monkeypatch)
    assert approve(two_admins, approval).exit_code == 0
    as_owner(monkeypatch)
    again = ("customers", "delete", "4", "--reason", "r", "--home", str(two_admins),
             "--approval", str(approval))  # fmt: skip
    assert cli(*again).exit_code == 0
    reused = cli(*again)
    assert reused.exit_code == 1 and "already used" in reused.stderr
    assert ("approval-refused", "denied") in db(
        two_admins, "SELECT action, outcome FROM audit_log"
    )


def test_changed_parameters_invalidate_the_approval_R_GB35273_7_1(
    two_admins: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    approval = requested_id(delete(two_admins))
    as_bob(monkeypatch)
    assert approve(two_admins, approval).exit_code == 0
    as_owner(monkeypatch)
    more = cli("customers", "delete", "1", "2", "3", "5", "--reason", "bulk request",
               "--home", str(two_admins), "--approval", str(approval))  # fmt: skip
    assert more.exit_code == 1 and "other parameters" in more.stderr
    reason = cli("customers", "delete", "1", "2", "3", "--reason", "another reason",
                 "--home", str(two_admins), "--approval", str(approval))  # fmt: skip
    assert reason.exit_code == 1 and "other parameters" in reason.stderr
    other_op = cli("retention", "apply", "--home", str(two_admins),
                   "--approval", str(approval))  # fmt: skip
    assert other_op.exit_code == 1 and "is for 'customers-delete'" in other_op.stderr
    assert customers_left(two_admins) == 20
    assert db(two_admins, "SELECT status FROM approvals") == [("approved",)]


def test_expired_approval_is_refused_R_GB35273_7_1(
    two_admins: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    approval = requested_id(delete(two_admins))
    as_bob(monkeypatch)
    assert approve(two_admins, approval).exit_code == 0
    as_owner(monkeypatch)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)  # default: valid 24 hours
    monkeypatch.setattr(service.SystemClock, "now", lambda self: later)
    ran = delete(two_admins, "--approval", str(approval))
    assert ran.exit_code == 1 and "expired" in ran.stderr
    assert customers_left(two_admins) == 20


def test_ttl_setting_and_rejection_R_GB35273_7_1(
    two_admins: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``approval_ttl_hours`` sets the validity; a rejected request can never be used."""
    vaults.configure(
        two_admins, "require_second_approver = true\napproval_ttl_hours = 2\n"
    )
    approval = requested_id(delete(two_admins))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
    with monkeypatch.context() as m:
        m.setattr(service.SystemClock, "now", lambda self: later)
        as_bob(m)
        late = approve(two_admins, approval)
    assert late.exit_code == 1 and "expired" in late.stderr
    second = requested_id(cli("retention", "apply", "--home", str(two_admins)))
    as_bob(monkeypatch)
    rejected = cli("approvals", "reject", str(second), "--note", "not now",
                   "--home", str(two_admins), "--json")  # fmt: skip
    assert json.loads(rejected.stdout)["status"] == "rejected"
    as_owner(monkeypatch)
    ran = cli(
        "retention", "apply", "--home", str(two_admins), "--approval", str(second)
    )
    assert ran.exit_code == 1 and "rejected, not approved" in ran.stderr
    listed = json.loads(cli("approvals", "list", "--all", "--home", str(two_admins),
                            "--json").stdout)  # fmt: skip
    assert [(r["id"], r["status"]) for r in listed] == [
        (approval, "pending"),
        (second, "rejected"),
    ]


def test_setting_off_runs_as_before_R_47_3(home: Path) -> None:
    """Without ``require_second_approver`` a deletion runs at once, as it always did."""
    ran = cli("customers", "delete", "1", "--reason", "request", "--home", str(home),
              "--json")  # fmt: skip
    assert ran.exit_code == 0, ran.output
    doc = json.loads(Path(json.loads(ran.stdout)["certificate"]).read_text())
    assert doc["who"] == {"performed_by": "owner", "approved_by": "owner"}
    assert db(home, "SELECT count(*) FROM approvals") == [(0,)]
    assert customers_left(home) == 19
