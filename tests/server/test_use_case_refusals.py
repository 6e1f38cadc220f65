"""Every public use case refuses an actor with no rights (issue 11.5): run through the real
server as a logged-in user whose role grants nothing. PIPL Art. 51 (access control)."""

from __future__ import annotations

import json

import pytest

from tests import servers
from tests.conftest import EXAMPLES, cli_env, run_direct

NOBODY_PASSWORD = "nobody-口令-0000"

#: One command line per public use case family (placeholders filled per test).
COMMANDS = [
    ["status"],
    ["customers", "list"],
    ["customers", "show", "1"],
    ["customers", "find", "--phone", "13411641045"],
    ["customers", "update", "1", "email", "x@example.com", "--purpose", "contract"],
    ["customers", "delete", "1", "--reason", "request"],
    ["import", str(EXAMPLES / "customers.csv")],
    ["audit", "log"],
    ["users", "list"],
    ["users", "add", "mallory", "--role", "admin", "--password-stdin"],
    ["users", "token", "nobody"],
    ["purposes", "list"],
    ["purposes", "add", "spam", "--name", "群发", "--basis", "consent"],
    ["consents", "grant", "1", "--purpose", "marketing"],
    ["consents", "show", "1"],
    ["training", "list"],
    ["retention", "plan"],
    ["approvals", "list"],
    ["approvals", "approve", "1"],
    ["certificate", "list"],
    ["backup", "list"],
    ["backup", "create"],
    ["transfer", "status", "T-0001"],
    [
        "transfer",
        "create",
        "--recipient",
        "某公司",
        "--contact",
        "010-1",
        "--uscc",
        "91110000600037341L",
        "--purposes",
        "contract",
        "--deal",
        "merger",
    ],
    ["deregister", "status", "D-0001"],
    ["keys", "rotate", "--kek"],
    ["requests", "open", "1", "--type", "access", "--channel", "phone"],
    ["requests", "verify", "1", "--identity", "sms-code"],
    ["requests", "start", "1"],
    ["requests", "list"],
    ["requests", "overdue"],
    ["requests", "show", "1"],
    ["requests", "fulfil", "1", "--out", "/tmp/piplvault-refused-reply"],
    ["requests", "refuse", "1", "--reason", "identity-unverified", "--explain", "x"],
    ["requests", "extend", "1", "--days", "5", "--reason", "x"],
    ["incidents", "list"],
    ["incidents", "show", "I-0001"],
    [
        "incidents",
        "open",
        "--title",
        "t",
        "--found-at",
        "2026-11-30T10:00:00+08:00",
        "--source",
        "s",
        "--categories",
        "identity",
    ],
    ["drills", "list"],
    ["drills", "add", "--date", "2026-11-01", "--scenario", "s", "--findings", "f"],
    ["recipients", "list"],
    ["recipients", "show", "R-0001"],
    ["share", "abroad"],
    ["share", "export", "R-0001", "--purpose", "contract", "--out", "/tmp/x.pvpkg"],
]


@pytest.fixture(scope="module")
def nobody_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("refusals") / "vault"
    env = cli_env()
    assert (
        run_direct(["init", str(home)], env=env, input=None, timeout=120).returncode
        == 0
    )
    (home / "policy.toml").write_text(
        '[roles.nobody]\nlabel = "无权限"\nactions = []\nrequires_training = false\n',
        encoding="utf-8",
    )
    server = servers.start(
        servers.vault_key(["--home", str(home)], env), env, register=False
    )
    assert isinstance(server, servers.Server)
    owner = {k: v for k, v in env.items() if k != "PIPLVAULT_PASSPHRASE"}
    owner.update(
        PIPLVAULT_URL=server.url, PIPLVAULT_PASSWORD=env["PIPLVAULT_OWNER_PASSWORD"]
    )
    for args, stdin in (
        (["import", str(EXAMPLES / "customers.csv")], None),
        (
            ["users", "add", "nobody", "--role", "nobody", "--password-stdin"],
            NOBODY_PASSWORD + "\n",
        ),
    ):
        done = run_direct(args, env=owner, input=stdin, timeout=300)
        assert done.returncode == 0, done.stderr
    yield {**owner, "PIPLVAULT_USER": "nobody", "PIPLVAULT_PASSWORD": NOBODY_PASSWORD}
    server.stop()


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_every_use_case_refuses_an_actor_without_rights(
    argv: list[str], nobody_env: dict[str, str]
) -> None:
    stdin = "x-password-123\n" if "--password-stdin" in argv else None
    done = run_direct(argv, env=nobody_env, input=stdin, timeout=120)
    assert done.returncode != 0, f"{argv} was allowed: {done.stdout[:200]}"
    assert "Refused" in done.stderr or "may not" in done.stderr, done.stderr


def test_refusals_are_audited_with_the_actor(nobody_env: dict[str, str]) -> None:
    run_direct(["customers", "list"], env=nobody_env, input=None, timeout=60)
    owner = {
        **nobody_env,
        "PIPLVAULT_USER": "owner",
        "PIPLVAULT_PASSWORD": cli_env()["PIPLVAULT_OWNER_PASSWORD"],
    }
    log = json.loads(
        run_direct(["audit", "log", "--json"], env=owner, input=None, timeout=60).stdout
    )
    assert any(e["actor"] == "nobody" and e["outcome"] == "denied" for e in log)
