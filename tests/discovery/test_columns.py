"""Column decisions: values decide, headers raise or lower the bar; classification."""

from __future__ import annotations

from piplvault.discovery import ColumnDecision, classify_columns, label_cell
from piplvault.discovery.resident_id import check_digit


def _ids(n: int) -> list[str]:
    out = []
    for i in range(n):
        first17 = f"11010519{80 + i % 20:02d}0{1 + i % 9}1{i % 10}{i % 7}{i % 3}{i % 5}"
        out.append(first17 + check_digit(first17))
    return out


def _decide(header: str, values: list[str]) -> ColumnDecision:
    return classify_columns([header], [[v] for v in values])[0]


def test_id_column_is_sensitive_grade_4_r_28_1() -> None:
    decision = _decide("证件号码", _ids(50))
    assert (decision.kind, decision.entity) == ("pii", "CN_RESIDENT_ID")
    assert (decision.sensitivity, decision.grade, decision.category) == (
        "sensitive",
        4,
        "identity",
    )
    assert decision.valid_ratio == 1.0


def test_order_numbers_failing_the_check_digit_are_not_ids() -> None:
    ids = _ids(50)
    orders = [i[:17] + ("0" if i[17] != "0" else "1") for i in ids]
    assert _decide("订单号", orders).kind == "non_pii"


def test_header_naming_ids_keeps_the_type_whatever_the_values_fail_closed() -> None:
    """Issue 12.1 / R-28-1: failing values are flagged per cell, never a downgrade."""
    ids = _ids(50)
    typos = [i[:17] + ("0" if i[17] != "0" else "1") for i in ids]
    for header in ("ID_NO", "身份证号", "ID No.", "Id_No", "证件号码"):
        decision = _decide(header, [*typos[:2], "1.1E+17", *ids[:1]])
        assert (decision.kind, decision.entity) == ("pii", "CN_RESIDENT_ID"), header
        assert decision.valid_ratio == 0.25
        assert decision.hint and "25%" in decision.hint


def test_unnamed_column_is_decided_by_values() -> None:
    phones = [f"138{i:08d}" for i in range(40)]
    decision = _decide("col7", phones)
    assert (decision.kind, decision.entity) == ("pii", "CN_MOBILE")


def test_notes_column_is_free_text() -> None:
    notes = [
        "客户张伟来电，要求将手机号改为13812345678。",
        "已电话回访，客户表示满意。",
    ]
    assert _decide("备注", notes).kind == "free_text"
    assert _decide("col9", notes * 5).kind == "free_text"


def test_people_and_companies_make_a_mixed_column() -> None:
    values = ["张伟", "李秀英", "示例科技有限公司", "王芳", "欧阳娜娜"]
    decision = _decide("客户名称", values)
    assert (decision.kind, decision.entity, decision.mixed) == ("pii", "PERSON", True)
    assert label_cell("PERSON", "示例科技有限公司") == "ORG_NAME"
    assert label_cell("PERSON", "张伟") == "PERSON"
    assert label_cell("PERSON", "") is None


def test_business_and_enterprise_columns() -> None:
    assert _decide("交易金额", ["¥43,680.10", "1606", "14.66元"]).kind == "non_pii"
    assert _decide("客户类型", ["个人", "企业"] * 10).kind == "non_pii"
    uscc = _decide("统一社会信用代码", ["91110000600037341L"] * 5)
    assert (uscc.entity, uscc.sensitivity, uscc.grade) == ("CN_USCC", None, 1)


def test_birth_date_needs_a_header() -> None:
    dates = ["1990-01-02", "1985/3/4", "2001年12月1日"]
    assert _decide("下单日期", dates).kind == "non_pii"
    assert _decide("出生日期", dates).entity == "DATE_OF_BIRTH"


def test_label_cell_without_hint_picks_the_validating_entity() -> None:
    assert label_cell(None, "+86 138 1234 5678") == "CN_MOBILE"
    assert label_cell(None, "客户来电") is None
    assert label_cell("CN_MOBILE", "12345678901") is None


def test_exports_match_all() -> None:
    import piplvault.discovery as discovery

    public = {n for n in vars(discovery) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(discovery, n)).__name__ == "module"}
    assert sorted(public - modules - {"annotations"}) == discovery.__all__


def test_english_headers_are_understood() -> None:
    headers = ["name", "id_no", "mobile", "e-mail", "company", "account", "remark"]
    row = [
        "张伟",
        "11010519491231002X",
        "13812345678",
        "zhang.wei@example.com",
        "示例科技有限公司",
        "6222021234567890128",
        "客户来电，已解答。",
    ]
    decisions = classify_columns(headers, [row] * 5)
    assert [(d.kind, d.entity) for d in decisions] == [
        ("pii", "PERSON"),
        ("pii", "CN_RESIDENT_ID"),
        ("pii", "CN_MOBILE"),
        ("pii", "EMAIL"),
        ("pii", "ORG_NAME"),
        ("pii", "BANK_CARD"),
        ("free_text", None),
    ]


def test_business_headers_veto_values_that_happen_to_validate() -> None:
    mobiles = [f"138{i:08d}" for i in range(20)]
    assert _decide("商品SKU", mobiles).kind == "non_pii"
    assert _decide("下单手机号", mobiles).entity == "CN_MOBILE"
    assert _decide("证件编号", _ids(20)).entity == "CN_RESIDENT_ID"


def test_mixed_phone_column_is_labelled_per_cell() -> None:
    decision = _decide("联系电话", ["13812345678", "010-62345678", "13912345678"])
    assert (decision.entity, decision.mixed) == ("CN_MOBILE", True)
    assert label_cell("CN_MOBILE", "010-62345678") == "CN_LANDLINE"


def test_a_column_of_place_names_is_not_people() -> None:
    cities = [
        "广州",
        "杭州",
        "南京",
        "武汉",
        "郑州",
        "长沙",
        "苏州",
        "金华",
        "唐山",
        "洛阳",
    ]
    assert _decide("所在城市", cities).kind == "non_pii"
    assert _decide("姓名", ["高平", "黄岩", "张伟", "李娜"]).entity == "PERSON"
