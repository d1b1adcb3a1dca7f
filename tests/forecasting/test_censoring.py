"""Stockout-aware demand: hand-made cases, invariants and the simulator's truth."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradepilot.domain.errors import DataValidationError, NotFittedError
from tradepilot.forecasting.censoring import (
    CensoredDemandCorrector,
    availability_from_snapshots,
    evaluate_on_simulation,
    poisson_tail_mean,
    recovery_error,
)
from tradepilot.simulate import SimulationConfig, simulate_store

MONDAY = dt.date(2024, 1, 1)


def weekly(y: list[int], **columns: list[object]) -> pl.DataFrame:
    """One series ``A`` of Monday weeks with sales ``y`` and extra columns."""
    ds = [MONDAY + dt.timedelta(weeks=w) for w in range(len(y))]
    return pl.DataFrame({"unique_id": "A", "ds": ds, "y": y, **columns})


def correct(panel: pl.DataFrame, **params: object) -> pl.DataFrame:
    return CensoredDemandCorrector(**params).fit(panel).transform(panel)


def steady_with_stockout(**availability: list[object]) -> pl.DataFrame:
    """10 units a week for 12 weeks; weeks 5 and 6 stocked out, selling 3 and 0."""
    return weekly([10] * 5 + [3, 0] + [10] * 5, **availability)


def test_known_shares_add_the_rate_times_the_unavailable_share() -> None:
    # given shares 0.3 and 0.0 in the stocked-out weeks, 1 elsewhere
    shares = [1.0] * 5 + [0.3, 0.0] + [1.0] * 5
    # when corrected
    out = correct(steady_with_stockout(in_stock_share=shares))
    # then demand = y + rate * (1 - share) with rate 10: 3 + 7 and 0 + 10
    assert out["y"].to_list() == [10.0] * 12
    assert out["lost"].to_list() == [0.0] * 5 + [7.0, 10.0] + [0.0] * 5
    assert out["censored"].to_list() == [False] * 5 + [True, True] + [False] * 5
    assert out["y_observed"].to_list() == [10] * 5 + [3, 0] + [10] * 5


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        # E[D | D >= 3] under Poisson(10): (10 - 110 e^-10) / (1 - 61 e^-10)
        ("poisson", (10 - 110 * math.exp(-10)) / (1 - 61 * math.exp(-10))),
        ("level", 10.0),
    ],
    ids=["poisson-tail-mean", "level"],
)
def test_sold_out_week_of_unknown_share(method: str, expected: float) -> None:
    # given the two weeks flagged stocked out without a share
    stocked = [False] * 5 + [True, True] + [False] * 5
    # when corrected
    out = correct(steady_with_stockout(stocked_out=stocked), method=method)
    # then the week that sold 3 gets E[D | D >= 3] (or max(3, 10)), the empty one 10
    assert out["y"][5] == pytest.approx(expected, rel=1e-12)
    assert out["y"][6] == 10.0


def tail_mean_by_summing(y: int, r: float) -> float:
    """E[D | D >= y] summing the Poisson pmf (in logs) far enough past y and r."""
    d = np.arange(y, y + int(r + 30 * math.sqrt(r + 1)) + 60)
    log_pmf = d * math.log(r) - r - np.array([math.lgamma(k + 1) for k in d])
    weights = np.exp(log_pmf - log_pmf.max())
    return float((d * weights).sum() / weights.sum())


@pytest.mark.parametrize(
    ("y", "r"),
    [(0, 7.0), (1, 0.3), (4, 10.0), (9, 10.0), (30, 10.0), (100, 100.0), (400, 1.0)],
)
def test_poisson_tail_mean_matches_summing_the_pmf(y: int, r: float) -> None:
    assert poisson_tail_mean(y, r) == pytest.approx(
        tail_mean_by_summing(y, r), rel=1e-9
    )


def test_poisson_tail_mean_edges() -> None:
    # no rate: the bound itself; far below a large rate: the rate
    assert poisson_tail_mean([5, 2], [0.0, 5000.0]).tolist() == [5.0, 5000.0]


def test_inference_flags_a_steady_sellers_zero_run_and_the_run_out_week() -> None:
    # given a steady seller that sold 4 units, then nothing for two weeks, then 10 again
    panel = weekly([10] * 8 + [4, 0, 0] + [10] * 5)
    # when corrected without availability
    out = correct(panel)
    # then the run-out week and the zero run are censored, the zeros worth the rate
    assert out["censored"].to_list() == [False] * 8 + [True] * 3 + [False] * 5
    assert out["y"][9] == out["y"][10] == 10.0
    assert out["y"][8] == pytest.approx(poisson_tail_mean(4, 10.0)[()], rel=1e-12)


@pytest.mark.parametrize(
    "y",
    [
        [1 if w % 5 == 0 else 0 for w in range(50)],  # sells in 20% of weeks
        [10] * 12 + [0] * 4,  # stops and never resumes: maybe delisted
        [2, 3, 1, 2, 0, 2, 3, 1, 0, 2, 2, 1],  # slow seller, zeros are normal
    ],
    ids=["intermittent", "no-resume", "slow-seller"],
)
def test_inference_leaves_ordinary_zeros_alone(y: list[int]) -> None:
    out = correct(weekly(y))
    assert not out["censored"].any()
    assert out["y"].to_list() == [float(v) for v in y]


@pytest.mark.parametrize(
    "availability",
    [{}, {"in_stock_share": [1.0] * 12}, {"stocked_out": [False] * 12}],
    ids=["inferred", "share-1", "never-stocked-out"],
)
def test_series_without_stockouts_is_unchanged(
    availability: dict[str, list[object]],
) -> None:
    y = [7, 9, 12, 8, 10, 11, 6, 9, 13, 10, 8, 9]
    out = correct(weekly(y, **availability))
    assert out["y"].to_list() == [float(v) for v in y]
    assert out["lost"].sum() == 0.0
    assert not out["censored"].any()


def test_no_rate_before_launch_nor_long_into_an_unended_stockout() -> None:
    # given 3 weeks out before the first sale and 10 weeks out at the end
    stocked = [True] * 3 + [False] * 6 + [True] * 10
    panel = weekly([0] * 3 + [10] * 6 + [0] * 10, stocked_out=stocked)
    # when corrected with max_open_run 4
    out = correct(panel, max_open_run=4)
    # then only the first 4 weeks of the final stockout get demand
    assert out["censored"].to_list() == stocked
    assert out["lost"].to_list() == [0.0] * 9 + [10.0] * 4 + [0.0] * 6


def test_transform_uses_the_fitted_history_as_context() -> None:
    # given a fit on the whole history and a transform of the stockout weeks only
    shares = [1.0] * 5 + [0.3, 0.0] + [1.0] * 5
    panel = steady_with_stockout(in_stock_share=shares)
    model = CensoredDemandCorrector().fit(panel)
    # when
    out = model.transform(panel[5:7])
    # then the neighbours come from the fit
    assert out["y"].to_list() == [10.0, 10.0]
    assert out.height == 2


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["A", "B"]),
            st.integers(0, 40),
            st.none() | st.floats(0, 1),
            st.none() | st.booleans(),
        ),
        min_size=1,
        max_size=60,
    ),
    method=st.sampled_from(["poisson", "level"]),
)
def test_demand_never_below_sales(
    rows: list[tuple[str, int, float | None, bool | None]], method: str
) -> None:
    ids, y, share, stocked = zip(*rows, strict=True)
    ds = list(range(len(rows)))  # distinct periods; each series keeps its order
    panel = pl.DataFrame(
        {"unique_id": ids, "ds": ds, "y": y, "in_stock_share": share},
        schema_overrides={"in_stock_share": pl.Float64},
    ).with_columns(stocked_out=pl.Series(stocked, dtype=pl.Boolean))
    out = correct(panel, method=method, window=2, lookback=4)
    assert (out["lost"] >= 0).all()
    assert (out["y"] >= out["y_observed"]).all()
    assert out.filter(~pl.col("censored"))["lost"].sum() == 0.0
    assert sorted(out["y_observed"].to_list()) == sorted(y)


def test_availability_from_weekly_counts() -> None:
    # given Sunday counts in two warehouses; week 3 uncounted
    sundays = [MONDAY + dt.timedelta(weeks=w, days=6) for w in (0, 1, 2, 4, 5)]
    counts = pl.DataFrame(
        {
            "sku": ["A"] * 10,
            "date": sundays * 2,
            "warehouse": ["W1"] * 5 + ["W2"] * 5,
            "on_hand": [3, 0, 0, 0, 2] + [1, 0, 0, 0, 0],
        }
    )
    panel = weekly([5, 4, 0, 1, 2, 6])
    # when
    out = availability_from_snapshots(counts, panel, id_column="sku")
    # then: in stock; ran out; out all week; unknown; out again; restocked
    assert out["in_stock_share"].to_list() == [1.0, None, 0.0, None, None, None]
    assert out["stocked_out"].to_list() == [False, True, True, None, True, True]


@pytest.mark.parametrize(
    ("panel", "message"),
    [
        (weekly([1, -1]), "y_null_or_negative"),
        (weekly([1, 1], in_stock_share=[0.5, 1.5]), "share_outside_0_1"),
        (weekly([1, 1]).vstack(weekly([1, 1])), "duplicate_periods"),
        (weekly([1, 1]).drop("y"), "lacks column"),
    ],
    ids=["negative", "share", "duplicate", "missing"],
)
def test_invalid_panel_is_rejected(panel: pl.DataFrame, message: str) -> None:
    with pytest.raises(DataValidationError, match=message):
        CensoredDemandCorrector().fit(panel)


@pytest.mark.parametrize(
    "params",
    [{"method": "tobit"}, {"window": 0}, {"alpha": 1.5}, {"min_sell_share": -0.1}],
    ids=["method", "window", "alpha", "share"],
)
def test_invalid_parameters_are_rejected(params: dict[str, object]) -> None:
    with pytest.raises(DataValidationError, match="must be"):
        CensoredDemandCorrector(**params).fit(weekly([1, 2]))


def test_transform_before_fit_raises() -> None:
    with pytest.raises(NotFittedError):
        CensoredDemandCorrector().transform(weekly([1, 2]))


def test_recovery_error_by_hand() -> None:
    # censored periods 0 and 2: observed misses 7 + 4 of 20, corrected 1 + 1
    result = recovery_error(
        [10, 10, 10, 5],
        [3, 10, 6, 5],
        [9, 10, 11, 5],
        flagged=[True, False, True, True],
    )
    assert result["censored"] == {
        "periods": 2.0,
        "mae_observed": 5.5,
        "mae_corrected": 1.0,
        "wape_observed": 11 / 20,
        "wape_corrected": 2 / 20,
        "reduction": 1 - 2 / 11,
        "bias_corrected": 0.0,
    }
    assert result["all"]["wape_corrected"] == 2 / 35
    assert result["flags"] == {"flagged": 3.0, "recall": 1.0, "precision": 2 / 3}


def test_correction_recovers_demand_of_a_simulated_store() -> None:
    # given a small simulated store with its true demand
    config = SimulationConfig(
        seed=3, n_days=365, n_skus=60, n_customers=500, demand_scale=2.0
    )
    # when evaluated with both sources of availability
    result = evaluate_on_simulation(simulate_store(config))
    # then the correction cuts the error of stocked-out weeks
    assert result["snapshots"]["censored"]["reduction"] > 0.3
    assert result["snapshots"]["all"]["reduction"] > 0.3
    assert result["inference"]["censored"]["reduction"] > 0
