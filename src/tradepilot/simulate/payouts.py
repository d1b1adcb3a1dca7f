"""What the demo store's payment providers and bank report, with known mistakes.

Web orders are paid through Shopify Payments (cards and Klarna) or PayPal, Amazon
orders through Amazon's settlements; everything lands in one EUR bank account.

* **Shopify Payments** converts a foreign-currency charge to EUR at the ECB mid
  rate of the day less 1.5% and keeps 1.9% + EUR 0.25; refunds are converted
  at mid plus 1.5%. Payouts every Friday of what became available (two days
  after a transaction) by then.
* **PayPal** keeps 2.49% + EUR 0.35 (in the payment's currency) and converts
  each foreign payment to EUR at mid less 3.5% (``General Currency Conversion``
  rows; refunds converted back at mid plus 3.5%); the EUR balance is withdrawn
  every Monday.
* **Amazon** settles every 14 days per marketplace currency: principal,
  shipping, withheld US/CA sales tax, a 15% commission; non-EUR deposits are
  converted at mid less 1.5% on their way to the bank.
* The **bank statement** also carries rent, advertising and software debits.

Injected discrepancies (``truth/payments_discrepancies.csv``): a payout missing
from the bank, a short payment, a double charge, an unrecorded refund, a fee above
schedule and a payout paid twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl

from tradepilot.domain.money import quantize
from tradepilot.simulate.bank import bank_statement
from tradepilot.simulate.payment_events import DailyRates, Event, major
from tradepilot.simulate.payout_files import (
    Table,
    amazon_rows,
    paypal_rows,
    shopify_rows,
)

PROVIDER_OF_METHOD = {
    "Shopify Payments": "shopify-payments",
    "Klarna": "shopify-payments",
    "PayPal Express Checkout": "paypal",
}
SEED_SALT = 13  # a stream of its own: the rest of the store stays as it was


@dataclass(frozen=True)
class PaymentExports:
    """The provider files, the bank statement and the injected discrepancies."""

    shopify_payments: pl.DataFrame
    paypal_activity: pl.DataFrame
    amazon_settlement: pl.DataFrame
    bank_statement: pl.DataFrame
    truth: pl.DataFrame


def simulate_payments(
    orders: pl.DataFrame,
    lines: pl.DataFrame,
    fx_rates: pl.DataFrame,
    *,
    seed: int,
) -> PaymentExports:
    """The payment files of a simulated store (see the module docstring).

    Parameters
    ----------
    orders, lines, fx_rates : polars.DataFrame
        ``SimulatedStore.orders``, ``.order_lines`` and ``.fx_rates``.
    seed : int
        The store's seed; the payments draw from a stream of their own.
    """
    rng = np.random.default_rng([seed, SEED_SALT])
    rates = DailyRates(fx_rates)
    events = web_events(orders, lines)
    truth: list[dict[str, Any]] = []
    events = _inject_order_mistakes(rng, events, orders, truth)
    shopify = shopify_rows(
        [e for e in events if e.provider == "shopify-payments"], rates
    )
    paypal = paypal_rows(rng, [e for e in events if e.provider == "paypal"], rates)
    amazon = amazon_rows(orders, lines)
    bank = bank_statement(rng, shopify, paypal, amazon, rates, truth)
    return PaymentExports(
        shopify_payments=pl.DataFrame(
            shopify.rows, schema=shopify.columns, orient="row"
        ),
        paypal_activity=_frame(paypal),
        amazon_settlement=pl.DataFrame(
            amazon.rows, schema=amazon.columns, orient="row"
        ),
        bank_statement=bank,
        truth=pl.DataFrame(
            truth,
            schema={
                "kind": pl.String,
                "provider": pl.String,
                "order": pl.String,
                "payout": pl.String,
                "detail": pl.String,
            },
        ),  # fmt: skip
    )


def _frame(table: Table) -> pl.DataFrame:
    return pl.DataFrame(
        table.rows, schema=dict.fromkeys(table.columns, pl.String), orient="row"
    )


def web_events(orders: pl.DataFrame, lines: pl.DataFrame) -> list[Event]:
    """Charges and refunds of the web store's orders, oldest first."""
    refunds = (
        lines.filter(pl.col("refunded_at").is_not_null())
        .group_by("order_key")
        .agg(pl.col("refunded_at").max().alias("last_refund_at"))
    )
    web = orders.filter(pl.col("channel") == "web", pl.col("paid_at").is_not_null())
    web = web.join(refunds, on="order_key", how="left")
    events = []
    for o in web.iter_rows(named=True):
        provider = PROVIDER_OF_METHOD.get(o["payment_method"] or "", "shopify-payments")
        ccy, ref, method = o["currency"], o["order_ref"], o["payment_method"] or ""
        total = major(o["total"], ccy)
        events.append(Event(provider, "charge", o["paid_at"], ref, ccy, total, method))
        if o["status"] == "cancelled":
            events.append(
                Event(provider, "refund", o["cancelled_at"], ref, ccy, -total, method)
            )
        elif o["refunded"]:
            amount = major(o["refunded"], ccy)
            events.append(
                Event(
                    provider, "refund", o["last_refund_at"], ref, ccy, -amount, method
                )
            )
    return sorted(events, key=lambda e: (e.at, e.order, e.kind))


