"""A throw-away PostgreSQL cluster (initdb + pg_ctl), for the tests and ``make test-pg``.

``python -m tests.pgcluster`` starts one and stops it again: exit 0 when PostgreSQL can
run on this machine, else 1 with the reason (``make test-pg`` skips loudly on that).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


class Unavailable(Exception):
    """PostgreSQL cannot start here; the message says why."""


@dataclass
class Cluster:
    bindir: Path
    base: Path
    port: int

    @property
    def url(self) -> str:
        """The maintenance database ``postgres`` as superuser (trust auth on 127.0.0.1)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def cpu_seconds(self) -> float | None:
        """CPU time of the server and its finished backends so far (Linux /proc)."""
        try:
            pid = (self.base / "data" / "postmaster.pid").read_text().split()[0]
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        ticks = sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        log = os.environ.get("PIPLVAULT_TEST_DB_LOG")
        cpu = self.cpu_seconds()
        if log and cpu is not None:
            with open(log, "a", encoding="utf-8") as out:
                out.write(f"cluster {self.port}: {cpu:.1f} s CPU\n")
        subprocess.run(
            _as_postgres(
                [
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.base / "data"),
                    "-m",
                    "immediate",
                    "stop",
                ]
            ),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.base, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if out and (Path(out) / "initdb").exists():
            return Path(out)
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    return None


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def start() -> Cluster:
    """initdb + pg_ctl start on a free port; raise Unavailable saying why not."""
    bindir = _pg_bindir()
    if bindir is None:
        raise Unavailable(
            "PostgreSQL binaries not found (install Debian's postgresql package)"
        )
    base = Path(tempfile.mkdtemp(prefix="piplvault-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()
    init = subprocess.run(
        _as_postgres(
            [
                str(bindir / "initdb"),
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "-U",
                "postgres",
                "--no-sync",  # a throw-away cluster: nothing to make durable
                str(data),
            ]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if init.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        raise Unavailable(f"initdb failed: {init.stderr.strip()[:300]}")
    # Throw-away: no durability (fsync, synchronous commit, full-page images) and the
    # least WAL (wal_level=minimal), which every CREATE DATABASE … TEMPLATE writes through.
    opts = (
        f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c max_connections=200 "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        "-c wal_level=minimal -c max_wal_senders=0"
    )
    started = subprocess.run(
        _as_postgres(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                opts,
                "-l",
                str(base / "log"),
                "-w",
                "start",
            ]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if started.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        raise Unavailable(f"pg_ctl start failed: {started.stderr.strip()[:300]}")
    return Cluster(bindir, base, port)


def main() -> int:
    try:
        cluster = start()
    except Unavailable as exc:
        sys.stderr.write(f"PostgreSQL cannot start: {exc}\n")
        return 1
    cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
