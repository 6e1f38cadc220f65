"""API lookup under concurrency: a real `piplvault serve` over a large vault, 16 clients.

Measures GET /api/v1/customers/{id} (masked read: authenticate the token, authorize, decrypt,
mask, audit, durable commit) on loopback, against the same use case called in-process in
the same run (the baseline), in two phases after a warm-up:

* closed loop: 16 keep-alive clients, each sending its next request as soon as answered
  (the most the server answers: requests/s, p50/p99);
* open loop: ``--rate`` requests/s (default 500, the target) offered on a fixed schedule,
  each latency counted from its scheduled send (the p99 target at the throughput target;
  a closed loop of 16 clients cannot show p99 < 20 ms below 800 requests/s).

The load generator is a plain-socket HTTP/1.1 client (~0.1 ms of CPU per request on the
server's cores). Reports the server's RSS and CPU per request. Bounded: a fixed number of
requests, loopback only.

    python bench/api_bench.py [--customers 1000000] [--requests 4000] [--clients 16]
                              [--workers 2] [--rate 500]

CPU and RSS are summed over the server's processes (the parent that unsealed, and its
``--workers``), so CPU per request is what the whole server spent, whatever the load.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.gen_customers import write as write_fast_table  # noqa: E402
from bench.machine import machine_info  # noqa: E402
from piplvault.io.tables import open_table  # noqa: E402
from piplvault.settings import load_settings  # noqa: E402
from piplvault.vault import Vault, people  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results"
PASSPHRASE = "bench-口令-api"
OWNER_PASSWORD = "bench-owner-口令"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(sock: socket.socket, request: bytes) -> int:
    """One keep-alive HTTP/1.1 request; the response's status (its body read whole)."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        body += chunk
    return int(head.split(b" ", 2)[1])


def _load(
    port: int, token: str, ids: list[int], clients: int, rate: float | None = None
) -> tuple[list[float], int, float]:
    """GET /api/v1/customers/{id} for ``ids`` from ``clients`` threads, each on its own
    keep-alive connection; (latencies in ms, errors, requests/s achieved). A plain socket
    client: the load generator shares the server's cores, and httpx cost ~1.6 ms of CPU
    per request.

    Without ``rate``, a closed loop: each client sends as soon as it is answered and a
    latency counts from the send. With ``rate``, an open loop: ``rate`` requests/s
    offered in all, each client sending on a fixed schedule whatever the answers' speed,
    and a latency counts from the request's scheduled time, so a server that falls
    behind shows its queueing (no coordinated omission)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    interval = clients / rate if rate else 0.0  # each client's gap between requests
    begin = time.perf_counter() + (0.2 if rate else 0.0)

    def client(index: int, chunk: list[int]) -> None:
        auth = f"Authorization: Bearer {token}\r\n".encode()
        mine: list[float] = []
        failed = 0
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for k, cid in enumerate(chunk):
                if rate:
                    start = begin + (k + index / clients) * interval
                    pause = start - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                request = (
                    f"GET /api/v1/customers/{cid} HTTP/1.1\r\nHost: bench\r\n".encode()
                    + auth
                    + b"\r\n"
                )
                if not rate:
                    start = time.perf_counter()
                status = _get(sock, request)
                mine.append((time.perf_counter() - start) * 1000)
                failed += status != 200
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [
        threading.Thread(target=client, args=(i, ids[i::clients]))
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    achieved = len(ids) / (time.perf_counter() - begin)
    return latencies, errors[0], achieved


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 2),
        "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
        "max": round(ordered[-1], 2),
    }


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def _server_pids(pid: int) -> list[int]:
    """The server process and its workers (its children)."""
    found = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used (load-independent cost)."""
    ticks = 0
    for pid in pids:
        fields = _stat(pid)
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def cached_vault(customers: int) -> tuple[Path, float]:
    """The vault with ``customers`` customers, built once under bench/.cache (minutes at
    1M); (its directory, seconds spent building it now — 0 when it was cached)."""
    home = CACHE / f"api-vault-{customers}"
    if (home / ".built").exists():
        return home, 0.0
    shutil.rmtree(home, ignore_errors=True)
    t0 = time.perf_counter()
    build(customers, home)
    (home / ".built").write_text("ok\n", encoding="utf-8")
    return home, time.perf_counter() - t0


