"""Order conflicts: rows of another order under an order number already in use.

An order is identified by (source, order number) and has one currency, one country,
one customer (or none: a guest) and one date. A line whose order already exists —
in the store, or on an earlier row of the same file — with another currency,
country or customer, or with an order date more than :data:`DATE_TOLERANCE` apart,
belongs to *another* order: a second shop's export reusing the first shop's order
numbers, or a file that numbers orders per country. Such a line is a **conflict**.
Its row is quarantined with a reason naming both values; it is never merged into
the existing order, and never counted as a duplicate of that order's lines (the
check runs before duplicate detection: a second shop's line can have the same SKU,
quantity and price as the first shop's).

Re-importing a file, or an overlapping export of the same shop, repeats each order
with the same values, so it raises no conflict. A country the file leaves unspecified
(``ZZ``) agrees with any country. Two orders that agree on all four values are
indistinguishable and stay one order.

The way out for a second shop is a distinct ``--source`` (the namespace of order
numbers); an order number reused inside one file needs its own number, or the file
split by shop and imported with a source each.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Connection, text

from tradepilot.ingest.files import ROW
from tradepilot.ingest.loading import temp_keys
from tradepilot.ingest.parse import REASON
from tradepilot.store.bulk import read_frame

DATE_TOLERANCE = dt.timedelta(days=1)
UNSPECIFIED = "ZZ"  # a country left empty (Amazon's cancelled orders) matches any
CONFLICT = "_conflict"  # "stored" or "file" on a conflicting line, else null
STORED = "stored"
IN_FILE = "file"
STORED_HINT = (
    "if it is another shop's order, import that shop's files with a distinct --source"
)
IN_FILE_HINT = (
    "an order number names one order: give this order its own number, or import it"
    " with a distinct --source"
)
# Order-level values of a line, and how a reason names them.
FIELDS = {"currency": "currency", "country": "country", "customer_ref": "customer"}
HEADS: dict[str, pl.DataType] = {
    "order_number": pl.String(),
    "currency": pl.String(),
    "country": pl.String(),
    "customer_ref": pl.String(),
    "ordered_at": pl.Datetime("us", "UTC"),
}


def stored_heads(conn: Connection, *, source: str, numbers: pl.Series) -> pl.DataFrame:
    """The stored orders of ``source`` among ``numbers``, with their order-level values.

    Parameters
    ----------
    conn : Connection
        Open connection.
    source : str
        Namespace of the order numbers.
    numbers : polars.Series
        Order numbers of the file (String).

    Returns
    -------
    polars.DataFrame
        ``order_number``, ``currency``, ``country``, ``customer_ref`` (the customer's
        reference, null for a guest) and ``ordered_at`` (UTC) of each stored order.
    """
    empty = pl.DataFrame(schema=HEADS)
    if numbers.len() == 0:
        return empty
    # A first import of the source: no order to look up key by key.
    any_stored = text("SELECT 1 FROM orders WHERE source = :s LIMIT 1")
    if conn.execute(any_stored, {"s": source}).first() is None:
        return empty
    with temp_keys(conn, numbers.drop_nulls(), name="tp_orders") as keys:
        return read_frame(
            conn,
            f"""SELECT o.order_number, o.currency, o.country,
                       c.external_id AS customer_ref, o.ordered_at
                FROM {keys} k
                JOIN orders o ON o.source = :s AND o.order_number = k.k
                LEFT JOIN customers c ON c.id = o.customer_id""",
            {"s": source},
            schema=HEADS,
        )


def mark_conflicts(lines: pl.DataFrame, stored: pl.DataFrame) -> pl.DataFrame:
    """Give each valid line whose order exists with other values its conflict reason.

    The reference of an order is the stored order if there is one, else the first
    valid line of the order in the file (by row).

    Parameters
    ----------
    lines : polars.DataFrame
        Canonical order lines with ``_row``, ``order_number``, ``currency``,
        ``country``, ``customer_ref``, ``ordered_at`` and ``_reason`` (null on a
        valid line).
    stored : polars.DataFrame
        Stored orders as :func:`stored_heads` returns them.

    Returns
    -------
    polars.DataFrame
        ``lines`` with ``_reason`` set on each conflicting line and ``_conflict``
        (``"stored"`` or ``"file"`` there, null elsewhere).

    Examples
    --------
    >>> at = dt.datetime(2024, 3, 5, tzinfo=dt.UTC)
    >>> lines = pl.DataFrame({"_row": [2, 3], "order_number": ["7", "7"],
    ...     "currency": ["EUR", "EUR"], "country": ["DE", "FR"],
    ...     "customer_ref": [None, None], "ordered_at": [at, at],
    ...     "_reason": [None, None]}, schema_overrides={"_reason": pl.String})
    >>> marked = mark_conflicts(lines, pl.DataFrame(schema=HEADS))
    >>> marked["_reason"].to_list()[1]
    'order 7 is on row 2 with country DE, ordered 2024-03-05; this row has country FR, ordered 2024-03-05: an order number names one order: give this order its own number, or import it with a distinct --source'
    """
    refs = _references(lines, stored)
    joined = lines.join(refs, on="order_number", how="left", maintain_order="left")
    differs = [_differs(field) for field in [*FIELDS, "ordered_at"]]
    conflict = pl.col(REASON).is_null() & pl.any_horizontal(differs).fill_null(False)
    found = joined.select(conflict).to_series()
    if not found.any():  # the usual case: no reason to write
        return lines.with_columns(pl.lit(None, dtype=pl.String).alias(CONFLICT))
    # Reasons are written for the conflicting lines only: formatting one for every
    # line of a large file costs more than the whole check.
    at = found.arg_true()
    marked = _conflict_reasons(joined[at])
    return lines.with_columns(
        lines[REASON].clone().scatter(at, marked[REASON]),
        pl.Series(CONFLICT, [None] * lines.height, dtype=pl.String).scatter(
            at, marked[CONFLICT]
        ),
    )


def _conflict_reasons(joined: pl.DataFrame) -> pl.DataFrame:
    """``_reason`` and ``_conflict`` of conflicting lines joined to their order's
    reference values (see :func:`_references`)."""
    is_stored = pl.col("_stored").fill_null(False)
    where = (
        pl.when(is_stored)
        .then(pl.lit("already exists with"))
        .otherwise(pl.format("is on row {} with", "_ref_row"))
    )
    reason = pl.format(
        "order {} {} {}; this row has {}: {}",
        "order_number",
        where,
        _values("_ref_"),
        _values(""),
        pl.when(is_stored).then(pl.lit(STORED_HINT)).otherwise(pl.lit(IN_FILE_HINT)),
    )
    kind = pl.when(is_stored).then(pl.lit(STORED)).otherwise(pl.lit(IN_FILE))
    return joined.select(reason.alias(REASON), kind.alias(CONFLICT))


def _references(lines: pl.DataFrame, stored: pl.DataFrame) -> pl.DataFrame:
    """Per order number of the valid lines: ``_ref_*`` values, ``_ref_row`` and
    ``_stored`` (the stored values win over the file's first row)."""
    fields = [*FIELDS, "ordered_at"]
    first = (
        lines.filter(pl.col(REASON).is_null())
        .sort(ROW, maintain_order=True)
        .group_by("order_number", maintain_order=True)
        .agg(
            pl.col(ROW).first().alias("_ref_row"), *[pl.col(f).first() for f in fields]
        )
    )
    known = stored.select(
        "order_number", *[pl.col(f).alias(f"_st_{f}") for f in fields]
    ).with_columns(pl.lit(True).alias("_stored"))
    refs = first.join(known, on="order_number", how="left")
    is_stored = pl.col("_stored").fill_null(False)
    return refs.select(
        "order_number",
        "_ref_row",
        "_stored",
        *[
            pl.when(is_stored).then(f"_st_{f}").otherwise(f).alias(f"_ref_{f}")
            for f in fields
        ],
    )


def _differs(field: str) -> pl.Expr:
    value, reference = pl.col(field), pl.col(f"_ref_{field}")
    if field == "ordered_at":
        return (value - reference).abs() > DATE_TOLERANCE
    if field == "country":  # "unspecified" is no evidence of another order
        return (
            (value != reference) & (value != UNSPECIFIED) & (reference != UNSPECIFIED)
        )
    return value.ne_missing(reference)


def _values(prefix: str) -> pl.Expr:
    """``currency X, country Y, customer Z, ordered D``: the values that differ, and
    always the date (``prefix`` ``_ref_`` for the reference's, ``""`` for the line's)."""
    parts = [
        pl.when(_differs(field)).then(
            pl.format(f"{label} {{}}", pl.col(f"{prefix}{field}").fill_null("(none)"))
        )
        for field, label in FIELDS.items()
    ]
    date = pl.col(f"{prefix}ordered_at").dt.strftime("%Y-%m-%d")
    return pl.concat_str(
        [*parts, pl.format("ordered {}", date)], separator=", ", ignore_nulls=True
    )


def conflict_notes(conflicts: pl.Series, *, source: str, run_id: int) -> list[str]:
    """What the user should do about the conflicting rows of one import.

    Parameters
    ----------
    conflicts : polars.Series
        ``_conflict`` of each quarantined row (``"stored"``, ``"file"`` or null).
    source : str
        The import's source, for the suggested new one.
    run_id : int
        The import run, for the undo command.

    Returns
    -------
    list of str
        One note per kind of conflict found, none when there is none.
    """
    notes = []
    stored = int((conflicts == STORED).sum())
    in_file = int((conflicts == IN_FILE).sum())
    if stored:
        notes.append(
            f"{stored} rows belong to orders that already exist with another"
            " currency, country, customer or date; they are quarantined. If this"
            " file is another shop's export, undo this import (tradepilot import"
            f" undo {run_id}) and import the file again with a distinct --source,"
            f" e.g. --source {source[:30]}-2"
        )
    if in_file:
        notes.append(
            f"{in_file} rows reuse the order number of an earlier row for another"
            " order (another currency, country, customer or date); they are"
            " quarantined: give each order its own number, or split the file and"
            " import each part with a distinct --source"
        )
    return notes
