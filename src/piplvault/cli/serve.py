"""``piplvault serve | login | logout | seal``: the server that alone holds the keys."""

from __future__ import annotations

import os
import socket as socketlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from piplvault.cli.app import app, err_console, print_json
from piplvault.cli.entry import say_error
from piplvault.cli.options import DbOption, HomeOption, JsonOption, UserOption
from piplvault.errors import (
    AuthenticationError,
    ConfigError,
    ValidationError,
)
from piplvault.settings import Secret, Settings, load_settings

DEFAULT_PORT = 8765
SYSTEMD_CREDENTIAL = "piplvault-passphrase"


@app.command("serve")
def serve_command(
    home: HomeOption = None,
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = DEFAULT_PORT,
    socket: Annotated[
        Path | None,
        typer.Option(
            "--socket", help="Listen on this Unix socket (mode 0600) instead."
        ),
    ] = None,
    passphrase_fd: Annotated[
        int | None,
        typer.Option(
            "--passphrase-fd", help="Read the passphrase from this file descriptor."
        ),
    ] = None,
    share: Annotated[
        list[Path] | None,
        typer.Option(
            "--share",
            help="A Shamir share file (repeat for k holders; after 'keys split').",
        ),
    ] = None,
    shares_prompt: Annotated[
        int,
        typer.Option(
            "--shares", help="Ask for this many share word lists on the terminal."
        ),
    ] = 0,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="API worker processes sharing the unsealed keys (one per CPU core for "
            "throughput; more than 1 leaves out the web console).",
        ),
    ] = 1,
) -> None:
    """Unseal the vault and serve the API (keys in memory only; Ctrl-C or 'seal' wipes them).

    The passphrase comes from k Shamir shares (--share FILE …, or --shares K typed), --passphrase-fd, systemd credentials
    ($CREDENTIALS_DIRECTORY/piplvault-passphrase), PIPLVAULT_PASSPHRASE or a prompt.
    Staff then run commands with PIPLVAULT_URL set and their own password or token.
    """
    import uvicorn

    from piplvault.api.app import create_app
    from piplvault.api.prefork import SealSwitch, run_workers, settle_heap
    from piplvault.vault import Vault

    settings = _server_settings(home, db, passphrase_fd, share or [], shares_prompt)
    vault = Vault.open(settings, pooled=True)
    with vault.write() as conn:
        vault.record(
            conn,
            action="server-unsealed",
            target="server",
            details={
                "listen": str(socket) if socket else f"{host}:{port}",
                "workers": workers,
            },
        )
    switch = SealSwitch() if workers > 1 else None
    api = create_app(vault, console=workers == 1, seal_switch=switch)
    config = uvicorn.Config(
        api.state.front_door,  # the plain customer read, then the FastAPI app
        host=host,
        port=port,
        log_level="warning",
        access_log=False,  # URLs never reach a log (they could carry a looked-up value)
        timeout_graceful_shutdown=5,
    )
    listener = _unix_socket(socket) if socket else None
    where = f"unix://{socket}" if socket else f"http://{host}:{port}"
    err_console.print(
        f"piplvault serve: 保险库已解封 vault unsealed; listening on {where} "
        f"({f'{workers} workers; ' if workers > 1 else ''}Ctrl-C seals and stops)",
        markup=False,
        highlight=False,
    )
    settle_heap()
    try:
        if switch is not None:
            # keys copied into each forked worker (docs/server.md "Several workers")
            listener = listener or config.bind_socket()
            run_workers(
                vault, lambda: uvicorn.Server(config), listener, workers, switch
            )
        else:
            vault.start_group_commit()  # concurrent reads share one commit (issue 11)
            uvicorn.Server(config).run(sockets=[listener] if listener else None)
    finally:
        if not vault.keyring.sealed:
            with vault.write() as conn:
                vault.record(conn, action="server-sealed", target="server")
            vault.seal()
        if socket is not None:
            socket.unlink(missing_ok=True)
        err_console.print("piplvault serve: 已封存 sealed; stopped")