def build(customers: int, home: Path) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = write_fast_table(CACHE / f"fast-{customers}.csv", customers)
    settings = load_settings(
        {"home": home, "passphrase": PASSPHRASE, "kdf_memory_kib": 65536}
    )
    vault = Vault.create(settings)
    vault.import_table(open_table(path))
    people.set_password(vault, "owner", OWNER_PASSWORD)
    vault.close()


def baseline(home: Path, ids: list[int]) -> dict[str, Any]:
    settings = load_settings({"home": home, "passphrase": PASSPHRASE})
    vault = Vault.open(settings, pooled=True)  # the server's connection handling
    ms = []
    cpu0 = time.process_time()
    for cid in ids:
        t0 = time.perf_counter()
        vault.show_customer(cid)
        ms.append((time.perf_counter() - t0) * 1000)
    cpu = (time.process_time() - cpu0) * 1000 / len(ids)
    vault.close()
    return {"in_process_show_ms": _percentiles(ms), "in_process_cpu_ms": round(cpu, 2)}


def run(
    customers: int, requests: int, clients: int, workers: int, rate: float
) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="piplvault-apibench-"))
    home = work / "vault"
    try:
        cached, build_s = cached_vault(customers)
        shutil.copytree(cached, home)  # the run's audit entries never touch the cache
        # The copy (1.5 GB at 1M customers) sits in the page cache as dirty pages; left
        # to the kernel, their writeback ran during the measurement, and every audit
        # commit's sync waited behind it. Written out now, the measurement sees the
        # server's own syncs only.
        os.sync()
        rng = random.Random(11)
        ids = [rng.randint(1, customers) for _ in range(requests)]
        base = baseline(home, ids[: min(500, requests)])
        port = _free_port()
        env = {**os.environ, "PIPLVAULT_PASSPHRASE": PASSPHRASE}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "piplvault",
                "serve",
                "--home",
                str(home),
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(url + "/ready", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("server did not start")
                time.sleep(0.2)
            token = httpx.post(
                url + "/api/v1/login",
                json={"user": "owner", "password": OWNER_PASSWORD},
                timeout=30,
            ).json()["token"]
            # warm-up (not measured): the server's caches, as after a minute of service
            warm = random.Random(12)
            _load(
                port, token, [warm.randint(1, customers) for _ in range(800)], clients
            )
            pids = _server_pids(server.pid)
            start = time.perf_counter()
            cpu0 = _cpu_seconds(pids)
            client0 = time.process_time()
            latencies, errors, _ = _load(port, token, ids, clients)
            wall = time.perf_counter() - start
            cpu = (_cpu_seconds(pids) - cpu0) * 1000 / requests
            client_cpu = (time.process_time() - client0) * 1000 / requests
            rss = {str(pid): _rss_mib(pid) for pid in pids}
            load = [round(x, 1) for x in os.getloadavg()]
            # the latency target at the throughput target: ``rate`` requests/s offered
            paced_ids = [rng.randint(1, customers) for _ in range(int(rate * 10))]
            paced, paced_errors, achieved = _load(port, token, paced_ids, clients, rate)
        finally:
            server.terminate()
            server.wait(timeout=30)
        return {
            "customers": customers,
            "build_seconds": round(build_s, 1),
            "clients": clients,
            "requests": requests,
            "errors": errors,
            "requests_per_s": round(requests / wall, 1),
            "api_show_ms": _percentiles(latencies),
            # open loop: ``rate`` offered for 10 s, latency from each scheduled send
            "paced": {
                "offered_per_s": rate,
                "achieved_per_s": round(achieved, 1),
                "errors": paced_errors,
                "latency_ms": _percentiles(paced),
            },
            **base,
            "workers": workers,
            # RSS of each server process (parent first); pages inherited at the fork are
            # shared copy-on-write, so the sum overstates the memory the server uses
            "server_rss_mib": rss,
            "server_rss_mib_sum": round(sum(rss.values()), 1),
            # the server's CPU per request, all processes: what bounds it on idle cores
            # (about 1000 / this requests/s per core it gets)
            "server_cpu_ms_per_request": round(cpu, 2),
            # the load generator (16 httpx client threads) runs on the same cores
            "client_cpu_ms_per_request": round(client_cpu, 2),
            # requests/s the server's CPU cost allows on the machine's idle cores
            "cpu_bound_requests_per_s": round(
                1000 * len(os.sched_getaffinity(0)) / max(cpu, 0.01)
            ),
            # other work on the machine during the run (1, 5, 15 min): 2 cores shared
            "load_average": load,
            "targets": {"p99_ms": 20, "requests_per_s": 500},
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _processes(workers: int) -> str:
    return "1 (no fork)" if workers == 1 else f"1 + {workers} forked workers"


def markdown(result: dict[str, Any]) -> str:
    """The run as a short report (bench/results/api.md)."""
    api, base = result["api_show_ms"], result["in_process_show_ms"]
    machine = result["machine"]
    rate, target = result["requests_per_s"], result["targets"]
    paced = result["paced"]
    lines = [
        "# API lookup under concurrency (issue 11)",
        "",
        f"`{result['command']}` — GET /api/v1/customers/{{id}} (masked read: token check,",
        "authorization, decryption, masking, audit entry durable before the answer) from",
        f"{result['clients']} concurrent keep-alive clients on loopback against a real",
        f"`piplvault serve` over a vault of {result['customers']:,} customers.",
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| requests | {result['requests']:,} ({result['errors']} errors) | |",
        f"| closed loop (each client sends as soon as answered): requests/s | {rate:,} "
        f"| ≥ {target['requests_per_s']} |",
        f"| closed loop: latency p50 / p99 / max (ms) | {api['p50']} / {api['p99']} / "
        f"{api['max']} | |",
        f"| open loop at {paced['offered_per_s']:g} requests/s offered: achieved "
        f"| {paced['achieved_per_s']} /s ({paced['errors']} errors) | |",
        f"| open loop: latency p50 / p99 / max (ms, from the scheduled send) "
        f"| {paced['latency_ms']['p50']} / {paced['latency_ms']['p99']} / "
        f"{paced['latency_ms']['max']} | p99 < {target['p99_ms']} |",
        f"| in-process use case p50 / p99 (ms, same run) | {base['p50']} / {base['p99']} "
        "| |",
        f"| ratio API p50 / in-process p50 | {api['p50'] / max(base['p50'], 0.01):.1f} | |",
        f"| server processes | {_processes(result['workers'])} | |",
        f"| server RSS per process (MiB, parent first) | "
        f"{' / '.join(str(v) for v in result['server_rss_mib'].values())} "
        f"(sum {result['server_rss_mib_sum']}) | stated |",
        f"| server CPU per request (ms) | {result['server_cpu_ms_per_request']} | |",
        f"| in-process CPU per call (ms) | {result['in_process_cpu_ms']} | |",
        f"| load generator CPU per request (ms, same cores) | "
        f"{result['client_cpu_ms_per_request']} | |",
        f"| requests/s the server's CPU allows on idle cores | "
        f"{result['cpu_bound_requests_per_s']} | ≥ {target['requests_per_s']} |",
        f"| vault build (s, 0 = cached) | {result['build_seconds']} | |",
        f"| load average during the run (1/5/15 min) | {result['load_average']} | |",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--rate",
        type=float,
        default=500,
        help="Requests/s offered in the open-loop phase (the p99 target's load).",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=len(os.sched_getaffinity(0)),
        help="Server worker processes (default: the cores this process may use).",
    )
    parser.add_argument(
        "--cache", type=Path, default=None, help="Where built vaults are kept."
    )
    parser.add_argument(
        "--build-only", action="store_true", help="Build the cached vault, stop."
    )
    args = parser.parse_args()
    if args.cache is not None:
        global CACHE
        CACHE = args.cache
    if args.build_only:
        home, seconds = cached_vault(args.customers)
        print(f"{home} built in {seconds:.0f} s")
        return
    result = {
        "machine": machine_info(),
        **run(args.customers, args.requests, args.clients, args.workers, args.rate),
    }
    result["command"] = " ".join(["python", "bench/api_bench.py", *sys.argv[1:]])
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "api.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (RESULTS / "api.md").write_text(markdown(result), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
