"""The web store's orders as a Shopify admin "Export orders" CSV.

One row per line item. Order-level fields are filled on the first line-item row
of each order only and empty on the others, as Shopify does; ``Name`` and the
line-item fields (``Lineitem *``, ``Vendor``) are on every row. Times are the
buyer's local time with its UTC offset (``2024-03-05 14:07:33 +0100``); money is
a plain decimal with 2 places (none for JPY). Rows are newest order first.
"""

from __future__ import annotations

import polars as pl

from tradepilot.simulate.orders import local_text
from tradepilot.simulate.pricing import money

SHOPIFY_COLUMNS: tuple[str, ...] = (
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status",
    "Fulfilled at", "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes",
    "Total", "Discount Code", "Discount Amount", "Shipping Method", "Created at",
    "Lineitem quantity", "Lineitem name", "Lineitem price",
    "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
    "Lineitem taxable", "Lineitem fulfillment status", "Billing Name",
    "Billing City", "Billing Zip", "Billing Country", "Shipping Name",
    "Shipping City", "Shipping Zip", "Shipping Country", "Notes", "Cancelled at",
    "Payment Method", "Refunded Amount", "Vendor", "Id", "Tags", "Source",
    "Lineitem discount",
)  # fmt: skip
LINE_LEVEL: frozenset[str] = frozenset(
    {"Name", "Lineitem quantity", "Lineitem name", "Lineitem price",
     "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
     "Lineitem taxable", "Lineitem fulfillment status", "Vendor",
     "Lineitem discount"}
)  # fmt: skip
"""Columns filled on every row; all others only on an order's first row."""
VENDOR = "TradePilot Demo"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S %z"


def shopify_orders(
    orders: pl.DataFrame, lines: pl.DataFrame, products: pl.DataFrame
) -> pl.DataFrame:
    """Build the Shopify export table (all columns as strings, nulls for empty).

    Parameters
    ----------
    orders, lines : polars.DataFrame
        ``SimulatedStore.orders`` and ``SimulatedStore.order_lines``.
    products : polars.DataFrame
        The catalogue (for line-item names).

    Returns
    -------
    polars.DataFrame
        Columns :data:`SHOPIFY_COLUMNS`, one row per line item.
    """
    web = orders.filter(pl.col("channel") == "web").with_columns(_tags())
    rows = (
        lines.join(web, on="order_key", how="inner")
        .join(products.select("sku", "description"), on="sku", how="left")
        .sort(["created_at", "order_key", "line_no"], descending=[True, True, False])
    )
    first = pl.col("line_no") == 0
    columns = _order_fields() | _line_fields()
    return rows.select(
        (expr if name in LINE_LEVEL else pl.when(first).then(expr)).alias(name)
        for name, expr in ((n, columns[n]) for n in SHOPIFY_COLUMNS)
    ).with_columns(pl.all().replace("", None))


def _tags() -> pl.Expr:
    """``returning`` for a customer's later orders, ``black-friday`` for BF codes."""
    returning = pl.col("customer_id").is_not_null() & (
        pl.int_range(pl.len()).over("customer_id", order_by=["created_at", "order_key"])
        > 0
    )
    black_friday = pl.col("discount_code").fill_null("").str.starts_with("BLACKFRIDAY")
    return (
        pl.concat_list(
            pl.when(black_friday).then(pl.lit("black-friday")),
            pl.when(returning).then(pl.lit("returning")),
        )
        .list.drop_nulls()
        .list.join(", ")
        .alias("tags")
    )


def _local(instant: str) -> pl.Expr:
    return local_text(instant, "country", TIME_FORMAT)


