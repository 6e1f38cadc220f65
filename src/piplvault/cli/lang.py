"""The CLI in the chosen language: ``--lang`` anywhere on the line, help text translated.

Help strings stay English in the source (they are the gettext message ids); before the
command runs, :func:`translate_help` walks the click command tree once and replaces every
help text the catalogue translates. One place, no ``_()`` at each of the many options.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from piplvault import i18n


def take_lang(argv: list[str]) -> list[str]:
    """Remove ``--lang X`` / ``--lang=X`` from ``argv`` and apply it (env + i18n)."""
    rest: list[str] = []
    chosen: str | None = None
    args = iter(argv)
    for arg in args:
        if arg == "--lang":
            chosen = next(args, None)
        elif arg.startswith("--lang="):
            chosen = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    if chosen:
        code = i18n.normalise(chosen)
        if not i18n.in_request():  # inside the server the language is the request's
            os.environ["PIPLVAULT_LANG"] = code  # notices and documents follow it too
        i18n.set_lang(code)
    return rest


def help_texts(command: Any) -> Iterator[tuple[Any, str, str]]:
    """(object, attribute, text) for every help string under ``command``."""
    for attr in ("help", "short_help"):
        text = getattr(command, attr, None)
        if isinstance(text, str) and text.strip():
            yield command, attr, text
    for param in getattr(command, "params", []):
        text = getattr(param, "help", None)
        if isinstance(text, str) and text.strip():
            yield param, "help", text
    for sub in getattr(command, "commands", {}).values():
        yield from help_texts(sub)


def set_panel_titles() -> None:
    """Typer's help-panel titles (module globals of ``typer.rich_utils``) in the current
    language."""
    from typer import rich_utils

    zh = i18n.current() == "zh"
    for name, value in _PANEL_TITLES.items():
        setattr(rich_utils, name, value[0] if zh else value[1])


def translate_help(command: Any) -> None:
    """Replace the help texts of ``command``'s tree with the current language's."""
    if i18n.current() != "zh":
        return
    for obj, attr, text in help_texts(command):
        translated = i18n.catalogue("zh").get(text)
        if translated:
            setattr(obj, attr, translated)


_PANEL_TITLES = {
    "ARGUMENTS_PANEL_TITLE": ("参数 Arguments", "Arguments"),
    "OPTIONS_PANEL_TITLE": ("选项 Options", "Options"),
    "COMMANDS_PANEL_TITLE": ("命令 Commands", "Commands"),
    "REQUIRED_LONG_STRING": ("[必填]", "[required]"),
    "DEFAULT_STRING": ("[默认: {}]", "[default: {}]"),
}
