"""Real `piplvault serve` processes for the CLI tests, one per vault, started on demand."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from piplvault.cli.argv import command_of, is_direct
from piplvault.cli.client import LOCAL_COMMANDS
from piplvault.cli.http import post_json
from tests.zygote import ForkedProcess, zygote

OWNER_PASSWORD_VAR = "PIPLVAULT_OWNER_PASSWORD"


@dataclass
class Server:
    key: tuple[str, str]
    proc: subprocess.Popen[bytes] | ForkedProcess
    socket: Path
    workdir: Path
    #: the owner's API token from one login (None: not tried; "": login not possible)
    owner_token: str | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def stop(self, *, kill: bool = False) -> None:
        if self.proc.poll() is None:
            if kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        shutil.rmtree(self.workdir, ignore_errors=True)


_RUNNING: dict[tuple[str, str], Server] = {}


def vault_key(args: list[str], env: dict[str, str]) -> tuple[str, str]:
    home = env.get("PIPLVAULT_HOME") or "piplvault-data"
    db = env.get("PIPLVAULT_DB") or ""
    for i, arg in enumerate(args):
        if arg in ("--home", "-H") and i + 1 < len(args):
            home = args[i + 1]
        elif arg.startswith("--home="):
            home = arg.split("=", 1)[1]
        elif arg == "--db" and i + 1 < len(args):
            db = args[i + 1]
    return str(Path(home).resolve()), db


def run(
    args: list[str], *, env: dict[str, str], input: str | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    from tests.conftest import run_direct

    command = command_of(args)
    local = command in LOCAL_COMMANDS or command.split(" ")[0] in LOCAL_COMMANDS
    if (
        not args
        or any(a in ("--help", "-h", "--version") for a in args)
        or local
        or env.get("PIPLVAULT_URL")
    ):
        return run_direct(args, env=env, input=input, timeout=timeout)
    key = vault_key(args, env)
    if is_direct(command) and _acts_as_owner(args, env):
        stop(key)  # the owner stops the server for maintenance on the box
        return run_direct(args, env=env, input=input, timeout=timeout)
    server = _RUNNING.get(key)
    if server is None or server.proc.poll() is not None:
        started = start(key, {**env, **_lang_env(args)})
        if isinstance(started, subprocess.CompletedProcess):
            return started
        server = started
    client_env = {k: v for k, v in env.items() if k != "PIPLVAULT_PASSPHRASE"}
    client_env["PIPLVAULT_URL"] = server.url
    if not client_env.get("PIPLVAULT_TOKEN") and not client_env.get(
        "PIPLVAULT_PASSWORD"
    ):
        if client_env.get("PIPLVAULT_USER", "owner") in (
            "",
            "owner",
        ) and not _names_user(args):
            client_env["PIPLVAULT_USER"] = "owner"
            token = _owner_token(server, env.get(OWNER_PASSWORD_VAR, ""))
            if token:  # one Argon2id check per server, not one per command
                client_env["PIPLVAULT_TOKEN"] = token
            else:
                client_env["PIPLVAULT_PASSWORD"] = env.get(OWNER_PASSWORD_VAR, "")
    result = run_direct(args, env=client_env, input=input, timeout=timeout)
    if "has no password yet" in result.stderr and env.get(OWNER_PASSWORD_VAR):
        # A vault made through the Python API: the owner sets a password, as README says.
        stop(key)
        run_direct(
            ["users", "passwd", "owner", "--password-stdin", "--home", key[0]]
            + (["--db", key[1]] if key[1] else []),
            env=env,
            input=env[OWNER_PASSWORD_VAR] + "\n",
            timeout=timeout,
        )
        return run(args, env=env, input=input, timeout=timeout)
    return result


def _owner_token(server: Server, password: str) -> str:
    """Log the owner in once per server, as `piplvault login` does."""
    if server.owner_token is None:
        server.owner_token = ""
        if password:
            status, answer = post_json(
                server.url,
                "/api/v1/login",
                {"user": "owner", "password": password},
                timeout=60,
            )
            if status == 200:
                server.owner_token = str(answer["token"])
    return server.owner_token


def _lang_env(args: list[str]) -> dict[str, str]:
    """``--lang X`` on the command line: a server that fails to start speaks it too."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return {"PIPLVAULT_LANG": args[i + 1]}
    return {}


