"""Keep the gettext catalogues in step with the source: ``python -m piplvault.i18n CMD``.

extract  write locale/piplvault.pot: ``_()``/``N_()`` strings in src + every CLI help text
update   merge the .pot into the zh_CN and en .po files (translations kept; en = msgid)
compile  write the .mo files next to the .po files (Babel)
check    exit 1 naming every message id that lacks a zh_CN or en entry
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from piplvault import i18n
from piplvault.io.private_files import write_private

SOURCE = Path(__file__).parent
POT = i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot"


def message_ids() -> dict[str, str]:
    """Every message id → where it comes from (file:line or the CLI command)."""
    found: dict[str, str] = {}
    method_map = [("**.py", "python")]
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(SOURCE), method_map=method_map, keywords={"_": None, "N_": None}
    ):
        if isinstance(message, str) and message:
            found.setdefault(message, f"{filename}:{lineno}")
    for text in cli_help_texts():
        found.setdefault(text, "cli-help")
    return found


def cli_help_texts() -> list[str]:
    """The help texts of every command and option (English, some with Chinese terms)."""
    import typer

    from piplvault.cli import commands  # noqa: F401  registers every command
    from piplvault.cli.app import app
    from piplvault.cli.lang import help_texts

    texts = []
    for _obj, _attr, text in help_texts(typer.main.get_command(app)):
        if text not in texts:
            texts.append(text)
    return texts


def extract() -> Catalog:
    catalog = Catalog(project="piplvault", domain=i18n.DOMAIN, fuzzy=False)
    for message, where in message_ids().items():
        catalog.add(message, locations=[(where.rsplit(":", 1)[0], 0)])
    buffer = io.BytesIO()
    write_po(buffer, catalog, omit_header=True, sort_output=True, width=0)
    write_private(POT, buffer.getvalue())
    return catalog


def update() -> None:
    template = extract()
    for lang, locale in (("zh", "zh_CN"), ("en", "en")):
        path = i18n.po_path(lang)
        old = _read(path, locale)
        catalog = Catalog(locale=locale, domain=i18n.DOMAIN, fuzzy=False)
        for message in template:
            if not message.id:
                continue
            kept = old.get(message.id)
            string = kept.string if kept is not None and kept.string else ""
            if lang == "en" and not string:
                string = message.id
            catalog.add(message.id, string, locations=message.locations)
        buffer = io.BytesIO()
        write_po(buffer, catalog, omit_header=True, sort_output=True, width=0)
        write_private(path, buffer.getvalue())


def compile_mo() -> None:
    for lang, locale in (("zh", "zh_CN"), ("en", "en")):
        path = i18n.po_path(lang)
        buffer = io.BytesIO()
        write_mo(buffer, _read(path, locale))
        write_private(path.with_suffix(".mo"), buffer.getvalue())


def missing() -> list[str]:
    """Problems: message ids without a zh_CN translation or an en entry."""
    problems = []
    zh, en = i18n.catalogue("zh"), i18n.catalogue("en")
    for message, where in sorted(message_ids().items()):
        if message not in zh:
            problems.append(f"zh_CN lacks {message!r} ({where})")
        if message not in en:
            problems.append(f"en lacks {message!r} ({where})")
    return problems


def _read(path: Path, locale: str) -> Catalog:
    if not path.is_file():
        return Catalog(locale=locale, domain=i18n.DOMAIN)
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "extract":
        extract()
    elif command == "update":
        update()
    elif command == "compile":
        compile_mo()
    elif command == "check":
        problems = missing()
        for line in problems:
            sys.stderr.write(line + "\n")
        return 1 if problems else 0
    else:
        sys.stderr.write(__doc__ or "")
        return 2
    return 0
