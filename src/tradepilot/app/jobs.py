"""Background jobs: an uploaded file imported, or a forecast run, with progress.

The web pages and the API start a job and poll it; the work itself is the same
``import_file`` / ``forecast_demand`` the CLI runs. One job writes at a time per
process (SQLite has one writer).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from tradepilot.app.cached import warm_caches
from tradepilot.app.state import AppState
from tradepilot.domain.errors import BusyError, TradePilotError
from tradepilot.forecasting.service import ForecastSettings, forecast_demand
from tradepilot.ingest.service import import_file
from tradepilot.replenishment.config import load_purchasing_config
from tradepilot.replenishment.simulate_service import simulate_policies_of

Progress = Callable[[str], None]

_WRITE_LOCK = threading.Lock()


@dataclass
class Job:
    """Work running in a background thread; ``result`` once ``state`` is done."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    state: str = "queued"  # queued, running, done, failed
    stage: str = "waiting"
    result: dict[str, Any] | None = None
    error: str | None = None
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    def public(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "id": self.id,
            "state": self.state,
            "stage": self.stage,
            "error": self.error,
        }

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has finished (tests and scripts)."""
        return self._done.wait(timeout)


@dataclass
class ImportJob(Job):
    """One upload being imported."""

    format: str = ""
    filename: str = ""

    def public(self) -> dict[str, Any]:
        """JSON-ready view, with the import report as ``report``."""
        return {
            **super().public(),
            "format": self.format,
            "filename": self.filename,
            "report": self.result,
        }


@dataclass
class ForecastJob(Job):
    """One forecast run; ``done`` of ``total`` series so far (0 of 0 at first)."""

    params: dict[str, Any] = field(default_factory=dict)
    done: int = 0
    total: int = 0

    def public(self) -> dict[str, Any]:
        """JSON-ready view, with the run summary as ``result`` and the series done
        as ``progress``."""
        return {
            **super().public(),
            "params": self.params,
            "progress": {"done": self.done, "total": self.total},
            "result": self.result,
        }

    def report(self, stage: str, done: int, total: int) -> None:
        """The forecast's progress callback: the stage and the series done."""
        self.stage, self.done, self.total = stage, done, total


@dataclass
class SimulationJob(Job):
    """One policy simulation."""


JobT = TypeVar("JobT", bound=Job)


def start_import(
    state: AppState,
    *,
    fmt: str,
    filename: str,
    upload: BinaryIO,
    mapping: bytes | None = None,
    source: str | None = None,
    full: bool = False,
) -> ImportJob:
    """Spool ``upload`` to a temporary file and import it in a background thread."""
    job = ImportJob(format=fmt, filename=Path(filename).name)
    folder = Path(tempfile.mkdtemp(prefix="tradepilot-upload-"))
    path = folder / job.filename
    with path.open("wb") as out:
        shutil.copyfileobj(upload, out)
    mapping_path = None
    if mapping:
        mapping_path = folder / "mapping.yaml"
        mapping_path.write_bytes(mapping)

    def work(progress: Progress) -> dict[str, Any]:
        try:
            report = import_file(
                state.engine,
                fmt=job.format,
                path=path,
                mapping=mapping_path,
                source=source,
                progress=progress,
                full=full,
            )
            progress("updating reports")
            warm_caches(state)
            return report.to_dict()
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return _start(state, job, work)


def start_forecast(state: AppState, settings: ForecastSettings) -> ForecastJob:
    """Run :func:`forecast_demand` with ``settings`` in a background thread.

    Raises
    ------
    BusyError
        If a forecast is already queued or running (one at a time: a second would
        only wait for the first and then redo its work).
    """
    settings.check()
    if running := running_forecast(state):
        raise BusyError(
            f"a forecast is already running (job {running.id}); poll it and"
            " start another when it is done"
        )
    job = ForecastJob(params=settings.as_params())

    def work(progress: Progress) -> dict[str, Any]:
        return forecast_demand(state.engine, settings, progress=job.report)

    return _start(state, job, work)


def start_simulation(state: AppState) -> SimulationJob:
    """Run the policy simulation of the workspace in a background thread (one at a
    time: a second request gets the job already going)."""
    if running := _running(state, SimulationJob):
        return running
    home = state.settings.home

    def work(progress: Progress) -> dict[str, Any]:
        progress("replaying history day by day")
        config = load_purchasing_config(home)
        return simulate_policies_of(state.engine, config, home=home, progress=progress)

    return _start(state, SimulationJob(), work)


def running_forecast(state: AppState) -> ForecastJob | None:
    """The forecast job queued or running in this process, if any."""
    return _running(state, ForecastJob)


def _running(state: AppState, kind: type[JobT]) -> JobT | None:
    """The job of ``kind`` queued or running in this process, if any."""
    return next(
        (
            j
            for j in state.jobs.values()
            if isinstance(j, kind) and j.state in ("queued", "running")
        ),
        None,
    )


def _start(
    state: AppState, job: JobT, work: Callable[[Progress], dict[str, Any]]
) -> JobT:
    state.jobs[job.id] = job
    threading.Thread(target=_run, args=(job, work), daemon=True).start()
    return job


def _run(job: Job, work: Callable[[Progress], dict[str, Any]]) -> None:
    def progress(stage: str) -> None:
        job.stage = stage

    try:
        with _WRITE_LOCK:
            job.state = "running"
            job.result = work(progress)
        job.state, job.stage = "done", "done"
    except TradePilotError as exc:
        job.error, job.state, job.stage = str(exc), "failed", "failed"
    except Exception as exc:  # a bug: tell the poller, then let threading report it
        job.error, job.state, job.stage = f"internal error: {exc}", "failed", "failed"
        raise
    finally:
        job._done.set()


UNDO_WAIT_SECONDS = 5.0


def undo_run(state: AppState, run_id: int) -> dict[str, Any]:
    """Undo import run ``run_id`` now (see :func:`tradepilot.ingest.undo.undo_import`),
    then refresh the cached reports.

    Raises
    ------
    BusyError
        If an import or another write is running (one writer at a time).
    UnknownImportRunError, ImportRunNotUndoableError
        As :func:`~tradepilot.ingest.undo.undo_import`.
    """
    from tradepilot.ingest.undo import undo_import

    if not _WRITE_LOCK.acquire(timeout=UNDO_WAIT_SECONDS):
        raise BusyError(
            "an import or a forecast is writing to the store; undo when it is done"
        )
    try:
        result = undo_import(state.engine, run_id=run_id)
    finally:
        _WRITE_LOCK.release()
    warm_caches(state)
    return result
