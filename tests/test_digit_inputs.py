"""Numbers typed into forms and files: any text is either a number (full-width digits
included, 全角数字) or a typed refusal — never a crash. ``str.isdigit`` accepts '²' and
'①', which ``int`` refuses: every check before an ``int`` is ``isdecimal`` (fail closed,
clear errors; ecosystem notes: full-width digits)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import FormData

from piplvault.errors import ValidationError
from piplvault.web.deps import whole_number
from piplvault.web.routes_case_actions import _customers
from piplvault.web.routes_lifecycle import _ids

_TRICKY = st.sampled_from(["²", "①", "٣", "５", "7", "¹²", "Ⅻ", " ", "", "-1", "+2"])
_TEXT = st.one_of(st.text(max_size=8), st.lists(_TRICKY, max_size=4).map("".join))


@given(_TEXT)
def test_whole_number_is_a_number_or_a_typed_refusal(text: str) -> None:
    try:
        value = whole_number(text, 6)
    except ValidationError:
        return
    assert value == int(text) and 0 <= value < 10**6


@given(st.lists(_TEXT, max_size=4).map(" ".join))
def test_id_lists_are_numbers_or_a_typed_refusal(text: str) -> None:
    for parse in (_ids, lambda t: _customers(FormData({"customers": t}))):
        try:
            ids = parse(text)
        except ValidationError:
            continue
        assert ids is not None and all(isinstance(i, int) and i >= 0 for i in ids)


@pytest.mark.parametrize(("text", "value"), [("５", 5), ("４２", 42), ("42", 42)])
def test_full_width_digits_are_numbers(text: str, value: int) -> None:
    assert whole_number(text, 6) == value


@pytest.mark.parametrize("text", ["²", "①", "1²"])
def test_superscript_and_circled_digits_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        whole_number(text, 6)
    with pytest.raises(ValidationError):
        _ids(text)
