"""Reading the payments capability's inputs from the store.

Provider transactions and bank lines with the file and row they came from, the
orders' totals as the shop recorded them, and the ECB rates.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot.domain.money import quantize
from tradepilot.fx.service import load_rate_table
from tradepilot.payments.model import BankTxn, OrderTotal, PaymentTxn
from tradepilot.payments.rates import MidRates
from tradepilot.store import tables
from tradepilot.store.tables_payments import bank_transactions, payment_transactions

CANCEL_SUFFIX = "/cancel"
NO_DATA_NOTE = (
    "no payment data yet: import payout and bank files with 'tradepilot import"
    " stripe|paypal|amazon-settlement|shopify-payments|bank FILE'"
)


def read_transactions(conn: Connection) -> list[PaymentTxn]:
    """Every provider transaction, oldest first."""
    p, runs = payment_transactions, tables.import_runs
    rows = conn.execute(
        sa.select(p, runs.c.source_name)
        .join(runs, runs.c.id == p.c.import_run_id)
        .order_by(p.c.occurred_at, p.c.id)
    ).mappings()
    return [
        PaymentTxn(
            id=r["id"],
            provider=r["provider"],
            kind=r["kind"],
            category=r["category"],
            occurred_at=r["occurred_at"],
            currency=r["currency"],
            gross=r["gross"],
            fee=r["fee"],
            net=r["net"],
            order_ref=r["order_ref"],
            payout_id=r["payout_id"],
            reference=r["reference"],
            external_id=r["external_id"],
            original_amount=r["original_amount"],
            original_currency=r["original_currency"],
            description=r["description"],
            source_name=r["source_name"],
            row_number=r["row_number"],
        )
        for r in rows
    ]


def read_bank(conn: Connection) -> list[BankTxn]:
    """Every bank line, oldest first."""
    b, runs = bank_transactions, tables.import_runs
    rows = conn.execute(
        sa.select(b, runs.c.source_name)
        .join(runs, runs.c.id == b.c.import_run_id)
        .order_by(b.c.booked_on, b.c.id)
    ).mappings()
    return [
        BankTxn(
            id=r["id"],
            account=r["account"],
            booked_on=r["booked_on"],
            amount=r["amount"],
            currency=r["currency"],
            counterparty=r["counterparty"],
            description=r["description"],
            reference=r["reference"],
            source_name=r["source_name"],
            row_number=r["row_number"],
        )
        for r in rows
    ]


def read_order_totals(conn: Connection) -> list[OrderTotal]:
    """Each order's charged and refunded totals (see :class:`OrderTotal`).

    A cancellation document ``<number>/cancel`` adds what it reverses to its
    order's ``refunded``; refund lines of a sale do the same.
    """
    o, lines = tables.orders, tables.order_lines
    rows = conn.execute(
        sa.select(
            o.c.source,
            o.c.order_number,
            o.c.kind,
            o.c.country,
            o.c.currency,
            o.c.ordered_at,
            lines.c.kind,
            lines.c.quantity,
            lines.c.unit_price,
        ).join(lines, lines.c.order_id == o.c.id)
    ).all()
    charged: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    refunded: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    facts: dict[tuple[str, str], tuple[str, str, dt.datetime]] = {}
    cancelled: set[tuple[str, str]] = set()
    for source, number, kind, country, currency, at, line_kind, qty, price in rows:
        base = number.removesuffix(CANCEL_SUFFIX)
        key = (source, base)
        amount = Decimal(qty) * price
        if kind == "sale" and line_kind != "refund":
            charged[key] += amount
            facts[key] = (country, currency, at)
        elif kind == "sale" or kind in ("cancellation", "return"):
            refunded[key] -= amount
            if kind == "cancellation":
                cancelled.add(key)
    return [
        OrderTotal(
            source=source,
            number=number,
            country=facts[(source, number)][0],
            currency=facts[(source, number)][1],
            ordered_at=facts[(source, number)][2],
            charged=quantize(charged[(source, number)], facts[(source, number)][1]),
            refunded=quantize(refunded[(source, number)], facts[(source, number)][1]),
            cancelled=(source, number) in cancelled,
        )
        for source, number in facts
    ]


def read_rates(conn: Connection, currencies: Iterable[str]) -> MidRates:
    """The stored ECB rates of ``currencies`` (read by the fx capability)."""
    frame = load_rate_table(conn, currencies).rates
    return MidRates(frame.select("currency", "date", "per_eur").iter_rows())


def has_payment_data(conn: Connection) -> tuple[int, int]:
    """How many provider transactions and bank lines are stored."""
    count = sa.func.count()
    txns = conn.execute(sa.select(count).select_from(payment_transactions)).scalar()
    bank = conn.execute(sa.select(count).select_from(bank_transactions)).scalar()
    return int(txns or 0), int(bank or 0)
