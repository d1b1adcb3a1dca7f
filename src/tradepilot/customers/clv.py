"""Lifetime value and churn: calibration, prediction and the holdout check (pure).

:func:`predict_clv` fits the BG/NBD purchase model (``params``: the plain fit on the
calibration figures) and the Gamma-Gamma spend model, learns the seasonal index
(:mod:`~tradepilot.customers.seasonality`) and predicts, per customer, the
probability of being alive, the expected purchase days over the horizon after the
calibration end (on operational time where a season was learnt) and their value,
discounted. Where data exist after the calibration end, the holdout compares the
predicted purchase days with the actual ones, beside the naive "same rate as
before" baseline and the plain model, in the same run.

Examples
--------
>>> import datetime as dt, polars as pl
>>> d = dt.date
>>> rows = [("a", d(2024, 1, 1), 10.0), ("a", d(2024, 2, 1), 12.0),
...         ("b", d(2024, 1, 5), 8.0), ("b", d(2024, 1, 20), 9.0),
...         ("b", d(2024, 3, 1), 9.5), ("c", d(2024, 2, 10), 20.0)]
>>> purchases = pl.DataFrame(rows, schema=["customer", "day", "amount"], orient="row")
>>> result = predict_clv(purchases, settings=ClvSettings(
...     calibration_end=d(2024, 3, 1), time_unit="W", horizon=13.0))
>>> result.customers.height, sorted(result.model.params_)
(3, ['a', 'alpha', 'b', 'r'])
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from tradepilot.customers.bgnbd import BetaGeoModel
from tradepilot.customers.gammagamma import GammaGammaModel
from tradepilot.customers.rfm import (
    check_calibration_end,
    holdout_counts,
    naive_forecast,
    purchase_days,
    summarise,
    unit_days,
)
from tradepilot.customers.seasonality import SeasonalIndex, learn_season
from tradepilot.domain.errors import DataValidationError

MODEL_NAME = "BG/NBD + Gamma-Gamma"
DEFAULT_DISCOUNT = 0.10  # a year, the usual cost of capital of a small business
CHURN_P_ALIVE = 0.5
SMALL_STORE = 500  # below this many customers the fit carries a note on uncertainty
DAYS_PER_YEAR = 365.25
VALUE_STEPS = 52  # the horizon is cut into at most this many steps to discount


@dataclass(frozen=True)
class ClvSettings:
    """What to fit and predict.

    Attributes
    ----------
    calibration_end : datetime.date or None
        Last day (inclusive) of the data the models see; None: the last day of data.
    time_unit : str
        ``W`` (weeks) or ``D`` (days).
    horizon : float or None
        Periods after the calibration end to predict; None: the holdout's length
        where later data exist, else one year.
    discount_rate : float
        Yearly discount rate of the expected value.
    """

    calibration_end: dt.date | None = None
    time_unit: str = "W"
    horizon: float | None = None
    discount_rate: float = DEFAULT_DISCOUNT


@dataclass
class ClvResult:
    """The fitted models, the per-customer predictions and the holdout check."""

    customers: pl.DataFrame
    model: BetaGeoModel
    spend: GammaGammaModel | None
    season: SeasonalIndex
    calibration_end: dt.date
    time_unit: str
    horizon: float
    holdout: dict[str, Any] | None
    notes: list[str] = field(default_factory=list)


def predict_clv(
    purchases: pl.DataFrame,
    *,
    settings: ClvSettings,
    data_end: dt.date | None = None,
    open_days: Sequence[dt.date] | None = None,
) -> ClvResult:
    """Fit, predict and check (see the module docstring).

    Parameters
    ----------
    purchases : polars.DataFrame
        ``customer``, ``day``, ``amount`` (base currency), one row per product
        sale line or per purchase day.
    settings : ClvSettings
        Calibration end, time unit, horizon and discount rate.
    data_end : datetime.date, optional
        Last day of data in the store (default: the last purchase day).
    open_days : sequence of datetime.date, optional
        Days with any sale in the store, for the seasonal index.

    Returns
    -------
    ClvResult
        ``customers`` has ``customer, frequency, recency, T, monetary, p_alive,
        expected_purchases, expected_value, churn_risk`` plus the plain model's
        ``plain_expected_purchases`` and ``expected_spend``.

    Raises
    ------
    DataValidationError
        For a calibration end outside the data, a horizon that is not positive, or
        no repeat buyers.
    """
    days = purchase_days(purchases)
    last = data_end or _last_day(days)
    end = settings.calibration_end or last
    check_calibration_end(days, end, last)
    unit = unit_days(settings.time_unit)
    holdout_periods = (last - end).days / unit
    horizon = _horizon(settings.horizon, holdout_periods, unit)
    summary = summarise(days, calibration_end=end, unit_days=unit)
    x, t_x, age = (summary[c].to_numpy() for c in ("frequency", "recency", "T"))
    model = BetaGeoModel().fit(x, t_x, age)
    season = learn_season(
        model, days, calibration_end=end, unit_days=unit, open_days=open_days
    )
    spend, notes = _fit_spend(summary)
    notes = _fit_notes(model, summary) + notes
    operational = season.operational_periods(end, horizon, unit_days=unit)
    expected_spend = _expected_spend(spend, summary)
    customers = summary.with_columns(
        pl.Series("p_alive", model.p_alive(x, t_x, age)),
        pl.Series(
            "expected_purchases", model.expected_purchases(operational, x, t_x, age)
        ),
        pl.Series(
            "plain_expected_purchases", model.expected_purchases(horizon, x, t_x, age)
        ),
        pl.Series("expected_spend", expected_spend),
        pl.Series(
            "expected_value",
            expected_spend
            * _discounted_purchases(
                model,
                season,
                summary,
                end=end,
                horizon=horizon,
                unit=unit,
                rate=settings.discount_rate,
            ),
        ),
    ).with_columns(
        ((pl.col("p_alive") < CHURN_P_ALIVE) & (pl.col("frequency") > 0)).alias(
            "churn_risk"
        )
    )
    holdout = None
    if last > end:
        holdout = holdout_report(
            days, customers, model, season, end=end, last=last, unit=unit
        )
    return ClvResult(
        customers,
        model,
        spend,
        season,
        end,
        settings.time_unit.upper(),
        horizon,
        holdout,
        notes,
    )


def holdout_report(
    days: pl.DataFrame,
    customers: pl.DataFrame,
    model: BetaGeoModel,
    season: SeasonalIndex,
    *,
    end: dt.date,
    last: dt.date,
    unit: int,
) -> dict[str, Any]:
    """Predicted vs actual purchase days in ``(end, last]`` for the calibration
    customers: totals and per-customer RMSE of the model, the plain BG/NBD and the
    naive "same rate as before" baseline."""
    periods = (last - end).days / unit
    actual = (
        customers.select("customer")
        .join(
            holdout_counts(days, calibration_end=end, end=last),
            on="customer",
            how="left",
        )["actual"]
        .fill_null(0)
        .to_numpy()
    )
    x, t_x, age = (customers[c].to_numpy() for c in ("frequency", "recency", "T"))
    operational = season.operational_periods(end, periods, unit_days=unit)
    predictions = {
        "model": model.expected_purchases(operational, x, t_x, age),
        "plain": model.expected_purchases(periods, x, t_x, age),
        "naive": naive_forecast(customers, periods).to_numpy(),
    }
    rmse = {
        k: float(np.sqrt(np.mean((v - actual) ** 2))) for k, v in predictions.items()
    }
    total = float(actual.sum())
    return {
        "start": (end + dt.timedelta(days=1)).isoformat(),
        "end": last.isoformat(),
        "periods": round(periods, 4),
        "customers": int(actual.size),
        "actual_total": int(total),
        "predicted_total": round(float(predictions["model"].sum()), 2),
        "plain_total": round(float(predictions["plain"].sum()), 2),
        "naive_total": round(float(predictions["naive"].sum()), 2),
        "rmse": round(rmse["model"], 4),
        "plain_rmse": round(rmse["plain"], 4),
        "naive_rmse": round(rmse["naive"], 4),
        "rmse_vs_naive": _ratio(rmse["model"], rmse["naive"]),
        "plain_rmse_vs_naive": _ratio(rmse["plain"], rmse["naive"]),
        "predicted_vs_actual": _ratio(float(predictions["model"].sum()), total),
        "plain_vs_actual": _ratio(float(predictions["plain"].sum()), total),
    }


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator > 0 else None


def _last_day(days: pl.DataFrame) -> dt.date:
    last = days["day"].max()
    if not isinstance(last, dt.date):
        raise DataValidationError(
            "no purchases by known customers in the workspace: import orders with a"
            " customer id first (tradepilot import)"
        )
    return last


def _horizon(horizon: float | None, holdout_periods: float, unit: int) -> float:
    if horizon is None:
        return holdout_periods if holdout_periods > 0 else DAYS_PER_YEAR // unit
    if not math.isfinite(horizon) or horizon <= 0:
        raise DataValidationError(
            f"horizon must be a positive number of periods; received {horizon}"
        )
    return float(horizon)


def _fit_spend(summary: pl.DataFrame) -> tuple[GammaGammaModel | None, list[str]]:
    try:
        spend = GammaGammaModel().fit(summary["frequency"], summary["monetary"])
    except DataValidationError as exc:
        return None, [
            f"spend model not fitted ({exc}); each customer's own mean spend is used"
        ]
    if spend.params_["q"] <= 1.0:
        return spend, [
            "spend model: q <= 1 (very heavy-tailed spend); each customer's own mean spend is used"
        ]
    return spend, []


def _expected_spend(spend: GammaGammaModel | None, summary: pl.DataFrame) -> np.ndarray:
    x = summary["frequency"].to_numpy()
    own = summary["monetary"].to_numpy()
    if spend is None:
        overall = float(own[x > 0].mean()) if (x > 0).any() else 0.0
        return np.where(x > 0, own, overall)
    expected = spend.expected_spend(x, own)
    fallback = float(np.nanmean(own[x > 0])) if (x > 0).any() else 0.0
    return np.where(np.isfinite(expected), expected, np.where(x > 0, own, fallback))


def _discounted_purchases(
    model: BetaGeoModel,
    season: SeasonalIndex,
    summary: pl.DataFrame,
    *,
    end: dt.date,
    horizon: float,
    unit: int,
    rate: float,
) -> np.ndarray:
    """Expected purchases over the horizon, each step discounted to the calibration
    end at ``rate`` a year (steps of at least one period, at most :data:`VALUE_STEPS`)."""
    x, t_x, age = (summary[c].to_numpy() for c in ("frequency", "recency", "T"))
    steps = max(1, min(VALUE_STEPS, math.ceil(horizon)))
    grid = np.linspace(0.0, horizon, steps + 1)
    cumulative = [np.zeros(x.size)]
    for t in grid[1:]:
        operational = season.operational_periods(end, float(t), unit_days=unit)
        cumulative.append(model.expected_purchases(operational, x, t_x, age))
    total = np.zeros(x.size)
    for k in range(1, steps + 1):
        years = (grid[k - 1] + grid[k]) / 2 * unit / DAYS_PER_YEAR
        total += (cumulative[k] - cumulative[k - 1]) / (1.0 + rate) ** years
    return total


def _fit_notes(model: BetaGeoModel, summary: pl.DataFrame) -> list[str]:
    n = summary.height
    repeaters = int((summary["frequency"] > 0).sum())
    if n >= SMALL_STORE:
        return []
    spread = ", ".join(
        f"{name} {value:.3g} ± {model.standard_errors_[name]:.2g}"
        for name, value in model.params_.items()
    )
    return [
        f"small store: fitted on {n} customers ({repeaters} repeat buyers); the"
        f" parameters are uncertain ({spread}, ± one standard error), so treat"
        " individual predictions as rough"
    ]
