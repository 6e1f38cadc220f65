"""Options shared by vault commands, and building the Vault from them."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from piplvault.settings import Secret, Settings, load_settings
from piplvault.vault import Vault

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


def open_vault(home: Path | None, db: str | None, user: str | None = None) -> Vault:
    return Vault.open(settings_from(home, db, user=user))


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
