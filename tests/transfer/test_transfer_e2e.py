"""Company transfer end to end through the real CLI with two vaults (seller, acquirer):
import → consents → transfer → notices → objections → package → receive → destruction.

Requirements: R-22-1 (notice naming the recipient before any export), R-22-2 (every
obligation travels; a package missing a section is refused), R-22-3 (inherited purposes only),
R-22-4 (the deal decides the path), R-22-5 (minimised scope, objections and withdrawals
excluded), R-47-1 (source destroyed with a certificate), R-NDS-32-1 (regulator report)."""

from __future__ import annotations

import csv
import email
import email.policy
import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from piplvault.errors import IntegrityError
from tests.conftest import EXAMPLES, cli_env, run_piplvault
from tests.plaintext import occurring, searchable
from tests.transfer.small import run_at
from tests.vaults import clone, frozen

RECIPIENT = "示例承接科技有限公司"
USCC = "91110000600037341L"
CONTACT = "010-88886666"


def pv(*args: str, env: dict[str, str] | None = None) -> object:
    result = run_piplvault(*args, "--json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def fails(*args: str, env: dict[str, str] | None = None) -> str:
    result = run_piplvault(*args, env=env)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    return result.stderr


def create_case(
    home: Path,
    *,
    deal: str = "merger",
    purposes: str = "contract",
    env: dict[str, str] | None = None,
    extra: tuple[str, ...] = (),
) -> dict[str, Any]:
    """`transfer create` for the standard recipient in the vault at ``home``."""
    case = pv(
        "transfer",
        "create",
        "--recipient",
        RECIPIENT,
        "--contact",
        CONTACT,
        "--uscc",
        USCC,
        "--purposes",
        purposes,
        "--deal",
        deal,
        *extra,
        "--home",
        str(home),
        env=env,
    )
    assert isinstance(case, dict)
    return case


def imported_vault(home: Path, template: Path) -> tuple[str, str]:
    """A vault at ``home`` holding examples/customers.csv (a copy of ``template``, the
    vault the ``imported`` fixture built); its --home arguments."""
    clone(template, home)
    return ("--home", str(home))


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vault holding examples/customers.csv, built once per module; tests copy it."""
    home = tmp_path_factory.mktemp("imported") / "v"
    pv("init", str(home))
    pv("import", str(EXAMPLES / "customers.csv"), "--home", str(home))
    frozen(home)
    return home


def key(home: Path, kind: str, out: Path) -> Path:
    result = run_piplvault("keys", kind, "--home", str(home))
    assert result.returncode == 0, result.stderr
    out.write_text(result.stdout, encoding="ascii")
    return out


@pytest.fixture(scope="module")
def deal(imported: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Seller and acquirer vaults after a complete merger transfer (module-scoped).

    The seller is a copy of the ``imported`` template; the acquirer is a vault of its own."""
    base = tmp_path_factory.mktemp("transfer")
    seller, buyer, out = base / "seller", base / "buyer", base / "out"
    out.mkdir()
    clone(imported, seller)
    pv("init", str(buyer))
    # customer 4 was collected under marketing consent only and withdrew it
    pv("consents", "grant", "4", "--purpose", "marketing", "--home", str(seller))
    paths = {"seller": seller, "buyer": buyer, "out": out, "base": base}
    _full_merger_transfer(paths)
    return paths


def test_full_merger_transfer(deal: dict[str, Path]) -> None:
    """The fixture ran the whole flow, asserting each step; check where it ended."""
    final = pv("transfer", "status", "T-0001", "--home", str(deal["seller"]))
    assert isinstance(final, dict) and final["state"] == "source-destroyed"
    assert final["counts"]["included"] == 199


def _full_merger_transfer(deal: dict[str, Path]) -> None:
    seller, buyer, out = deal["seller"], deal["buyer"], deal["out"]
    s = ("--home", str(seller))
    case = pv(
        "transfer",
        "create",
        "--recipient",
        RECIPIENT,
        "--contact",
        CONTACT,
        "--uscc",
        USCC,
        "--purposes",
        "contract,after-sales",
        "--deal",
        "merger",
        *s,
    )
    assert (
        isinstance(case, dict) and case["id"] == "T-0001" and case["mode"] == "notice"
    )
    # a package before the case is ready is refused
    assert "a package is built only when it is 'ready'" in fails(
        "transfer",
        "package",
        "T-0001",
        "--recipient-key",
        str(key(buyer, "exchange", out / "buyer.x25519.pem")),
        "--out",
        str(out / "early.pkg"),
        *s,
    )
    assert not (out / "early.pkg").exists()
    notices = pv("transfer", "notices", "T-0001", "--out", str(out / "notices"), *s)
    assert isinstance(notices, dict) and notices["letters"] == 200
    letters = (out / "notices" / "letters.html").read_text(encoding="utf-8")
    assert (
        letters.count(RECIPIENT) >= 200 and CONTACT in letters and "<section" in letters
    )
    with (out / "notices" / "sms.csv").open(encoding="utf-8-sig") as fh:
        sms = list(csv.reader(fh))[1:]
    assert len(sms) == 200 and all(RECIPIENT in row[2] for row in sms)
    # R-22-1: no customer may move without a delivered notice; the refusal is audited
    pv(
        "transfer",
        "delivery",
        "T-0001",
        "--customer",
        "1",
        "--customer",
        "2",
        "--status",
        "delivered",
        *s,
    )
    stderr = fails("transfer", "advance", "T-0001", *s)
    assert "Customer 3 has no delivered notice naming the recipient" in stderr
    log = pv("audit", "log", *s)
    assert isinstance(log, list)
    assert any(e["outcome"] == "denied" and e["target"] == "case:T-0001" for e in log)
    pv("transfer", "delivery", "T-0001", "--all", "--status", "delivered", *s)
    pv("transfer", "object", "T-0001", "--customer", "7", *s)
    assert (
        json.loads(run_piplvault("transfer", "advance", "T-0001", "--json", *s).stdout)[
            "state"
        ]
        == "objection-window"
    )
    assert "objection window of case T-0001 runs until" in fails(
        "transfer", "advance", "T-0001", *s
    )
    assert "in the future" in fails(
        "transfer", "advance", "T-0001", "--as-of", "2099-01-01", *s
    )
    ready = json.loads(
        run_at("2099-01-01", "transfer", "advance", "T-0001", "--json", *s).stdout
    )
    assert isinstance(ready, dict) and ready["state"] == "ready"
    assert ready["exclusions"]["objected"] == [7]
    package = pv(
        "transfer",
        "package",
        "T-0001",
        "--recipient-key",
        str(out / "buyer.x25519.pem"),
        "--recipient-signing-key",
        str(key(buyer, "public", out / "buyer.ed.pem")),
        "--out",
        str(out / "T-0001.pkg"),
        *s,
    )
    assert isinstance(package, dict) and package["customers"] == 199
    assert "bank_card" not in package["fields"]  # R-22-5: finance does not continue
    assert "notes" not in package["fields"]
    seller_key = key(seller, "public", out / "seller.ed25519.pem")
    received = pv(
        "receive",
        str(out / "T-0001.pkg"),
        "--sender-key",
        str(seller_key),
        "--home",
        str(buyer),
    )
    assert isinstance(received, dict) and received["customers"] == 199
    done = pv(
        "transfer",
        "complete",
        "--yes",
        "T-0001",
        "--receipt",
        received["receipt"],
        "--recipient-signing-key",
        str(key(buyer, "public", out / "buyer.ed.pem")),
        "--out",
        str(out / "cert"),
        *s,
    )
    # the seller ceases in a merger: its objector (7) is deleted too (13.8, PIPL Art. 47)
    assert isinstance(done, dict) and done["customers_destroyed"] == 200
    assert done["objectors_deleted"] == 1
    verify = run_piplvault(
        "certificate", "verify", done["certificate"], "--public-key", str(seller_key)
    )
    assert verify.returncode == 0, verify.stderr
    status = pv("status", *s)
    assert isinstance(status, dict) and status["customers"] == 0
    final = pv("transfer", "status", "T-0001", *s)
    assert isinstance(final, dict) and final["state"] == "source-destroyed"
    for home in (seller, buyer):
        assert run_piplvault("audit", "verify", "--home", str(home)).returncode == 0


def test_recipient_keeps_only_inherited_purposes_R_22_3(deal: dict[str, Path]) -> None:
    b = ("--home", str(deal["buyer"]))
    shown = pv("customers", "show", "1", "--reveal", "--purpose", "contract", *b)
    assert isinstance(shown, dict) and shown["fields"]["mobile"]["masked"] is False
    assert "bank_card" not in shown["fields"]
    check = pv("policy", "check", "owner", "1", "mobile", "--purpose", "finance", *b)
    assert isinstance(check, dict) and check["reason"] == "no-legal-basis"
    check = pv("policy", "check", "owner", "1", "mobile", "--purpose", "marketing", *b)
    assert isinstance(check, dict) and check["reason"] == "no-legal-basis"
    pv("consents", "grant", "1", "--purpose", "marketing", *b)
    check = pv("policy", "check", "owner", "1", "mobile", "--purpose", "marketing", *b)
    assert isinstance(check, dict) and check["allowed"] is True


def test_packages_tampered_or_misaddressed_are_refused_R_22_2(
    deal: dict[str, Path], tmp_path: Path
) -> None:
    out = deal["out"]
    other = tmp_path / "other"
    pv("init", str(other))
    seller_key = str(out / "seller.ed25519.pem")
    misaddressed = fails(
        "receive",
        str(out / "T-0001.pkg"),
        "--sender-key",
        seller_key,
        "--home",
        str(other),
    )
    assert "addressed to another recipient" in misaddressed
    data = json.loads((out / "T-0001.pkg").read_text(encoding="utf-8"))
    data["header"]["customers"] = 5
    tampered = tmp_path / "tampered.pkg"
    tampered.write_text(json.dumps(data), encoding="utf-8")
    assert "edited after it was signed" in fails(
        "receive",
        str(tampered),
        "--sender-key",
        seller_key,
        "--home",
        str(deal["buyer"]),
    )
    wrong_sender = fails(
        "receive",
        str(out / "T-0001.pkg"),
        "--sender-key",
        str(out / "buyer.ed.pem"),
        "--home",
        str(deal["buyer"]),
    )
    assert "signature is invalid" in wrong_sender
    status = pv("status", "--home", str(other))
    assert isinstance(status, dict) and status["customers"] == 0


def test_package_missing_a_section_is_refused_R_22_2(tmp_path: Path) -> None:
    from piplvault.settings import load_settings
    from piplvault.vault import Vault, handover, handover_receive
    from tests.conftest import PASSPHRASE

    sender = Vault.create(
        load_settings({"home": tmp_path / "a", "passphrase": PASSPHRASE})
    )
    recipient = Vault.create(
        load_settings({"home": tmp_path / "b", "passphrase": PASSPHRASE})
    )
    try:
        with sender.read() as conn:
            payload = handover.build_payload(
                sender,
                conn,
                customer_ids=[],
                field_keys=None,
                purpose_keys=["contract"],
                party=handover.Party(name="X", identifier=USCC, contact="c"),
                case_id="T-9999",
                kind="transfer",
                deal="merger",
                retention_rules="",
            )
        del payload["rights_requests"]
        from piplvault.crypto.envelope import exchange_pem

        pem = exchange_pem(recipient.keyring.exchange_key.public_key()).encode()
        handover.seal_package(sender, payload, pem, tmp_path / "p.pkg")
        with pytest.raises(IntegrityError, match="lacks section"):
            handover_receive.receive(
                recipient, tmp_path / "p.pkg", sender.public_key_pem().encode()
            )
    finally:
        sender.close()
        recipient.close()


def test_no_plaintext_left_in_either_vault_directory(deal: dict[str, Path]) -> None:
    values = set()
    with (EXAMPLES / "customers.csv").open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            for col in ("姓名", "身份证号", "手机号", "邮箱", "银行卡号", "地址"):
                v = unicodedata.normalize("NFKC", row[col]).strip()
                if len(v.encode()) >= 6:
                    values.add(v)
    # a 4-byte UTF-16 form (a two-character name) matches ciphertext by chance
    forms = searchable(
        form for v in values for form in (v.encode(), v.encode("utf-16-le"))
    )
    for home in (deal["seller"], deal["buyer"]):
        # for each file, the forms that are `in` its bytes
        blobs = [
            occurring(forms, p.read_bytes()) for p in home.rglob("*") if p.is_file()
        ]
        hits = [
            v
            for v in values
            for b in blobs
            if v.encode() in b or v.encode("utf-16-le") in b
        ]
        assert hits == [], home


def test_asset_sale_needs_separate_consent_R_22_4(tmp_path: Path) -> None:
    s = ("--home", str(tmp_path / "v"))
    pv("init", str(tmp_path / "v"))
    pv("import", str(EXAMPLES / "customers.csv"), *s)
    pv(
        "consents",
        "grant",
        "2",
        "--purpose",
        "contract",
        "--separate",
        f"third-party:{USCC}",
        *s,
    )
    # a bare third-party consent names no recipient and unlocks no buyer (13.5)
    pv("consents", "grant", "3", "--purpose", "contract", *s)
    pv(
        "consents",
        "grant",
        "3",
        "--purpose",
        "contract",
        "--separate",
        "third-party:91350100M000100Y43",
        *s,
    )
    case = pv(
        "transfer",
        "create",
        "--recipient",
        RECIPIENT,
        "--contact",
        CONTACT,
        "--uscc",
        USCC,
        "--purposes",
        "contract",
        "--deal",
        "asset-sale",
        *s,
    )
    assert isinstance(case, dict) and case["mode"] == "separate-consent"
    assert case["counts"]["included"] == 1
    assert len(case["exclusions"]["awaiting-separate-consent"]) == 199
    notices = pv("transfer", "notices", case["id"], "--out", str(tmp_path / "n"), *s)
    assert isinstance(notices, dict) and notices["letters"] == 200
    text = (tmp_path / "n" / "letters.html").read_text(encoding="utf-8")
    assert "单独同意" in text and "第二十三条" in text
    with (tmp_path / "n" / "sms.csv").open(encoding="utf-8-sig") as fh:
        sms = [row[2] for row in list(csv.reader(fh))[1:]]
    assert sms and all("同意" in m and "回复N" not in m for m in sms)
    opinion = pv(
        "transfer",
        "create",
        "--recipient",
        RECIPIENT,
        "--contact",
        CONTACT,
        "--uscc",
        USCC,
        "--purposes",
        "contract",
        "--deal",
        "asset-sale",
        "--legal-opinion",
        "法律意见书 2026-11-01 第12号",
        *s,
    )
    assert isinstance(opinion, dict) and opinion["mode"] == "notice"


def test_share_transfer_moves_nothing_R_22_4(imported: Path, tmp_path: Path) -> None:
    s = ("--home", str(tmp_path / "v"))
    imported_vault(tmp_path / "v", imported)
    case = create_case(tmp_path / "v", deal="share-transfer", purposes="contract")
    assert isinstance(case, dict) and case["mode"] == "change-notice"
    assert "no notice is required" in fails(
        "transfer", "notices", case["id"], "--out", str(tmp_path / "n"), *s
    )
    notices = pv(
        "transfer",
        "notices",
        case["id"],
        "--out",
        str(tmp_path / "n"),
        "--voluntary",
        *s,
    )
    assert isinstance(notices, dict) and notices["state"] == "closed"
    closed = create_case(tmp_path / "v", deal="share-transfer", purposes="contract")
    assert pv("transfer", "advance", closed["id"], *s)["state"] == "closed"  # type: ignore[index]
    assert "不发生转移" in (tmp_path / "n" / "letters.html").read_text(encoding="utf-8")
    other = tmp_path / "o"
    pv("init", str(other))
    pem = key(other, "exchange", tmp_path / "o.pem")
    assert "moves no data" in fails(
        "transfer",
        "package",
        case["id"],
        "--recipient-key",
        str(pem),
        "--out",
        str(tmp_path / "x.pkg"),
        *s,
    )


def test_regulator_report_step_over_threshold_R_NDS_32_1(
    imported: Path, tmp_path: Path
) -> None:
    env = cli_env(PIPLVAULT_REGULATOR_THRESHOLD="100")
    s = ("--home", str(tmp_path / "v"))
    imported_vault(tmp_path / "v", imported)
    case = create_case(tmp_path / "v", deal="merger", purposes="contract", env=env)
    assert (
        isinstance(case, dict) and case["details"]["regulator_report_required"] is True
    )
    pv("transfer", "notices", case["id"], "--out", str(tmp_path / "n"), *s, env=env)
    pv(
        "transfer",
        "delivery",
        case["id"],
        "--all",
        "--status",
        "announced",
        "--reference",
        "国家企业信用信息公示系统 2026-11-23",
        *s,
        env=env,
    )
    pv("transfer", "advance", case["id"], *s, env=env)
    early = run_at("2099-01-01", "transfer", "advance", case["id"], *s, env=env)
    assert "regulator report" in early.stderr
    report = pv(
        "transfer",
        "regulator-report",
        case["id"],
        "--out",
        str(tmp_path / "plan.json"),
        *s,
        env=env,
    )
    assert isinstance(report, dict)
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert plan["recipient"]["name"] == RECIPIENT
    status = pv("status", *s, env=env)
    assert isinstance(status, dict)
    # R-SYS-4: natural persons, de-duplicated at import, over the lowered threshold of 100
    assert plan["persons"] == status["by_kind"]["individual"] > 100
    ready = json.loads(
        run_at(
            "2099-01-01", "transfer", "advance", case["id"], "--json", *s, env=env
        ).stdout
    )
    assert isinstance(ready, dict) and ready["state"] == "ready"


def test_notices_may_not_be_written_inside_the_vault(
    imported: Path, tmp_path: Path
) -> None:
    s = ("--home", str(tmp_path / "v"))
    imported_vault(tmp_path / "v", imported)
    case = create_case(tmp_path / "v", deal="merger", purposes="contract")
    assert isinstance(case, dict)
    assert "may not be written inside the vault" in fails(
        "transfer", "notices", case["id"], "--out", str(tmp_path / "v" / "n"), *s
    )


def test_notices_sent_by_smtp_are_recorded_delivered(
    imported: Path, tmp_path: Path
) -> None:
    """Where SMTP is configured, e-mail notices go out and their delivery is recorded."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    class Collect(Sink):
        def __init__(self) -> None:
            self.messages: list[bytes] = []

        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            self.messages.append(envelope.content)
            return "250 OK"

    from tests.conftest import _free_port

    handler = Collect()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        s = ("--home", str(tmp_path / "v"))
        imported_vault(tmp_path / "v", imported)
        case = create_case(tmp_path / "v", deal="merger", purposes="contract")
        assert isinstance(case, dict)
        sent = pv(
            "transfer",
            "notices",
            case["id"],
            "--out",
            str(tmp_path / "n"),
            "--smtp",
            f"127.0.0.1:{port}",
            "--smtp-from",
            "privacy@example.com",
            *s,
        )
        assert isinstance(sent, dict) and sent["emails_sent"] == 200
    finally:
        controller.stop()
    assert len(handler.messages) == 200
    for raw in handler.messages:  # every e-mail names the recipient (R-22-1)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(preferencelist=("html",))
        assert body is not None and RECIPIENT in body.get_content()
    status = pv("transfer", "status", case["id"], *s)
    assert isinstance(status, dict) and status["counts"]["notices"]["delivered"] == 200
