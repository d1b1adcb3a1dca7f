"""Amazon Seller Central "All Orders" flat-file order report (tab-separated).

One row per order item. ``item-price`` is the line total (quantity x unit price); the
unit price is that total divided by ``quantity`` exactly (see
:func:`~tradepilot.ingest.adapters.order_fields.exact_unit_prices`). ``purchase-date`` is
ISO 8601 with an offset. The channel is ``sales-channel`` lower-cased
(``amazon.de``); the report names no buyer, so every order is a guest order.

What becomes which line
-----------------------
* Each row is a product line (``sku``, ``product-name``). ``shipping-price`` > 0 adds
  a ``SHIPPING`` line (quantity 1); ``item-promotion-discount`` and
  ``ship-promotion-discount`` (negative in the report) each add a ``DISCOUNT`` line
  (quantity -1, positive price). They carry the row's ``_row``, so the row accounting
  counts the row once. Gift wrap and taxes are not stored.
* ``order-status`` ``Cancelled``: Amazon reports quantity 0 and no price. The order is
  kept as an order of kind ``cancellation`` with quantity 0 and price 0: no demand, no
  revenue, but counted as a cancellation.
* An item cancelled from an order that is not cancelled (quantity 0) goes to an order
  ``<amazon-order-id>/cancel`` of kind ``cancellation``, quantity 0, price 0, so that
  the order itself keeps one kind.
* ``Pending`` orders are sales when the report shows their price (most ship); a
  pending row without ``item-price`` (Amazon shows it once payment clears) is
  quarantined, to be imported from a later report. A pending order stored as a sale
  and cancelled later stays a sale: the later report only shows quantity 0, with
  nothing to reverse.
* ``sales-channel`` ``Non-Amazon`` rows are multi-channel fulfilment orders of another
  channel (your web shop's orders shipped by FBA): they are quarantined so they are
  not counted twice; import them from that channel.

An empty ``currency`` (Amazon leaves it empty on cancelled orders) is taken from the
order's other rows, then ``--currency``, then the marketplace's currency; an empty
``ship-country`` is ``ZZ`` (unspecified).
"""

from __future__ import annotations

import polars as pl

from tradepilot.domain.orders import OrderKind
from tradepilot.ingest import parse
from tradepilot.ingest.adapters.order_fields import (
    country_codes,
    currency_codes,
    exact_unit_prices,
)
from tradepilot.ingest.files import ROW, RawTable, require_columns
from tradepilot.ingest.import_format import ImportContext, ImportFormat, order_loader
from tradepilot.ingest.orders import ORDER_LINE_SCHEMA
from tradepilot.ingest.parse import REASON

FORMAT = "amazon"
CANCELLED_SUFFIX = "/cancel"
NON_AMAZON = "non-amazon"
COLUMNS = {
    "order_number": ["amazon-order-id"],
    "purchase_date": ["purchase-date"],
    "order_status": ["order-status"],
    "sales_channel": ["sales-channel"],
    "description": ["product-name"],
    "sku": ["sku"],
    "quantity": ["quantity"],
    "currency": ["currency"],
    "item_price": ["item-price"],
    "shipping_price": ["shipping-price"],
    "item_promotion": ["item-promotion-discount"],
    "ship_promotion": ["ship-promotion-discount"],
    "country": ["ship-country"],
}
# Currency of each marketplace, for rows whose currency cell is empty.
MARKETPLACE_CURRENCIES = {
    "amazon.com": "USD",
    "amazon.ca": "CAD",
    "amazon.com.mx": "MXN",
    "amazon.com.br": "BRL",
    "amazon.co.uk": "GBP",
    "amazon.de": "EUR",
    "amazon.fr": "EUR",
    "amazon.it": "EUR",
    "amazon.es": "EUR",
    "amazon.nl": "EUR",
    "amazon.com.be": "EUR",
    "amazon.ie": "EUR",
    "amazon.se": "SEK",
    "amazon.pl": "PLN",
    "amazon.com.tr": "TRY",
    "amazon.ae": "AED",
    "amazon.sa": "SAR",
    "amazon.eg": "EGP",
    "amazon.in": "INR",
    "amazon.co.jp": "JPY",
    "amazon.sg": "SGD",
    "amazon.com.au": "AUD",
}
DATE_FORMATS = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%.f%z"]
DATE_EXAMPLE = "2024-03-05T14:07:33+00:00"
# Money columns other than item-price: (column, SKU, quantity, description).
EXTRAS = [
    ("shipping_price", "SHIPPING", 1, "Shipping"),
    ("item_promotion", "DISCOUNT", -1, "Item promotion"),
    ("ship_promotion", "DISCOUNT", -1, "Shipping promotion"),
]
_LINE_FIELDS = list(ORDER_LINE_SCHEMA)


def to_order_lines(
    table: RawTable, *, currency: str | None = None, channel: str | None = None
) -> pl.DataFrame:
    """Canonical order lines of an All Orders report (see the module docstring).

    Parameters
    ----------
    table : RawTable
        The file as read by :func:`~tradepilot.ingest.files.read_table`.
    currency : str, optional
        Currency of rows whose ``currency`` cell is empty (before the marketplace's).
    channel : str, optional
        Channel name to record instead of ``sales-channel``.

    Raises
    ------
    ImportFormatError
        If a required column of the report is missing (naming it, listing those found).
    """
    col = require_columns(table, COLUMNS, what="an Amazon All Orders report")
    rows = _rows(table, col, currency, channel)
    rows = rows.with_columns(_reasons(col).alias(REASON))
    products = exact_unit_prices(rows, total="_total").select(_LINE_FIELDS)
    return pl.concat([products, *_extra_lines(rows)])


