"""Fast bulk writes of polars frames, inside the caller's transaction.

SQLite gets the driver's ``executemany``; PostgreSQL gets ``COPY ... FROM STDIN``.
Both run on the connection the caller holds, so a bulk write is part of the import's
single transaction and is rolled back with it. Frames hold plain values: text for
exact decimals, Datetime(UTC) and Date columns are formatted here.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import polars as pl
from sqlalchemy import Connection, text

_NULL = r"\N"


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
    else:
        marks = ", ".join("?" * len(frame.columns))
        rows = _for_sqlite(frame).iter_rows()
        conn.exec_driver_sql(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(rows)
        )
    return frame.height


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
    rows = result.fetchall()
    frame = pl.DataFrame(
        [tuple(r) for r in rows], schema=columns, orient="row", infer_schema_length=None
    )
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
