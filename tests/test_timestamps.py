"""Stored timestamps keep one text form (R-SYS-1: the audit chain hashes them as text)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from piplvault.core.ports import to_timestamp


@given(
    moment=st.datetimes(
        min_value=dt.datetime(1000, 1, 2),
        max_value=dt.datetime(9999, 12, 30),
        timezones=st.sampled_from(
            [
                dt.UTC,
                dt.timezone(dt.timedelta(hours=8)),
                dt.timezone(-dt.timedelta(hours=5)),
            ]
        ),
    )
)
def test_timestamp_text_is_the_stored_form_R_SYS_1(moment: dt.datetime) -> None:
    expected = moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert to_timestamp(moment) == expected
