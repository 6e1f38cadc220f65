"""The audit-event registry (issue 11 item 6): every action name written anywhere in
``src/`` is registered, an unregistered one is refused when appended (fail closed), and
``docs/audit-events.md`` is the registry's current rendering. R-SYS-1 (no audit entry, no
operation), PIPL Art. 51."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from piplvault.audit.events import (
    DOC_COMMAND,
    EVENTS,
    REGISTRY_FILE,
    render_markdown,
    unregistered_message,
)
from piplvault.errors import AuditUnavailableError
from piplvault.settings import load_settings
from piplvault.vault import Vault
from tests import rawdb

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "piplvault"
#: Calls whose ``action=`` is recorded under a derived name.
DERIVED = {"require_admin": "server-{}"}


def _names(value: ast.expr) -> list[str] | None:
    """The action names an expression can take: literals, both arms of ``a if c else b``,
    or a pattern (``f"{kind}-step"`` → regex); None when it is a variable."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value.value]
    if isinstance(value, ast.IfExp):
        arms = [_names(value.body), _names(value.orelse)]
        return [n for arm in arms for n in (arm or [])]
    if isinstance(value, ast.JoinedStr):
        parts = [
            re.escape(str(p.value)) if isinstance(p, ast.Constant) else "[a-z-]+"
            for p in value.values
        ]
        return ["re:" + "".join(parts)]
    return None


def _uses(tree: ast.Module) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in tree.body:  # module constants: ACTION = "deregister", POLICY_ACTION = …
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if any(CONSTANT.fullmatch(t) for t in targets):
                found += [(node.lineno, n) for n in _names(node.value) or []]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found += _call_uses(node, {})
        elif isinstance(
            node, ast.FunctionDef
        ):  # action = "a" if … else "b"; action=action
            local = _local_names(node)
            for call in ast.walk(node):
                if isinstance(call, ast.Call):
                    found += _call_uses(call, local, variables_only=True)
        elif isinstance(node, ast.Dict):  # the audit info a refusal carries
            keys = {k.value: v for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant)}  # fmt: skip
            if {"action", "target", "fields"} <= set(keys):
                found += [(node.lineno, n) for n in _names(keys["action"]) or []]
    return found


CONSTANT = re.compile(r"([A-Z]+_)*ACTION")


def _local_names(function: ast.FunctionDef) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names.setdefault(target.id, []).extend(_names(node.value) or [])
    return names


def _call_uses(
    node: ast.Call, local: dict[str, list[str]], *, variables_only: bool = False
) -> list[tuple[int, str]]:
    callee = getattr(node.func, "attr", getattr(node.func, "id", ""))
    form = DERIVED.get(callee, "{}")
    out: list[tuple[int, str]] = []
    for kw in node.keywords:
        if kw.arg != "action":
            continue
        if isinstance(kw.value, ast.Name):
            names = local.get(kw.value.id, [])
        elif variables_only:
            continue
        else:
            names = _names(kw.value) or []
        out += [(node.lineno, form.format(n)) for n in names]
    return out


def _registered(name: str) -> bool:
    if name.startswith("re:"):
        pattern = re.compile(name[3:])
        return any(pattern.fullmatch(e) for e in EVENTS)
    return name in EVENTS


def test_every_action_in_the_source_is_registered_R_SYS_1() -> None:
    missing: dict[str, list[str]] = {}
    seen = 0
    for path in sorted(SRC.rglob("*.py")):
        for line, name in _uses(ast.parse(path.read_text(encoding="utf-8"))):
            seen += 1
            if not _registered(name):
                where = f"{path.relative_to(ROOT)}:{line}"
                missing.setdefault(name, []).append(where)
    assert seen > 100  # the walk really finds the vault's audit calls
    assert not missing, (
        unregistered_message(list(missing))
        + "\nused at:\n"
        + "\n".join(f"  {n}: {', '.join(w)}" for n, w in sorted(missing.items()))
    )


def test_the_walk_catches_an_unregistered_name() -> None:
    """The check above can fail: a new action in the source is reported with its place."""
    tree = ast.parse(
        "vault.record(conn, action='breach-filed', target='x')\n"
        "vault.record(conn, action='pii-revealed' if r else 'rights-erased', target='y')\n"
        "vault.record(conn, action=f'{kind}-step', target='z')\n"
        "vault.record(conn, action=f'sharing-{what}-added', target='z')\n"
    )
    names = [n for _, n in _uses(tree) if not _registered(n)]
    assert names == ["breach-filed", "rights-erased", "re:sharing\\-[a-z-]+\\-added"]
    message = unregistered_message(["breach-filed"])
    assert "'breach-filed'" in message
    assert REGISTRY_FILE in message and DOC_COMMAND in message


def test_an_unregistered_action_writes_nothing_fail_closed_R_SYS_1(
    tmp_path: Path,
) -> None:
    home = tmp_path / "vault"
    vault = Vault.create(load_settings({"home": home}))
    try:
        with pytest.raises(AuditUnavailableError, match="'made-up-event'"):
            with vault.write() as conn:
                vault.record(conn, action="customers-listed", target="customers")
                vault.record(conn, action="made-up-event", target="customers")
    finally:
        vault.close()
    with rawdb.connect(home) as db:
        actions = [r[0] for r in db.execute("SELECT action FROM audit_log")]
    assert actions == ["vault-created"]  # the whole transaction rolled back


def test_every_event_has_both_languages() -> None:
    for event in EVENTS.values():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", event.name), event.name
        assert event.zh and re.search(r"[\u4e00-\u9fff]", event.zh), event.name
        assert event.en and event.area, event.name


def test_docs_audit_events_is_generated_from_the_registry() -> None:
    committed = (ROOT / "docs" / "audit-events.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), f"regenerate it: {DOC_COMMAND}"
    for name in EVENTS:
        assert f"`{name}`" in committed