def _acts_as_owner(args: list[str], env: dict[str, str]) -> bool:
    """Maintenance on the box is the owner's; staff run even these through the server."""
    user = env.get("PIPLVAULT_USER") or "owner"
    for i, arg in enumerate(args):
        if arg in ("--user", "-u") and i + 1 < len(args):
            user = args[i + 1]
    return user == "owner"


def _names_user(args: list[str]) -> bool:
    return any(a in ("--user", "-u") or a.startswith("--user=") for a in args)


def start(
    key: tuple[str, str], env: dict[str, str], *, register: bool = True
) -> Server | subprocess.CompletedProcess[str]:
    """Start `piplvault serve` for the vault; its failure is returned as the result.

    Registered servers stop when the test ends; a module fixture's server does not
    register and stops itself."""
    workdir = Path(tempfile.mkdtemp(prefix="pvs-", dir="/tmp"))
    socket = workdir / "s.sock"
    log = workdir / "serve.log"
    argv = [
        sys.executable,
        "-m",
        "piplvault",
        "serve",
        "--home",
        key[0],
        "--socket",
        str(socket),
    ]
    if key[1]:
        argv += ["--db", key[1]]
    server_env = {k: v for k, v in env.items() if k != "PIPLVAULT_URL"}
    proc: subprocess.Popen[bytes] | ForkedProcess
    if os.environ.get("PIPLVAULT_TEST_ZYGOTE", "1") == "1":
        # forked from a warm parent: the same `piplvault` entry point, minus the imports
        log.touch(mode=0o600)
        proc = zygote().start(argv[3:], server_env, log)
    else:
        with log.open("wb") as handle:
            proc = subprocess.Popen(argv, env=server_env, stdout=handle, stderr=handle)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            text = log.read_text(encoding="utf-8", errors="replace")
            shutil.rmtree(workdir, ignore_errors=True)
            return subprocess.CompletedProcess(argv, proc.returncode or 1, "", text)
        if socket.exists() and _ready(socket):
            server = Server(key, proc, socket, workdir)
            if register:
                _RUNNING[key] = server
            return server
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"piplvault serve did not become ready: {log.read_text()}")


def _ready(socket: Path) -> bool:
    import httpx

    try:
        with httpx.Client(
            transport=httpx.HTTPTransport(uds=str(socket)),
            base_url="http://t",
            timeout=2,
        ) as client:
            return client.get("/ready").status_code == 200
    except httpx.HTTPError:
        return False


def server_for(home: Path, env: dict[str, str]) -> Server:
    """The running server for ``home`` (started if needed), for tests that drive it."""
    key = vault_key(["--home", str(home)], env)
    server = _RUNNING.get(key)
    if server is None or server.proc.poll() is not None:
        started = start(key, env)
        if isinstance(started, subprocess.CompletedProcess):
            raise RuntimeError(started.stderr)
        server = started
    return server


def stop(key: tuple[str, str], *, kill: bool = False) -> None:
    server = _RUNNING.pop(key, None)
    if server is not None:
        server.stop(kill=kill)


def stop_all() -> None:
    for key in list(_RUNNING):
        stop(key)


@dataclass
class TcpServer:
    """A `piplvault serve` listening on 127.0.0.1:PORT (what a browser connects to)."""

    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


def start_tcp(home: Path, env: dict[str, str], log: Path) -> TcpServer:
    """``piplvault serve --host 127.0.0.1 --port P`` for ``home`` on a free port."""
    import socket as socketlib

    import httpx

    with socketlib.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    argv = [sys.executable, "-m", "piplvault", "serve", "--home", str(home)]
    argv += ["--host", "127.0.0.1", "--port", str(port)]
    server_env = {k: v for k, v in env.items() if k != "PIPLVAULT_URL"}
    with log.open("wb") as handle:
        proc = subprocess.Popen(argv, env=server_env, stdout=handle, stderr=handle)
    server = TcpServer(proc, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"piplvault serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{server.url}/ready", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"piplvault serve did not become ready: {log.read_text()}")
