"""Fast bulk writes of polars frames, inside the caller's transaction.

SQLite gets the driver's ``executemany``, or for a large frame a staging file (see
:func:`_insert_staged`); PostgreSQL gets ``COPY ... FROM STDIN``. Every write to the
store runs on the connection the caller holds, so a bulk write is part of the
import's single transaction and is rolled back with it. Frames hold plain values:
text for exact decimals, Datetime(UTC) and Date columns are formatted here.

A load that at least doubles a table builds the table's indexes (and on PostgreSQL
its unique and foreign-key constraints) once, after the rows are in, rather than
row by row (:func:`indexes_after_load`): on the UCI file that turns PostgreSQL's
``COPY`` of the order lines from about 30 s into 7 s.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import (
    Connection,
    ForeignKeyConstraint,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.schema import (
    AddConstraint,
    CreateIndex,
    DropConstraint,
    DropIndex,
    ExecutableDDLElement,
)

from tradepilot.store.engine import STAGE_ALIAS

_NULL = r"\N"
# From this many rows a SQLite insert goes through a staging file: below it the
# file costs more than binding the rows one by one saves.
STAGED_ROWS = 50_000
STAGE_PREFIX = ".tp-stage-"  # staging folders beside the store: .tp-stage-PID-xxxx
_SORT_MEMORY = "256MB"  # PostgreSQL's maintenance_work_mem while indexes are rebuilt


def _for_sqlite(frame: pl.DataFrame) -> pl.DataFrame:
    conversions = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            utc = (
                pl.col(name).dt.convert_time_zone("UTC")
                if dtype.time_zone
                else pl.col(name)
            )
            conversions.append(utc.dt.strftime("%Y-%m-%d %H:%M:%S%.6f").alias(name))
        elif dtype == pl.Date:
            conversions.append(pl.col(name).dt.strftime("%Y-%m-%d").alias(name))
        elif dtype == pl.Boolean:
            conversions.append(pl.col(name).cast(pl.Int8).alias(name))
    return frame.with_columns(conversions) if conversions else frame


def insert_frame(conn: Connection, table: str, frame: pl.DataFrame) -> int:
    """Insert every row of ``frame`` into ``table`` (columns named as in the table).

    Returns
    -------
    int
        Rows inserted.
    """
    if frame.height == 0:
        return 0
    columns = ", ".join(frame.columns)
    if conn.dialect.name == "postgresql":
        _copy(conn, f"COPY {table} ({columns}) FROM STDIN", frame)
    elif frame.height >= STAGED_ROWS and _store_folder(conn) is not None:
        _insert_staged(conn, table, _for_sqlite(frame))
    else:
        marks = ", ".join("?" * len(frame.columns))
        rows = _for_sqlite(frame).iter_rows()
        conn.exec_driver_sql(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(rows)
        )
    return frame.height


def _store_folder(conn: Connection) -> Path | None:
    """The folder of a SQLite store's file (None in memory)."""
    database = conn.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).resolve().parent


def _insert_staged(conn: Connection, table: str, frame: pl.DataFrame) -> None:
    """Insert a large frame into a SQLite ``table`` through a staging file.

    The ADBC SQLite driver writes the frame's Arrow columns into a new database file
    (in C, no Python object per value: half the CPU time of ``executemany``), which
    the store's connection attaches and copies from with one ``INSERT ... SELECT``
    inside the caller's transaction. The store itself changes only when that
    transaction commits, so an interrupted import leaves it as it was; the staging
    file is deleted on leaving (it stays readable while attached), and one left by
    a killed process is deleted by the next staged insert
    (:func:`remove_stale_stages`). The attachment is released when the connection
    goes back to the pool (:func:`~tradepilot.store.engine.detach_stage`): SQLite refuses to detach a file
    inside a transaction.
    """
    folder = _store_folder(conn)
    assert folder is not None
    remove_stale_stages(folder)
    columns = ", ".join(frame.columns)
    with tempfile.TemporaryDirectory(
        prefix=f"{STAGE_PREFIX}{os.getpid()}-", dir=folder
    ) as stage:
        path = Path(stage) / "stage.db"
        _write_stage(path, frame)
        # One name per staged insert: a transaction may stage several tables.
        attached = conn.exec_driver_sql("PRAGMA database_list").all()
        alias = f"{STAGE_ALIAS}{len(attached)}"
        conn.exec_driver_sql(f"ATTACH DATABASE ? AS {alias}", (str(path),))
        conn.exec_driver_sql(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {alias}.stage"
        )


