"""A global LightGBM that forecasts each series' level over the next ``horizon``.

Per-series models (moving averages, Croston, ADIDA, ETS) each see only their own
few dozen weeks. This model is fitted across every series of a panel at once, on
many past forecast origins: at an origin ``t`` a row describes a series' history
before ``t`` and its target is the series' mean over the ``horizon`` periods from
``t`` on. It learns, from all series together, how far a recent spike falls back,
how quickly a fading product fades, how much a series' long-run mean matters.

Rows and target
    Every series is a row at every origin where it has :data:`MIN_AGE` periods since
    its first sale and :data:`MIN_SALES` periods with a sale; the target window is
    ``horizon`` periods, or at least half of it at the last origins (the mean of what
    there is, weighted by its length). Everything is divided by the series'
    in-sample one-step naive error ``sqrt(mean(diff(y)^2))`` at the origin, the
    RMSSE's own scale, so every series counts alike; its logarithm is a feature.
Store-wide change
    The target is also divided by the change of the whole panel's demand (its mean
    over the target window against the :data:`TREND_REFERENCE` periods before the
    origin; each value capped at :data:`SPIKE_CAP` times its series' median sale,
    so a bulk order is not a change of the store): the model learns how a series moves against the store, not the season
    or growth of the months it was fitted on, which need not repeat. The forecast
    assumes the store stays level: multiplying it by a forecast of the change
    (damped AutoETS or damped recent growth of the store total) was worse on
    validation, and so was the realised change (``bench/level_store_change_dev.py``).
Objective
    L1 (the median): a series' RMSSE grows with the absolute distance of a level
    forecast from its mean far more than with its square once the series is noisy,
    and the median of sparse, spiky demand is also what its WAPE rewards. The price
    is a lower forecast than the mean (bias about -15 to -20% of units on Online
    Retail); intervals stay those of the per-series model (see
    :func:`~tradepilot.forecasting.selection.AutoForecaster`).
Which series get it
    Those with at least :data:`MIN_FORECAST_SALES` periods with a sale (the series
    every bench scores); the others keep their per-series model.

Measured on Online Retail at validation cutoffs before the test cutoff (12 weeks,
series with 8 sales; mean RMSSE against the best single baseline of the same run,
WAPE against MovingAverage8)::

    cutoff      level          RMSSE ratio  WAPE ratio
    2011-05-16  SKU x country  0.974        0.867
    2011-06-13  SKU x country  0.969        0.856
    2011-05-16  SKU            0.976        0.869
    2011-06-13  SKU            0.969        0.860

With the squared loss instead of L1 the ratio was 1.04-1.05; without the store-wide
change 0.978 / 0.972; averaged with IMAPA 0.98.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import numpy as np
import polars as pl
from numpy.typing import NDArray

LEVEL_MODEL: Final = "LevelLightGBM"
MIN_AGE: Final = 6
MIN_SALES: Final = 4
MIN_FORECAST_SALES: Final = 8
TREND_REFERENCE: Final = 8
SPIKE_CAP: Final = 3.0
WINDOWS: Final = (1, 2, 4, 8, 13, 26)
SEED: Final = 0
FEATURES: Final = (
    *(f"mean_{k}" for k in WINDOWS),
    "mean_all",
    "std_all",
    "max_all",
    "median_8",
    "sold_share_8",
    "sold_share_all",
    "since_last_sale",
    "ses_01",
    "ses_03",
    "cv",
    "log_scale",
    "age",
)

Matrix = NDArray[np.float64]


@contextmanager
def _quiet() -> Iterator[None]:
    """Means of empty slices (a series younger than a window) are NaN on purpose."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def to_matrix(panel: pl.DataFrame) -> tuple[pl.Series, Matrix]:
    """``unique_id`` per row and demand per period, NaN before a series' start.

    Parameters
    ----------
    panel : polars.DataFrame
        Dense ``unique_id, ds, y`` (each series from its first period on).

    Returns
    -------
    tuple of polars.Series and numpy.ndarray
        Sorted ids and the ``(series, periods)`` matrix on the panel's dates.
    """
    wide = (
        panel.select("unique_id", pl.col("ds").cast(pl.String), "y")
        .pivot(on="ds", index="unique_id", values="y", sort_columns=True)
        .sort("unique_id")
    )
    values = wide.drop("unique_id").to_numpy().astype(np.float64)
    return wide["unique_id"], values


