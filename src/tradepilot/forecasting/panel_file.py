"""Forecasting any long table a seller has (``tradepilot forecast series``).

The table needs an id column, a time column and a numeric target. Its frequency is read
from the data (days, weeks ending on any weekday, month starts or ends), so the output
keeps the input's own calendar: weeks ending on Friday stay on Fridays. Missing periods
inside a series count as zero (a week with no row sold nothing).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl

from tradepilot.domain.errors import DataValidationError, ImportFormatError
from tradepilot.forecasting.selection import AutoForecaster
from tradepilot.ingest.files import read_table, require_columns

SEASONS = {"D": 7, "W": 52, "M": 12, "MS": 12, "ME": 12, "Q": 4, "QS": 4}
OUTPUT = ["forecast", "lo_80", "hi_80", "lo_95", "hi_95", "model"]


def read_panel(
    path: Path, *, id_col: str, time_col: str, target_col: str
) -> pl.DataFrame:
    """The file as ``unique_id, ds, y`` (dates parsed, numbers checked).

    Raises
    ------
    ImportFormatError
        If a column is missing or a cell is not a date / number (naming the row).
    """
    table = read_table(path)
    found = require_columns(
        table,
        {"id": [id_col], "time": [time_col], "target": [target_col]},
        what=f"a panel with columns {id_col}, {time_col}, {target_col}",
    )
    frame = table.frame.select(
        "_row",
        pl.col(found["id"]).str.strip_chars().alias("unique_id"),
        pl.col(found["time"]).str.strip_chars().str.to_date(strict=False).alias("ds"),
        pl.col(found["target"])
        .str.strip_chars()
        .cast(pl.Float64, strict=False)
        .alias("y"),
    )
    for column, what in (("ds", "a date (YYYY-MM-DD)"), ("y", "a number")):
        bad = frame.filter(pl.col(column).is_null())
        if bad.height:
            row = bad["_row"][0]
            raise ImportFormatError(
                f"{path.name} row {row}: {what} expected in the {column} column"
            )
    return (
        frame.group_by("unique_id", "ds").agg(pl.col("y").sum()).sort("unique_id", "ds")
    )


def infer_freq(panel: pl.DataFrame) -> str:
    """The pandas frequency of the panel's dates (e.g. ``W-FRI``, ``D``, ``MS``).

    Raises
    ------
    DataValidationError
        If no series has three regular dates to read it from.
    """
    for _, group in panel.group_by("unique_id"):
        dates = pd.DatetimeIndex(group["ds"].sort().to_list())
        if len(dates) >= 3:
            freq = pd.infer_freq(dates)
            if freq:
                return str(freq)
    raise DataValidationError(
        "cannot tell the frequency: no series has 3 regular dates"
    )


def fill_gaps(panel: pl.DataFrame, freq: str) -> pl.DataFrame:
    """Every period of each series from its first to its last date (missing -> 0)."""
    frames = []
    for (uid,), group in panel.group_by("unique_id", maintain_order=True):
        dates = pd.date_range(group["ds"].min(), group["ds"].max(), freq=freq)
        full = pl.DataFrame(
            {"unique_id": uid, "ds": pl.Series(list(dates.date), dtype=pl.Date)}
        )
        frames.append(full.join(group, on=["unique_id", "ds"], how="left"))
    return pl.concat(frames).with_columns(pl.col("y").fill_null(0.0))


def forecast_file(
    path: Path,
    out: Path,
    *,
    id_col: str,
    time_col: str,
    target_col: str,
    horizon: int,
    freq: str | None = None,
    n_jobs: int = 1,
) -> dict[str, object]:
    """Forecast every series of ``path`` and write ``out`` (CSV).

    ``freq`` (``D``, ``W``, ``M``) is checked against the data's own frequency; the
    anchor (the weekday of the weeks) always comes from the data.
    """
    panel = read_panel(path, id_col=id_col, time_col=time_col, target_col=target_col)
    data_freq = infer_freq(panel)
    base = data_freq.split("-")[0]
    if freq and not base.startswith(freq[0]):
        raise DataValidationError(
            f"--freq {freq} does not match the data, which is {data_freq}"
        )
    model = AutoForecaster(
        freq=data_freq,
        season_length=SEASONS.get(base, 1),
        horizon=horizon,
        levels=(80, 95),
        n_jobs=n_jobs,
    ).fit(fill_gaps(panel, data_freq))
    result = model.predict().select(
        pl.col("unique_id").alias(id_col),
        pl.col("ds").cast(pl.Date).dt.strftime("%Y-%m-%d").alias(time_col),
        *OUTPUT,
    )
    result.write_csv(out, float_precision=4)
    return {
        "series": panel["unique_id"].n_unique(),
        "rows": result.height,
        "freq": data_freq,
        "out": str(out),
    }
