"""The canonical order-line frame and its loader.

Order adapters (online-retail, shopify, amazon, generic) each produce a frame with the
columns of :data:`ORDER_LINE_SCHEMA`; :func:`load_order_lines` validates it, quarantines
rows with a reason, recognises rows already stored, and writes the rest: channels,
customers, products, orders, lines, the reversal links of cancellations, quarantine.

What counts as a duplicate
--------------------------
A line's identity is (source, order number, SKU, quantity, unit price, occurrence),
where *occurrence* numbers identical lines within one order: the second identical
scan of a SKU in one invoice is a legitimate second line (real exports have thousands),
so it is kept, as occurrence 2. Re-importing the file, or an overlapping export that
contains the same order, produces the same identities, which are counted as
duplicates and not stored again. An order that gains a line in a later export gets
just that line. Quarantined rows are identified by their raw text and occurrence, so
they are not quarantined twice either.

Before that, a line whose order already exists (stored, or on an earlier row) with
another currency, country, customer or date is a conflict and is quarantined, so a
second shop's order #1001 is neither merged into the first shop's #1001 nor taken
for a duplicate of its lines (see :mod:`~tradepilot.ingest.conflicts`).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Connection, text

from tradepilot.domain.catalog import line_kinds
from tradepilot.domain.orders import OrderKind
from tradepilot.ingest import parse
from tradepilot.ingest.conflicts import (
    CONFLICT,
    conflict_notes,
    mark_conflicts,
    stored_heads,
)
from tradepilot.ingest.files import ROW
from tradepilot.ingest.loading import (
    ensure_channels,
    existing_keys,
    quarantine_rows,
    temp_keys,
    upsert_named,
)
from tradepilot.ingest.parse import REASON
from tradepilot.ingest.report import ImportReport
from tradepilot.store import tables
from tradepilot.store.bulk import (
    indexes_after_load,
    insert_frame,
    read_frame,
    read_texts,
    refresh_statistics,
)

ORDER_LINE_SCHEMA: dict[str, pl.DataType] = {
    ROW: pl.Int64(),
    "order_number": pl.String(),
    "ordered_at": pl.Datetime("us", "UTC"),
    "order_kind": pl.String(),  # an OrderKind value
    "channel": pl.String(),
    "customer_ref": pl.String(),  # null for guests
    "country": pl.String(),  # resolved ISO code / pseudo-code, null if unmapped
    "country_text": pl.String(),  # the country as the file wrote it
    "currency": pl.String(),
    "sku": pl.String(),
    "description": pl.String(),
    "quantity": pl.Int64(),
    "unit_price": pl.String(),  # exact decimal text, see parse.decimal_text
    REASON: pl.String(),  # set by the adapter where it could not parse a row
}

MAX_QUANTITY = 1_000_000
MAX_UNIT_PRICE = 10_000_000
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
# Widths of the store's columns (store/tables.py) that a source value lands in.
STORE_LIMITS = {"order_number": 64, "sku": 64, "customer_ref": 128, "channel": 64}
PRICE_DECIMALS = 6  # scale of the store's unit_price column (NUMERIC(18, 6))
# A line with its order's customer and time, as _reversal_links matches them.
_TIMED_LINE: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "sku": pl.String(),
    "customer_id": pl.Int64(),
    "ordered_at": pl.Datetime("us", "UTC"),
}


def validate_order_lines(frame: pl.DataFrame, *, now: dt.datetime) -> pl.DataFrame:
    """Add the common checks to the adapter's ``_reason`` (the first failure wins).

    The adapter's own reason comes first, then :func:`store_limit_reasons`, then the
    checks every order line must pass whatever its source.

    Parameters
    ----------
    frame : polars.DataFrame
        Adapter output with the columns of :data:`ORDER_LINE_SCHEMA`.
    now : datetime.datetime
        The import's time (UTC); a later order date is refused.

    Returns
    -------
    polars.DataFrame
        ``frame`` with ``_reason`` set on every line that fails a check.
    """
    price = pl.col("unit_price").cast(pl.Float64, strict=False)
    qty = pl.col("quantity")
    sale = pl.col("order_kind") == OrderKind.SALE.value
    checks = [
        pl.col(REASON),
        *store_limit_reasons(),
        parse.reason(pl.col("order_number").is_null(), "order number is missing"),
        parse.reason(pl.col("sku").is_null(), "SKU / stock code is missing"),
        parse.reason(
            pl.col("ordered_at").is_null(), "order date is missing or not a date"
        ),
        parse.reason(qty.is_null(), "quantity is missing or not a whole number"),
        parse.reason(price.is_null(), "unit price is missing or not a number"),
        pl.when(pl.col("country").is_null()).then(
            pl.format(
                "country '{}' is not a known country or alias",
                pl.col("country_text").fill_null(""),
            )
        ),
        parse.reason(pl.col("currency").is_null(), "currency is missing or unknown"),
        parse.reason(
            price < 0,
            "negative unit price: record refunds and adjustments as negative"
            " quantities with a positive price",
        ),
        parse.reason((qty == 0) & sale, "quantity is 0 on a sale line"),
        parse.reason(
            qty.abs() > MAX_QUANTITY, f"absurd quantity (over {MAX_QUANTITY:,})"
        ),
        parse.reason(
            price > MAX_UNIT_PRICE, f"absurd unit price (over {MAX_UNIT_PRICE:,})"
        ),
        parse.reason(
            (pl.col("ordered_at") < EARLIEST) | (pl.col("ordered_at") > now),
            "order date is before 1990 or in the future",
        ),
    ]
    return frame.with_columns(parse.first_reasons(frame, checks))


def store_limit_reasons() -> list[pl.Expr]:
    """Reasons for values the store cannot hold exactly.

    Text longer than its column (:data:`STORE_LIMITS`: order number, SKU, customer,
    channel), and unit prices with more than :data:`PRICE_DECIMALS` decimals. Without
    these checks PostgreSQL would refuse the whole import (SQLite would store them).

    Returns
    -------
    list of polars.Expr
        One reason per check, null where the line passes it.
    """
    decimals = pl.col("unit_price").str.extract(r"\.(\d+)$").str.len_chars()
    too_long = [
        parse.reason(
            pl.col(column).str.len_chars() > limit,
            f"{column.replace('_', ' ')} is longer than {limit} characters",
        )
        for column, limit in STORE_LIMITS.items()
    ]
    too_precise = parse.reason(
        decimals > PRICE_DECIMALS,
        f"unit price has more than {PRICE_DECIMALS} decimals",
    )
    return [*too_long, too_precise]


def with_line_keys(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    """Add ``line_key``: the line's identity (see the module docstring).

    Examples
    --------
    >>> lines = pl.DataFrame({"order_number": ["7", "7", "7"], "sku": ["A", "B", "A"],
    ...     "quantity": [1, 1, 1], "unit_price": ["2.5", "2.5", "2.5"]})
    >>> with_line_keys(lines, "shop")["line_key"].to_list()
    ['shop|7|A|1|2.5|1', 'shop|7|B|1|2.5|1', 'shop|7|A|1|2.5|2']
    """
    identity = ["order_number", "sku", "quantity", "unit_price"]
    # Numbering the occurrences over every line's identity is a group-by of
    # (nearly) as many groups as lines; only repeated lines need it.
    repeated = frame.select(pl.struct(identity).is_duplicated()).to_series()
    occurrence = pl.repeat(1, frame.height, dtype=pl.Int64, eager=True)
    if repeated.any():
        numbered = frame.filter(repeated).select(
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over(identity)
        )
        occurrence = occurrence.scatter(repeated.arg_true(), numbered.to_series())
    parts = [pl.col(c).cast(pl.String) for c in identity]
    key = pl.concat_str(
        [pl.lit(source), *parts, occurrence.cast(pl.String)], separator="|"
    )
    return frame.with_columns(key.alias("line_key"))


def load_order_lines(
    conn: Connection,
    *,
    lines: pl.DataFrame,
    raw: pl.DataFrame,
    source: str,
    run_id: int,
    report: ImportReport,
    now: dt.datetime,
) -> None:
    """Write the canonical ``lines`` of one file; fill ``report``'s accounting.

    Parameters
    ----------
    conn : Connection
        Open connection inside the import's transaction.
    lines : polars.DataFrame
        Adapter output with the columns of :data:`ORDER_LINE_SCHEMA`.
    raw : polars.DataFrame
        The file's text cells with ``_row``, for the quarantine.
    source : str
        Namespace of the order numbers (``online-retail``, ``shopify``, ...).
    """
    lines = validate_order_lines(lines.select(list(ORDER_LINE_SCHEMA)), now=now)
    # Conflicts first: a line of another order is not a duplicate of this one's.
    lines, stored = _with_conflicts(conn, _per_row(lines), source=source)
    bad = lines.filter(pl.col(REASON).is_not_null()).unique(ROW, keep="first")
    good = with_line_keys(lines.filter(pl.col(REASON).is_null()), source)
    known = _known_line_keys(conn, good, stored=stored, source=source)
    good = good.with_columns(pl.col("line_key").is_in(known.implode()).alias("_known"))
    fresh = good.filter(~pl.col("_known"))
    rows_fresh = fresh[ROW].n_unique()
    report.lines_stored += fresh.height
    report.recheck_after = _iso(
        lines.filter(pl.col("ordered_at") > now)["ordered_at"].min()
    )
    report.rows_read = lines[ROW].n_unique()
    report.accepted = rows_fresh
    report.duplicates = good[ROW].n_unique() - rows_fresh
    quarantine_rows(conn, bad=bad, raw=raw, source=source, run_id=run_id, report=report)
    report.source = source
    report.conflicts = int(bad[CONFLICT].is_not_null().sum())
    report.notes += conflict_notes(bad[CONFLICT], source=source, run_id=run_id)
    report.orders = good["order_number"].n_unique()
    report.date_min, report.date_max = (
        _iso(good["ordered_at"].min()),
        _iso(good["ordered_at"].max()),
    )
    if fresh.height:
        new = fresh.filter(
            ~pl.col("order_number").is_in(stored["order_number"].implode())
        )
        _ensure_products(conn, fresh, run_id)
        report.orders_new = _ensure_orders(conn, new, source=source, run_id=run_id)
        _write_lines(conn, fresh, source=source, run_id=run_id)


def _known_line_keys(
    conn: Connection, good: pl.DataFrame, *, stored: pl.DataFrame, source: str
) -> pl.Series:
    """The ``line_key`` values of ``good`` that are stored already.

    A stored line with a line's key belongs to the same order: the key is the
    source, order number, SKU, quantity, price and occurrence joined by ``|``, and
    only an order number or SKU holding a ``|`` could make another order's key
    read the same. So the keys of the orders in ``stored`` (the file's orders that
    exist) are read in one piece; the rare line whose order number or SKU holds a
    ``|`` is looked up by its key.
    """
    piped = pl.col("order_number").str.contains("|", literal=True) | pl.col(
        "sku"
    ).str.contains("|", literal=True)
    odd = good.filter(piped)["line_key"]
    known = existing_keys(conn, "order_lines", "line_key", odd)
    if stored.height == 0:
        return known
    with temp_keys(conn, stored["order_number"], name="tp_orders") as keys:
        of_orders = read_texts(
            conn,
            f"""SELECT l.line_key AS v FROM {keys} k
                JOIN orders o ON o.source = :s AND o.order_number = k.k
                JOIN order_lines l ON l.order_id = o.id""",
            {"s": source},
        )
    return pl.concat([known, of_orders.alias("line_key")])


def _per_row(lines: pl.DataFrame) -> pl.DataFrame:
    """Give every line of a row the row's first reason.

    A source row may yield several lines (Shopify's shipping, discount, refund); the
    row is quarantined if any of its lines is bad, so accounting stays per row.
    """
    if lines[ROW].n_unique() == lines.height:  # one line per row: nothing to spread
        return lines
    return lines.with_columns(pl.col(REASON).drop_nulls().first().over(ROW))


def _with_conflicts(
    conn: Connection, lines: pl.DataFrame, *, source: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``lines`` with conflicting rows given their reason and ``_conflict`` (see
    :mod:`~tradepilot.ingest.conflicts`), and the stored orders they name."""
    numbers = lines.filter(pl.col(REASON).is_null())["order_number"]
    stored = stored_heads(conn, source=source, numbers=numbers)
    marked = mark_conflicts(lines, stored)
    if marked[CONFLICT].is_null().all():
        return marked, stored
    conflict = pl.col(CONFLICT).drop_nulls().first().over(ROW)
    return _per_row(marked).with_columns(conflict), stored


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime) else None


