"""The core does no I/O: it imports only the standard library, errors and other core modules."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "src" / "piplvault" / "core"
FORBIDDEN = {
    "os",
    "sys",
    "io",
    "sqlite3",
    "socket",
    "subprocess",
    "pathlib",
    "shutil",
    "tempfile",
    "urllib",
    "http",
    "requests",
    "httpx",
    "sqlalchemy",
    "cryptography",
    "psycopg",
    "typer",
    "rich",
    "jieba",
}
ALLOWED_PROJECT = ("piplvault.core", "piplvault.errors")


def _imports(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_core_imports_nothing_that_does_io() -> None:
    offenders = []
    for path in CORE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name in _imports(tree):
            top = name.split(".")[0]
            if top in FORBIDDEN or (
                top == "piplvault" and not name.startswith(ALLOWED_PROJECT)
            ):
                offenders.append(f"{path.name}: {name}")
        src = path.read_text(encoding="utf-8")
        for call in ("open(", "datetime.now(", "os.environ"):
            if call in src:
                offenders.append(f"{path.name}: {call}")
    assert offenders == []
