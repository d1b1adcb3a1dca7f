"""Shopify admin "Export orders" CSV.

One row per line item; the order-level columns (``Email``, ``Created at``,
``Currency``, ``Shipping``, ``Discount Amount``, ``Refunded Amount``,
``Cancelled at``, the addresses, ...) are filled on the first row of an order only,
so they are carried to the order's other rows by ``Name`` (never across orders).
Money is read as exact decimal text; an amount with more decimals than its currency
has (a JPY price of ``1500.5``) is quarantined.

What becomes which line
-----------------------
* Each row is a product line: ``Lineitem sku``, ``Lineitem quantity`` and the unit
  price ``Lineitem price`` (before discounts). A custom item without a SKU (common on
  Shopify) uses its ``Lineitem name`` as SKU, so its revenue is kept and its sales
  group by name; give it a SKU in Shopify to forecast it as a product.
* ``Shipping`` > 0 adds a ``SHIPPING`` line (quantity 1). ``Discount Amount`` > 0 adds
  a ``DISCOUNT`` line (quantity -1, positive price; the whole order's discount, so
  ``Lineitem discount`` is not used on top). ``Refunded Amount`` > 0 adds a
  ``REFUND`` line (quantity -1) to the sale: the export gives the refunded total but
  not which lines or when, so it is dated with the order and includes any refunded
  tax. These lines carry the ``_row`` of the order's first row: the loader counts rows,
  not lines, so they do not change the row accounting.
* A cancelled order (``Cancelled at`` set) stays a sale, and a second order
  ``<Name>/cancel`` of kind ``cancellation``, dated ``Cancelled at``, reverses each of
  its product, shipping and discount lines (negated quantities, same prices, same
  ``_row``): demand and revenue of the pair net to zero, the cancellation is counted
  as one, and an order first imported while open gets its reversal when a later
  export shows it cancelled. Whatever a cancelled order refunded is that reversal, so
  no ``REFUND`` line is added for it.

Customers are the lower-cased ``Email`` (empty: guest checkout); the country is
``Shipping Country``, else ``Billing Country``. Taxes are not stored.

Known limit: ``Refunded Amount`` is cumulative, and a line is identified by its
price, so an order whose refund grows between two exports (10.00, later 25.00)
gains a second ``REFUND`` line (35.00 in all). Import overlapping exports only
after refunds have settled, or from one full export.
"""

from __future__ import annotations

import polars as pl

from tradepilot.domain.money import minor_unit
from tradepilot.domain.orders import OrderKind
from tradepilot.ingest import parse
from tradepilot.ingest.adapters.order_fields import country_codes, currency_codes
from tradepilot.ingest.files import ROW, RawTable, optional_columns, require_columns
from tradepilot.ingest.import_format import ImportContext, ImportFormat, order_loader
from tradepilot.ingest.orders import ORDER_LINE_SCHEMA
from tradepilot.ingest.parse import REASON

FORMAT = "shopify"
CANCELLED_SUFFIX = "/cancel"
COLUMNS = {
    "order_number": ["Name"],
    "email": ["Email"],
    "created_at": ["Created at"],
    "cancelled_at": ["Cancelled at"],
    "currency": ["Currency"],
    "shipping": ["Shipping"],
    "discount": ["Discount Amount"],
    "refunded": ["Refunded Amount"],
    "shipping_country": ["Shipping Country"],
    "billing_country": ["Billing Country"],
    "quantity": ["Lineitem quantity"],
    "name": ["Lineitem name"],
    "price": ["Lineitem price"],
    "sku": ["Lineitem sku"],
}
OPTIONAL_COLUMNS = {
    "discount_code": "Discount Code",
    "shipping_method": "Shipping Method",
}
ORDER_FIELDS = [
    "email",
    "created_at",
    "cancelled_at",
    "currency",
    "shipping",
    "discount",
    "refunded",
    "shipping_country",
    "billing_country",
    *OPTIONAL_COLUMNS,
]
AMOUNTS = ["shipping", "discount", "refunded"]
DATE_FORMATS = ["%Y-%m-%d %H:%M:%S %z", "%Y-%m-%dT%H:%M:%S%z"]
DATE_EXAMPLE = "2024-03-05 14:07:33 +0100"
_LINE_FIELDS = [c for c in ORDER_LINE_SCHEMA if c != "channel"] + ["_cancelled_at"]


def to_order_lines(
    table: RawTable, *, currency: str | None = None, channel: str = FORMAT
) -> pl.DataFrame:
    """Canonical order lines of a Shopify orders export (see the module docstring).

    Parameters
    ----------
    table : RawTable
        The file as read by :func:`~tradepilot.ingest.files.read_table`.
    currency : str, optional
        Currency of orders whose ``Currency`` cell is empty.
    channel : str
        Channel name recorded on the orders.

    Raises
    ------
    ImportFormatError
        If a required Shopify column is missing (naming it, listing those found).
    """
    col = require_columns(table, COLUMNS, what="a Shopify orders export")
    rows = _order_rows(table, col, currency)
    rows = rows.with_columns(_reasons(col).alias(REASON))
    sales = pl.concat([_item_lines(rows), *_order_lines(rows)])
    lines = pl.concat([sales, _cancellations(sales)])
    lines = lines.with_columns(pl.lit(channel).alias("channel"))
    return lines.select(list(ORDER_LINE_SCHEMA))


