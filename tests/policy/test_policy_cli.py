"""Policy through the real CLI: users, tokens, consents, withdrawal, training, refusals
audited with who/which customer/which field/purpose — never the value.

Requirements: R-6-1 (purpose on every access), R-15-1 (withdrawal takes effect at once),
R-29-1 (separate consent for sensitive PI), R-51-4 (access control and training)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import rawdb
from tests.conftest import EXAMPLES, cli_env, run_piplvault

PASSWORD = "sales-密码-123"


def ok(
    *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> object:
    result = run_piplvault(*args, "--json", env=env, input=input)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("policy") / "v"
    ok("init", str(home))
    ok("import", str(EXAMPLES / "customers.csv"), "--home", str(home))
    ok(
        "users",
        "add",
        "alice",
        "--role",
        "sales",
        "--password-stdin",
        "--home",
        str(home),
        input=PASSWORD + "\n",
    )
    ok(
        "users",
        "add",
        "bob",
        "--role",
        "auditor",
        "--password-stdin",
        "--home",
        str(home),
        input="auditor-pw-123\n",
    )
    return home


def as_alice(**extra: str) -> dict[str, str]:
    return cli_env(PIPLVAULT_USER="alice", PIPLVAULT_PASSWORD=PASSWORD, **extra)


def test_wrong_password_is_refused_and_audited(vault: Path) -> None:
    bad = run_piplvault(
        "customers",
        "list",
        "--home",
        str(vault),
        env=cli_env(PIPLVAULT_USER="alice", PIPLVAULT_PASSWORD="nope-nope"),
    )
    assert bad.returncode == 1 and "Wrong password for user 'alice'" in bad.stderr
    log = ok("audit", "log", "--home", str(vault))
    assert isinstance(log, list)
    assert any(
        e["action"] == "login-failed" and e["target"] == "user:alice" for e in log
    )


def test_grant_reveal_withdraw_then_next_reveal_is_refused_R_15_1(vault: Path) -> None:
    ok(
        "training",
        "record",
        "alice",
        "pipl-basics",
        "--score",
        "92",
        "--valid-days",
        "365",
        "--home",
        str(vault),
    )
    ok(
        "consents",
        "grant",
        "5",
        "--purpose",
        "marketing",
        "--separate",
        "sensitive",
        "--channel",
        "app",
        "--notice-version",
        "2026-11",
        "--home",
        str(vault),
    )
    shown = ok(
        "customers",
        "show",
        "5",
        "--reveal",
        "--purpose",
        "marketing",
        "--home",
        str(vault),
        env=as_alice(),
    )
    assert isinstance(shown, dict)
    assert shown["fields"]["mobile"]["masked"] is False
    assert "bank_card" not in shown["fields"]  # grade 4: beyond the sales role
    ok(
        "consents",
        "withdraw",
        "5",
        "--purpose",
        "marketing",
        "--channel",
        "phone",
        "--home",
        str(vault),
    )
    refused = run_piplvault(
        "customers",
        "show",
        "5",
        "--reveal",
        "--purpose",
        "marketing",
        "--home",
        str(vault),
        env=as_alice(),
    )
    assert refused.returncode == 1
    assert "customer 5 withdrew consent for purpose 'marketing' on" in refused.stderr
    log = ok("audit", "log", "--home", str(vault))
    assert isinstance(log, list)
    denied = [e for e in log if e["outcome"] == "denied" and e["actor"] == "alice"]
    assert denied and denied[-1]["target"] == "customer:5"
    assert denied[-1]["purpose"] == "marketing"
    assert denied[-1]["details"]["reason"] == "consent-withdrawn"
    assert "mobile" in denied[-1]["details"]["fields"]
    revealed = [
        e for e in log if e["action"] == "pii-revealed" and e["actor"] == "alice"
    ]
    assert revealed and "mobile" in revealed[-1]["details"]["fields"]
    assert shown["fields"]["mobile"]["value"] not in json.dumps(log, ensure_ascii=False)


def test_sensitive_field_needs_separate_consent_R_29_1(vault: Path) -> None:
    ok("consents", "grant", "6", "--purpose", "marketing", "--home", str(vault))
    check = ok(
        "policy",
        "check",
        "alice",
        "6",
        "notes",
        "--purpose",
        "marketing",
        "--home",
        str(vault),
    )
    assert isinstance(check, dict)
    assert check["allowed"] is False and check["reason"] == "separate-consent-missing"
    check = ok(
        "policy",
        "check",
        "alice",
        "6",
        "mobile",
        "--purpose",
        "marketing",
        "--home",
        str(vault),
    )
    assert isinstance(check, dict) and check["allowed"] is True


def test_grade_and_purpose_limits_are_explained(vault: Path) -> None:
    check = ok(
        "policy",
        "check",
        "alice",
        "1",
        "bank_card",
        "--purpose",
        "contract",
        "--home",
        str(vault),
    )
    assert isinstance(check, dict) and check["reason"] == "role-lacks-grade"
    check = ok(
        "policy",
        "check",
        "alice",
        "1",
        "mobile",
        "--purpose",
        "finance",
        "--home",
        str(vault),
    )
    assert isinstance(check, dict) and check["reason"] == "purpose-not-allowed"
    explicit = run_piplvault(
        "customers",
        "show",
        "1",
        "--field",
        "bank_card",
        "--purpose",
        "contract",
        "--home",
        str(vault),
        env=as_alice(),
    )
    assert explicit.returncode == 1 and "grade-4 field 'bank_card'" in explicit.stderr


def test_lapsed_training_blocks_reveal_R_51_4(vault: Path) -> None:
    ok(
        "users",
        "add",
        "carol",
        "--role",
        "after_sales",
        "--password-stdin",
        "--home",
        str(vault),
        input="carol-pw-1234\n",
    )
    env = cli_env(PIPLVAULT_USER="carol", PIPLVAULT_PASSWORD="carol-pw-1234")
    masked = run_piplvault(
        "customers",
        "show",
        "2",
        "--purpose",
        "after-sales",
        "--home",
        str(vault),
        env=env,
    )
    assert masked.returncode == 0, masked.stderr
    refused = run_piplvault(
        "customers",
        "show",
        "2",
        "--reveal",
        "--purpose",
        "after-sales",
        "--home",
        str(vault),
        env=env,
    )
    assert (
        refused.returncode == 1
        and "no current data-protection training" in refused.stderr
    )
    ok(
        "training",
        "record",
        "carol",
        "pipl-basics",
        "--score",
        "45",
        "--home",
        str(vault),
    )
    still = run_piplvault(
        "customers",
        "show",
        "2",
        "--reveal",
        "--purpose",
        "after-sales",
        "--home",
        str(vault),
        env=env,
    )
    assert still.returncode == 1  # a failed course does not count
    ok(
        "training",
        "record",
        "carol",
        "pipl-basics",
        "--score",
        "80",
        "--home",
        str(vault),
    )
    now_ok = run_piplvault(
        "customers",
        "show",
        "2",
        "--reveal",
        "--purpose",
        "after-sales",
        "--home",
        str(vault),
        env=env,
    )
    assert now_ok.returncode == 0, now_ok.stderr


def test_auditor_reads_the_log_but_never_plaintext(vault: Path) -> None:
    env = cli_env(PIPLVAULT_USER="bob", PIPLVAULT_PASSWORD="auditor-pw-123")
    assert (
        run_piplvault("audit", "verify", "--home", str(vault), env=env).returncode == 0
    )
    refused = run_piplvault(
        "customers",
        "show",
        "1",
        "--reveal",
        "--purpose",
        "contract",
        "--home",
        str(vault),
        env=env,
    )
    assert refused.returncode == 1 and "may not 'reveal'" in refused.stderr


def test_tokens_work_expire_and_revoke(vault: Path) -> None:
    issued = ok("users", "token", "alice", "--days", "5", "--home", str(vault))
    assert isinstance(issued, dict)
    env = cli_env(PIPLVAULT_USER="alice", PIPLVAULT_TOKEN=issued["token"])
    listed = run_piplvault(
        "customers",
        "list",
        "--purpose",
        "contract",
        "--limit",
        "2",
        "--home",
        str(vault),
        "--json",
        env=env,
    )
    assert listed.returncode == 0, listed.stderr
    ok("users", "revoke-token", issued["token_id"], "--home", str(vault))
    again = run_piplvault("customers", "list", "--home", str(vault), env=env)
    assert again.returncode == 1 and "wrong, expired or revoked" in again.stderr
    assert issued["token"] not in rawdb.snapshot(vault).decode("latin-1")


def test_disabled_user_cannot_log_in(vault: Path) -> None:
    ok(
        "users",
        "add",
        "dave",
        "--role",
        "sales",
        "--password-stdin",
        "--home",
        str(vault),
        input="dave-pw-12345\n",
    )
    ok("users", "disable", "dave", "--home", str(vault))
    result = run_piplvault(
        "customers",
        "list",
        "--home",
        str(vault),
        env=cli_env(PIPLVAULT_USER="dave", PIPLVAULT_PASSWORD="dave-pw-12345"),
    )
    assert result.returncode == 1 and "disabled" in result.stderr


def test_sales_cannot_manage_users(vault: Path) -> None:
    result = run_piplvault(
        "users",
        "add",
        "eve",
        "--role",
        "admin",
        "--password-stdin",
        "--home",
        str(vault),
        env=as_alice(),
        input="eve-pw-123456\n",
    )
    assert result.returncode == 1 and "may not 'manage-users'" in result.stderr


def test_custom_role_from_policy_file(vault: Path, tmp_path: Path) -> None:
    (vault / "policy.toml").write_text(
        '[roles.call_center]\nlabel = "客服"\nactions = ["read-masked"]\n'
        'purposes = ["after-sales"]\nmax_grade = 2\ncategories = ["identity", "contact"]\n',
        encoding="utf-8",
    )
    try:
        ok(
            "users",
            "add",
            "frank",
            "--role",
            "call_center",
            "--password-stdin",
            "--home",
            str(vault),
            input="frank-pw-1234\n",
        )
        env = cli_env(PIPLVAULT_USER="frank", PIPLVAULT_PASSWORD="frank-pw-1234")
        shown = run_piplvault(
            "customers",
            "show",
            "3",
            "--purpose",
            "after-sales",
            "--home",
            str(vault),
            "--json",
            env=env,
        )
        assert shown.returncode == 0, shown.stderr
        fields = json.loads(shown.stdout)["fields"]
        assert (
            "mobile" in fields and "address" not in fields and "id_number" not in fields
        )
    finally:
        (vault / "policy.toml").unlink()


def test_consent_import_from_csv_and_withdrawal_column(
    vault: Path, tmp_path: Path
) -> None:
    shown = ok(
        "customers",
        "show",
        "9",
        "--reveal",
        "--purpose",
        "contract",
        "--home",
        str(vault),
    )
    assert isinstance(shown, dict)
    phone = shown["fields"]["mobile"]["value"]
    path = tmp_path / "consents.csv"
    path.write_text(
        f"手机号,同意时间,撤回时间\n{phone},2026-01-05 10:00:00,\n", encoding="utf-8"
    )
    result = ok(
        "consents",
        "import",
        str(path),
        "--match",
        "phone",
        "--match-column",
        "手机号",
        "--purpose",
        "marketing",
        "--granted-column",
        "同意时间",
        "--withdrawn-column",
        "撤回时间",
        "--home",
        str(vault),
    )
    assert result == {"file": "consents.csv", "granted": 1, "withdrawn": 0}
    consents = ok("consents", "show", "9", "--home", str(vault))
    assert isinstance(consents, dict)
    assert consents["effective"]["marketing"]["basis"] == "consent"
    unknown = tmp_path / "bad.csv"
    unknown.write_text("手机号\n13000000000\n", encoding="utf-8")
    bad = run_piplvault(
        "consents",
        "import",
        str(unknown),
        "--match",
        "phone",
        "--match-column",
        "手机号",
        "--purpose",
        "marketing",
        "--home",
        str(vault),
    )
    assert bad.returncode == 1 and "bad.csv, row 2, column '手机号'" in bad.stderr


def test_retained_customer_is_readable_only_for_its_statute_purpose_R_47_2(
    tmp_path: Path,
) -> None:
    home = tmp_path / "v"
    ok("init", str(home))
    ok(
        "import",
        str(EXAMPLES / "customers.csv"),
        "--purpose",
        "finance",
        "--home",
        str(home),
    )
    ok("retention", "set", "2", "--last-transaction", "2026-01-01", "--home", str(home))
    deleted = ok(
        "customers",
        "delete",
        "2",
        "--reason",
        "客户要求删除",
        "--yes",
        "--home",
        str(home),
    )
    assert isinstance(deleted, dict) and deleted["customers_restricted"] == 1
    refused = run_piplvault(
        "customers", "show", "2", "--purpose", "contract", "--home", str(home)
    )
    assert refused.returncode == 1
    assert "retained only to meet a legal period" in refused.stderr
    assert "only purposes finance may read it" in refused.stderr
    allowed = run_piplvault(
        "customers", "show", "2", "--purpose", "finance", "--home", str(home), "--json"
    )
    assert allowed.returncode == 0, allowed.stderr
    log = ok("audit", "log", "--home", str(home))
    assert isinstance(log, list)
    assert any(
        e["outcome"] == "denied" and e["details"].get("reason") == "retained-restricted"
        for e in log
    )
