"""Leases on SQLite and PostgreSQL: one run of a job at a time; a dead worker's run
recorded as interrupted and its lease taken over."""

import datetime as dt
import socket
import subprocess
import sys

import sqlalchemy as sa

from tradepilot.automation import runs
from tradepilot.store.tables_automation import job_leases


def _reaped() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _lease_of_a_dead_worker(engine, job: str) -> int:
    run_id, holder = runs.start_run(engine, job)
    assert holder is None
    with engine.begin() as conn:
        conn.execute(
            sa.update(job_leases)
            .where(job_leases.c.job == job)
            .values(owner=f"{socket.gethostname()}:{_reaped()}")
        )
    return run_id


def test_a_second_run_while_the_first_holds_the_lease_is_skipped(engine):
    first, holder = runs.start_run(engine, "forecast")
    second, busy = runs.start_run(engine, "forecast")
    runs.finish_run(engine, first, outcome="ok", detail={"series": 3})
    third, free = runs.start_run(engine, "forecast")

    assert holder is None
    assert busy == runs.owner_id()
    assert free is None
    outcomes = {r["id"]: r["outcome"] for r in runs.recent_runs(engine)}
    assert outcomes == {first: "ok", second: "skipped", third: "running"}
    assert runs.running_jobs(engine) == {"forecast": runs.owner_id()}


def test_a_dead_workers_lease_is_taken_over_and_its_run_marked_interrupted(engine):
    dead = _lease_of_a_dead_worker(engine, "inbox")

    taken, holder = runs.start_run(engine, "inbox")

    assert holder is None
    by_id = {r["id"]: r for r in runs.recent_runs(engine)}
    assert by_id[dead]["outcome"] == "failed"
    assert by_id[dead]["error"] == runs.INTERRUPTED
    assert by_id[taken]["outcome"] == "running"


def test_recovery_at_start_names_the_jobs_to_run_again(engine):
    dead = _lease_of_a_dead_worker(engine, "monitors")
    live, _ = runs.start_run(engine, "brief")  # this process: alive

    again = runs.recover_interrupted(engine)

    assert again == ["monitors"]
    by_id = {r["id"]: r for r in runs.recent_runs(engine)}
    assert by_id[dead]["outcome"] == "failed"
    assert by_id[live]["outcome"] == "running"
    assert runs.running_jobs(engine) == {"brief": runs.owner_id()}


def test_a_lease_without_heartbeat_for_too_long_is_stale():
    now = dt.datetime.now(dt.UTC)
    me = runs.owner_id()
    elsewhere = "another-host:123"

    assert not runs.is_stale(me, now, now)
    assert not runs.is_stale(elsewhere, now - dt.timedelta(minutes=4), now)
    assert runs.is_stale(elsewhere, now - runs.LEASE_TIMEOUT * 1.01, now)
