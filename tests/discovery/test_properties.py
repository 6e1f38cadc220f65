"""Property tests: recognizers never crash, valid identifiers are found, corruptions fail."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.cn import uscc

from piplvault.discovery import (
    entity_names,
    find_spans,
    label_cell,
    normalise,
    validate,
)
from piplvault.discovery.bank_card import _looks_like_id
from piplvault.discovery.resident_id import check_digit

_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from("0123456789１２３-+ @.·，。客户张王李欧阳市区路号XxE"),
    ),
    max_size=80,
)
_DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=1)


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    area = draw(st.sampled_from(["110105", "140525", "310101", "440305", "652922"]))
    day = draw(
        st.dates(
            min_value=__import__("datetime").date(1900, 1, 1),
            max_value=__import__("datetime").date(2020, 12, 31),
        )
    )
    seq = draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    first17 = area + day.strftime("%Y%m%d") + seq
    return first17 + check_digit(first17)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    body = (
        "91"
        + draw(st.sampled_from(["110000", "440300", "510682"]))
        + draw(
            st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=9, max_size=9)
        )
    )
    return body + uscc.calc_check_digit(body)


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    length = draw(st.integers(16, 19))
    body = draw(st.sampled_from(["622202", "621700", "622848", "436742"])) + draw(
        st.text(alphabet="0123456789", min_size=length - 7, max_size=length - 7)
    )
    return body + luhn.calc_check_digit(body)


def _corrupt(value: str, position: int, digit: str) -> str | None:
    index = position % len(value)
    if not value[index].isdigit() or value[index] == digit:
        return None
    return value[:index] + digit + value[index + 1 :]


@settings(max_examples=300)
@given(_TEXT)
def test_find_spans_never_crashes_and_spans_are_in_bounds(text: str) -> None:
    for span in find_spans(text):
        assert 0 <= span.start < span.end <= len(text)


@given(st.sampled_from(entity_names()), _TEXT)
def test_validators_and_normalisers_never_crash(entity: str, text: str) -> None:
    assert isinstance(validate(entity, text), bool)
    once = normalise(entity, text)
    assert normalise(entity, once) == once
    label_cell(entity, text)
    label_cell(None, text)


@given(resident_ids(), st.integers(0, 17), _DIGITS)
def test_generated_ids_are_found_and_corruptions_rejected(
    number: str, position: int, digit: str
) -> None:
    assert validate("CN_RESIDENT_ID", number)
    text = f"客户身份证号{number}，请核验。"
    assert [(s.start, s.end, s.entity) for s in find_spans(text)] == [
        (6, 24, "CN_RESIDENT_ID")
    ]
    corrupted = _corrupt(number, position, digit)
    assume(corrupted is not None)
    assert not validate("CN_RESIDENT_ID", str(corrupted))


@given(credit_codes(), st.integers(0, 17), _DIGITS)
def test_generated_credit_codes_are_found_and_corruptions_rejected(
    code: str, position: int, digit: str
) -> None:
    assert validate("CN_USCC", code)
    assert [s.entity for s in find_spans(f"税号{code}。")] == ["CN_USCC"]
    corrupted = _corrupt(code, position, digit)
    assume(corrupted is not None)
    assert not validate("CN_USCC", str(corrupted))


@given(card_numbers(), st.integers(0, 18), _DIGITS)
def test_generated_cards_are_found_and_corruptions_rejected(
    number: str, position: int, digit: str
) -> None:
    assume(not _looks_like_id(number))
    assert validate("BANK_CARD", number)
    assert [s.entity for s in find_spans(f"卡号{number}，户名")] == ["BANK_CARD"]
    corrupted = _corrupt(number, position, digit)
    assume(corrupted is not None)
    assert not validate("BANK_CARD", str(corrupted))


_ADDRESS_PARTS = st.sampled_from(
    [
        "北京市",
        "朝阳区",
        "山东省",
        "滨州市",
        "沾化区",
        "友谊镇",
        "华府村",
        "朝阳南路",
        "37号",
        "12-3-501",
        "紫荆苑",
        "11栋",
        "3单元",
        "2401室",
        "5组",
        " 100020",
        "与农业路交叉口",
        "附近",
        "A座",
    ]
)
_ODD = st.sampled_from(list("*＊@#()（）·.,，。/:：_ -—\u3000\t")) | st.characters(
    codec="utf-8"
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_ADDRESS_PARTS, _ODD), min_size=1, max_size=9))
def test_the_address_prefilter_never_changes_an_answer(pieces: list[str]) -> None:
    """R-SYS-1 (fail closed): the cheap character check in front of the address parser
    refuses only texts the parser refuses too — masked residues, e-mail, punctuation."""
    from piplvault.discovery import address

    text = "".join(pieces)
    assert address.validate(text) == address._parses_whole(address.normalise(text))


def test_the_address_prefilter_keeps_real_addresses() -> None:
    from piplvault.discovery import address

    for text in (
        "山东省滨州市沾化区友谊镇华府村5组",
        "北京市朝阳区朝阳南路37号 100020",
    ):
        assert address.validate(text)
    assert not address.validate("北京市朝阳区朝阳南路**号")


_ASCII_PIECES = st.sampled_from(
    ["12-3-501", " 100020", "No. 5", "Road", "138****5678", "u***@example.com"]
) | st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ASCII_PIECES, min_size=1, max_size=6))
def test_ascii_text_is_never_an_address_or_a_name_R_SYS_1(pieces: list[str]) -> None:
    """R-SYS-1 (fail closed): the shortcuts that skip the address parser and the name
    finder on ASCII text (masked values, numbers, e-mail) skip only texts they refuse."""
    from piplvault.discovery import address, person

    text = "".join(pieces)
    assert not address._parses_whole(address.normalise(text))
    assert list(person.find(text)) == []


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="0123456789abcdefABCDEF.", min_size=7, max_size=45)
    | st.builds(
        lambda parts: ".".join(parts),
        st.lists(st.integers(0, 300).map(str), min_size=1, max_size=6),
    )
)
def test_an_ip_address_without_colons_has_three_dots_R_SYS_1(text: str) -> None:
    """R-SYS-1: the dot count checked before ``ipaddress`` refuses only what it refuses."""
    import ipaddress

    from piplvault.discovery import ip_address

    try:
        ipaddress.ip_address(text)
        parsed = True
    except ValueError:
        parsed = False
    assert ip_address.validate(text) == parsed


_ASCII_TEXT = _ASCII_PIECES | st.sampled_from(
    ["90389.73", "C00661617", "997005102190087576", "Bank of China", "Co., Ltd"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ASCII_TEXT, min_size=1, max_size=6))
def test_ascii_text_is_never_a_bank_or_an_organisation_R_SYS_1(
    pieces: list[str],
) -> None:
    """R-SYS-1 (fail closed): the ASCII prefilters of the bank-branch and organisation
    validators (every bank word, abbreviation, suffix and department word holds
    ideographs) refuse only texts the full checks refuse."""
    from piplvault.discovery import bank_branch, organisation

    text = "".join(pieces).strip()
    assert not bank_branch._names_a_bank(bank_branch.normalise(text).replace(" ", ""))
    assert not organisation._names_an_organisation(organisation.normalise(text))
    assert not bank_branch.validate(text) and not organisation.validate(text)


def test_the_bank_and_organisation_words_all_hold_ideographs() -> None:
    """Why the ASCII prefilters are sound: no word either validator accepts on is ASCII."""
    from piplvault.discovery import bank_branch, organisation

    words = [
        *bank_branch.ABBREVIATIONS,
        *bank_branch.BANKS,
        *bank_branch._BRANCH_SUFFIXES,
        *organisation.STRONG_SUFFIXES,
        *organisation.WEAK_SUFFIXES,
    ]
    assert words and not [w for w in words if w.isascii()]
    assert bank_branch.validate("中国银行北京分行") and organisation.validate(
        "杭州某某科技有限公司"
    )


_MASKED_DIGITS = st.builds(
    lambda parts, tail: "".join(d + "*" * n for d, n in parts) + tail,
    st.lists(
        st.tuples(st.text(alphabet="0123456789", max_size=4), st.integers(1, 12)),
        min_size=1,
        max_size=6,
    ),
    st.text(alphabet="0123456789", max_size=4),
)


@settings(max_examples=500, deadline=None)
@given(_MASKED_DIGITS)
def test_masked_digits_hold_nothing_personal_R_SYS_1(shown: str) -> None:
    """R-SYS-1: a shown value of digits and stars, at most four digits in a row (a masked
    mobile, ID number or card), is one no recognizer accepts or finds anything in — so the
    masking's residue check may show it as it is (``records._MASKED_DIGITS``)."""
    from piplvault.discovery.columns import label_cell
    from piplvault.discovery.spans import find_span_tuples
    from piplvault.vault import records

    assert records._MASKED_DIGITS.fullmatch(shown)
    assert label_cell(None, shown) is None
    assert find_span_tuples(shown) == ()
    assert records._checked(shown) == shown


def test_the_masked_digits_shortcut_leaves_longer_runs_to_the_check() -> None:
    from piplvault.vault import records

    for shown in ("138****5678", "420***********6170", "6222********1234"):
        assert records._MASKED_DIGITS.fullmatch(shown)
    for shown in ("13812345678", "1381234*5678", "138****56789", "u***@example.com"):
        assert not records._MASKED_DIGITS.fullmatch(shown)
    assert records._nothing_personal_left("13812345678") == "138****5678"
