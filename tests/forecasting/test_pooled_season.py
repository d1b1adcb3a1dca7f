"""The pooled seasonal model of ``forecast series`` (one season of history, many series)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from statsforecast import StatsForecast
from statsforecast.models import SeasonalNaive

from tradepilot.forecasting.pooled_season import (
    POOLED,
    POOLED_MEAN,
    calendar_weights,
    fit_pooled,
)

WEEKS, HORIZON, SEASON = 100, 13, 52


def shared_shape_panel(seed: int, n: int = 60, weeks: int = WEEKS) -> pl.DataFrame:
    """Series with three yearly shapes, each series' own level and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(weeks)
    shapes = [
        1 + 0.6 * np.sin(2 * np.pi * (t + phase) / SEASON) for phase in (0, 13, 26)
    ]
    rows = []
    start = dt.date(2021, 1, 1)
    for i in range(n):
        level = rng.lognormal(4, 0.5)
        y = level * shapes[i % 3] * rng.lognormal(0, 0.25, weeks)
        rows += [(f"s{i}", start + dt.timedelta(weeks=int(w)), float(y[w])) for w in t]
    return pl.DataFrame(rows, schema=["unique_id", "ds", "y"], orient="row")


def rmsse(forecast: pl.DataFrame, actual: pl.DataFrame, train: pl.DataFrame) -> float:
    scale = train.group_by("unique_id").agg(
        scale=(pl.col("y").diff() ** 2).mean().sqrt()
    )
    errors = (
        actual.join(forecast, on=["unique_id", "ds"])
        .group_by("unique_id")
        .agg(rmse=((pl.col("forecast") - pl.col("y")) ** 2).mean().sqrt())
        .join(scale, on="unique_id")
    )
    return float((errors["rmse"] / errors["scale"]).mean())


def test_pooling_beats_seasonal_naive_fitted_by_statsforecast() -> None:
    panel = shared_shape_panel(seed=3)
    cutoff = panel["ds"].unique().sort()[WEEKS - HORIZON - 1]
    train, test = (
        panel.filter(pl.col("ds") <= cutoff),
        panel.filter(pl.col("ds") > cutoff),
    )

    fit = fit_pooled(
        train, season_length=SEASON, horizon=HORIZON, levels=(80, 95), freq="W-FRI"
    )
    sf = StatsForecast(models=[SeasonalNaive(SEASON)], freq="W-FRI")
    naive = pl.from_pandas(sf.forecast(df=train.to_pandas(), h=HORIZON)).select(
        "unique_id", pl.col("ds").cast(pl.Date), forecast="SeasonalNaive"
    )

    assert fit.rank is not None
    assert 2 <= fit.rank <= 10  # three shapes and a mean
    assert set(fit.forecasts["model"]) <= {
        POOLED,
        POOLED_MEAN,
        "SeasonalNaive",
        "MovingAverage8",
    }
    assert rmsse(fit.forecasts, test, train) < 0.9 * rmsse(naive, test, train)


def test_forecast_dates_follow_the_panel_and_intervals_nest() -> None:
    train = shared_shape_panel(seed=4, weeks=80)
    fit = fit_pooled(
        train, season_length=SEASON, horizon=HORIZON, levels=(80, 95), freq="W-FRI"
    )
    f = fit.forecasts

    assert f.height == 60 * HORIZON
    assert f["ds"].min() == train["ds"].max() + dt.timedelta(weeks=1)
    assert f.filter(
        (pl.col("lo_95") > pl.col("lo_80"))
        | (pl.col("lo_80") > pl.col("forecast"))
        | (pl.col("forecast") > pl.col("hi_80"))
        | (pl.col("hi_80") > pl.col("hi_95"))
        | (pl.col("lo_95") < 0)
    ).is_empty()


@pytest.mark.parametrize(
    ("weeks", "n", "why"),
    [(63, 60, "have 64 periods or more"), (100, 5, "needs 20")],
    ids=["short-history", "few-series"],
)
def test_too_little_to_pool_is_a_note(weeks: int, n: int, why: str) -> None:
    fit = fit_pooled(
        shared_shape_panel(seed=5, n=n, weeks=weeks),
        season_length=SEASON,
        horizon=HORIZON,
        levels=(80,),
    )
    assert fit.forecasts.is_empty()
    assert why in fit.notes[0]


def test_a_short_history_is_checked_on_the_periods_left_after_a_season() -> None:
    # 66 weeks: a season and an 8-week level window leave 6 weeks to check on,
    # too few to judge one series by, so the panel's choice holds for every series
    fit = fit_pooled(
        shared_shape_panel(seed=7, weeks=66),
        season_length=SEASON,
        horizon=HORIZON,
        levels=(80,),
    )

    assert fit.forecasts["unique_id"].n_unique() == 60
    assert fit.forecasts["model"].n_unique() == 1
    assert fit.forecasts["model"][0] in {POOLED, POOLED_MEAN}
    assert "on the last 6 periods" in fit.notes[0]


def test_a_panel_without_a_season_keeps_its_own_models() -> None:
    rng = np.random.default_rng(6)
    start = dt.date(2021, 1, 1)
    rows = [
        (f"s{i}", start + dt.timedelta(weeks=w), float(v))
        for i in range(40)
        for w, v in enumerate(rng.poisson(20, WEEKS))
    ]
    panel = pl.DataFrame(rows, schema=["unique_id", "ds", "y"], orient="row")

    fit = fit_pooled(panel, season_length=SEASON, horizon=HORIZON, levels=(80,))

    # white noise: the moving average wins the validation window, the panel
    # gives the series to the per-series models
    assert fit.forecasts.is_empty()
    assert "not used" in fit.notes[0]


def test_a_year_back_is_taken_by_the_calendar() -> None:
    # 52 weeks are a day short of a year, two across a February 29th
    weights = calendar_weights(
        [dt.date(2011, 12, 23), dt.date(2012, 2, 24), dt.date(2012, 3, 2)]
    )
    assert weights.tolist() == pytest.approx([1 / 7, 1 / 7, 2 / 7])


def test_a_holiday_fixed_by_date_follows_its_date() -> None:
    # every year the week holding December 24th sells 5x; weeks end on Fridays, so
    # the week ending 2011-12-23 no longer holds it and the week after does
    rng = np.random.default_rng(3)
    start = dt.date(2010, 2, 5)
    rows = []
    for i in range(40):
        level = rng.lognormal(4, 0.5)
        for w in range(91):
            day = start + dt.timedelta(weeks=w)
            peak = day - dt.timedelta(days=6) <= dt.date(day.year, 12, 24) <= day
            shape = (1 + 0.5 * np.sin(2 * np.pi * w / SEASON)) * (5 if peak else 1)
            rows.append((f"s{i}", day, float(level * shape * rng.lognormal(0, 0.1))))
    panel = pl.DataFrame(rows, schema=["unique_id", "ds", "y"], orient="row")

    def weeks(freq: str) -> list[float]:
        fit = fit_pooled(
            panel, season_length=SEASON, horizon=13, levels=(80,), freq=freq
        )
        assert not fit.forecasts.is_empty()
        return (
            fit.forecasts.group_by("ds")
            .agg(pl.col("forecast").sum())
            .sort("ds")["forecast"]
            .to_list()
        )

    # weeks 8 and 9 end 2011-12-23 and 2011-12-30; daily labels take no calendar
    # weights (the same model, the plain 52 periods back)
    by_calendar, plain = weeks("W-FRI"), weeks("D")
    assert by_calendar[7] < 0.95 * plain[7]
    assert by_calendar[8] > 1.2 * plain[8]
