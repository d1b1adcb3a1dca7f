"""The product catalogue (the ``products`` layout).

Only ``sku`` is required; every other column (``description, category, supplier,
unit_cost, cost_currency, weight_kg, hs_code, case_pack, moq, list_price,
price_currency``) is optional, and ``docs/import-layouts.md`` has an example.

Products may exist already, created by an order import with just their SKU,
description and kind. A catalogue row fills or updates the attributes it carries: an
empty cell or an absent column leaves the stored value as it is (an import never
erases). A row that changes something is accepted, a row that changes nothing is a
duplicate. ``kind`` comes from :func:`~tradepilot.domain.catalog.classify_sku` and is
set when the product is created.

A SKU listed twice in one file must say the same thing twice: the repeat is a
duplicate if identical, quarantined otherwise (which row is right is for the user to
say). Amounts need their currency on the same row; ``hs_code`` is 6 to 10 digits,
kept as text because leading zeros matter.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from sqlalchemy import Connection

from tradepilot.domain.catalog import classify_sku
from tradepilot.ingest import parse
from tradepilot.ingest.adapters.order_fields import currency_codes
from tradepilot.ingest.files import ROW, RawTable, optional_columns, require_columns
from tradepilot.ingest.import_format import ImportContext, ImportFormat
from tradepilot.ingest.loading import quarantine_rows
from tradepilot.ingest.parse import REASON
from tradepilot.store.bulk import insert_frame, read_frame, update_rows

FORMAT = "products"
ATTRIBUTES = (
    "description",
    "category",
    "supplier",
    "unit_cost",
    "cost_currency",
    "weight_kg",
    "hs_code",
    "case_pack",
    "moq",
    "list_price",
    "price_currency",
)
FIELDS = ("sku", *ATTRIBUTES)
MAX_LENGTH = {"sku": 64, "category": 64, "supplier": 128}
MAX_AMOUNT = 10_000_000
MAX_UNITS = 1_000_000
DTYPES: dict[str, pl.DataType] = {
    "weight_kg": pl.Float64(),
    "case_pack": pl.Int64(),
    "moq": pl.Int64(),
}


def _currency(column: str) -> pl.Expr:
    return currency_codes(pl.col(column))


def _number(column: str) -> pl.Expr:
    # Through decimal_text, so that "nan", "inf" and "1e3" are refused, not guessed.
    return parse.decimal_text(column).cast(pl.Float64)


def _hs_code(column: str) -> pl.Expr:
    return pl.when(pl.col(column).str.contains(r"^\d{6,10}$")).then(pl.col(column))


CURRENCY = "a known ISO-4217 code (expected e.g. EUR, USD, CNY)"
DECIMAL = "a decimal number (expected e.g. 12.50)"
PARSERS: dict[str, tuple[Callable[[str], pl.Expr], str]] = {
    "unit_cost": (parse.decimal_text, DECIMAL),
    "cost_currency": (_currency, CURRENCY),
    "weight_kg": (_number, "a number of kilograms (expected e.g. 0.35)"),
    "hs_code": (_hs_code, "6 to 10 digits (expected e.g. 691200)"),
    "case_pack": (parse.integer, "a whole number"),
    "moq": (parse.integer, "a whole number"),
    "list_price": (parse.decimal_text, DECIMAL),
    "price_currency": (_currency, CURRENCY),
}
CELLS = parse.CellRules(PARSERS, MAX_LENGTH, required=("sku",))


def parse_rows(table: RawTable) -> pl.DataFrame:
    """Typed rows of a products file, with the row's ``_reason`` if it is bad.

    Parameters
    ----------
    table : RawTable
        The file as read by :func:`~tradepilot.ingest.files.read_table`.

    Returns
    -------
    polars.DataFrame
        ``_row``, ``sku``, the :data:`ATTRIBUTES` (null where not given; amounts as
        exact decimal text) and ``_reason`` (null for a valid row).

    Raises
    ------
    ImportFormatError
        If there is no ``sku`` column.
    """
    found = require_columns(table, {"sku": ["sku"]}, what="a products file")
    found |= optional_columns(table, ATTRIBUTES)
    typed = CELLS.check_and_type(parse.text_cells(table.frame, found, FIELDS), FIELDS)
    return typed.with_columns(pl.coalesce(REASON, parse.first_reason(_rule_reasons())))


def _rule_reasons() -> list[pl.Expr]:
    """Domain rules on the typed values of one row."""
    reasons = []
    for amount, currency in (
        ("unit_cost", "cost_currency"),
        ("list_price", "price_currency"),
    ):
        value = pl.col(amount).cast(pl.Float64)
        reasons += [
            parse.reason(value < 0, f"{amount} must be >= 0"),
            parse.reason(value > MAX_AMOUNT, f"{amount} is over {MAX_AMOUNT:,}"),
            parse.reason(
                pl.col(amount).str.contains(r"\.\d{7,}$"),
                f"{amount} has more than 6 decimals",
            ),
            parse.reason(
                value.is_not_null() & pl.col(currency).is_null(),
                f"{amount} is given without {currency}",
            ),
        ]
    reasons.append(parse.reason(pl.col("weight_kg") <= 0, "weight_kg must be > 0"))
    for units in ("case_pack", "moq"):
        reasons += [
            parse.reason(pl.col(units) <= 0, f"{units} must be > 0"),
            parse.reason(pl.col(units) > MAX_UNITS, f"{units} is over {MAX_UNITS:,}"),
        ]
    return reasons


def load(conn: Connection, table: RawTable, ctx: ImportContext) -> None:
    """Create new products and update changed ones from ``table``; fill the report.

    Parameters
    ----------
    conn : Connection
        Open connection inside the import's transaction.
    table : RawTable
        The file as read.
    ctx : ImportContext
        The run and the report to fill.

    Raises
    ------
    ImportFormatError
        If there is no ``sku`` column.
    """
    rows = _check_repeats(parse_rows(table))
    first = rows.filter(pl.col(REASON).is_null() & pl.col("_first"))
    merged = merge_stored(first, _stored_products(conn))
    new = merged.filter(pl.col("_stored").not_())
    changed = merged.filter(pl.col("_stored") & pl.col("_changed"))
    report = ctx.report
    report.rows_read = rows.height
    report.accepted = new.height + changed.height
    report.duplicates = rows.filter(pl.col(REASON).is_null()).height - report.accepted
    bad = rows.filter(pl.col(REASON).is_not_null())
    quarantine_rows(
        conn, bad=bad, raw=table.frame, source=FORMAT, run_id=ctx.run_id, report=report
    )
    report.data_quality = {
        "products_new": new.height,
        "products_updated": changed.height,
    }
    kinds = new["sku"].map_elements(lambda s: classify_sku(s).value, pl.String)
    insert_frame(
        conn,
        "products",
        new.select("sku", *ATTRIBUTES).with_columns(
            kind=kinds, import_run_id=pl.lit(ctx.run_id)
        ),
    )
    update_rows(
        conn,
        "products",
        ATTRIBUTES,
        "sku",
        changed.select(*ATTRIBUTES, "sku").iter_rows(),
    )


def _check_repeats(rows: pl.DataFrame) -> pl.DataFrame:
    """Flag each SKU's first valid row ``_first``; quarantine repeats that differ."""
    valid = rows.filter(pl.col(REASON).is_null())
    first_row = valid.group_by("sku").agg(pl.col(ROW).min().alias("_first_row"))
    first = valid.join(first_row, on="sku").filter(pl.col(ROW) == pl.col("_first_row"))
    reference = first.select(
        "sku", "_first_row", *[pl.col(a).alias(f"_ref_{a}") for a in ATTRIBUTES]
    )
    joined = rows.join(reference, on="sku", how="left").sort(ROW)
    differs = pl.any_horizontal(
        [pl.col(a).ne_missing(pl.col(f"_ref_{a}")) for a in ATTRIBUTES]
    )
    message = pl.format(
        "sku {} is listed again with different attributes (first on row {})",
        "sku",
        "_first_row",
    )
    conflict = pl.when(pl.col(REASON).is_null() & differs).then(message)
    return joined.with_columns(
        pl.coalesce(REASON, conflict),
        (pl.col(ROW) == pl.col("_first_row")).fill_null(False).alias("_first"),
    ).select(*rows.columns, "_first")


