"""Chinese first: every text a console template shows is in the catalogue with a zh-CN
translation (templates are not scanned by the extractor; web/strings.py lists them)."""

from __future__ import annotations

import re

from piplvault import i18n
from piplvault.web import strings
from piplvault.web.render import TEMPLATES

CALL = re.compile(r"""\bt\((["'])(.*?)\1""")


def test_every_template_text_is_listed_and_translated() -> None:
    used = {
        m.group(2)
        for f in TEMPLATES.glob("*.html")
        for m in CALL.finditer(f.read_text())
    }
    assert used, "no t() calls found: the pattern is wrong"
    missing = used - set(strings.TEMPLATE_TEXTS)
    assert not missing, f"add to web/strings.py: {sorted(missing)}"
    zh = i18n.catalogue("zh")
    untranslated = [
        m for m in (*strings.TEMPLATE_TEXTS, *strings.ROUTE_TEXTS) if m not in zh
    ]
    assert not untranslated, untranslated
