"""Any piplvault JSON document (report, plan, inventory, audit export) as HTML, PDF or XLSX.

The JSON file stays the source of truth (signed, or its SHA-256 recorded in the audit log);
every rendering says so and names that file and its digest. The output format follows the
file name's suffix: ``.json``, ``.html``, ``.pdf`` or ``.xlsx``.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from piplvault.documents import labels
from piplvault.documents.certificate import CERTIFICATE_TYPE
from piplvault.documents.certificate import render_html as render_certificate
from piplvault.documents.pdf import html_to_pdf
from piplvault.errors import ValidationError
from piplvault.io.private_files import write_private
from piplvault.timefmt import DEFAULT_TIMEZONE, parse_utc, zh_datetime

FORMATS = (".json", ".html", ".pdf", ".xlsx")
_TEMPLATES = Path(__file__).parent / "templates"


def source_note(source: Path | None, digest: str | None, *, lang: str) -> str:
    """The sentence every rendering carries: the JSON file is authoritative."""
    name = source.name if source else "JSON"
    if lang.startswith("zh"):
        return (
            f"本文件仅供阅读；以 JSON 原件 {name}（SHA-256 {digest or '-'}）为准，"
            "签名文件可用 piplvault certificate verify 离线验证。"
        )
    return (
        f"For reading only: the JSON file {name} (SHA-256 {digest or '-'}) is the source "
        "of truth; signed files verify offline with piplvault certificate verify."
    )


def format_of(out: Path) -> str:
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ValidationError(
            f"{out}: cannot write '{suffix or 'no suffix'}'; name the file "
            f"{', '.join('*' + f for f in FORMATS)}",
            field="out",
        )
    return suffix


def json_sibling(out: Path) -> Path:
    """Where the JSON original of ``out`` goes: ``out`` itself, or the same name + .json."""
    return out if format_of(out) == ".json" else out.with_suffix(".json")


def write_with_original(
    document: Any,
    out: Path,
    *,
    lang: str = "zh",
    tz: str = DEFAULT_TIMEZONE,
    title: str | None = None,
) -> dict[str, str]:
    """Write ``document`` as JSON (the original) and, if ``out`` asks, its rendering."""
    original = json_sibling(out)
    write_document(document, original)
    if original == out:
        return {"json": str(original)}
    rendered = render_file(original, out, lang=lang, tz=tz, title=title)
    return {"json": str(original), format_of(out)[1:]: str(rendered)}


def render_file(
    source: Path,
    out: Path,
    *,
    lang: str = "zh",
    tz: str = DEFAULT_TIMEZONE,
    title: str | None = None,
) -> Path:
    """Render the JSON (or HTML) document at ``source`` into ``out`` by its suffix."""
    fmt = format_of(out)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ValidationError(f"Cannot read {source}: {exc.strerror}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if source.suffix.lower() in (".html", ".htm"):
        if fmt != ".pdf":
            raise ValidationError(f"{source}: an HTML document renders only to .pdf")
        html_to_pdf(
            data.decode("utf-8"), out, footer=source_note(source, digest, lang=lang)
        )
        return out
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{source} is not a JSON document: {exc}") from exc
    if isinstance(document, dict) and document.get("type") == CERTIFICATE_TYPE:
        return _certificate(
            document, out, lang=lang, tz=tz, source=source, digest=digest
        )
    return write_document(
        document, out, lang=lang, tz=tz, title=title, source=source, digest=digest
    )


def _certificate(
    document: dict[str, Any],
    out: Path,
    *,
    lang: str,
    tz: str,
    source: Path,
    digest: str,
) -> Path:
    """A destruction certificate through its own template (HTML or PDF only)."""
    fmt = format_of(out)
    if fmt not in (".html", ".pdf"):
        raise ValidationError(
            f"{out}: a destruction certificate renders to .html or .pdf "
            "(its .json is the signed original)",
            field="out",
        )
    html = render_certificate(
        document, lang="zh-CN" if lang.startswith("zh") else "en", tz=tz
    )
    if fmt == ".pdf":
        return html_to_pdf(html, out, footer=source_note(source, digest, lang=lang))
    write_private(out, html)
    return out


def write_document(
    document: Any,
    out: Path,
    *,
    lang: str = "zh",
    tz: str = DEFAULT_TIMEZONE,
    title: str | None = None,
    source: Path | None = None,
    digest: str | None = None,
) -> Path:
    """Write ``document`` as ``out``'s format (``.json`` writes it as is)."""
    fmt = format_of(out)
    note = source_note(source, digest, lang=lang)
    heading = title or _title(document, source)
    if fmt == ".json":
        data = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    elif fmt == ".xlsx":
        data = to_xlsx(document, lang=lang, tz=tz, title=heading, note=note)
    else:
        html = to_html(document, lang=lang, tz=tz, title=heading, note=note)
        if fmt == ".pdf":
            return html_to_pdf(html, out, footer=note)
        data = html.encode("utf-8")
    write_private(out, data)
    return out


