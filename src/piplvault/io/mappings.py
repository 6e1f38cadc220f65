"""Saved column decisions (``import --mapping FILE`` / ``--save-mapping FILE``): JSON
``{"version": 1, "columns": {"COLUMN": "ENTITY", …}}`` — headers and entity names only,
never a cell value."""

from __future__ import annotations

import json
from pathlib import Path

from piplvault.discovery.overrides import mapping_from_document
from piplvault.errors import ValidationError
from piplvault.io.private_files import write_private


def load_mapping(path: Path) -> dict[str, str]:
    if not path.is_file():
        raise ValidationError(f"No mapping file at {path}")
    try:
        document = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{path}: not a JSON mapping file ({exc})") from exc
    return mapping_from_document(document, str(path))


def save_mapping(path: Path, columns: dict[str, str]) -> None:
    document = {"version": 1, "columns": columns}
    write_private(path, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
