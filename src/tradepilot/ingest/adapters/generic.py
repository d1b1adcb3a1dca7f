"""Any order file (CSV, TSV, XLSX) described by a YAML column mapping.

The mapping (``tradepilot import generic FILE --mapping MAP.yaml``; its keys are in
:mod:`~tradepilot.ingest.adapters.generic_mapping` and documented with an example in
``docs/import-mapping.md``) names the file's column for each canonical field and
states the file's conventions: date formats and time zone, decimal comma, default
currency and country, extra country names, how the file writes order kinds, and its
field separator. The mapping is validated first; a mistake raises
:class:`~tradepilot.domain.errors.ImportFormatError` naming the key, and a file
without a mapped column raises one naming the column and listing those found.

Conventions
-----------
* One row is one order line (a row whose total does not divide exactly by its
  quantity becomes two lines of the same row, see
  :func:`~tradepilot.ingest.adapters.order_fields.exact_unit_prices`).
* ``cancellation`` and ``return`` rows are stored with a negative quantity and a
  positive price whatever signs the file uses; ``sale`` rows keep their signs, so a
  negative price on a sale is quarantined.
* An order has one kind: a row whose kind differs from its order's first row is
  quarantined.
* A mapping's ``separator`` is the one the file is read with; without it the
  separator is sniffed from the header (see :func:`load`).
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection

from tradepilot.domain.countries import resolve_country
from tradepilot.domain.errors import ImportFormatError
from tradepilot.domain.orders import OrderKind
from tradepilot.ingest import parse
from tradepilot.ingest.adapters.generic_mapping import OrderMapping, load_mapping
from tradepilot.ingest.adapters.order_fields import (
    country_codes,
    currency_codes,
    exact_unit_prices,
)
from tradepilot.ingest.files import ROW, RawTable, read_table, require_columns
from tradepilot.ingest.import_format import ImportContext, ImportFormat, order_loader
from tradepilot.ingest.orders import ORDER_LINE_SCHEMA
from tradepilot.ingest.parse import REASON

FORMAT = "generic"
# How a date cell of a workbook reads as text, whatever the mapping's date_format.
SPREADSHEET_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S%.f")
_NEGATED_KINDS = [OrderKind.CANCELLATION.value, OrderKind.RETURN.value]


def to_order_lines(
    table: RawTable,
    mapping: OrderMapping,
    *,
    currency: str | None = None,
    channel: str | None = None,
    mapping_name: str = "the mapping",
) -> pl.DataFrame:
    """Canonical order lines of a file described by ``mapping``.

    Parameters
    ----------
    table : RawTable
        The file as read by :func:`~tradepilot.ingest.files.read_table`.
    mapping : OrderMapping
        The validated mapping.
    currency, channel : str, optional
        Overrides (``--currency``, ``--channel``) of the mapping's defaults.
    mapping_name : str
        Mapping file name, for messages.

    Raises
    ------
    ImportFormatError
        If a mapped column is missing, or no currency is known.
    """
    columns = mapping.columns.model_dump(exclude_none=True)
    _check_separator(table, mapping, set(columns.values()))
    found = require_columns(
        table,
        {field: [name] for field, name in columns.items()},
        what=f"the file {mapping_name} describes",
    )
    cells = table.frame.select(
        ROW, *[pl.col(name).alias(f"_{field}") for field, name in found.items()]
    )
    spreadsheet = table.encoding == "xlsx"
    cells = _numbers(cells, mapping, spreadsheet=spreadsheet)
    lines = _parse(cells, mapping, _currency(mapping, currency), spreadsheet)
    lines = lines.with_columns(_row_reasons(mapping, found).alias(REASON))
    if _price_field(mapping) == "line_total":
        lines = exact_unit_prices(lines, total="line_total")
    lines = _sign_by_kind(lines).with_columns(
        pl.lit(channel or mapping.channel or mapping.source).alias("channel"),
        _country_codes(lines["country_text"], mapping).alias("country"),
    )
    return lines.select(list(ORDER_LINE_SCHEMA))


def _country_codes(texts: pl.Series, mapping: OrderMapping) -> pl.Series:
    """ISO codes of the country cells; the mapping's aliases win over built-ins."""
    if not mapping.country_aliases:
        return country_codes(texts)
    codes: dict[str | None, str | None] = {}
    for value in texts.unique().to_list():
        country = resolve_country(value, aliases=mapping.country_aliases)
        codes[value] = country.code if country else None
    return texts.replace_strict(codes, return_dtype=pl.String)