def _write_lines(
    conn: Connection, fresh: pl.DataFrame, *, source: str, run_id: int
) -> None:
    """Insert the ``fresh`` lines with their ids and reversal links.

    The lines' ids are allocated first (:func:`_next_line_ids`), so each new
    cancellation is written with the sale line it reverses
    (:func:`_reversal_links`) instead of being updated after the load.
    """
    heads = read_frame(
        conn,
        """SELECT id AS order_id, order_number, kind AS head_kind, customer_id,
                  ordered_at AS head_at
           FROM orders WHERE source = :s""",
        {"s": source},
        schema={
            "order_id": pl.Int64(),
            "order_number": pl.String(),
            "head_kind": pl.String(),
            "customer_id": pl.Int64(),
            "head_at": pl.Datetime("us", "UTC"),
        },
    )
    rows = fresh.join(heads, on="order_number", how="left").with_columns(
        _next_line_ids(conn, fresh.height).alias("id")
    )
    links = _reversal_links(conn, rows, source=source)
    rows = rows.join(links, on="id", how="left", maintain_order="left").select(
        "id",
        "order_id",
        "line_key",
        "sku",
        "description",
        "quantity",
        "unit_price",
        line_kinds(fresh["sku"]).alias("kind"),
        "reverses_line_id",
        pl.lit(run_id).alias("import_run_id"),
    )
    with indexes_after_load(conn, tables.order_lines, rows=rows.height):
        insert_frame(conn, "order_lines", rows)


