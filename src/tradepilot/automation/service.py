"""Automation use cases, the verbs the CLI, the API, the pages and other packages call.

* the approval queue: :func:`propose`, :func:`list_approvals`, :func:`decide`
  (:mod:`tradepilot.automation.approvals`);
* jobs: :func:`list_jobs`, :func:`run_job_now`, :func:`start_scheduler`,
  :func:`stop_scheduler` (:mod:`tradepilot.automation.scheduler`);
* notifications: :func:`notify`, :func:`list_notifications`
  (:mod:`tradepilot.automation.notify`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from tradepilot.automation import runs
from tradepilot.automation.approvals import decide, list_approvals, propose
from tradepilot.automation.config import JOBS, has_config, load_automation_config
from tradepilot.automation.jobs import JobContext
from tradepilot.automation.notify import (
    deliver_due,
    list_notifications,
    notification_counts,
    queue_notification,
)
from tradepilot.automation.scheduler import (
    next_runs,
    run_job,
    start_scheduler,
    stop_scheduler,
)

__all__ = [
    "decide",
    "has_config",
    "list_approvals",
    "list_jobs",
    "list_notifications",
    "load_automation_config",
    "notify",
    "propose",
    "run_job_now",
    "start_scheduler",
    "stop_scheduler",
]


def list_jobs(engine: Engine, *, home: Path, runs_limit: int = 20) -> dict[str, Any]:
    """Every job with its schedule, next run and last run; the newest runs; the
    deliveries by status.

    Returns
    -------
    dict
        ``jobs`` (``job, schedule, next_run, running, last_run``), ``runs`` (newest
        first: ``id, job, started_at, finished_at, outcome, error, detail``) and
        ``notifications`` (``pending, sent, failed``).

    Raises
    ------
    DataValidationError
        If ``automation.toml`` is malformed.
    """
    config = load_automation_config(home)
    upcoming = next_runs(config, dt.datetime.now(dt.UTC))
    last = runs.last_runs(engine)
    running = runs.running_jobs(engine)
    jobs = [
        {
            "job": job,
            "schedule": config.expression(job),
            "next_run": upcoming[job],
            "running": running.get(job),
            "last_run": last.get(job),
        }
        for job in JOBS
    ]
    return {
        "jobs": jobs,
        "runs": runs.recent_runs(engine, limit=runs_limit),
        "notifications": notification_counts(engine),
    }


def run_job_now(engine: Engine, *, home: Path, name: str) -> dict[str, Any]:
    """Run one job now in this process (recorded like a scheduled run; skipped
    when it is running elsewhere).

    Raises
    ------
    DataValidationError
        If no job has that name or ``automation.toml`` is malformed.
    """
    config = load_automation_config(home)
    return run_job(JobContext(engine=engine, home=home, config=config), name)


def notify(engine: Engine, *, home: Path, subject: str, text: str) -> dict[str, Any]:
    """Send a notification to every configured channel now (failed deliveries are
    retried by the ``notifications`` job); the deliveries queued and the counts."""
    settings = load_automation_config(home).notify
    queued = queue_notification(engine, settings, subject=subject, text=text)
    return {"queued": queued, **deliver_due(engine, settings, home=home)}
