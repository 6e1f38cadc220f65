"""Deregistration (公司注销) end to end through the real CLI, with two vaults: the company
and its custodian. Requirement ids: R-47-1, R-47-2, R-22-6, R-CO-232-1, R-CO-I2-18-1,
R-ACC-T-1, R-GB35273-6.4-1, R-TC260-STOP-1, R-NDS-32-1 (address change: test_address_change).

``test_deregistration_end_to_end`` and ``test_address_change`` run the real ``piplvault``
command against a real server; the other tests drive the same Typer app in-process as the
server runs it (``tests/inprocess.py``), and the templates are built in-process too.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, cli_env, run_piplvault
from tests.fast import suite_env
from tests.plaintext import occurring, searchable
from tests.security.conftest import Ran, cli
from tests.transfer.small import run_at
from tests.vaults import clone, frozen

CUSTODIAN = [
    "--name",
    "某档案管理有限公司",
    "--identifier",
    "91110000600037341L",
    "--contact",
    "010-12345678",
    "--type",
    "agency",
]


def pv(*args: str, ok: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
    result = run_piplvault(*args, env=cli_env(**env) if env else None)
    if ok:
        assert result.returncode == 0, (args, result.stderr)
    return result


def pv_json(*args: str) -> dict:
    return json.loads(pv(*args, "--json").stdout)


def inproc(*args: str, ok: bool = True) -> Ran:
    """``piplvault ARGS`` in-process, as the server runs it for the owner."""
    result = cli(*args)
    if ok:
        assert result.exit_code == 0, (args, result.stderr)
    return result


def inproc_json(*args: str) -> dict:
    return json.loads(inproc(*args, "--json").stdout)


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The company (200 example customers) and an empty custodian vault, built once
    (in-process: `init` and `import` through the CLI are proven elsewhere)."""
    base = tmp_path_factory.mktemp("deregistration")
    co, cust = base / "company", base / "custodian"
    with suite_env():
        inproc("init", str(co))
        inproc("init", str(cust))
        inproc("import", str(EXAMPLES / "customers.csv"), "--home", str(co))
        # Two customers with a recorded transaction: tax records must be kept 10 years.
        for cid, day in (("1", "2026-05-01"), ("2", "2026-06-01")):
            inproc(
                "retention", "set", cid, "--last-transaction", day, "--home", str(co)
            )
    frozen(co, cust)
    return co, cust


