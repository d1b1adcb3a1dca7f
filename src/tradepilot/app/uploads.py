"""Uploads read on the spot (not imported): spooled to a temporary file, read, and
deleted."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import UploadFile


def preview_upload(file: UploadFile) -> dict[str, Any]:
    """:func:`~tradepilot.ingest.adapters.generic_builder.preview` of an upload.

    Raises
    ------
    ImportFormatError
        If the file cannot be read.
    """
    from tradepilot.ingest.adapters.generic_builder import preview

    folder = Path(tempfile.mkdtemp(prefix="tradepilot-preview-"))
    try:
        path = folder / (Path(file.filename or "").name or "upload.csv")
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out)
        return preview(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
