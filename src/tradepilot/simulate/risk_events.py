"""Risk events injected into a simulated store, with their ground truth.

:func:`inject_risk_events` takes a :class:`~tradepilot.simulate.store.SimulatedStore`
and returns a copy where, near the end of its span:

* ``demand_break``: the best-selling SKU loses most of its sales for three weeks;
* ``supplier_delay``: the supplier with most purchase orders slows down: every PO
  it was sent from the day of its eighth-last one (any mode) arrives 25 days later
  than it would have (those that would now arrive after the end stay open);
* ``return_spike``: 40% of the orders of the second best-selling SKU in the last four
  weeks are cancelled and refunded;
* ``order_risk``: fraudulent web orders: a new buyer, many units of the dearest SKU,
  several orders the same night from one e-mail and address, at 1-3 am;
* ``fx_move``: the US dollar loses about 9% against the euro in the last 20 days;
* ``review_sentiment``: a bad batch of the best-selling SKU whose reviews were
  good so far: a third of its orders shipped in the last five weeks get a one- or
  two-star quality complaint (added to the simulated reviews by
  :func:`inject_review_spike`, which names the SKU);
* ``payment_discrepancy``: the payments simulator's injected mistakes
  (:mod:`tradepilot.simulate.payouts`), listed by :func:`payment_events`;
* ``rule_change``: France's standard VAT rises to 25% 45 days after the end (a
  workspace reference file, :data:`RULE_FILE`, written by :func:`write_rule_change`).

The truth (``events``, ``fraud_orders``) lets ``bench/risk_bench.py`` measure the
monitors. The simulator itself is untouched: this is a separate pass over its frames.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from tradepilot.simulate.store import SimulatedStore

RULE_FILE = Path("reference") / "vat_rates.csv"
FRAUD_COUNTRY = "NO"


def inject_risk_events(
    store: SimulatedStore, *, seed: int = 15, n_fraud: int = 24
) -> tuple[SimulatedStore, dict[str, Any]]:
    """The store with the risk events and their truth (see the module docstring)."""
    rng = np.random.default_rng(seed)
    end = store.config.end
    top = _top_skus(store, end)
    orders, lines = _demand_break(store.orders, store.order_lines, top[0], end, rng)
    orders = _return_spike(orders, lines, top[1], end, rng)
    orders, lines, fraud = _fraud_orders(
        orders, lines, store.products, end, n_fraud, rng
    )
    supplier, purchase_orders = _supplier_delay(store.purchase_orders, end)
    fx_rates = _fx_shock(store.fx_rates, end)
    effective = end + dt.timedelta(days=45)
    events = [
        {"kind": "demand_break", "subject": f"sku {top[0]}"},
        {"kind": "return_spike", "subject": f"sku {top[1]}"},
        {"kind": "supplier_delay", "subject": f"supplier {supplier}"},
        {"kind": "fx_move", "subject": "currency USD"},
        {"kind": "rule_change", "subject": "country FR",
         "effective_from": effective.isoformat()},
        {"kind": "order_risk", "subject": f"{len(fraud)} fraudulent orders"},
    ]  # fmt: skip
    injected = dataclasses.replace(
        store, orders=orders, order_lines=lines, purchase_orders=purchase_orders,
        fx_rates=fx_rates,
    )  # fmt: skip
    # what the fraud also moves: the dearest SKU's and the destination's sales
    dearest = lines.filter(pl.col("order_key") == orders["order_key"].max())["sku"][0]
    side_effects = [
        {"kind": "demand_break", "subject": f"sku {dearest}"},
        {"kind": "demand_break", "subject": f"country {FRAUD_COUNTRY}"},
    ]
    truth = {"end": end.isoformat(), "events": events, "fraud_orders": fraud,
             "side_effects": side_effects, "top_skus": top,
             "rule_effective_from": effective.isoformat()}  # fmt: skip
    return injected, truth


def write_rule_change(home: Path, effective_from: str) -> Path:
    """Write the injected VAT rise as a workspace reference row."""
    path = home / RULE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "country,rate_type,rate,effective_from,source,note\n"
        f"FR,standard,0.25,{effective_from},simulated,injected rule change\n",
        encoding="utf-8",
    )
    return path


def inject_review_spike(
    reviews: pl.DataFrame,
    orders: pl.DataFrame,
    lines: pl.DataFrame,
    *,
    end: dt.date,
    exclude: Iterable[str] = (),
    seed: int = 16,
    share: float = 1 / 3,
) -> tuple[pl.DataFrame, str]:
    """``reviews`` (:func:`tradepilot.simulate.reviews.simulate_reviews`) with a bad
    batch of one SKU, and that SKU: the best-selling one of the last 120 days (not
    in ``exclude``) with at most 15% negative reviews so far. A ``share`` of its
    order lines shipped in the last five weeks get a one- or two-star quality
    complaint 3-10 days after shipping (by ``end``).
    """
    from tradepilot.simulate.reviews import LANGUAGE_OF, PHRASES

    rng = np.random.default_rng(seed)
    first = end - dt.timedelta(weeks=5)
    sku = _well_reviewed(reviews, orders, lines, end, set(exclude))
    shipped = (
        lines.filter(pl.col("sku") == sku)
        .join(
            orders.select("order_key", "country", "shipped_at", "first_name"),
            on="order_key",
        )  # fmt: skip
        .filter(pl.col("shipped_at").dt.date() > first)
        .sort("order_key", "line_no")
    )
    rows: list[dict[str, Any]] = []
    next_id = int(reviews["id"].max() or 0) + 1  # type: ignore[arg-type]
    for line in shipped.iter_rows(named=True):
        at = line["shipped_at"] + dt.timedelta(days=int(rng.integers(3, 11)))
        if rng.random() >= share or at.date() > end:
            continue
        language = LANGUAGE_OF.get(line["country"], "en")
        rows.append({
            "id": next_id + len(rows), "product_handle": sku,
            "rating": int(rng.integers(1, 3)), "title": "",
            "author": line["first_name"] or "", "location": line["country"],
            "body": PHRASES["quality", "negative"][language],
            "created_at": at.isoformat(), "truth_language": language,
            "truth_aspects": "quality:negative",
        })  # fmt: skip
    return pl.concat([reviews, pl.DataFrame(rows, schema=reviews.schema)]), sku


def _well_reviewed(
    reviews: pl.DataFrame,
    orders: pl.DataFrame,
    lines: pl.DataFrame,
    end: dt.date,
    exclude: set[str],
) -> str:
    negative = reviews.group_by(sku="product_handle").agg(
        share=(pl.col("rating") <= 2).mean()
    )
    recent = orders.filter(_recent(orders, end, 120)).select("order_key")
    units = (
        lines.join(recent, on="order_key")
        .group_by("sku")
        .agg(pl.col("quantity").sum())
        .join(negative, on="sku")
        .filter((pl.col("share") <= 0.15) & ~pl.col("sku").is_in(list(exclude)))
        .sort(["quantity", "sku"], descending=[True, False])
    )
    return str(units["sku"][0])


def payment_events(truth_payments: pl.DataFrame) -> list[dict[str, Any]]:
    """The payments simulator's injected mistakes as risk events, with the subject
    the ``payment_discrepancy`` monitor gives them."""
    events = []
    for row in truth_payments.iter_rows(named=True):
        about = f"payout {row['payout']}" if row["payout"] else f"order {row['order']}"
        subject = f"{row['provider']} {about}"
        events.append({"kind": "payment_discrepancy", "subject": subject,
                       "discrepancy": row["kind"]})  # fmt: skip
    return events


def _recent(frame: pl.DataFrame, end: dt.date, days: int) -> pl.Expr:
    return pl.col("created_at").dt.date() > end - dt.timedelta(days=days)


def _top_skus(store: SimulatedStore, end: dt.date) -> list[str]:
    recent = store.orders.filter(_recent(store.orders, end, 120)).select("order_key")
    units = (
        store.order_lines.join(recent, on="order_key")
        .group_by("sku")
        .agg(pl.col("quantity").sum())
        .sort(["quantity", "sku"], descending=[True, False])
    )
    return units["sku"].head(2).to_list()


def _demand_break(
    orders: pl.DataFrame, lines: pl.DataFrame, sku: str, end: dt.date,
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    recent = orders.filter(_recent(orders, end, 21))["order_key"]
    with_sku = (
        lines.filter(
            (pl.col("sku") == sku) & pl.col("order_key").is_in(recent.implode())
        )["order_key"]
        .unique()
        .sort()
    )
    # whole orders go (lines and totals together), so payouts still match orders
    gone = with_sku.filter(pl.Series(rng.random(with_sku.len()) < 0.85)).implode()
    return (
        orders.filter(~pl.col("order_key").is_in(gone)),
        lines.filter(~pl.col("order_key").is_in(gone)),
    )


def _return_spike(
    orders: pl.DataFrame, lines: pl.DataFrame, sku: str, end: dt.date,
    rng: np.random.Generator,
) -> pl.DataFrame:  # fmt: skip
    with_sku = lines.filter(pl.col("sku") == sku)["order_key"].unique().implode()
    chosen = (
        _recent(orders, end, 28)
        & pl.col("order_key").is_in(with_sku)
        & (pl.col("status") != "cancelled")
        & pl.Series(rng.random(orders.height) < 0.4)
    )
    hour = dt.timedelta(hours=1)
    return orders.with_columns(
        status=pl.when(chosen).then(pl.lit("cancelled")).otherwise("status"),
        cancelled_at=pl.when(chosen).then(pl.col("created_at") + hour)
        .otherwise("cancelled_at"),
        shipped_at=pl.when(chosen).then(None).otherwise("shipped_at"),
        refunded=pl.when(chosen).then(pl.col("total")).otherwise("refunded"),
        financial_status=pl.when(chosen).then(pl.lit("refunded"))
        .otherwise("financial_status"),
    )  # fmt: skip


def _fraud_orders(
    orders: pl.DataFrame, lines: pl.DataFrame, products: pl.DataFrame,
    end: dt.date, n_fraud: int, rng: np.random.Generator,
) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:  # fmt: skip
    web = orders.filter(
        (pl.col("channel") == "web") & (pl.col("country") == FRAUD_COUNTRY)
        & (pl.col("status") == "shipped")
    )  # fmt: skip
    template = web.row(0, named=True)
    dearest = products.sort("list_price", descending=True)["sku"][0]
    priced = lines.filter(pl.col("sku") == dearest).join(
        orders.filter(pl.col("currency") == template["currency"]).select("order_key"),
        on="order_key",
    )
    price = int(priced["unit_price"].cast(pl.Int64).max() or 99_00)  # type: ignore[arg-type]
    key = int(orders["order_key"].cast(pl.Int64).max() or 0) + 1  # type: ignore[arg-type]
    number = 90_001
    new_orders, new_lines, refs = [], [], []
    for i in range(n_fraud):
        group = i // 3  # three orders a night from one e-mail and address
        day = end - dt.timedelta(days=3 + 5 * group)
        at = dt.datetime(day.year, day.month, day.day, 1 + i % 3, int(rng.integers(60)),
                         tzinfo=dt.UTC)  # fmt: skip
        qty = int(rng.integers(6, 13))
        ref = f"#{number + i}"
        refs.append(ref)
        new_orders.append(template | {
            "order_key": key + i, "order_ref": ref,
            "shopify_id": 9_900_000_000_000 + i, "local_date": at.date(),
            "created_at": at, "paid_at": at + dt.timedelta(minutes=1),
            "shipped_at": None, "status": "paid", "financial_status": "paid",
            "customer_id": None, "email": f"deals{group}@quickmail.example",
            "first_name": "Ola", "last_name": f"Buyer{group}", "city": "Oslo",
            "postal_code": f"01{group:02d}", "discount_code": None, "note": None,
            "subtotal": qty * price, "discount": 0, "shipping": 0, "shipping_tax": 0,
            "taxes": 0, "total": qty * price, "refunded": 0, "cancelled_at": None,
        })  # fmt: skip
        new_lines.append({
            "order_key": key + i, "line_no": 0, "sku": dearest, "quantity": qty,
            "unit_price": price, "compare_at_price": None, "line_discount": 0,
            "line_tax": 0, "refunded_at": None, "refund_amount": None,
        })  # fmt: skip
    orders = pl.concat([orders, pl.DataFrame(new_orders, schema=orders.schema)])
    lines = pl.concat([lines, pl.DataFrame(new_lines, schema=lines.schema)])
    return orders, lines, refs


def _supplier_delay(
    purchase_orders: pl.DataFrame, end: dt.date, *, n_pos: int = 8, days: int = 25
) -> tuple[str, pl.DataFrame]:
    counts = purchase_orders.group_by("supplier").agg(pl.col("po_number").n_unique())
    supplier = counts.sort(["po_number", "supplier"], descending=[True, False])[
        "supplier"
    ][0]
    # A slowdown from one day on: every PO from then, whatever its mode, so a
    # weekly supplier's late POs are not only the few still open at the end.
    days_of_pos = (
        purchase_orders.filter(pl.col("supplier") == supplier)
        .unique("po_number")
        .sort("ordered_date")["ordered_date"]
    )
    since = days_of_pos[max(days_of_pos.len() - n_pos, 0)]
    shifted = pl.col("received_date") + dt.timedelta(days=days)
    hit = (pl.col("supplier") == supplier) & (pl.col("ordered_date") >= since)
    arrived = shifted <= end
    return supplier, purchase_orders.with_columns(
        received_date=pl.when(hit).then(pl.when(arrived).then(shifted))
        .otherwise("received_date"),
        quantity_received=pl.when(hit & ~arrived).then(None)
        .otherwise("quantity_received"),
    )  # fmt: skip


def _fx_shock(rates: pl.DataFrame, end: dt.date) -> pl.DataFrame:
    shock = (pl.col("currency") == "USD") & (
        pl.col("date") > end - dt.timedelta(days=20)
    )
    return rates.with_columns(
        rate=pl.when(shock).then((pl.col("rate") * 1.1).round(4)).otherwise("rate")
    )
