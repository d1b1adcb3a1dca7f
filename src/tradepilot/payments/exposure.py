"""``fx exposure``: what each currency's moves do to cash and margin (pure core).

* **Cash** per currency: bank balances (movements since the first statement line)
  and **receivables**: what providers hold and have not paid out yet, plus orders
  the reconciliation found unpaid.
* **A 5% move** of each currency against the base currency changes the base
  value of that cash by 5%, and the yearly margin by 5% of the trailing twelve
  months' sales in that currency (costs are taken to be in the base currency, the
  worst case for a seller buying in EUR and selling in USD).
* **Spreads**: the average FX spread each provider took (cost against the ECB mid
  rate over the converted amount) and what the conversions would have cost at
  the cheapest provider's average spread.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tradepilot.payments.model import BankTxn, PaymentTxn

MOVE = Decimal("0.05")
TRAILING_DAYS = 365
Rate = Callable[[str, str], float | None]


def exposure(
    *,
    txns: list[PaymentTxn],
    bank: list[BankTxn],
    sales: dict[str, Decimal],
    unpaid: dict[str, Decimal],
    spreads: dict[str, dict[str, Any]],
    base: str,
    rate: Rate,
    as_of: dt.date,
) -> dict[str, Any]:
    """The exposure report (see the module docstring).

    Parameters
    ----------
    sales : dict of str to Decimal
        Net sales of the trailing twelve months per currency.
    unpaid : dict of str to Decimal
        Orders found unpaid, per currency.
    spreads : dict
        Per provider ``conversions``, ``converted_base``, ``cost_base``,
        ``average_spread`` (the reconciliation's ``matched.fx_spreads``).
    rate : callable
        ``rate(source, target)``: units of target per unit of source as of
        ``as_of``, or None.
    """
    cash: dict[str, Decimal] = defaultdict(Decimal)
    held: dict[str, Decimal] = defaultdict(Decimal)
    for b in bank:
        cash[b.currency] += b.amount
    for t in txns:
        if t.kind != "memo":
            held[t.currency] += t.net
    codes = sorted(set(cash) | set(held) | set(sales) | set(unpaid))
    rows = [
        _row(
            c,
            cash[c],
            held[c] + unpaid.get(c, Decimal(0)),
            sales.get(c, Decimal(0)),
            base,
            rate,
        )  # fmt: skip
        for c in codes
    ]
    return {
        "base_currency": base,
        "as_of": as_of.isoformat(),
        "move": float(MOVE),
        "currencies": rows,
        "providers": [{"provider": p, **row} for p, row in spreads.items()],
        "cheapest": _cheapest(spreads),
        "notes": _notes(rows, txns, bank),
    }


def _row(
    currency: str,
    cash: Decimal,
    receivables: Decimal,
    sales: Decimal,
    base: str,
    rate: Rate,
) -> dict[str, Any]:
    factor = rate(currency, base)
    total = cash + receivables

    def in_base(amount: Decimal) -> float | None:
        return None if factor is None else round(float(amount) * factor, 2)

    foreign = currency != base
    return {
        "currency": currency,
        "cash": round(float(cash), 2),
        "receivables": round(float(receivables), 2),
        "total": round(float(total), 2),
        "total_base": in_base(total),
        "rate": factor,
        "move_5pct_cash_base": in_base(total * MOVE) if foreign else 0.0,
        "sales_12m": round(float(sales), 2),
        "sales_12m_base": in_base(sales),
        "move_5pct_margin_base": in_base(sales * MOVE) if foreign else 0.0,
    }


def _cheapest(spreads: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    priced = {
        p: row for p, row in spreads.items() if row.get("average_spread") is not None
    }
    if not priced:
        return None
    best = min(priced, key=lambda p: priced[p]["average_spread"])
    spread = priced[best]["average_spread"]
    converted = sum(row["converted_base"] for row in priced.values())
    actual = sum(row["cost_base"] for row in priced.values())
    would = round(converted * spread, 2)
    return {
        "provider": best,
        "average_spread": spread,
        "converted_base": round(converted, 2),
        "cost_base": round(actual, 2),
        "cost_base_at_cheapest": would,
        "saving_base": round(actual - would, 2),
    }


def _notes(
    rows: list[dict[str, Any]], txns: list[PaymentTxn], bank: list[BankTxn]
) -> list[str]:
    notes = []
    if not txns and not bank:
        notes.append(
            "no payout or bank files imported: cash and receivables are unknown;"
            " the margin exposure comes from the orders alone"
        )
    missing = [r["currency"] for r in rows if r["rate"] is None]
    if missing:
        notes.append(
            f"no ECB rate for {', '.join(missing)}: their base values are left out;"
            " import rates with 'tradepilot fx import eurofxref-hist.csv'"
        )
    notes.append(
        "payables (supplier invoices) are not known to payments: the ledger's"
        " balance sheet has them"
    )
    return notes
