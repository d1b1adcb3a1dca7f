"""Panel validation and demand classification (Syntetos-Boylan, plus new and dead).

Classification looks at each series from its first sale: periods before a product's
first sale say nothing about its demand. ``ADI`` is the average number of periods
per demand occurrence (periods since the first sale / non-zero periods) and ``CV2``
the squared coefficient of variation (population standard deviation) of the
non-zero demand sizes. The Syntetos-Boylan-Croston cut-offs split the plane::

                 CV2 < 0.49     CV2 >= 0.49
    ADI < 1.32   smooth         erratic
    ADI >= 1.32  intermittent   lumpy

Two life-cycle classes take precedence: ``dead`` (no sale in the last
``dead_after`` periods, or never sold) and then ``new`` (fewer than ``new_within``
periods since the first sale).
"""

from __future__ import annotations

from typing import Any, Final, TypeAlias

import polars as pl

from tradepilot.domain.errors import DataValidationError

ADI_CUTOFF: Final = 1.32
CV2_CUTOFF: Final = 0.49
DEMAND_CLASSES: Final = ("smooth", "erratic", "intermittent", "lumpy", "new", "dead")
PANEL_COLUMNS: Final = ("unique_id", "ds", "y")
# The life-cycle thresholds in time: no sale for 13 weeks is dead, under 8 weeks
# since the first sale is new (in periods of other lengths, see life_cycle).
DEAD_AFTER_DAYS: Final = 91
NEW_WITHIN_DAYS: Final = 56
_PERIOD_DAYS: Final = {
    "D": 1,
    "B": 1.4,
    "W": 7,
    "M": 30.4,
    "Q": 91.3,
    "Y": 365.25,
    "A": 365.25,
}

# polars.DataFrame or pandas.DataFrame; Any because pandas ships no type stubs here.
Frame: TypeAlias = Any


def life_cycle(freq: str, *, shortest_new: int = 8) -> tuple[int, int]:
    """``dead_after`` and ``new_within`` (periods) for a pandas frequency.

    The classes mean the same time whatever the period: 13 weeks without a sale is
    dead (91 days, 3 months; at least 2 periods), fewer than 8 weeks since the first
    sale is new (56 days; never fewer than ``shortest_new`` periods, the shortest
    the launch model and moving averages accept).

    >>> life_cycle("W-FRI"), life_cycle("D"), life_cycle("MS")
    ((13, 8), (91, 56), (3, 8))
    """
    days = _PERIOD_DAYS.get(freq.lstrip("0123456789")[:1].upper(), 7)
    dead = max(round(DEAD_AFTER_DAYS / days), 2)
    return dead, max(round(NEW_WITHIN_DAYS / days), shortest_new)


def to_panel(frame: Frame, *, freq: str | None = None) -> pl.DataFrame:
    """Validate a long demand frame and return it as a sorted polars panel.

    Parameters
    ----------
    frame : polars.DataFrame or pandas.DataFrame
        Columns ``unique_id``, ``ds`` (date or datetime) and ``y`` (demand units,
        non-negative, finite); other columns are dropped.
    freq : str, optional
        Pandas offset alias (``"W-MON"``, ``"D"``, ``"MS"``). When given, every
        series must be on that grid without gaps.

    Returns
    -------
    polars.DataFrame
        ``unique_id`` (str), ``ds``, ``y`` (float64), sorted by ``unique_id, ds``.

    Raises
    ------
    DataValidationError
        A column is missing, a value is null, negative or not finite, a
        ``(unique_id, ds)`` pair repeats, or a series has gaps at ``freq``.

    Examples
    --------
    >>> import datetime as dt
    >>> p = to_panel(pl.DataFrame({"unique_id": [1, 1], "ds": [dt.date(2024, 1, 8),
    ...     dt.date(2024, 1, 1)], "y": [2, 0]}), freq="W-MON")
    >>> p["y"].to_list(), p["unique_id"].dtype
    ([0.0, 2.0], String)
    """
    df = frame if isinstance(frame, pl.DataFrame) else pl.from_pandas(frame)
    missing = [c for c in PANEL_COLUMNS if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"panel column(s) {', '.join(missing)} missing; found: {', '.join(df.columns)}"
        )
    if not df.schema["ds"].is_temporal():
        raise DataValidationError(
            f"panel column 'ds' must hold dates; found dtype {df.schema['ds']}"
        )
    df = df.select(
        pl.col("unique_id").cast(pl.String), "ds", pl.col("y").cast(pl.Float64)
    ).sort("unique_id", "ds")
    _check_values(df)
    if freq is not None:
        _check_regular(df, freq)
    return df


def _check_values(df: pl.DataFrame) -> None:
    nulls = {c: n for c, n in df.null_count().row(0, named=True).items() if n}
    if nulls:
        raise DataValidationError(f"panel has null values (count per column): {nulls}")
    bad = df.filter(~pl.col("y").is_finite() | (pl.col("y") < 0))
    if bad.height:
        ids = bad["unique_id"].unique().sort().head(5).to_list()
        raise DataValidationError(
            f"panel column 'y' must be finite and >= 0; {bad.height} row(s) are not, "
            f"in series {ids}"
        )
    dupes = df.filter(pl.struct("unique_id", "ds").is_duplicated())
    if dupes.height:
        ids = dupes["unique_id"].unique().sort().head(5).to_list()
        raise DataValidationError(
            f"panel has repeated (unique_id, ds) pairs in series {ids}"
        )


