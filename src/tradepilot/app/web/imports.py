"""The Imports page's actions: upload (with a mapping for ``generic``, uploaded or
built from the file's columns), the column preview, and undo of an import run.

A refused request answers with its status (415, 413, 422, 404, 409) and a fragment
that says why in plain words; ``static/imports.js`` shows it where the user looked.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from tradepilot.app.jobs import start_import, undo_run
from tradepilot.app.security import CsrfSession, State, check_upload
from tradepilot.app.uploads import preview_upload
from tradepilot.app.web.pages import render
from tradepilot.auth.service import Session
from tradepilot.domain.errors import BusyError, TradePilotError
from tradepilot.ingest.quarantine import list_quarantine
from tradepilot.ingest.service import check_options, list_import_runs

router = APIRouter(include_in_schema=False)
QUARANTINE_PAGE = 25
MAPPING_LIMIT = 1024 * 1024
GENERIC = "generic"
RunId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]


@router.post("/imports", response_class=HTMLResponse)
async def imports_upload(
    request: Request,
    state: State,
    session: CsrfSession,
    file: Annotated[UploadFile, File()],
    format: Annotated[str, Form()],
    source: Annotated[str, Form(max_length=64)] = "",
    mapping: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Start an import of the uploaded file; answers with a progress fragment."""
    filename = file.filename or "upload"
    try:
        check_options(fmt=format, source=source or None)
        check_upload(state, file)
        mapping_text = await _mapping(request, format, mapping)
    except HTTPException as exc:
        return _refused(request, session, filename, exc.status_code, str(exc.detail))
    except TradePilotError as exc:
        return _refused(request, session, filename, 422, str(exc))
    job = start_import(
        state,
        fmt=format,
        filename=filename,
        upload=file.file,
        mapping=mapping_text.encode() if mapping_text else None,
        source=source or None,
    )
    return render(request, "partials/job.html", session=session, job=job.public())


async def _mapping(request: Request, fmt: str, upload: UploadFile | None) -> str | None:
    """The YAML mapping of a generic import: the uploaded file, else the one built
    from the form's column choices; None for the other formats.

    Raises
    ------
    ImportFormatError
        If neither is given, or the mapping is invalid (naming the key).
    """
    if fmt != GENERIC:
        return None
    from tradepilot.ingest.adapters.generic_builder import mapping_from_form
    from tradepilot.ingest.adapters.generic_mapping import parse_mapping

    if upload is not None and upload.filename:
        name = upload.filename
        text = upload.file.read(MAPPING_LIMIT).decode("utf-8", errors="replace")
        parse_mapping(text, name=name)
        return text
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    return mapping_from_form(fields)[1]


def _refused(
    request: Request, session: Session, filename: str, status: int, message: str
) -> Response:
    job = {"state": "failed", "filename": filename, "error": message}
    return render(request, "partials/job.html", status=status, session=session, job=job)


@router.post("/imports/preview", response_class=HTMLResponse)
def imports_preview(
    request: Request,
    state: State,
    session: CsrfSession,
    file: Annotated[UploadFile, File()],
) -> Response:
    """The file's header and first rows, with a choice of column for each field of
    a generic mapping (the upload form submits the choices)."""
    try:
        check_upload(state, file)
        preview = preview_upload(file)
    except HTTPException as exc:
        return _preview_error(request, session, exc.status_code, str(exc.detail))
    except TradePilotError as exc:
        return _preview_error(request, session, 422, str(exc))
    return render(
        request, "partials/mapping_builder.html", session=session, preview=preview
    )


def _preview_error(
    request: Request, session: Session, status: int, message: str
) -> Response:
    return render(
        request,
        "partials/mapping_builder.html",
        status=status,
        session=session,
        error=message,
    )


@router.post("/imports/runs/{run_id}/undo", response_class=HTMLResponse)
def imports_undo(
    request: Request, state: State, session: CsrfSession, run_id: RunId
) -> Response:
    """Undo an import run; answers with what was removed and the refreshed lists."""
    from tradepilot.ingest.undo import ImportRunNotUndoableError, UnknownImportRunError

    status, result, error = 200, None, ""
    try:
        result = undo_run(state, run_id)
    except UnknownImportRunError as exc:
        status, error = 404, str(exc)
    except (ImportRunNotUndoableError, BusyError) as exc:
        status, error = 409, str(exc)
    return render(
        request,
        "partials/undo.html",
        status=status,
        session=session,
        **_lists(state),
        result=result,
        error=error,
    )


def _lists(state: State) -> dict[str, Any]:
    return {
        "runs": list_import_runs(state.engine, limit=20),
        "quarantine": list_quarantine(state.engine, limit=QUARANTINE_PAGE),
        "offset": 0,
        "page": QUARANTINE_PAGE,
        "reason": "",
    }
