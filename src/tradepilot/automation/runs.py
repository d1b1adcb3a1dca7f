"""Job runs and leases: every run recorded; a job never runs twice at once.

A run takes the job's lease (one row per job in ``job_leases``: the worker's
``host:pid`` and a heartbeat refreshed while the job runs). A second run of the same
job while the lease is live is recorded as skipped. A lease whose worker is gone (a
``kill -9``: its pid no longer exists on this host, or no heartbeat for
:data:`LEASE_TIMEOUT`) is stale: its run is recorded as failed ("interrupted") and
the lease can be taken over. Plain inserts, updates and primary keys: the same on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from tradepilot.store.tables_automation import job_leases, job_runs

LEASE_TIMEOUT = dt.timedelta(minutes=5)
HEARTBEAT_SECONDS = 15.0
# a run is recorded a moment before its lease is taken: younger ones are not orphans
ORPHAN_AFTER = dt.timedelta(seconds=30)
INTERRUPTED = "interrupted: the worker stopped during the run (it is re-run)"


def owner_id() -> str:
    """This process as a lease owner: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def start_run(engine: Engine, job: str) -> tuple[int, str | None]:
    """Record a run of ``job`` and take its lease.

    Returns
    -------
    tuple
        The run id and None when the lease was taken (the run is ``running``), or
        the run id and the live owner's ``host:pid`` when the job is running
        elsewhere (the run is recorded as ``skipped``).
    """
    now = _now()
    with engine.begin() as conn:
        run_id = int(
            conn.execute(
                sa.insert(job_runs).values(
                    job=job, started_at=now, outcome="running", pid=os.getpid()
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )
    holder = _take_lease(engine, job, run_id, now)
    if holder is not None:
        finish_run(engine, run_id, outcome="skipped",
                   detail={"note": f"already running in {holder}"})  # fmt: skip
    return run_id, holder


def _take_lease(engine: Engine, job: str, run_id: int, now: dt.datetime) -> str | None:
    """None when this run holds ``job``'s lease now, else the live holder."""
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.insert(job_leases).values(
                    job=job, owner=owner_id(), run_id=run_id, heartbeat_at=now
                )
            )
        return None
    except IntegrityError:
        pass
    with engine.begin() as conn:
        lease = conn.execute(
            sa.select(job_leases).where(job_leases.c.job == job)
        ).mappings().first()  # fmt: skip
        if lease is None:  # released in between: try once more next time
            return "a run that just finished"
        if not is_stale(lease["owner"], lease["heartbeat_at"], now):
            return str(lease["owner"])
        taken = conn.execute(
            sa.update(job_leases)
            .where(job_leases.c.job == job, job_leases.c.owner == lease["owner"],
                   job_leases.c.run_id == lease["run_id"])
            .values(owner=owner_id(), run_id=run_id, heartbeat_at=now)
        ).rowcount  # fmt: skip
        if taken != 1:
            return "another worker taking over"
        _mark_interrupted(conn, int(lease["run_id"]), now)
    return None


def is_stale(owner: str, heartbeat: dt.datetime, now: dt.datetime) -> bool:
    """True when the lease's worker is gone: its pid is dead on this host, or its
    heartbeat is older than :data:`LEASE_TIMEOUT`."""
    if now - heartbeat > LEASE_TIMEOUT:
        return True
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    return not _alive(int(pid))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A killed child not yet reaped still answers kill(pid, 0)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return False


def _mark_interrupted(conn: Connection, run_id: int, now: dt.datetime) -> None:
    conn.execute(
        sa.update(job_runs)
        .where(job_runs.c.id == run_id, job_runs.c.outcome == "running")
        .values(outcome="failed", finished_at=now, error=INTERRUPTED)
    )


def recover_interrupted(engine: Engine) -> list[str]:
    """Record the runs of workers that are gone as failed ("interrupted"), release
    their leases; the jobs to run again."""
    now = _now()
    again: list[str] = []
    with engine.begin() as conn:
        leases = conn.execute(sa.select(job_leases)).mappings().all()
        for lease in leases:
            if is_stale(lease["owner"], lease["heartbeat_at"], now):
                conn.execute(
                    sa.delete(job_leases).where(
                        job_leases.c.job == lease["job"],
                        job_leases.c.owner == lease["owner"],
                    )
                )
                _mark_interrupted(conn, int(lease["run_id"]), now)
                again.append(str(lease["job"]))
        leased = {str(lease["job"]) for lease in leases}
        # a run left 'running' without a lease (the worker died between the two)
        orphans = conn.execute(
            sa.select(job_runs.c.id, job_runs.c.job, job_runs.c.pid).where(
                job_runs.c.outcome == "running",
                job_runs.c.started_at < now - ORPHAN_AFTER,
            )
        ).all()
        for run_id, job, pid in orphans:
            if job not in leased and (pid is None or not _alive(int(pid))):
                _mark_interrupted(conn, int(run_id), now)
    return sorted(set(again))


def heartbeat(engine: Engine, job: str, run_id: int) -> None:
    """Refresh the lease of a running job."""
    with engine.begin() as conn:
        conn.execute(
            sa.update(job_leases)
            .where(job_leases.c.job == job, job_leases.c.run_id == run_id)
            .values(heartbeat_at=_now())
        )


def finish_run(
    engine: Engine,
    run_id: int,
    *,
    outcome: str,
    error: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record a run's outcome (ok, failed or skipped) and release its lease."""
    with engine.begin() as conn:
        conn.execute(
            sa.update(job_runs)
            .where(job_runs.c.id == run_id)
            .values(
                outcome=outcome,
                finished_at=_now(),
                error=error,
                detail=json.dumps(detail or {}, default=str),
            )
        )
        conn.execute(sa.delete(job_leases).where(job_leases.c.run_id == run_id))


def recent_runs(engine: Engine, *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest runs first: ``id, job, started_at, finished_at, outcome, error,
    detail``."""
    query = sa.select(job_runs).order_by(job_runs.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [_public(row) for row in conn.execute(query).mappings()]


def last_runs(engine: Engine) -> dict[str, dict[str, Any]]:
    """The newest run of each job."""
    newest = sa.select(sa.func.max(job_runs.c.id)).group_by(job_runs.c.job)
    query = sa.select(job_runs).where(job_runs.c.id.in_(newest))
    with engine.connect() as conn:
        return {row["job"]: _public(row) for row in conn.execute(query).mappings()}


def running_jobs(engine: Engine) -> dict[str, str]:
    """Jobs holding a lease now, with the owner."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(job_leases.c.job, job_leases.c.owner)).all()
    return {str(job): str(owner) for job, owner in rows}


def _public(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "job": row["job"],
        "started_at": row["started_at"].isoformat(),
        "finished_at": row["finished_at"].isoformat() if row["finished_at"] else None,
        "outcome": row["outcome"],
        "error": row["error"],
        "detail": json.loads(row["detail"]) if row["detail"] else None,
    }