def _check_regular(df: pl.DataFrame, freq: str) -> None:
    # imported here: utilsforecast imports dask where it is installed (seconds)
    from utilsforecast.preprocessing import fill_gaps

    keys = df.select("unique_id", "ds")
    grid = fill_gaps(
        keys.to_pandas(),
        freq=freq,
        start="per_serie",
        end="per_serie",
        id_col="unique_id",
        time_col="ds",
    )
    # fill_gaps snaps dates to the grid, so off-grid dates show up as rows it lacks
    expected = pl.from_pandas(grid).with_columns(pl.col("ds").cast(df.schema["ds"]))
    off_grid = keys.join(expected, on=["unique_id", "ds"], how="anti")
    gaps = expected.join(keys, on=["unique_id", "ds"], how="anti")
    bad = pl.concat([off_grid, gaps])["unique_id"].unique().sort()
    if bad.len():
        raise DataValidationError(
            f"{bad.len()} series are not on a regular {freq!r} grid without gaps "
            f"(zero demand must be an explicit row), e.g. {bad.head(5).to_list()}"
        )


def since_first_sale(panel: pl.DataFrame) -> pl.DataFrame:
    """Drop each series' periods before its first sale.

    Series that never sold are kept whole, so every series keeps at least one row.

    Parameters
    ----------
    panel : polars.DataFrame
        A panel as returned by :func:`to_panel`.

    Returns
    -------
    polars.DataFrame
        The same columns, leading zero-demand periods removed.

    Examples
    --------
    >>> import datetime as dt
    >>> days = [dt.date(2024, 1, d) for d in (1, 2, 3)]
    >>> p = pl.DataFrame({"unique_id": ["a"] * 3 + ["b"] * 3, "ds": days * 2,
    ...                   "y": [0.0, 3.0, 0.0, 0.0, 0.0, 0.0]})
    >>> since_first_sale(p).group_by("unique_id").len().sort("unique_id").rows()
    [('a', 2), ('b', 3)]
    """
    sold = (pl.col("y") > 0).cum_max().over("unique_id")
    never = (pl.col("y") > 0).any().over("unique_id").not_()
    return panel.filter(sold | never)


def classify_series(
    panel: Frame, *, dead_after: int = 13, new_within: int = 8
) -> pl.DataFrame:
    """Sort every series into a demand class.

    Parameters
    ----------
    panel : polars.DataFrame or pandas.DataFrame
        Long frame ``unique_id, ds, y`` (see :func:`to_panel`).
    dead_after : int, default 13
        A series with no sale in its last ``dead_after`` periods is ``dead``.
    new_within : int, default 8
        A (not dead) series with fewer than ``new_within`` periods since its first
        sale is ``new``.

    Returns
    -------
    polars.DataFrame
        One row per series, sorted by ``unique_id``: ``n_periods`` (periods from
        the first sale to the end, inclusive; 0 if never sold), ``nonzero``
        (periods with a sale), ``adi`` (``n_periods / nonzero``), ``cv2`` (of the
        non-zero sizes; both null if never sold) and ``demand_class``, one of
        :data:`DEMAND_CLASSES`.

    Raises
    ------
    DataValidationError
        The panel is invalid or ``dead_after`` / ``new_within`` is below 1.

    Examples
    --------
    >>> import datetime as dt
    >>> days = [dt.date(2024, 1, d) for d in range(1, 5)]
    >>> p = pl.DataFrame({"unique_id": ["a"] * 4, "ds": days, "y": [0.0, 2, 0, 4]})
    >>> classify_series(p, dead_after=2, new_within=2).row(0)
    ('a', 3, 2, 1.5, 0.1111111111111111, 'intermittent')
    """
    for name, value in (("dead_after", dead_after), ("new_within", new_within)):
        if value < 1:
            raise DataValidationError(f"{name} must be >= 1; got {value}")
    df = to_panel(panel).with_columns(idx=pl.int_range(pl.len()).over("unique_id"))
    sale = pl.col("y") > 0
    sizes = pl.col("y").filter(sale)
    stats = df.group_by("unique_id").agg(
        total=pl.len(),
        first=pl.col("idx").filter(sale).min(),
        last=pl.col("idx").filter(sale).max(),
        nonzero=sale.sum().cast(pl.Int64),
        cv2=(sizes.std(ddof=0) / sizes.mean()) ** 2,
    )
    n_periods = (pl.col("total") - pl.col("first")).fill_null(0).cast(pl.Int64)
    stats = stats.with_columns(n_periods=n_periods).with_columns(
        adi=pl.when(pl.col("nonzero") > 0).then(pl.col("n_periods") / pl.col("nonzero"))
    )
    dead = pl.col("last").is_null() | (
        pl.col("total") - 1 - pl.col("last") >= dead_after
    )
    demand_class = (
        pl.when(dead)
        .then(pl.lit("dead"))
        .when(pl.col("n_periods") < new_within)
        .then(pl.lit("new"))
        .when((pl.col("adi") < ADI_CUTOFF) & (pl.col("cv2") < CV2_CUTOFF))
        .then(pl.lit("smooth"))
        .when(pl.col("adi") < ADI_CUTOFF)
        .then(pl.lit("erratic"))
        .when(pl.col("cv2") < CV2_CUTOFF)
        .then(pl.lit("intermittent"))
        .otherwise(pl.lit("lumpy"))
    )
    return stats.select(
        "unique_id", "n_periods", "nonzero", "adi", "cv2", demand_class=demand_class
    ).sort("unique_id")
