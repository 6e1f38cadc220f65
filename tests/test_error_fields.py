"""Use cases name the field an error is about; the CLI shows its flag, the API its field
(issue 11.6: errors carry field names, not CLI flags)."""

from __future__ import annotations

import typer.main

from piplvault import i18n
from piplvault.cli import commands  # noqa: F401  registers every command
from piplvault.cli.app import app, flag_for
from piplvault.core.cases import objection_window
from piplvault.errors import ValidationError


def test_use_case_messages_name_no_flag() -> None:
    try:
        objection_window(45, None)
    except ValidationError as error:
        assert error.field == "objection_reason"
        assert "--" not in error.message
    else:
        raise AssertionError("a raised window without a reason was accepted")


def test_the_cli_spells_the_field_as_its_flag() -> None:
    root = typer.main.get_command(app)
    argv = ["transfer", "create", "--objection-days", "45"]
    assert flag_for(root, argv, "objection_reason") == "--objection-reason"
    assert flag_for(root, ["customers", "delete", "3"], "reason") == "--reason"
    assert flag_for(root, ["customers", "delete", "3"], "customer_ids") == "ID..."
    assert flag_for(root, ["customers", "delete", "3"], "no_such_field") is None
    assert flag_for(root, ["status"], None) is None


def test_error_lines_add_the_flag_in_both_languages(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PIPLVAULT_LANG", "zh")
    zh = i18n.error_lines(
        "validation-error", "A deletion needs a reason", hint="--reason"
    )
    assert zh == [
        "错误：删除需要说明原因（--reason）",
        "Error: A deletion needs a reason (--reason)",
    ]
    same = i18n.error_lines("validation-error", "Give --reason", hint="--reason")
    assert same[-1] == "Error: Give --reason"


def _flag_hits() -> list[str]:
    """String constants in ``raise …Error(…)`` calls in vault/ and core/ that name a flag
    (``--`` then a letter), except messages quoting a whole ``piplvault …`` command."""
    import ast
    import re
    from pathlib import Path

    import piplvault

    root = Path(piplvault.__file__).parent
    flag = re.compile(r"--[A-Za-z]")
    hits = []
    for area in ("vault", "core"):
        for path in sorted((root / area).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                    continue
                func = node.exc.func
                name = getattr(func, "id", None) or getattr(func, "attr", "")
                if not name.endswith("Error"):
                    continue
                texts = [
                    sub.value
                    for sub in ast.walk(node.exc)
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
                ]
                whole = "".join(texts)
                if flag.search(whole) and "piplvault " not in whole:
                    hits.append(f"{area}/{path.name}:{node.lineno}")
    return hits


# Being converted by others (issue 11.6); the lead removes them from this list as they land.
_PENDING: set[str] = set()


def test_no_use_case_error_names_a_cli_flag() -> None:
    left = [h for h in _flag_hits() if h.split("/")[1].split(":")[0] not in _PENDING]
    assert left == [], (
        f"name the field (ValidationError(..., field=...)), not a flag: {left}"
    )
