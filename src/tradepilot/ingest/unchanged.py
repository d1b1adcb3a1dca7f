"""Recognising an order file imported before, unchanged, without reading it again.

Importing the same export twice is common (a scheduled job, a watched folder, a
second click). Read again, every row of such a file is recognised as a duplicate,
which costs a full parse and check. When a file's bytes and the import's options
are those of an earlier import whose rows are all still stored, the outcome of
reading it again is known, and :func:`unchanged_run` finds that import so that the
import can report it directly: every row a duplicate.

When that is sound
------------------
The *fingerprint* of an import is the SHA-256 of the file's bytes together with
the format, the options that change what the rows become (``--source``,
``--currency``, ``--channel``, the mapping file's bytes) and the version of the code
that parses and checks them (:data:`RULES_VERSION`, the package version). A new
import of the same fingerprint is recognised as the earlier run ``R`` (the newest
such run that read its file) only if everything the full path would find is still
as ``R`` left it:

- ``R`` is not undone, and no import was undone after ``R``: ``R``'s duplicates
  may be lines an earlier run stored, and an undo is the only way lines leave the
  store;
- no customer was erased (``customers forget``) since ``R`` started: an erasure
  rewrites customer references and quarantined cells that the checks compare;
- the lines and quarantined rows ``R`` stored are all there (counted by run);
- no row dated in the future when ``R`` ran has come due: such rows were
  quarantined because of the day and are checked again by reading the file (the
  full path), which may now accept them. Nothing else an order row is checked
  against depends on the day.

Anything else — a byte changed, another option, another version — reads the file.
The import's ``full`` option always reads it. The report of a recognised import is
the one the full path gives (the same ``rows_read``; ``accepted`` and
``quarantined`` 0, every row a duplicate; ``R``'s orders, date range, data quality,
conflicts and notes) and names ``R`` in ``same_file_as_run``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot import __version__
from tradepilot.ingest.report import ImportReport
from tradepilot.ingest.undo import UNDO_FORMAT
from tradepilot.store import tables

# Bump when a change to parsing or checking order rows could change what an
# unchanged file yields (the package version changes less often than the code).
RULES_VERSION = 1
_COPIED = (
    "rows_read",
    "orders",
    "date_min",
    "date_max",
    "data_quality",
    "source",
    "conflicts",
    "truncated",
    "encoding",
    "recheck_after",
)


def file_sha256(path: Path) -> str:
    """SHA-256 of the file's bytes, read in chunks (hex)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def fingerprint(
    *,
    fmt: str,
    sha256: str,
    source: str | None,
    currency: str | None,
    channel: str | None,
    mapping: Path | None,
) -> str:
    """The identity of an import's input: the file's bytes, the format, the options
    that shape its rows and the version of the rules that check them (hex SHA-256).

    Examples
    --------
    >>> a = fingerprint(fmt="online-retail", sha256="00", source=None,
    ...     currency=None, channel=None, mapping=None)
    >>> b = fingerprint(fmt="online-retail", sha256="00", source="shop-2",
    ...     currency=None, channel=None, mapping=None)
    >>> a == b, len(a)
    (False, 64)
    """
    parts = {
        "rules": RULES_VERSION,
        "version": __version__,
        "format": fmt,
        "file": sha256,
        "source": source,
        "currency": currency,
        "channel": channel,
        "mapping": file_sha256(mapping) if mapping and mapping.is_file() else None,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def unchanged_run(
    conn: Connection, *, fmt: str, sha256: str, print_: str, now: dt.datetime
) -> dict[str, Any] | None:
    """The earlier import whose outcome a new import of this input would repeat.

    Call it inside the new import's write transaction, after its run row is
    inserted: on SQLite that holds the store's write lock, and on PostgreSQL the run
    found is locked against an undo until the transaction ends.

    Parameters
    ----------
    conn : Connection
        Open connection inside the import's transaction.
    fmt : str
        The import format.
    sha256 : str
        Hash of the file's bytes.
    print_ : str
        The input's :func:`fingerprint`.
    now : datetime.datetime
        The new import's time (UTC).

    Returns
    -------
    dict or None
        The run's ``id``, ``started_at`` and ``report`` (parsed), when every
        condition of the module docstring holds; None otherwise.
    """
    runs = tables.import_runs
    candidates = conn.execute(
        sa.select(runs.c.id, runs.c.started_at, runs.c.report)
        .where(
            runs.c.format == fmt,
            runs.c.file_sha256 == sha256,
            runs.c.undone_at.is_(None),
        )
        .order_by(runs.c.id.desc())
    ).all()
    for run_id, started, text in candidates:
        report = json.loads(text)
        if report.get("fingerprint") != print_ or report.get("same_file_as_run"):
            continue
        run = {"id": run_id, "started_at": started, "report": report}
        return run if _still_stored(conn, run, now) else None
    return None


def _still_stored(conn: Connection, run: dict[str, Any], now: dt.datetime) -> bool:
    """Whether what ``run`` found is still what the store holds (module docstring)."""
    report = run["report"]
    due = report.get("recheck_after")
    if due is not None and dt.datetime.fromisoformat(due) <= now:
        return False
    runs = tables.import_runs
    locked = conn.execute(
        sa.select(runs.c.id)
        .where(runs.c.id == run["id"], runs.c.undone_at.is_(None))
        .with_for_update(read=True)
    ).first()
    undone_since = conn.execute(
        sa.select(runs.c.id)
        .where(runs.c.format == UNDO_FORMAT, runs.c.id > run["id"])
        .limit(1)
    ).first()
    erasures = tables.customer_erasures
    erased_since = conn.execute(
        sa.select(erasures.c.customer_id)
        .where(erasures.c.erased_at >= run["started_at"])
        .limit(1)
    ).first()
    if locked is None or undone_since is not None or erased_since is not None:
        return False
    lines, quarantined = report.get("lines_stored"), report.get("quarantined")
    return bool(
        _count(conn, "order_lines", run["id"]) == lines
        and _count(conn, "quarantine", run["id"]) == quarantined
    )


def _count(conn: Connection, table: str, run_id: int) -> int:
    return int(
        conn.execute(
            sa.text(f"SELECT count(*) FROM {table} WHERE import_run_id = :r"),
            {"r": run_id},
        ).scalar_one()
    )


def unchanged_report(
    run: dict[str, Any], *, fmt: str, source_name: str, print_: str
) -> ImportReport:
    """The report of a new import of ``run``'s input: what the full path gives.

    Every row read is a duplicate (stored, or quarantined, by ``run`` or before
    it); what describes the rows (orders, dates, data quality, conflicts, notes)
    is ``run``'s.
    """
    found = run["report"]
    report = ImportReport(format=fmt, source_name=source_name)
    for name in _COPIED:
        setattr(report, name, found.get(name, getattr(report, name)))
    report.duplicates = report.rows_read
    report.fingerprint = print_
    report.same_file_as_run = int(run["id"])
    report.notes = [
        f"{source_name} is byte for byte the file of import run {run['id']}, with"
        " the same options, and every row that run read is still stored or"
        " quarantined: nothing to add (import with --full to read it again)",
        *found.get("notes", []),
    ]
    return report
