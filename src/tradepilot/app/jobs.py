"""Import jobs: an uploaded file imported in a background thread, with progress.

The web page and the API start a job and poll it; the import itself is the same
atomic ``import_file`` the CLI runs.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from tradepilot.app.cached import warm_caches
from tradepilot.app.state import AppState
from tradepilot.domain.errors import TradePilotError
from tradepilot.ingest.service import import_file


@dataclass
class ImportJob:
    """One upload being imported."""

    id: str
    format: str
    filename: str
    state: str = "queued"  # queued, running, done, failed
    stage: str = "waiting"
    report: dict[str, Any] | None = None
    error: str | None = None
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    def public(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "id": self.id,
            "format": self.format,
            "filename": self.filename,
            "state": self.state,
            "stage": self.stage,
            "report": self.report,
            "error": self.error,
        }

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has finished (tests and scripts)."""
        return self._done.wait(timeout)


_IMPORT_LOCK = (
    threading.Lock()
)  # one import at a time per process: SQLite has one writer


def start_import(
    state: AppState,
    *,
    fmt: str,
    filename: str,
    upload: BinaryIO,
    mapping: bytes | None = None,
) -> ImportJob:
    """Spool ``upload`` to a temporary file and import it in a background thread."""
    job = ImportJob(id=uuid.uuid4().hex, format=fmt, filename=Path(filename).name)
    folder = Path(tempfile.mkdtemp(prefix="tradepilot-upload-"))
    path = folder / job.filename
    with path.open("wb") as out:
        shutil.copyfileobj(upload, out)
    mapping_path = None
    if mapping:
        mapping_path = folder / "mapping.yaml"
        mapping_path.write_bytes(mapping)
    state.jobs[job.id] = job
    thread = threading.Thread(
        target=_run, args=(state, job, path, mapping_path, folder), daemon=True
    )
    thread.start()
    return job


def _run(
    state: AppState, job: ImportJob, path: Path, mapping: Path | None, folder: Path
) -> None:
    def progress(stage: str) -> None:
        job.stage = stage

    try:
        with _IMPORT_LOCK:
            job.state = "running"
            report = import_file(
                state.engine,
                fmt=job.format,
                path=path,
                mapping=mapping,
                progress=progress,
            )
        job.report = report.to_dict()
        job.stage = "updating reports"
        warm_caches(state)
        job.state, job.stage = "done", "done"
    except TradePilotError as exc:
        job.error, job.state, job.stage = str(exc), "failed", "failed"
    except Exception as exc:  # a bug: tell the poller, then let threading report it
        job.error, job.state, job.stage = f"internal error: {exc}", "failed", "failed"
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        job._done.set()