def _write_stage(path: Path, frame: pl.DataFrame) -> None:
    """Write ``frame`` as table ``stage`` of a new SQLite file with the ADBC driver.

    The driver's own API takes the frame's Arrow stream as it is; its DB-API module
    would import pyarrow first, which costs more CPU time than the write.
    """
    import adbc_driver_manager as adbc
    import adbc_driver_sqlite

    ingest = {
        adbc.StatementOptions.INGEST_TARGET_TABLE.value: "stage",
        adbc.StatementOptions.INGEST_MODE.value: adbc.INGEST_OPTION_MODE_CREATE,
    }
    with (
        adbc_driver_sqlite.connect(str(path)) as database,
        adbc.AdbcConnection(database) as connection,
    ):
        # A scratch file: no journal, and no waiting for the disk (it is read back
        # by this process before it is deleted; the store keeps its own settings).
        for pragma in ("journal_mode=OFF", "synchronous=OFF"):
            with adbc.AdbcStatement(connection) as scratch:
                scratch.set_sql_query(f"PRAGMA {pragma}")
                scratch.execute_update()
        with adbc.AdbcStatement(connection) as statement:
            statement.set_options(**ingest)
            statement.bind_stream(frame)
            statement.execute_update()


def remove_stale_stages(folder: Path) -> None:
    """Delete the staging folders in ``folder`` of processes that no longer run
    (killed during a staged insert)."""
    for stage in folder.glob(f"{STAGE_PREFIX}*"):
        pid = stage.name.removeprefix(STAGE_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(stage, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _copy(conn: Connection, statement: str, frame: pl.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.write_csv(
        buffer,
        include_header=False,
        null_value=_NULL,
        datetime_format="%Y-%m-%d %H:%M:%S%.6f%z",
        date_format="%Y-%m-%d",
    )
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"{statement} WITH (FORMAT csv, NULL '{_NULL}')") as copy:
        copy.write(buffer.getvalue())


@contextmanager
def indexes_after_load(conn: Connection, table: Table, *, rows: int) -> Iterator[bool]:
    """Build ``table``'s indexes after loading ``rows`` rows into it, if that pays.

    When the table holds fewer rows than are coming, its secondary indexes are
    dropped on entering the block and built again on leaving it, which sorts each
    index once instead of inserting every row into it; on PostgreSQL its unique and
    foreign-key constraints too (re-adding a foreign key checks every row in one
    join, where a row-by-row load fires a trigger per row). Everything happens in
    the caller's transaction: a load that fails or is interrupted rolls the drops
    back with it. A larger table keeps its indexes: rebuilding them would cost more
    than the rows save.

    On PostgreSQL the drops lock ``table`` (and the tables its foreign keys name)
    until the transaction ends, so readers wait for the import to finish.

    Parameters
    ----------
    conn : Connection
        Open connection inside a transaction that is rolled back if the block
        raises (the indexes are not rebuilt then).
    table : sqlalchemy.Table
        The table loaded; its indexes and constraints as :mod:`tradepilot.store.
        tables` declares them (the migrations create the same).
    rows : int
        Rows about to be loaded.

    Yields
    ------
    bool
        True when the indexes were dropped for the block.
    """
    if rows == 0 or _holds_at_least(conn, table.name, rows):
        yield False
        return
    steps = _deferrable(conn, table)
    for drop, _ in steps:
        conn.execute(drop)
    yield True
    if conn.dialect.name == "postgresql":
        # Sort each index in memory, not on disk; and no JIT compilation of the
        # one-off queries that check each foreign key (50-100 ms each here).
        conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{_SORT_MEMORY}'")
        conn.exec_driver_sql("SET LOCAL jit = off")
    for _, build in reversed(steps):
        conn.execute(build)


def _holds_at_least(conn: Connection, table: str, rows: int) -> bool:
    """Whether ``table`` has ``rows`` rows or more (counting no further)."""
    found = conn.execute(
        text(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT :n) AS t"),
        {"n": rows},
    ).scalar_one()
    return int(found) >= rows


def _deferrable(
    conn: Connection, table: Table
) -> list[tuple[ExecutableDDLElement, ExecutableDDLElement]]:
    """(drop, build) statements of what :func:`indexes_after_load` defers, in the
    order of dropping: foreign keys and unique constraints first (PostgreSQL only:
    SQLite can neither drop nor add them), then the indexes."""
    steps: list[tuple[ExecutableDDLElement, ExecutableDDLElement]] = []
    if conn.dialect.name == "postgresql":
        constraints = sorted(
            (
                c
                for c in table.constraints
                if isinstance(c, ForeignKeyConstraint | UniqueConstraint)
            ),
            key=lambda c: (isinstance(c, UniqueConstraint), str(c.name)),
        )
        steps += [(DropConstraint(c), AddConstraint(c)) for c in constraints]
    indexes = sorted(table.indexes, key=lambda i: str(i.name))
    steps += [(DropIndex(i), CreateIndex(i)) for i in indexes]
    return steps


def update_rows(
    conn: Connection,
    table: str,
    set_columns: Sequence[str],
    key: str,
    rows: Iterable[Any],
) -> None:
    """``UPDATE table SET c1=?, ... WHERE key=?`` for each (c1, ..., key) tuple."""
    rows = list(rows)
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        assignments = ", ".join(f"{c} = %s" for c in set_columns)
        sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"
    else:
        assignments = ", ".join(f"{c} = ?" for c in set_columns)
        sql = f"UPDATE {table} SET {assignments} WHERE {key} = ?"
    conn.exec_driver_sql(sql, rows)


def update_frame(
    conn: Connection, table: str, frame: pl.DataFrame, *, key: str
) -> None:
    """Set the columns of ``frame`` on the rows of ``table`` whose ``key`` it holds.

    PostgreSQL copies the frame into a temporary table shaped like ``table`` and
    updates in one statement (a statement per row costs a round trip each); SQLite
    runs one prepared ``UPDATE`` per row, which costs no round trip.

    Parameters
    ----------
    conn : Connection
        Open connection inside the caller's transaction.
    table : str
        The table updated.
    frame : polars.DataFrame
        ``key`` and the columns to set, named as in ``table``.
    key : str
        A unique column of ``table``.
    """
    columns = [c for c in frame.columns if c != key]
    if frame.height == 0 or not columns:
        return
    if conn.dialect.name != "postgresql":
        update_rows(conn, table, columns, key, frame.select(*columns, key).iter_rows())
        return
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE tp_update AS SELECT {key}, {', '.join(columns)}"
        f" FROM {table} WITH NO DATA"
    )
    try:
        insert_frame(conn, "tp_update", frame.select(key, *columns))
        assignments = ", ".join(f"{c} = u.{c}" for c in columns)
        conn.exec_driver_sql(
            f"UPDATE {table} SET {assignments} FROM tp_update u"
            f" WHERE {table}.{key} = u.{key}"
        )
    finally:
        conn.exec_driver_sql("DROP TABLE tp_update")


def read_frame(
    conn: Connection,
    sql: str,
    params: dict[str, Any] | None = None,
    *,
    schema: Mapping[str, pl.DataType | type[pl.DataType]] | None = None,
) -> pl.DataFrame:
    """Run a query on ``conn`` and return its rows as a polars frame.

    Parameters
    ----------
    conn : Connection
        Open connection.
    sql : str
        The query, with ``:name`` placeholders for ``params``.
    params : dict, optional
        Values of the placeholders.
    schema : mapping of str to polars.DataType, optional
        Dtypes of result columns that are joined, compared or filtered on. Without
        it dtypes are inferred from the values: a query without rows gives Null
        columns, SQLite returns dates and times as text and PostgreSQL NUMERIC as
        Decimal. Text dates (``YYYY-MM-DD``) become ``pl.Date``, times become
        ``pl.Datetime`` in UTC (see :func:`utc_timestamps`), anything else is cast;
        a Decimal read as ``pl.String`` keeps the database's scale (``1.092100``).
        Columns it does not name keep their inferred dtype.

    Returns
    -------
    polars.DataFrame
        One column per result column, in the query's order.

    Raises
    ------
    ValueError
        If ``schema`` names a column the query does not return.
    """
    result = conn.execute(text(sql), params or {})
    columns = list(result.keys())
    # The driver's rows (tuples) as they are: making SQLAlchemy's row objects of
    # them cost twice the query on the 25,900 orders of Online Retail.
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    frame = pl.DataFrame(rows, schema=columns, orient="row", infer_schema_length=None)
    if not schema:
        return frame
    unknown = [name for name in schema if name not in columns]
    if unknown:
        raise ValueError(
            f"schema names column(s) {', '.join(unknown)} that the query does not"
            f" return; it returns: {', '.join(columns)}"
        )
    return frame.with_columns(
        _as_dtype(pl.col(name), frame.schema[name], dtype).alias(name)
        for name, dtype in schema.items()
    )


_SEPARATOR = "\x1f"  # ASCII unit separator: never in a key that TradePilot builds


def read_texts(
    conn: Connection, sql: str, params: dict[str, Any] | None = None
) -> pl.Series:
    """The non-null values of the one text column ``v`` that ``sql`` returns.

    The database joins the values into one string (``group_concat`` on SQLite,
    ``string_agg`` on PostgreSQL), which polars splits: half a million keys arrive
    as one value instead of half a million row objects. A value holding the
    separator itself makes the count differ, and the rows are read one by one.

    Parameters
    ----------
    conn : Connection
        Open connection.
    sql : str
        A query returning one text column named ``v``, with ``:name`` placeholders.
    params : dict, optional
        Values of the placeholders.

    Returns
    -------
    polars.Series
        String series ``v``, in no particular order.
    """
    joined = (
        "group_concat(v, char(31))"
        if conn.dialect.name == "sqlite"
        else "string_agg(v, chr(31))"
    )
    found, text_ = conn.execute(
        text(f"SELECT count(v), {joined} FROM ({sql}) AS t"), params or {}
    ).one()
    if not found:
        return pl.Series("v", [], dtype=pl.String)
    values = pl.Series("v", [text_], dtype=pl.String).str.split(_SEPARATOR).explode()
    if values.len() == found:
        return values
    rows = read_frame(conn, sql, params, schema={"v": pl.String()})
    return rows["v"].drop_nulls()


def _as_dtype(
    column: pl.Expr, found: pl.DataType, dtype: pl.DataType | type[pl.DataType]
) -> pl.Expr:
    """``column``, read by the driver as ``found``, as ``dtype``."""
    if found == pl.Null or found == dtype:
        return column.cast(dtype)
    if dtype == pl.Date and found == pl.String:
        return column.str.to_date("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime):
        return utc_timestamps(column, found).cast(dtype)
    return column.cast(dtype)


def utc_timestamps(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Timestamps read by raw SQL as UTC datetimes: SQLite returns text, PostgreSQL
    aware datetimes."""
    if dtype == pl.String:
        return column.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_zone="UTC")
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        return column.dt.replace_time_zone("UTC")
    return column.dt.convert_time_zone("UTC")


def refresh_statistics(conn: Connection, *names: str) -> None:
    """``ANALYZE`` tables just bulk-loaded in this transaction (PostgreSQL only).

    Without it the planner sees the pre-import statistics (an empty table) and picks
    nested loops that take seconds instead of milliseconds on a large import.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {', '.join(names)}")
