"""Every console route × every built-in role (R-51-4: reasonable operating permissions),
and masked values never revealed without a declared purpose (R-51-3, R-6-1); a withdrawn
consent refuses the reveal with its reason (R-15-1)."""

from __future__ import annotations

import html

import pytest

from piplvault.audit import log as audit
from piplvault.audit.chain import AuditEntry
from piplvault.vault import Vault
from tests.web.conftest import PASSWORD, ROLES, TestClient, login

ALL = set(ROLES)
READERS = {"owner", "cora", "sam", "ada", "fay"}  # read-masked / reveal / update
AUDIT = {"owner", "cora", "otto"}  # audit-read
IMPORT = {"owner", "cora", "sam"}  # import
CONSENTS = {"owner", "cora"}  # manage-consents
CASES = {"owner", "cora", "otto"}  # report / transfer / deregister
USERS = {"owner", "cora"}  # manage-users
REPORT = {"owner", "cora", "otto"}  # report
ADMINS = {"owner", "cora"}  # delete / retention-apply / backup

CSV = "姓名,手机号\n张三,13800138000\n".encode("gb18030")

#: (method, path, form data, who may) — a refused request answers 403 and is audited.
ROUTES: list[tuple[str, str, dict[str, str], set[str]]] = [
    ("GET", "/console/", {}, ALL),
    ("GET", "/console/dashboard/figures", {}, REPORT),
    ("GET", "/console/customers", {}, READERS),
    ("GET", "/console/customers?page=2", {}, READERS),
    ("POST", "/console/customers/search", {"by": "id_number", "value": "x"}, READERS),
    ("GET", "/console/customers/1", {}, READERS),
    (
        "POST",
        "/console/customers/1/reveal",
        {"field": "mobile", "purpose": "contract"},
        READERS,
    ),
    (
        "POST",
        "/console/customers/2/update",
        {"field": "mobile", "value": "13900001111", "purpose": "contract"},
        READERS,
    ),
    (
        "POST",
        "/console/customers/3/consents/withdraw",
        {"purpose": "marketing"},
        CONSENTS,
    ),
    (
        "POST",
        "/console/customers/6/consents/grant",
        {"purpose": "marketing", "notice_version": "2026-11"},
        CONSENTS,
    ),
    ("GET", "/console/flagged", {}, READERS),
    ("GET", "/console/audit", {}, AUDIT),
    ("GET", "/console/audit?outcome=denied", {}, AUDIT),
    ("POST", "/console/audit/verify", {}, AUDIT),
    ("GET", "/console/retention", {}, REPORT),
    ("GET", "/console/cases", {}, CASES),
    ("GET", "/console/cases/T-0001", {}, CASES),
    ("GET", "/console/users", {}, USERS),
    ("POST", "/console/users/disable", {"user": "nobody"}, USERS),
    ("GET", "/console/import", {}, IMPORT),
    ("POST", "/console/import/upload", {}, IMPORT),
    (
        "POST",
        "/console/users/add",
        {"user": "newcomer", "role": "sales", "password": PASSWORD},
        USERS,
    ),
    ("POST", "/console/users/token", {"user": "nobody", "days": "30"}, USERS),
    ("POST", "/console/users/token/revoke", {"token_id": "nope"}, USERS),
    (
        "POST",
        "/console/users/training",
        {"user": "nobody", "course": "pipl", "score": "90"},
        USERS,
    ),
    ("POST", "/console/customers/delete", {"ids": "9", "reason": "r"}, ADMINS),
    ("POST", "/console/retention/apply", {}, ADMINS),
    ("GET", "/console/certificates", {}, REPORT),
    ("GET", "/console/certificates/R-none", {}, REPORT),
    ("GET", "/console/certificates/R-none/download.json", {}, REPORT),
    ("POST", "/console/certificates/verify", {}, REPORT),
    ("GET", "/console/backups", {}, ADMINS),
    ("POST", "/console/backups/create", {}, ADMINS),
    ("POST", "/console/backups/verify", {"backup_id": "nope"}, ADMINS),
    ("GET", "/console/approvals", {}, ADMINS),
    ("POST", "/console/approvals/999/approve", {"note": "n"}, ADMINS),
    ("POST", "/console/approvals/999/reject", {"note": "n"}, ADMINS),
    (
        "POST",
        "/console/cases/D-0099/custodian",
        {
            "name": "某档案管理有限公司",
            "identifier": "91110000600037341L",
            "contact": "010-12345678",
            "type": "agency",
        },
        ADMINS,
    ),
    (
        "POST",
        "/console/cases/D-0099/outside-copies",
        {"where": "usb", "holder": "销售部", "description": "客户表"},
        ADMINS,
    ),
    (
        "POST",
        "/console/cases/D-0099/outside-copies/1/destroyed",
        {"method": "粉碎"},
        ADMINS,
    ),
]
#: What an allowed request answers when not 200/303: an unknown user, token, run or
#: backup is "not found", a second add of the same user "exists", an empty certificate
#: upload is invalid — never a refusal.
ALLOWED_CODES = {
    "/console/users/disable": (404,),
    "/console/users/add": (200, 409),
    "/console/users/token": (404,),
    "/console/users/token/revoke": (404,),
    "/console/users/training": (404,),
    "/console/certificates/R-none": (404,),
    "/console/certificates/R-none/download.json": (404,),
    "/console/certificates/verify": (422,),
    "/console/backups/verify": (404,),
    "/console/approvals/999/approve": (404,),
    "/console/approvals/999/reject": (404,),
    "/console/cases/D-0099/custodian": (404,),
    "/console/cases/D-0099/outside-copies": (404,),
    "/console/cases/D-0099/outside-copies/1/destroyed": (404,),
}
FILE_ROUTES = {
    "/console/import/upload": ("c.csv", CSV, "text/csv"),
    "/console/certificates/verify": ("c.json", b"{}", "application/json"),
}


