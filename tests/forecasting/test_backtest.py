"""Backtest of the selection against the baselines at one forecast origin."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl
import pytest

from tradepilot.domain.errors import DataValidationError
from tradepilot.forecasting.backtest import backtest
from tradepilot.forecasting.models import baselines

MONDAY = dt.date(2023, 1, 2)
WEEKS = 48
CUTOFF = MONDAY + dt.timedelta(weeks=40)
ACCURACY_KEYS = {"series", "rmsse", "mase", "wape", "bias", "coverage", "zero_scale"}


def panel(seed: int = 3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    series = {
        **{f"smooth{i}": rng.poisson(8, WEEKS) for i in range(4)},
        **{
            f"sparse{i}": (rng.random(WEEKS) < 0.4) * rng.poisson(3, WEEKS)
            for i in range(4)
        },
        # too few sales before the cutoff: left out
        "rare": np.r_[np.zeros(36), [1, 0, 2, 0], np.ones(8)],
    }
    days = [MONDAY + dt.timedelta(weeks=i) for i in range(WEEKS)]
    return pl.concat(
        pl.DataFrame({"unique_id": uid, "ds": days, "y": y.astype(float)})
        for uid, y in series.items()
    )


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return backtest(panel(), cutoff=CUTOFF, horizon=4, season_length=52)


def test_backtest_returns_every_key(result: dict[str, Any]) -> None:
    assert set(result) == ACCURACY_KEYS | {
        "baselines",
        "best_baseline",
        "ratio_to_best_baseline",
        "wape_ratio_to_ma8",
        "model_choices",
        "class_counts",
        "seconds",
        "baseline_seconds",
        "baseline_fallbacks",
    }
    assert result["series"] == 8
    assert set(result["coverage"]) == {"80", "95"}


def test_backtest_scores_every_baseline_on_the_same_series(
    result: dict[str, Any],
) -> None:
    scores = result["baselines"]

    assert list(scores) == list(baselines(52))
    for name, accuracy in scores.items():
        assert set(accuracy) == ACCURACY_KEYS, name
        assert accuracy["series"] == 8, name
        assert set(accuracy["coverage"]) == {"80", "95"}, name


def test_backtest_ratios_follow_from_the_scores(result: dict[str, Any]) -> None:
    scores = result["baselines"]
    best = min(scores, key=lambda name: scores[name]["rmsse"])

    assert result["best_baseline"] == best
    assert result["ratio_to_best_baseline"] == pytest.approx(
        result["rmsse"] / scores[best]["rmsse"]
    )
    assert result["wape_ratio_to_ma8"] == pytest.approx(
        result["wape"] / scores["MovingAverage8"]["wape"]
    )


def test_backtest_counts_choices_and_fallbacks(result: dict[str, Any]) -> None:
    assert sum(result["model_choices"].values()) == 8
    assert sum(result["class_counts"].values()) == 8
    # 40 weeks of history is less than a 52-week season
    assert result["baseline_fallbacks"]["SeasonalNaive"] == 8
    assert result["seconds"] > 0


def test_backtest_without_eligible_series_says_why() -> None:
    with pytest.raises(DataValidationError, match=">= 50 periods with a sale"):
        backtest(panel(), cutoff=CUTOFF, horizon=4, min_nonzero=50)


def test_backtest_fits_only_the_baselines_named() -> None:
    result = backtest(
        panel(),
        cutoff=CUTOFF,
        horizon=4,
        season_length=52,
        baseline_names=["MovingAverage8", "Naive"],
    )

    assert list(result["baselines"]) == ["Naive", "MovingAverage8"]
    assert list(result["baseline_seconds"]) == ["Naive", "MovingAverage8"]
    ma8 = result["baselines"]["MovingAverage8"]["wape"]
    assert result["wape_ratio_to_ma8"] == result["wape"] / ma8


def test_backtest_refuses_an_unknown_baseline() -> None:
    with pytest.raises(
        DataValidationError, match=r"unknown baseline\(s\) \['Prophet'\]"
    ):
        backtest(
            panel(),
            cutoff=CUTOFF,
            horizon=4,
            season_length=52,
            baseline_names=["Prophet"],
        )