def _eligible(events: list[Event], orders: pl.DataFrame, provider: str) -> list[str]:
    """EUR orders of ``provider`` in the middle of the span, shipped, never refunded."""
    clean = orders.filter(
        pl.col("channel") == "web",
        pl.col("status") == "shipped",
        pl.col("refunded") == 0,
        pl.col("currency") == "EUR",
        pl.col("total") > 2000,
    )["order_ref"].to_list()
    charged = [e for e in events if e.provider == provider and e.kind == "charge"]
    if not charged:
        return []
    first, last = charged[0].at, charged[-1].at
    low, high = first + (last - first) * 0.3, first + (last - first) * 0.7
    middle = {e.order for e in charged if low <= e.at <= high}
    return sorted(set(clean) & middle)


def _inject_order_mistakes(
    rng: np.random.Generator,
    events: list[Event],
    orders: pl.DataFrame,
    truth: list[dict[str, Any]],
) -> list[Event]:
    shop = _eligible(events, orders, "shopify-payments")
    paypal = _eligible(events, orders, "paypal")
    if len(shop) < 3 or not paypal:  # a store too small to hide mistakes in
        return events
    short, fee, unrecorded = (str(x) for x in rng.choice(shop, size=3, replace=False))
    duplicate = str(rng.choice(paypal))
    out: list[Event] = []
    for e in events:
        if e.kind == "charge" and e.order == short:
            cut = quantize(e.amount * Decimal("0.9"), e.currency)
            e = Event(
                e.provider, e.kind, e.at, e.order, e.currency, cut, e.method, "short"
            )
            truth.append(
                _truth(
                    "amount_differs",
                    e,
                    f"paid {cut} of {e.amount / Decimal('0.9'):.2f}",
                )
            )
        elif e.kind == "charge" and e.order == fee:
            e = Event(
                e.provider, e.kind, e.at, e.order, e.currency, e.amount, e.method, "fee"
            )
            truth.append(_truth("fee_above_schedule", e, "fee tripled plus 1.00"))
        out.append(e)
        if e.kind == "charge" and e.order == unrecorded:
            back = -quantize(e.amount * Decimal("0.3"), e.currency)
            later = e.at + dt.timedelta(days=10)
            out.append(
                Event(
                    e.provider,
                    "refund",
                    later,
                    e.order,
                    e.currency,
                    back,
                    e.method,
                    "unrecorded",
                )
            )
            truth.append(
                _truth("refund_not_recorded", e, f"refunded {-back}, not in the shop")
            )
        if e.kind == "charge" and e.order == duplicate:
            again = e.at + dt.timedelta(minutes=3)
            out.append(
                Event(
                    e.provider,
                    e.kind,
                    again,
                    e.order,
                    e.currency,
                    e.amount,
                    e.method,
                    "duplicate",
                )
            )
            truth.append(_truth("duplicate_charge", e, f"charged {e.amount} twice"))
    return sorted(out, key=lambda e: (e.at, e.order, e.kind))


def _truth(kind: str, e: Event, detail: str) -> dict[str, Any]:
    return {"kind": kind, "provider": e.provider, "order": e.order, "payout": None,
            "detail": detail}  # fmt: skip
