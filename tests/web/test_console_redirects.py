"""The language switch goes back only to a console page on this server (no open redirect:
a phishing link cannot bounce a logged-in person elsewhere). R-NDS-9-1."""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st

from piplvault.web.routes_auth import _local

TRICKY = st.sampled_from(
    ["/console/", "//", "/\\", "http:", "https://evil.example", "@", "%2f", "\t", "/"]
)


@given(st.lists(st.one_of(TRICKY, st.text(max_size=8)), max_size=6).map("".join))
def test_only_console_paths_are_followed(target: str) -> None:
    if _local(target):
        parts = urlsplit(target)
        assert not parts.scheme and not parts.netloc
        assert target.startswith("/console/") and "\\" not in target


def test_known_answers() -> None:
    assert _local("/console/customers?page=2")
    for bad in (
        "//evil.example/console/",
        "https://x.example/console/",
        "/x",
        "",
        "//[",
    ):
        assert not _local(bad)