def _call(
    client: TestClient, method: str, path: str, data: dict[str, str], token: str
) -> int:
    if method == "GET":
        return client.get(path, follow_redirects=False).status_code
    files = {"file": FILE_ROUTES[path]} if path in FILE_ROUTES else None
    return client.post(
        path,
        data={**data, "csrf_token": token},
        files=files,
        follow_redirects=False,
    ).status_code


@pytest.mark.parametrize("user", sorted(ROLES))
def test_every_route_for_every_role(
    client: TestClient, served: Vault, user: str
) -> None:
    token = login(client, user)
    seen = _last_seq(served, 0)
    for method, path, data, allowed in ROUTES:
        code = _call(client, method, path, data, token)
        if user in allowed:
            ok = ALLOWED_CODES.get(path, (200, 303))
            assert code in ok, (user, method, path, code)
        else:
            assert code == 403, (user, method, path, code)
            denied = [
                e
                for e in _entries_after(served, seen)
                if e.actor == user and e.outcome == "denied"
            ]
            assert denied, f"refusal of {method} {path} for {user} not audited"
        seen = _last_seq(served, seen)


def _entries_after(served: Vault, seq: int) -> list[AuditEntry]:
    """The audit log's entries after ``seq``, read from the vault's database (the whole
    log through ``audit_entries()`` after each of 40 routes for 6 roles was most of this
    test's time, and each such read audits itself)."""
    with served.read() as conn:
        return list(audit.entries(conn, since_seq=seq))


def _last_seq(served: Vault, seq: int) -> int:
    """The last entry's seq (``seq`` if none came after it)."""
    return max((e.seq for e in _entries_after(served, seq)), default=seq)


@pytest.mark.parametrize("method,path,data,_allowed", ROUTES)
def test_every_route_needs_a_login(
    client: TestClient,
    method: str,
    path: str,
    data: dict[str, str],
    _allowed: set[str],
) -> None:
    code = _call(client, method, path, data, "no-session")
    assert code == 303


def _plain(served: Vault, customer_id: int) -> dict[str, str]:
    view = served.show_customer(customer_id, reveal=True, purpose="contract")
    return {k: f.value for k, f in view.fields.items() if len(f.value) >= 4}


