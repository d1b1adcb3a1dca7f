"""The rows of the simulated providers' files, in their real layouts.

See :mod:`tradepilot.simulate.payouts` for the rules; the columns are those of
``docs/payments-formats.md``. Every cell is text, as the providers write it.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl

from tradepilot.domain.money import quantize
from tradepilot.simulate.markets import MARKETS
from tradepilot.simulate.payment_events import DailyRates, Event, major

SHOPIFY_COLUMNS = (
    "Transaction Date", "Type", "Order", "Card Brand", "Card Source", "Payout Status",
    "Payout Date", "Payout ID", "Available On", "Amount", "Fee", "Net", "Checkout",
    "Payment Method Name", "Presentment Amount", "Presentment Currency", "Currency",
)  # fmt: skip
PAYPAL_COLUMNS = (
    "Date", "Time", "TimeZone", "Name", "Type", "Status", "Currency", "Gross", "Fee",
    "Net", "From Email Address", "To Email Address", "Transaction ID",
    "Reference Txn ID", "Invoice Number", "Balance", "Balance Impact",
)  # fmt: skip
AMAZON_COLUMNS = (
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",
    "total-amount", "currency", "transaction-type", "order-id", "merchant-order-id",
    "adjustment-id", "shipment-id", "marketplace-name", "amount-type",
    "amount-description", "amount", "fulfillment-id", "posted-date",
    "posted-date-time", "order-item-code", "merchant-order-item-id",
    "merchant-adjustment-item-id", "sku", "quantity-purchased", "promotion-id",
)  # fmt: skip
SHOPIFY_RATE, SHOPIFY_FIXED, SHOPIFY_FX = (
    Decimal("0.019"),
    Decimal("0.25"),
    Decimal("0.015"),
)
PAYPAL_RATE, PAYPAL_FIXED, PAYPAL_FX = (
    Decimal("0.0249"),
    Decimal("0.35"),
    Decimal("0.035"),
)
AMAZON_COMMISSION = Decimal("0.15")
SETTLEMENT_DAYS = 14
PAYPAL_ZONE = zoneinfo.ZoneInfo("Europe/Berlin")
UTC_FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"
TAX_EXCLUSIVE = {m.country for m in MARKETS if not m.tax_included}
_ID_CHARS = np.array(list("ABCDEFGHJKLMNPRSTUVWXY0123456789"))


@dataclass
class Table:
    """Columns and text rows of a file, plus what the bank needs of it."""

    columns: tuple[str, ...]
    rows: list[list[str | None]] = field(default_factory=list)
    payouts: list[dict[str, Any]] = field(default_factory=list)


def text(amount: Decimal) -> str:
    """An amount as providers write it (no exponent, no thousands separator)."""
    return f"{amount:f}"


def next_friday(day: dt.date) -> dt.date:
    """The first Friday strictly after ``day``."""
    return day + dt.timedelta(days=(4 - day.weekday()) % 7 or 7)


def shopify_rows(events: list[Event], rates: DailyRates) -> Table:
    """Shopify Payments transactions export rows (charges, refunds, payouts)."""
    table = Table(SHOPIFY_COLUMNS)
    batches: dict[dt.date, list[list[str | None]]] = defaultdict(list)
    nets: dict[dt.date, Decimal] = defaultdict(Decimal)
    for e in events:
        to_eur = rates.to_eur(e.currency, e.at.date())
        if e.currency == "EUR":
            amount = e.amount
        else:
            spread = (1 - SHOPIFY_FX) if e.amount > 0 else (1 + SHOPIFY_FX)
            amount = quantize(e.amount * to_eur * spread, "EUR")
        fee = Decimal(0)
        if e.kind == "charge":
            fee = quantize(amount * SHOPIFY_RATE + SHOPIFY_FIXED, "EUR")
            if e.tag == "fee":
                fee = fee * 3 + 1
        available = e.at.date() + dt.timedelta(days=2)
        payout = next_friday(available)
        nets[payout] += amount - fee
        batches[payout].append(
            [
                e.at.strftime("%Y-%m-%d %H:%M:%S +0000"),
                e.kind,
                e.order,
                "klarna" if e.method == "Klarna" else "visa",
                "online",
                "paid",
                payout.isoformat(),
                None,
                available.isoformat(),
                text(amount),
                text(fee),
                text(amount - fee),
                None,
                "klarna" if e.method == "Klarna" else "card",
                text(e.amount),
                e.currency,
                "EUR",
            ]  # fmt: skip
        )
    for n, day in enumerate(sorted(batches)):
        payout_id = str(80_000_001 + n)
        for row in batches[day]:
            row[7] = payout_id
            table.rows.append(row)
        when = dt.datetime.combine(day, dt.time(6), dt.UTC)
        net = nets[day]
        table.rows.append(
            [
                when.strftime("%Y-%m-%d %H:%M:%S +0000"),
                "payout",
                None,
                None,
                None,
                "paid",
                day.isoformat(),
                payout_id,
                None,
                text(-net),
                "0.00",
                text(-net),
                None,
                None,
                None,
                None,
                "EUR",
            ]  # fmt: skip
        )
        table.payouts.append({"id": payout_id, "day": day, "amount": net})
    return table


def _paypal_id(rng: np.random.Generator) -> str:
    return "".join(rng.choice(_ID_CHARS, size=17))


def paypal_rows(
    rng: np.random.Generator, events: list[Event], rates: DailyRates
) -> Table:
    """PayPal activity rows: payments, refunds, conversions, Monday withdrawals."""
    table = Table(PAYPAL_COLUMNS)
    balance = Decimal(0)
    week: dt.date | None = None
    for e in events:
        monday = e.at.date() - dt.timedelta(days=e.at.weekday())
        if week is not None and monday > week and balance > 0:
            balance = _withdraw(rng, table, monday, balance)
        week = monday
        balance = _paypal_event(rng, table, e, rates, balance)
    if week is not None and balance > 0:
        _withdraw(rng, table, week + dt.timedelta(days=7), balance)
    return table


def _paypal_row(
    table: Table, at: dt.datetime, kind: str, currency: str, gross: Decimal,
    fee: Decimal, ident: str, *, ref: str | None = None, order: str | None = None,
    balance: Decimal | None = None,
) -> None:  # fmt: skip
    local = at.astimezone(PAYPAL_ZONE)
    credit = gross - fee >= 0
    table.rows.append(
        [
            local.strftime("%d/%m/%Y"),
            local.strftime("%H:%M:%S"),
            local.tzname(),
            "Buyer" if order else None,
            kind,
            "Completed",
            currency,
            text(gross),
            text(-fee),
            text(gross - fee),
            None,
            "shop@demo.tradepilot",
            ident,
            ref,
            order,
            None if balance is None else text(balance),
            "Credit" if credit else "Debit",
        ]  # fmt: skip
    )


def _paypal_event(
    rng: np.random.Generator,
    table: Table,
    e: Event,
    rates: DailyRates,
    balance: Decimal,
) -> Decimal:
    ident = _paypal_id(rng)
    to_eur = rates.to_eur(e.currency, e.at.date())
    if e.kind == "charge":
        fixed = quantize(PAYPAL_FIXED / to_eur, e.currency)
        fee = quantize(e.amount * PAYPAL_RATE, e.currency) + fixed
        kind, net = "Express Checkout Payment", e.amount - fee
    else:
        fee, kind, net = Decimal(0), "Payment Refund", e.amount
        if e.currency != "EUR":  # buy the refund's currency first
            cost = quantize(-e.amount * to_eur * (1 + PAYPAL_FX), "EUR")
            _paypal_row(table, e.at, "General Currency Conversion", "EUR", -cost,
                        Decimal(0), _paypal_id(rng), ref=ident)  # fmt: skip
            _paypal_row(table, e.at, "General Currency Conversion", e.currency,
                        -e.amount, Decimal(0), _paypal_id(rng), ref=ident)  # fmt: skip
            balance -= cost
    if e.currency == "EUR":
        balance += net
    _paypal_row(table, e.at, kind, e.currency, e.amount, fee, ident, order=e.order)
    if e.kind == "charge" and e.currency != "EUR":
        eur = quantize(net * to_eur * (1 - PAYPAL_FX), "EUR")
        _paypal_row(table, e.at, "General Currency Conversion", e.currency, -net,
                    Decimal(0), _paypal_id(rng), ref=ident)  # fmt: skip
        _paypal_row(table, e.at, "General Currency Conversion", "EUR", eur,
                    Decimal(0), _paypal_id(rng), ref=ident)  # fmt: skip
        balance += eur
    return balance


def _withdraw(
    rng: np.random.Generator, table: Table, monday: dt.date, balance: Decimal
) -> Decimal:
    at = dt.datetime.combine(monday, dt.time(8), dt.UTC)
    ident = _paypal_id(rng)
    _paypal_row(table, at, "General Withdrawal", "EUR", -balance, Decimal(0), ident,
                balance=Decimal(0))  # fmt: skip
    table.payouts.append({"id": ident, "day": monday, "amount": balance})
    return Decimal(0)


def amazon_rows(orders: pl.DataFrame, lines: pl.DataFrame) -> Table:
    """Settlement report rows: per currency and 14 days, a summary and its amounts."""
    shipped = orders.filter(
        pl.col("channel") == "amazon", pl.col("status") == "shipped"
    )
    items = lines.join(shipped, on="order_key", how="inner").sort(
        "shipped_at", "order_key", "line_no"
    )
    first = shipped["created_at"].min()
    start = first if isinstance(first, dt.datetime) else None
    groups: dict[tuple[int, str], list[list[str | None]]] = defaultdict(list)
    for r in items.iter_rows(named=True):
        ccy = r["currency"]
        period = (r["shipped_at"] - start).days // SETTLEMENT_DAYS if start else 0
        principal = major(r["unit_price"], ccy) * r["quantity"]
        shipping = major(r["shipping"], ccy) if r["line_no"] == 0 else Decimal(0)
        amounts = [("ItemPrice", "Principal", principal)]
        if shipping:
            amounts.append(("ItemPrice", "Shipping", shipping))
        if r["country"] in TAX_EXCLUSIVE and r["line_tax"]:
            tax = major(r["line_tax"], ccy)
            amounts += [("ItemPrice", "Tax", tax),
                        ("ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", -tax)]  # fmt: skip
        commission = quantize((principal + shipping) * AMAZON_COMMISSION, ccy)
        amounts.append(("ItemFees", "Commission", -commission))
        posted = r["shipped_at"]
        for atype, desc, amount in amounts:
            groups[(period, ccy)].append(
                [
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    "Order",
                    r["order_ref"],
                    None,
                    None,
                    None,
                    r["marketplace"],
                    atype,
                    desc,
                    text(amount),
                    "MFN",
                    posted.date().isoformat(),
                    posted.strftime(UTC_FORMAT),
                    None,
                    None,
                    None,
                    r["sku"],
                    str(r["quantity"]),
                    None,
                ]  # fmt: skip
            )
    return _settlements(groups, start)


def _settlements(
    groups: dict[tuple[int, str], list[list[str | None]]], start: dt.datetime | None
) -> Table:
    table = Table(AMAZON_COLUMNS)
    for n, (period, ccy) in enumerate(sorted(groups)):
        rows = groups[(period, ccy)]
        settlement = str(13_000_000_000 + n)
        assert start is not None
        begin = (start + dt.timedelta(days=period * SETTLEMENT_DAYS)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        end = begin + dt.timedelta(days=SETTLEMENT_DAYS)
        deposit = end + dt.timedelta(days=3)
        total = sum((Decimal(str(r[14])) for r in rows), Decimal(0))
        table.rows.append(
            [
                settlement,
                begin.strftime(UTC_FORMAT),
                end.strftime(UTC_FORMAT),
                deposit.strftime(UTC_FORMAT),
                text(total),
                ccy,
            ]
            + [None] * (len(AMAZON_COLUMNS) - 6)  # fmt: skip
        )
        for row in rows:
            row[0] = settlement
            table.rows.append(row)
        table.payouts.append({"id": settlement, "day": deposit.date(), "amount": total,
                              "currency": ccy})  # fmt: skip
    return table
