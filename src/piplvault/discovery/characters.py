"""Character-level normalisation shared by every recognizer.

Two forms are used: :func:`to_halfwidth` maps full-width ASCII (``１３８``, ``＠``,
``（``) and the ideographic space to their ASCII forms *one character for one
character*, so offsets found in its output are offsets into the original text;
:func:`to_nfkc` is the full Unicode NFKC form plus trimming, used on whole values.
"""

from __future__ import annotations

import unicodedata

_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_HALFWIDTH[0x3000] = 0x20
# Chinese full-stop-like separators inside numbers stay as they are; only brackets,
# digits, letters and common symbols are folded.
_HALFWIDTH[0x2014] = ord("-")  # em dash used as a separator in phone numbers
_HALFWIDTH[0x2212] = ord("-")  # minus sign


def to_halfwidth(text: str) -> str:
    """Fold full-width ASCII to ASCII, keeping the length (offsets stay valid)."""
    return text.translate(_HALFWIDTH)


def to_nfkc(value: str) -> str:
    """NFKC-normalised and trimmed (the form whole values are validated in)."""
    if value.isascii():
        return value.strip()
    return unicodedata.normalize("NFKC", value).strip()


def is_cjk(char: str) -> bool:
    """Whether ``char`` is a CJK unified ideograph (basic block or extensions)."""
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x3134F
        or 0xF900 <= code <= 0xFAFF
    )


def strip_separators(value: str) -> str:
    """``value`` without spaces, dashes and dots (the separators people type)."""
    return value.replace(" ", "").replace("-", "").replace("\u00a0", "")
