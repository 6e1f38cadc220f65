"""The console in a real browser (Debian's Chromium driven by Playwright) against a real
`piplvault serve` on a TCP port: log in, upload a GB18030 CSV, change one column's
decision, import, find a customer, reveal a field for a purpose, see the refusal for a
withdrawn consent, see both in the audit log, verify it, switch language.

R-15-1 (withdrawal refuses at once, also in the web), R-6-1 (declared purpose), R-9-1
(audit log verified), R-51-3 (masked by default). Screenshots go to
``$PIPLVAULT_TEST_ARTEFACTS`` (default /tmp/piplvault-test-artefacts/console).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, cli_env
from tests.security.conftest import write_rows
from tests.servers import start_tcp
from tests.web.conftest import PASSWORD, make_vault

CHROMIUM = shutil.which("chromium")
if CHROMIUM is None:
    pytest.skip(
        "BROWSER TESTS SKIPPED: Debian's chromium is not installed "
        "(apt-get install chromium, or `make system-deps` as root)",
        allow_module_level=True,
    )
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTEFACTS = (
    Path(os.environ.get("PIPLVAULT_TEST_ARTEFACTS", "/tmp/piplvault-test-artefacts"))
    / "console"
)


def _example_rows(numbers: list[int]) -> tuple[str, list[list[str]]]:
    lines = (EXAMPLES / "customers.csv").read_text(encoding="utf-8-sig").splitlines()
    return lines[0], [lines[n].split(",") for n in numbers]


def test_console_walkthrough_in_chromium(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    home = tmp_path / "vault"
    make_vault(home, write_rows(tmp_path / "seed.csv", list(range(1, 21))))
    header, rows = _example_rows(list(range(21, 31)))
    upload = tmp_path / "客户名单-gb18030.csv"
    upload.write_bytes(
        "\r\n".join([header, *(",".join(r) for r in rows)]).encode("gb18030")
    )
    columns = header.split(",")
    phone = rows[0][columns.index("手机号")]
    server = start_tcp(home, cli_env(), tmp_path / "serve.log")
    # Chromium's singleton socket needs a short path (the test's TMPDIR is too deep)
    short_tmp = Path(tempfile.mkdtemp(prefix="pw-", dir="/tmp"))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=ARGS,
                env={**os.environ, "TMPDIR": str(short_tmp)},
            )
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            problems: list[str] = []
            page.on(
                "console",
                lambda m: problems.append(m.text) if m.type == "error" else None,
            )
            shot = lambda name: page.screenshot(  # noqa: E731
                path=str(ARTEFACTS / f"{name}.png"), full_page=True
            )

            # log in (Chinese by default)
            page.goto(f"{server.url}/")
            assert page.url.endswith("/console/login")
            assert "登录个人信息保险库" in page.text_content("h1")  # type: ignore[operator]
            shot("01-login")
            page.fill("#user", "owner")
            page.fill("#password", PASSWORD)
            page.click("#login")
            page.wait_for_url("**/console/")
            assert "总览" in page.text_content("h1")  # type: ignore[operator]

            # upload a GB18030 CSV; change one column's decision before storing anything
            page.click("header nav >> text=导入")
            page.set_input_files("#file", str(upload))
            page.click("#upload")
            page.wait_for_url(re.compile(r"/console/import/[\w-]+$"))
            assert "gb18030" in page.text_content("h1").lower()  # type: ignore[union-attr]
            remark = page.locator('select[data-column="备注"]')
            assert remark.input_value() == "free_text"
            remark.select_option("non_pii")
            page.click("#apply-mapping")
            page.wait_for_load_state()
            row = page.locator("#columns tr", has_text="备注")
            assert page.locator('select[data-column="备注"]').input_value() == "non_pii"
            assert "人工" in row.text_content()  # type: ignore[operator]
            shot("02-import-preview")
            page.click("#run-import")
            page.wait_for_selector("#import-result")
            assert "新增 10" in page.text_content("#import-result")  # type: ignore[operator]
            assert "备注: free_text → non_pii" in page.content()

            # find the first uploaded customer by phone: shown masked
            page.click("header nav >> text=客户")
            page.select_option("#by", "phone")
            page.fill("#value", phone)
            page.click("#search button[type=submit]")
            page.wait_for_selector("text=找到 1 条。")
            table = page.text_content("#customer-table") or ""
            assert phone not in table and phone[:3] + "****" + phone[-4:] in table
            page.click("#customer-table tr:nth-child(2) td a")
            page.wait_for_url(re.compile(r"/console/customers/\d+$"))
            assert phone not in page.content()

            # reveal the mobile for a declared purpose (htmx, CSRF header)
            page.select_option("#reveal-field", "mobile")
            page.select_option("#reveal-purpose", "contract")
            page.click("#reveal")
            page.wait_for_selector("#revealed")
            assert phone in page.text_content("#revealed")  # type: ignore[operator]
            shot("03-revealed")

            # customer 5 withdrew marketing consent: the reveal is refused, with why
            page.goto(f"{server.url}/console/customers/5")
            page.select_option("#reveal-field", "mobile")
            page.select_option("#reveal-purpose", "marketing")
            page.click("#reveal")
            page.wait_for_selector("#reveal-result #error")
            refusal = page.text_content("#reveal-result #error") or ""
            assert "撤回" in refusal and "marketing" in refusal
            shot("04-refused")

            # both in the audit log; verify it
            page.click("header nav >> text=审计日志")
            log = page.text_content("#audit-table") or ""
            assert "pii-revealed" in log
            assert "customer:5" in log and "拒绝" in log
            page.click("#verify")
            page.wait_for_selector("#verify-slot #verify-result")
            assert "审计日志完整" in page.text_content("#verify-slot")  # type: ignore[operator]
            shot("05-audit-verified")

            # English, kept across pages by a cookie
            page.click("#lang-switch")
            page.wait_for_selector("text=Verify the log")
            page.click("header nav >> text=Dashboard")
            assert page.text_content("h1") == "Dashboard"
            shot("06-dashboard-en")
            # a tablet in portrait: the pages fit the width
            page.set_viewport_size({"width": 820, "height": 1180})
            for path in (
                "/console/",
                "/console/customers",
                "/console/customers/5",
                "/console/approvals",  # the second approver's page (issue 15)
            ):
                page.goto(f"{server.url}{path}")
                width = page.evaluate(
                    "document.documentElement.scrollWidth - window.innerWidth"
                )
                assert width <= 0, (path, width)
            shot("07-tablet-customer")
            page.click("#logout")
            page.wait_for_url("**/console/login")
            assert "Log in to the vault" in page.text_content("h1")  # type: ignore[operator]
            browser.close()
        # no CSP violation and no script error (a refused request's 403 is expected)
        assert not [m for m in problems if "status of 403" not in m], problems
    finally:
        server.stop()
        shutil.rmtree(short_tmp, ignore_errors=True)
