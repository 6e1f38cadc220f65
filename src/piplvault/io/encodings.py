"""Decide a text file's encoding exactly, not by guessing, for Chinese business files.

A BOM wins; otherwise the whole file is decoded strictly as UTF-8, then as GB18030 (a
superset of GBK); a file that decodes as GB18030 only into garbled text that is valid
Big5 is refused as Big5 (Traditional Chinese); only when everything fails is
charset-normalizer asked, on a newline-aligned sample, for advice in the error message.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from piplvault.errors import EncodingError, FileUnreadableError

_CHUNK = 1 << 20
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def detect_encoding(path: Path) -> str:
    """The exact encoding of a text file: BOM, else strict UTF-8, else strict GB18030."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise FileUnreadableError(
            f"cannot read: {exc.strerror}", file=str(path)
        ) from exc
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if _decodes_strictly(path, "utf-8"):
        return "utf-8"
    if _decodes_strictly(path, "gb18030"):
        if _looks_like_big5(path):
            raise EncodingError(
                "the file decodes as GBK/GB18030 only into garbled text; it looks like "
                "Big5 (Traditional Chinese): pass --encoding big5, or save it as UTF-8",
                file=str(path),
            )
        return "gb18030"
    return _guess_encoding(path)


def _looks_like_big5(path: Path) -> bool:
    """Big5 bytes often decode as GB18030 too, into rare characters and kana (陳大文 →
    "朝ゅ"). Real GBK customer data is mostly GB2312 level-1 characters."""
    with path.open("rb") as fh:
        sample = fh.read(_CHUNK)
    cut = sample.rfind(b"\n")
    sample = sample[: cut + 1] if cut > 0 else sample
    try:
        sample.decode("big5")
    except UnicodeDecodeError:
        return False
    text = sample.decode("gb18030", errors="replace")
    wide = [c for c in text if ord(c) > 0x7F]
    if len(wide) < 8:
        return False
    common = sum(1 for c in wide if _gb2312_common(c))
    return common < 0.7 * len(wide)


def _gb2312_common(char: str) -> bool:
    """Level-1 hanzi (the 3,755 most common) or full-width punctuation/letters."""
    try:
        lead = char.encode("gb2312")[0]
    except UnicodeEncodeError:
        return False
    return 0xB0 <= lead <= 0xD7 or lead in (0xA1, 0xA3)


def _decodes_strictly(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _guess_encoding(path: Path) -> str:  # always raises; the guess is advice
    from charset_normalizer import from_bytes

    with path.open("rb") as fh:
        sample = fh.read(_CHUNK)
    cut = sample.rfind(b"\n")
    best = from_bytes(sample[: cut + 1] if cut > 0 else sample).best()
    guess = f" (it may be {best.encoding})" if best is not None else ""
    raise EncodingError(
        f"the file is neither UTF-8 nor GBK/GB18030 text{guess}; save it as UTF-8 CSV, "
        "or name its encoding with --encoding (e.g. --encoding big5)",
        file=str(path),
    )
