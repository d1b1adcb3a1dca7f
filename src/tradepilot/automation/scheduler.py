"""The embedded scheduler: APScheduler 3 with its SQLAlchemy job store.

The schedule of ``automation.toml`` is written to the job store (table
``automation_schedule`` in the workspace's database) when the scheduler starts, so
a run missed while nothing was running fires once at the next start (coalesced).
Each firing goes through :func:`run_job`: the run is recorded and the job's lease
taken, so two schedulers on one database (``serve`` and ``worker``) never run a
job twice at once. At start, runs of a worker that died are recorded as failed
("interrupted") and run again at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from tradepilot.automation import runs
from tradepilot.automation.config import JOBS, AutomationConfig
from tradepilot.automation.jobs import JOBS as JOB_FUNCTIONS
from tradepilot.automation.jobs import JobContext, Skipped, blocked_by_test_hook
from tradepilot.domain.errors import DataValidationError, TradePilotError

if TYPE_CHECKING:
    from apscheduler.schedulers.background import (  # type: ignore[import-untyped]
        BackgroundScheduler,
    )

LOG = logging.getLogger(__name__)
SCHEDULE_TABLE = "automation_schedule"
_ACTIVE: dict[str, JobContext] = {}  # the context of this process's scheduler


def run_job(ctx: JobContext, name: str) -> dict[str, Any]:
    """Run job ``name`` now, recorded in ``job_runs``; the run as recorded.

    Raises
    ------
    DataValidationError
        If no job has that name.
    """
    if name not in JOB_FUNCTIONS:
        raise DataValidationError(
            f"no job named {name!r}; the jobs are {', '.join(JOB_FUNCTIONS)}"
        )
    run_id, holder = runs.start_run(ctx.engine, name)
    if holder is None:
        _execute(ctx, name, run_id)
    return next(r for r in runs.recent_runs(ctx.engine, limit=20) if r["id"] == run_id)


def _execute(ctx: JobContext, name: str, run_id: int) -> None:
    stop = threading.Event()
    beat = threading.Thread(target=_beat, args=(ctx.engine, name, run_id, stop),
                            daemon=True, name=f"heartbeat-{name}")  # fmt: skip
    beat.start()
    try:
        blocked_by_test_hook(name)
        detail = JOB_FUNCTIONS[name](ctx)
    except Skipped as note:
        runs.finish_run(ctx.engine, run_id, outcome="skipped",
                        detail={"note": str(note)})  # fmt: skip
    except TradePilotError as exc:
        runs.finish_run(ctx.engine, run_id, outcome="failed", error=str(exc))
    except Exception as exc:
        # a bug, not bad data: recorded with its type, the traceback logged
        LOG.exception("job %s failed", name)
        runs.finish_run(ctx.engine, run_id, outcome="failed",
                        error=f"{type(exc).__name__}: {exc}")  # fmt: skip
    else:
        runs.finish_run(ctx.engine, run_id, outcome="ok", detail=detail)
    finally:
        stop.set()


def _beat(engine: Engine, name: str, run_id: int, stop: threading.Event) -> None:
    while not stop.wait(runs.HEARTBEAT_SECONDS):
        runs.heartbeat(engine, name, run_id)


def fire(name: str) -> None:
    """What the job store calls (by reference, so it is picklable): run ``name``
    with this process's scheduler context."""
    ctx = _ACTIVE.get("ctx")
    if ctx is not None:
        run_job(ctx, name)


def start_scheduler(
    engine: Engine,
    home: Path,
    config: AutomationConfig,
    *,
    run_now: tuple[str, ...] = (),
) -> BackgroundScheduler:
    """Start the scheduler in a background thread; returns it (``shutdown()`` stops
    it). Interrupted runs are recovered and run again at once, with ``run_now``.

    Raises
    ------
    DataValidationError
        If a schedule is malformed or ``run_now`` names an unknown job.
    """
    from apscheduler.jobstores.memory import (  # type: ignore[import-untyped]
        MemoryJobStore,
    )
    from apscheduler.jobstores.sqlalchemy import (  # type: ignore[import-untyped]
        SQLAlchemyJobStore,
    )
    from apscheduler.schedulers.background import BackgroundScheduler

    triggers = {job: config.trigger(job) for job in JOBS}
    unknown = [n for n in run_now if n not in JOB_FUNCTIONS]
    if unknown:
        raise DataValidationError(
            f"no job named {unknown[0]!r}; the jobs are {', '.join(JOB_FUNCTIONS)}"
        )
    _ACTIVE["ctx"] = JobContext(engine=engine, home=home, config=config)
    scheduler = BackgroundScheduler(
        jobstores={
            "schedule": SQLAlchemyJobStore(engine=engine, tablename=SCHEDULE_TABLE),
            "default": MemoryJobStore(),
        },
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=config.timezone,
    )
    scheduler.start(paused=True)
    for job, trigger in triggers.items():
        if trigger is None:
            if scheduler.get_job(job, jobstore="schedule"):
                scheduler.remove_job(job, jobstore="schedule")
            continue
        stored = scheduler.get_job(job, jobstore="schedule")
        if stored is not None and repr(stored.trigger) == repr(trigger):
            continue  # unchanged: keep its next run time (a missed run fires once)
        scheduler.add_job(fire, trigger, args=[job], id=job, name=job,
                          jobstore="schedule", replace_existing=True)  # fmt: skip
    again = runs.recover_interrupted(engine)
    now = dt.datetime.now(dt.UTC)
    for job in dict.fromkeys([*again, *run_now]):
        scheduler.add_job(fire, "date", run_date=now, args=[job], id=f"now-{job}",
                          name=f"{job} (now)", replace_existing=True)  # fmt: skip
    scheduler.resume()
    return scheduler


def stop_scheduler(scheduler: BackgroundScheduler, *, wait: bool) -> None:
    """Stop firing; with ``wait``, let the running jobs finish."""
    scheduler.shutdown(wait=wait)
    _ACTIVE.pop("ctx", None)


def next_runs(config: AutomationConfig, now: dt.datetime) -> dict[str, str | None]:
    """The next run time of each job by its schedule (None when off)."""
    return {
        job: None if (when := config.next_run(job, now)) is None else when.isoformat()
        for job in JOBS
    }
