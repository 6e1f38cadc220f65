"""Regenerate src/piplvault/cli/path_table.json from the command tree (after adding or
changing a command's file parameters): python tools/gen_path_table.py"""

from __future__ import annotations

import sys

from piplvault.cli.commands import TABLE_FILE, render_table

if __name__ == "__main__":
    TABLE_FILE.write_text(render_table() + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {TABLE_FILE}\n")
