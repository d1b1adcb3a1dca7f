"""Amazon orders as the seller-central "All Orders" flat file (tab-separated).

One row per order item. ``purchase-date`` and ``last-updated-date`` are UTC in
ISO 8601 with offset (``2024-03-05T14:07:33+00:00``). ``item-price`` is the line
total (quantity x unit price, VAT included where the marketplace shows it so).
Like the real report: cancelled items have quantity 0 and no currency or prices;
pending items keep their quantity but show no prices yet. Buyers are anonymous.
"""

from __future__ import annotations

import polars as pl

from tradepilot.simulate.pricing import money

AMAZON_COLUMNS: tuple[str, ...] = (
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date",
    "order-status", "fulfillment-channel", "sales-channel", "order-channel", "url",
    "ship-service-level", "product-name", "sku", "asin", "item-status", "quantity",
    "currency", "item-price", "item-tax", "shipping-price", "shipping-tax",
    "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount",
    "ship-promotion-discount", "ship-city", "ship-state", "ship-postal-code",
    "ship-country", "promotion-ids", "is-business-order", "purchase-order-number",
    "price-designation",
)  # fmt: skip
ALWAYS_FILLED = frozenset(AMAZON_COLUMNS) - {
    "currency", "item-price", "item-tax", "shipping-price", "shipping-tax",
    "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount",
    "ship-promotion-discount",
}  # fmt: skip
"""Columns filled on every row; the others (money) only on shipped items."""
UTC_FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"
_STATUS = {"shipped": "Shipped", "pending": "Pending", "cancelled": "Cancelled"}
_ITEM_STATUS = {"shipped": "Shipped", "pending": "Unshipped", "cancelled": "Cancelled"}
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def asin(index: int) -> str:
    """A unique, stable ASIN-like code for the SKU at catalogue position ``index``.

    Examples
    --------
    >>> asin(0), asin(1)
    ('B0017WDRQP', 'B002FSRJHE')
    """
    value = ((index + 1) * 2_654_435_761) % 36**8  # a bijection: odd, not 3k
    digits = []
    for _ in range(8):
        value, rest = divmod(value, 36)
        digits.append(_BASE36[rest])
    return "B0" + "".join(reversed(digits))


def amazon_all_orders(
    orders: pl.DataFrame, lines: pl.DataFrame, products: pl.DataFrame
) -> pl.DataFrame:
    """Build the All Orders report table (all columns as strings, nulls for empty).

    Parameters
    ----------
    orders, lines : polars.DataFrame
        ``SimulatedStore.orders`` and ``SimulatedStore.order_lines``.
    products : polars.DataFrame
        The catalogue (product names; ASINs follow catalogue order).

    Returns
    -------
    polars.DataFrame
        Columns :data:`AMAZON_COLUMNS`, oldest purchase first.
    """
    catalogue = products.select(
        "sku",
        "description",
        asin=pl.Series([asin(i) for i in range(products.height)]),
    )
    amazon = orders.filter(pl.col("channel") == "amazon")
    rows = (
        lines.join(amazon, on="order_key", how="inner")
        .join(catalogue, on="sku", how="left")
        .sort("created_at", "order_key", "line_no")
    )
    priced = pl.col("status") == "shipped"
    fields = _order_fields() | _item_fields()
    return rows.select(
        (
            fields[name]
            if name in ALWAYS_FILLED
            else pl.when(priced).then(fields[name])
        ).alias(name)
        for name in AMAZON_COLUMNS
    ).with_columns(pl.all().replace("", None))


def _order_fields() -> dict[str, pl.Expr]:
    """Order identity, dates, status, channel and address (one value per order)."""
    updated = pl.coalesce(
        "shipped_at", "cancelled_at", pl.col("created_at") + pl.duration(minutes=12)
    )
    business = pl.col("is_business")
    return {
        "amazon-order-id": pl.col("order_ref"),
        "merchant-order-id": pl.lit(None, dtype=pl.String),
        "purchase-date": pl.col("created_at").dt.strftime(UTC_FORMAT),
        "last-updated-date": updated.dt.strftime(UTC_FORMAT),
        "order-status": pl.col("status").replace_strict(_STATUS),
        "fulfillment-channel": pl.lit("Merchant"),
        "sales-channel": pl.col("marketplace"),
        "order-channel": pl.lit(None, dtype=pl.String),
        "url": pl.lit(None, dtype=pl.String),
        "ship-service-level": pl.when("express")
        .then(pl.lit("Expedited"))
        .otherwise(pl.lit("Standard")),
        "ship-city": pl.col("city"),
        "ship-state": pl.col("region"),
        "ship-postal-code": pl.col("postal_code"),
        "ship-country": pl.col("country"),
        "promotion-ids": pl.lit(None, dtype=pl.String),
        "is-business-order": pl.when(business)
        .then(pl.lit("true"))
        .otherwise(pl.lit("false")),
        "purchase-order-number": pl.when(business).then(
            pl.concat_str(pl.lit("PO-"), pl.col("order_ref").str.slice(12, 7))
        ),
        "price-designation": pl.when(business).then(pl.lit("BusinessPrice")),
    }


def _item_fields() -> dict[str, pl.Expr]:
    """Product, status, quantity and money of one order item."""
    first = pl.col("line_no") == 0
    zero = pl.lit(0, dtype=pl.Int64)
    return {
        "product-name": pl.col("description"),
        "sku": pl.col("sku"),
        "asin": pl.col("asin"),
        "item-status": pl.col("status").replace_strict(_ITEM_STATUS),
        "quantity": pl.when(pl.col("status") == "cancelled")
        .then(0)
        .otherwise("quantity")
        .cast(pl.String),
        "currency": pl.col("currency"),
        "item-price": money(pl.col("unit_price") * pl.col("quantity")),
        "item-tax": money(pl.col("line_tax")),
        "shipping-price": money(pl.when(first).then("shipping").otherwise(zero)),
        "shipping-tax": money(pl.when(first).then("shipping_tax").otherwise(zero)),
        "gift-wrap-price": money(zero),
        "gift-wrap-tax": money(zero),
        "item-promotion-discount": money(zero),
        "ship-promotion-discount": money(zero),
    }
