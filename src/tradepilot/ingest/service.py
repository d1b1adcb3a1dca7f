"""Use-case verbs of importing: :func:`import_file` and the reads behind reports."""

from __future__ import annotations

import datetime as dt
import functools
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import DataValidationError, ImportFormatError
from tradepilot.ingest.files import ROW, RawTable, read_table
from tradepilot.ingest.loading import finish_run, quarantine_rows, start_run
from tradepilot.ingest.parse import REASON
from tradepilot.ingest.registry import (
    ImportContext,
    ImportFormat,
    check_source,
    formats,
)
from tradepilot.ingest.report import ImportReport
from tradepilot.ingest.unchanged import (
    file_sha256,
    fingerprint,
    unchanged_report,
    unchanged_run,
)
from tradepilot.store import tables

Progress = Callable[[str], None]


def _quiet(_stage: str) -> None:
    return None


def import_file(
    engine: Engine,
    *,
    fmt: str,
    path: Path,
    currency: str | None = None,
    channel: str | None = None,
    source: str | None = None,
    mapping: Path | None = None,
    progress: Progress = _quiet,
    full: bool = False,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Import one file atomically and return its report.

    The whole file is written in one transaction: interrupted at any point (Ctrl-C,
    ``kill -9``, a crash), the store is left as it was, and running the import again
    completes it. A file cut off mid-row is imported up to the cut: its partial last
    row is quarantined and the report says ``truncated``.

    An order file whose bytes and options are those of an earlier import whose rows
    are all still stored is recognised by its hash and not read again: the report
    is the one reading it would give, every row a duplicate, and names that run in
    ``same_file_as_run`` (see :mod:`~tradepilot.ingest.unchanged`).

    Parameters
    ----------
    engine : Engine
        The workspace's store.
    fmt : str
        Import format name (see :func:`~tradepilot.ingest.registry.formats`).
    path : Path
        The file.
    currency, channel : str, optional
        Overrides for formats whose files do not carry them.
    source : str, optional
        Namespace of the order numbers (order formats): a second shop whose order
        numbers overlap the first's is imported under a source of its own. Default:
        the format's name (generic: the mapping's ``source``).
    mapping : Path, optional
        YAML column mapping (``generic`` format).
    progress : callable, optional
        Called with a short description of each stage.
    full : bool
        Read and check every row even when the file is recognised as imported
        before, unchanged.
    now : datetime.datetime, optional
        The import's time (UTC); default: the clock's. Rows dated after it are
        refused.

    Raises
    ------
    ImportFormatError
        If the format is unknown or the file is not what the format expects.
    DataValidationError
        If ``source`` is not a valid name or the format has no order numbers.
    """
    importer = check_options(fmt=fmt, source=source)
    started = time.perf_counter()
    now = now or dt.datetime.now(dt.UTC)
    sha = print_ = None
    if importer.orders and path.is_file():
        sha = file_sha256(path)
        options = {"source": source, "currency": currency, "channel": channel}
        print_ = fingerprint(fmt=fmt, sha256=sha, mapping=mapping, **options)
        if not full:
            known = _import_unchanged(
                engine,
                fmt=fmt,
                path=path,
                sha256=sha,
                print_=print_,
                now=now,
                started=started,
            )
            if known is not None:
                return known
    progress(f"reading {path.name}")
    if importer.read is not None:
        table = importer.read(path)
    else:
        table = read_table(path, separator=importer.separator)
    report = ImportReport(
        format=fmt,
        source_name=table.name,
        encoding=table.encoding,
        fingerprint=print_ if table.sha256 == sha else None,
    )
    progress(f"checking and storing {table.frame.height:,} rows")
    with engine.begin() as conn:
        run_id = start_run(
            conn, fmt=fmt, source_name=table.name, sha256=table.sha256, started=now
        )
        ctx = ImportContext(
            run_id=run_id,
            report=report,
            now=now,
            currency=currency,
            channel=channel,
            source=source,
            mapping=mapping,
            path=path,
        )
        importer.load(conn, table.complete(), ctx)
        if table.truncated:
            _report_cut(conn, table, ctx)
        report.import_run_id = run_id
        report.seconds = round(time.perf_counter() - started, 3)
        report.check()
        finish_run(conn, run_id, report)
    return report


def _import_unchanged(
    engine: Engine,
    *,
    fmt: str,
    path: Path,
    sha256: str,
    print_: str,
    now: dt.datetime,
    started: float,
) -> ImportReport | None:
    """Record a new import of ``path`` as a repeat of the earlier run it is
    (:func:`~tradepilot.ingest.unchanged.unchanged_run`); None, recording nothing,
    when there is none and the file must be read. ``started`` is the import's
    ``time.perf_counter()`` at its start."""
    find = functools.partial(
        unchanged_run, fmt=fmt, sha256=sha256, print_=print_, now=now
    )
    with engine.connect() as conn, conn.begin() as transaction:
        # Looked for before the run row is written (a run id is not spent on a
        # file read anyway), and again after: the row takes SQLite's write lock.
        run = find(conn)
        if run is not None:
            run_id = start_run(
                conn, fmt=fmt, source_name=path.name, sha256=sha256, started=now
            )
            run = find(conn)
        if run is None:
            transaction.rollback()
            return None
        report = unchanged_report(run, fmt=fmt, source_name=path.name, print_=print_)
        report.import_run_id = run_id
        report.seconds = round(time.perf_counter() - started, 3)
        report.check()
        finish_run(conn, run_id, report)
    return report


def check_options(*, fmt: str, source: str | None = None) -> ImportFormat:
    """The import format named ``fmt``, if ``source`` suits it.

    Raises
    ------
    ImportFormatError
        If the format is unknown.
    DataValidationError
        If ``source`` is not a valid name or the format has no order numbers.
    """
    known = formats()
    if fmt not in known:
        raise ImportFormatError(
            f"unknown import format {fmt!r}; choose from {', '.join(known)}"
        )
    if source is not None:
        _check_source(source, known[fmt], known)
    return known[fmt]


def _check_source(
    source: str, importer: ImportFormat, known: dict[str, ImportFormat]
) -> None:
    if not importer.orders:
        order_formats = ", ".join(f.name for f in known.values() if f.orders)
        raise DataValidationError(
            f"--source names the order numbers' namespace of order formats"
            f" ({order_formats}); {importer.name} files have no order numbers"
        )
    try:
        check_source(source)
    except ValueError as exc:
        raise DataValidationError(f"--source: {exc}") from None


def _report_cut(conn: Connection, table: RawTable, ctx: ImportContext) -> None:
    """Quarantine the partial last row of a cut-off file; say so in the report."""
    report = ctx.report
    report.truncated = True
    if table.partial_row is None:
        report.notes.append(
            f"{table.name} was cut off (its compressed data stops early): rows after"
            " the cut are missing; export the file again and import it to add them"
        )
        return
    reason = (
        f"the file ends in the middle of this row ({table.partial_detail}): it was"
        " cut off; export the file again and import it to add this row"
    )
    bad = pl.DataFrame(
        {ROW: [table.partial_row], REASON: [reason]},
        schema={ROW: pl.Int64, REASON: pl.String},
    )
    source = ctx.extra.get("source") or ctx.source or report.format
    report.rows_read += 1
    quarantine_rows(
        conn,
        bad=bad,
        raw=table.frame,
        source=source,
        run_id=ctx.run_id,
        report=report,
    )
    report.notes.append(
        f"{table.name} ends in the middle of row {table.partial_row}"
        f" ({table.partial_detail}): the file was cut off. That row is quarantined"
        " and the rows before it are imported; export the file again and import it"
        " to add the rest"
    )


def list_import_runs(
    engine: Engine, *, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """A page of import runs, newest first, with their reports.

    Returns
    -------
    dict
        ``data`` (runs with ``id``, ``format``, ``source_name``, ``started_at``,
        ``finished_at``, counts, ``report``, ``undone_at`` and ``undoable``: an
        import not undone yet) and ``count``.
    """
    runs = tables.import_runs
    imports = formats()
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(runs)).scalar_one()
        rows = conn.execute(
            sa.select(runs).order_by(runs.c.id.desc()).limit(limit).offset(offset)
        ).mappings()
        data = [
            {
                **row,
                "report": json.loads(row["report"]),
                "undoable": row["format"] in imports and row["undone_at"] is None,
            }
            for row in rows
        ]
    return {"data": data, "count": int(count)}
