"""Forecasting any long table a seller has (``tradepilot forecast series``).

The table needs an id column, a time column and a numeric target. Its frequency is read
from the data (days, weeks ending on any weekday, month starts or ends), so the output
keeps the input's own calendar: weeks ending on Friday stay on Fridays. Missing periods
inside a series count as zero (a week with no row sold nothing).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import polars as pl

from tradepilot.domain.errors import DataValidationError, ImportFormatError
from tradepilot.forecasting.classify import life_cycle
from tradepilot.forecasting.pooled_season import fit_pooled
from tradepilot.forecasting.selection import AutoForecaster
from tradepilot.ingest.files import read_table, require_columns

SEASONS = {"D": 7, "W": 52, "M": 12, "MS": 12, "ME": 12, "Q": 4, "QS": 4, "QE": 4}
LEVELS = (80, 95)
OUTPUT = ["forecast", "lo_80", "hi_80", "lo_95", "hi_95", "model"]
ID_SEPARATOR = "\x1f"  # joins several id columns into one series id


def id_columns(id_col: str) -> list[str]:
    """The id columns ``--id`` names: one, or several separated by commas.

    >>> id_columns("Store, Dept")
    ['Store', 'Dept']
    """
    return [c.strip() for c in id_col.split(",") if c.strip()]


def read_panel(
    path: Path, *, id_col: str, time_col: str, target_col: str
) -> pl.DataFrame:
    """The file as ``unique_id, ds, y`` (dates parsed, numbers checked).

    Several id columns (``"Store,Dept"``) make one id, their values joined by
    :data:`ID_SEPARATOR`.

    Raises
    ------
    ImportFormatError
        If a column is missing or a cell is not a date / number (naming the row).
    """
    table = read_table(path)
    ids = id_columns(id_col)
    found = require_columns(
        table,
        {**{i: [i] for i in ids}, "time": [time_col], "target": [target_col]},
        what=f"a panel with columns {', '.join(ids)}, {time_col}, {target_col}",
    )
    stripped = [pl.col(found[i]).str.strip_chars() for i in ids]
    frame = table.frame.select(
        "_row",
        pl.concat_str(stripped, separator=ID_SEPARATOR).alias("unique_id"),
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
    not_finite = frame.filter(~pl.col("y").is_finite())
    if not_finite.height:
        raise DataValidationError(
            f"{path.name}: {not_finite.height} value(s) of {target_col} cannot be "
            f"forecast (infinite or NaN), in rows {_rows(not_finite)}"
        )
    repeated = frame.filter(pl.struct("unique_id", "ds").is_duplicated())
    if repeated.height:
        raise DataValidationError(
            f"{path.name}: {repeated.height} rows repeat an ({id_col}, {time_col}) "
            f"pair, so a period has two values; rows {_rows(repeated)}"
        )
    return frame.drop("_row").sort("unique_id", "ds")


def _rows(frame: pl.DataFrame, most: int = 10) -> str:
    rows = [str(r) for r in frame["_row"].head(most).to_list()]
    more = f" and {frame.height - most} more" if frame.height > most else ""
    return ", ".join(rows) + more


def clip_negative(panel: pl.DataFrame, target: str) -> tuple[pl.DataFrame, list[str]]:
    """The panel with values below zero set to zero, and a note when there were any.

    The candidate models forecast quantities (counts, units, sales), which cannot
    be negative: net sales after returns can be, for a week. The note says how
    many values the models saw as zero.

    Examples
    --------
    >>> p = pl.DataFrame({"unique_id": ["a", "a"], "y": [2.0, -1.5]})
    >>> clipped, notes = clip_negative(p, "sales")
    >>> clipped["y"].to_list(), len(notes)
    ([2.0, 0.0], 1)
    """
    negative = panel.filter(pl.col("y") < 0)
    if negative.is_empty():
        return panel, []
    series = negative["unique_id"].n_unique()
    note = (
        f"{negative.height} value(s) of {target} below zero in {series} series "
        f"(sum {negative['y'].sum():.2f}) were read as 0: the models forecast "
        "non-negative quantities"
    )
    return panel.with_columns(pl.col("y").clip(lower_bound=0.0)), [note]


def infer_freq(panel: pl.DataFrame) -> str:
    """The pandas frequency of the panel's dates (``D``, ``W-FRI``, ``MS``, ``ME``,
    ``QS-JAN``, ...), read from every date of every series.

    Sales exports leave out the periods without a sale, so a series may skip
    periods (they count as zero, see :func:`fill_gaps`): the frequency is the
    finest step that all dates sit on. Dates all on the first (or last) day of a
    month are months, or quarters when they are always whole quarters apart;
    otherwise the greatest common divisor of the days between dates decides:
    1 is days, a multiple of 7 weeks (all on one weekday, which names the weeks).

    Examples
    --------
    >>> import datetime as dt
    >>> d = [dt.date(2024, 1, 5), dt.date(2024, 1, 19), dt.date(2024, 1, 26)]
    >>> infer_freq(pl.DataFrame({"unique_id": ["a", "a", "b"], "ds": d}))
    'W-FRI'

    Raises
    ------
    DataValidationError
        If the panel has fewer than two dates, or its dates sit on no grid of days,
        weeks, months or quarters.
    """
    dates = panel.select(pl.col("ds").unique().sort())["ds"]
    if dates.len() < 2:
        raise DataValidationError(
            "cannot tell the frequency: the panel has "
            f"{'one date' if dates.len() == 1 else 'no date'}; it needs two or more"
        )
    month = dates.dt.year() * 12 + dates.dt.month()
    month_end = dates.dt.offset_by("1d").dt.day() == 1
    if (dates.dt.day() == 1).all() or month_end.all():
        step = _gcd(month.diff().drop_nulls())
        first_month: int = dates.dt.month().to_list()[0]
        start = "MS" if (dates.dt.day() == 1).all() else "ME"
        if step % 12 == 0:
            return f"Y{start[1:]}-{_MONTHS[first_month - 1]}"
        if step % 3 == 0:
            # pandas names quarters by a month of the first (QS) or last (QE) quarter
            names = ("JAN", "FEB", "MAR") if start == "MS" else ("OCT", "NOV", "DEC")
            return f"Q{start[1:]}-{names[(first_month - 1) % 3]}"
        return start
    step = _gcd(dates.cast(pl.Int64).diff().drop_nulls())
    if step == 1:
        return "D"
    weekdays = dates.dt.weekday().unique()
    if step % 7 == 0 and weekdays.len() == 1:
        return f"W-{_WEEKDAYS[int(weekdays[0]) - 1]}"
    raise DataValidationError(
        f"cannot tell the frequency: the dates are {step} days apart or a multiple "
        "of it; expected days, weeks (all on one weekday), months or quarters"
    )


_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_MONTHS = (
    *("JAN", "FEB", "MAR", "APR", "MAY", "JUN"),
    *("JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
)


def _gcd(steps: pl.Series) -> int:
    return math.gcd(*(int(v) for v in steps.unique().to_list()))


def fill_gaps(panel: pl.DataFrame, freq: str) -> pl.DataFrame:
    """Every period of each series from its first date to the panel's last (missing
    periods are 0).

    A sales export has no row for a period without a sale, at the end of a series
    too: a product that sold nothing in the panel's last weeks is forecast from
    those zeros, and every series' forecast starts after the same last period.

    Examples
    --------
    >>> import datetime as dt
    >>> d = [dt.date(2024, 1, 1), dt.date(2024, 1, 3), dt.date(2024, 1, 2)]
    >>> p = pl.DataFrame({"unique_id": ["a", "a", "b"], "ds": d, "y": [1.0, 2, 3]})
    >>> fill_gaps(p, "D").sort("unique_id", "ds")["y"].to_list()
    [1.0, 0.0, 2.0, 3.0, 0.0]
    """
    grid = pl.Series(
        "ds",
        list(pd.date_range(panel["ds"].min(), panel["ds"].max(), freq=freq).date),
        dtype=pl.Date,
    )
    firsts = panel.group_by("unique_id", maintain_order=True).agg(
        first=pl.col("ds").min()
    )
    full = (
        firsts.join(grid.to_frame(), how="cross")
        .filter(pl.col("ds") >= pl.col("first"))
        .drop("first")
    )
    return full.join(panel, on=["unique_id", "ds"], how="left").with_columns(
        pl.col("y").fill_null(0.0)
    )


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
    panel, notes = clip_negative(panel, target_col)
    data_freq = infer_freq(panel)
    base = data_freq.split("-")[0]
    if freq and not base.startswith(freq[0]):
        raise DataValidationError(
            f"--freq {freq} does not match the data, which is {data_freq}"
        )
    season = SEASONS.get(base, 1)
    filled = fill_gaps(panel, data_freq)
    pooled = fit_pooled(
        filled, season_length=season, horizon=horizon, levels=LEVELS, freq=data_freq
    )
    notes += pooled.notes
    rest = filled.join(
        pooled.forecasts.select("unique_id").unique(), on="unique_id", how="anti"
    )
    parts = [pooled.forecasts.select("unique_id", "ds", *OUTPUT)]
    if not rest.is_empty():
        dead_after, new_within = life_cycle(data_freq)
        model = AutoForecaster(
            freq=data_freq,
            season_length=season,
            horizon=horizon,
            levels=LEVELS,
            n_jobs=n_jobs,
            dead_after=dead_after,
            new_within=new_within,
        ).fit(rest)
        parts.append(
            model.predict().select("unique_id", pl.col("ds").cast(pl.Date), *OUTPUT)
        )
    result = pl.concat(parts).sort("unique_id", "ds")
    models = dict(
        result.group_by("model")
        .agg(pl.col("unique_id").n_unique())
        .sort("model")
        .iter_rows()
    )
    ids = id_columns(id_col)
    joined = pl.col("unique_id")
    result = result.select(
        # the id columns as they came in
        joined.alias(ids[0])
        if len(ids) == 1
        else joined.str.split_exact(ID_SEPARATOR, len(ids) - 1)
        .struct.rename_fields(ids)
        .struct.unnest(),
        pl.col("ds").dt.strftime("%Y-%m-%d").alias(time_col),
        *OUTPUT,
    )
    result.write_csv(out, float_precision=4)
    return {
        "series": panel["unique_id"].n_unique(),
        "models": models,
        "rows": result.height,
        "freq": data_freq,
        "out": str(out),
        "notes": notes,
    }
