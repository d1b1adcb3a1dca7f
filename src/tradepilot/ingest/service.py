"""Use-case verbs of importing: :func:`import_file` and the reads behind reports."""

from __future__ import annotations

import datetime as dt
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
) -> ImportReport:
    """Import one file atomically and return its report.

    The whole file is written in one transaction: interrupted at any point (Ctrl-C,
    ``kill -9``, a crash), the store is left as it was, and running the import again
    completes it. A file cut off mid-row is imported up to the cut: its partial last
    row is quarantined and the report says ``truncated``.

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

    Raises
    ------
    ImportFormatError
        If the format is unknown or the file is not what the format expects.
    DataValidationError
        If ``source`` is not a valid name or the format has no order numbers.
    """
    importer = check_options(fmt=fmt, source=source)
    started = time.perf_counter()
    progress(f"reading {path.name}")
    if importer.read is not None:
        table = importer.read(path)
    else:
        table = read_table(path, separator=importer.separator)
    report = ImportReport(format=fmt, source_name=table.name, encoding=table.encoding)
    now = dt.datetime.now(dt.UTC)
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
