"""``piplvault backup create|verify|restore|prune|list``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from piplvault.cli.app import app, err_console, print_json
from piplvault.cli.confirm import YesOption, confirm_destruction
from piplvault.cli.lazy import lazy_module
from piplvault.cli.options import (
    DbOption,
    HomeOption,
    JsonOption,
    UserOption,
    open_vault,
    require_served_role,
    settings_from,
)
from piplvault.cli.render import terminal_bar
from piplvault.settings import DEFAULT_BACKUP_RETAIN_DAYS

if TYPE_CHECKING:
    from piplvault.documents import certificate
    from piplvault.vault import backups
    from piplvault.vault.service import Vault
else:
    certificate = lazy_module("piplvault.documents.certificate")
    backups = lazy_module("piplvault.vault.backups")
from piplvault.i18n import _

backup_app = typer.Typer(
    help="Encrypted, signed backups; restore replays the shred journal (备份).",
    no_args_is_help=True,
)
app.add_typer(backup_app, name="backup")

PublicKeyOption = Annotated[
    Path | None,
    typer.Option(
        "--public-key", help="Pin the signer: PEM from 'piplvault keys public'."
    ),
]


@backup_app.command("create")
def create_command(
    to: Annotated[
        Path | None,
        typer.Option(
            "--to", help="Directory for the backup file (default: HOME/backups)."
        ),
    ] = None,
    retain_days: Annotated[
        int,
        typer.Option(
            help="Days after the epoch (month) ends before its key is destroyed."
        ),
    ] = DEFAULT_BACKUP_RETAIN_DAYS,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Write one encrypted, signed backup file and print its path.

    Example: piplvault backup create --to /mnt/backup
    """
    vault = open_vault(home, db, user)
    try:
        bar = terminal_bar(_("Backing up"), json_out=json_out)
        with bar as advance:
            info = backups.create_backup(
                vault,
                to or vault.settings.home / "backups",
                retain_days=retain_days,
                progress=advance,
                on_total=bar.expect,
            )
    finally:
        vault.close()
    if json_out:
        print_json(info.to_dict())
    else:
        sys.stdout.write(f"{info.path}\n")


@backup_app.command("verify")
def verify_command(
    file: Annotated[Path, typer.Argument(metavar="FILE")],
    public_key: PublicKeyOption = None,
    json_out: JsonOption = False,
) -> None:
    """Check a backup's signature and contents offline. Example: piplvault backup verify F.pvbak"""
    require_served_role("backup", "restore", "audit-read")
    key = certificate.load_public_key(public_key) if public_key else None
    manifest = backups.verify_backup(file, public_key=key)
    info = {
        "valid": True,
        "backup_id": manifest["backup_id"],
        "vault_id": manifest["vault_id"],
        "created_at": manifest["created_at"],
        "epoch": manifest["epoch"],
        "tables": manifest["tables"],
        "signer_pinned": key is not None,
    }
    if json_out:
        print_json(info)
    else:
        err_console.print(
            f"有效 VALID: backup {info['backup_id']} is intact"
            + ("" if key else " (signed by its embedded key; pin it with --public-key)")
        )


@backup_app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(metavar="FILE")],
    into: Annotated[Path, typer.Option("--into", help="An empty directory.")],
    without_epoch_key: Annotated[
        bool,
        typer.Option(
            "--without-epoch-key",
            help="Restore without the live key store: every customer is crypto-erased.",
        ),
    ] = False,
    public_key: PublicKeyOption = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Restore into a new directory, replaying the live vault's shred journal first.

    The live vault (--home, default PIPLVAULT_HOME) supplies the backup-epoch key and the
    shred journal. Example: piplvault backup restore F.pvbak --into ./restored
    """
    settings = settings_from(home, db, user=user)
    key_store = None
    live = settings.db is not None or (settings.home / "vault.db").is_file()
    if live:  # the live vault pins the signer, and (normally) supplies the epoch keys
        vault = open_vault(home, db, user)
        try:
            key_store = backups.live_key_store(vault)
        finally:
            vault.close()
        if without_epoch_key:
            key_store = dataclasses.replace(key_store, epoch_keys={}, journal=[])
    key = certificate.load_public_key(public_key) if public_key else None
    target = dataclasses.replace(settings, home=into, db=None)
    bar = terminal_bar(_("Restoring"), json_out=json_out)
    if bar.enabled:
        bar.expect(backups.backup_frames(file))
    with bar as advance:
        result = backups.restore_backup(
            file,
            into,
            target,
            key_store=key_store,
            without_epoch_key=without_epoch_key,
            public_key=key,
            progress=advance,
        )
    if json_out:
        print_json(result)
    else:
        sys.stdout.write(f"{into}\n")
        err_console.print(
            f"已恢复 restored {result['customers_in_backup']} customers from backup; "
            f"journal replay removed {result['customers_removed_by_journal']}, "
            f"epoch-expired erasures {result['customers_erased_epoch_expired']}"
        )


@backup_app.command("prune")
def prune_command(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Prune as of this date.")
    ] = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
    yes: YesOption = False,
) -> None:
    """Destroy expired backup-epoch keys and delete those backups. Example: piplvault backup prune"""
    moment = None
    if as_of is not None:
        moment = dt.datetime.combine(dt.date.fromisoformat(as_of), dt.time(), dt.UTC)
    vault = open_vault(home, db, user)
    try:
        confirm_destruction(
            _("Will destroy"),
            lambda: _expired(vault, moment),
            yes=yes,
        )
        result = backups.prune_backups(vault, as_of=moment)
    finally:
        vault.close()
    if json_out:
        print_json(result)
    else:
        err_console.print(
            f"已销毁 destroyed epoch keys: {', '.join(result['epochs_destroyed']) or 'none'}; "
            f"{len(result['files_removed'])} backup file(s) removed"
        )


def _expired(vault: Vault, moment: dt.datetime | None) -> list[tuple[str, str]]:
    """Backups whose epoch key prune would destroy now (the confirmation's preview)."""
    now = (moment or vault.clock.now()).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    due = [
        r
        for r in backups.list_backups(vault)
        if r["epoch_destroyed_at"] is None and (r["epoch_expires_at"] or "~") <= now
    ]
    return [
        (_("Backups"), str(len(due))),
        (_("Backup epochs"), ", ".join(sorted({r["epoch_id"] for r in due})) or "-"),
    ]


@backup_app.command("list")
def list_command(
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """List backups and their epochs. Example: piplvault backup list --json"""
    vault = open_vault(home, db, user)
    try:
        rows = backups.list_backups(vault)
    finally:
        vault.close()
    if json_out:
        print_json(rows)
        return
    for r in rows:
        err_console.print(f"{r['backup_id']}  epoch {r['epoch_id']}  {r['path']}")
