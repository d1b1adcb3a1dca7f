import datetime as dt

import pytest
from tests.customers.synthetic import seasonal_purchases

from tradepilot.customers.bgnbd import BetaGeoModel
from tradepilot.customers.clv import ClvSettings, predict_clv
from tradepilot.customers.rfm import purchase_days, summarise
from tradepilot.customers.seasonality import SeasonalIndex, learn_season

START = dt.date(2022, 1, 1)
PEAK = [1.0] * 9 + [1.4, 2.0, 2.6]  # October to December busier


def _season(purchases, end):
    days = purchase_days(purchases)
    s = summarise(days, calibration_end=end, unit_days=7)
    model = BetaGeoModel().fit(s["frequency"], s["recency"], s["T"])
    return learn_season(model, days, calibration_end=end, unit_days=7)


def test_a_busy_autumn_is_learnt_and_scales_the_autumn_holdout():
    purchases = seasonal_purchases(3, n=1500, start=START, days=730, factors=PEAK)
    end = dt.date(2023, 8, 31)

    result = predict_clv(purchases, settings=ClvSettings(calibration_end=end))

    assert result.season.applied
    assert result.season.factor(dt.date(2023, 12, 1)) > 1.6
    assert result.season.factor(dt.date(2023, 6, 1)) < 0.95
    holdout = result.holdout
    assert holdout is not None
    assert holdout["rmse"] < holdout["plain_rmse"]
    assert abs(holdout["predicted_vs_actual"] - 1) < abs(holdout["plain_vs_actual"] - 1)


def test_months_missing_from_the_calibration_are_interpolated_around_the_calendar():
    # December to August only, as the UCI data before September 2011
    purchases = seasonal_purchases(
        5, n=2500, start=dt.date(2022, 12, 1), days=400, factors=PEAK
    )

    season = _season(purchases, dt.date(2023, 8, 31))

    assert season.applied
    assert season.observed[8:11] == (False, False, False)  # Sep, Oct, Nov
    sep, octo, nov, dec = (season.factors[m] for m in (8, 9, 10, 11))
    aug = season.factors[7]
    assert aug < sep < octo < nov < dec
    assert "Sep, Oct, Nov not in the calibration data" in season.note


def test_a_flat_calendar_learns_no_season():
    purchases = seasonal_purchases(7, n=1500, start=START, days=600, factors=[1.0] * 12)

    season = _season(purchases, dt.date(2023, 6, 30))

    assert not season.applied
    assert season.factors == (1.0,) * 12
    assert "no seasonality learnt" in season.note


def test_operational_time_counts_each_day_at_its_month_factor():
    factors = (1.0,) * 11 + (2.0,)
    season = SeasonalIndex(factors, (True,) * 12, True, 0.001, "test")

    # 30 November at 1.0, then 1 and 2 December at 2.0
    periods = season.operational_periods(dt.date(2023, 11, 29), 3.0, unit_days=1)

    assert periods == pytest.approx(1.0 + 2.0 + 2.0)


def test_operational_time_counts_a_fractional_last_day_in_proportion():
    season = SeasonalIndex((2.0,) * 12, (True,) * 12, True, 0.001, "test")

    assert season.operational_periods(
        dt.date(2023, 1, 1), 1.5, unit_days=7
    ) == pytest.approx(3.0)
