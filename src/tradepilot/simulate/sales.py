"""From units sold to finished orders: the order pipeline of the simulation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from tradepilot.simulate.aftersales import (
    add_cancelled,
    fulfil,
    refund_lines,
    settle_refunds,
)
from tradepilot.simulate.buyers import customer_truth
from tradepilot.simulate.catalog import CATEGORIES, Catalog
from tradepilot.simulate.config import SimulationConfig
from tradepilot.simulate.customers import assign_buyers
from tradepilot.simulate.markets import MARKETS
from tradepilot.simulate.orders import CHANNELS, build_orders, local_date, order_times
from tradepilot.simulate.pricing import build_price_book, order_totals, price_lines
from tradepilot.simulate.promotions import PromotionPlan
from tradepilot.simulate.timeline import Timeline

EXPRESS_SHARE = 0.08
BUSINESS_SHARE = 0.04
NOTE_SHARE = 0.015
PAYMENT_METHODS = ("Shopify Payments", "PayPal Express Checkout", "Klarna")
PAYMENT_SHARES = (0.65, 0.25, 0.10)
NOTES = (
    "Please leave the parcel with the neighbour, thanks!",
    'Gift - please do not include the invoice ("Happy birthday")',
    "Ring twice, back door",
)
AMAZON_ID_PREFIXES = {
    "NA": ("111", "112", "113", "114", "701", "702"),
    "FE": ("249", "250", "503"),
    "EU": ("028", "202", "203", "302", "303", "304", "305", "403", "404", "405"),
}
_REGION = {"US": "NA", "CA": "NA", "JP": "FE", "AU": "FE"}
SHOPIFY_FIRST_ID = 5_612_345_000_000

ORDER_COLUMNS = (
    "order_key", "channel", "order_ref", "shopify_id", "marketplace", "country",
    "currency", "local_date", "created_at", "paid_at", "shipped_at", "cancelled_at",
    "status", "financial_status", "customer_id", "email", "first_name", "last_name",
    "city", "region", "postal_code", "accepts_marketing", "express",
    "payment_method", "discount_code", "note", "is_business", "tax_included",
    "subtotal", "discount", "shipping", "shipping_tax", "taxes", "total", "refunded",
)  # fmt: skip
LINE_COLUMNS = (
    "order_key", "line_no", "sku", "quantity", "unit_price", "compare_at_price",
    "line_discount", "line_tax", "refunded_at", "refund_amount",
)  # fmt: skip


def export_instant(timeline: Timeline) -> dt.datetime:
    """When the exports are taken: noon UTC the day after the last simulated day.

    Every market's last local day has ended by then.
    """
    day = timeline.end + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def simulate_sales(
    rng: np.random.Generator,
    *,
    sold: np.ndarray,
    timeline: Timeline,
    catalog: Catalog,
    plan: PromotionPlan,
    customers: pl.DataFrame,
    config: SimulationConfig,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Turn sold units into orders and order lines of both channels.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    sold : numpy.ndarray
        Units sold, shape (n_days, n_skus, n_countries).
    timeline : Timeline
        Simulated days.
    catalog : Catalog
        SKU codes and EUR list prices.
    plan : PromotionPlan
        Markdowns and discount codes.
    customers : polars.DataFrame
        Registered web-store customers.
    config : SimulationConfig
        Guest, cancellation and return rates.

    Returns
    -------
    orders, lines : polars.DataFrame
        Columns :data:`ORDER_COLUMNS` and :data:`LINE_COLUMNS`; amounts in
        minor units, instants in UTC.
    truth : polars.DataFrame
        The registered customers' true behaviour and history
        (:func:`~tradepilot.simulate.buyers.customer_truth`).
    """
    streams = iter(rng.spawn(8))
    as_of = export_instant(timeline)
    orders, lines = build_orders(next(streams), sold)
    orders = order_times(next(streams), orders, timeline)
    orders, lines = add_cancelled(next(streams), orders, lines, config.cancel_rate)
    orders = _attributes(next(streams), orders, plan)
    orders, log = assign_buyers(
        next(streams),
        orders,
        customers,
        config.guest_share,
        categories=_order_categories(lines, catalog),
        n_days=timeline.n_days,
    )
    orders = _number(next(streams), orders)
    book = build_price_book(catalog.list_price_cents)
    lines = price_lines(lines, orders, book, plan.markdown, plan.code_discount)
    orders = fulfil(next(streams), order_totals(orders, lines), as_of)
    lines = refund_lines(next(streams), orders, lines, config.return_rate, as_of)
    orders, lines = settle_refunds(orders, lines)
    skus = pl.Series(catalog.skus)
    lines = lines.with_columns(sku=skus.gather(lines["sku_idx"]))
    orders = orders.with_columns(
        channel=pl.col("channel").replace_strict(range(2), CHANNELS)
    )
    names = [category.name for category in CATEGORIES]
    return (
        orders.sort("created_at", "order_key").select(ORDER_COLUMNS),
        lines.sort("order_key", "line_no").select(LINE_COLUMNS),
        customer_truth(customers, log, timeline.start, names),
    )


