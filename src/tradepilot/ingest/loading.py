"""Shared steps of every loader: import runs, known keys, upserts, quarantine."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot.ingest.files import ROW
from tradepilot.ingest.parse import REASON
from tradepilot.ingest.report import ImportReport
from tradepilot.store import tables
from tradepilot.store.bulk import insert_frame, read_frame, read_texts


def start_run(
    conn: Connection, *, fmt: str, source_name: str, sha256: str, started: dt.datetime
) -> int:
    """Insert the import-run row (counts filled in by :func:`finish_run`)."""
    result = conn.execute(
        sa.insert(tables.import_runs).values(
            format=fmt,
            source_name=source_name,
            file_sha256=sha256,
            started_at=started,
            finished_at=started,
            rows_read=0,
            accepted=0,
            quarantined=0,
            duplicates=0,
            report="{}",
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def finish_run(conn: Connection, run_id: int, report: ImportReport) -> None:
    """Record the run's accounting and report."""
    conn.execute(
        sa.update(tables.import_runs)
        .where(tables.import_runs.c.id == run_id)
        .values(
            finished_at=dt.datetime.now(dt.UTC),
            rows_read=report.rows_read,
            accepted=report.accepted,
            quarantined=report.quarantined,
            duplicates=report.duplicates,
            report=json.dumps(report.to_dict(), default=str),
        )
    )


def existing_keys(
    conn: Connection, table: str, column: str, keys: pl.Series
) -> pl.Series:
    """The subset of ``keys`` already present in ``table.column`` (a unique column)."""
    empty = pl.Series(column, [], dtype=pl.String)
    if (
        keys.len() == 0
        or not conn.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first()
    ):
        return empty
    with temp_keys(conn, keys) as name:
        found = read_texts(
            conn, f"SELECT k AS v FROM {name} JOIN {table} ON {column} = k"
        )
    return found.alias(column)


@contextmanager
def temp_keys(
    conn: Connection, keys: pl.Series, *, name: str = "tp_keys"
) -> Iterator[str]:
    """A temporary table ``name`` of the distinct ``keys`` (column ``k``), to join.

    Dropped on leaving the block; it lives in the caller's transaction.
    """
    conn.exec_driver_sql(f"CREATE TEMP TABLE {name} (k VARCHAR(200) PRIMARY KEY)")
    try:
        insert_frame(conn, name, pl.DataFrame({"k": keys.unique()}))
        yield name
    finally:
        transaction = conn.get_transaction()
        if transaction is None or transaction.is_valid:  # else it rolls back anyway
            conn.exec_driver_sql(f"DROP TABLE {name}")


def ensure_channels(conn: Connection, names: list[str]) -> dict[str, int]:
    """Ids of the named channels, creating the missing ones."""
    rows = pl.DataFrame({"name": names}, schema={"name": pl.String})
    ids = upsert_named(conn, table="channels", rows=rows, key="name")
    return dict(zip(ids["name"].to_list(), ids["id"].to_list(), strict=True))


def upsert_named(
    conn: Connection,
    *,
    table: str,
    rows: pl.DataFrame,
    key: str,
    where: dict[str, Any] | None = None,
    id_column: str = "id",
) -> pl.DataFrame:
    """Insert the ``rows`` whose ``key`` is not stored yet; return (key, id) of all.

    ``key`` is a text column and ``id_column`` an integer one, or ``key`` itself for
    a table keyed by its name (products, warehouses); the frame returned has those
    dtypes even when it is empty. ``where`` restricts the lookup (e.g. customers of
    one source).
    """
    condition = " AND ".join(f"{c} = :{c}" for c in where or {}) or "1 = 1"
    dtypes: dict[str, pl.DataType] = {key: pl.String()}
    if id_column != key:
        dtypes[id_column] = pl.Int64()
    select = f"SELECT {', '.join(dtypes)} FROM {table} WHERE {condition}"
    known = read_frame(conn, select, where, schema=dtypes)
    insert_frame(conn, table, rows.filter(~pl.col(key).is_in(known[key].implode())))
    if id_column == key or rows.height == 0:
        return known
    stored = read_frame(conn, select, where, schema=dtypes)
    return stored.filter(pl.col(key).is_in(rows[key].implode()))


def quarantine_rows(
    conn: Connection,
    *,
    bad: pl.DataFrame,
    raw: pl.DataFrame,
    source: str,
    run_id: int,
    report: ImportReport,
) -> None:
    """Store rejected rows with their reason and raw cells; count them in ``report``.

    The counts and reasons are added to those already in ``report``. A rejected row
    already quarantined by an earlier import of the same data counts as a duplicate,
    so re-importing a file never quarantines a row twice.
    """
    if bad.height == 0:
        return
    cells = [c for c in raw.columns if c != ROW]
    rows = bad.select(ROW, REASON).join(raw, on=ROW, how="left").sort(ROW)
    rows = rows.with_columns(pl.struct(cells).struct.json_encode().alias("raw"))
    digests = [
        hashlib.blake2b(r.encode(), digest_size=12).hexdigest() for r in rows["raw"]
    ]
    rows = rows.with_columns(pl.Series("digest", digests))
    occurrence = pl.int_range(1, pl.len() + 1).over("digest").cast(pl.String)
    key = pl.concat_str(
        [pl.lit(f"{source}|q"), pl.col("digest"), occurrence], separator="|"
    )
    rows = rows.with_columns(key.alias("row_key"))
    known = existing_keys(conn, "quarantine", "row_key", rows["row_key"])
    new = rows.filter(~pl.col("row_key").is_in(known.implode()))
    insert_frame(
        conn,
        "quarantine",
        new.select(
            pl.lit(run_id).alias("import_run_id"),
            pl.lit(report.format).alias("format"),
            pl.lit(report.source_name).alias("source_name"),
            pl.col(ROW).alias("row_number"),
            pl.col(REASON).alias("reason"),
            "raw",
            "row_key",
        ),
    )
    report.quarantined += new.height
    report.duplicates += rows.height - new.height
    reasons = Counter(report.quarantine_reasons) + Counter(new[REASON].to_list())
    report.quarantine_reasons = dict(reasons.most_common())