def to_html(document: Any, *, lang: str, tz: str, title: str, note: str) -> str:
    zh = lang.startswith("zh")
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"]),
    )
    env.tests["rows"] = _is_rows
    env.filters["cell"] = lambda v: _cell(v, zh=zh, tz=tz)
    return env.get_template("document.html").render(
        document=document,
        title=title,
        zh=zh,
        source_note=note,
        label=lambda k: labels.label(str(k), lang),
        columns=_columns,
        cell=lambda v: _cell(v, zh=zh, tz=tz),
    )


def to_xlsx(document: Any, *, lang: str, tz: str, title: str, note: str) -> bytes:
    """One sheet of scalars (摘要) and one sheet per table (list of objects)."""
    from openpyxl import Workbook  # type: ignore[import-untyped]

    zh = lang.startswith("zh")
    book = Workbook()
    summary = book.active
    summary.title = "摘要" if zh else "Summary"
    summary.append([title])
    summary.append([note])
    tables: list[tuple[str, list[dict[str, Any]]]] = []
    items = document.items() if isinstance(document, dict) else [("rows", document)]
    for key, value in items:
        if _is_rows(value):
            tables.append((str(key), value))
        else:
            summary.append(
                [labels.label(str(key), lang), _neutral(_cell(value, zh=zh, tz=tz))]
            )
    for key, rows in tables:
        sheet = book.create_sheet(_sheet_name(labels.label(key, lang)))
        cols = _columns(rows)
        sheet.append([labels.label(c, lang) for c in cols])
        for row in rows:
            sheet.append([_neutral(_cell(row.get(c), zh=zh, tz=tz)) for c in cols])
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _title(document: Any, source: Path | None) -> str:
    if isinstance(document, dict) and isinstance(document.get("title"), str):
        return str(document["title"])
    return source.stem if source else "piplvault"


def _is_rows(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) for v in value)
    )


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def _cell(value: Any, *, zh: bool, tz: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list) and not any(isinstance(v, (dict, list)) for v in value):
        return ("、" if zh else ", ").join(_cell(v, zh=zh, tz=tz) for v in value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    if zh and _looks_like_time(text):
        return zh_datetime(text, tz)
    if zh:
        return labels.VALUE_ZH.get(text, labels.CATEGORY_ZH.get(text, text))
    return text


def _looks_like_time(text: str) -> bool:
    return (
        len(text) >= 10
        and text[4:5] == "-"
        and text[7:8] == "-"
        and (len(text) == 10 or parse_utc(text) is not None)
    )


def _neutral(text: str) -> str:
    """Stop spreadsheet formula injection (``=``, ``+``, ``-``, ``@`` lead a formula)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") and text != "-" else text


def _sheet_name(name: str) -> str:
    return "".join(c for c in name if c not in "[]:*?/\\")[:31] or "table"
