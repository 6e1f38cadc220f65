"""Issue 13 items 1 and 4 through the real CLI, with the smallest case (3 customers).

13.1 (R-22-3): every case purpose the customer's own legal basis covers travels with it,
so the recipient may use the customer for after-sales as the notice promised.
13.4: a customer is in one open transfer case at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fast import suite_env
from tests.transfer.small import cli, clock_at, create, fails, keys, to_ready, vault
from tests.vaults import clone


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A seller holding the 3 customers and an empty buyer vault, built once; each test
    copies them (the buyer is a vault of its own, not a copy of the seller)."""
    base = tmp_path_factory.mktemp("scope-rules")
    with suite_env():
        vault(base / "s", customers=True)
        vault(base / "b")
    return {"s": base / "s", "b": base / "b"}


def _copy(templates: dict[str, Path], tmp_path: Path, *names: str) -> tuple[Path, ...]:
    """This test's own copies of the template vaults ``names`` ("s", "b")."""
    return tuple(clone(templates[name], tmp_path / name) for name in names)


def test_every_covered_case_purpose_is_carried_R_22_3(
    templates: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (seller, buyer), out = _copy(templates, tmp_path, "s", "b"), tmp_path / "out"
    bk, sk = keys(buyer, out), keys(seller, out)
    # customer 3 withdrew after-sales (a consent record overrides the contract basis)
    s = ("--home", seller)
    cli("consents", "grant", "3", "--purpose", "after-sales", *s)
    cli("consents", "withdraw", "3", "--purpose", "after-sales", *s)
    case = create(seller, purposes="contract,after-sales")["id"]
    to_ready(seller, case, out, monkeypatch)
    package = cli(
        "transfer", "package", case, "--recipient-key", bk["exchange"],
        "--recipient-signing-key", bk["public"], "--out", out / "p.pkg", *s,
    )  # fmt: skip
    assert package["customers_per_purpose"] == {"after-sales": 2, "contract": 3}
    got = cli("receive", out / "p.pkg", "--sender-key", sk["public"], "--home", buyer)
    assert got["customers_per_purpose"] == {"after-sales": 2, "contract": 3}
    b = ("--home", buyer)
    shown = cli("customers", "show", "1", "--reveal", "--purpose", "after-sales", *b)
    assert shown["fields"]["mobile"]["masked"] is False
    check = cli(
        "policy", "check", "owner", "3", "mobile", "--purpose", "after-sales", *b
    )
    assert check["allowed"] is False


def test_one_open_case_per_customer_13_4(
    templates: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (seller, buyer), out = _copy(templates, tmp_path, "s", "b"), tmp_path / "out"
    bk = keys(buyer, out)
    first = create(seller)
    assert first["counts"]["included"] == 3
    second = create(seller)
    assert second["counts"]["included"] == 0
    assert second["exclusions"] == {f"in-open-case-{first['id']}": [1, 2, 3]}
    assert "one open transfer at a time" in second["warning"]
    # a share-transfer change notice moves nothing and locks nobody
    notice_only = create(seller, deal="share-transfer")
    assert notice_only["counts"]["included"] == 3
    # the second case cannot package anyone the first one holds
    to_ready(seller, second["id"], out / "2", monkeypatch)
    to_ready(seller, first["id"], out / "1", monkeypatch)
    package = cli(
        "transfer", "package", first["id"], "--recipient-key", bk["exchange"],
        "--recipient-signing-key", bk["public"], "--out", out / "p.pkg",
        "--home", seller,
    )  # fmt: skip
    assert package["customers"] == 3
    refused = fails(
        "transfer", "package", second["id"], "--recipient-key", bk["exchange"],
        "--recipient-signing-key", bk["public"], "--out", out / "q.pkg",
        "--home", seller,
    )  # fmt: skip
    assert "has no customer in scope (in-open-case-T-0001)" in refused
    assert not (out / "q.pkg").exists()


def test_asset_sale_consent_must_name_the_recipient_13_5(
    templates: dict[str, Path], tmp_path: Path
) -> None:
    """PIPL Art. 23: a separate consent counts only for the recipient it names."""
    from tests.transfer.small import USCC

    (home,) = _copy(templates, tmp_path, "s")
    s = ("--home", str(home))
    cli(
        "consents",
        "grant",
        "1",
        "--purpose",
        "contract",
        "--separate",
        "third-party",
        *s,
    )
    other = "third-party:91350100M000100Y43"
    cli("consents", "grant", "2", "--purpose", "contract", "--separate", other, *s)
    grant = ("consents", "grant", "3", "--purpose", "contract")
    cli(*grant, "--separate", f"third-party:{USCC}", *s)
    case = create(home, deal="asset-sale")
    assert case["mode"] == "separate-consent"
    assert case["exclusions"] == {"awaiting-separate-consent": [1, 2]}
    cli("transfer", "notices", case["id"], "--out", tmp_path / "n", *s)
    done = cli(
        "transfer", "consent", case["id"], "--customer", "1", "--channel", "sms", *s
    )
    assert done["included"] is True
    status = cli("transfer", "status", case["id"], *s)
    assert status["exclusions"] == {"awaiting-separate-consent": [2]}
    assert "only an asset sale" in fails(
        "transfer", "consent", create(home)["id"], "--customer", "2", *s
    )


def test_bankruptcy_names_the_court_appointed_administrator_13_7(
    templates: dict[str, Path], tmp_path: Path
) -> None:
    (home,) = _copy(templates, tmp_path, "s")
    assert "appointment decision" in fails(
        "transfer", "create", "--recipient", "某律师事务所（破产管理人）",
        "--contact", "010-1", "--uscc", "91110000600037341L", "--purposes", "contract",
        "--deal", "bankruptcy", "--home", home,
    )  # fmt: skip
    case = create(
        home, "--court-appointment", "(2026)京01破1号决定书", deal="bankruptcy"
    )
    assert case["party"]["kind"] == "administrator" and case["mode"] == "notice"
    assert case["details"]["court_appointment"] == "(2026)京01破1号决定书"
    assert case["plan"]["objectors_deleted_at_completion"] == []


@pytest.mark.parametrize(("deal", "deleted"), [("merger", 1), ("division", 0)])
def test_objectors_deleted_when_the_seller_ceases_13_8(
    deal: str,
    deleted: int,
    templates: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (seller, buyer), out = _copy(templates, tmp_path, "s", "b"), tmp_path / "out"
    s = ("--home", str(seller))
    bk, sk = keys(buyer, out), keys(seller, out)
    case = create(seller, deal=deal)["id"]
    cli("transfer", "notices", case, "--out", out / "n", *s)
    cli("transfer", "delivery", case, "--all", "--status", "delivered", *s)
    cli("transfer", "object", case, "--customer", "2", *s)
    cli("transfer", "advance", case, *s)
    with clock_at(monkeypatch, "2099-01-01"):
        cli("transfer", "advance", case, *s)
    status = cli("transfer", "status", case, *s)
    assert status.get("plan", {}).get("objectors_deleted_at_completion", []) == (
        [2] if deleted else []
    )
    cli(
        "transfer", "package", case, "--recipient-key", bk["exchange"],
        "--recipient-signing-key", bk["public"], "--out", out / "p.pkg", *s,
    )  # fmt: skip
    got = cli("receive", out / "p.pkg", "--sender-key", sk["public"], "--home", buyer)
    done = cli("transfer", "complete", "--yes", case, "--receipt", got["receipt"], *s)
    assert done["objectors_deleted"] == deleted
    assert cli("status", *s)["customers"] == 1 - deleted
    if deleted:
        import json

        cert = json.loads(Path(done["certificate"]).read_bytes())
        assert any("第四十七条" in b for b in cert["why"]["legal_basis"])
