"""The reply to a rights request: a zh-CN letter (HTML, and PDF when WeasyPrint works) and,
for access and portability, the copy itself as JSON and CSV.

These files hold personal data, so the vault writes them only to a directory the operator
names outside the vault directory (checked by the caller); nothing here touches the vault.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

from markupsafe import Markup

from piplvault.documents import notices
from piplvault.documents.pdf import html_to_pdf
from piplvault.errors import RendererUnavailableError
from piplvault.io.private_files import make_private_dir, write_private

TEMPLATE = "rights-reply-letter.zh-CN.html"
TITLE = "个人信息权利请求答复"


def render_letter(home: Path, context: dict[str, Any]) -> str:
    """The letter as one HTML page (a deployment may override the template in
    ``HOME/templates/notices/``)."""
    env = notices.environment(home)
    letter = env.get_template(TEMPLATE).render(context)
    page = env.get_template("letters.html").render(
        letters=[Markup(letter)],  # noqa: S704  rendered by an autoescaping template
        lang="zh-CN",
        title=TITLE,
    )
    return str(page)


def write_reply(
    out_dir: Path,
    *,
    request_id: int,
    letter_html: str,
    copy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the letter (HTML + PDF if possible) and the copy (JSON + CSV) into
    ``out_dir``; return each file's path and SHA-256 (for the audit entry)."""
    make_private_dir(out_dir)
    stem = f"R-{request_id}"
    files: dict[str, Path] = {}
    if copy is not None:
        files["json"] = write_private(
            out_dir / f"{stem}.json",
            json.dumps(copy, ensure_ascii=False, indent=2, sort_keys=True),
        )
        files["csv"] = write_private(out_dir / f"{stem}.csv", copy_csv(copy))
    files["letter_html"] = write_private(out_dir / f"{stem}-letter.html", letter_html)
    pdf_note = None
    try:
        files["letter_pdf"] = html_to_pdf(
            letter_html,
            out_dir / f"{stem}-letter.pdf",
            footer=f"{TITLE} R-{request_id}",
        )
    except RendererUnavailableError as missing:
        pdf_note = missing.message  # the HTML letter stands in for the PDF
    return {
        "directory": str(out_dir),
        "files": {k: str(v) for k, v in files.items()},
        "sha256": {k: _sha256(v) for k, v in files.items()},
        "pdf_unavailable": pdf_note,
    }


def copy_csv(copy: dict[str, Any]) -> bytes:
    """The person's fields as a spreadsheet: field, label, category, value, version."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["字段 field", "名称 label", "类别 category", "值 value", "版本 version"]
    )
    for item in copy.get("fields", []):
        writer.writerow(
            [
                _neutralise(str(item["field"])),
                _neutralise(str(item["label"])),
                item["category"],
                _neutralise(str(item["value"])),
                item["version"],
            ]
        )
    # UTF-8 with BOM so Excel/WPS open it correctly (ecosystem notes §6)
    return buffer.getvalue().encode("utf-8-sig")


def _neutralise(cell: str) -> str:
    """Stop spreadsheet formula injection in exported cells."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
