"""The demo shop's EUR bank statement: payouts received, and the shop's expenses.

Shopify Payments credits name their payout id (matched by reference), PayPal's do
not (matched by amount and date), Amazon's name the settlement and arrive
converted to EUR at the ECB mid rate less 1.5% when the marketplace pays in
another currency. Expenses: rent on the 3rd, advertising on the 10th, software on
the 15th of each month. One payout is left out and one is booked twice (the
ground truth says which).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from tradepilot.domain.money import quantize
from tradepilot.simulate.payment_events import DailyRates, payout_truth

if TYPE_CHECKING:
    from tradepilot.simulate.payout_files import Table

BANK_COLUMNS = (
    "Booking Date", "Value Date", "Amount", "Currency", "Counterparty",
    "Description", "Reference", "Balance",
)  # fmt: skip
AMAZON_FX = Decimal("0.015")
OPENING_BALANCE = Decimal("5000.00")
EXPENSES = (
    (3, "Lagerhaus Nord GmbH", "Miete Lager", Decimal("-1200.00")),
    (10, "Google Ireland Ltd", "Google Ads", None),
    (15, "Shopify International Ltd", "Shopify subscription", Decimal("-39.00")),
)


def bank_statement(
    rng: np.random.Generator,
    shopify: Table,
    paypal: Table,
    amazon: Table,
    rates: DailyRates,
    truth: list[dict[str, Any]],
) -> pl.DataFrame:
    """The statement (columns :data:`BANK_COLUMNS`, oldest first), recording in
    ``truth`` the payout left out and the payout booked twice."""
    lines: list[tuple[dt.date, Decimal, str, str, str | None]] = []
    missing = shopify.payouts[len(shopify.payouts) // 3] if shopify.payouts else None
    twice = paypal.payouts[len(paypal.payouts) // 2] if paypal.payouts else None
    for p in shopify.payouts:
        if p is missing:
            truth.append(payout_truth("payout_missing_from_bank", "shopify-payments",
                                      p["id"], f"{p['amount']} EUR never credited"))  # fmt: skip
            continue
        lines.append((p["day"] + dt.timedelta(days=1), p["amount"],
                      "SHOPIFY INTERNATIONAL LTD", "SHOPIFY PAYMENTS PAYOUT", p["id"]))  # fmt: skip
    for p in paypal.payouts:
        entry = (p["day"] + dt.timedelta(days=1), p["amount"],
                 "PAYPAL EUROPE S.A.R.L. ET CIE S.C.A", "PAYPAL WITHDRAWAL", None)  # fmt: skip
        lines.append(entry)
        if p is twice:
            lines.append((p["day"] + dt.timedelta(days=3), *entry[1:]))
            truth.append(payout_truth("payout_paid_twice", "paypal", p["id"],
                                      f"{p['amount']} EUR credited twice"))  # fmt: skip
    for p in amazon.payouts:
        amount = p["amount"]
        if p["currency"] != "EUR":
            spread = (1 - AMAZON_FX) if amount > 0 else (1 + AMAZON_FX)
            amount = quantize(
                amount * rates.to_eur(p["currency"], p["day"]) * spread, "EUR"
            )
        lines.append((p["day"] + dt.timedelta(days=1), amount,
                      "AMAZON PAYMENTS EUROPE S.C.A.", f"AMAZON SETTLEMENT {p['id']}", None))  # fmt: skip
    if lines:
        lines += _expenses(rng, min(d for d, *_ in lines), max(d for d, *_ in lines))
    return _frame(sorted(lines, key=lambda line: (line[0], line[2], line[1])))


def _expenses(
    rng: np.random.Generator, first: dt.date, last: dt.date
) -> list[tuple[dt.date, Decimal, str, str, str | None]]:
    found: list[tuple[dt.date, Decimal, str, str, str | None]] = []
    month = first.replace(day=1)
    while month <= last:
        for day, who, what, amount in EXPENSES:
            booked = month.replace(day=day)
            if first <= booked <= last:
                value = amount or -Decimal(int(rng.integers(200, 600)))
                ref = f"{what[:4].upper()}-{booked:%Y-%m}"
                found.append((booked, value, who, f"{what} {booked:%m/%Y}", ref))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return found


def _frame(lines: list[tuple[dt.date, Decimal, str, str, str | None]]) -> pl.DataFrame:
    balance = OPENING_BALANCE
    rows = []
    for day, amount, who, what, ref in lines:
        balance += amount
        rows.append([day.isoformat(), day.isoformat(), f"{amount:.2f}", "EUR", who,
                     what, ref, f"{balance:.2f}"])  # fmt: skip
    return pl.DataFrame(
        rows, schema=dict.fromkeys(BANK_COLUMNS, pl.String), orient="row"
    )
