"""The whole UCI Online Retail file (541,909 rows), on SQLite and PostgreSQL."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from tradepilot.ingest.service import import_file

ROWS = 541_909


def test_every_row_of_the_real_file_is_accounted_for(engine, shared_data):
    path = shared_data / "online_retail" / "online_retail_2010_2011.csv.gz"

    report = import_file(engine, fmt="online-retail", path=path)
    again = import_file(engine, fmt="online-retail", path=path)

    assert report.rows_read == ROWS
    assert report.accepted + report.quarantined + report.duplicates == ROWS
    assert report.quarantine_reasons == {
        "zero price and no customer: a stock adjustment or write-off, not a sale": 2475,
        "negative unit price: record refunds and adjustments as negative"
        " quantities with a positive price": 2,
    }
    assert (report.accepted, report.duplicates) == (ROWS - 2477, 0)
    assert report.data_quality["cancellation_lines"] == 9288
    assert report.data_quality["pseudo_countries"] == {"XC": 758, "ZZ": 446, "EU": 61}
    assert (again.accepted, again.quarantined, again.duplicates) == (0, 0, ROWS)
    with engine.connect() as conn:
        lines = conn.execute(sa.text("SELECT count(*) FROM order_lines")).scalar_one()
        customers = conn.execute(sa.text("SELECT count(*) FROM customers")).scalar_one()
        linked = conn.execute(
            sa.text(
                "SELECT count(*) FROM order_lines WHERE reverses_line_id IS NOT NULL"
            )
        ).scalar_one()
    assert lines == ROWS - 2477
    assert customers == 4372
    assert linked == linkable_cancellations(path)


def linkable_cancellations(path) -> int:
    """Cancellation lines with an earlier sale of the same customer and SKU, counted
    independently of the importer (the rows it quarantines are never sales)."""
    raw = pl.read_csv(path, infer_schema=False).with_columns(
        pl.col("InvoiceDate").str.to_datetime("%Y-%m-%d %H:%M:%S"),
        pl.col("UnitPrice").cast(pl.Float64),
    )
    raw = raw.filter(pl.col("CustomerID").is_not_null())
    cancel = raw.filter(pl.col("InvoiceNo").str.starts_with("C"))
    sales = raw.filter(
        ~pl.col("InvoiceNo").str.starts_with("C")
        & ~pl.col("InvoiceNo").str.starts_with("A")
        & (pl.col("UnitPrice") >= 0)
    )
    first_sale = sales.group_by("CustomerID", "StockCode").agg(
        pl.col("InvoiceDate").min().alias("first_sale")
    )
    joined = cancel.join(first_sale, on=["CustomerID", "StockCode"], how="inner")
    return joined.filter(pl.col("first_sale") <= pl.col("InvoiceDate")).height
