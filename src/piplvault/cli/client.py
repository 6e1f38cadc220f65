"""The CLI as a client of ``piplvault serve``.

With ``PIPLVAULT_URL`` (or ``--server URL``) set, every vault command is sent to the server
and runs there as the person whose credentials are given: a token (``PIPLVAULT_TOKEN`` or
the one ``piplvault login`` saved) or their own password (``PIPLVAULT_USER`` +
``PIPLVAULT_PASSWORD``). Same commands, same output, same exit codes; the passphrase is
never needed and never sent. Files named on the command line are uploaded (inputs) or
written back here (outputs).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import sys
from pathlib import Path
from typing import Any

#: Commands that run here even when a server is set: they hold no vault, or they are the
#: owner's work on the server's own machine.
LOCAL_COMMANDS = frozenset(
    {
        "init",
        "serve",
        "scan",
        "login",
        "logout",
        "seal",
        "certificate verify",
        "transfer verify-report",
        "document render",
        "backup restore",
    }
)
#: Exit code of a destructive command's preview (see cli.confirm): confirm here, resend.
PREVIEW_EXIT = 75
#: Options answered here, whatever the command: help, version, shell completion.
_LOCAL_OPTIONS = frozenset(
    {"--help", "-h", "--version", "--show-completion", "--install-completion"}
)


def server_url(argv: list[str]) -> str | None:
    """``--server URL`` from the command line (removed from it), else ``PIPLVAULT_URL``."""
    for i, arg in enumerate(argv):
        if arg == "--server" and i + 1 < len(argv):
            url = argv[i + 1]
            del argv[i : i + 2]
            return url
        if arg.startswith("--server="):
            del argv[i]
            return arg.split("=", 1)[1]
    return os.environ.get("PIPLVAULT_URL") or None


def goes_to_server(argv: list[str]) -> bool:
    from piplvault.cli.argv import command_of

    if not argv or any(a in _LOCAL_OPTIONS for a in argv):
        return False
    command = command_of(argv)
    return command not in LOCAL_COMMANDS and command.split(" ")[0] not in LOCAL_COMMANDS


def credentials_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "piplvault" / "credentials.json"


def saved_token(url: str) -> str | None:
    path = credentials_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    entry = data.get(url) if isinstance(data, dict) else None
    return str(entry["token"]) if isinstance(entry, dict) and "token" in entry else None


def save_token(url: str, result: dict[str, Any]) -> Path:
    """Keep the login token for ``url`` in a 0600 file (the directory 0700)."""
    path = credentials_file()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data[url] = {
        "user": result["user"],
        "token": result["token"],
        "expires_at": result["expires_at"],
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2)
    os.replace(tmp, path)
    return path


def forget_token(url: str) -> None:
    path = credentials_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(data, dict) and data.pop(url, None) is not None:
        from piplvault.io.private_files import write_private

        write_private(path, json.dumps(data, ensure_ascii=False, indent=2))


def auth_header(url: str, user: str | None) -> dict[str, str]:
    """The Authorization header from env or the saved login; prompt on a terminal."""
    token = os.environ.get("PIPLVAULT_TOKEN") or None
    name = user or os.environ.get("PIPLVAULT_USER") or None
    password = os.environ.get("PIPLVAULT_PASSWORD") or None
    if token is None and password is None:
        token = saved_token(url)
    if token:
        return {"Authorization": f"Bearer {token}"}
    name = name or "owner"
    if password is None and sys.stdin.isatty():
        import typer

        password = typer.prompt(f"Password for {name} / 密码", hide_input=True)
    if not password:
        return {}
    raw = base64.b64encode(f"{name}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def _user_from(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg in ("--user", "-u") and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--user="):
            return arg.split("=", 1)[1]
    return None


def _path_params(
    argv: list[str],
) -> tuple[dict[int, tuple[str, bytes]], dict[int, str]]:
    """Which argv entries are files to upload (inputs) or to write back (outputs)."""
    from piplvault.cli.paths import path_arguments

    inputs: dict[int, tuple[str, bytes]] = {}
    outputs: dict[int, str] = {}
    for index in path_arguments(argv):
        path = Path(argv[index])
        if path.is_file():
            inputs[index] = (path.name, path.read_bytes())
        elif path.name not in ("", ".", ".."):
            outputs[index] = path.name
        else:
            outputs[index] = "out"
    return inputs, outputs


def _wants_stdin(argv: list[str]) -> bool:
    return "-" in argv or any(a.endswith("-stdin") for a in argv)


def _read_stdin() -> bytes:
    if sys.stdin is None or sys.stdin.isatty():
        return b""
    try:
        ready, _, _ = select.select([sys.stdin], [], [], 5.0)
    except (OSError, ValueError):
        ready = [sys.stdin]
    return sys.stdin.buffer.read() if ready else b""


def run_remote(argv: list[str], url: str, *, lang: str = "zh") -> int:
    """Send one command line to the server; print what it printed; return its exit code.

    A destructive command typed at a terminal without --yes comes back as a preview (what
    would be destroyed, masked); this terminal's user confirms, then it is sent with --yes.
    """
    argv = _split_equals(argv)
    at_terminal = sys.stdin is not None and sys.stdin.isatty()
    preview = at_terminal and not any(a in ("--yes", "-y") for a in argv)
    code = _send(argv, url, lang=lang, preview=preview)
    if code != PREVIEW_EXIT:
        return code
    from piplvault.cli.confirm import confirm_locally

    if not confirm_locally():
        return 1
    return _send([*argv, "--yes"], url, lang=lang, preview=False)


def _send(argv: list[str], url: str, *, lang: str, preview: bool) -> int:
    from piplvault.cli.entry import say_error
    from piplvault.cli.http import post_streaming
    from piplvault.cli.progress_view import ProgressView
    from piplvault.errors import ServerUnreachableError

    inputs, outputs = _path_params(argv)
    body = {
        "argv": argv,
        "stdin": base64.b64encode(
            _read_stdin() if _wants_stdin(argv) else b""
        ).decode(),
        "inputs": {
            str(i): {"name": name, "data": base64.b64encode(data).decode()}
            for i, (name, data) in inputs.items()
        },
        "outputs": {str(i): name for i, name in outputs.items()},
        # Where the files are on this machine: the server refuses outputs inside its vault
        # directory exactly as the command would on the box.
        "paths": {str(i): str(Path(argv[i]).absolute()) for i in (*inputs, *outputs)},
        "columns": shutil.get_terminal_size((100, 24)).columns,
        "lang": lang,
        "confirm_preview": preview,
        "stream": True,  # progress of long commands as it happens (issue 14)
    }
    view = ProgressView()
    try:
        status, data = post_streaming(
            url,
            "/api/v1/cli",
            body,
            on_progress=view,
            headers=auth_header(url, _user_from(argv)),
        )
    except ServerUnreachableError as unreachable:
        say_error(unreachable.message)
        return 1
    finally:
        view.close()
    if status != 200:
        error = data.get("error", {}) if isinstance(data, dict) else {}
        say_error(
            str(error.get("message") or f"Server answered {status}"),
            str(error.get("code") or "vault-error"),
        )
        return 1
    for index, files in (data.get("files") or {}).items():
        _write_back(Path(argv[int(index)]).parent, files)
    for index, files in (data.get("beside") or {}).items():
        _write_back(Path(argv[int(index)]).parent, files)
    sys.stdout.write(data.get("stdout", ""))
    sys.stderr.write(data.get("stderr", ""))
    sys.stdout.flush()
    sys.stderr.flush()
    return int(data.get("exit_code", 1))


def _split_equals(argv: list[str]) -> list[str]:
    out: list[str] = []
    for arg in argv:
        if arg.startswith("--") and "=" in arg:
            out.extend(arg.split("=", 1))
        else:
            out.append(arg)
    return out


def _write_back(target: Path, files: list[dict[str, str]]) -> None:
    """Write returned output files at the path the user named (never following links)."""
    for item in files:
        rel = item["path"]
        dest = target / rel if rel else target
        if rel and ".." in Path(rel).parts:
            continue
        dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(base64.b64decode(item["data"]))
        os.replace(tmp, dest)
