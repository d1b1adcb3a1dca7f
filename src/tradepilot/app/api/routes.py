"""The /api/v1 routes: thin calls into services."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, UploadFile

from tradepilot.app.api.schemas import (
    FormatPublic,
    ImportJobPublic,
    ImportRunsPublic,
    KpisPublic,
    QuarantinePublic,
    StatusPublic,
)
from tradepilot.app.cached import cached_kpis, cached_quality, cached_status
from tradepilot.app.jobs import start_import
from tradepilot.app.security import State, check_upload, require_token
from tradepilot.ingest.quarantine import list_quarantine
from tradepilot.ingest.registry import formats
from tradepilot.ingest.service import check_options, list_import_runs

router = APIRouter(
    prefix="/api/v1", dependencies=[Depends(require_token)], tags=["api"]
)

Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="Rows to skip")]


@router.get("/status", response_model=StatusPublic)
def get_status(state: State) -> dict[str, Any]:
    """Counts, date range, countries, currencies and revenue of the workspace."""
    return cached_status(state)


@router.get("/kpis", response_model=KpisPublic, response_model_exclude_none=True)
def get_kpis(
    state: State,
    by: Annotated[
        Literal["month", "country", "channel"] | None,
        Query(description="Only this breakdown (default: all)"),
    ] = None,
) -> dict[str, Any]:
    """Revenue, orders, average order value and return rate in the base currency."""
    report = cached_kpis(state)
    breakdowns = report.by if by is None else {by: report.by.get(by, [])}
    return {
        "base_currency": report.base_currency,
        "totals": report.totals or None,
        "by": breakdowns,
    }


@router.get("/formats", response_model=list[FormatPublic])
def get_formats() -> list[dict[str, str]]:
    """Import formats this server accepts."""
    return [{"name": f.name, "summary": f.summary} for f in formats().values()]


@router.post("/imports", response_model=ImportJobPublic, status_code=202)
def post_import(
    state: State,
    file: Annotated[UploadFile, File(description="The export to import")],
    format: Annotated[str, Form(description="Import format, see /formats")],
    mapping: Annotated[
        UploadFile | None, File(description="YAML mapping (generic)")
    ] = None,
    source: Annotated[
        str | None,
        Form(
            max_length=64,
            description="Namespace of the order numbers (order formats); default:"
            " the format's name. Give a second shop its own.",
        ),
    ] = None,
    full: Annotated[
        bool,
        Form(
            description="Read every row even of an order file imported before,"
            " unchanged (by default such a file is recognised by its hash)."
        ),
    ] = False,
) -> dict[str, Any]:
    """Upload a file; it is imported in the background. Poll the returned job."""
    if format not in formats():
        raise HTTPException(422, f"unknown import format {format!r}")
    check_options(fmt=format, source=source or None)
    check_upload(state, file)
    mapping_bytes = mapping.file.read(1024 * 1024) if mapping else None
    job = start_import(
        state,
        fmt=format,
        filename=file.filename or "upload",
        upload=file.file,
        mapping=mapping_bytes,
        source=source or None,
        full=full,
    )
    return job.public()


@router.get("/imports/jobs/{job_id}", response_model=ImportJobPublic)
def get_import_job(state: State, job_id: str) -> dict[str, Any]:
    """Progress of an upload, then its import report."""
    job = state.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no import job {job_id!r}")
    return dict(job.public())


@router.get("/imports", response_model=ImportRunsPublic)
def get_imports(state: State, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """Finished imports, newest first, with their reports."""
    return list_import_runs(state.engine, limit=limit, offset=offset)


@router.get("/quarantine", response_model=QuarantinePublic)
def get_quarantine(
    state: State,
    limit: Limit = 50,
    offset: Offset = 0,
    reason: Annotated[str | None, Query(max_length=200)] = None,
    import_run_id: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None,
) -> dict[str, Any]:
    """Rows imports set aside, with their reason and raw values."""
    return list_quarantine(
        state.engine,
        limit=limit,
        offset=offset,
        reason=reason,
        import_run_id=import_run_id,
    )


@router.get("/quality")
def get_quality(state: State) -> dict[str, Any]:
    """Data-quality report over everything imported."""
    return cached_quality(state)
