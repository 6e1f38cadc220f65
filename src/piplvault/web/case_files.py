"""Files of a case step, for the console: where packages and reports go in the vault
directory, a download response, the notices of a step zipped in memory, and the key
and receipt files a form uploads (public keys and signed receipts: no personal data)."""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from piplvault.errors import ValidationError
from piplvault.vault.session import Session

MAX_KEY_BYTES = 64 * 1024


def output_path(session: Session, folder: str, name: str) -> Path:
    """HOME/<folder>/<name>: packages (encrypted) and regulator reports (no PI)."""
    return session.settings.home / folder / name


def download(data: bytes, name: str, media_type: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def notices_zip(write: Callable[[Path], Any]) -> bytes:
    """Run ``write(directory)`` (a ``send_notices`` use case) into a private temp
    directory outside the vault, zip what it wrote in memory and remove the directory
    at once: the letters, SMS and e-mail lists hold plaintext for the mail room."""
    work = Path(tempfile.mkdtemp(prefix="piplvault-web-notices-"))
    try:
        write(work)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(p for p in work.rglob("*") if p.is_file()):
                archive.writestr(str(path.relative_to(work)), path.read_bytes())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return buffer.getvalue()


async def required_file(form: FormData, name: str) -> bytes:
    found = await optional_file(form, name)
    if found is None:
        raise ValidationError("Choose the key or receipt file to upload")
    return found


async def optional_file(form: FormData, name: str) -> bytes | None:
    """An uploaded key or receipt file, or the same text carried in a hidden field by
    the confirmation page (``<name>_text``)."""
    carried = form.get(f"{name}_text")
    if isinstance(carried, str) and carried.strip():
        return carried.encode("utf-8")
    upload = form.get(name)
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_KEY_BYTES + 1)
        if len(data) > MAX_KEY_BYTES:
            raise ValidationError("A key or receipt file is at most 64 KiB")
        return data
    return None