def _company(templates: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """This test's own copy of the company and custodian vaults."""
    return (
        clone(templates[0], tmp_path / "company"),
        clone(templates[1], tmp_path / "custodian"),
    )


def _start(co: Path, run: Callable[..., dict] = pv_json) -> dict:
    return run(
        "deregister",
        "start",
        "--reason",
        "股东会决议解散",
        "--effective-date",
        "2027-03-31",
        "--resolution-date",
        "2026-12-01",
        "--company",
        "示例科技有限公司",
        "--contact",
        "清算组 010-00000000",
        "--home",
        str(co),
    )


def _keys(home: Path, out: Path, run: Callable[..., Any] = pv) -> tuple[Path, Path]:
    x, sig = out / f"{home.name}-x.pem", out / f"{home.name}-sig.pem"
    x.write_text(run("keys", "exchange", "--home", str(home)).stdout)
    sig.write_text(run("keys", "public", "--home", str(home)).stdout)
    return x, sig


def test_deregistration_end_to_end(
    templates: tuple[Path, Path], tmp_path: Path
) -> None:
    """R-47-1, R-47-2, R-22-6, R-CO-232-1, R-CO-I2-18-1, R-ACC-T-1, R-GB35273-6.4-1,
    R-TC260-STOP-1: the whole case, from start to a sealed, read-only vault."""
    co, cust = _company(templates, tmp_path)
    home = ["--home", str(co)]
    st = _start(co)
    assert st["id"] == "D-0001" and st["state"] == "winding-down"
    assert st["vault_state"] == "winding-down"
    # R-TC260-STOP-1: notices 30 working days before the stop date.
    assert st["notice_by"] == "2027-02-17"
    # R-CO-232-1: the Company Law timeline from the resolution date.
    assert [m["date"] for m in st["timeline"]] == [
        "2026-12-11",
        "2026-12-16",
        "2026-12-26",
        "2027-02-14",
        "2027-01-25",
        "2027-03-31",
    ]
    assert st["inventory"]["customers"] == 200
    # the example customers were collected under contract: no consent records yet
    assert st["inventory"]["fields"]
    assert st["inventory"]["consents"] == {"total": 0, "withdrawn": 0}
    # R-47-2: the schedule splits each customer's fields into must-keep and destroy.
    kept = {c["customer_id"]: c for c in st["customers"] if c["must_keep"]}
    assert set(kept) == {1, 2}
    # 13.11: the 30-year accounting rule is on and keeps the whole record (with the name)
    assert kept[1]["keep_until"] == "2057-01-01" and "tax-records" in kept[1]["statute"]
    assert "accounting-vouchers" in kept[1]["statute"]
    assert "identity" in kept[1]["keep_categories"]
    assert "identity" not in kept[1]["destroy_categories"]
    assert st["split"] == {**st["split"], "must_keep": 2, "destroy": 198}

    # R-GB35273-6.4-1: winding down refuses new personal information.
    refused = pv("import", str(EXAMPLES / "customers.csv"), *home, ok=False)
    assert refused.returncode == 1 and "winding down" in refused.stderr

    # R-CO-232-1: a creditor stays must-keep until settled.
    pv("deregister", "creditor", "D-0001", "--customer", "5", *home)
    st = pv_json("deregister", "status", "D-0001", *home)
    five = next(c for c in st["customers"] if c["customer_id"] == 5)
    assert five["must_keep"] and five["creditor"] and "Art. 235" in five["statute"]
    assert five["keep_until"] == st["claims_deadline"] == "2027-03-31"

    # R-22-6: notices must name the custodian; none can be rendered before it is named.
    notices = tmp_path / "notices"
    early = pv(
        "deregister", "notices", "D-0001", "--out", str(notices), *home, ok=False
    )
    assert "custodian" in early.stderr
    # R-ACC-T-1: the custodian has a type.
    bad = pv(
        "deregister", "custodian", "D-0001", *CUSTODIAN[:-1], "friend", *home, ok=False
    )
    assert "successor, shareholder, authority, archive, agency" in bad.stderr
    st = pv_json("deregister", "custodian", "D-0001", *CUSTODIAN, *home)
    assert st["custodian"]["kind"] == "agency"
    inside = pv(
        "deregister", "notices", "D-0001", "--out", str(co / "n"), *home, ok=False
    )
    assert "vault directory" in inside.stderr
    out = pv_json("deregister", "notices", "D-0001", "--out", str(notices), *home)
    assert out["letters"] == 200
    letters = (notices / "letters.html").read_text(encoding="utf-8")
    assert "某档案管理有限公司（91110000600037341L，联系方式 010-12345678）" in letters
    assert "申报债权" in letters  # the creditor's letter asks for the declaration

    cx, csig = _keys(cust, tmp_path)
    _, cosig = _keys(co, tmp_path)
    pkg = tmp_path / "D-0001.pvpkg"
    # R-22-6: no package before every included person has a delivered notice.
    pv(
        "deregister",
        "delivery",
        "D-0001",
        "--customer",
        "1",
        "--status",
        "delivered",
        *home,
    )
    blocked = pv(
        "deregister",
        "package",
        "D-0001",
        "--custodian-key",
        str(cx),
        "--out",
        str(pkg),
        *home,
        ok=False,
    )
    assert "Customer 2 has no delivered notice naming the custodian" in blocked.stderr
    assert not pkg.exists()
    pv(
        "deregister",
        "delivery",
        "D-0001",
        "--all",
        "--status",
        "announced",
        "--reference",
        "国家企业信用信息公示系统 2027-01-05",
        *home,
    )
    pv(
        "deregister",
        "delivery",
        "D-0001",
        "--customer",
        "1",
        "--status",
        "delivered",
        *home,
    )
    packed = pv_json(
        "deregister",
        "package",
        "D-0001",
        "--custodian-key",
        str(cx),
        "--custodian-signing-key",
        str(csig),
        "--out",
        str(pkg),
        *home,
    )
    assert packed["customers"] == 3

    # The custodian's vault receives it; the seal is refused before the receipt.
    got = json.loads(
        pv(
            "receive",
            str(pkg),
            "--sender-key",
            str(cosig),
            "--home",
            str(cust),
            "--json",
        ).stdout
    )
    assert got["customers"] == 3
    receipt = Path(got["receipt"])
    early_seal = pv("deregister", "seal", "D-0001", *home, ok=False)
    assert "R-CO-I2-18-1" in early_seal.stderr

    # R-CO-232-1: no shredding while a claim is open; settle it, then shred (R-47-1).
    # 13.12: and never before the effective date the letters promise
    early = pv("deregister", "shred", "D-0001", "--yes", *home, ok=False)
    assert "until the effective date 2027-03-31" in early.stderr
    open_claim = run_at("2027-03-31", "deregister", "shred", "D-0001", "--yes", *home)
    assert "Customer 5 is a creditor" in open_claim.stderr
    pv("deregister", "creditor", "D-0001", "--customer", "5", "--settled", *home)
    shred = json.loads(
        run_at(
            "2027-03-31", "deregister", "shred", "D-0001", "--yes", "--json", *home
        ).stdout
    )
    assert shred["customers_destroyed"] == 198 and shred["customers_restricted"] == 2
    pv("certificate", "verify", shred["certificate"], "--public-key", str(cosig))
    report = Path(shred["report"]["zh-CN"]).read_text(encoding="utf-8")
    assert "注销清算个人信息处置报告" in report and "某档案管理有限公司" in report
    assert Path(shred["report"]["en"]).is_file()

    # R-CO-I2-18-1: the seal needs the named custodian's receipt, signed by its key.
    wrong = pv(
        "deregister",
        "seal",
        "D-0001",
        "--receipt",
        str(receipt),
        "--custodian-signing-key",
        str(cosig),
        *home,
        ok=False,
    )
    assert "not the custodian's key pinned" in wrong.stderr
    sealed = pv_json(
        "deregister",
        "seal",
        "D-0001",
        "--receipt",
        str(receipt),
        "--custodian-signing-key",
        str(csig),
        *home,
    )
    assert sealed["state"] == "sealed" and sealed["vault_state"] == "sealed"

    # Sealed: writes refused with a clear message; reads and audit verify still work.
    closed = pv("import", str(EXAMPLES / "customers.csv"), *home, ok=False)
    assert "sealed" in closed.stderr and "read-only" in closed.stderr
    again = pv(
        "deregister",
        "start",
        "--reason",
        "x",
        "--effective-date",
        "2027-04-01",
        *home,
        ok=False,
    )
    assert "sealed" in again.stderr
    # every other write is refused too (R-CO-I2-18-1 read-only seal)
    for write in (
        ("customers", "update", "1", "mobile", "13900001111", "--purpose", "finance"),
        ("users", "disable", "nobody"),
        ("consents", "grant", "1", "--purpose", "finance"),
        ("retention", "apply", "--yes"),
    ):
        refused = pv(*write, *home, ok=False)
        assert "sealed" in refused.stderr or "No customer" in refused.stderr, write
    pv("audit", "verify", *home)
    pv("deregister", "status", "D-0001", *home)

    _assert_no_plaintext(co, cust)


def _needles() -> set[str]:
    values: set[str] = set()
    with (EXAMPLES / "customers.csv").open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            for col, value in row.items():
                v = unicodedata.normalize("NFKC", value).strip()
                if col != "客户类型" and len(v.encode("utf-8")) >= 6:
                    values.add(v)
    return values


def _assert_no_plaintext(*homes: Path) -> None:
    """Every value of examples/customers.csv, in every file of both vault directories."""
    needles = [(v, v.encode("utf-8"), v.encode("utf-16-le")) for v in _needles()]
    # a 4-byte UTF-16 form (a two-character name) matches ciphertext by chance
    forms = searchable(form for _, utf8, utf16 in needles for form in (utf8, utf16))
    for home in homes:
        for path in home.rglob("*"):
            if not path.is_file():
                continue
            found = occurring(forms, path.read_bytes())  # each `form in data`
            for value, utf8, utf16 in needles:
                assert utf8 not in found and utf16 not in found, (path, len(value))


def test_tampered_or_wrongly_addressed_package_is_refused(
    templates: tuple[Path, Path], tmp_path: Path
) -> None:
    """R-22-6: the custodian package opens only for the named custodian, untampered."""
    co, cust = _company(templates, tmp_path)
    other = tmp_path / "other"
    inproc("init", str(other))
    home = ["--home", str(co)]
    _start(co, inproc_json)
    inproc("deregister", "custodian", "D-0001", *CUSTODIAN, *home)
    inproc("deregister", "notices", "D-0001", "--out", str(tmp_path / "n"), *home)
    inproc("deregister", "delivery", "D-0001", "--all", "--status", "delivered", *home)
    cx, csig = _keys(cust, tmp_path, inproc)
    _, cosig = _keys(co, tmp_path, inproc)
    pkg = tmp_path / "p.pvpkg"
    inproc(
        "deregister",
        "package",
        "D-0001",
        "--custodian-key",
        str(cx),
        "--custodian-signing-key",
        str(csig),
        "--out",
        str(pkg),
        *home,
    )
    wrong = inproc(
        "receive", str(pkg), "--sender-key", str(cosig), "--home", str(other), ok=False
    )
    assert wrong.exit_code == 1 and "\nError:" in "\n" + wrong.stderr
    data = bytearray(pkg.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered = tmp_path / "t.pvpkg"
    tampered.write_bytes(bytes(data))
    bad = inproc(
        "receive",
        str(tampered),
        "--sender-key",
        str(cosig),
        "--home",
        str(cust),
        ok=False,
    )
    assert bad.exit_code == 1 and "\nError:" in "\n" + bad.stderr
    # The custodian package carries each record's rule and destroy-after date (R-ACC-T-1):
    # the custodian's own retention plan keeps the accounting records until 2057-01-01.
    inproc("receive", str(pkg), "--sender-key", str(cosig), "--home", str(cust))
    plan = json.loads(
        inproc(
            "retention", "plan", "--as-of", "2030-01-01", "--home", str(cust), "--json"
        ).stdout
    )
    outcomes = {c["outcome"] for c in plan["customers"]}
    assert outcomes == {"restrict"}
    assert {c["restricted_until"] for c in plan["customers"]} == {"2057-01-01"}
    late = json.loads(
        inproc(
            "retention", "plan", "--as-of", "2057-01-02", "--home", str(cust), "--json"
        ).stdout
    )
    assert {c["outcome"] for c in late["customers"]} == {"destroy"}


def test_regulator_report_required_over_threshold(
    templates: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-NDS-32-1: at the threshold (lowered by setting) the package needs the report."""
    co, cust = _company(templates, tmp_path)
    monkeypatch.setenv("PIPLVAULT_REGULATOR_THRESHOLD", "100")
    home = ["--home", str(co)]
    st = json.loads(
        inproc(
            "deregister",
            "start",
            "--reason",
            "解散",
            "--effective-date",
            "2027-03-31",
            *home,
            "--json",
        ).stdout
    )
    assert st["regulator_report_required"] is True
    inproc("deregister", "custodian", "D-0001", *CUSTODIAN, *home)
    inproc("deregister", "notices", "D-0001", "--out", str(tmp_path / "n"), *home)
    inproc("deregister", "delivery", "D-0001", "--all", "--status", "delivered", *home)
    cx, csig = _keys(cust, tmp_path, inproc)
    pkg = ["--custodian-key", str(cx), "--custodian-signing-key", str(csig)]
    pkg += ["--out", str(tmp_path / "p.pvpkg")]
    refused = inproc("deregister", "package", "D-0001", *pkg, *home, ok=False)
    assert "regulator report" in refused.stderr
    plan = tmp_path / "plan.json"
    inproc("deregister", "regulator-report", "D-0001", "--out", str(plan), *home)
    body = json.loads(plan.read_text(encoding="utf-8"))
    assert body["persons"] == st["persons"] and body["custodian"]["name"]
    inproc("deregister", "package", "D-0001", *pkg, *home)


def test_address_change(templates: tuple[Path, Path], tmp_path: Path) -> None:
    """R-MER-24-1: change notices and registry/tax deadlines; no data moves."""
    home = clone(templates[0], tmp_path / "v")  # the 200 example customers
    out = tmp_path / "change"
    result = pv_json(
        "address-change",
        "--new-address",
        "上海市浦东新区示例路1号",
        "--effective-date",
        "2027-01-01",
        "--contact",
        "021-00000000",
        "--out",
        str(out),
        "--home",
        str(home),
    )
    assert result["id"] == "A-0001" and result["data_moved"] is False
    assert [d["date"] for d in result["deadlines"]] == ["2027-01-31", "2027-01-31"]
    assert result["notices"]["letters"] == 200
    letters = (out / "letters.html").read_text(encoding="utf-8")
    assert "上海市浦东新区示例路1号" in letters and "021-00000000" in letters
    assert dt.date.fromisoformat(result["effective_date"]).year == 2027
    status = pv("status", "--home", str(home))
    assert status.returncode == 0
