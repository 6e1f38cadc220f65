"""Templates, the page language, and the security headers of every console response."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from piplvault import i18n
from piplvault.core.classification import ENTITIES
from piplvault.documents.labels import CATEGORY_ZH, VALUE_ZH
from piplvault.i18n import N_
from piplvault.timefmt import DEFAULT_TIMEZONE, local_time

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
LANG_COOKIE = "pv_lang"
PREFIX = "/console"

#: No inline script or style anywhere: htmx and console.js come from /console/static.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def page_lang(request: Request) -> str:
    """``zh`` (default) or ``en``, from the language cookie."""
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "zh"


def translator(lang: str) -> Any:
    table = i18n.catalogue(lang)

    def t(message: str, **values: Any) -> str:
        text = table.get(message, message)
        return text.format(**values) if values else text

    return t


_SENSITIVITY_ZH = {"sensitive": "敏感", "general": "一般", "none": "无"}


def value_namer(lang: str) -> Any:
    """A code (``enterprise``, ``identity``, ``destroy``…) as a reader names it."""

    def v(code: str) -> str:
        if lang == "en":
            return code
        return VALUE_ZH.get(
            code, CATEGORY_ZH.get(code, _SENSITIVITY_ZH.get(code, code))
        )

    return v


#: The two column decisions that are not an entity of the catalogue.
KIND_NAMES = {
    "free_text": N_("Free text (may hold personal information)"),
    "non_pii": N_("Not personal information"),
}


def entity_namer(lang: str) -> Any:
    """An import target as a reader names it: an entity of the catalogue by its label
    (``label_zh`` / ``label_en``) with its code, a family ``A|B`` by its members'."""
    t = translator(lang)

    def name_of(code: str) -> str:
        klass = ENTITIES.get(code)
        if klass is not None:
            return klass.label_zh if lang == "zh" else klass.label_en
        if code in KIND_NAMES:
            return str(t(KIND_NAMES[code]))
        return code

    def e(code: str) -> str:
        if "|" in code:
            return " / ".join(name_of(part) for part in code.split("|")) + f" ({code})"
        named = name_of(code)
        return named if named == code else f"{named} ({code})"

    return e


def field_namer(lang: str) -> Any:
    """A customer field as a reader names it: in Chinese the field's own label (the
    company's column header); in English its entity's ``label_en`` when it has one."""

    def f(definition: Any) -> str:
        label = str(getattr(definition, "label", "") or getattr(definition, "key", ""))
        klass = ENTITIES.get(getattr(definition, "entity", None) or "")
        if lang == "en" and klass is not None:
            return klass.label_en
        return label

    return f


def error_text(message: str, lang: str) -> str:
    """An error message in the page language (the English original if untranslated)."""
    if lang == "en":
        return message
    prefix = "Refused: "
    if message.startswith(prefix):  # the reason translated too, when the catalogue can
        reason = message[len(prefix) :]
        inner = i18n.translate_message(reason, "zh")
        if inner is not None:
            return f"已拒绝：{inner}"
    return i18n.translate_message(message, "zh") or message


def headers_for(path: str) -> dict[str, str]:
    """Security headers: on every response; CSP and no-store on console pages."""
    headers = dict(COMMON_HEADERS)
    if path.startswith(PREFIX):
        headers["Content-Security-Policy"] = CSP
        if not path.startswith(f"{PREFIX}/static/"):
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
    return headers


def render(
    request: Request,
    template: str,
    *,
    status: int = 200,
    web: Any = None,
    **context: Any,
) -> HTMLResponse:
    lang = page_lang(request)
    settings = getattr(request.app.state.vault, "settings", None)
    tz = getattr(settings, "timezone", None) or DEFAULT_TIMEZONE
    body = _env.get_template(template).render(
        t=translator(lang),
        v=value_namer(lang),
        e=entity_namer(lang),
        fl=field_namer(lang),
        when=lambda value: local_time(value, tz),
        err=lambda m: error_text(m, lang),
        lang=lang,
        html_lang="zh-CN" if lang == "zh" else "en",
        web=web,
        csrf=web.csrf if web is not None else context.pop("login_csrf", ""),
        path=request.url.path,
        htmx_config=json.dumps(
            {
                "includeIndicatorStyles": False,
                "allowEval": False,
                "allowScriptTags": False,
                # a refusal (403) or an error is shown where the answer would have been
                "responseHandling": [
                    {"code": "204", "swap": False},
                    {"code": "[2345]..", "swap": True},
                ],
            }
        ),
        **context,
    )
    return HTMLResponse(body, status_code=status)
