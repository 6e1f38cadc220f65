"""Console login security through the real ASGI app: cookie sessions, logout revocation,
session fixation, CSRF, login rate limiting, security headers (R-NDS-9-1: every actor is
authenticated; R-51-4: role-based access)."""

from __future__ import annotations

import re

from piplvault.vault import Vault
from piplvault.web.sessions import COOKIE
from tests.web.conftest import PASSWORD, TestClient, csrf_of, login


def _audit_actions(vault: Vault) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.outcome) for e in vault.audit_entries()]


def test_pages_need_a_login_and_logout_revokes_the_session(
    client: TestClient, served: Vault
) -> None:
    """R-NDS-9-1: no page without a login; logout forgets the session server-side."""
    for path in ("/console/", "/console/customers", "/console/audit"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/console/login"
    token = login(client, "owner")
    cookie = client.cookies.get(COOKIE)
    assert cookie and client.get("/console/").status_code == 200
    r = client.post(
        "/console/logout", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    client.cookies.set(
        COOKIE, cookie, domain="testserver.local", path="/console"
    )  # replay the old cookie
    r = client.get("/console/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    actions = _audit_actions(served)
    assert ("owner", "console-login", "ok") in actions
    assert ("owner", "console-logout", "ok") in actions


def test_session_cookie_flags(client: TestClient) -> None:
    page = client.get("/console/login")
    r = client.post(
        "/console/login",
        data={"user": "owner", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    header = next(
        v for k, v in r.headers.multi_items() if k == "set-cookie" and COOKIE in v
    )
    assert "HttpOnly" in header and "SameSite=strict" in header
    assert "Secure" not in header  # plain http here; https sets Secure
    https = TestClient(client.app, base_url="https://testserver")
    page = https.get("/console/login")
    r = https.post(
        "/console/login",
        data={"user": "owner", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    header = next(
        v for k, v in r.headers.multi_items() if k == "set-cookie" and COOKIE in v
    )
    assert "Secure" in header


def test_wrong_password_is_refused_and_audited(
    client: TestClient, served: Vault
) -> None:
    page = client.get("/console/login")
    r = client.post(
        "/console/login",
        data={
            "user": "sam",
            "password": "not-it-1234",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    assert client.cookies.get(COOKIE) is None
    assert ("owner", "login-failed", "denied") in _audit_actions(served)


def test_no_session_fixation(client: TestClient) -> None:
    """An id planted before login is never promoted; each login gets a new id and the
    previous session of the browser is dropped."""
    client.cookies.set(
        COOKIE, "attacker-chosen-id", domain="testserver.local", path="/console"
    )
    login(client, "sam")
    first = client.cookies.get(COOKIE)
    assert first and first != "attacker-chosen-id"
    login(client, "owner")
    second = client.cookies.get(COOKIE)
    assert second and second != first
    stale = TestClient(client.app)
    stale.cookies.set(COOKIE, first, domain="testserver.local", path="/console")
    assert stale.get("/console/", follow_redirects=False).status_code == 303
    planted = TestClient(client.app)
    planted.cookies.set(
        COOKIE, "attacker-chosen-id", domain="testserver.local", path="/console"
    )
    assert planted.get("/console/", follow_redirects=False).status_code == 303


def test_csrf_token_is_checked_on_every_post(client: TestClient) -> None:
    token = login(client, "owner")
    search = {"by": "phone", "value": "13800000000"}
    assert client.post("/console/customers/search", data=search).status_code == 403
    bad = {**search, "csrf_token": "x" * 43}
    assert client.post("/console/customers/search", data=bad).status_code == 403
    ok = client.post("/console/customers/search", data={**search, "csrf_token": token})
    assert ok.status_code == 200
    # HTMX sends it as a header
    r = client.post(
        "/console/audit/verify",
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert r.status_code == 200 and "verify-result" in r.text
    r = client.post("/console/audit/verify", headers={"HX-Request": "true"})
    assert r.status_code == 403
    # logout is a POST with the token too: a cross-site form cannot log anyone out
    assert client.post("/console/logout", follow_redirects=False).status_code == 403
    # the login form has its own double-submit token
    fresh = TestClient(client.app)
    r = fresh.post("/console/login", data={"user": "owner", "password": PASSWORD})
    assert r.status_code == 403 and fresh.cookies.get(COOKIE) is None


def test_login_rate_limit_per_user_and_address(
    client: TestClient, served: Vault
) -> None:
    def attempt(user: str, password: str) -> int:
        page = client.get("/console/login")
        return client.post(
            "/console/login",
            data={"user": user, "password": password, "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        ).status_code

    assert [attempt("fay", "wrong-password") for _ in range(5)] == [401] * 5
    page = client.get("/console/login")
    r = client.post(
        "/console/login",
        data={"user": "fay", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert client.cookies.get(COOKIE) is None  # even the right password waits
    assert attempt("ada", PASSWORD) == 303  # another user from the same address
    assert ("owner", "login-throttled", "denied") in _audit_actions(served)


def test_security_headers_on_every_page(client: TestClient) -> None:
    login(client, "owner")
    for path in (
        "/console/login",
        "/console/",
        "/console/customers",
        "/console/customers/1",
        "/console/audit",
        "/console/import",
        "/console/static/htmx.min.js",
    ):
        r = client.get(path)
        assert r.status_code == 200, path
        h = r.headers
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "no-referrer"
        csp = h["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        if not path.startswith("/console/static/"):
            assert h["cache-control"] == "no-store"
            # no inline script or style for the CSP to forbid
            assert not re.search(r"<script(?![^>]*\bsrc=)", r.text)
            assert " style=" not in r.text and "<style" not in r.text
    assert client.get("/health").headers["x-frame-options"] == "DENY"


def test_language_switch_persists_in_a_cookie(client: TestClient) -> None:
    assert "登录" in client.get("/console/login").text
    r = client.get("/console/lang/en?next=/console/login", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    assert "Log in to the vault" in client.get("/console/login").text
    evil = client.get("/console/lang/zh?next=//evil.example/x", follow_redirects=False)
    assert evil.headers["location"] == "/console/"  # no open redirect
    assert "登录" in client.get("/console/login").text


def test_a_disabled_user_is_logged_out_on_the_next_click(
    client: TestClient, served: Vault
) -> None:
    """R-NDS-9-1: disabling a user ends their console session at once."""
    from piplvault.vault import people

    people.add_user(served, "dan", "sales", PASSWORD)
    login(client, "dan")
    assert client.get("/console/customers").status_code == 200
    people.disable_user(served, "dan")
    r = client.get("/console/customers", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"


def test_a_sealed_vault_answers_503(client: TestClient, served: Vault) -> None:
    login(client, "owner")
    served.seal()
    r = client.get("/console/")
    assert r.status_code == 503 and "sealed" in r.text


def test_a_malformed_console_url_is_a_page_and_the_api_keeps_json(
    client: TestClient,
) -> None:
    login(client, "owner")
    r = client.get("/console/customers/not-a-number")
    assert r.status_code == 422 and "请求格式有误" in r.text
    assert r.headers["content-type"].startswith("text/html")
    api = client.get("/api/v1/customers?limit=0")
    assert api.status_code in (401, 422)
    assert api.headers["content-type"].startswith("application/json")
