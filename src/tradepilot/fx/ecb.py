"""Import of the ECB reference-rate history (``eurofxref-hist.csv``).

The file has a ``Date`` column, then one column per currency (units per 1 EUR),
``N/A`` where the ECB published no rate (a currency not yet or no longer quoted), and
an empty trailing column because every line ends with a comma. Accounting is per date
row: accepted if it added a rate, a duplicate if every rate was already stored,
quarantined if its date or a rate cannot be read, or if a stored rate for the same day
differs (a correction is never applied silently).
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection

from tradepilot.domain.errors import ImportFormatError
from tradepilot.domain.money import known_currencies
from tradepilot.ingest import parse
from tradepilot.ingest.files import ROW, RawTable, require_columns
from tradepilot.ingest.import_format import ImportContext, ImportFormat
from tradepilot.ingest.loading import quarantine_rows
from tradepilot.ingest.parse import REASON
from tradepilot.store.bulk import insert_frame, read_frame

FORMAT = "fx"


def rates_of(table: RawTable) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split an ECB file into long rates and rows to quarantine.

    Returns
    -------
    rates : polars.DataFrame
        ``_row``, ``currency``, ``date``, ``per_eur`` (text, exact) of readable rows.
    bad : polars.DataFrame
        ``_row`` and ``_reason`` of unreadable rows.
    """
    found = require_columns(
        table, {"date": ["Date"]}, what="an ECB eurofxref-hist.csv file"
    )
    codes = [c for c in table.columns if c.upper() in known_currencies()]
    if not codes:
        raise_no_currencies(table)
    wide = table.frame.select(
        ROW,
        parse.date(found["date"]).alias("date"),
        *[parse.text(c).alias(c.upper()) for c in codes],
    )
    long = wide.unpivot(
        index=[ROW, "date"], variable_name="currency", value_name="text"
    )
    long = long.filter(pl.col("text").is_not_null() & (pl.col("text") != "N/A"))
    long = long.with_columns(
        parse.normalise_decimal(pl.col("text").str.strip_chars()).alias("per_eur"),
        pl.col("text").cast(pl.Float64, strict=False).alias("value"),
    )
    bad_rate = long.filter(pl.col("value").is_null() | (pl.col("value") <= 0))
    bad = pl.concat(
        [
            wide.filter(pl.col("date").is_null()).select(
                ROW, pl.lit("Date is not a date (expected YYYY-MM-DD)").alias(REASON)
            ),
            bad_rate.select(
                ROW,
                pl.format("rate for {} is not a positive number", "currency").alias(
                    REASON
                ),
            ),
        ]
    ).unique(ROW, keep="first")
    rates = long.filter(~pl.col(ROW).is_in(bad[ROW].implode()))
    return rates.select(ROW, "currency", "date", "per_eur"), bad


def raise_no_currencies(table: RawTable) -> None:
    """Refuse a file without a single currency column."""
    raise ImportFormatError(
        f"{table.name} is not an ECB rates file: no currency columns (USD, GBP, ...);"
        f" found: {', '.join(table.columns[:30])}"
    )


def load(conn: Connection, table: RawTable, ctx: ImportContext) -> None:
    """Store new rates; quarantine unreadable rows and conflicting corrections."""
    rates, bad = rates_of(table)
    stored = read_frame(
        conn,
        "SELECT currency, date AS stored_date, per_eur AS stored FROM fx_rates",
        schema={
            "currency": pl.String(),
            "stored_date": pl.Date(),
            "stored": pl.String(),
        },
    )
    rates = _compare(rates, stored)
    conflicts = rates.filter(pl.col("stored").is_not_null() & ~pl.col("same")).select(
        ROW,
        pl.format(
            "rate for {} differs from the stored rate {} (file: {})",
            "currency",
            "stored",
            "per_eur",
        ).alias(REASON),
    )
    bad = pl.concat([bad, conflicts]).unique(ROW, keep="first")
    rates = rates.filter(~pl.col(ROW).is_in(bad[ROW].implode()))
    fresh = rates.filter(pl.col("stored").is_null())
    report = ctx.report
    report.rows_read = table.frame.height
    report.accepted = fresh[ROW].n_unique()
    report.duplicates = report.rows_read - report.accepted - bad.height
    quarantine_rows(
        conn, bad=bad, raw=table.frame, source=FORMAT, run_id=ctx.run_id, report=report
    )
    insert_frame(
        conn,
        "fx_rates",
        fresh.select(
            "currency", "date", "per_eur", pl.lit(ctx.run_id).alias("import_run_id")
        ),
    )
    dates = rates["date"]
    report.date_min = str(dates.min()) if dates.len() else None
    report.date_max = str(dates.max()) if dates.len() else None
    report.data_quality = {"currencies": sorted(rates["currency"].unique().to_list())}


def _compare(rates: pl.DataFrame, stored: pl.DataFrame) -> pl.DataFrame:
    """Join each rate to the stored rate of its day; ``same`` where they are equal."""
    # PostgreSQL returns NUMERIC(18, 6) as 1.092100; compare as the file writes it.
    stored = stored.with_columns(parse.normalise_decimal(pl.col("stored")))
    joined = rates.join(
        stored,
        left_on=["currency", "date"],
        right_on=["currency", "stored_date"],
        how="left",
    )
    same = pl.col("stored").cast(pl.Float64) == pl.col("per_eur").cast(pl.Float64)
    return joined.with_columns(same.fill_null(False).alias("same"))


IMPORT_FORMAT = ImportFormat(FORMAT, "ECB reference rates (eurofxref-hist.csv)", load)
