"""What was CLI-only, now in the console through the CLI's own use cases: the second
approver approving another administrator's destructive request (R-GB35273-7-1; never
their own), naming the deregistration's custodian with its key pinned (R-ACC-T-1), the
inventory of copies outside the vault and their destruction (R-47-1), and the restore
instructions on the backups page. Each is refused (audited) for a role without it, and
a refused form shows its reason."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest

from piplvault.settings import load_settings
from piplvault.vault import Vault, deregistration
from piplvault.vault.counterparty import readable, signing_fingerprint
from piplvault.vault.session import open_session
from tests.web.conftest import TestClient, login


def _text(response_text: str) -> str:
    return html.unescape(response_text)


def _denied(served: Vault, actor: str, since: int) -> list[str]:
    return [
        e.action
        for e in served.audit_entries()
        if e.seq > since and e.actor == actor and e.outcome == "denied"
    ]


def test_a_second_administrator_approves_in_the_console(
    client: TestClient, served: Vault
) -> None:
    served.settings = dataclasses.replace(served.settings, require_second_approver=True)
    token = login(client, "owner")
    form = {"ids": "12", "reason": "request 2026-019", "csrf_token": token}
    asked = client.post("/console/customers/delete", data={**form, "confirmed": "yes"})
    assert asked.status_code == 409 and 'href="/console/approvals"' in asked.text
    approval = int(re.findall(r"approve (\d+)", asked.text)[0])
    listed = client.get("/console/approvals").text
    assert f'id="approval-{approval}"' in listed and "piplvault customers delete" in (
        listed
    )
    # the requester cannot approve their own request: refused with the reason, audited
    own = client.post(
        f"/console/approvals/{approval}/approve", data={"csrf_token": token}
    )
    assert own.status_code == 409
    assert f"approval {approval} was requested by owner" in _text(own.text)
    refused = [e for e in served.audit_entries() if e.action == "approval-refused"]
    assert refused and refused[-1].actor == "owner"
    # a role without any destructive right sees no approvals and decides none
    sam = TestClient(client.app, base_url="http://testserver")
    sam_token = login(sam, "sam")
    head = served.audit_entries()[-1].seq
    assert sam.get("/console/approvals").status_code == 403
    assert (
        sam.post(
            f"/console/approvals/{approval}/approve", data={"csrf_token": sam_token}
        ).status_code
        == 403
    )
    assert len(_denied(served, "sam", head)) == 2
    assert "/console/approvals" not in sam.get("/console/customers").text  # no link
    # a second administrator approves it, with a note
    cora = TestClient(client.app, base_url="http://testserver")
    cora_token = login(cora, "cora")
    ok = cora.post(
        f"/console/approvals/{approval}/approve",
        data={"note": "checked the request", "csrf_token": cora_token},
    )
    assert ok.status_code == 200 and 'id="approval-done"' in ok.text
    assert f"已为 owner 批准 {approval}" in _text(ok.text)
    decided = [e for e in served.audit_entries() if e.action == "approval-approved"]
    assert decided[-1].actor == "cora"
    assert json.loads(decided[-1].details)["note"] == "checked the request"
    done = client.post(
        "/console/customers/delete",
        data={**form, "confirmed": "yes", "approval": str(approval)},
    )
    assert done.status_code == 200 and 'id="deletion-result"' in done.text
    # a rejected request can never be used
    again = client.post(
        "/console/customers/delete",
        data={"ids": "13", "reason": "r", "confirmed": "yes", "csrf_token": token},
    )
    second = int(re.findall(r"approve (\d+)", again.text)[0])
    rejected = cora.post(
        f"/console/approvals/{second}/reject",
        data={"note": "wrong customer", "csrf_token": cora_token},
    )
    assert rejected.status_code == 200 and f"已驳回 {second}" in _text(rejected.text)
    closed = cora.get("/console/approvals?all=yes").text
    assert f'id="approval-{second}"' in closed and "已驳回" in closed
    assert f'id="approve-{second}"' not in closed
    assert served.show_customer(13)  # nothing destroyed


def _start(served: Vault) -> None:
    deregistration.start(
        open_session(served, "owner"),
        reason="股东会决议解散",
        effective_date=served.clock.now().date() + dt.timedelta(days=120),
        company="示例科技有限公司",
        contact="清算组 010-00000000",
    )


def test_custodian_and_outside_copies_in_the_console(
    client: TestClient, served: Vault, tmp_path: Path
) -> None:
    _start(served)
    token = login(client, "cora")
    base = "/console/cases/D-0001"
    page = client.get(base).text
    assert 'id="custodian-form"' in page and 'id="outside-copy-form"' in page
    custodian = {
        "name": "某档案管理有限公司",
        "identifier": "91110000600037341L",
        "contact": "010-12345678",
        "type": "agency",
        "csrf_token": token,
    }
    bad = client.post(
        f"{base}/custodian", data={**custodian, "identifier": "12345"}
    )  # the use case's validation, shown with its reason in Chinese
    assert bad.status_code == 422
    assert "标识须为有效的统一社会信用代码或居民身份证号码" in _text(bad.text)
    keeper = Vault.create(load_settings({"home": tmp_path / "custodian"}))
    try:
        signing = keeper.public_key_pem().encode()
    finally:
        keeper.close()
    named = client.post(
        f"{base}/custodian",
        data=custodian,
        files={"signing_key": ("c.pub", signing, "application/x-pem-file")},
    )
    assert named.status_code == 200
    shown = _text(named.text)
    assert "已指定保管人：某档案管理有限公司" in shown
    assert readable(signing_fingerprint(signing)) in shown  # to confirm by telephone
    status = deregistration.status(served, "D-0001")
    assert status["custodian"]["name"] == "某档案管理有限公司" and status["pinned"]

    added = client.post(
        f"{base}/outside-copies",
        data={
            "where": "usb",
            "holder": "销售部",
            "description": "2024年客户表",
            "csrf_token": token,
        },
    )
    assert added.status_code == 200
    assert "已登记外部副本 1" in _text(added.text)
    assert "2024年客户表" in _text(added.text.split('id="outside-copies"')[1])
    no_method = client.post(
        f"{base}/outside-copies/1/destroyed", data={"csrf_token": token}
    )
    assert no_method.status_code == 422
    destroyed = client.post(
        f"{base}/outside-copies/1/destroyed",
        data={"method": "粉碎", "witness": "法务部", "csrf_token": token},
    )
    assert destroyed.status_code == 200
    assert "外部副本 1 已登记为销毁（粉碎）" in _text(destroyed.text)
    copies = deregistration.status(served, "D-0001")["outside_copies"]
    assert copies[0]["destroyed_at"] and copies[0]["destroyed_by"] == "cora"
    actions = [e.action for e in served.audit_entries() if e.actor == "cora"]
    for action in (
        "deregistration-custodian",
        "outside-copy-recorded",
        "outside-copy-destroyed",
    ):
        assert action in actions
    # a transfer case has neither; a role without 'deregister' is refused, audited
    assert (
        client.post("/console/cases/T-0001/custodian", data=custodian).status_code
        == 404
    )
    sam = TestClient(client.app, base_url="http://testserver")
    sam_token = login(sam, "sam")
    head = served.audit_entries()[-1].seq
    for path, data in (
        (f"{base}/custodian", {**custodian, "name": "别人"}),
        (
            f"{base}/outside-copies",
            {"where": "paper", "holder": "前台", "description": "登记簿"},
        ),
        (f"{base}/outside-copies/1/destroyed", {"method": "粉碎"}),
    ):
        r = sam.post(path, data={**data, "csrf_token": sam_token})
        assert r.status_code == 403, (path, r.status_code)
    assert len(_denied(served, "sam", head)) == 3
    assert deregistration.status(served, "D-0001")["custodian"]["name"] == (
        "某档案管理有限公司"
    )


def test_backups_page_explains_the_restore_command(client: TestClient) -> None:
    token = login(client, "owner")
    made = client.post("/console/backups/create", data={"csrf_token": token})
    assert made.status_code == 200
    page = _text(made.text)
    command = page.split('id="restore-command">')[1].split("</code>")[0]
    assert command.startswith("piplvault backup restore ")
    assert ".pvbak --into " in command and "-restored-" in command
    assert "停止服务器" in page  # zh first …
    client.cookies.set("pv_lang", "en")
    assert "Stop the server" in client.get("/console/backups").text  # … and English


def test_entity_names_follow_the_page_language(client: TestClient) -> None:
    """Entities by the catalogue's label: zh the Chinese one, en ``label_en``."""
    from piplvault.core.classification import ENTITIES

    login(client, "owner")
    zh = _text(client.get("/console/customers/1").text)
    assert ">手机号<" in zh and ENTITIES["CN_MOBILE"].label_en not in zh
    client.cookies.set("pv_lang", "en")
    en = _text(client.get("/console/customers/1").text)
    assert f">{ENTITIES['CN_MOBILE'].label_en}<" in en
    assert f">{ENTITIES['CN_RESIDENT_ID'].label_en}<" in en and ">手机号<" not in en


def test_a_search_reads_at_most_its_limit(
    client: TestClient, served: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A common name matches hundreds of customers in a large vault: the console reads
    and shows the first SEARCH_LIMIT, counts the rest, and audits only what it read."""
    from piplvault.web import routes_customers

    token = login(client, "owner")
    mobile = served.show_customer(4, reveal=True, purpose="contract").fields["mobile"]
    monkeypatch.setattr(routes_customers, "SEARCH_LIMIT", 0)
    page = client.post(
        "/console/customers/search",
        data={"by": "phone", "value": mobile.value, "csrf_token": token},
    )
    assert page.status_code == 200 and 'id="more-matches"' in page.text
    assert "另有 1 条匹配未显示" in _text(page.text)
    assert 'href="/console/customers/4"' not in page.text
    searched = [e for e in served.audit_entries() if e.action == "customers-searched"]
    assert json.loads(searched[-1].details)["matches"] == []
