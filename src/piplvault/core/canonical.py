"""The one canonical JSON encoding of everything piplvault signs, MACs or hashes.

Keys sorted, no insignificant whitespace (``","`` and ``":"``), non-ASCII kept as UTF-8
(``ensure_ascii=False``). Every signed or hashed byte string goes through
:func:`canonical_json`: the audit chain, envelope headers, handover packages and receipts,
destruction certificates, due-diligence reports, backup manifests, share payloads and the
approval parameter digest. Its bytes are the ones each of those wrote before this module
existed, so older signatures and hashes still verify.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def canonical_json(obj: Any, *, default: Callable[[Any], Any] | None = None) -> bytes:
    """UTF-8 bytes of ``obj`` as sorted, compact JSON.

    A value JSON cannot hold raises :class:`TypeError` unless ``default`` converts it (the
    approval digest passes ``str``, as it always has).
    """
    return json.dumps(
        obj,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=default,
    ).encode("utf-8")
