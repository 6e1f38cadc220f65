"""Import: upload, the scan preview with each column's decision, the person's column
mapping (changed before anything is stored), the import itself, the flagged-rows queue.

The uploaded file stays in the server's memory, tied to the uploader's console session,
until it is imported or the session ends; each preview or import writes it to a private
(0600) temp file for the table reader and removes it at once — as the CLI bridge does.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import starlette.formparsers
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from piplvault.core.classification import ENTITIES
from piplvault.discovery.columns import FAMILIES
from piplvault.discovery.overrides import KINDS
from piplvault.errors import NotFoundError, ValidationError
from piplvault.io import tables
from piplvault.io.private_files import write_private
from piplvault.vault import flagged, imports
from piplvault.vault.imports import ImportReport
from piplvault.web import import_jobs
from piplvault.web.deps import (
    Console,
    ConsoleDep,
    FormDep,
    PostDep,
    field,
    state_of,
)
from piplvault.web.import_jobs import ImportJob
from piplvault.web.render import PREFIX, render
from piplvault.web.routes_customers import PAGE, row_of
from piplvault.web.sessions import MAX_UPLOADS

router = APIRouter(prefix=PREFIX)
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
#: Keep uploads in memory rather than in a spooled temp file on disk (personal data).
starlette.formparsers.MultiPartParser.spool_max_size = MAX_UPLOAD_BYTES
TARGETS = sorted(
    [*ENTITIES, *("|".join(f) for f in FAMILIES), *KINDS], key=lambda t: t.lower()
)


@router.get("/import")
def import_form(request: Request, console: ConsoleDep) -> Response:
    console.session.check_allowed("import")  # refused (audited) without it
    return render(request, "import.html", web=console.web, console=console)


@router.post("/import/upload")
async def import_upload(request: Request, console: PostDep, form: FormDep) -> Response:
    console.session.check_allowed("import")  # before the file is even kept
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ValidationError("Choose a CSV or XLSX file to upload")
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError("The file is over 64 MiB; import it with the CLI")
    name = Path(upload.filename).name or "upload.csv"
    pending = console.web.uploads
    while len(pending) >= MAX_UPLOADS:
        pending.pop(next(iter(pending)))
    upload_id = secrets.token_urlsafe(12)
    pending[upload_id] = {"name": name, "data": data, "overrides": {}}
    return RedirectResponse(f"{PREFIX}/import/{upload_id}", status_code=303)


def _pending(console: Console, upload_id: str) -> dict[str, Any]:
    found: dict[str, Any] | None = console.web.uploads.get(upload_id)
    if found is None:
        raise NotFoundError("That upload is gone (imported, or the session ended)")
    return found


def _run(
    console: Console,
    pending: dict[str, Any],
    *,
    dry_run: bool,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    work = Path(tempfile.mkdtemp(prefix="piplvault-web-"))
    try:
        path = work / pending["name"]
        write_private(path, pending["data"])
        table = tables.open_table(path)
        return imports.import_table(
            console.session,
            table,
            dry_run=dry_run,
            overrides=pending["overrides"],
            progress=progress,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


@router.get("/import/{upload_id}")
def import_preview(request: Request, console: ConsoleDep, upload_id: str) -> Response:
    """The scan preview (a dry run: nothing stored) with each column's decision."""
    pending = _pending(console, upload_id)
    report = _run(console, pending, dry_run=True)
    pending["rows"] = report.rows
    columns = [
        {**c, "target": report.mapping.get(c["header"], "")} for c in report.columns
    ]
    return render(
        request,
        "import_preview.html",
        web=console.web,
        console=console,
        upload_id=upload_id,
        report=report,
        columns=columns,
        targets=TARGETS,
    )


@router.post("/import/{upload_id}/mapping")
def import_mapping(
    request: Request, console: PostDep, form: FormDep, upload_id: str
) -> Response:
    """The person's column decisions (by column number), kept until the import."""
    pending = _pending(console, upload_id)
    report = _run(console, pending, dry_run=True)
    overrides = dict(pending["overrides"])
    for number, column in enumerate(report.columns):
        chosen = field(form, f"col_{number}")
        if not chosen or chosen == report.mapping.get(column["header"]):
            continue
        if chosen not in TARGETS:
            raise ValidationError(f"Unknown column decision '{chosen}'")
        overrides[column["header"]] = chosen
    pending["overrides"] = overrides
    return RedirectResponse(f"{PREFIX}/import/{upload_id}", status_code=303)


@router.post("/import/{upload_id}/run")
def import_run(request: Request, console: PostDep, upload_id: str) -> Response:
    """The import, answered when done (the form without JavaScript)."""
    pending = _pending(console, upload_id)
    report = _run(console, pending, dry_run=False)
    console.web.uploads.pop(upload_id, None)
    state_of(request).dashboard.clear()
    return render(
        request, "import_done.html", web=console.web, console=console, report=report
    )


@router.post("/import/{upload_id}/start")
def import_start(request: Request, console: PostDep, upload_id: str) -> Response:
    """The import in the background; the answer is the progress panel, which polls
    ``/progress`` (htmx) until the import is done."""
    pending = _pending(console, upload_id)
    job = pending.get("job")
    if job is None:
        console.session.check_allowed("import")
        job = ImportJob(total=int(pending.get("rows") or 0))
        pending["job"] = job
        import_jobs.start(
            job, lambda advance: _run(console, pending, dry_run=False, progress=advance)
        )
    return _progress(request, console, upload_id, job)


@router.get("/import/{upload_id}/progress")
def import_progress(request: Request, console: ConsoleDep, upload_id: str) -> Response:
    job = _pending(console, upload_id).get("job")
    if not isinstance(job, ImportJob):
        raise NotFoundError("That upload is gone (imported, or the session ended)")
    return _progress(request, console, upload_id, job)


def _progress(
    request: Request, console: Console, upload_id: str, job: ImportJob
) -> Response:
    if not job.running:  # done (or failed): the browser moves to the result page
        return Response(
            status_code=204,
            headers={"HX-Redirect": f"{PREFIX}/import/{upload_id}/done"},
        )
    return render(
        request,
        "import_progress.html",
        web=console.web,
        console=console,
        upload_id=upload_id,
        progress=job.view(),
    )


@router.get("/import/{upload_id}/done")
def import_done(request: Request, console: ConsoleDep, upload_id: str) -> Response:
    """The result of a background import (its error, if it failed)."""
    pending = _pending(console, upload_id)
    job = pending.get("job")
    if not isinstance(job, ImportJob) or job.running:
        return RedirectResponse(f"{PREFIX}/import/{upload_id}", status_code=303)
    console.web.uploads.pop(upload_id, None)
    state_of(request).dashboard.clear()
    if job.error is not None:
        raise job.error
    return render(
        request,
        "import_done.html",
        web=console.web,
        console=console,
        report=job.report,
    )


@router.get("/flagged")
def flagged_queue(request: Request, console: ConsoleDep, page: int = 1) -> Response:
    page = max(1, min(page, 10**9))
    # a role that reads no customer is refused (audited), not shown an empty queue
    console.session.check_allowed("read-masked")
    result = flagged.list_flagged(console.session, limit=PAGE, offset=(page - 1) * PAGE)
    return render(
        request,
        "flagged.html",
        web=console.web,
        console=console,
        rows=[row_of(c) for c in result.customers],
        withheld=result.withheld,
        page=page,
        more=len(result.customers) + result.withheld >= PAGE,
    )