def _order_fields() -> dict[str, pl.Expr]:
    shipped = pl.col("status") == "shipped"
    name = pl.concat_str("first_name", pl.lit(" "), "last_name")
    return {
        "Email": pl.col("email"),
        "Financial Status": pl.col("financial_status"),
        "Paid at": _local("paid_at"),
        "Fulfillment Status": pl.when(shipped)
        .then(pl.lit("fulfilled"))
        .otherwise(pl.lit("unfulfilled")),
        "Fulfilled at": _local("shipped_at"),
        "Accepts Marketing": pl.when("accepts_marketing")
        .then(pl.lit("yes"))
        .otherwise(pl.lit("no")),
        "Currency": pl.col("currency"),
        "Subtotal": money("subtotal"),
        "Shipping": money("shipping"),
        "Taxes": money("taxes"),
        "Total": money("total"),
        "Discount Code": pl.col("discount_code"),
        "Discount Amount": money("discount"),
        "Shipping Method": pl.when("express")
        .then(pl.lit("Express"))
        .otherwise(pl.lit("Standard")),
        "Created at": _local("created_at"),
        "Billing Name": name,
        "Billing City": pl.col("city"),
        "Billing Zip": pl.col("postal_code"),
        "Billing Country": pl.col("country"),
        "Shipping Name": name,
        "Shipping City": pl.col("city"),
        "Shipping Zip": pl.col("postal_code"),
        "Shipping Country": pl.col("country"),
        "Notes": pl.col("note"),
        "Cancelled at": _local("cancelled_at"),
        "Payment Method": pl.col("payment_method"),
        "Refunded Amount": money("refunded"),
        "Id": pl.col("shopify_id").cast(pl.String),
        "Tags": pl.col("tags"),
        "Source": pl.lit("web"),
    }


def _line_fields() -> dict[str, pl.Expr]:
    shipped = pl.col("status") == "shipped"
    return {
        "Name": pl.col("order_ref"),
        "Lineitem quantity": pl.col("quantity").cast(pl.String),
        "Lineitem name": pl.col("description"),
        "Lineitem price": money("unit_price"),
        "Lineitem compare at price": money("compare_at_price"),
        "Lineitem sku": pl.col("sku"),
        "Lineitem requires shipping": pl.lit("true"),
        "Lineitem taxable": pl.lit("true"),
        "Lineitem fulfillment status": pl.when(shipped)
        .then(pl.lit("fulfilled"))
        .otherwise(pl.lit("pending")),
        "Vendor": pl.lit(VENDOR),
        "Lineitem discount": money("line_discount"),
    }


CUSTOMER_COLUMNS: tuple[str, ...] = (
    "Customer ID", "First Name", "Last Name", "Email", "Accepts Email Marketing",
    "Default Address City", "Default Address Zip", "Default Address Country Code",
    "Total Orders",
)  # fmt: skip


def shopify_customers(customers: pl.DataFrame, orders: pl.DataFrame) -> pl.DataFrame:
    """The Shopify admin "Export customers" CSV of the customers who ordered.

    Parameters
    ----------
    customers : polars.DataFrame
        ``SimulatedStore.customers``.
    orders : polars.DataFrame
        ``SimulatedStore.orders`` (for the order counts).

    Returns
    -------
    polars.DataFrame
        Columns :data:`CUSTOMER_COLUMNS` as strings, one row per customer with an
        order, in customer id order.
    """
    counts = (
        orders.filter(pl.col("customer_id").is_not_null())
        .group_by("customer_id")
        .len("orders")
    )
    return (
        customers.join(counts, on="customer_id", how="inner")
        .sort("customer_id")
        .select(
            (pl.lit(SHOPIFY_CUSTOMER_FIRST_ID) + pl.col("customer_id"))
            .cast(pl.String)
            .alias("Customer ID"),
            pl.col("first_name").alias("First Name"),
            pl.col("last_name").alias("Last Name"),
            pl.col("email").alias("Email"),
            pl.when("accepts_marketing")
            .then(pl.lit("yes"))
            .otherwise(pl.lit("no"))
            .alias("Accepts Email Marketing"),
            pl.col("city").alias("Default Address City"),
            pl.col("postal_code").alias("Default Address Zip"),
            pl.col("country").alias("Default Address Country Code"),
            pl.col("orders").cast(pl.String).alias("Total Orders"),
        )
    )


SHOPIFY_CUSTOMER_FIRST_ID = 7_300_000_000_000
