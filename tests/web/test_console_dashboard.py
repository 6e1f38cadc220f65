"""The dashboard's vault-wide figures come from a cache computed in the background, so a
large vault's dashboard renders at once (issue 15: 1M customers): recomputed only when
stale or after a console write that changes customers, refused without the report right
(R-51-4)."""

from __future__ import annotations

import threading

from piplvault.vault import Vault
from piplvault.web.dashboard_cache import DashboardCache
from tests.web.conftest import TestClient, login


def test_figures_shown_with_their_time_and_refused_without_reports(
    client: TestClient, served: Vault
) -> None:
    login(client, "otto")
    page = client.get("/console/")
    assert page.status_code == 200 and 'id="figures-time"' in page.text
    assert "统计时间" in page.text
    assert client.get("/console/dashboard/figures").status_code == 200
    login(client, "sam")
    assert 'id="dashboard-figures"' not in client.get("/console/").text
    assert client.get("/console/dashboard/figures").status_code == 403


def test_cache_computes_once_per_ttl_and_after_clear() -> None:
    now = [0.0]
    calls: list[int] = []
    gate = threading.Event()

    def compute() -> tuple[dict[str, int], str]:
        gate.wait(5)
        calls.append(1)
        return {"n": len(calls)}, f"t{len(calls)}"

    cache = DashboardCache(ttl=300, clock=lambda: now[0])
    found, running, _ = cache.figures(compute, wait=0.05)
    assert found is None and running  # a slow count does not hold the page
    gate.set()
    found, running, _ = cache.figures(compute, wait=5)
    assert found is not None and found.value == {"n": 1}
    now[0] = 299.0
    assert cache.figures(compute)[0] is found and len(calls) == 1  # fresh: reused
    cache.clear()  # a write changed customers: recomputed, the old figures meanwhile
    stale, running, _ = cache.figures(compute, wait=0)
    assert stale is not None
    for _ in range(100):
        if not cache.figures(compute, wait=0)[1]:
            break
        threading.Event().wait(0.05)
    assert cache.figures(compute)[0].value == {"n": 2}  # type: ignore[union-attr]
    now[0] = 299.0 + 301.0  # past the TTL: recomputed again
    cache.figures(compute, wait=5)
    for _ in range(100):
        if len(calls) == 3:
            break
        threading.Event().wait(0.05)
    assert len(calls) == 3
