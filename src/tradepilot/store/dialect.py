"""SQL expressions whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement


def utc_day(column: Any, dialect: str) -> ColumnElement[Any]:
    """The UTC calendar day of a :class:`~tradepilot.store.types.UTCDateTime` column."""
    if dialect == "sqlite":
        return sa.func.date(column)
    return sa.cast(sa.func.timezone("UTC", column), sa.Date)


def utc_month(column: Any, dialect: str) -> ColumnElement[Any]:
    """The UTC month (``YYYY-MM``) of a UTCDateTime column."""
    if dialect == "sqlite":
        return sa.func.strftime("%Y-%m", column)
    return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM")


def as_number(column: Any) -> ColumnElement[Any]:
    """An :class:`~tradepilot.store.types.ExactDecimal` column as a SQL float.

    For reports and filters; exact sums read the decimals themselves.
    """
    return sa.cast(column, sa.Float)


def with_day_text(rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows whose first column is a :func:`utc_day`, with that day as ISO text.

    SQLite returns the day as text and PostgreSQL as a ``date``; reports want one.
    """
    return [(str(row[0]), *row[1:]) for row in rows]
