"""What every payment adapter shares: parsed rows, their keys, storing, quarantine.

An adapter turns each row of its file into one :class:`Txn` (or :class:`BankLine`)
or a reason to quarantine it: one stored row per source row, every cell kept in the
quarantine for rejected ones, so an import is lossless. Storing is idempotent: a
row's key is the provider's transaction id where the file has one, else a digest of
its cells and their occurrence in the file, so re-importing a file, or an
overlapping export, stores nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot.domain.money import known_currencies
from tradepilot.ingest.files import ROW, RawTable
from tradepilot.ingest.import_format import ImportContext, Loader
from tradepilot.ingest.loading import quarantine_rows
from tradepilot.ingest.parse import REASON
from tradepilot.ingest.report import iso_range
from tradepilot.payments.records import order_number, row_digest
from tradepilot.store.tables_payments import bank_transactions, payment_transactions

_CHUNK = 5_000


@dataclass
class Txn:
    """One provider transaction, parsed (see ``store/tables_payments.py``)."""

    row: int
    kind: str
    category: str | None
    occurred_at: dt.datetime
    currency: str
    gross: Decimal
    fee: Decimal
    order_ref: str | None = None
    payout_id: str | None = None
    reference: str | None = None
    external_id: str | None = None
    original_amount: Decimal | None = None
    original_currency: str | None = None
    description: str | None = None


@dataclass
class BankLine:
    """One bank-statement line, parsed."""

    row: int
    account: str
    booked_on: dt.date
    amount: Decimal
    currency: str
    counterparty: str | None = None
    description: str | None = None
    reference: str | None = None
    balance: Decimal | None = None


@dataclass
class Parsed:
    """An adapter's result: rows to store, rows to quarantine (row, reason)."""

    rows: list[Any] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    """One source row: its number and its cells by field name."""

    number: int
    values: dict[str, str | None]
    columns: dict[str, str]  # field -> header

    def get(self, field: str) -> str | None:
        """The stripped cell of ``field``; None when absent or empty."""
        name = self.columns.get(field)
        value = self.values.get(name) if name else None
        if value is None:
            return None
        return value.strip() or None


def rows_of(table: RawTable, columns: dict[str, str]) -> Iterator[Row]:
    """The table's rows, cells named by field (``columns``: field -> header)."""
    for values in table.frame.iter_rows(named=True):
        yield Row(values[ROW], values, columns)


def currency_reason(code: str | None, column: str) -> str | None:
    """Why ``code`` is not a currency, or None if it is one."""
    if code is None or not code.strip():
        return f"{column} is empty (expected an ISO 4217 code such as EUR)"
    if code.strip().upper() not in known_currencies():
        return f"{column} {code.strip()!r} is not an ISO 4217 currency code"
    return None


def raw_rows(table: RawTable) -> dict[int, dict[str, str | None]]:
    """Cells of each row by ``_row``."""
    return {row[ROW]: row for row in table.frame.iter_rows(named=True)}


def row_keys(
    table: RawTable, rows: list[Any], prefix: str, ids: list[str | None]
) -> list[str]:
    """Each row's key: ``prefix|id`` when it has an id, else a digest of its cells
    and the occurrence of identical rows before it in the file."""
    cells = raw_rows(table)
    seen: Counter[str] = Counter()
    keys = []
    for row, ident in zip(rows, ids, strict=True):
        if ident:
            keys.append(f"{prefix}|{ident}"[:200])
            continue
        values = cells[row.row]
        digest = row_digest(str(values[c]) for c in table.columns)
        seen[digest] += 1
        keys.append(f"{prefix}|r|{digest}|{seen[digest]}")
    return keys


def transaction_loader(
    provider: str, parse: Callable[[RawTable, ImportContext], Parsed]
) -> Loader:
    """The loader of a provider format whose adapter is ``parse(table, ctx)``."""

    def load(conn: Connection, table: RawTable, ctx: ImportContext) -> None:
        parsed = parse(table, ctx)
        txns: list[Txn] = parsed.rows
        keys = row_keys(table, txns, provider, [t.external_id for t in txns])
        records = [
            _txn_record(t, key, provider, ctx.run_id)
            for t, key in zip(txns, keys, strict=True)
        ]
        column = payment_transactions.c.txn_key
        stored = _store(conn, payment_transactions, column, records, "txn_key")
        _report(conn, table, ctx, parsed, stored, len(records))
        refs = {order_number(t.order_ref) for t in txns} - {None}
        ctx.report.orders = len(refs)
        ctx.report.date_min, ctx.report.date_max = iso_range(
            [t.occurred_at for t in txns]
        )
        ctx.report.data_quality = {
            "kinds": dict(Counter(t.kind for t in txns).most_common()),
            "currencies": sorted({t.currency for t in txns}),
        }

    return load


