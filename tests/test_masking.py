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