def _server_settings(
    home: Path | None, db: str | None, fd: int | None, shares: list[Path], asked: int
) -> Settings:
    settings = load_settings({"home": home, "db": db, "user": "owner"})
    secret: str | None = None
    if shares or asked:
        from piplvault.crypto import custody

        words = [p.read_text(encoding="utf-8") for p in shares]
        for number in range(asked):
            words.append(
                typer.prompt(f"Share {number + 1} / 份额 {number + 1}", hide_input=True)
            )
        secret = custody.passphrase_of(custody.combine(words))
    elif fd is not None:
        with os.fdopen(fd, encoding="utf-8", closefd=True) as handle:
            secret = handle.readline().rstrip("\n")
    elif os.environ.get("CREDENTIALS_DIRECTORY"):
        path = Path(os.environ["CREDENTIALS_DIRECTORY"]) / SYSTEMD_CREDENTIAL
        if path.is_file():
            secret = path.read_text(encoding="utf-8").rstrip("\n")
    if secret is None and settings.passphrase is not None:
        secret = settings.passphrase.reveal()
    if secret is None and sys.stdin.isatty():
        secret = typer.prompt("Vault passphrase / 保险库口令", hide_input=True)
    if not secret:
        raise ConfigError(
            "No vault passphrase: give --passphrase-fd, systemd credential "
            f"'{SYSTEMD_CREDENTIAL}', PIPLVAULT_PASSPHRASE, or run on a terminal"
        )
    values = {f: getattr(settings, f) for f in settings.__dataclass_fields__}
    values["passphrase"] = Secret(secret)
    return Settings(**values)


def _unix_socket(path: Path) -> socketlib.socket:
    """A listening Unix socket only the server's own OS user can connect to (0600)."""
    path.unlink(missing_ok=True)
    sock = socketlib.socket(socketlib.AF_UNIX, socketlib.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        sock.bind(str(path))
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    sock.listen(128)
    return sock


def _url() -> str:
    url = os.environ.get("PIPLVAULT_URL")
    if not url:
        raise ConfigError(
            "No server: set PIPLVAULT_URL (e.g. http://127.0.0.1:8765) or pass --server"
        )
    return url


@app.command("login")
def login_command(
    user: UserOption = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    hours: Annotated[int, typer.Option(help="Token lifetime in hours.")] = 12,
    json_out: JsonOption = False,
) -> None:
    """Log in to the server with your own password; keeps a token (file mode 0600)."""
    from piplvault.cli.client import save_token

    url = _url()
    name = user or os.environ.get("PIPLVAULT_USER") or "owner"
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = os.environ.get("PIPLVAULT_PASSWORD") or ""
        if not password and sys.stdin.isatty():
            password = typer.prompt(f"Password for {name} / 密码", hide_input=True)
    if not password:
        raise ValidationError(
            "Give the password on a terminal, --password-stdin or PIPLVAULT_PASSWORD"
        )
    result = _checked(
        url,
        "/api/v1/login",
        {"user": name, "password": password, "hours": hours},
        headers={},
    )
    path = save_token(url, result)
    shown = {k: v for k, v in result.items() if k != "token"}
    if json_out:
        print_json({**shown, "saved_to": str(path)})
    else:
        err_console.print(
            f"已登录 logged in as {result['user']} until {result['expires_at']} "
            f"(token saved to {path})",
            markup=False,
            highlight=False,
        )


@app.command("logout")
def logout_command(json_out: JsonOption = False) -> None:
    """Revoke your saved token on the server and forget it here."""
    from piplvault.cli.client import forget_token, saved_token

    url = _url()
    token = saved_token(url)
    if token is None:
        say_error("Not logged in to this server")
        raise typer.Exit(1)
    try:
        result = _checked(
            url, "/api/v1/logout", None, headers={"Authorization": f"Bearer {token}"}
        )
    finally:
        forget_token(url)
    if json_out:
        print_json(result)
    else:
        err_console.print("已退出 logged out", markup=False)


@app.command("seal")
def seal_command(user: UserOption = None, json_out: JsonOption = False) -> None:
    """Seal the running server now: it forgets the keys and answers 503 until restarted."""
    from piplvault.cli.client import auth_header

    url = _url()
    result = _checked(url, "/api/v1/seal", None, headers=auth_header(url, user))
    if json_out:
        print_json(result)
    else:
        err_console.print("已封存 server sealed: keys wiped from memory", markup=False)


def _checked(
    url: str, path: str, body: dict[str, object] | None, *, headers: dict[str, str]
) -> dict[str, object]:
    """POST to the server; its answer, or the error it gave as a typed error."""
    from piplvault.cli.http import post_json

    status, data = post_json(url, path, body, headers=headers, timeout=60)
    if status != 200:
        message = (
            (data.get("error") or {}).get("message") if isinstance(data, dict) else None
        )
        if status == 401:
            raise AuthenticationError(str(message or "Authentication failed"))
        raise ValidationError(str(message or f"Server answered {status}"))
    return dict(data)