def _check_separator(table: RawTable, mapping: OrderMapping, names: set[str]) -> None:
    """Refuse a file whose sniffed separator is not the mapping's ``separator``."""
    sep = mapping.separator
    if sep is None or names <= set(table.columns):
        return
    if any(sep in column for column in table.columns):
        raise ImportFormatError(
            f"{table.name}: the mapping says the separator is {sep!r} but the header"
            f" was split differently; found: {', '.join(table.columns[:10])}"
        )


def _currency(mapping: OrderMapping, override: str | None) -> str | None:
    default = override or mapping.currency
    if mapping.columns.currency is None and default is None:
        raise ImportFormatError(
            "no currency: map columns.currency, set currency: in the mapping,"
            " or pass --currency"
        )
    return default


def _numbers(
    cells: pl.DataFrame, mapping: OrderMapping, *, spreadsheet: bool
) -> pl.DataFrame:
    """Rewrite ``1.234,56`` as ``1234.56`` when the mapping says ``decimal_comma``.

    Anything else (``12.50``, ``1,234.56``) becomes null: in a decimal-comma file a
    dot is a thousands separator, so reading it as a decimal point would be a guess.
    In a workbook, number cells read as ``1234.56`` whatever the locale, so only cells
    holding a comma (numbers typed as text) are rewritten.
    """
    if not mapping.decimal_comma:
        return cells
    grouped = r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$"
    names = [c for c in ("_quantity", "_unit_price", "_line_total") if c in cells]
    exprs = []
    for name in names:
        cell = parse.text(name).str.replace_all(r"[\s\u00a0]", "")
        plain = cell.str.replace_all(".", "", literal=True).str.replace(",", ".")
        read: pl.Expr = pl.when(cell.str.contains(grouped)).then(plain)
        if spreadsheet:
            read = (
                pl.when(cell.str.contains(",", literal=True)).then(read).otherwise(cell)
            )
        exprs.append(read.alias(name))
    return cells.with_columns(exprs)


def _parse(
    cells: pl.DataFrame, mapping: OrderMapping, currency: str | None, spreadsheet: bool
) -> pl.DataFrame:
    def optional(field: str) -> pl.Expr:
        if f"_{field}" in cells:
            return parse.text(f"_{field}")
        return pl.lit(None, dtype=pl.String)

    price = _price_field(mapping)
    formats = [*mapping.date_format, *(SPREADSHEET_DATE_FORMATS if spreadsheet else ())]
    return cells.select(
        ROW,
        parse.text("_order_number").alias("order_number"),
        parse.timestamp("_ordered_at", formats, tz=mapping.timezone).alias(
            "ordered_at"
        ),
        _kinds(mapping, optional("order_kind")).alias("order_kind"),
        optional("customer").alias("customer_ref"),
        pl.coalesce(optional("country"), pl.lit(mapping.country)).alias("country_text"),
        currency_codes(pl.coalesce(optional("currency"), pl.lit(currency))).alias(
            "currency"
        ),
        parse.text("_sku").alias("sku"),
        optional("description").alias("description"),
        parse.integer("_quantity").alias("quantity"),
        parse.decimal_text(f"_{price}").alias(price),
    )


def _price_field(mapping: OrderMapping) -> str:
    """``line_total`` or ``unit_price``: whichever the mapping maps."""
    return "unit_price" if mapping.columns.unit_price else "line_total"


