"""The /api/v1 routes that act on finished imports: undo, and the preview a mapping
is built from."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, UploadFile
from fastapi import Path as PathParam

from tradepilot.app.api.schemas import ImportPreviewPublic, ImportUndoPublic
from tradepilot.app.jobs import undo_run
from tradepilot.app.security import State, check_upload, require_token
from tradepilot.app.uploads import preview_upload

router = APIRouter(
    prefix="/api/v1", dependencies=[Depends(require_token)], tags=["api"]
)

RunId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="Import run id")]


@router.post("/imports/{run_id}/undo", response_model=ImportUndoPublic)
def post_undo(state: State, run_id: RunId) -> dict[str, Any]:
    """Remove everything import run ``run_id`` added (404: no such run; 409: already
    undone, not an import, or the store is busy)."""
    from tradepilot.ingest.undo import ImportRunNotUndoableError, UnknownImportRunError

    try:
        return undo_run(state, run_id)
    except UnknownImportRunError as exc:
        raise HTTPException(404, str(exc)) from None
    except ImportRunNotUndoableError as exc:
        raise HTTPException(409, str(exc)) from None


@router.post("/imports/preview", response_model=ImportPreviewPublic)
def post_preview(
    state: State,
    file: Annotated[UploadFile, File(description="The file to map")],
) -> dict[str, Any]:
    """The file's header, first rows, and the generic mapping's fields with the
    column guessed for each."""
    check_upload(state, file)
    return preview_upload(file)
