"""Fixtures of the customers tests: the CDNOW sample and purchase frames."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

CDNOW = Path(__file__).parent / "data" / "cdnow_sample.txt.gz"
CDNOW_END = dt.date(1997, 9, 30)  # 39 weeks after 1997-01-01: FHL's calibration
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GG = {"p": 6.25, "q": 3.74, "v": 15.44}


def read_cdnow() -> pl.DataFrame:
    """The CDNOW sample: ``master, customer, day, cds, amount`` (see data/README.md)."""
    raw = pl.read_csv(
        CDNOW,
        separator=" ",
        has_header=False,
        new_columns=["master", "customer", "date", "cds", "amount"],
        schema_overrides={"customer": pl.String, "date": pl.String},
    )
    return raw.with_columns(pl.col("date").str.to_date("%Y%m%d").alias("day"))


@pytest.fixture(scope="session")
def cdnow() -> pl.DataFrame:
    """The CDNOW sample, one row per purchase record."""
    return read_cdnow()


DATA = Path(__file__).parent / "data"


def import_shop(engine) -> None:
    """The hand-made shop: web orders (e-mails), wholesale orders, contacts."""
    from tradepilot.ingest.service import import_file

    import_file(
        engine,
        fmt="generic",
        path=DATA / "web_orders.csv",
        mapping=DATA / "web_mapping.yaml",
    )
    import_file(
        engine,
        fmt="generic",
        path=DATA / "wholesale_orders.csv",
        mapping=DATA / "wholesale_mapping.yaml",
    )
    import_file(
        engine, fmt="customers", path=DATA / "customers_export.csv", channel="web"
    )


def write_cdnow_csv(path: Path) -> Path:
    """The CDNOW sample as a generic order file: one line per purchase record."""
    frame = read_cdnow().with_row_index("n", offset=1)
    frame.select(
        pl.format("CD-{}", "n").alias("order"),
        pl.col("date"),
        pl.col("customer"),
        pl.lit("CD").alias("sku"),
        pl.col("cds").alias("qty"),
        pl.col("amount")
        .map_elements(lambda v: f"{v:.2f}", return_dtype=pl.String)
        .alias("total"),
    ).write_csv(path)
    return path


CDNOW_MAPPING = """\
source: cdnow
columns:
  order_number: order
  ordered_at: date
  customer: customer
  sku: sku
  quantity: qty
  line_total: total
date_format: "%Y%m%d"
currency: USD
country: US
"""


def import_cdnow(engine, folder: Path) -> None:
    """Import the CDNOW sample through the ``generic`` format."""
    from tradepilot.ingest.service import import_file

    mapping = folder / "cdnow.yaml"
    mapping.write_text(CDNOW_MAPPING, encoding="utf-8")
    report = import_file(
        engine,
        fmt="generic",
        path=write_cdnow_csv(folder / "cdnow.csv"),
        mapping=mapping,
    )
    assert (report.rows_read, report.accepted) == (6919, 6919), report
