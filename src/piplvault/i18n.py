"""Messages in zh-CN (default) and English: gettext catalogues kept as Babel ``.po`` files.

``PIPLVAULT_LANG=en`` or ``--lang en`` switches to English. Message ids are English; the
catalogues live in ``locale/{zh_CN,en}/LC_MESSAGES/piplvault.po`` and are read with Babel
(no build step needed to run); ``python -m piplvault.i18n extract|update|compile|check``
keeps them in step with the source (``make i18n``).

Error messages are built with f-strings all over the code; rather than wrapping every raise
site, a catalogue entry may be a *template* (``No customer with id {id}``): a message that
matches it is translated with the captured values put back in.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LANGS = ("zh", "en")
DOMAIN = "piplvault"
LOCALE_DIR: Path = Path(__file__).parent / "locale"
_LOCALES = {"zh": "zh_CN", "en": "en"}
#: ``--lang`` of this command: per thread/task, so that the server's concurrent requests
#: each speak their client's language (a plain CLI run has one thread, one language)
_chosen: ContextVar[str | None] = ContextVar("piplvault_lang", default=None)
_in_request: ContextVar[bool] = ContextVar("piplvault_lang_request", default=False)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it here."""
    return message


def set_lang(lang: str | None) -> None:
    """Choose the language for this command (``--lang``); None: back to the setting."""
    _chosen.set(normalise(lang) if lang else None)


@contextmanager
def request_language(lang: str) -> Iterator[None]:
    """Within this block, messages are in ``lang`` for this request only (the server)."""
    chosen, scoped = _chosen.set(normalise(lang)), _in_request.set(True)
    try:
        yield
    finally:
        _chosen.reset(chosen)
        _in_request.reset(scoped)


def in_request() -> bool:
    """Whether the language is a server request's own (never set process-wide then)."""
    return _in_request.get()


def normalise(lang: str) -> str:
    code = lang.strip().lower().replace("_", "-")
    return "en" if code.startswith("en") else "zh"


def current() -> str:
    """``zh`` or ``en``: ``--lang``, else ``PIPLVAULT_LANG``, else zh."""
    chosen = _chosen.get()
    if chosen:
        return chosen
    return normalise(os.environ.get("PIPLVAULT_LANG") or "zh")


def is_zh() -> bool:
    return current() == "zh"


def po_path(lang: str) -> Path:
    return LOCALE_DIR / _LOCALES[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid → msgstr for ``lang`` (empty translations left out)."""
    from babel.messages.pofile import read_po

    path = po_path(lang)
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=_LOCALES[lang])
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and isinstance(m.id, str) and m.string
    }


def _(message: str) -> str:
    """``message`` in the current language (itself if there is no translation)."""
    return catalogue(current()).get(message, message)


@cache
def _templates(lang: str) -> list[tuple[re.Pattern[str], str]]:
    found = []
    for msgid, msgstr in catalogue(lang).items():
        if "{" not in msgid:
            continue
        seen: set[str] = set()

        def group(match: re.Match[str], seen: set[str] = seen) -> str:
            name = match.group(1)
            if name in seen:
                return f"(?P={name})"
            seen.add(name)
            return f"(?P<{name}>.+?)"

        pattern = re.sub(r"\\\{(\w+)\\\}", group, re.escape(msgid))
        literal = len(re.sub(r"\{\w+\}", "", msgid))
        found.append((literal, re.compile(f"^{pattern}$", re.DOTALL), msgstr))
    # The most specific template first: "Customer {id}" must not swallow
    # "Customer {id} cannot be ported: {reason}" and leave the reason in English.
    found.sort(key=lambda item: -item[0])
    return [(pattern, msgstr) for _, pattern, msgstr in found]


def translate_message(message: str, lang: str | None = None) -> str | None:
    """``message`` translated (exactly or through a template), or None if unknown."""
    lang = lang or current()
    table = catalogue(lang)
    if message in table:
        return table[message]
    for pattern, msgstr in _templates(lang):
        match = pattern.match(message)
        if match:
            values = match.groupdict()
            if "where" in values and lang == "zh":
                values["where"] = _where_zh(values["where"])
            return msgstr.format(**values)
    return None


def _where_zh(where: str) -> str:
    """``f.csv, row 3, column 'x'`` → ``f.csv 第 3 行「x」列``."""
    where = re.sub(r", row (\d+)", r" 第 \1 行", where)
    return re.sub(r", column '(.*)'$", r"「\1」列", where)


#: What each error class means, for a message the catalogue has no translation of.
ERROR_KINDS = {
    "vault-error": N_("Vault error"),
    "config-error": N_("Configuration error"),
    "vault-not-found": N_("Vault not found"),
    "vault-exists": N_("Vault already exists"),
    "wrong-passphrase": N_("Wrong passphrase"),
    "integrity-error": N_("Integrity check failed"),
    "audit-unavailable": N_("Audit log unavailable; nothing was changed"),
    "audit-chain-broken": N_("Audit log chain is broken"),
    "not-found": N_("Not found"),
    "validation-error": N_("Invalid value"),
    "permission-denied": N_("Permission denied"),
    "workflow-step-refused": N_("Step refused"),
    "notice-missing": N_("Notice not delivered"),
    "vault-closed": N_("Vault is closed"),
    "authentication-failed": N_("Authentication failed"),
    "input-file-error": N_("Problem in the input file"),
    "file-unreadable": N_("File cannot be read"),
    "empty-file": N_("File is empty"),
    "encoding-error": N_("File encoding not recognised"),
    "ragged-row": N_("Row has the wrong number of cells"),
    "duplicate-header": N_("Duplicate column name"),
    "cell-too-large": N_("Cell too large"),
    "spreadsheet-error": N_("Spreadsheet cannot be read"),
    "invalid-value": N_("Invalid value in the file"),
    "legal-hold": N_("Blocked by a legal hold"),
    "epoch-key-unavailable": N_("Backup key unavailable"),
    "renderer-unavailable": N_("Document renderer unavailable"),
}


def error_lines(code: str, message: str, *, hint: str | None = None) -> list[str]:
    """The lines an error prints: in zh a Chinese line first, always ``Error: …``.

    ``hint`` is the command-line flag the error is about (use cases name fields, not
    flags); it is added unless the message already names it."""
    if hint and hint in message:
        hint = None
    lines = []
    if is_zh():
        translated = translate_message(message, "zh")
        if translated is None:
            kind = catalogue("zh").get(ERROR_KINDS.get(code, ""), "")
            translated = f"{kind or '出错'}（详见下一行英文原文）"
        lines.append(f"错误：{translated}" + (f"（{hint}）" if hint else ""))
    lines.append(f"Error: {message}" + (f" ({hint})" if hint else ""))
    return lines


if (
    __name__ == "__main__"
):  # pragma: no cover  python -m piplvault.i18n extract|update|…
    import sys

    from piplvault.i18n_build import main

    sys.exit(main(sys.argv[1:]))