def _rows(
    table: RawTable, col: dict[str, str], currency: str | None, channel: str | None
) -> pl.DataFrame:
    """One row per source row: parsed cells, order kind and number, line total."""
    cells = table.frame.select(
        ROW, *[parse.text(name).alias(field) for field, name in col.items()]
    )
    status = pl.col("order_status").str.to_lowercase()
    marketplace = pl.col("sales_channel").str.to_lowercase()
    quantity = parse.integer("quantity")
    cancelled = status == "cancelled"
    dropped_item = ~cancelled & (quantity == 0)
    rows = cells.with_columns(
        cancelled.alias("_cancelled"),
        (status.str.starts_with("pending")).alias("_pending"),
        (cancelled | dropped_item).alias("_no_sale"),
        pl.col("purchase_date").str.replace(r"Z$", "+00:00").alias("purchase_date"),
        pl.coalesce(pl.lit(channel), marketplace, pl.lit(FORMAT)).alias("channel"),
        _currency(currency, marketplace).alias("currency"),
        pl.when(dropped_item)
        .then(pl.col("order_number") + CANCELLED_SUFFIX)
        .otherwise("order_number")
        .alias("order_number"),
        pl.col("country").alias("country_text"),
        *[parse.decimal_text(c).alias(f"_{c}") for c, *_ in EXTRAS],
        parse.decimal_text("item_price").alias("_item_price"),
        quantity.alias("_quantity"),
    )
    return rows.with_columns(
        parse.timestamp("purchase_date", DATE_FORMATS, tz="UTC").alias("ordered_at"),
        pl.when(pl.col("_no_sale"))
        .then(pl.lit(OrderKind.CANCELLATION.value))
        .otherwise(pl.lit(OrderKind.SALE.value))
        .alias("order_kind"),
        pl.lit(None, dtype=pl.String).alias("customer_ref"),
        country_codes(rows["country_text"]).alias("country"),
        pl.when(pl.col("_no_sale")).then(0).otherwise("_quantity").alias("quantity"),
        pl.when(pl.col("_no_sale"))
        .then(pl.lit("0"))
        .otherwise("_item_price")
        .alias("_total"),
    )


def _currency(override: str | None, marketplace: pl.Expr) -> pl.Expr:
    """The row's currency, else the order's, else the override, else the market's."""
    written = currency_codes(pl.col("currency"))
    return pl.coalesce(
        written,
        written.drop_nulls().first().over("order_number"),
        pl.lit(override, dtype=pl.String),
        marketplace.replace_strict(
            MARKETPLACE_CURRENCIES, default=None, return_dtype=pl.String
        ),
    )


def _reasons(col: dict[str, str]) -> pl.Expr:
    live = ~pl.col("_no_sale")
    checks = [
        parse.reason(
            pl.col("sales_channel").str.to_lowercase() == NON_AMAZON,
            f"{col['sales_channel']} is Non-Amazon: a multi-channel fulfilment order"
            " of another channel; import it from that channel's export",
        ),
        parse.reason(
            pl.col("ordered_at").is_null(),
            f"{col['purchase_date']} is missing or not a time like {DATE_EXAMPLE}",
        ),
        parse.reason(
            pl.col("_quantity").is_null() | (pl.col("_quantity") < 0),
            f"{col['quantity']} is missing or not a whole number >= 0",
        ),
        parse.reason(
            live & pl.col("_pending") & pl.col("item_price").is_null(),
            f"{col['order_status']} is Pending and {col['item_price']} is empty:"
            " import a later report once Amazon shows the price",
        ),
        parse.reason(
            live & pl.col("_item_price").is_null(),
            f"{col['item_price']} is missing or not a number like 24.99",
        ),
    ]
    checks += [
        parse.reason(
            live & pl.col(field).is_not_null() & pl.col(f"_{field}").is_null(),
            f"{col[field]} is not a number like 4.99",
        )
        for field, *_ in EXTRAS
    ]
    return parse.first_reason(checks)


def _extra_lines(rows: pl.DataFrame) -> list[pl.DataFrame]:
    """SHIPPING and DISCOUNT lines of each live row, on that row."""
    lines = []
    for field, sku, quantity, description in EXTRAS:
        amount = pl.col(f"_{field}").str.strip_prefix("-")
        lines.append(
            rows.filter(~pl.col("_no_sale"), amount.cast(pl.Float64, strict=False) > 0)
            .with_columns(
                pl.lit(sku).alias("sku"),
                pl.lit(description).alias("description"),
                pl.lit(quantity, dtype=pl.Int64).alias("quantity"),
                amount.alias("unit_price"),
            )
            .select(_LINE_FIELDS)
        )
    return lines


def _build(table: RawTable, ctx: ImportContext) -> pl.DataFrame:
    return to_order_lines(table, currency=ctx.currency, channel=ctx.channel)


IMPORT_FORMAT = ImportFormat(
    FORMAT,
    "Amazon Seller Central All Orders report (tab-separated)",
    order_loader(FORMAT, _build),
    separator="\t",
    orders=True,
)
