"""Backups: the list with their epochs, writing a new encrypted, signed backup into the
vault's ``backups`` directory, and verifying a listed backup's signature and contents
(``backups.create_backup`` / ``verify_backup`` / ``list_backups``, as the CLI)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from piplvault.errors import IntegrityError, NotFoundError, ValidationError
from piplvault.vault import backups
from piplvault.web.deps import Console, ConsoleDep, FormDep, PostDep, field
from piplvault.web.render import PREFIX, render

router = APIRouter(prefix=PREFIX)


def backup_dir(console: Console) -> Path:
    """Where console backups go: HOME/backups (copy them off the machine from there)."""
    return console.session.settings.home / "backups"


def _page(request: Request, console: Console, **shown: Any) -> Response:
    rows = list(reversed(backups.list_backups(console.session)))
    home = console.session.settings.home
    day = console.session.clock.now().strftime("%Y%m%d")
    return render(
        request,
        "backups.html",
        web=console.web,
        console=console,
        backups=rows,
        directory=str(backup_dir(console)),
        restore={
            "file": shlex.quote(
                str(rows[0]["path"]) if rows else f"{backup_dir(console)}/FILE.pvbak"
            ),
            "into": shlex.quote(f"{home}-restored-{day}"),
            "home": shlex.quote(str(home)),
        },
        **shown,
    )


@router.get("/backups")
def backup_list(request: Request, console: ConsoleDep) -> Response:
    return _page(request, console)


@router.post("/backups/create")
def backup_create(request: Request, console: PostDep) -> Response:
    info = backups.create_backup(console.session, backup_dir(console))
    return _page(request, console, created=info.to_dict())


@router.post("/backups/verify")
def backup_verify(request: Request, console: PostDep, form: FormDep) -> Response:
    """Verify one listed backup (by id; the console never opens a path it is given)."""
    wanted = field(form, "backup_id")
    listed = {b["backup_id"]: b for b in backups.list_backups(console.session)}
    if not wanted:
        raise ValidationError("The request is malformed (a wrong number or field)")
    if wanted not in listed:
        raise NotFoundError(f"No backup '{wanted}'")
    verified: dict[str, Any] = {"backup_id": wanted}
    try:
        manifest = backups.verify_backup(Path(listed[wanted]["path"]))
        verified.update(valid=True, epoch=manifest["epoch"], tables=manifest["tables"])
    except (IntegrityError, ValidationError, NotFoundError) as error:
        verified.update(valid=False, message=error.message)
    except OSError as error:
        verified.update(
            valid=False, message=f"Cannot read the backup: {error.strerror}"
        )
    return _page(
        request, console, verified=verified, status=200 if verified["valid"] else 422
    )
