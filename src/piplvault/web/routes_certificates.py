"""Destruction certificates: the list of deletion runs, one certificate as a page, its
signed JSON and a PDF to download, and the verification of an uploaded certificate
against this vault's signing keys (as ``piplvault certificate verify`` does offline).
Certificates name customers only by pseudonym: no personal data is in them."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from piplvault.documents import certificate, export
from piplvault.errors import IntegrityError, ValidationError
from piplvault.io.private_files import write_private
from piplvault.vault import certificates
from piplvault.web.deps import ConsoleDep, FormDep, PostDep
from piplvault.web.render import PREFIX, page_lang, render

router = APIRouter(prefix=PREFIX)
READERS = ("delete", "retention-apply", "report")  # as certificates.list_runs
MAX_CERTIFICATE_BYTES = 4 * 1024 * 1024


@router.get("/certificates")
def certificate_list(request: Request, console: ConsoleDep) -> Response:
    runs = list(reversed(certificates.list_runs(console.session)))
    return render(
        request, "certificates.html", web=console.web, console=console, runs=runs
    )


@router.get("/certificates/{run_id}")
def certificate_view(request: Request, console: ConsoleDep, run_id: str) -> Response:
    data = certificates.certificate_json(console.session, run_id)
    return render(
        request,
        "certificate.html",
        web=console.web,
        console=console,
        run_id=run_id,
        doc=json.loads(data.decode("utf-8")),
    )


@router.get("/certificates/{run_id}/download.json")
def certificate_json(console: ConsoleDep, run_id: str) -> Response:
    """The signed original, byte for byte (what ``certificate verify`` checks)."""
    data = certificates.certificate_json(console.session, run_id)
    return _download(data, f"destruction-{run_id}.json", "application/json")


@router.get("/certificates/{run_id}/download.pdf")
def certificate_pdf(request: Request, console: ConsoleDep, run_id: str) -> Response:
    """The certificate rendered as PDF in the page language (the JSON stays the
    signed original); rendered in a private temp directory removed at once."""
    data = certificates.certificate_json(console.session, run_id)
    tz = console.session.settings.timezone
    work = Path(tempfile.mkdtemp(prefix="piplvault-web-"))
    try:
        source = work / f"destruction-{run_id}.json"
        write_private(source, data)
        out = export.render_file(
            source, work / "certificate.pdf", lang=page_lang(request), tz=tz
        )
        pdf = out.read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _download(pdf, f"destruction-{run_id}.pdf", "application/pdf")


@router.post("/certificates/verify")
async def certificate_verify(
    request: Request, console: PostDep, form: FormDep
) -> Response:
    """Check an uploaded certificate: canonical bytes and a signature by this vault."""
    s = console.session
    with s.reading(*READERS):
        pass  # refused (audited) for a role that handles no deletion or report
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ValidationError("Choose a certificate (.json) to verify")
    data = await upload.read(MAX_CERTIFICATE_BYTES + 1)
    result: dict[str, Any]
    try:
        if len(data) > MAX_CERTIFICATE_BYTES:
            raise IntegrityError("Not a piplvault destruction certificate")
        doc = certificate.verify_with_keys(data, s.keyring.signing_public_keys())
        result = {"valid": True, "doc": doc}
    except IntegrityError as error:
        result = {"valid": False, "message": error.message}
    return render(
        request,
        "certificate_verified.html",
        status=200 if result["valid"] else 422,
        web=console.web,
        console=console,
        file=Path(upload.filename).name,
        result=result,
    )


def _download(data: bytes, name: str, media_type: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
