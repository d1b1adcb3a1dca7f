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
