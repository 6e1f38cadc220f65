"""Administration in the console: users with a password typed or generated once, API
tokens shown once and revoked, training records (R-51-4); deletion behind a confirmation
that shows the masked names and the count, with its signed certificate to view, download
and verify (R-47-3); the second-approver setting respected; backups created, listed and
verified (R-51-2)."""

from __future__ import annotations

import dataclasses
import html
import json
import re

from piplvault.documents import certificate
from piplvault.errors import AuthenticationError
from piplvault.vault import Vault, approvals, backups, people
from piplvault.vault.session import authenticate, open_session
from tests.web.conftest import PASSWORD, TestClient, login


def _text(response_text: str) -> str:
    return html.unescape(response_text)


def test_add_a_user_with_a_typed_or_a_one_time_password(
    client: TestClient, served: Vault
) -> None:
    token = login(client, "owner")
    typed = client.post(
        "/console/users/add",
        data={"user": "wu", "role": "sales", "password": PASSWORD, "csrf_token": token},
    )
    assert typed.status_code == 200 and 'id="user-added"' in typed.text
    assert 'id="one-time-password"' not in typed.text
    assert typed.headers["cache-control"] == "no-store"
    once = client.post(
        "/console/users/add",
        data={"user": "zhao", "role": "auditor", "password": "", "csrf_token": token},
    )
    found = re.search(r'id="one-time-password">([^<]+)<', once.text)
    assert found, once.text
    generated = html.unescape(found.group(1))
    authenticate(served, "zhao", password=generated)  # the shown password works …
    assert generated not in client.get("/console/users").text  # … and is shown once
    added = [e for e in served.audit_entries() if e.action == "user-added"]
    assert [e.target for e in added[-2:]] == ["user:wu", "user:zhao"]
    assert all(generated not in json.dumps(e.details) for e in added)
    again = client.post(
        "/console/users/add",
        data={"user": "wu", "role": "sales", "password": PASSWORD, "csrf_token": token},
    )
    assert again.status_code == 409


def test_a_token_is_shown_once_and_revoked(client: TestClient, served: Vault) -> None:
    token = login(client, "cora")
    issued = client.post(
        "/console/users/token",
        data={"user": "fay", "days": "30", "csrf_token": token},
    )
    found = re.search(r'id="new-token">(pvt_[^<]+)<', issued.text)
    assert found, issued.text
    secret = found.group(1)
    token_id = secret.split("_")[1]
    authenticate(served, "fay", token=secret)
    listing = client.get("/console/users").text
    assert token_id in listing and secret not in listing
    revoked = client.post(
        "/console/users/token/revoke",
        data={"token_id": token_id, "csrf_token": token},
    )
    assert revoked.status_code == 200
    try:
        authenticate(served, "fay", token=secret)
    except AuthenticationError:
        pass
    else:
        raise AssertionError("a revoked token still authenticates")
    actions = [e.action for e in served.audit_entries() if e.actor == "cora"]
    assert "token-issued" in actions and "token-revoked" in actions


def test_record_a_training(client: TestClient, served: Vault) -> None:
    token = login(client, "owner")
    r = client.post(
        "/console/users/training",
        data={
            "user": "otto",
            "course": "pipl-refresher",
            "score": "55",
            "valid_days": "365",
            "csrf_token": token,
        },
    )
    assert r.status_code == 200 and 'id="training-recorded"' in r.text
    assert "低于及格线" in r.text  # below the pass mark: said, in Chinese first
    rows = people.list_training(open_session(served, "owner"), "otto")
    assert any(x["course"] == "pipl-refresher" and not x["passed"] for x in rows)
    bad = client.post(
        "/console/users/training",
        data={"user": "otto", "course": "", "score": "90", "csrf_token": token},
    )
    assert bad.status_code == 422


def _masked_name(served: Vault, customer_id: int) -> tuple[str, str]:
    masked = served.show_customer(customer_id).display_name()
    plain = served.show_customer(customer_id, reveal=True, purpose="contract")
    return masked, plain.display_name()


