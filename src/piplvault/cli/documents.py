"""``piplvault document render``: any JSON document or HTML page as PDF, XLSX or HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from piplvault.cli.app import app, emit
from piplvault.cli.lazy import lazy_module
from piplvault.cli.options import JsonOption
from piplvault.settings import load_settings

export = lazy_module("piplvault.documents.export")

document_app = typer.Typer(
    help="文档 Documents: PDF / XLSX / HTML renderings of reports, plans and certificates.",
    no_args_is_help=True,
)
app.add_typer(document_app, name="document")


@document_app.command("render")
def render_command(
    source: Annotated[
        Path,
        typer.Argument(
            help="A JSON document (certificate, report, plan, inventory, audit "
            "export) or an HTML page (letters, closing report)."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="File to write; .pdf, .xlsx, .html or .json."),
    ],
    lang: Annotated[
        str | None, typer.Option("--lang", help="zh or en (default PIPLVAULT_LANG).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Heading to print.")] = None,
    json_out: JsonOption = False,
) -> None:
    """Render a document for people; the JSON stays the source of truth. Example:
    piplvault document render certificates/destruction-R1.json --out 销毁证明.pdf"""
    settings = load_settings({"lang": lang})
    written = export.render_file(
        source, out, lang=settings.lang, tz=settings.timezone, title=title
    )
    emit({"source": str(source), "out": str(written)}, json_out, str(written))