def test_masked_everywhere_until_revealed_for_a_purpose(
    client: TestClient, served: Vault
) -> None:
    token = login(client, "owner")
    secret = _plain(served, 4)
    assert "mobile" in secret and "id_number" in secret
    pages = [
        client.get("/console/customers").text,
        client.get("/console/customers/4").text,
        client.post(
            "/console/customers/search",
            data={"by": "phone", "value": secret["mobile"], "csrf_token": token},
        ).text,
    ]
    assert ">4<" in pages[2]  # the search found customer 4 …
    for page in pages:
        for key in ("mobile", "id_number", "bank_card", "email"):
            if key in secret:
                assert secret[key] not in page, key  # … and showed it masked
    no_purpose = client.post(
        "/console/customers/4/reveal",
        data={"field": "mobile", "purpose": "", "csrf_token": token},
    )
    assert no_purpose.status_code == 422 and secret["mobile"] not in no_purpose.text
    shown = client.post(
        "/console/customers/4/reveal",
        data={"field": "mobile", "purpose": "contract", "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert shown.status_code == 200 and secret["mobile"] in shown.text
    assert secret["id_number"] not in shown.text  # only the field asked for
    revealed = [e for e in served.audit_entries() if e.action == "pii-revealed"]
    assert revealed[-1].actor == "owner" and revealed[-1].purpose == "contract"


def test_withdrawn_consent_refuses_the_reveal_with_its_reason(
    client: TestClient, served: Vault
) -> None:
    token = login(client, "sam")
    r = client.post(
        "/console/customers/5/reveal",
        data={"field": "mobile", "purpose": "marketing", "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 403
    assert "withdrew consent for purpose 'marketing'" in html.unescape(r.text)
    assert "撤回" in r.text  # the reason in Chinese first
    last = [e for e in served.audit_entries() if e.outcome == "denied"][-1]
    assert (last.actor, last.target, last.purpose) == ("sam", "customer:5", "marketing")


def test_a_transfer_case_as_steps_with_law_and_blockers(client: TestClient) -> None:
    """R-22-1: the case page shows each step, the law it answers to, and what blocks it."""
    login(client, "cora")
    listing = client.get("/console/cases").text
    assert "/console/cases/T-0001" in listing
    page = html.unescape(client.get("/console/cases/T-0001").text)
    assert "示例承接科技有限公司" in page
    assert "立案" in page and "《个人信息保护法》第二十二条" in page
    assert (
        "生成告知书：piplvault transfer notices T-0001" in page
    )  # the draft's blocker
    assert client.get("/console/cases/X-1").status_code == 404


def test_update_keeps_a_history_without_old_values(
    client: TestClient, served: Vault
) -> None:
    """R-8-1: a correction replaces the value; the history says only that it changed."""
    token = login(client, "cora")
    old = _plain(served, 7)["mobile"]
    r = client.post(
        "/console/customers/7/update",
        data={
            "field": "mobile",
            "value": "13912345678",
            "purpose": "contract",
            "csrf_token": token,
        },
    )
    assert r.status_code == 200 and "字段 mobile 已保存为第 2 版" in r.text
    history = r.text.split('id="history"')[1].split("</section>")[0]
    assert "cora" in history and "mobile → v2" in history
    assert old not in r.text and "13912345678" not in r.text  # masked, old and new
    assert _plain(served, 7)["mobile"] == "13912345678"


def test_consent_recorded_then_withdrawn_in_the_console(
    client: TestClient, served: Vault
) -> None:
    """R-15-1: a withdrawal recorded in the web refuses the next reveal at once."""
    token = login(client, "owner")
    r = client.post(
        "/console/customers/8/consents/grant",
        data={"purpose": "marketing", "notice_version": "2026-11", "csrf_token": token},
    )
    assert r.status_code == 200 and "已记录客户对“marketing”目的的同意" in r.text
    assert (
        client.post(
            "/console/customers/8/reveal",
            data={"field": "mobile", "purpose": "marketing", "csrf_token": token},
        ).status_code
        == 200
    )
    r = client.post(
        "/console/customers/8/consents/withdraw",
        data={"purpose": "marketing", "csrf_token": token},
    )
    assert r.status_code == 200
    refused = client.post(
        "/console/customers/8/reveal",
        data={"field": "mobile", "purpose": "marketing", "csrf_token": token},
    )
    assert refused.status_code == 403 and "撤回" in refused.text


def test_disabling_a_user_ends_their_console_session(
    client: TestClient, served: Vault
) -> None:
    """R-51-4: an administrator disables a user; their open session stops at once."""
    from piplvault.vault import people

    people.add_user(served, "tmp", "sales", PASSWORD)
    theirs = TestClient(client.app)
    login(theirs, "tmp")
    assert theirs.get("/console/customers").status_code == 200
    token = login(client, "cora")
    page = client.get("/console/users").text
    assert "tmp" in page and "销售" in page  # users, roles in Chinese
    r = client.post("/console/users/disable", data={"user": "tmp", "csrf_token": token})
    assert r.status_code == 200 and "已停用" in r.text
    assert theirs.get("/console/customers", follow_redirects=False).status_code == 303


def test_retention_plan_page_shows_the_statutory_rules(
    client: TestClient, served: Vault
) -> None:
    """R-19-1: what is due and the rules in force, with the statutory ones marked."""
    login(client, "otto")
    page = client.get("/console/retention").text
    rules = page.split('id="rule-table"')[1].split("</table>")[0]
    from piplvault.vault import retention

    plan = retention.retention_plan(served)
    assert plan["rules"]
    for rule in plan["rules"]:
        assert html.escape(rule["title"]) in rules
    statutory = sum(1 for r in plan["rules"] if r["statutory"])
    assert rules.count("(法定)") == statutory
