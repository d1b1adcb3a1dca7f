"""UCI Online Retail and Online Retail II.

Headers of both editions are accepted (``InvoiceNo``/``Invoice``,
``UnitPrice``/``Price``, ``CustomerID``/``Customer ID``). Customer ids written as floats
(``17850.0``) become ``17850``. Invoice numbers starting with ``C`` are cancellations,
with ``A`` bad-debt adjustments. Dates are UK local time, either ISO
(``2010-12-01 08:26:00``) or the original workbook's US order (``12/1/2010 8:26``).
Prices are GBP unless another currency is given.

Rows the data itself marks as non-sales are quarantined with a reason: a zero price
with no customer on a non-cancellation invoice is a stock adjustment or write-off
(``damaged``, ``?``), not a sale.
"""

from __future__ import annotations

import polars as pl

from tradepilot.domain.orders import OrderKind
from tradepilot.ingest import parse
from tradepilot.ingest.adapters.order_fields import country_codes
from tradepilot.ingest.files import ROW, RawTable, require_columns
from tradepilot.ingest.import_format import ImportContext, ImportFormat, order_loader
from tradepilot.ingest.orders import ORDER_LINE_SCHEMA
from tradepilot.ingest.parse import REASON

FORMAT = "online-retail"
COLUMNS = {
    "order_number": ["InvoiceNo", "Invoice"],
    "sku": ["StockCode"],
    "description": ["Description"],
    "quantity": ["Quantity"],
    "ordered_at": ["InvoiceDate"],
    "unit_price": ["UnitPrice", "Price"],
    "customer_ref": ["CustomerID", "Customer ID"],
    "country": ["Country"],
}
DATE_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
]


def to_order_lines(
    table: RawTable, *, currency: str = "GBP", channel: str = FORMAT
) -> pl.DataFrame:
    """Canonical order lines of an Online Retail file.

    Parameters
    ----------
    table : RawTable
        The file as read by :func:`~tradepilot.ingest.files.read_table`.
    currency : str
        Currency of the prices (the UCI data is GBP).
    channel : str
        Channel name recorded on the orders.
    """
    col = require_columns(table, COLUMNS, what="an Online Retail export")
    invoice = parse.text(col["order_number"]).str.to_uppercase()
    cells = parse.select_distinct(
        table.frame,
        [
            invoice.alias("order_number"),
            parse.timestamp(col["ordered_at"], DATE_FORMATS, tz="Europe/London").alias(
                "ordered_at"
            ),
            pl.when(invoice.str.starts_with("C"))
            .then(pl.lit(OrderKind.CANCELLATION.value))
            .when(invoice.str.starts_with("A"))
            .then(pl.lit(OrderKind.ADJUSTMENT.value))
            .otherwise(pl.lit(OrderKind.SALE.value))
            .alias("order_kind"),
            pl.lit(channel).alias("channel"),
            parse.text(col["customer_ref"])
            .str.replace(r"\.0+$", "")
            .alias("customer_ref"),
            parse.text(col["country"]).alias("country_text"),
            pl.lit(currency).alias("currency"),
            parse.text(col["sku"]).alias("sku"),
            parse.text(col["description"]).alias("description"),
            parse.integer(col["quantity"]).alias("quantity"),
            parse.decimal_text(col["unit_price"]).alias("unit_price"),
        ],
    )
    frame = cells.with_columns(table.frame[ROW])
    frame = frame.with_columns(country_codes(frame["country_text"]).alias("country"))
    return frame.with_columns(_reasons(frame)).select(list(ORDER_LINE_SCHEMA))


def _reasons(frame: pl.DataFrame) -> pl.Expr:
    kind, qty = pl.col("order_kind"), pl.col("quantity")
    zero_price = pl.col("unit_price") == "0"
    return parse.first_reason(
        [
            parse.reason(
                (kind == OrderKind.CANCELLATION.value) & (qty > 0),
                "cancellation invoice (C...) with a positive quantity",
            ),
            parse.reason(
                (kind != OrderKind.CANCELLATION.value)
                & zero_price
                & pl.col("customer_ref").is_null(),
                "zero price and no customer: a stock adjustment or write-off, not a sale",
            ),
        ]
    ).alias(REASON)


def _build(table: RawTable, ctx: ImportContext) -> pl.DataFrame:
    return to_order_lines(
        table, currency=ctx.currency or "GBP", channel=ctx.channel or FORMAT
    )


IMPORT_FORMAT = ImportFormat(
    FORMAT,
    "UCI Online Retail / Online Retail II (CSV or XLSX)",
    order_loader(FORMAT, _build),
    orders=True,
)