def _order_categories(lines: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """``order_key, categories``: the category indices of each order's lines."""
    category = pl.Series(catalog.category.astype(np.int64))
    return (
        lines.with_columns(category.gather(lines["sku_idx"]).alias("_category"))
        .group_by("order_key")
        .agg(pl.col("_category").unique().sort().alias("categories"))
    )


def _attributes(
    rng: np.random.Generator, orders: pl.DataFrame, plan: PromotionPlan
) -> pl.DataFrame:
    """Currency, local date, shipping speed, payment, notes and discount code."""
    n = orders.height
    idx = orders["country_idx"].to_numpy()
    web = orders["channel"].to_numpy() == 0
    code = plan.code[orders["day"].to_numpy()].astype(str)
    payment = np.array(PAYMENT_METHODS)[
        rng.choice(len(PAYMENT_METHODS), size=n, p=PAYMENT_SHARES)
    ]
    note = np.array(NOTES)[rng.choice(len(NOTES), size=n)]
    has_note = web & (rng.random(n) < NOTE_SHARE)
    marketplace = np.array([m.marketplace for m in MARKETS])[idx]
    return orders.with_columns(
        currency=pl.Series([MARKETS[i].currency for i in idx]),
        marketplace=_masked(marketplace, ~web),
        tax_included=pl.Series([MARKETS[i].tax_included for i in idx]),
        local_date=local_date("created_at", "country"),
        express=pl.Series(rng.random(n) < EXPRESS_SHARE),
        payment_method=_masked(payment, web),
        note=_masked(note, has_note),
        is_business=pl.Series(~web & (rng.random(n) < BUSINESS_SHARE)),
        discount_code=_masked(code, web & (code != "")),
    )


def _masked(values: np.ndarray, keep: np.ndarray) -> pl.Series:
    """String series of ``values`` with nulls where ``keep`` is false."""
    texts = pl.Series(values.astype(str))
    return pl.select(pl.when(pl.lit(pl.Series(keep))).then(pl.lit(texts))).to_series()


def _number(rng: np.random.Generator, orders: pl.DataFrame) -> pl.DataFrame:
    """Give orders their channel's identifiers in order of creation.

    Web orders get ``#1001``, ``#1002`` ... and an increasing 13-digit Shopify id;
    Amazon orders a ``3-7-7`` digit id whose prefix depends on the region.
    """
    ordered = orders.sort("created_at", "order_key")
    web = (ordered["channel"] == 0).to_numpy()
    n_web = int(web.sum())
    refs = np.empty(ordered.height, dtype=object)
    refs[web] = [f"#{1001 + i}" for i in range(n_web)]
    refs[~web] = _amazon_ids(rng, ordered.filter(~pl.Series(web))["country"].to_list())
    shopify_id = np.full(ordered.height, -1, dtype=np.int64)
    shopify_id[web] = SHOPIFY_FIRST_ID + np.cumsum(rng.integers(1_000, 60_000, n_web))
    return ordered.with_columns(
        order_ref=pl.Series(refs, dtype=pl.String),
        shopify_id=pl.Series(shopify_id),
    ).with_columns(shopify_id=pl.when(pl.col("shopify_id") >= 0).then("shopify_id"))


def _amazon_ids(rng: np.random.Generator, countries: list[str]) -> list[str]:
    """Unique ids such as ``302-1234567-7654321``.

    The last block is a bijection of the sequence number modulo 10**7, so ids never
    collide; the middle block is random.
    """
    n = len(countries)
    middle = rng.integers(0, 10_000_000, n)
    last = (np.arange(n) * 7_919 + 1_234_567) % 10_000_000
    picks = rng.integers(0, 1 << 30, n)
    ids = []
    for i, country in enumerate(countries):
        prefixes = AMAZON_ID_PREFIXES[_REGION.get(country, "EU")]
        ids.append(
            f"{prefixes[picks[i] % len(prefixes)]}-{middle[i]:07d}-{last[i]:07d}"
        )
    return ids