def _ses(history: Matrix, alpha: float) -> Matrix:
    level = np.full(history.shape[0], np.nan)
    for column in history.T:
        seen = ~np.isnan(column)
        first = seen & np.isnan(level)
        level[first] = column[first]
        rest = seen & ~first
        level[rest] = alpha * column[rest] + (1 - alpha) * level[rest]
    return level


def features(values: Matrix, origin: int) -> tuple[dict[str, Matrix], Matrix]:
    """Features of every series at ``origin`` (periods ``< origin``) and its scale.

    Returns
    -------
    tuple
        Feature name to column (levels divided by the scale) and the scale
        ``sqrt(mean(diff(y)^2))`` (NaN where undefined).
    """
    history = values[:, :origin]
    with _quiet():
        scale = np.sqrt(np.nanmean(np.diff(history, axis=1) ** 2, axis=1))
        out = {
            f"mean_{k}": np.nanmean(history[:, -k:], axis=1) / scale for k in WINDOWS
        }
        sold = np.where(np.isnan(history), np.nan, history > 0)
        last = np.where(history > 0, np.arange(origin)[None, :], -1).max(axis=1)
        mean = np.nanmean(history, axis=1)
        out |= {
            "mean_all": mean / scale,
            "std_all": np.nanstd(history, axis=1) / scale,
            "max_all": np.nanmax(history, axis=1) / scale,
            "median_8": np.nanmedian(history[:, -8:], axis=1) / scale,
            "sold_share_8": np.nanmean(sold[:, -8:], axis=1),
            "sold_share_all": np.nanmean(sold, axis=1),
            "since_last_sale": (origin - 1 - last).astype(np.float64),
            "ses_01": _ses(history, 0.1) / scale,
            "ses_03": _ses(history, 0.3) / scale,
            "cv": np.nanstd(history, axis=1) / mean,
            "log_scale": np.log(scale),
            "age": (~np.isnan(history)).sum(axis=1).astype(np.float64),
        }
    return out, scale


def store_demand(values: Matrix) -> Matrix:
    """Demand of the whole panel per period, each value capped at
    :data:`SPIKE_CAP` times its series' median sale, so that one bulk order does
    not read as a change of the whole store."""
    with _quiet():
        sales = np.where(values > 0, values, np.nan)
        cap = SPIKE_CAP * np.nanmedian(sales, axis=1, keepdims=True)
    capped = np.minimum(values, np.nan_to_num(cap, nan=0.0))
    return np.asarray(np.nansum(capped, axis=0), dtype=np.float64)


def _rows(values: Matrix, origin: int, horizon: int, min_sales: int) -> pl.DataFrame:
    """Feature rows at ``origin`` (with target and weight where there is a future)."""
    feats, scale = features(values, origin)
    sales = (np.nan_to_num(values[:, :origin]) > 0).sum(axis=1)
    keep = (
        (feats["age"] >= MIN_AGE)
        & (sales >= min_sales)
        & np.isfinite(scale)
        & (scale > 0)
    )
    frame = pl.DataFrame({name: col[keep] for name, col in feats.items()}).with_columns(
        row=pl.Series(np.flatnonzero(keep)), scale=pl.Series(scale[keep])
    )
    future = values[keep, origin : origin + horizon]
    if future.shape[1] == 0:
        return frame
    store = store_demand(values)
    reference = store[max(0, origin - TREND_REFERENCE) : origin].mean()
    change = store[origin : origin + horizon].mean() / reference if reference else 1.0
    with _quiet():
        target = np.nanmean(future, axis=1) / scale[keep] / (change or 1.0)
    return frame.with_columns(
        target=pl.Series(target), weight=pl.lit(future.shape[1] / horizon)
    )


