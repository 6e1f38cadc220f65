"""Fill zh_CN translations from a Python dict file: python tools/i18n_fill.py FILE.py

FILE.py defines ``ZH = {msgid: translation}``; entries already translated are replaced.
Then ``python -m piplvault.i18n check`` must pass. (Editing the .po directly works too.)
"""

from __future__ import annotations

import runpy
import sys

from babel.messages.pofile import read_po, write_po

from piplvault import i18n


def main(path: str) -> int:
    table = runpy.run_path(path)["ZH"]
    po = i18n.po_path("zh")
    with po.open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    for message in catalog:
        if message.id in table:
            message.string = table[message.id]
    with po.open("wb") as fh:
        write_po(fh, catalog, omit_header=True, sort_output=True, width=0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
