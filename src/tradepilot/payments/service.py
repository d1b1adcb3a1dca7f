"""Use-case verbs of payments; the only module other capabilities import.

* :func:`payment_transactions`, :func:`bank_transactions`: what the providers and
  the bank recorded (charges, refunds, fees, payouts, conversions; bank lines), for
  the ledger and reports.
* :func:`cash_balances`: money held per provider and currency, and in the bank.
* :func:`reconcile_payouts`: ``tradepilot payouts reconcile``.
* :func:`list_discrepancies`, :func:`decide_discrepancy`: ``tradepilot payouts
  discrepancies`` and ``payouts resolve`` (decisions kept across runs).
* :func:`fx_exposure`: ``tradepilot fx exposure``.

Empty data is a note, not an error.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import TradePilotError
from tradepilot.payments.reading import (
    NO_DATA_NOTE,
    has_payment_data,
    read_bank,
    read_rates,
    read_transactions,
)
from tradepilot.store import tables
from tradepilot.store.tables_payments import payment_reconciliations


def payment_transactions(engine: Engine) -> list[dict[str, Any]]:
    """Every provider transaction, oldest first.

    Returns
    -------
    list of dict
        ``id``, ``provider`` (stripe, paypal, amazon-settlement, shopify-payments),
        ``kind`` (charge, refund, fee, chargeback, reserve, adjustment, payout,
        conversion, tax, transfer, memo), ``category`` (the provider's own type),
        ``occurred_at`` (UTC datetime), ``date``, ``currency``, ``gross``, ``fee``,
        ``net`` (``Decimal``; seen from the provider balance: a charge's gross is
        positive, a refund's or payout's negative, ``net = gross - fee``, ``fee``
        what the provider kept), ``order_ref`` (as the provider wrote it),
        ``order_number`` (without the shop's ``#``: ``#1001`` -> ``1001``),
        ``payout_id`` (the payout that paid the row out; a payout's own id),
        ``reference`` (the transaction it belongs to, e.g. a PayPal conversion's
        payment), ``external_id``, ``original_amount`` and ``original_currency``
        (what the buyer paid where the provider converted it), ``description``,
        ``file`` and ``row``.
    """
    with engine.connect() as conn:
        txns = read_transactions(conn)
    return [
        {
            "id": t.id,
            "provider": t.provider,
            "kind": t.kind,
            "category": t.category,
            "occurred_at": t.occurred_at,
            "date": t.day,
            "currency": t.currency,
            "gross": t.gross,
            "fee": t.fee,
            "net": t.net,
            "order_ref": t.order_ref,
            "order_number": t.order_key,
            "payout_id": t.payout_id,
            "reference": t.reference,
            "external_id": t.external_id,
            "original_amount": t.original_amount,
            "original_currency": t.original_currency,
            "description": t.description,
            "file": t.source_name,
            "row": t.row_number,
        }
        for t in txns
    ]


def bank_transactions(engine: Engine) -> list[dict[str, Any]]:
    """Every bank-statement line, oldest first.

    Returns
    -------
    list of dict
        ``id``, ``account``, ``date``, ``amount`` (``Decimal``, credit > 0, debit
        < 0), ``currency``, ``counterparty``, ``description``, ``reference``,
        ``file`` and ``row``.
    """
    with engine.connect() as conn:
        lines = read_bank(conn)
    return [
        {
            "id": b.id,
            "account": b.account,
            "date": b.booked_on,
            "amount": b.amount,
            "currency": b.currency,
            "counterparty": b.counterparty,
            "description": b.description,
            "reference": b.reference,
            "file": b.source_name,
            "row": b.row_number,
        }
        for b in lines
    ]


def cash_balances(engine: Engine, *, as_of: dt.date | None = None) -> dict[str, Any]:
    """Money held with each provider and in the bank, per currency.

    A provider's balance is the sum of its transactions' ``net`` (payouts
    included, so it is what it still holds); a bank account's is the sum of its
    lines since the first imported one (the statement's opening balance is not
    known unless the file gives ``balance``).

    Parameters
    ----------
    as_of : datetime.date, optional
        Count transactions up to this day (default: all).

    Returns
    -------
    dict
        ``balances``: list of ``holder`` (provider name or ``bank:<account>``),
        ``kind`` (``provider`` or ``bank``), ``currency``, ``amount``
        (``Decimal``), ``last_date``; ``notes``.
    """
    with engine.connect() as conn:
        txns = read_transactions(conn)
        lines = read_bank(conn)
    totals: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    last: dict[tuple[str, str, str], dt.date] = {}
    for t in txns:
        if as_of is not None and t.day > as_of:
            continue
        if t.kind == "memo":
            continue
        key = (t.provider, "provider", t.currency)
        totals[key] += t.net
        last[key] = max(last.get(key, t.day), t.day)
    for b in lines:
        if as_of is not None and b.booked_on > as_of:
            continue
        key = (f"bank:{b.account}", "bank", b.currency)
        totals[key] += b.amount
        last[key] = max(last.get(key, b.booked_on), b.booked_on)
    balances = [
        {
            "holder": holder,
            "kind": kind,
            "currency": currency,
            "amount": amount,
            "last_date": last[(holder, kind, currency)],
        }
        for (holder, kind, currency), amount in sorted(totals.items())
    ]
    notes = [] if balances else [NO_DATA_NOTE]
    if any(b["kind"] == "bank" for b in balances):
        notes.append(
            "bank balances are the movements since the first imported statement line"
        )
    return {"balances": balances, "notes": notes}


def reconcile_payouts(engine: Engine, *, home: Path | None = None) -> dict[str, Any]:
    """Match charges, refunds and fees to orders and payouts to bank credits.

    The result is saved, so the Money page shows the latest without recomputing.
    Discrepancies the seller resolved or ignored (:func:`decide_discrepancy`) are
    listed under ``matched.closed``, not in ``discrepancies`` (the open ones).

    Returns
    -------
    dict
        ``payouts``, ``matched``, ``discrepancies``, ``fees_base``,
        ``fx_spread_cost_base`` (see :func:`tradepilot.payments.reconcile.report`).
    """
    from tradepilot.payments.config import load_payments_config
    from tradepilot.payments.reconcile import run_reconciliation
    from tradepilot.payments.status import apply_decisions, read_decisions
    from tradepilot.workspace import base_currency

    config = load_payments_config(home)
    with engine.begin() as conn:
        base = base_currency(conn) or "EUR"
        result = run_reconciliation(conn, config=config, base=base)
        if has_payment_data(conn) != (0, 0):
            conn.execute(
                sa.insert(payment_reconciliations).values(
                    created_at=dt.datetime.now(dt.UTC),
                    base_currency=base,
                    result=json.dumps(result, default=str),
                )
            )
        decisions = read_decisions(conn)
    return apply_decisions(result, decisions)


def payout_bank_lines(engine: Engine, *, home: Path | None = None) -> set[int]:
    """Ids of the bank lines that received a provider's payout (the ledger books
    those from the provider's side), by the reconciliation's rules."""
    from tradepilot.payments.config import load_payments_config
    from tradepilot.payments.payouts import collect_payouts, match_payouts

    config = load_payments_config(home)
    with engine.connect() as conn:
        txns, bank = read_transactions(conn), read_bank(conn)
        if not txns or not bank:
            return set()
        codes = {t.currency for t in txns} | {b.currency for b in bank}
        rates = read_rates(conn, codes)
    matches = match_payouts(collect_payouts(txns), bank, config, rates.convert)
    return {line.id for line in matches.bank_line.values()}


def current_reconciliation(
    engine: Engine, *, home: Path | None = None, refresh: bool = False
) -> dict[str, Any]:
    """The last saved reconciliation if no import came after it, else a new one;
    decided discrepancies moved out of the open ones."""
    from tradepilot.payments.status import apply_decisions, read_decisions

    found = None if refresh else latest_reconciliation(engine)
    if found is not None:
        runs = tables.import_runs
        with engine.connect() as conn:
            newest = conn.execute(sa.select(sa.func.max(runs.c.finished_at))).scalar()
        if newest is not None and newest.isoformat() > found["created_at"]:
            found = None
    if found is None:
        return reconcile_payouts(engine, home=home)
    with engine.connect() as conn:
        return apply_decisions(found, read_decisions(conn))


def list_discrepancies(
    engine: Engine, *, home: Path | None = None, include_closed: bool = False
) -> dict[str, Any]:
    """The current discrepancies with their ids and status.

    Returns
    -------
    dict
        ``data`` (each discrepancy with ``id``, ``status`` (open, resolved,
        ignored), ``note``, ``decided_at``), ``count``, ``open``, ``closed``.
    """
    result = current_reconciliation(engine, home=home)
    rows = [
        {"id": key, "status": "open", "note": None, "decided_at": None, **d}
        for key, d in zip(
            result["matched"]["open_ids"], result["discrepancies"], strict=True
        )
    ]
    closed = result["matched"]["closed"]
    rows += closed if include_closed else []
    return {"data": rows, "count": len(rows),
            "open": len(result["discrepancies"]), "closed": len(closed)}  # fmt: skip


def decide_discrepancy(
    engine: Engine,
    *,
    key: str,
    status: str = "resolved",
    note: str = "",
    home: Path | None = None,
) -> dict[str, Any]:
    """Mark discrepancy ``key`` resolved or ignored with a note (``open``
    reopens it); the decision holds across reconciliations.

    Raises
    ------
    DataValidationError
        For an unknown id or status, or a missing note.
    """
    from tradepilot.payments.status import decide

    found = latest_reconciliation(engine)
    if found is None:
        reconcile_payouts(engine, home=home)
        found = latest_reconciliation(engine)
    discrepancies = [] if found is None else found["discrepancies"]
    with engine.begin() as conn:
        return decide(conn, found=discrepancies, key=key, status=status, note=note)


def trailing_sales(conn: Connection, *, as_of: dt.date) -> dict[str, Decimal]:
    """Net sales (every order line, returns and cancellations included) of the
    365 days up to ``as_of``, per currency, summed by the database."""
    o, lines = tables.orders, tables.order_lines
    start = dt.datetime.combine(as_of - dt.timedelta(days=365), dt.time(), dt.UTC)
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), dt.UTC)
    rows = conn.execute(
        sa.select(o.c.currency, sa.func.sum(lines.c.quantity * lines.c.unit_price))
        .join(lines, lines.c.order_id == o.c.id)
        .where(o.c.ordered_at >= start, o.c.ordered_at < end)
        .group_by(o.c.currency)
    ).all()
    return {str(c): Decimal(str(round(float(v), 2))) for c, v in rows if v is not None}


def latest_reconciliation(engine: Engine) -> dict[str, Any] | None:
    """The last saved reconciliation with its ``created_at``, or None."""
    r = payment_reconciliations
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(r.c.created_at, r.c.result).order_by(r.c.id.desc()).limit(1)
        ).first()
    if row is None:
        return None
    result: dict[str, Any] = json.loads(row[1])
    return {**result, "created_at": row[0].isoformat()}


def fx_exposure(engine: Engine, *, home: Path | None = None) -> dict[str, Any]:
    """Balances and receivables by currency, a 5% move's effect, provider spreads.

    Returns
    -------
    dict
        ``base_currency``, ``as_of``, ``move``, ``currencies`` (per currency:
        ``cash``, ``receivables``, ``total``, ``total_base``, ``rate``,
        ``move_5pct_cash_base``, ``sales_12m``, ``sales_12m_base``,
        ``move_5pct_margin_base``), ``providers`` (average spread and cost per
        provider), ``cheapest`` (what every conversion would have cost at the
        cheapest provider's spread) and ``notes``; see
        :mod:`tradepilot.payments.exposure`.
    """
    from tradepilot.fx.service import LatestRates
    from tradepilot.payments.config import load_payments_config
    from tradepilot.payments.exposure import exposure
    from tradepilot.payments.reading import read_order_totals
    from tradepilot.payments.reconcile import report
    from tradepilot.workspace import base_currency

    config = load_payments_config(home)
    with engine.connect() as conn:
        base = base_currency(conn) or "EUR"
        txns, bank = read_transactions(conn), read_bank(conn)
        days = [t.day for t in txns] + [b.booked_on for b in bank]
        last_order = conn.execute(
            sa.select(sa.func.max(tables.orders.c.ordered_at))
        ).scalar()
        days += [last_order.date()] if last_order is not None else []
        as_of = max(days) if days else dt.datetime.now(dt.UTC).date()
        sales = trailing_sales(conn, as_of=as_of)
        codes = {t.currency for t in txns} | {b.currency for b in bank}
        codes |= set(sales) | {base}
        latest = LatestRates(conn, codes, as_of)
        unpaid: dict[str, Decimal] = defaultdict(Decimal)
        spreads: dict[str, dict[str, Any]] = {}
        if txns or bank:
            orders = read_order_totals(conn)
            rates = read_rates(
                conn, codes | {t.original_currency or base for t in txns}
            )
            found = report(txns, bank, orders, config=config, base=base, rates=rates)
            spreads = found["matched"]["fx_spreads"]
            for d in found["discrepancies"]:
                if d["kind"] == "order_not_paid":
                    unpaid[d["currency"]] += Decimal(str(d["amount"]))

    def rate(source: str, target: str) -> float | None:
        try:
            return latest.rate(source, target)
        except TradePilotError:
            return None

    return exposure(
        txns=txns, bank=bank, sales=sales, unpaid=unpaid, spreads=spreads,
        base=base, rate=rate, as_of=as_of,
    )  # fmt: skip
