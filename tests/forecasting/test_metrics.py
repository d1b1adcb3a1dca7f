"""Accuracy metrics against hand computations."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from tradepilot.domain.errors import DataValidationError
from tradepilot.forecasting.metrics import cv_scores, evaluate, series_accuracy

D = [dt.date(2024, 1, 1) + dt.timedelta(weeks=i) for i in range(6)]


def frame(uid: str, days: list[dt.date], **columns: list[float]) -> pl.DataFrame:
    return pl.DataFrame({"unique_id": uid, "ds": days, **columns})


@pytest.fixture
def train() -> pl.DataFrame:
    # a: the leading zero is dropped, so the naive diffs are 2, -1:
    #    scale MSE (4 + 1) / 2 = 2.5, scale MAE 1.5 (with the zero it would be 2)
    # b: [2, 2] since the first sale, scale 0: no scaled error
    return pl.concat(
        [
            frame("a", D[:4], y=[0.0, 2, 4, 3]),
            frame("b", D[:4], y=[0.0, 0, 2, 2]),
        ]
    )


@pytest.fixture
def actuals() -> pl.DataFrame:
    return pl.concat([frame("a", D[4:], y=[3.0, 5]), frame("b", D[4:], y=[1.0, 3])])


@pytest.fixture
def forecasts() -> pl.DataFrame:
    # errors f - y: a: +1, -1; b: +1, +1. Intervals: a outside [3.5, 4.5] twice,
    # inside [2.5, 5.5] twice; b inside both, on the bounds at 80%.
    return pl.concat(
        [
            frame(
                "a",
                D[4:],
                forecast=[4.0, 4],
                lo_80=[3.5, 3.5],
                hi_80=[4.5, 4.5],
                lo_95=[2.5, 2.5],
                hi_95=[5.5, 5.5],
            ),
            frame(
                "b",
                D[4:],
                forecast=[2.0, 4],
                lo_80=[1.0, 3],
                hi_80=[3.0, 5],
                lo_95=[0.0, 2],
                hi_95=[4.0, 6],
            ),
        ]
    )


def test_series_accuracy_scales_by_naive_error_since_first_sale(
    forecasts: pl.DataFrame, actuals: pl.DataFrame, train: pl.DataFrame
) -> None:
    result = series_accuracy(forecasts, actuals, train, levels=(80,))

    assert result.columns == ["unique_id", "n", "rmsse", "mase", "coverage_80"]
    a, b = result.rows(named=True)
    # a: MSE 1 / 2.5, MAE 1 / 1.5
    assert a["rmsse"] == pytest.approx(math.sqrt(0.4))
    assert a["mase"] == pytest.approx(2 / 3)
    assert a["coverage_80"] == 0.0
    assert (b["rmsse"], b["mase"], b["coverage_80"]) == (None, None, 1.0)
    assert (a["n"], b["n"]) == (2, 2)


def test_evaluate_pools_and_excludes_zero_scale_series(
    forecasts: pl.DataFrame, actuals: pl.DataFrame, train: pl.DataFrame
) -> None:
    result = evaluate(forecasts, actuals, train, levels=(80, 95))

    # |errors| 1, 1, 1, 1 over actuals 3 + 5 + 1 + 3 = 12; sum(f - y) = 2
    assert result == {
        "series": 2,
        "rmsse": pytest.approx(math.sqrt(0.4)),
        "mase": pytest.approx(2 / 3),
        "wape": pytest.approx(4 / 12),
        "bias": pytest.approx(2 / 12),
        "coverage": {"80": 0.5, "95": 1.0},
        "zero_scale": 1,
    }


def test_evaluate_scores_only_points_with_a_forecast(
    forecasts: pl.DataFrame, actuals: pl.DataFrame, train: pl.DataFrame
) -> None:
    extra = frame("c", D[4:], y=[7.0, 7])

    result = evaluate(
        forecasts.filter(pl.col("unique_id") == "a"),
        pl.concat([actuals, extra]),
        train,
        levels=(80,),
    )

    assert result["series"] == 1
    assert result["wape"] == pytest.approx(2 / 8)


def test_evaluate_reports_none_when_actuals_sum_to_zero(train: pl.DataFrame) -> None:
    zeros = frame("a", D[4:], y=[0.0, 0])
    fc = frame("a", D[4:], forecast=[1.0, 1], lo_80=[0.0, 0], hi_80=[2.0, 2])

    result = evaluate(fc, zeros, train, levels=(80,))

    assert (result["wape"], result["bias"]) == (None, None)
    assert result["coverage"] == {"80": 1.0}


def test_evaluate_names_missing_forecast_columns(
    actuals: pl.DataFrame, train: pl.DataFrame
) -> None:
    fc = frame("a", D[4:], forecast=[1.0, 1])

    with pytest.raises(DataValidationError, match="lo_80, hi_80 missing"):
        evaluate(fc, actuals, train, levels=(80,))


def test_cv_scores_average_windows_and_void_non_finite_models() -> None:
    # history 1, 3, 2, 4; windows cut after week 1 (scale (3 - 1)^2 = 4) and after
    # week 2 (scale (4 + 1) / 2 = 2.5); model M errors 1 and -1.
    history = frame("a", D[:4], y=[1.0, 3, 2, 4])
    cv = frame(
        "a",
        D[2:4],
        cutoff=D[1:3],
        y=[2.0, 4],
        M=[3.0, 3],
        Broken=[3.0, float("nan")],
    )

    result = cv_scores(cv, history, ["M", "Broken"])

    assert result.rows() == [
        ("a", "Broken", None, None, 2),
        ("a", "M", pytest.approx((0.5 + math.sqrt(0.4)) / 2), 1.0, 2),
    ]


def test_cv_scores_ignore_windows_with_zero_scale() -> None:
    # the first window trains on [2, 2] (scale 0); only the second counts for RMSSE
    history = frame("a", D[:4], y=[2.0, 2, 4, 1])
    cv = frame("a", D[2:4], cutoff=D[1:3], y=[4.0, 1], M=[2.0, 2])

    result = cv_scores(cv, history, ["M"]).row(0, named=True)

    # second window: scale diffs 0, 2 -> MSE 2; error -1 -> MSE 1
    assert result["cv_rmsse"] == pytest.approx(math.sqrt(1 / 2))
    assert result["cv_mae"] == pytest.approx(1.5)
