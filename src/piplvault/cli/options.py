"""Options shared by vault commands, and building the Vault from them."""

from __future__ import annotations

import os
import sys
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from piplvault.cli.argv import (  # re-exported: the CLI's modules import them here
    DIRECT_COMMANDS as DIRECT_COMMANDS,
)
from piplvault.cli.argv import command_of as command_of
from piplvault.cli.argv import is_direct as is_direct
from piplvault.errors import (
    AuthenticationError,
    ServerRequiredError,
    VaultNotFoundError,
)
from piplvault.settings import Secret, Settings, load_settings

if TYPE_CHECKING:
    from piplvault.vault import Vault

#: The authenticated session when a command runs inside ``piplvault serve``.
CURRENT_SESSION: ContextVar[Vault | None] = ContextVar(
    "piplvault_session", default=None
)
#: ``group sub`` of the command line being run (set by ``run_argv``).
CURRENT_COMMAND: ContextVar[str] = ContextVar("piplvault_command", default="")

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        "-H",
        help="Vault directory (default ./piplvault-data or PIPLVAULT_HOME).",
        show_default=False,
    ),
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL, e.g. postgresql://user@127.0.0.1:5432/vault "
        "(default SQLite in the vault directory; or PIPLVAULT_DB).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]
#: Ids fit a signed 64-bit integer: larger numbers are a usage error, not a driver crash.
MAX_ID = 2**63 - 1
#: A customer id argument (1..2^63-1; issue 10, attack 16).
CustomerIdArgument = Annotated[int, typer.Argument(metavar="ID", min=1, max=MAX_ID)]
UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        "-u",
        help="Act as this user (default: owner, or "
        "PIPLVAULT_USER); give PIPLVAULT_PASSWORD or PIPLVAULT_TOKEN.",
        show_default=False,
    ),
]


def settings_from(
    home: Path | None, db: str | None, *, confirm: bool = False, user: str | None = None
) -> Settings:
    """Settings from flags/env/TOML, asking for the passphrase on a terminal if unset."""
    settings = load_settings({"home": home, "db": db, "user": user})
    if settings.passphrase is None:
        settings = _with_prompted_passphrase(settings, confirm=confirm)
    return settings


def require_served_role(*actions: str) -> None:
    """Offline work the server does for a person (scanning or verifying an uploaded
    file): refused, audited, unless their role holds one of ``actions``. On the box the
    command needs no vault and no check."""
    session = CURRENT_SESSION.get()
    if session is None:
        return
    session.check_allowed(*actions)


def open_vault(home: Path | None, db: str | None, user: str | None = None) -> Vault:
    """The vault this command acts on, as the person running it.

    Inside the server: the request's authenticated session. On the box (direct mode): only
    the owner's maintenance commands, with the passphrase; anything else is refused and sent
    to ``piplvault serve`` — holding the passphrase must not make anyone an owner of a
    customer lookup, and staff never need it.
    """
    session = CURRENT_SESSION.get()
    if session is not None:
        if user and user != session.actor:
            raise AuthenticationError(
                f"--user {user} does not match the credentials given (user "
                f"'{session.actor}')"
            )
        return session
    command = CURRENT_COMMAND.get()
    if not is_direct(command):
        plain = load_settings({"home": home, "db": db, "user": user})
        if plain.db is None and not (plain.home / "vault.db").is_file():
            raise VaultNotFoundError(
                f"No vault at {plain.home}; create one with 'piplvault init {plain.home}'"
            )
        raise ServerRequiredError(
            f"'piplvault {command}' runs through the server, as a logged-in user: the "
            "owner starts 'piplvault serve', then set PIPLVAULT_URL and run "
            "'piplvault login' (see README: Server). Direct mode with the passphrase is "
            "for the owner's maintenance only: " + ", ".join(sorted(DIRECT_COMMANDS))
        )
    settings = settings_from(home, db, user=user)
    if settings.user != "owner":
        raise ServerRequiredError(
            f"User '{settings.user}' works through 'piplvault serve' with their own "
            "password or token; only the owner runs maintenance with the passphrase"
        )
    from piplvault.vault import Vault

    return Vault.open(settings)


def _with_prompted_passphrase(settings: Settings, *, confirm: bool) -> Settings:
    if not sys.stdin.isatty():
        return settings
    value = typer.prompt(
        "Vault passphrase / 保险库口令", hide_input=True, confirmation_prompt=confirm
    )
    values = {f: getattr(settings, f) for f in settings.__dataclass_fields__}
    values["passphrase"] = Secret(value)
    return Settings(**values)


def is_terminal() -> bool:
    return sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
