"""Run a CLI command line for an authenticated session, inside the server.

The CLI is a client of the server: ``piplvault customers show 3`` with ``PIPLVAULT_URL`` set
sends its arguments here and gets back the same stdout, stderr and exit code the command
would have printed on the box. The command runs with the request's `Session` (never the
passphrase holder), and file arguments never name the server's files: the client uploads
input files and the server writes outputs into a private per-request directory and returns
them, so no request can make the server read or overwrite a path of its choosing.
"""

from __future__ import annotations

import base64
import io
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from piplvault.api.errors import error_shape
from piplvault.cli import options
from piplvault.cli.options import command_of
from piplvault.errors import ValidationError
from piplvault.io.private_files import write_private
from piplvault.vault.session import Session

#: Commands that only the owner runs on the box with the passphrase (never through here).
LOCAL_ONLY = frozenset({"init", "serve", "login", "logout", "backup restore"})
MAX_FILE_BYTES = 512 * 1024 * 1024

# Redirecting sys.stdout is process-wide: bridge commands run one at a time. The JSON
# routes (the console's and scripts' fast path) run concurrently.
_LOCK = threading.Lock()


@dataclass(slots=True)
class BridgeRequest:
    argv: list[str]
    stdin: bytes = b""
    #: argv index → (file name, bytes) uploaded by the client
    inputs: dict[int, tuple[str, bytes]] = field(default_factory=dict)
    #: argv index → file or directory name the client wants written back
    outputs: dict[int, str] = field(default_factory=dict)
    columns: int = 100
    #: argv index → the absolute path on the client's machine
    paths: dict[int, str] = field(default_factory=dict)
    lang: str = "zh"
    #: the client is at a terminal without --yes: preview destructive commands, stop
    confirm_preview: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BridgeRequest:
        try:
            argv = [str(a) for a in data["argv"]]
            inputs = {
                int(k): (safe_name(v["name"]), base64.b64decode(v["data"]))
                for k, v in dict(data.get("inputs") or {}).items()
            }
            outputs = {
                int(k): safe_name(str(v))
                for k, v in dict(data.get("outputs") or {}).items()
            }
            stdin = base64.b64decode(data.get("stdin") or "")
            columns = max(40, min(int(data.get("columns") or 100), 400))
            paths = {int(k): str(v) for k, v in dict(data.get("paths") or {}).items()}
            lang = "en" if str(data.get("lang") or "zh").startswith("en") else "zh"
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"Malformed command request ({exc})") from exc
        for index in (*inputs, *outputs):
            if not 0 <= index < len(argv):
                raise ValidationError("A file argument points outside the command line")
        preview = bool(data.get("confirm_preview"))
        return cls(argv, stdin, inputs, outputs, columns, paths, lang, preview)


def safe_name(name: str) -> str:
    """The base name of a file the client names (never a path on the server)."""
    base = Path(str(name)).name
    if base in ("", ".", "..") or "\x00" in base:
        raise ValidationError("A file argument has no usable file name")
    return base


def run(session: Session, request: BridgeRequest) -> dict[str, Any]:
    """Run ``request.argv`` as ``session``'s actor; return output, exit code and files."""
    words = command_of(request.argv)
    if words.split(" ")[0] in LOCAL_ONLY or words in LOCAL_ONLY:
        raise ValidationError(
            f"'piplvault {words}' runs only on the server's machine, by the owner"
        )
    work = Path(tempfile.mkdtemp(prefix="piplvault-req-"))
    argv = list(request.argv)
    mapping: dict[str, str] = {}
    try:
        for index, (name, data) in request.inputs.items():
            if len(data) > MAX_FILE_BYTES:
                raise ValidationError(f"Uploaded file {name} is over 512 MiB")
            target = work / f"in{index}" / name
            target.parent.mkdir(mode=0o700)
            write_private(target, data)
            mapping[str(target)] = argv[index]
            mapping[str(target.parent)] = str(
                Path(request.paths.get(index, argv[index])).parent
            )
            argv[index] = str(target)
        home = session.settings.home.resolve()
        for index, name in list(request.outputs.items()):
            client_path = Path(request.paths.get(index, "")).resolve()
            if request.paths.get(index) and client_path.is_relative_to(home):
                # Inside the vault directory: hand the command the real path, so that its
                # own check refuses it (notices may never be written into the vault).
                argv[index] = str(client_path)
                del request.outputs[index]
                continue
            target = work / f"out{index}" / name
            target.parent.mkdir(mode=0o700)
            mapping[str(target)] = argv[index]
            argv[index] = str(target)
        argv += ["--lang", request.lang]  # each request in the client's language
        with _LOCK:
            code, out, err, failure = _captured(session, argv, request)
        # Everything the command wrote where the client asked — the file or directory
        # itself and anything beside it (a JSON original next to its PDF rendering).
        files = {
            str(index): _collect(work / f"out{index}") for index in request.outputs
        }
        # Files a command wrote beside an input (e.g. the receipt `receive` writes next to
        # the package) go back beside the client's file.
        beside = {
            str(index): [f for f in _collect(work / f"in{index}") if f["path"] != name]
            for index, (name, _data) in request.inputs.items()
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for server_path in sorted(mapping, key=len, reverse=True):
        out = out.replace(server_path, mapping[server_path])
        err = err.replace(server_path, mapping[server_path])
    return {
        "exit_code": code,
        "stdout": out,
        "stderr": err,
        "files": files,
        "beside": {k: v for k, v in beside.items() if v},
        "error": failure,
    }


def _captured(
    session: Session, argv: list[str], request: BridgeRequest
) -> tuple[int, str, str, dict[str, Any] | None]:
    from piplvault.cli.app import LAST_ERROR, err_console, out_console, run_argv

    stdout, stderr = io.StringIO(), io.StringIO()
    stdin = io.TextIOWrapper(io.BytesIO(request.stdin), encoding="utf-8")
    saved = sys.stdin, sys.stdout, sys.stderr
    widths = err_console.width, out_console.width
    from piplvault.cli.confirm import CONFIRM_PREVIEW

    token = options.CURRENT_SESSION.set(session)
    preview = CONFIRM_PREVIEW.set(request.confirm_preview)
    sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
    err_console.width = out_console.width = request.columns
    try:
        code = run_argv(argv)
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        err_console.width, out_console.width = widths
        options.CURRENT_SESSION.reset(token)
        CONFIRM_PREVIEW.reset(preview)
    error = LAST_ERROR.get()
    failure = None if error is None else error_shape(error)
    return code, stdout.getvalue(), stderr.getvalue(), failure


def _collect(target: Path) -> list[dict[str, str]]:
    """Every file the command wrote at ``target`` (a file, or a directory tree)."""
    if target.is_file():
        return [{"path": "", "data": base64.b64encode(target.read_bytes()).decode()}]
    if not target.is_dir():
        return []
    return [
        {
            "path": path.relative_to(target).as_posix(),
            "data": base64.b64encode(path.read_bytes()).decode(),
        }
        for path in sorted(target.rglob("*"))
        if path.is_file()
    ]
