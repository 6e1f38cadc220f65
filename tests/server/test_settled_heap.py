"""``piplvault serve`` leaves its startup objects out of later garbage collections (issue 11).

A full collection walks every tracked object; right after startup that is ~140,000 of
them, and the first full collections under load stopped the audit writer (every read
waits for it) for 50–150 ms. ``settle_heap`` — called by ``serve`` before it forks its
workers or serves — collects once and freezes what is left, so a later full collection
walks only what came after.
"""

from __future__ import annotations

import gc
import sys

from piplvault.api.prefork import settle_heap


def test_settle_heap_freezes_startup_objects_and_loads_the_validators() -> None:
    before = gc.get_freeze_count()
    alive = [object.__new__(type("Startup", (), {}))]  # a tracked object of "startup"
    try:
        settle_heap()
        frozen = gc.get_freeze_count()
        assert frozen > before
        # what existed at the call is frozen: a full collection no longer walks it
        assert not any(o is alive[0] for o in gc.get_objects())
        assert frozen >= len(gc.get_objects())
        # the masking's validators were imported before the freeze, not mid-load
        assert "piplvault.discovery.mobile" in sys.modules
    finally:
        gc.unfreeze()
