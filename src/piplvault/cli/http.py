"""The CLI client's one HTTP call: POST JSON to ``piplvault serve`` (stdlib only).

``http(s)://host:port`` or ``unix:///path/to/socket``. The standard library is enough for
one request per command, and it starts far faster than a full HTTP client library.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from piplvault.errors import ServerUnreachableError

DEFAULT_TIMEOUT = 3600.0


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a Unix domain socket (the server's 0600 socket)."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("piplvault", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.socket_path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def connection(url: str, timeout: float) -> http.client.HTTPConnection:
    if url.startswith("unix://"):
        return UnixHTTPConnection(url[len("unix://") :], timeout)
    parts = urlsplit(url)
    if parts.scheme == "https":
        return http.client.HTTPSConnection(
            parts.hostname or "localhost", parts.port, timeout=timeout
        )
    if parts.scheme != "http":
        raise OSError(f"unsupported server URL scheme {parts.scheme!r}")
    return http.client.HTTPConnection(
        parts.hostname or "localhost", parts.port, timeout=timeout
    )


def post_json(
    url: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[int, Any]:
    """(status, decoded JSON body or ``{}``); ServerUnreachableError when the server
    cannot be reached."""
    prefix = "" if url.startswith("unix://") else urlsplit(url).path.rstrip("/")
    try:
        conn = connection(url, timeout)
    except OSError as exc:
        raise _unreachable(url, exc) from exc
    try:
        conn.request(
            "POST",
            prefix + path,
            body=json.dumps(body or {}, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        response = conn.getresponse()
        raw = response.read()
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        raise _unreachable(url, exc) from exc
    finally:
        conn.close()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, {}


def post_streaming(
    url: str,
    path: str,
    body: dict[str, Any],
    *,
    on_progress: Callable[[dict[str, Any]], None],
    headers: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[int, Any]:
    """Like `post_json` for an NDJSON answer: each ``{"progress": …}`` line goes to
    ``on_progress`` as it arrives; (status, the result object) at the end. A server that
    answers plain JSON (an error before the command started) is read as `post_json` does."""
    prefix = "" if url.startswith("unix://") else urlsplit(url).path.rstrip("/")
    try:
        conn = connection(url, timeout)
    except OSError as exc:
        raise _unreachable(url, exc) from exc
    try:
        conn.request(
            "POST",
            prefix + path,
            body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/x-ndjson",
                **(headers or {}),
            },
        )
        response = conn.getresponse()
        if "ndjson" not in (response.getheader("Content-Type") or ""):
            raw = response.read()
            try:
                return response.status, json.loads(raw)
            except ValueError:
                return response.status, {}
        final: dict[str, Any] = {}
        while line := response.readline():
            event = json.loads(line)
            if "progress" in event:
                on_progress(event["progress"])
            else:
                final = event
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise _unreachable(url, exc) from exc
    finally:
        conn.close()
    if "result" in final:
        return 200, final["result"]
    return int(final.get("status") or 500), final


def _unreachable(url: str, exc: Exception) -> ServerUnreachableError:
    return ServerUnreachableError(
        f"Cannot reach the piplvault server at {url} ({type(exc).__name__}); is "
        "'piplvault serve' running?"
    )
