"""HTML → PDF with WeasyPrint and Noto CJK fonts, failing with a typed error, never a traceback.

System requirements (Debian): ``apt-get install -y libpango-1.0-0 libpangoft2-1.0-0
fonts-noto-cjk`` (plus ``poppler-utils`` for the tests that rasterise pages).
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from piplvault.errors import RendererUnavailableError
from piplvault.io.private_files import write_private

#: Applied on top of every document's own CSS: A4 pages, CJK fonts, a footer naming the source.
_PAGE_CSS = """
@page { size: A4; margin: 16mm 14mm 20mm 14mm;
  @bottom-center { content: "%(footer)s"; font-size: 7.5pt; color: #555;
    font-family: "Noto Sans CJK SC", sans-serif; }
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 7.5pt; } }
html, body { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC",
  sans-serif; font-size: 10pt; }
body { max-width: none; margin: 0; }
table { border-collapse: collapse; width: 100%%; }
td, th { overflow-wrap: anywhere; }
code { overflow-wrap: anywhere; }
"""
INSTALL_HINT = (
    "install WeasyPrint's system libraries and Chinese fonts: "
    "apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk"
)


def html_to_pdf(html: str, out: Path, *, footer: str = "") -> Path:
    """Write ``html`` as a PDF at ``out`` (atomically) and return ``out``."""
    weasyprint = _weasyprint()
    _require_cjk_font()
    css = weasyprint.CSS(string=_PAGE_CSS % {"footer": _css_string(footer)})
    data = weasyprint.HTML(string=html, base_url=str(out.parent)).write_pdf(
        stylesheets=[css]
    )
    write_private(out, data)
    return out


def _weasyprint() -> Any:
    try:
        import weasyprint  # type: ignore[import-untyped]
    except ImportError as exc:
        raise RendererUnavailableError(
            "PDF output needs the 'pdf' extra (pip install 'piplvault[pdf]'); "
            "HTML and JSON outputs work without it"
        ) from exc
    except OSError as exc:  # Pango/GObject shared libraries missing
        raise RendererUnavailableError(
            f"PDF output cannot load its system libraries: {INSTALL_HINT}"
        ) from exc
    return weasyprint


@cache
def _require_cjk_font() -> None:
    """Refuse to print Chinese as empty boxes: a CJK font must be installed."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise RendererUnavailableError(f"PDF output needs fontconfig; {INSTALL_HINT}")
    found = subprocess.run(  # noqa: S603  fixed argv, fc-list from PATH
        [fc_list, ":lang=zh", "family"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    ).stdout
    if not found.strip():
        raise RendererUnavailableError(
            f"PDF output needs a Chinese font (none found by fontconfig); {INSTALL_HINT}"
        )


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
