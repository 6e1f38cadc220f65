"""``piplvault keys public`` and ``keys rotate``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
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


@keys_app.command("split")
def split_command(
    threshold: Annotated[int, typer.Option(help="Shares needed to unseal (k).")],
    shares: Annotated[int, typer.Option(help="Shares to make, one per holder (n).")],
    out: Annotated[
        Path, typer.Option(help="Directory for the share files (one per holder, 0600).")
    ],
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Split custody: replace the passphrase by k-of-n Shamir shares (SLIP-39 words).

    Example: piplvault keys split --threshold 2 --shares 3 --out ./shares
    Hand each file to one director and delete it here; `piplvault serve --share FILE …`
    (or typed words at its prompt) unseals with any k of them.
    """
    from piplvault.crypto import custody

    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"{out} is not empty; give a new directory for the shares")
    secret = custody.new_secret()
    mnemonics = custody.split(secret, threshold=threshold, shares=shares)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    vault = open_vault(home, db, user)
    try:
        keys.rotate(
            vault, new_passphrase=custody.passphrase_of(secret), kek=False, retire=False
        )
        with vault.write() as conn:
            vault.record(
                conn,
                action="custody-split",
                target="vault",
                details={
                    "threshold": threshold,
                    "shares": shares,
                    "fingerprints": [custody.fingerprint(m) for m in mnemonics],
                },
            )
    finally:
        vault.close()
    files = []
    for number, mnemonic in enumerate(mnemonics, start=1):
        path = out / f"share-{number}-of-{shares}.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(mnemonic + "\n")
        files.append({"file": str(path), "fingerprint": custody.fingerprint(mnemonic)})
    result = {"threshold": threshold, "shares": files}
    if json_out:
        print_json(result)
    else:
        err_console.print(
            f"已拆分 custody split: any {threshold} of {shares} shares unseal the vault; "
            f"the old passphrase no longer works. Share files in {out} — give one to each "
            "holder and delete them here.",
            markup=False,
        )