def _next_line_ids(conn: Connection, count: int) -> pl.Series:
    """``count`` new order-line ids, increasing, in the order rows get them.

    SQLite: the ids after the table's largest, which is what SQLite itself would
    give (an ``INTEGER PRIMARY KEY`` without ``AUTOINCREMENT``); the import's
    transaction has written already, so it holds the store's write lock and no
    other writer can take them. PostgreSQL: a block reserved on the column's
    sequence with one ``setval``, under a lock that makes other writers of
    ``order_lines`` wait for the import's commit (drawing them one ``nextval`` at
    a time took 1.7 s on Online Retail).
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE order_lines IN SHARE ROW EXCLUSIVE MODE")
        last = conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('order_lines', 'id'),"
                " nextval(pg_get_serial_sequence('order_lines', 'id')) + :n - 1)"
            ),
            {"n": count},
        ).scalar_one()
        first = int(last) - count + 1
    else:
        largest = conn.exec_driver_sql("SELECT max(id) FROM order_lines").scalar()
        first = int(largest or 0) + 1
    return pl.int_range(first, first + count, dtype=pl.Int64, eager=True)


def _ensure_customers(
    conn: Connection, fresh: pl.DataFrame, source: str
) -> pl.DataFrame:
    seen = (
        fresh.filter(pl.col("customer_ref").is_not_null())
        .group_by("customer_ref", maintain_order=True)
        .agg(pl.col("country").first())
        .rename({"customer_ref": "external_id"})
        .with_columns(pl.lit(source).alias("source"))
    )
    return upsert_named(
        conn,
        table="customers",
        rows=seen,
        key="external_id",
        where={"source": source},
    )


def _ensure_products(conn: Connection, fresh: pl.DataFrame, run_id: int) -> None:
    seen = fresh.group_by("sku", maintain_order=True).agg(
        pl.col("description").drop_nulls().first()
    )
    seen = seen.with_columns(
        line_kinds(seen["sku"]).alias("kind"), pl.lit(run_id).alias("import_run_id")
    )
    upsert_named(conn, table="products", rows=seen, key="sku", id_column="sku")


def _ensure_orders(
    conn: Connection, new: pl.DataFrame, *, source: str, run_id: int
) -> int:
    """Insert the orders of ``new`` (lines of orders not stored yet), with the
    channels and customers they name; the number of orders inserted."""
    if new.height == 0:
        return 0
    channel_ids = ensure_channels(conn, new["channel"].unique().to_list())
    customer_ids = _ensure_customers(conn, new, source)
    heads = (
        new.group_by("order_number", maintain_order=True)
        .agg(pl.all().first())
        .join(
            customer_ids.rename({"external_id": "customer_ref", "id": "customer_id"}),
            on="customer_ref",
            how="left",
        )
        .select(
            pl.lit(source).alias("source"),
            "order_number",
            pl.col("order_kind").alias("kind"),
            pl.col("channel")
            .replace_strict(channel_ids, return_dtype=pl.Int64)
            .alias("channel_id"),
            "customer_id",
            "country",
            "currency",
            "ordered_at",
            pl.lit(run_id).alias("import_run_id"),
        )
    )
    with indexes_after_load(conn, tables.orders, rows=heads.height):
        insert_frame(conn, "orders", heads)
    return heads.height


def _reversal_links(
    conn: Connection, rows: pl.DataFrame, *, source: str
) -> pl.DataFrame:
    """Link each new cancellation line to the sale line it most likely reverses.

    The exports carry no reference to the original invoice, so the match is the most
    recent earlier sale line of the same customer and SKU (in this file or an earlier
    import; among sales at the same time, the last written); guest cancellations
    stay unlinked.

    Parameters
    ----------
    conn : Connection
        Open connection inside the import's transaction, before ``rows`` are
        written.
    rows : polars.DataFrame
        The new lines with their ``id`` and ``sku`` and their order's ``head_kind``,
        ``customer_id`` and ``head_at`` (as stored).

    Returns
    -------
    polars.DataFrame
        ``id`` and ``reverses_line_id`` of each linked cancellation.
    """
    empty = pl.DataFrame(schema={"id": pl.Int64(), "reverses_line_id": pl.Int64()})
    timed = rows.filter(pl.col("customer_id").is_not_null()).select(
        "id",
        "sku",
        "customer_id",
        pl.col("head_at").alias("ordered_at"),
        "head_kind",
        "quantity",
    )
    sale = pl.col("head_kind") == OrderKind.SALE.value
    cancels = timed.filter(~sale & (pl.col("quantity") < 0)).select(list(_TIMED_LINE))
    if cancels.height == 0:
        return empty
    pairs = cancels.select("customer_id", "sku").unique()
    conn.exec_driver_sql(
        "CREATE TEMP TABLE tp_pairs (customer_id INTEGER, sku VARCHAR(64))"
    )
    try:
        insert_frame(conn, "tp_pairs", pairs)
        refresh_statistics(conn, "tp_pairs", "orders", "order_lines")
        stored = read_frame(
            conn,
            """SELECT l.id, l.sku, o.customer_id, o.ordered_at
               FROM tp_pairs p
               JOIN orders o ON o.customer_id = p.customer_id
               JOIN order_lines l ON l.order_id = o.id AND l.sku = p.sku
               WHERE o.source = :s AND o.kind = :sale""",
            {"s": source, "sale": OrderKind.SALE.value},
            schema=_TIMED_LINE,
        )
    finally:
        conn.exec_driver_sql("DROP TABLE tp_pairs")
    new_sales = (
        timed.filter(sale)
        .select(list(_TIMED_LINE))
        .join(pairs, on=["customer_id", "sku"], how="semi")
    )
    sales = pl.concat([stored, new_sales]).sort("ordered_at", "id")
    if sales.height == 0:
        return empty
    matched = cancels.sort("ordered_at").join_asof(
        sales,
        on="ordered_at",
        by=["customer_id", "sku"],
        strategy="backward",
        check_sortedness=False,  # sorted by time; polars cannot verify per group
        suffix="_sale",
    )
    return matched.filter(pl.col("id_sale").is_not_null()).select(
        "id", pl.col("id_sale").alias("reverses_line_id")
    )
