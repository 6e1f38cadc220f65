"""脱敏 rules (ecosystem-notes §6; reliability plan Z3: never shows more than allowed)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piplvault.core.masking import mask


@pytest.mark.parametrize(
    ("entity", "value", "masked"),
    [
        ("CN_MOBILE", "13812345678", "138****5678"),
        ("CN_MOBILE", "+86 138 1234 5678", "138****5678"),
        ("CN_RESIDENT_ID", "11010519491231002X", "110***********002X"),
        ("PERSON", "张伟", "张*"),
        ("PERSON", "张小伟", "张**"),
        ("PERSON", "欧阳娜娜", "欧阳**"),
        ("PERSON", "买买提·艾力", "买买提·**"),
        ("EMAIL", "zhang@example.com", "z***@example.com"),
        ("BANK_CARD", "6222 0212 3456 7890 128", "622202*********0128"),
        ("CN_LANDLINE", "010-62345678", "010-****5678"),
        ("ADDRESS", "北京市朝阳区建国路88号", "北京市朝阳区******"),
        ("CN_USCC", "91110000600037341L", "91110000600037341L"),
        ("HMT_RESIDENCE_PERMIT", "810000199001010019", "810***********0019"),
        ("FOREIGN_PERMANENT_RESIDENT_ID", "USA310179010016", "USA********0016"),
        ("FOREIGN_PERMANENT_RESIDENT_ID", "911840198506070126", "911***********0126"),
        ("MILITARY_ID", "军字第20051234号", "军字第****1234号"),
        ("MILITARY_ID", "7024189", "***4189"),
    ],
)
def test_masking_rules(entity: str, value: str, masked: str) -> None:
    assert mask(entity, value) == masked


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_mobile_mask_shows_at_most_seven_digits(digits: str) -> None:
    shown = mask("CN_MOBILE", digits)
    assert sum(c.isdigit() for c in shown) <= 7
    assert len(shown) == 11


@given(st.text(min_size=1, max_size=40))
def test_masking_never_crashes_and_never_returns_the_value(value: str) -> None:
    for entity in ("PERSON", "CN_RESIDENT_ID", "EMAIL", "BANK_CARD", "ADDRESS", None):
        shown = mask(entity, value)
        if len(value.strip()) >= 2 and entity in (
            "CN_RESIDENT_ID",
            "BANK_CARD",
            "PERSON",
        ):
            assert "*" in shown


@given(
    st.text("军政海空南成后勤", max_size=2),
    st.text("0123456789", min_size=1, max_size=12),
    st.sampled_from(["", "号"]),
)
def test_military_id_mask_shows_at_most_four_digits(
    branch: str, digits: str, tail: str
) -> None:
    """R-51-3: a 军官证/士兵证 number never shows more than its last four digits."""
    value = f"{branch}字第{digits}{tail}" if branch else digits
    shown = mask("MILITARY_ID", value)
    assert sum(c.isdigit() for c in shown) <= min(4, max(len(digits) - 2, 0))
    assert len(shown) == len(value)
