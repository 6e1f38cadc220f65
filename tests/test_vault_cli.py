"""The vault through the real CLI entry point: init, import, customers, status, audit.

Requirement ids: R-51-3 (encryption, masking), R-9-1 (audit), R-SYS-1 (fail closed),
R-SYS-4 (de-duplication by blind index), R-8-1 (field versions).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import rawdb, vaults
from tests.conftest import EXAMPLES, run_piplvault


def pv(*args: str) -> dict | list:  # type: ignore[type-arg]
    result = run_piplvault(*args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("vault") / "v"
    pv("init", str(home), "--json")
    report = pv(
        "import", str(EXAMPLES / "customers.csv"), "--home", str(home), "--json"
    )
    assert isinstance(report, dict)
    assert report["new"] == 200 and report["rejected"] == 0
    return home


def test_init_then_status_counts_customers(imported: Path) -> None:
    status = pv("status", "--home", str(imported), "--json")
    assert isinstance(status, dict)
    assert status["customers"] == 200
    assert set(status["by_kind"]) == {"individual", "enterprise"}
    assert status["field_values_by_sensitivity"]["sensitive"] > 0
    assert status["key_versions"] == {"kek": 1, "blind": 1, "signing": 1}


def test_reimport_creates_no_duplicates_R_SYS_4(imported: Path, tmp_path: Path) -> None:
    home = tmp_path / "copy"
    vaults.clone(imported, home)
    report = pv(
        "import", str(EXAMPLES / "customers.csv"), "--home", str(home), "--json"
    )
    assert isinstance(report, dict)
    assert (report["new"], report["updated"], report["unchanged"]) == (0, 0, 200)
    gbk = pv(
        "import", str(EXAMPLES / "customers-gbk.csv"), "--home", str(home), "--json"
    )
    assert isinstance(gbk, dict)
    assert gbk["encoding"] == "gb18030" and gbk["new"] == 0 and gbk["unchanged"] == 200
    xlsx = pv("import", str(EXAMPLES / "customers.xlsx"), "--home", str(home), "--json")
    assert isinstance(xlsx, dict)
    assert xlsx["new"] == 0 and xlsx["unchanged"] == 200


def test_show_is_masked_and_reveal_needs_a_purpose(imported: Path) -> None:
    view = pv("customers", "show", "1", "--home", str(imported), "--json")
    assert isinstance(view, dict)
    assert view["id"] == 1
    mobile = view["fields"]["mobile"]
    assert mobile["masked"] is True and "****" in mobile["value"]
    denied = run_piplvault(
        "customers", "show", "1", "--reveal", "--home", str(imported)
    )
    assert denied.returncode == 1 and "purpose" in denied.stderr
    revealed = pv(
        "customers",
        "show",
        "1",
        "--reveal",
        "--purpose",
        "after-sales",
        "--home",
        str(imported),
        "--json",
    )
    assert isinstance(revealed, dict)
    assert revealed["fields"]["mobile"]["value"].isdigit()


def test_find_by_blind_index_accepts_other_formats(imported: Path) -> None:
    revealed = pv(
        "customers",
        "show",
        "2",
        "--reveal",
        "--purpose",
        "contract",
        "--home",
        str(imported),
        "--json",
    )
    assert isinstance(revealed, dict)
    phone = revealed["fields"]["mobile"]["value"]
    spaced = f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"
    found = pv(
        "customers", "find", "--phone", spaced, "--home", str(imported), "--json"
    )
    assert isinstance(found, list)
    assert 2 in [c["id"] for c in found]
    email = revealed["fields"]["email"]["value"].upper()
    found = pv("customers", "find", "--email", email, "--home", str(imported), "--json")
    assert isinstance(found, list)
    assert [c["id"] for c in found] == [2]


def test_update_creates_a_new_version_and_audits_it_R_8_1(
    imported: Path, tmp_path: Path
) -> None:
    home = tmp_path / "copy"
    vaults.clone(imported, home)
    result = pv(
        "customers",
        "update",
        "3",
        "mobile",
        "13900001111",
        "--purpose",
        "after-sales",
        "--home",
        str(home),
        "--json",
    )
    assert result == {"id": 3, "field": "mobile", "version": 2}
    found = pv(
        "customers", "find", "--phone", "13900001111", "--home", str(home), "--json"
    )
    assert isinstance(found, list) and [c["id"] for c in found] == [3]
    bad = run_piplvault(
        "customers",
        "update",
        "3",
        "mobile",
        "12345",
        "--purpose",
        "after-sales",
        "--home",
        str(home),
    )
    assert bad.returncode == 1 and "not a valid CN_MOBILE" in bad.stderr
    log = pv("audit", "log", "--home", str(home), "--json")
    assert isinstance(log, list)
    update = [e for e in log if e["action"] == "customer-field-updated"][-1]
    assert update["target"] == "customer:3" and update["purpose"] == "after-sales"
    details = dict(update["details"])
    details.pop("request_id", None)  # served: the request's id is recorded too
    assert details == {"field": "mobile", "version": 2}
    assert "13900001111" not in json.dumps(log, ensure_ascii=False)


def test_audit_verify_passes_and_log_never_holds_values(imported: Path) -> None:
    result = run_piplvault("audit", "verify", "--home", str(imported))
    assert result.returncode == 0, result.stderr
    assert "intact" in result.stdout
    log = pv("audit", "log", "--home", str(imported), "--json")
    assert isinstance(log, list)
    assert {"vault-created", "customers-imported"} <= {e["action"] for e in log}


def test_wrong_passphrase_is_refused_and_writes_nothing_R_SYS_1(imported: Path) -> None:
    before = rawdb.snapshot(imported)
    result = run_piplvault(
        "status",
        "--home",
        str(imported),
        env={
            **__import__("tests.conftest").conftest.cli_env(),
            "PIPLVAULT_PASSPHRASE": "wrong",
        },
    )
    assert result.returncode == 1
    assert "Wrong passphrase" in result.stderr
    assert "Traceback" not in result.stderr
    assert rawdb.snapshot(imported) == before


def test_init_refuses_an_existing_vault(imported: Path) -> None:
    result = run_piplvault("init", str(imported))
    assert result.returncode == 1 and "already exists" in result.stderr


def test_open_without_a_vault_says_how_to_create_one(tmp_path: Path) -> None:
    result = run_piplvault("status", "--home", str(tmp_path / "none"))
    assert result.returncode == 1 and "piplvault init" in result.stderr
