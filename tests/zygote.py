"""Start `piplvault serve` processes fast: fork them from a warm, single-threaded parent.

Most of a server's start-up is Python importing FastAPI, SQLAlchemy and the command
modules; the suite starts hundreds of servers (one per vault). A zygote process imports all
of that once per pytest worker and then forks a child per server, which runs the very
``piplvault`` console-script function (``piplvault.cli.main``) with the given arguments and
environment — the same code path as ``python -m piplvault serve``, minus the imports.
Forking is safe here because the zygote never starts a thread.

Protocol (JSON lines on the zygote's stdin/stdout): ``{"op": "start", "argv": [...],
"env": {...}, …}`` → ``{"id": H, "pid": N}``; ``{"op": "poll", "id": H}`` and
``{"op": "signal", "id": H, "sig": S}`` → ``{"code": int | null}``. Only the zygote reaps its
children, so a pid it has not reaped cannot have been recycled.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent


class ForkedProcess:
    """The part of ``subprocess.Popen`` the suite uses, for a zygote's child."""

    def __init__(self, zygote: Zygote, handle: int, pid: int, args: list[str]) -> None:
        self.zygote = zygote
        self.handle = handle
        self.pid = pid
        self.args = args
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.zygote.poll(self.handle)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            time.sleep(0.02)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        # through the zygote: it signals only a child it has not reaped, so never a
        # stranger that was given the same (recycled) pid
        if self.poll() is None:
            self.zygote.ask({"op": "signal", "id": self.handle, "sig": int(sig)})

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Zygote:
    def __init__(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIPLVAULT_")}
        env["PYTHONPATH"] = os.pathsep.join(
            [str(_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=_ROOT,
            text=True,
        )
        self.lock = threading.Lock()

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        with self.lock:
            self.proc.stdin.write(json.dumps(message) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the test zygote died")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def start(
        self,
        argv: list[str],
        env: dict[str, str],
        log: Path,
        *,
        stdin: Path | None = None,
        stderr: Path | None = None,
        clock: str | None = None,
    ) -> ForkedProcess:
        """``piplvault ARGV`` forked with ``env``; stdout (and stderr, unless given) to
        ``log``; stdin from a file or /dev/null; in this process's working directory.
        ``clock`` (tests only, ``YYYY-MM-DD``): the vault's clock reads that day at noon
        UTC in the child (``tests/transfer/small.py`` ``run_at``)."""
        answer = self.ask(
            {
                "op": "start",
                "argv": argv,
                "env": env,
                "cwd": os.getcwd(),
                "stdin": str(stdin) if stdin else os.devnull,
                "stdout": str(log),
                "stderr": str(stderr or log),
                "clock": clock,
            }
        )
        return ForkedProcess(
            self, int(answer["id"]), int(answer["pid"]), ["piplvault", *argv]
        )

    def run(
        self,
        argv: list[str],
        *,
        env: dict[str, str],
        input: str | None,
        timeout: float,
        workdir: Path,
    ) -> subprocess.CompletedProcess[str]:
        """Like ``subprocess.run([piplvault, *argv], capture_output=True, text=True)``."""
        stdin, out, err = workdir / "in", workdir / "out", workdir / "err"
        stdin.write_text(input or "", encoding="utf-8")
        for path in (out, err):
            path.write_bytes(b"")
        proc = self.start(argv, env, out, stdin=stdin, stderr=err)
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(15)
            raise
        return subprocess.CompletedProcess(
            ["piplvault", *argv],
            code,
            out.read_text(encoding="utf-8", errors="replace"),
            err.read_text(encoding="utf-8", errors="replace"),
        )

    def poll(self, handle: int) -> int | None:
        code = self.ask({"op": "poll", "id": handle})["code"]
        return None if code is None else int(code)

    def alive(self) -> bool:
        return self.proc.poll() is None


_ZYGOTE: Zygote | None = None


def zygote() -> Zygote:
    global _ZYGOTE
    if _ZYGOTE is None or not _ZYGOTE.alive():
        _ZYGOTE = Zygote()
    return _ZYGOTE


# --- the zygote process itself ------------------------------------------------------------


def _child(message: dict[str, Any]) -> None:
    """In the forked child: become ``piplvault ARGV`` with ``env``; never return."""
    code = 1
    try:
        os.setsid()
        os.environ.clear()
        os.environ.update(message["env"])
        os.chdir(message["cwd"])
        os.dup2(os.open(message["stdin"], os.O_RDONLY), 0)
        os.dup2(os.open(message["stdout"], os.O_WRONLY | os.O_APPEND), 1)
        os.dup2(os.open(message["stderr"], os.O_WRONLY | os.O_APPEND), 2)
        sys.stdin = open(0, encoding="utf-8", closefd=False)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
        sys.argv = ["piplvault", *message["argv"]]
        if message.get("clock"):
            _freeze_clock(message["clock"])
        from piplvault.cli import main

        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # noqa: BLE001  report anything, then leave
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _freeze_clock(day: str) -> None:
    """The vault's clock (``SystemClock.now``) reads ``day`` at noon UTC in this child."""
    import datetime as dt

    from piplvault.vault import service

    moment = dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=dt.UTC)
    service.SystemClock.now = lambda self: moment  # type: ignore[method-assign]


def _preload() -> None:
    """What nearly every child would otherwise import or parse again on its own: the web
    console (every server), Alembic and the migrations' libraries (every ``init``), the
    password-strength lists, the Rich modules Typer's help rendering pulls in and the
    parsed message catalogues; and it builds the REST API's command routes that each
    server's ``create_app`` includes (``tests/routes.py``). None of them reads the
    environment (Typer's own ``rich_utils`` does, so it is left to the child), and none
    starts a thread."""
    import alembic.command
    import alembic.runtime.migration  # noqa: F401
    import pydantic.v1  # noqa: F401
    import rich.markdown
    import rich.traceback  # noqa: F401
    import uvicorn.protocols.http.h11_impl  # noqa: F401
    import zxcvbn  # noqa: F401

    import piplvault.web.app  # noqa: F401
    from piplvault import i18n

    for lang in ("zh", "en"):
        i18n.catalogue(lang)  # a pure function of the installed .po file (cached)
    from tests import routes

    routes.reuse_for_this_process()


def _serve_requests() -> None:
    # Everything a server imports, imported once, before any fork.
    import uvicorn  # noqa: F401

    import piplvault.api.app
    import piplvault.cli.app
    import piplvault.cli.commands  # noqa: F401

    _preload()

    pids: dict[int, int] = {}  # handle → pid, while not reaped
    codes: dict[int, int] = {}  # handle → exit code, once reaped
    for line in sys.stdin:
        message = json.loads(line)
        answer: dict[str, Any] = {}
        if message["op"] == "start":
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                _child(message)
            handle = len(pids) + len(codes) + 1
            pids[handle] = pid
            answer = {"id": handle, "pid": pid}
        else:
            handle = int(message["id"])
            if handle in pids:
                done, status = os.waitpid(pids[handle], os.WNOHANG)
                if done:
                    codes[handle] = os.waitstatus_to_exitcode(status)
                    del pids[handle]
                elif message["op"] == "signal":
                    os.kill(pids[handle], int(message["sig"]))
            answer = {"code": codes.get(handle)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _serve_requests()