def merge_stored(first: pl.DataFrame, stored: pl.DataFrame) -> pl.DataFrame:
    """Each SKU's attributes after the import, and whether they change.

    Parameters
    ----------
    first : polars.DataFrame
        One valid row per SKU: ``sku`` and the :data:`ATTRIBUTES` (null = not given).
    stored : polars.DataFrame
        Stored products: ``sku`` and the :data:`ATTRIBUTES`, same dtypes.

    Returns
    -------
    polars.DataFrame
        ``sku``, the merged :data:`ATTRIBUTES` (the file's value where given, else
        the stored one), ``_stored`` (the SKU exists) and ``_changed`` (a stored
        value differs from the merged one).
    """
    known = stored.select(
        "sku", *[pl.col(a).alias(f"_st_{a}") for a in ATTRIBUTES], _stored=pl.lit(True)
    )
    joined = first.join(known, on="sku", how="left").sort(ROW)
    merged = joined.with_columns(
        *[pl.coalesce(a, f"_st_{a}").alias(a) for a in ATTRIBUTES],
        pl.col("_stored").fill_null(False),
    )
    changed = pl.any_horizontal(
        [pl.col(a).ne_missing(pl.col(f"_st_{a}")) for a in ATTRIBUTES]
    )
    return merged.with_columns(changed.alias("_changed")).select(
        "sku", *ATTRIBUTES, "_stored", "_changed"
    )


def _stored_products(conn: Connection) -> pl.DataFrame:
    """Stored products with the file's dtypes (amounts as normalised decimal text)."""
    stored = read_frame(
        conn,
        f"SELECT {', '.join(FIELDS)} FROM products",
        schema={name: DTYPES.get(name, pl.String()) for name in FIELDS},
    )
    # PostgreSQL returns NUMERIC(18, 6) as 2.500000; compare as the file writes it.
    return stored.with_columns(
        parse.decimal_text("unit_cost"), parse.decimal_text("list_price")
    )


IMPORT_FORMAT = ImportFormat(
    FORMAT,
    "Product catalogue: sku plus optional description, costs, weight, HS code, packs",
    load,
)
