"""Tables of the automation: the approval queue, job runs, job leases, notifications.

* ``approvals``: actions proposed by a job or the co-pilot (a restock plan, a price
  change) waiting for the owner; approving runs the action, rejecting records why.
* ``job_runs``: one row per scheduled or manual job run, with its outcome.
* ``job_leases``: at most one row per job while it runs (the worker's pid and a
  heartbeat), so a job never runs twice at once; a stale lease (a killed worker) is
  taken over and its run recorded as interrupted.
* ``notifications``: every delivery (e-mail or webhook) with its attempts, retried
  with backoff until sent or given up, never dropped.

APScheduler's own job store keeps its table (``automation_schedule``) itself.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, String, Table, Text

from tradepilot.store.tables import metadata
from tradepilot.store.types import UTCDateTime

approvals = Table(
    "approvals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False, index=True),  # restock_plan, ...
    Column("title", String(300), nullable=False),
    Column("payload", Text, nullable=False),  # JSON
    Column("money_base", Float),
    Column("source", String(64), nullable=False),  # the job or tool that proposed
    Column("status", String(16), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime),
    Column("decided_by", String(128)),
    Column("reason", Text),
    Column("result", Text),  # JSON: what approving did (files written, POs)
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("job", String(64), nullable=False, index=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("outcome", String(16), nullable=False),  # running, ok, failed, skipped
    Column("error", Text),
    Column("detail", Text),  # JSON
    Column("pid", Integer),
)

job_leases = Table(
    "job_leases",
    metadata,
    Column("job", String(64), primary_key=True),
    Column("owner", String(128), nullable=False),  # host:pid
    Column("run_id", Integer, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(16), nullable=False),  # email, webhook
    Column("target", String(512), nullable=False),
    Column("payload", Text, nullable=False),  # JSON: subject and text
    Column("attempts", Integer, nullable=False),
    Column("status", String(16), nullable=False, index=True),  # pending, sent, failed
    Column("last_error", Text),
    Column("next_attempt_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
)
