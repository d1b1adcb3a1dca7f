"""Reading and writing the journal: appending chained entries, reading the chain.

Writing numbers the entries after the current head, computes each hash over the
canonical values (:mod:`tradepilot.ledger.chain`) exactly as they read back, and
inserts entries and lines in bulk inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot.domain.errors import DataValidationError
from tradepilot.ledger.chain import (
    ENTRY_COLUMNS,
    GENESIS,
    LINE_COLUMNS,
    canonical_decimal,
    canonical_line,
    canonical_row,
    entry_hash,
)
from tradepilot.ledger.journal import Draft, check_balanced
from tradepilot.store.bulk import insert_frame
from tradepilot.store.tables_ledger import (
    ledger_entries,
    ledger_lines,
    ledger_periods,
)


class ClosedPeriodError(DataValidationError):
    """An entry is dated in a period that was closed."""

    code = "closed_period"


def head(conn: Connection) -> tuple[int, str]:
    """The last entry's number and hash ((0, GENESIS) for an empty ledger)."""
    e = ledger_entries
    row = conn.execute(
        sa.select(e.c.seq, e.c.hash).order_by(e.c.seq.desc()).limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def closed_periods(conn: Connection) -> dict[str, int]:
    """Closed periods and their closing entry."""
    p = ledger_periods
    return {
        str(r[0]): int(r[1]) for r in conn.execute(sa.select(p.c.period, p.c.close_seq))
    }


def refuse_closed(conn: Connection, drafts: Sequence[Draft]) -> None:
    """Refuse drafts dated in a closed period, naming the first ones.

    Raises
    ------
    ClosedPeriodError
    """
    closed = closed_periods(conn)
    late = [d for d in drafts if d.period in closed]
    if late:
        names = ", ".join(f"{d.source_key} ({d.entry_date})" for d in late[:3])
        more = f" and {len(late) - 3} more" if len(late) > 3 else ""
        periods = ", ".join(sorted({d.period for d in late}))
        raise ClosedPeriodError(
            f"period {periods} is closed: {len(late)} new entr"
            f"{'y' if len(late) == 1 else 'ies'} dated in it cannot be posted"
            f" ({names}{more}); nothing was written. Corrections to a closed period"
            " go into an open one as reversing or adjusting entries"
        )


def append(conn: Connection, drafts: Sequence[Draft]) -> list[int]:
    """Chain and insert ``drafts`` after the head; their numbers.

    Raises
    ------
    ClosedPeriodError
        If a draft is dated in a closed period (nothing is written).
    DataValidationError
        If a draft does not balance.
    """
    for draft in drafts:
        check_balanced(draft)
    refuse_closed(conn, drafts)
    seq, previous = head(conn)
    line_id = int(
        conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(ledger_lines.c.id), 0))
        ).scalar_one()
    )
    now = dt.datetime.now(dt.UTC)
    entries: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    numbers = []
    for draft in drafts:
        seq += 1
        entry = (
            seq, draft.entry_date, draft.period, draft.kind, draft.source_key,
            draft.source_run, draft.description, draft.reverses_seq,
            None if draft.carry is None else canonical_decimal(draft.carry),
            now, previous,
        )  # fmt: skip
        rows = []
        for number, ln in enumerate(draft.lines, start=1):
            line_id += 1
            rows.append(
                (line_id, seq, number, ln.account, ln.role,
                 canonical_decimal(ln.amount), ln.currency, canonical_decimal(ln.rate),
                 canonical_decimal(ln.base_amount), ln.country, ln.channel, ln.sku,
                 ln.jurisdiction, ln.scheme, ln.vat_rate)
            )  # fmt: skip
        previous = entry_hash(
            previous, canonical_row(ENTRY_COLUMNS, entry), [list(r) for r in rows]
        )
        entries.append((*entry, previous))
        lines.extend(rows)
        numbers.append(seq)
    _insert(conn, entries, lines)
    return numbers


ENTRY_SCHEMA: dict[str, Any] = {
    "seq": pl.Int64, "entry_date": pl.Date, "period": pl.String, "kind": pl.String,
    "source_key": pl.String, "source_run": pl.Int64, "description": pl.String,
    "reverses_seq": pl.Int64, "carry": pl.String,
    "created_at": pl.Datetime("us", "UTC"), "prev_hash": pl.String, "hash": pl.String,
}  # fmt: skip
LINE_SCHEMA: dict[str, Any] = dict.fromkeys(LINE_COLUMNS, pl.String) | {
    "id": pl.Int64,
    "entry_seq": pl.Int64,
    "line_no": pl.Int64,
}


def _insert(
    conn: Connection, entries: list[tuple[Any, ...]], lines: list[tuple[Any, ...]]
) -> None:
    if not entries:
        return
    insert_frame(
        conn, "ledger_entries", pl.DataFrame(entries, schema=ENTRY_SCHEMA, orient="row")
    )
    if lines:
        insert_frame(
            conn, "ledger_lines", pl.DataFrame(lines, schema=LINE_SCHEMA, orient="row")
        )


def chain_rows(
    conn: Connection, *, until: int | None = None, only: int | None = None
) -> Iterator[tuple[list[Any], str, list[list[Any]]]]:
    """Every entry in chain order as (canonical entry, stored hash, canonical
    lines), read straight from the tables (whatever was done to them).

    Lines are read with the driver's own types (no SQLAlchemy processing): the
    canonical form only normalises their two decimals.
    """
    e = ledger_entries
    entry_query = sa.select(*[e.c[c] for c in ENTRY_COLUMNS], e.c.hash).order_by(
        e.c.seq
    )
    where = ""
    if until is not None:
        entry_query = entry_query.where(e.c.seq <= until)
        where = f" WHERE entry_seq <= {int(until)}"
    if only is not None:
        entry_query = entry_query.where(e.c.seq == only)
        where = f" WHERE entry_seq = {int(only)}"
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:  # the driver's own rows: half a million lines without wrapping each
        cursor.execute(
            f"SELECT {', '.join(LINE_COLUMNS)} FROM ledger_lines{where}"
            " ORDER BY entry_seq, line_no, id"
        )
        line_rows = iter(cursor.fetchall())
    finally:
        cursor.close()
    pending = next(line_rows, None)
    for row in conn.execute(entry_query).all():
        seq = row[0]
        own: list[list[Any]] = []
        while pending is not None and pending[1] <= seq:
            if pending[1] == seq:
                own.append(canonical_line(pending))
            pending = next(line_rows, None)
        yield canonical_row(ENTRY_COLUMNS, row[:-1]), str(row[-1]), own


def orphan_lines(conn: Connection) -> int | None:
    """The first entry number that lines name but no entry has, if any."""
    e, ln = ledger_entries, ledger_lines
    found = conn.execute(
        sa.select(sa.func.min(ln.c.entry_seq)).where(
            ~sa.exists().where(e.c.seq == ln.c.entry_seq)
        )
    ).scalar()
    return None if found is None else int(found)


def decimal(value: Any) -> Decimal:
    """A stored amount (text on SQLite, Decimal on PostgreSQL) as a Decimal."""
    return value if isinstance(value, Decimal) else Decimal(str(value))
