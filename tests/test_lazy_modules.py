"""The CLI's deferred imports are safe under threads (issue 11: a served ``whoami``
answered 500 when concurrent first requests met a half-loaded module)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from piplvault.cli.lazy import lazy_module


def test_first_use_from_many_threads_sees_the_whole_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-SYS-1: eight threads touch a deferred module at once while its body is
    still running; each sees the finished module, none a missing attribute."""
    (tmp_path / "slow_body_mod.py").write_text(
        "import time\ntime.sleep(0.3)\nVALUE = 42\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "slow_body_mod", raising=False)
    module = lazy_module("slow_body_mod")
    assert "slow_body_mod" not in sys.modules  # nothing half-loaded is published
    seen: list[object] = []
    start = threading.Barrier(8)

    def touch() -> None:
        start.wait()
        try:
            seen.append(module.VALUE)
        except AttributeError as missing:
            seen.append(missing)

    threads = [threading.Thread(target=touch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [42] * 8
    assert sys.modules["slow_body_mod"].VALUE == 42


def test_an_unknown_module_is_refused_at_once() -> None:
    with pytest.raises(ImportError, match="no_such_piplvault_module"):
        lazy_module("no_such_piplvault_module")
