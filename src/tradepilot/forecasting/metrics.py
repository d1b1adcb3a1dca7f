"""Forecast accuracy per series and pooled over a panel.

Scaled errors (RMSSE, MASE) divide by the series' in-sample one-step naive error,
computed on its history from the first sale up to the forecast origin (leading
zeros before a launch would flatter the scale). A series whose scale is zero or
undefined (a constant or one-period history) has no scaled error: it is left out
of the means and counted in ``zero_scale``. WAPE and bias are pooled over every
test point: ``sum |y - f| / sum y`` and ``sum (f - y) / sum y``. Coverage is the
share of test points inside ``[lo, hi]`` at each level.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import polars as pl

from tradepilot.domain.errors import DataValidationError
from tradepilot.forecasting.classify import Frame, since_first_sale, to_panel

with warnings.catch_warnings():
    # utilsforecast 0.2.17's losses.py has "\hat" in a non-raw docstring. Python
    # warns while compiling it, which happens on every import here because no .pyc
    # is written (PYTHONDONTWRITEBYTECODE), and the test suite makes warnings errors.
    for category in (DeprecationWarning, SyntaxWarning):  # Python 3.11, 3.12
        warnings.filterwarnings(
            "ignore", message=r"invalid escape sequence '\\h'", category=category
        )
    from utilsforecast import losses


def _joined(forecasts: Frame, actuals: Frame, levels: Sequence[int]) -> pl.DataFrame:
    fc = forecasts if isinstance(forecasts, pl.DataFrame) else pl.from_pandas(forecasts)
    needed = ["unique_id", "ds", "forecast"]
    needed += [f"{side}_{lv}" for lv in levels for side in ("lo", "hi")]
    missing = [c for c in needed if c not in fc.columns]
    if missing:
        raise DataValidationError(
            f"forecast column(s) {', '.join(missing)} missing; "
            f"found: {', '.join(fc.columns)}"
        )
    truth = to_panel(actuals)
    fc = fc.select(
        pl.col("unique_id").cast(pl.String),
        pl.col("ds").cast(truth.schema["ds"]),
        *(pl.col(c).cast(pl.Float64) for c in needed[2:]),
    )
    return truth.join(fc, on=["unique_id", "ds"], how="inner").sort("unique_id", "ds")


def _finite(column: str) -> pl.Expr:
    return pl.when(pl.col(column).is_finite()).then(pl.col(column)).alias(column)


def series_accuracy(
    forecasts: Frame, actuals: Frame, train: Frame, *, levels: Sequence[int] = ()
) -> pl.DataFrame:
    """Scaled errors of every series that has both a forecast and an actual.

    Parameters
    ----------
    forecasts : polars.DataFrame or pandas.DataFrame
        ``unique_id, ds, forecast`` (and ``lo_<l>, hi_<l>`` for each level).
    actuals : polars.DataFrame or pandas.DataFrame
        Panel of the test periods, ``unique_id, ds, y``.
    train : polars.DataFrame or pandas.DataFrame
        Panel of the history before the forecast origin.
    levels : sequence of int, default ()
        Interval levels whose coverage to report.

    Returns
    -------
    polars.DataFrame
        ``unique_id, n, rmsse, mase`` and ``coverage_<l>`` per level, sorted by
        ``unique_id``; ``rmsse`` and ``mase`` are null for a zero or undefined
        scale.

    Examples
    --------
    >>> import datetime as dt
    >>> d = [dt.date(2024, 1, i) for i in range(1, 6)]
    >>> train = pl.DataFrame({"unique_id": "a", "ds": d[:3], "y": [2.0, 4, 3]})
    >>> test = pl.DataFrame({"unique_id": "a", "ds": d[3:], "y": [3.0, 5]})
    >>> fc = pl.DataFrame({"unique_id": "a", "ds": d[3:], "forecast": [4.0, 4]})
    >>> series_accuracy(fc, test, train).row(0)
    ('a', 2, 0.6324555320336759, 0.6666666666666666)
    """
    df = _joined(forecasts, actuals, levels)
    history = since_first_sale(to_panel(train)).filter(
        pl.col("unique_id").is_in(df["unique_id"].unique().implode())
    )
    points = df.select("unique_id", "ds", "y", "forecast")
    rmsse = losses.rmsse(points, ["forecast"], seasonality=1, train_df=history)
    mase = losses.mase(points, ["forecast"], seasonality=1, train_df=history)
    out = (
        df.group_by("unique_id")
        .agg(n=pl.len())
        .join(rmsse.rename({"forecast": "rmsse"}), on="unique_id", how="left")
        .join(mase.rename({"forecast": "mase"}), on="unique_id", how="left")
        .with_columns(_finite("rmsse"), _finite("mase"))
    )
    for lv in levels:
        names = {f"{side}_{lv}": f"forecast-{side}-{lv}" for side in ("lo", "hi")}
        cov = losses.coverage(df.rename(names), models=["forecast"], level=lv)
        cov = cov.select("unique_id", pl.col("forecast").alias(f"coverage_{lv}"))
        out = out.join(cov, on="unique_id", how="left")
    return out.sort("unique_id")


def _mean(values: pl.Series) -> float | None:
    kept = values.drop_nulls()
    return float(kept.mean()) if kept.len() else None  # type: ignore[arg-type]


def evaluate(
    forecasts: Frame, actuals: Frame, train: Frame, levels: Sequence[int] = (80, 95)
) -> dict[str, Any]:
    """Pooled accuracy of forecasts against actuals.

    Parameters
    ----------
    forecasts : polars.DataFrame or pandas.DataFrame
        ``unique_id, ds, forecast, lo_<l>, hi_<l>`` (demand units), e.g. the output
        of :meth:`~tradepilot.forecasting.selection.AutoForecaster.predict`.
    actuals : polars.DataFrame or pandas.DataFrame
        Panel of the test periods, ``unique_id, ds, y``; only points with a
        forecast are scored.
    train : polars.DataFrame or pandas.DataFrame
        Panel of the history before the forecast origin (for the scales).
    levels : sequence of int, default (80, 95)
        Interval levels in percent.

    Returns
    -------
    dict
        ``series`` (int) scored; mean ``rmsse`` and ``mase`` over series with a
        positive scale (``zero_scale`` counts the others); pooled ``wape`` and
        ``bias``; ``coverage`` per level (key ``"80"``), the share of test points
        inside the interval. Undefined values (no positive scale, actuals summing
        to 0) are ``None``.

    Examples
    --------
    >>> import datetime as dt
    >>> d = [dt.date(2024, 1, i) for i in range(1, 6)]
    >>> train = pl.DataFrame({"unique_id": "a", "ds": d[:3], "y": [2.0, 4, 3]})
    >>> test = pl.DataFrame({"unique_id": "a", "ds": d[3:], "y": [3.0, 5]})
    >>> fc = pl.DataFrame({"unique_id": "a", "ds": d[3:], "forecast": [4.0, 4],
    ...                    "lo_80": [3.5, 3.5], "hi_80": [4.5, 5.0]})
    >>> acc = evaluate(fc, test, train, levels=(80,))
    >>> acc["wape"], acc["bias"], acc["coverage"]
    (0.25, 0.0, {'80': 0.5})
    """
    df = _joined(forecasts, actuals, levels)
    per = series_accuracy(forecasts, actuals, train, levels=levels)
    total = float(df["y"].sum())
    abs_err = float((df["y"] - df["forecast"]).abs().sum())
    err = float((df["forecast"] - df["y"]).sum())
    coverage: dict[str, float | None] = {}
    for lv in levels:
        inside = df["y"].is_between(df[f"lo_{lv}"], df[f"hi_{lv}"])
        coverage[str(lv)] = float(inside.mean()) if df.height else None  # type: ignore[arg-type]
    return {
        "series": per.height,
        "rmsse": _mean(per["rmsse"]),
        "mase": _mean(per["mase"]),
        "wape": abs_err / total if total > 0 else None,
        "bias": err / total if total > 0 else None,
        "coverage": coverage,
        "zero_scale": int(per["rmsse"].is_null().sum()),
    }


def cv_scores(
    cv: pl.DataFrame, history: pl.DataFrame, models: Sequence[str]
) -> pl.DataFrame:
    """Cross-validation scores per series and model.

    Parameters
    ----------
    cv : polars.DataFrame
        ``unique_id, ds, cutoff, y`` and one forecast column per model, as
        statsforecast's ``cross_validation`` returns.
    history : polars.DataFrame
        The panel the windows were cut from (each window's scale is the one-step
        naive error of the history up to its cutoff).
    models : sequence of str
        Forecast columns to score.

    Returns
    -------
    polars.DataFrame
        ``unique_id, model, cv_rmsse, cv_mae, n_windows``: RMSSE averaged over the
        windows with a positive scale (null if none), MAE averaged over all
        windows. Both are null for a model that gave a non-finite forecast.

    Examples
    --------
    >>> import datetime as dt
    >>> d = [dt.date(2024, 1, i) for i in range(1, 5)]
    >>> hist = pl.DataFrame({"unique_id": "a", "ds": d, "y": [1.0, 3, 2, 4]})
    >>> cv = pl.DataFrame({"unique_id": "a", "ds": d[2:], "cutoff": d[1:3],
    ...                    "y": [2.0, 4], "M": [3.0, 3]})
    >>> s = cv_scores(cv, hist, ["M"])  # RMSSE: (sqrt(1 / 4) + sqrt(1 / 2.5)) / 2
    >>> round(s["cv_rmsse"][0], 6), s["cv_mae"][0], s["n_windows"][0]
    (0.566228, 1.0, 2)
    """
    keys = ["unique_id", "cutoff"]

    def longer(wide: pl.DataFrame, name: str) -> pl.DataFrame:
        return wide.unpivot(
            list(models), index=keys, variable_name="model", value_name=name
        )

    rmsse = longer(
        losses.rmsse(cv, list(models), seasonality=1, train_df=history), "rmsse"
    )
    mae = longer(losses.mae(cv, list(models)), "mae")
    scored = rmsse.join(mae, on=[*keys, "model"])
    valid = pl.col("mae").is_finite().all()
    rmsse_kept = pl.col("rmsse").filter(pl.col("rmsse").is_finite())
    return (
        scored.group_by("unique_id", "model")
        .agg(
            cv_rmsse=pl.when(valid).then(rmsse_kept.mean()),
            cv_mae=pl.when(valid).then(pl.col("mae").mean()),
            n_windows=pl.col("cutoff").n_unique().cast(pl.Int64),
        )
        .sort("unique_id", "model")
    )