def training_rows(values: Matrix, horizon: int) -> pl.DataFrame:
    """Rows at every past origin with at least half a horizon of future."""
    periods = values.shape[1]
    last = periods - max(1, horizon // 2)
    parts = [_rows(values, t, horizon, MIN_SALES) for t in range(MIN_AGE, last + 1)]
    parts = [p for p in parts if "target" in p.columns and p.height]
    if not parts:
        return pl.DataFrame()
    return pl.concat(parts).filter(pl.col("target").is_finite())


def regressor(num_threads: int = 1) -> Any:
    """The small deterministic L1 LightGBM the level model fits."""
    import lightgbm as lgb

    return lgb.LGBMRegressor(
        objective="l1",
        n_estimators=300,
        learning_rate=0.03,
        num_leaves=15,
        min_child_samples=50,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
        random_state=SEED,
        deterministic=True,
        force_row_wise=True,
        num_threads=num_threads,
        verbosity=-1,
    )


def level_forecasts(
    panel: pl.DataFrame, *, horizon: int, n_jobs: int = 1
) -> pl.DataFrame:
    """The level model's forecast for every eligible series of ``panel``.

    Parameters
    ----------
    panel : polars.DataFrame
        Dense ``unique_id, ds, y`` of every series (each from its first sale), all
        ending at the same last period; demand units, >= 0.
    horizon : int
        Periods to forecast (and the target window of the training rows).
    n_jobs : int, default 1
        LightGBM threads (at most 2 are used).

    Returns
    -------
    polars.DataFrame
        ``unique_id, level`` (units per period, >= 0) for the series with
        :data:`MIN_FORECAST_SALES` periods with a sale; empty when there are too few rows to learn from.
    """
    empty = pl.DataFrame(schema={"unique_id": pl.String, "level": pl.Float64})
    if panel.is_empty():
        return empty
    ids, values = to_matrix(panel)
    rows = training_rows(values, horizon)
    if rows.height < 200:
        return empty
    model = regressor(max(1, min(2, n_jobs)))
    model.fit(
        rows.select(FEATURES).to_numpy(),
        rows["target"].to_numpy(),
        sample_weight=rows["weight"].to_numpy(),
    )
    now = _rows(values, values.shape[1], horizon, MIN_FORECAST_SALES)
    if now.is_empty():
        return empty
    level = model.predict(now.select(FEATURES).to_numpy()) * now["scale"].to_numpy()
    return pl.DataFrame(
        {
            "unique_id": ids.gather(now["row"]),
            "level": np.clip(np.asarray(level, dtype=np.float64), 0.0, None),
        }
    )


def apply_levels(
    forecasts: pl.DataFrame, levels: pl.DataFrame, interval_levels: list[int]
) -> pl.DataFrame:
    """Replace the point forecast of the series in ``levels`` by their level.

    The intervals stay those of the series' own model; the forecast is put inside
    them (each bound widened to it where needed), so they stay nested.

    Parameters
    ----------
    forecasts : polars.DataFrame
        ``unique_id, ds, forecast, lo_<l>, hi_<l>, model, ...``.
    levels : polars.DataFrame
        ``unique_id, level`` from :func:`level_forecasts`.
    interval_levels : list of int
        The interval levels of ``forecasts``.

    Returns
    -------
    polars.DataFrame
        ``forecasts`` with ``forecast`` the level and ``model`` :data:`LEVEL_MODEL`
        where a level is given.
    """
    joined = forecasts.join(levels, on="unique_id", how="left")
    has = pl.col("level").is_not_null()
    out = joined.with_columns(
        forecast=pl.when(has).then(pl.col("level")).otherwise(pl.col("forecast")),
        model=pl.when(has).then(pl.lit(LEVEL_MODEL)).otherwise(pl.col("model")),
    )
    inner_lo, inner_hi = pl.col("forecast"), pl.col("forecast")
    nested = []
    for lv in sorted(interval_levels):
        lo = pl.min_horizontal(pl.col(f"lo_{lv}"), inner_lo)
        hi = pl.max_horizontal(pl.col(f"hi_{lv}"), inner_hi)
        nested += [lo.alias(f"lo_{lv}"), hi.alias(f"hi_{lv}")]
        inner_lo, inner_hi = lo, hi
    return out.with_columns(nested).select(forecasts.columns)
