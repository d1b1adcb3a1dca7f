"""Cancellations are written with the sale line they reverse (issue 11 §3).

The links used to be set by an ``UPDATE`` after the load; they are now computed
before the insert, with the lines' ids allocated up front. ``_links_after_load`` is
the old algorithm, kept here as the reference: on the same stored lines it must
give the links the import wrote.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot.domain.orders import OrderKind
from tradepilot.ingest.service import import_file
from tradepilot.store.bulk import insert_frame, read_frame, refresh_statistics

HEADER = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
)
FIRST = """100,A1,LAMP,10,2010-12-01 08:00:00,2.50,1.0,United Kingdom
101,A1,LAMP,5,2010-12-01 09:00:00,2.50,1.0,United Kingdom
101,A1,LAMP,5,2010-12-01 09:00:00,2.50,1.0,United Kingdom
C200,A1,LAMP,-3,2010-12-01 10:00:00,2.50,1.0,United Kingdom
C201,B2,MUG,-1,2010-12-01 10:00:00,1.00,2.0,France
C202,A1,LAMP,-1,2010-12-01 10:30:00,2.50,,United Kingdom
102,B2,MUG,4,2010-12-01 11:00:00,1.00,2.0,France
C203,A1,LAMP,-2,2010-12-01 07:00:00,2.50,1.0,United Kingdom
103,C3,CUP,2,2010-12-01 08:00:00,3.00,3.0,Germany
C204,C3,CUP,-2,2010-12-01 08:00:00,3.00,3.0,Germany
C204,A1,LAMP,-1,2010-12-01 08:00:00,2.50,3.0,Germany"""
SECOND = """C300,A1,LAMP,-1,2010-12-02 12:00:00,2.50,1.0,United Kingdom
104,B2,MUG,2,2010-12-02 12:30:00,1.00,2.0,France
C301,B2,MUG,-1,2010-12-02 13:00:00,1.00,2.0,France
C302,C3,CUP,-1,2010-12-02 14:00:00,3.00,3.0,Germany"""
TIMED = {
    "id": pl.Int64(),
    "sku": pl.String(),
    "customer_id": pl.Int64(),
    "ordered_at": pl.Datetime("us", "UTC"),
}


def _links_after_load(conn: Connection, *, source: str, run_id: int) -> pl.DataFrame:
    """The links of run ``run_id``'s cancellations as the code before computed them:
    after the load, from the stored lines (the old ``_link_reversals``)."""
    cancels = read_frame(
        conn,
        """SELECT l.id, l.sku, o.customer_id, o.ordered_at
           FROM order_lines l JOIN orders o ON o.id = l.order_id
           WHERE l.import_run_id = :run AND l.quantity < 0 AND o.kind <> :sale
             AND o.customer_id IS NOT NULL""",
        {"run": run_id, "sale": OrderKind.SALE.value},
        schema=TIMED,
    )
    pairs = cancels.select("customer_id", "sku").unique()
    conn.exec_driver_sql(
        "CREATE TEMP TABLE tp_pairs (customer_id INTEGER, sku VARCHAR(64))"
    )
    try:
        insert_frame(conn, "tp_pairs", pairs)
        refresh_statistics(conn, "tp_pairs", "orders", "order_lines")
        sales = read_frame(
            conn,
            """SELECT l.id, l.sku, o.customer_id, o.ordered_at
               FROM tp_pairs p
               JOIN orders o ON o.customer_id = p.customer_id
               JOIN order_lines l ON l.order_id = o.id AND l.sku = p.sku
               WHERE o.source = :s AND o.kind = :sale""",
            {"s": source, "sale": OrderKind.SALE.value},
            schema=TIMED,
        )
    finally:
        conn.exec_driver_sql("DROP TABLE tp_pairs")
    matched = cancels.sort("ordered_at").join_asof(
        sales.sort("ordered_at"),
        on="ordered_at",
        by=["customer_id", "sku"],
        strategy="backward",
        check_sortedness=False,
        suffix="_sale",
    )
    return matched.filter(pl.col("id_sale").is_not_null()).select(
        "id", pl.col("id_sale").alias("reverses_line_id")
    )


def _stored_links(conn: Connection, run_id: int) -> pl.DataFrame:
    return read_frame(
        conn,
        """SELECT id, reverses_line_id FROM order_lines
           WHERE import_run_id = :run AND reverses_line_id IS NOT NULL""",
        {"run": run_id},
        schema={"id": pl.Int64(), "reverses_line_id": pl.Int64()},
    )


def _named(conn: Connection, links: pl.DataFrame) -> set[tuple[str, str]]:
    """Links as (cancelled invoice, sold invoice) pairs, the occurrence of a repeated
    sale line by its line key."""
    lines = read_frame(
        conn,
        """SELECT l.id, o.order_number || ':' || l.line_key AS name
           FROM order_lines l JOIN orders o ON o.id = l.order_id""",
        schema={"id": pl.Int64(), "name": pl.String()},
    )
    named = links.join(lines, on="id").join(
        lines.rename({"id": "reverses_line_id", "name": "sale"}), on="reverses_line_id"
    )
    return {
        (c.split(":")[0], s.split(":", 1)[1])
        for c, s in named.select("name", "sale").iter_rows()
    }


def test_links_written_with_the_lines_equal_the_links_after_the_load(
    engine, tmp_path: Path
):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(f"{HEADER}\n{FIRST}\n", encoding="utf-8")
    second.write_text(f"{HEADER}\n{SECOND}\n", encoding="utf-8")

    one = import_file(engine, fmt="online-retail", path=first)
    two = import_file(engine, fmt="online-retail", path=second)

    assert (one.accepted, one.quarantined, two.accepted) == (11, 0, 4)
    with engine.connect() as conn:
        for run_id in (one.import_run_id, two.import_run_id):
            stored = _stored_links(conn, run_id).sort("id")
            before = _links_after_load(conn, source="online-retail", run_id=run_id)
            assert stored.equals(before.sort("id")), run_id
        first_links = _named(conn, _stored_links(conn, one.import_run_id))
        second_links = _named(conn, _stored_links(conn, two.import_run_id))
    p = "online-retail|"
    # C200 reverses the later of the two identical 09:00 lines (occurrence 2);
    # C201 (sale only after it), C202 (a guest), C203 (before any sale) and C204's
    # LAMP (customer 3 never bought it) stay unlinked; a sale at the same time counts.
    assert first_links == {
        ("C200", f"{p}101|A1|5|2.5|2"),
        ("C204", f"{p}103|C3|2|3|1"),
    }
    # The second file's cancellations find the first file's sales and its own.
    assert second_links == {
        ("C300", f"{p}101|A1|5|2.5|2"),
        ("C301", f"{p}104|B2|2|1|1"),
        ("C302", f"{p}103|C3|2|3|1"),
    }


def test_line_ids_follow_the_stored_ones(engine, tmp_path: Path):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(f"{HEADER}\n{FIRST}\n", encoding="utf-8")
    second.write_text(f"{HEADER}\n{SECOND}\n", encoding="utf-8")

    import_file(engine, fmt="online-retail", path=first)
    import_file(engine, fmt="online-retail", path=second)

    with engine.connect() as conn:
        ids = conn.execute(sa.text("SELECT id FROM order_lines ORDER BY id")).scalars()
        assert list(ids) == list(range(1, 16))