def bank_loader(parse: Callable[[RawTable, ImportContext], Parsed]) -> Loader:
    """The loader of bank statements whose adapter is ``parse(table, ctx)``."""

    def load(conn: Connection, table: RawTable, ctx: ImportContext) -> None:
        parsed = parse(table, ctx)
        lines: list[BankLine] = parsed.rows
        account = lines[0].account if lines else "bank"
        keys = row_keys(table, lines, f"bank|{account}", [None] * len(lines))
        records = [
            {**_bank_record(line), "line_key": key, "import_run_id": ctx.run_id}
            for line, key in zip(lines, keys, strict=True)
        ]
        column = bank_transactions.c.line_key
        stored = _store(conn, bank_transactions, column, records, "line_key")
        _report(conn, table, ctx, parsed, stored, len(records))
        ctx.report.date_min, ctx.report.date_max = iso_range(
            [line.booked_on for line in lines]
        )
        ctx.report.data_quality = {
            "accounts": sorted({line.account for line in lines}),
            "currencies": sorted({line.currency for line in lines}),
            "credits": sum(1 for line in lines if line.amount > 0),
            "debits": sum(1 for line in lines if line.amount < 0),
        }

    return load


def _txn_record(t: Txn, key: str, provider: str, run_id: int) -> dict[str, Any]:
    return {
        "provider": provider,
        "txn_key": key,
        "external_id": t.external_id,
        "kind": t.kind,
        "category": t.category[:128] if t.category else None,
        "occurred_at": t.occurred_at,
        "currency": t.currency,
        "gross": t.gross,
        "fee": t.fee,
        "net": t.gross - t.fee,
        "order_ref": t.order_ref[:64] if t.order_ref else None,
        "payout_id": t.payout_id,
        "reference": t.reference,
        "original_amount": t.original_amount,
        "original_currency": t.original_currency,
        "description": t.description,
        "row_number": t.row,
        "import_run_id": run_id,
    }


def _bank_record(line: BankLine) -> dict[str, Any]:
    return {
        "account": line.account[:64],
        "booked_on": line.booked_on,
        "amount": line.amount,
        "currency": line.currency,
        "counterparty": (line.counterparty or None) and line.counterparty[:256],
        "description": line.description,
        "reference": (line.reference or None) and line.reference[:256],
        "balance": line.balance,
        "row_number": line.row,
    }


def _store(
    conn: Connection,
    table: sa.Table,
    column: sa.Column[Any],
    records: list[dict[str, Any]],
    key: str,
) -> int:
    """Insert the records whose key is new (in the store or earlier in the file)."""
    wanted = [r[key] for r in records]
    known: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        known |= set(conn.execute(sa.select(column).where(column.in_(chunk))).scalars())
    fresh = []
    for record in records:
        if record[key] not in known:
            known.add(record[key])
            fresh.append(record)
    for start in range(0, len(fresh), _CHUNK):
        conn.execute(sa.insert(table), fresh[start : start + _CHUNK])
    return len(fresh)


def _report(
    conn: Connection,
    table: RawTable,
    ctx: ImportContext,
    parsed: Parsed,
    stored: int,
    parsed_rows: int,
) -> None:
    report = ctx.report
    report.rows_read = table.frame.height
    report.accepted = stored
    report.duplicates = parsed_rows - stored
    report.notes.extend(parsed.notes)
    bad = pl.DataFrame(
        {ROW: [r for r, _ in parsed.bad], REASON: [why for _, why in parsed.bad]},
        schema={ROW: pl.Int64, REASON: pl.String},
    )
    quarantine_rows(
        conn,
        bad=bad,
        raw=table.frame,
        source=report.format,
        run_id=ctx.run_id,
        report=report,
    )
