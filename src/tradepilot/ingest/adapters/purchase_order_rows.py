"""Reading and checking the rows of a purchase-orders file.

:func:`parse_rows` types each row and gives it a reason if a cell is missing,
unreadable or against a rule; :func:`check_repeated` quarantines rows that disagree
with what an earlier row or the store says about the same PO or line;
:func:`with_receipt_keys` and :func:`check_over_receipt` identify receipts and refuse
those beyond :func:`receipt_limit`. The rules are listed in
:mod:`~tradepilot.ingest.adapters.purchase_orders`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from tradepilot.domain.countries import resolve_country
from tradepilot.domain.purchasing import ShippingMode
from tradepilot.ingest import parse
from tradepilot.ingest.adapters.order_fields import currency_codes
from tradepilot.ingest.files import ROW, RawTable, optional_columns, require_columns
from tradepilot.ingest.parse import REASON

REQUIRED = (
    "po_number",
    "supplier",
    "ordered_date",
    "sku",
    "quantity_ordered",
    "unit_cost",
    "currency",
    "received_date",
    "quantity_received",
)
OPTIONAL = ("promised_date", "mode", "warehouse", "supplier_country")
NOT_EMPTY = REQUIRED[:7]  # the receipt columns are empty while a line is not received
FIELDS = (*REQUIRED, *OPTIONAL)
PO_FIELDS = ("supplier", "ordered_date", "mode", "warehouse")
LINE_FIELDS = ("quantity_ordered", "unit_cost", "currency", "promised_date")
MAX_LENGTH = {"po_number": 64, "supplier": 128, "sku": 64, "warehouse": 64}
MAX_QUANTITY = 1_000_000
MAX_UNIT_COST = 10_000_000
OVER_RECEIPT_PERCENT = 10
MODES = [mode.value for mode in ShippingMode]


def receipt_limit(quantity_ordered: int) -> int:
    """Most units a line may receive in total: 10% over the order, at least one unit.

    Parameters
    ----------
    quantity_ordered : int
        Units ordered on the line (> 0).

    Returns
    -------
    int
        The largest accepted total of the line's receipts, in units.

    Examples
    --------
    >>> receipt_limit(100), receipt_limit(15), receipt_limit(5)
    (110, 16, 6)
    """
    return quantity_ordered + max(quantity_ordered * OVER_RECEIPT_PERCENT // 100, 1)


def _currency(column: str) -> pl.Expr:
    return currency_codes(pl.col(column))


def _mode(column: str) -> pl.Expr:
    mode = pl.col(column).str.to_lowercase()
    unknown = pl.lit(ShippingMode.UNKNOWN.value)
    return pl.when(mode.is_null()).then(unknown).when(mode.is_in(MODES)).then(mode)


def _country_code(value: str) -> str | None:
    country = resolve_country(value)
    return country.code if country else None


def _country(column: str) -> pl.Expr:
    return pl.col(column).map_elements(_country_code, return_dtype=pl.String)


DATE = "a date (expected YYYY-MM-DD)"
WHOLE = "a whole number"
PARSERS: dict[str, tuple[Callable[[str], pl.Expr], str]] = {
    "ordered_date": (parse.date, DATE),
    "quantity_ordered": (parse.integer, WHOLE),
    "unit_cost": (parse.decimal_text, "a decimal number (expected e.g. 12.50)"),
    "currency": (_currency, "a known ISO-4217 code (expected e.g. EUR, USD, CNY)"),
    "promised_date": (parse.date, DATE),
    "received_date": (parse.date, DATE),
    "quantity_received": (parse.integer, WHOLE),
    "mode": (_mode, f"a shipping mode (expected one of {', '.join(MODES)} or empty)"),
    "supplier_country": (_country, "a known country (expected e.g. CN or China)"),
}
CELLS = parse.CellRules(PARSERS, MAX_LENGTH, required=NOT_EMPTY)


def parse_rows(table: RawTable) -> pl.DataFrame:
    """Typed rows of a purchase-orders file, with the row's ``_reason`` if it is bad.

    Parameters
    ----------
    table : RawTable
        The file as read by :func:`~tradepilot.ingest.files.read_table`.

    Returns
    -------
    polars.DataFrame
        ``_row``, the fields of :data:`FIELDS` (dates as ``pl.Date``, quantities as
        ``Int64``, ``unit_cost`` as exact decimal text, ``mode`` defaulted to
        ``unknown``) and ``_reason`` (null for a valid row).

    Raises
    ------
    ImportFormatError
        If a required column is missing.
    """
    found = require_columns(
        table,
        {field: [field] for field in REQUIRED},
        what="a purchase-orders file (see docs/import-layouts.md)",
    )
    found |= optional_columns(table, OPTIONAL)
    typed = CELLS.check_and_type(parse.text_cells(table.frame, found, FIELDS), FIELDS)
    return typed.with_columns(pl.coalesce(REASON, parse.first_reason(_rule_reasons())))


def _rule_reasons() -> list[pl.Expr]:
    """Domain rules on the typed values of one row."""
    ordered, received = pl.col("quantity_ordered"), pl.col("quantity_received")
    cost = pl.col("unit_cost").cast(pl.Float64)
    return [
        parse.reason(ordered <= 0, "quantity_ordered must be > 0"),
        parse.reason(
            ordered > MAX_QUANTITY, f"quantity_ordered is over {MAX_QUANTITY:,}"
        ),
        parse.reason(cost < 0, "unit_cost must be >= 0"),
        parse.reason(cost > MAX_UNIT_COST, f"unit_cost is over {MAX_UNIT_COST:,}"),
        parse.reason(
            pl.col("unit_cost").str.contains(r"\.\d{7,}$"),
            "unit_cost has more than 6 decimals",
        ),
        parse.reason(
            pl.col("received_date").is_null() != received.is_null(),
            "received_date and quantity_received must both be filled (a receipt)"
            " or both be empty (not received yet)",
        ),
        parse.reason(received <= 0, "quantity_received must be > 0"),
        parse.reason(
            received > MAX_QUANTITY, f"quantity_received is over {MAX_QUANTITY:,}"
        ),
        parse.reason(
            pl.col("received_date") < pl.col("ordered_date"),
            "received_date is before ordered_date",
        ),
    ]


def check_repeated(
    rows: pl.DataFrame,
    stored: pl.DataFrame,
    *,
    keys: Sequence[str],
    fields: Sequence[str],
    what: str,
) -> pl.DataFrame:
    """Quarantine valid rows whose repeated ``fields`` disagree with the reference.

    Parameters
    ----------
    rows : polars.DataFrame
        Rows with ``_row``, ``keys``, ``fields`` and ``_reason``.
    stored : polars.DataFrame
        Stored ``keys`` and ``fields`` (same dtypes); the reference where present.
    keys : sequence of str
        What identifies the repeated thing (``po_number``; ``po_number, sku``).
    fields : sequence of str
        Fields every row of that thing must repeat unchanged.
    what : str
        Name of the thing in the reason (``PO``, ``line``).

    Returns
    -------
    polars.DataFrame
        ``rows`` with a reason naming both values on each disagreeing row; otherwise
        the reference is the first valid row of the thing in the file.
    """
    joined = rows.join(_references(rows, stored, keys, fields), on=keys, how="left")
    label = pl.concat_str([pl.col(k) for k in keys], separator="/")
    checks = [_disagreement(field, what, label) for field in fields]
    conflict = pl.when(pl.col(REASON).is_null()).then(parse.first_reason(checks))
    return (
        joined.sort(ROW)
        .with_columns(pl.coalesce(REASON, conflict))
        .select(rows.columns)
    )


def _references(
    rows: pl.DataFrame, stored: pl.DataFrame, keys: Sequence[str], fields: Sequence[str]
) -> pl.DataFrame:
    """Per key: the first valid row's ``_ref_row`` and ``_ref_*`` values, and the
    stored ``_st_*`` values with ``_stored``."""
    first = (
        rows.filter(pl.col(REASON).is_null())
        .sort(ROW)
        .group_by(keys, maintain_order=True)
        .agg(
            pl.col(ROW).first().alias("_ref_row"), *[pl.col(f).first() for f in fields]
        )
        .rename({f: f"_ref_{f}" for f in fields})
    )
    known = stored.select(
        *keys, *[pl.col(f).alias(f"_st_{f}") for f in fields], _stored=pl.lit(True)
    )
    return first.join(known, on=keys, how="left")


def _disagreement(field: str, what: str, label: pl.Expr) -> pl.Expr:
    """The reason of a row whose ``field`` differs from the reference, else null."""
    is_stored = pl.col("_stored").fill_null(False)
    expected = (
        pl.when(is_stored).then(pl.col(f"_st_{field}")).otherwise(f"_ref_{field}")
    )
    where = (
        pl.when(is_stored)
        .then(pl.lit("in the store"))
        .otherwise(pl.format("on row {}", "_ref_row"))
    )
    message = pl.format(
        f"{what} {{}} has {field} {{}} {{}}; this row has {{}}",
        label,
        _shown(expected),
        where,
        _shown(pl.col(field)),
    )
    return pl.when(pl.col(field).ne_missing(expected)).then(message)


def _shown(value: pl.Expr) -> pl.Expr:
    return pl.format("'{}'", value.cast(pl.String)).fill_null("(empty)")


def with_receipt_keys(rows: pl.DataFrame) -> pl.DataFrame:
    """Add ``receipt_key`` to the valid rows that carry a receipt.

    Parameters
    ----------
    rows : polars.DataFrame
        Rows as :func:`parse_rows` returns them.

    Returns
    -------
    polars.DataFrame
        ``rows`` (sorted by ``_row``) with ``receipt_key``:
        ``po_number|sku|received_date|quantity|occurrence``, null on rows with a
        reason or without a receipt.
    """
    identity = ["po_number", "sku", "received_date", "quantity_received"]
    receipts = rows.filter(
        pl.col(REASON).is_null() & pl.col("received_date").is_not_null()
    ).sort(ROW)
    occurrence = pl.int_range(1, pl.len() + 1).over(identity)
    key = pl.concat_str(
        [*[pl.col(c).cast(pl.String) for c in identity], occurrence], separator="|"
    )
    keys = receipts.select(ROW, key.alias("receipt_key"))
    return rows.join(keys, on=ROW, how="left").sort(ROW)


def check_over_receipt(
    rows: pl.DataFrame, lines: pl.DataFrame, known: pl.Series
) -> pl.DataFrame:
    """Quarantine the new receipts that take their line beyond :func:`receipt_limit`.

    Parameters
    ----------
    rows : polars.DataFrame
        Rows with ``receipt_key`` (see :func:`with_receipt_keys`).
    lines : polars.DataFrame
        Stored lines: ``po_number``, ``sku`` and ``received`` (units received so far).
    known : polars.Series
        Receipt keys already stored; those receipts do not count again.

    Returns
    -------
    polars.DataFrame
        ``rows`` (sorted by ``_row``) with a reason on each receipt that does not fit,
        counting receipts in date order after the stored ones.
    """
    new = rows.filter(
        pl.col(REASON).is_null()
        & pl.col("receipt_key").is_not_null()
        & ~pl.col("receipt_key").is_in(known.implode())
    )
    received: dict[tuple[str, str], int] = {
        (po, sku): total
        for po, sku, total in lines.select("po_number", "sku", "received").iter_rows()
    }
    reasons = over_receipts(new.sort("received_date", ROW), received)
    over = pl.DataFrame(
        {ROW: list(reasons), "_over": list(reasons.values())},
        schema={ROW: pl.Int64, "_over": pl.String},
    )
    joined = rows.join(over, on=ROW, how="left").sort(ROW)
    return joined.with_columns(pl.coalesce(REASON, "_over")).drop("_over")


def over_receipts(
    receipts: pl.DataFrame, received: dict[tuple[str, str], int]
) -> dict[int, str]:
    """The receipts that would take their line beyond :func:`receipt_limit`.

    Parameters
    ----------
    receipts : polars.DataFrame
        New receipts in the order they count: ``_row``, ``po_number``, ``sku``,
        ``quantity_received`` and ``quantity_ordered`` (units).
    received : dict
        (po_number, sku) -> units already received (stored); updated in place with
        the receipts that fit.

    Returns
    -------
    dict of int to str
        Row number -> quarantine reason, for each receipt that does not fit; it does
        not count towards the line's total.
    """
    reasons: dict[int, str] = {}
    columns = [ROW, "po_number", "sku", "quantity_received", "quantity_ordered"]
    for row, po, sku, quantity, ordered in receipts.select(columns).iter_rows():
        total = received.get((po, sku), 0) + quantity
        limit = receipt_limit(ordered)
        if total <= limit:
            received[(po, sku)] = total
            continue
        reasons[row] = (
            f"over-receipt: line {po}/{sku} would have {total} units received of"
            f" {ordered} ordered; at most {limit} are accepted"
            f" ({OVER_RECEIPT_PERCENT}% over, at least 1 unit)"
        )
    return reasons