def test_delete_after_a_confirmation_with_the_masked_name_and_count(
    client: TestClient, served: Vault
) -> None:
    token = login(client, "owner")
    masked, plain = _masked_name(served, 11)
    assert masked and masked != plain
    preview = client.post(
        "/console/customers/delete",
        data={"ids": "11", "reason": "deletion request 2026-007", "csrf_token": token},
    )
    page = _text(preview.text)
    assert preview.status_code == 200 and masked in page and plain not in page
    assert "1 位客户将被销毁" in page  # the count, Chinese first
    assert served.show_customer(11)  # nothing destroyed by the preview
    done = client.post(
        "/console/customers/delete",
        data={
            "ids": "11",
            "reason": "deletion request 2026-007",
            "confirmed": "yes",
            "csrf_token": token,
        },
    )
    assert done.status_code == 200, done.text
    run = re.search(r"/console/certificates/([^/\"]+)\"", done.text)
    assert run
    run_id = run.group(1)
    assert run_id in client.get("/console/certificates").text
    view = client.get(f"/console/certificates/{run_id}")
    assert view.status_code == 200 and "deletion request 2026-007" in view.text
    signed = client.get(f"/console/certificates/{run_id}/download.json")
    assert signed.headers["content-disposition"].startswith("attachment")
    key = served.keyring.signing_key.public_key()
    assert certificate.verify_certificate(signed.content, key)["certificate_id"]
    pdf = client.get(f"/console/certificates/{run_id}/download.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # the uploaded certificate verifies; one changed byte does not
    ok = client.post(
        "/console/certificates/verify",
        data={"csrf_token": token},
        files={"file": ("c.json", signed.content, "application/json")},
    )
    assert ok.status_code == 200 and 'id="certificate-valid"' in ok.text
    edited = signed.content.replace(b"2026-007", b"2026-008")
    bad = client.post(
        "/console/certificates/verify",
        data={"csrf_token": token},
        files={"file": ("c.json", edited, "application/json")},
    )
    assert bad.status_code == 422 and 'id="certificate-invalid"' in bad.text
    assert client.get("/console/certificates/R-nope").status_code == 404


def test_deletion_respects_the_second_approver_setting(
    client: TestClient, served: Vault
) -> None:
    served.settings = dataclasses.replace(served.settings, require_second_approver=True)
    token = login(client, "owner")
    form = {"ids": "12", "reason": "request 2026-009", "csrf_token": token}
    preview = client.post("/console/customers/delete", data=form)
    assert 'id="needs-approval"' in preview.text
    asked = client.post("/console/customers/delete", data={**form, "confirmed": "yes"})
    assert asked.status_code == 409 and 'id="approval-requested"' in asked.text
    assert served.show_customer(12)  # nothing destroyed
    approval_id = int(re.findall(r"approve (\d+)", asked.text)[0])
    approvals.approve(open_session(served, "cora"), approval_id)
    done = client.post(
        "/console/customers/delete",
        data={**form, "confirmed": "yes", "approval": str(approval_id)},
    )
    assert done.status_code == 200 and 'id="deletion-result"' in done.text
    used = [e for e in served.audit_entries() if e.action == "approval-used"]
    assert used and used[-1].target == f"approval:{approval_id}"


def test_retention_apply_confirms_first(client: TestClient, served: Vault) -> None:
    token = login(client, "cora")
    preview = client.post("/console/retention/apply", data={"csrf_token": token})
    assert preview.status_code == 200 and 'id="deletion-preview"' in preview.text
    assert not [e for e in served.audit_entries() if e.action == "retention-applied"]


def test_backups_create_list_verify(client: TestClient, served: Vault) -> None:
    token = login(client, "owner")
    made = client.post("/console/backups/create", data={"csrf_token": token})
    assert made.status_code == 200 and 'id="backup-created"' in made.text
    listed = client.get("/console/backups").text
    backup_id = re.findall(r'name="backup_id" value="([^"]+)"', listed)[0]
    ok = client.post(
        "/console/backups/verify", data={"backup_id": backup_id, "csrf_token": token}
    )
    assert ok.status_code == 200 and 'id="backup-valid"' in ok.text
    path = next(
        b["path"]
        for b in backups.list_backups(open_session(served, "owner"))
        if b["backup_id"] == backup_id
    )
    with open(path, "r+b") as f:  # one flipped byte in the body
        f.seek(200)
        byte = f.read(1)
        f.seek(200)
        f.write(bytes([byte[0] ^ 1]))
    bad = client.post(
        "/console/backups/verify", data={"backup_id": backup_id, "csrf_token": token}
    )
    assert bad.status_code == 422 and 'id="backup-invalid"' in bad.text
    missing = client.post(
        "/console/backups/verify", data={"backup_id": "nope", "csrf_token": token}
    )
    assert missing.status_code == 404


def test_every_console_post_checks_csrf(client: TestClient, served: Vault) -> None:
    """Every POST route of every console router (found from the web package, so a new
    one cannot be forgotten) refuses a request without the session's CSRF token."""
    import importlib
    import pkgutil

    import piplvault.web

    login(client, "owner")
    samples = {
        "case_id": "T-0001",
        "customer_id": "1",
        "upload_id": "u",
        "run_id": "r",
        "approval_id": "1",
        "item": "1",
    }
    posts = sorted(
        route.path
        for info in pkgutil.iter_modules(piplvault.web.__path__)
        if info.name.startswith("routes_")
        for route in importlib.import_module(f"piplvault.web.{info.name}").router.routes
        if "POST" in getattr(route, "methods", ()) and route.path != "/console/login"
    )
    assert len(posts) >= 30, posts
    before = len(served.audit_entries())
    for path in posts:
        url = path.format(**samples)
        r = client.post(url, data={"user": "x", "ids": "1", "reason": "r"})
        assert r.status_code == 403, (url, r.status_code)
        assert "CSRF" in r.text, url
    performed = [
        e
        for e in served.audit_entries()[before:]
        if e.outcome == "ok" and e.action not in ("audit-log-read",)
    ]
    assert not performed, [e.action for e in performed]
