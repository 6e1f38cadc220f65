"""``piplvault keys public`` and ``keys rotate``."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from piplvault.cli.app import app, err_console, print_json
from piplvault.cli.lazy import lazy_module
from piplvault.cli.options import (
    DbOption,
    HomeOption,
    JsonOption,
    UserOption,
    open_vault,
)
from piplvault.errors import ConfigError

if TYPE_CHECKING:
    from piplvault.vault import keys
else:
    keys = lazy_module("piplvault.vault.keys")

keys_app = typer.Typer(
    help="Vault keys: public key, rotation (密钥管理).", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")


@keys_app.command("public")
def public_command(
    home: HomeOption = None, db: DbOption = None, user: UserOption = None
) -> None:
    """Print the vault's Ed25519 public key (PEM). Example: piplvault keys public > vault.pub"""
    vault = open_vault(home, db, user)
    try:
        pem = vault.public_key_pem()
    finally:
        vault.close()
    sys.stdout.write(pem)


@keys_app.command("rotate")
def rotate_command(
    passphrase: Annotated[
        bool,
        typer.Option(
            "--passphrase/--keep-passphrase",
            help="Change the master passphrase (new one from PIPLVAULT_NEW_PASSPHRASE or "
            "a prompt). Default: change it when PIPLVAULT_NEW_PASSPHRASE is set.",
        ),
    ] = False,
    kek: Annotated[
        bool,
        typer.Option("--kek", help="New key-encryption key version; rewrap all DEKs."),
    ] = False,
    retire: Annotated[
        bool,
        typer.Option(
            "--retire/--keep-old", help="Destroy old KEK versions after rewrap."
        ),
    ] = True,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Rotate keys. Example: PIPLVAULT_NEW_PASSPHRASE=… piplvault keys rotate --kek"""
    new_passphrase = os.environ.get("PIPLVAULT_NEW_PASSPHRASE") or None
    if passphrase and new_passphrase is None:
        if not sys.stdin.isatty():
            raise ConfigError(
                "No new passphrase: set PIPLVAULT_NEW_PASSPHRASE or run interactively"
            )
        new_passphrase = typer.prompt(
            "New vault passphrase / 新口令", hide_input=True, confirmation_prompt=True
        )
    if not kek and new_passphrase is None:
        raise ConfigError(
            "Nothing to rotate: give --kek and/or a new passphrase "
            "(PIPLVAULT_NEW_PASSPHRASE or --passphrase)"
        )
    vault = open_vault(home, db, user)
    try:
        report = keys.rotate(
            vault, new_passphrase=new_passphrase, kek=kek, retire=retire
        )
    finally:
        vault.close()
    if json_out:
        print_json(report)
    else:
        err_console.print(
            f"已轮换 rotated: passphrase {'changed' if report['passphrase_changed'] else 'kept'}, "
            f"KEK v{report['kek_version']}, {report['deks_rewrapped']} data keys rewrapped, "
            f"retired {report['retired'] or 'none'}"
        )