def _order_rows(
    table: RawTable, col: dict[str, str], currency: str | None
) -> pl.DataFrame:
    """One row per source row; order-level cells carried through the order."""
    present = optional_columns(table, OPTIONAL_COLUMNS.values())
    optional = {field: present.get(name) for field, name in OPTIONAL_COLUMNS.items()}
    cells = table.frame.select(
        ROW,
        *[parse.text(name).alias(field) for field, name in col.items()],
        *[
            (parse.text(name) if name else pl.lit(None, dtype=pl.String)).alias(field)
            for field, name in optional.items()
        ],
    )
    name = pl.col("order_number")
    cells = cells.with_columns(
        pl.when(name.is_not_null())
        .then(pl.col(field).drop_nulls().first().over(name))
        .otherwise(pl.col(field))
        for field in ORDER_FIELDS
    )
    rows = cells.with_columns(
        parse.timestamp("created_at", DATE_FORMATS, tz="UTC").alias("ordered_at"),
        parse.timestamp("cancelled_at", DATE_FORMATS, tz="UTC").alias("_cancelled_at"),
        pl.col("email").str.to_lowercase().alias("customer_ref"),
        pl.coalesce("shipping_country", "billing_country").alias("country_text"),
        currency_codes(pl.coalesce("currency", pl.lit(currency))).alias("currency"),
        parse.integer("quantity").alias("quantity"),
        parse.decimal_text("price").alias("unit_price"),
        *[parse.decimal_text(a).alias(f"_{a}") for a in AMOUNTS],
    ).with_columns(pl.col("_discount").str.strip_prefix("-"))
    return rows.with_columns(
        country_codes(rows["country_text"]).alias("country"),
        _minor_units(rows["currency"]).alias("_minor"),
    )


def _minor_units(currencies: pl.Series) -> pl.Series:
    """Decimals of each row's currency (2 where the currency is unknown)."""
    codes = currencies.drop_nulls().unique().to_list()
    return currencies.replace_strict(
        {code: minor_unit(code) for code in codes}, default=2, return_dtype=pl.Int64
    )


def _too_precise(amount: str) -> pl.Expr:
    decimals = pl.col(amount).str.extract(r"\.(\d+)$").str.len_chars()
    return decimals.fill_null(0) > pl.col("_minor")


def _reasons(col: dict[str, str]) -> pl.Expr:
    """The first problem of each row; an order-level one hits all rows of the order."""
    order_level = [
        parse.reason(
            pl.col("ordered_at").is_null(),
            f"{col['created_at']} is missing or not a time like {DATE_EXAMPLE}",
        ),
        parse.reason(
            pl.col("cancelled_at").is_not_null() & pl.col("_cancelled_at").is_null(),
            f"{col['cancelled_at']} is not a time like {DATE_EXAMPLE}",
        ),
    ]
    for amount in AMOUNTS:
        order_level += [
            parse.reason(
                pl.col(amount).is_not_null() & pl.col(f"_{amount}").is_null(),
                f"{col[amount]} is not a number like 4.90",
            ),
            parse.reason(
                _too_precise(f"_{amount}"),
                f"{col[amount]} has more decimals than its currency allows",
            ),
        ]
    line_level = [
        parse.reason(
            pl.col("quantity").is_null() | (pl.col("quantity") <= 0),
            f"{col['quantity']} is missing or not a positive whole number",
        ),
        parse.reason(
            pl.col("unit_price").is_null(),
            f"{col['price']} is missing or not a number like 12.50",
        ),
        parse.reason(
            _too_precise("unit_price"),
            f"{col['price']} has more decimals than its currency allows",
        ),
    ]
    return parse.first_reason([*order_level, *line_level])


def _item_lines(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.with_columns(
        pl.lit(OrderKind.SALE.value).alias("order_kind"),
        pl.coalesce("sku", pl.col("name").str.replace_all(r"\s+", " ")).alias("sku"),
        pl.col("name").alias("description"),
    ).select(_LINE_FIELDS)


def _order_lines(rows: pl.DataFrame) -> list[pl.DataFrame]:
    """SHIPPING, DISCOUNT and REFUND lines, on the row of each order's first line."""
    heads = rows.filter(pl.col("order_number").is_not_null())
    heads = heads.group_by("order_number", maintain_order=True).first()
    not_cancelled = pl.col("cancelled_at").is_null()
    code = pl.col("discount_code")
    specs = [
        ("SHIPPING", "_shipping", 1, pl.lit(True), pl.col("shipping_method")),
        ("DISCOUNT", "_discount", -1, pl.lit(True), pl.format("Discount {}", code)),
        ("REFUND", "_refunded", -1, not_cancelled, pl.lit("Refund")),
    ]
    return [
        heads.filter(pl.col(amount).cast(pl.Float64, strict=False) > 0, when)
        .with_columns(
            pl.lit(sku).alias("sku"),
            pl.lit(quantity, dtype=pl.Int64).alias("quantity"),
            pl.col(amount).alias("unit_price"),
            pl.coalesce(description, pl.lit(sku.title())).alias("description"),
            pl.lit(OrderKind.SALE.value).alias("order_kind"),
        )
        .select(_LINE_FIELDS)
        for sku, amount, quantity, when, description in specs
    ]


def _cancellations(sales: pl.DataFrame) -> pl.DataFrame:
    """The ``<Name>/cancel`` order reversing each line of a cancelled order."""
    cancelled = sales.filter(pl.col("_cancelled_at").is_not_null())
    return cancelled.with_columns(
        (pl.col("order_number") + CANCELLED_SUFFIX).alias("order_number"),
        pl.col("_cancelled_at").alias("ordered_at"),
        pl.lit(OrderKind.CANCELLATION.value).alias("order_kind"),
        -pl.col("quantity"),
    ).select(sales.columns)


def _build(table: RawTable, ctx: ImportContext) -> pl.DataFrame:
    return to_order_lines(table, currency=ctx.currency, channel=ctx.channel or FORMAT)


IMPORT_FORMAT = ImportFormat(
    FORMAT,
    "Shopify admin orders export (CSV)",
    order_loader(FORMAT, _build),
    orders=True,
)
