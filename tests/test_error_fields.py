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
