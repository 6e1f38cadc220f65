"""One canonical JSON for every signed, MACed or hashed byte string (R-9-1, R-47-1).

The bytes are pinned to the encoding the audit chain, envelopes, handover packages,
certificates and approval digests used before they shared one function, so signatures made
by older releases still verify.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from piplvault.core.approvals import params_digest
from piplvault.core.canonical import canonical_json

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=20)
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(
            st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
            inner,
            max_size=5,
        )
    ),
    max_leaves=25,
)


def _legacy(obj: Any) -> bytes:
    """The copy each module carried before (audit chain, envelope, handover, certificate)."""
    return json.dumps(
        obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_JSON)
def test_canonical_json_is_byte_identical_to_the_signed_encoding_of_older_releases(
    obj: Any,
) -> None:
    assert canonical_json(obj) == _legacy(obj)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_JSON)
def test_canonical_json_round_trips_and_is_a_fixed_point(obj: Any) -> None:
    data = canonical_json(obj)
    again = json.loads(data.decode("utf-8"))
    assert again == obj
    assert canonical_json(again) == data


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(max_size=6), st.integers(), min_size=2, max_size=8))
def test_key_order_does_not_change_the_bytes(obj: dict[str, int]) -> None:
    backwards = dict(reversed(list(obj.items())))
    assert list(backwards) != list(obj)
    assert canonical_json(backwards) == canonical_json(obj)


def test_known_bytes_keep_non_ascii_as_utf8_without_whitespace() -> None:
    obj = {"b": [1, 2.5, "客户"], "a": {"z": True, "y": None}}
    assert (
        canonical_json(obj) == '{"a":{"y":null,"z":true},"b":[1,2.5,"客户"]}'.encode()
    )


def test_unknown_types_are_refused_unless_a_default_converts_them() -> None:
    with pytest.raises(TypeError):
        canonical_json({"at": object()})
    assert canonical_json({"at": Path("x")}, default=str) == b'{"at":"x"}'


def test_approval_digest_is_unchanged_for_existing_approvals() -> None:
    # Digest stored by approvals requested before the shared function existed.
    params = {"ids": [3, 1], "at": "2026-01-02", "名": "张三", "x": None}
    assert params_digest("customers-delete", params) == (
        "4254562441612dabc5606dbb3655f4008d783ac49b3d52de679f8a9c8e1ee616"
    )
