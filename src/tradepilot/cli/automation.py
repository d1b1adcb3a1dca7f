"""``tradepilot worker``, ``jobs list|run`` and ``notifications list``.

APScheduler is imported only by ``worker`` (and by ``serve`` with a scheduler).
"""

from __future__ import annotations

import logging
import os
import signal
import time
from typing import Annotated, Any

import typer

from tradepilot.cli.output import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    errors_as_messages,
    rows_table,
    settings_for,
    stderr,
    stdout,
    workspace_store,
)

jobs_app = typer.Typer(help="Scheduled jobs: last runs, next runs; run one now.",
                       no_args_is_help=True)  # fmt: skip
notifications_app = typer.Typer(help="Notification deliveries (e-mail, webhook).",
                                no_args_is_help=True)  # fmt: skip


def list_(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Every job: schedule, next run, last run; the newest runs."""
    from tradepilot.automation.service import list_jobs

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        report = list_jobs(engine, home=home)
    if as_json:
        emit_json(report)
        return
    rows = [_job_row(j) for j in report["jobs"]]
    stdout.print(rows_table("Jobs", rows, ["job", "schedule", "next_run", "last_run",
                                           "outcome", "note"]))  # fmt: skip
    counts = report["notifications"]
    stdout.print(
        f"notifications: {counts['sent']} sent, {counts['pending']} pending, "
        f"{counts['failed']} failed"
    )


def _job_row(job: dict[str, Any]) -> dict[str, Any]:
    last = job["last_run"] or {}
    note = last.get("error") or (last.get("detail") or {}).get("note") or ""
    if job["running"]:
        note = f"running in {job['running']}"
    return {
        "job": job["job"],
        "schedule": job["schedule"],
        "next_run": (job["next_run"] or "off")[:16],
        "last_run": (last.get("started_at") or "never")[:16],
        "outcome": last.get("outcome", ""),
        "note": note,
    }


def run(
    name: Annotated[str, typer.Argument(help="inbox, forecast, restock, monitors, "
                                             "brief or notifications.")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Run one job now (recorded like a scheduled run)."""
    from tradepilot.automation.service import run_job_now

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        result = run_job_now(engine, home=home, name=name)
    if as_json:
        emit_json(result)
        return
    note = result["error"] or (result["detail"] or {}).get("note") or ""
    stdout.print(f"{result['job']}: {result['outcome']} {note}".rstrip())
    if result["outcome"] == "failed":
        raise typer.Exit(1)


def worker(
    run_now: Annotated[
        list[str] | None,
        typer.Option("--run", help="Also run this job at start (repeatable)."),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Run the scheduler alone, in the foreground (Ctrl-C stops it cleanly)."""
    from tradepilot.automation.service import (
        load_automation_config,
        start_scheduler,
        stop_scheduler,
    )
    from tradepilot.workspace import open_store

    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    # Ctrl-C and SIGTERM stop the worker the same way, even when it was started
    # with SIGINT ignored (a background job of a shell).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    with errors_as_messages():
        settings = settings_for(workspace)
        engine = open_store(settings)
        config = load_automation_config(settings.home)
        scheduler = start_scheduler(engine, settings.home, config,
                                    run_now=tuple(run_now or ()))  # fmt: skip
    stdout.print(f"TradePilot worker (pid {os.getpid()}) runs the scheduled jobs "
                 "(see 'tradepilot jobs list'); Ctrl-C stops it.")  # fmt: skip
    try:
        # wake up now and then: a signal delivered to another thread (polars and
        # the job threads have their own) is only acted on by the main thread
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        stderr.print("stopping: waiting for a running job to finish (Ctrl-C again "
                     "abandons it; it is then re-run at the next start)")  # fmt: skip
        try:
            stop_scheduler(scheduler, wait=True)
        except KeyboardInterrupt:
            os._exit(130)  # the run stays leased to a dead pid: recovered at start
    engine.dispose()
    stdout.print("worker stopped")


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def notifications_list(
    status: Annotated[
        str | None, typer.Option(help="pending, sent or failed (default: all).")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Notification deliveries, newest first, with attempts and the last error."""
    from tradepilot.automation.notify import STATUSES
    from tradepilot.automation.service import list_notifications
    from tradepilot.domain.errors import DataValidationError

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        if status is not None and status not in STATUSES:
            raise DataValidationError(
                f"--status must be pending, sent or failed; got {status!r}"
            )
        items = list_notifications(engine, status=status)
    if as_json:
        emit_json({"notifications": items, "count": len(items)})
        return
    stdout.print(rows_table("Notifications", items, ["id", "channel", "target",
                                                     "subject", "attempts", "status",
                                                     "last_error"]))  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add ``worker``, ``jobs`` and ``notifications`` to ``app``."""
    app.command()(worker)
    jobs_app.command("list")(list_)
    jobs_app.command()(run)
    notifications_app.command("list")(notifications_list)
    app.add_typer(jobs_app, name="jobs")
    app.add_typer(notifications_app, name="notifications")
