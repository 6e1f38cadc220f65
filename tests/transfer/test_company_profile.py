"""Issue 13 item 9: the handler is named on every notice (no "本公司" placeholder): the
company profile asked at ``init`` and kept with ``company set|show``; SMS carry the
registered signature; letters carry the address block and the handler block. Issue 13 item 6:
a share transfer's change notice gives the company's own contact, not the new shareholder's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fast import suite_env
from tests.transfer.small import CONTACT, ROWS, cli, create, fails
from tests.vaults import clone

PROFILE = (
    "--company-name", "示例商贸有限公司", "--company-uscc", "91110000600037341L",
    "--company-address", "北京市东城区示例路1号", "--company-contact", "400-000-0000",
    "--company-dpo", "privacy@example.com", "--sms-signature", "示例商贸",
)  # fmt: skip


def _vault(tmp_path: Path, *profile: str) -> tuple[str, str]:
    home = tmp_path / "v"
    created = cli("init", home, *profile)
    source = tmp_path / "c.csv"
    source.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    cli("import", source, "--home", home)
    return created, ("--home", str(home))


@pytest.fixture(scope="module")
def profiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """A vault made with the whole profile at ``init`` and holding the 4 customers, built
    once (with what ``init`` printed); each test copies it."""
    with suite_env():
        created, h = _vault(tmp_path_factory.mktemp("profiled"), *PROFILE)
    return created, Path(h[1])


def _profiled_copy(
    profiled: tuple[Any, Path], tmp_path: Path
) -> tuple[Any, tuple[str, str]]:
    home = clone(profiled[1], tmp_path / "v")
    return profiled[0], ("--home", str(home))


def test_profile_at_init_printed_on_notices_13_9(
    profiled: tuple[Any, Path], tmp_path: Path
) -> None:
    created, h = _profiled_copy(profiled, tmp_path)
    assert created["company"]["uscc"] == "91110000600037341L"
    assert created["company_missing"] == []
    case = create(Path(h[1]))["id"]
    cli("transfer", "notices", case, "--out", tmp_path / "n", *h)
    letters = (tmp_path / "n" / "letters.html").read_text(encoding="utf-8")
    assert "本公司" not in letters
    assert (
        "个人信息处理者：示例商贸有限公司（统一社会信用代码 91110000600037341L）"
        in letters
    )
    assert "个人信息保护负责人：privacy@example.com" in letters
    assert "重庆市渝中区和平路1号<br>张健" in letters  # the postal address block
    sms = (tmp_path / "n" / "sms.csv").read_text(encoding="utf-8-sig")
    assert "【示例商贸】" in sms and "本公司" not in sms


def test_company_set_show_and_validation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PIPLVAULT_COMPANY")
    created, h = _vault(tmp_path)
    assert "name" in created["company_missing"]
    case = create(Path(h[1]))["id"]
    assert "company profile has no name" in fails(
        "transfer", "notices", case, "--out", tmp_path / "n", *h
    )
    assert "valid unified social credit code" in fails(
        "company", "set", "--uscc", "91110000600037341X", *h
    )
    assert "2–16 characters" in fails("company", "set", "--sms-signature", "示", *h)
    cli("company", "set", "--name", "示例商贸有限公司", "--contact", "400-000-0000", *h)
    shown = cli("company", "show", *h)
    assert shown["name"] == "示例商贸有限公司" and "dpo" in shown["missing"]
    assert any(e["action"] == "company-profile-set" for e in cli("audit", "log", *h))
    cli("transfer", "notices", case, "--out", tmp_path / "n", *h)


def test_share_transfer_notice_gives_the_company_contact_13_6(
    profiled: tuple[Any, Path], tmp_path: Path
) -> None:
    _, h = _profiled_copy(profiled, tmp_path)
    case = create(Path(h[1]), deal="share-transfer")["id"]
    assert "no notice is required" in fails(
        "transfer", "notices", case, "--out", tmp_path / "n", *h
    )
    cli("transfer", "notices", case, "--out", tmp_path / "n", "--voluntary", *h)
    letters = (tmp_path / "n" / "letters.html").read_text(encoding="utf-8")
    assert "新的联系方式：400-000-0000" in letters and CONTACT not in letters


def test_due_diligence_pack_signed_without_plaintext_13_10(
    profiled: tuple[Any, Path], tmp_path: Path
) -> None:
    from tests.transfer.small import keys

    _, h = _profiled_copy(profiled, tmp_path)
    cli("consents", "grant", "1", "--purpose", "marketing", *h)
    done = cli(
        "transfer", "due-diligence", "--for", "示例承接科技有限公司",
        "--out", tmp_path / "dd.json", *h,
    )  # fmt: skip
    data = (tmp_path / "dd.json").read_bytes()
    for row in ROWS[1:]:
        for value in row.split(",")[2:]:
            assert value.encode() not in data, "plaintext in the report"
    k = keys(Path(h[1]), tmp_path / "k")
    report = cli(
        "transfer", "verify-report", tmp_path / "dd.json", "--public-key", k["public"]
    )
    assert report["handler"]["uscc"] == "91110000600037341L"
    assert report["summary"]["customers"] == done["summary"]["customers"] == 3
    marketing = next(
        p
        for p in report["purposes_and_consent_coverage"]
        if p["purpose"] == "marketing"
    )
    assert (
        marketing["customers_live"] == 1 and marketing["customers_without_basis"] == 2
    )
    assert {f["sensitivity"] for f in report["data_map"]["fields"]} >= {"sensitive"}
    edited = tmp_path / "edited.json"
    edited.write_bytes(data.replace(b'"persons":3', b'"persons":4'))
    assert "edited" in fails(
        "transfer", "verify-report", edited, "--public-key", k["public"]
    )


def test_share_transfer_with_business_discontinued_deletes_before_closing_13_6(
    profiled: tuple[Any, Path], tmp_path: Path
) -> None:
    """Our interpretation of PIPL Art. 47(1)(ii), labelled so: nothing moves, the data is
    deleted (or restricted where a statute keeps it) before the new owners take control."""
    import json

    _, h = _profiled_copy(profiled, tmp_path)
    cli("retention", "set", "1", "--last-transaction", "2026-05-01", *h)
    assert "needs the closing date" in fails(
        "transfer", "create", "--recipient", "新股东", "--contact", "010-1",
        "--uscc", "91110000600037341L", "--purposes", "contract",
        "--deal", "share-transfer-discontinued", *h,
    )  # fmt: skip
    case = create(
        Path(h[1]), "--closing-date", "2026-12-31", deal="share-transfer-discontinued"
    )
    assert case["mode"] == "discontinue"
    assert "our interpretation" in case["plan"]["interpretation"]
    assert "needs no transfer notice" in fails(
        "transfer", "notices", case["id"], "--out", tmp_path / "n", *h
    )
    done = cli("transfer", "advance", case["id"], *h)
    assert done["state"] == "closed"
    assert done["customers_destroyed"] == 2 and done["customers_restricted"] == 1
    cert = json.loads(Path(done["certificate"]).read_bytes())
    assert cert["what"]["customers_destroyed"] == 2
    assert cli("status", *h)["customers"] == 1


def test_enterprise_letter_is_addressed_to_its_contact_person_13_9(
    tmp_path: Path,
) -> None:
    home = tmp_path / "v"
    cli("init", home, *PROFILE)
    rows = [
        *ROWS,
        "KH5,企业,七喜网络有限公司,管桂英,,15545937454,m5@example.com,,广州市天河区示例街2号",
    ]
    source = tmp_path / "c.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    cli("import", source, "--home", home)
    case = create(home)["id"]
    cli("transfer", "notices", case, "--out", tmp_path / "n", "--home", home)
    letters = (tmp_path / "n" / "letters.html").read_text(encoding="utf-8")
    assert "广州市天河区示例街2号<br>七喜网络有限公司　管桂英　收" in letters