def _kinds(mapping: OrderMapping, written: pl.Expr) -> pl.Expr:
    """The OrderKind value of each row; empty is a sale, an unlisted value null."""
    lookup = {k.value: k.value for k in OrderKind}
    lookup |= {value: kind.value for value, kind in mapping.kind_values.items()}
    named = written.str.to_lowercase().replace_strict(
        lookup, default=None, return_dtype=pl.String
    )
    return (
        pl.when(written.is_null()).then(pl.lit(OrderKind.SALE.value)).otherwise(named)
    )


def _row_reasons(mapping: OrderMapping, found: dict[str, str]) -> pl.Expr:
    """The first problem of each row, naming the file's column and what it expects."""
    price = _price_field(mapping)
    number = "1.234,56" if mapping.decimal_comma else "1234.56"
    kind = pl.col("order_kind")
    checks = [
        parse.reason(
            pl.col("ordered_at").is_null(),
            f"{found['ordered_at']!r} is missing or not a date in date_format"
            f" ({' or '.join(mapping.date_format)})",
        ),
        parse.reason(
            kind.is_null(),
            f"{found.get('order_kind')!r} holds a value not in kind_values; expected"
            f" one of: {', '.join(sorted({*mapping.kind_values, *OrderKind}))}",
        ),
        parse.reason(
            kind != kind.first().over("order_number"),
            "the rows of this order have different order kinds: give each kind its"
            " own order number",
        ),
        parse.reason(
            pl.col("quantity").is_null(),
            f"{found['quantity']!r} is missing or not a whole number",
        ),
        parse.reason(
            pl.col(price).is_null(),
            f"{found[price]!r} is missing or not a number like {number}"
            + (
                "" if mapping.decimal_comma else " (decimal_comma: true reads 1.234,56)"
            ),
        ),
        parse.reason(
            (pl.col(price).cast(pl.Float64) != 0) & (pl.col("quantity") == 0),
            f"{found[price]!r} is not 0 on a line of quantity 0",
        ),
    ]
    return parse.first_reason(checks)


def _sign_by_kind(lines: pl.DataFrame) -> pl.DataFrame:
    """Cancellations and returns: negative quantity, positive price."""
    negated = pl.col("order_kind").is_in(_NEGATED_KINDS)
    return lines.with_columns(
        pl.when(negated).then(-pl.col("quantity").abs()).otherwise("quantity"),
        pl.when(negated)
        .then(pl.col("unit_price").str.strip_prefix("-"))
        .otherwise("unit_price"),
    )


def load(conn: Connection, table: RawTable, ctx: ImportContext) -> None:
    """Store the order lines of a mapped file; fill ``ctx.report``.

    The file was read before its mapping was known, with a separator sniffed from the
    header. When the mapping sets ``separator``, the file (``ctx.path``) is read again
    with it, so that the lines and the quarantine's raw cells both come from the file
    as the mapping describes it. Without ``ctx.path`` the table is used as read, and
    a header split differently from ``separator`` is refused.

    Parameters
    ----------
    conn : Connection
        Open connection inside the import's transaction.
    table : RawTable
        The file as read.
    ctx : ImportContext
        The run, the report to fill, the mapping and the overrides.

    Raises
    ------
    ImportFormatError
        If the mapping is missing or invalid, or the file is not what it describes.
    """
    mapping = load_mapping(ctx.mapping)
    if mapping.separator and ctx.path is not None and table.encoding != "xlsx":
        table = read_table(ctx.path, separator=mapping.separator).complete()
    ctx.extra["source"] = ctx.source or mapping.source

    def build(mapped: RawTable, _ctx: ImportContext) -> pl.DataFrame:
        return to_order_lines(
            mapped,
            mapping,
            currency=ctx.currency,
            channel=ctx.channel,
            mapping_name=ctx.mapping.name if ctx.mapping else "the mapping",
        )

    order_loader(FORMAT, build)(conn, table, ctx)


IMPORT_FORMAT = ImportFormat(
    FORMAT,
    "Any order CSV/XLSX described by a YAML column mapping (--mapping)",
    load,
    orders=True,
)
