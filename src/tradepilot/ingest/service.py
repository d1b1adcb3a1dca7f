"""Use-case verbs of importing: :func:`import_file` and the reads behind reports."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import ImportFormatError
from tradepilot.ingest.files import read_table
from tradepilot.ingest.loading import finish_run, start_run
from tradepilot.ingest.registry import ImportContext, formats
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
    mapping: Path | None = None,
    progress: Progress = _quiet,
) -> ImportReport:
    """Import one file atomically and return its report.

    The whole file is written in one transaction: interrupted at any point (Ctrl-C,
    ``kill -9``, a crash), the store is left as it was, and running the import again
    completes it.

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
    mapping : Path, optional
        YAML column mapping (``generic`` format).
    progress : callable, optional
        Called with a short description of each stage.

    Raises
    ------
    ImportFormatError
        If the format is unknown or the file is not what the format expects.
    """
    known = formats()
    if fmt not in known:
        raise ImportFormatError(
            f"unknown import format {fmt!r}; choose from {', '.join(known)}"
        )
    importer = known[fmt]
    started = time.perf_counter()
    progress(f"reading {path.name}")
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
            mapping=mapping,
            path=path,
        )
        importer.load(conn, table, ctx)
        report.import_run_id = run_id
        report.seconds = round(time.perf_counter() - started, 3)
        report.check()
        finish_run(conn, run_id, report)
    return report


def list_import_runs(
    engine: Engine, *, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """A page of import runs, newest first, with their reports.

    Returns
    -------
    dict
        ``data`` (runs with ``id``, ``format``, ``source_name``, ``started_at``,
        ``finished_at``, counts and ``report``) and ``count``.
    """
    runs = tables.import_runs
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(runs)).scalar_one()
        rows = conn.execute(
            sa.select(runs).order_by(runs.c.id.desc()).limit(limit).offset(offset)
        ).mappings()
        data = [{**row, "report": json.loads(row["report"])} for row in rows]
    return {"data": data, "count": int(count)}
