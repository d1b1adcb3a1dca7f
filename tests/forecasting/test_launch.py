"""New series forecast from earlier launches: hand-computed curves, intervals, and
established series left exactly as they were."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from tests.forecasting.test_selection import weekly

from tradepilot.domain.errors import DataValidationError, NotFittedError
from tradepilot.forecasting.choice import explain_choice
from tradepilot.forecasting.launch import (
    INTERVAL_METHOD,
    LAUNCH_MODEL,
    PeerLaunchForecaster,
    apply_launch,
)
from tradepilot.forecasting.panel_file import forecast_file
from tradepilot.forecasting.selection import AutoForecaster

WEEKS = 30
HORIZON = 4


def padded(y: list[float], weeks: int = WEEKS) -> np.ndarray:
    """``y`` ending at the panel's last week, zeros before (not yet launched)."""
    return np.r_[np.zeros(weeks - len(y)), y]


def test_forecast_is_own_mean_times_pooled_peer_ratio() -> None:
    # given two launches (base = their first week: 4 and 2) and a new series
    # selling 6 in its only week
    panel = weekly(
        {
            "a": padded([4.0, 2, 2, 0, 0, 0], weeks=10),
            "b": padded([2.0, 4, 0, 0, 0, 0], weeks=10),
            "new": padded([6.0], weeks=10),
        }
    )
    # when
    got = PeerLaunchForecaster(horizon=3, new_within=2, scale=0.5).fit(panel)
    # then: ages 1, 2, 3 pool (2+4)/(4+2)=1, (2+0)/6=1/3, 0/6=0; x 6 x 0.5
    fc = got.predict()
    assert fc["unique_id"].to_list() == ["new"] * 3
    assert fc["step"].to_list() == [1, 2, 3]
    assert fc["forecast"].to_list() == pytest.approx([3.0, 1.0, 0.0])


def test_ages_no_peer_reached_carry_the_oldest_ratio() -> None:
    panel = weekly({"a": padded([4.0, 2], weeks=6), "new": padded([6.0], weeks=6)})
    fc = PeerLaunchForecaster(horizon=3, new_within=2, scale=1.0).fit(panel).predict()
    assert fc["forecast"].to_list() == pytest.approx([3.0, 3.0, 3.0])


def test_without_earlier_launches_the_forecast_is_the_scaled_own_mean() -> None:
    panel = weekly({"new": padded([2.0, 4.0], weeks=3)})
    fc = PeerLaunchForecaster(horizon=2, new_within=4, scale=0.5).fit(panel).predict()
    assert fc["forecast"].to_list() == pytest.approx([1.5, 1.5])


def test_series_that_were_selling_when_the_data_begin_are_not_peers() -> None:
    # "old" sells from the first week: not a launch, so the new series has no peer
    panel = weekly({"old": padded([9.0] * 6, weeks=6), "new": padded([2.0], weeks=6)})
    fc = PeerLaunchForecaster(horizon=2, new_within=2, scale=1.0).fit(panel).predict()
    assert fc["forecast"].to_list() == pytest.approx([2.0, 2.0])


def test_intervals_are_nested_around_the_forecast() -> None:
    rng = np.random.default_rng(3)
    series = {
        f"p{i}": padded(list(rng.poisson(5, 12).astype(float) + 1), weeks=24)
        for i in range(20)
    }
    series |= {"n1": padded([3.0, 0, 5], weeks=24), "n2": padded([10.0], weeks=24)}
    fc = PeerLaunchForecaster(horizon=6).fit(weekly(series)).predict()
    assert sorted(fc["unique_id"].unique().to_list()) == ["n1", "n2"]
    assert (fc["lo_95"] <= fc["lo_80"]).all()
    assert (fc["lo_80"] <= fc["forecast"]).all()
    assert (fc["forecast"] <= fc["hi_80"]).all()
    assert (fc["hi_80"] <= fc["hi_95"]).all()
    assert (fc["hi_95"] > fc["lo_95"]).all()
    assert (fc["lo_95"] >= 0).all()


def test_nearest_peers_by_text_pull_the_curve_towards_them() -> None:
    # a mug that kept selling and a candle that stopped; the new mug follows mugs
    panel = weekly(
        {
            "mug": padded([4.0, 4, 4, 4], weeks=8),
            "candle": padded([4.0, 0, 0, 0], weeks=8),
            "new": padded([2.0], weeks=8),
        }
    )
    texts = pl.DataFrame(
        {
            "unique_id": ["mug", "candle", "new"],
            "text": ["BLUE SPOTTY MUG", "VANILLA CANDLE", "RED SPOTTY MUG"],
        }
    )
    store = PeerLaunchForecaster(horizon=1, new_within=2, scale=1.0).fit(panel)
    near = PeerLaunchForecaster(
        horizon=1, new_within=2, scale=1.0, n_neighbors=1, peer_weight=1.0
    ).fit(panel, texts=texts)
    assert store.predict()["forecast"].to_list() == pytest.approx([1.0])
    assert near.predict()["forecast"].to_list() == pytest.approx([2.0])


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"horizon": 0}, id="horizon"),
        pytest.param({"new_within": 1}, id="new_within"),
        pytest.param({"peer_weight": 1.5}, id="peer_weight"),
        pytest.param({"scale": 0.0}, id="scale"),
        pytest.param({"levels": (80, 100)}, id="levels"),
    ],
)
def test_invalid_parameters_are_refused(params: dict[str, object]) -> None:
    panel = weekly({"new": padded([1.0], weeks=2)})
    with pytest.raises(DataValidationError, match="PeerLaunchForecaster"):
        PeerLaunchForecaster(**params).fit(panel)  # type: ignore[arg-type]


def test_predict_before_fit_raises() -> None:
    with pytest.raises(NotFittedError):
        PeerLaunchForecaster().predict()


def test_apply_launch_replaces_only_its_series() -> None:
    forecasts = pl.DataFrame(
        {
            "unique_id": ["a", "a", "b", "b"],
            "ds": [1, 2, 1, 2],
            "forecast": [1.0, 1.0, 5.0, 5.0],
            "lo_80": [0.0, 0.0, 4.0, 4.0],
            "hi_80": [2.0, 2.0, 6.0, 6.0],
            "model": ["MovingAverage", "MovingAverage", "ADIDA", "ADIDA"],
        }
    )
    launch = pl.DataFrame(
        {
            "unique_id": ["a", "a"],
            "step": [1, 2],
            "forecast": [3.0, 2.0],
            "lo_80": [1.0, 0.5],
            "hi_80": [4.0, 3.0],
        }
    )
    out = apply_launch(forecasts, launch, [80])
    assert out.columns == forecasts.columns
    assert out.rows()[:2] == [
        ("a", 1, 3.0, 1.0, 4.0, LAUNCH_MODEL),
        ("a", 2, 2.0, 0.5, 3.0, LAUNCH_MODEL),
    ]
    assert out.rows()[2:] == forecasts.rows()[2:]


def store_panel() -> pl.DataFrame:
    """Established Poisson series, earlier launches and three new series."""
    rng = np.random.default_rng(11)
    series = {
        f"old{i}": rng.poisson(rng.uniform(1, 20), WEEKS).astype(float)
        for i in range(8)
    }
    for i in range(6):
        launch = rng.poisson(6, WEEKS - 10 - i).astype(float)
        launch[0] = 25.0  # a launch order
        series[f"launch{i}"] = padded(list(launch))
    series |= {
        "new1": padded([12.0]),
        "new2": padded([8.0, 0, 3]),
        "new3": padded([5.0, 2, 2, 1, 0, 4, 1]),
    }
    return weekly(series)


@pytest.fixture(scope="module")
def fitted() -> tuple[AutoForecaster, AutoForecaster]:
    panel = store_panel()
    params = {"season_length": 52, "horizon": HORIZON, "n_windows": 1}
    on = AutoForecaster(**params).fit(panel)  # type: ignore[arg-type]
    off = AutoForecaster(**params, launch_model=False).fit(panel)  # type: ignore[arg-type]
    return on, off


def test_established_series_are_unchanged_by_the_launch_model(
    fitted: tuple[AutoForecaster, AutoForecaster],
) -> None:
    on, off = fitted
    established = ~pl.col("unique_id").str.starts_with("new")
    assert on.predict().filter(established).height == 14 * HORIZON
    assert_frame_equal(
        on.predict().filter(established), off.predict().filter(established)
    )
    assert_frame_equal(
        on.choices_.filter(established), off.choices_.filter(established)
    )
    assert_frame_equal(on.scores_, off.scores_)


def test_new_series_are_forecast_from_the_launches(
    fitted: tuple[AutoForecaster, AutoForecaster],
) -> None:
    on, off = fitted
    new = pl.col("unique_id").str.starts_with("new")
    chosen = on.choices_.filter(new)
    assert chosen["demand_class"].to_list() == ["new"] * 3
    assert chosen["model"].to_list() == [LAUNCH_MODEL] * 3
    assert chosen["interval_method"].to_list() == [INTERVAL_METHOD] * 3
    assert off.choices_.filter(new)["model"].to_list() == ["MovingAverage"] * 3
    got = on.predict().filter(new)
    assert got.height == 3 * HORIZON
    assert (got["model"] == LAUNCH_MODEL).all()
    assert (got["forecast"] > 0).all()
    assert not got["forecast"].equals(off.predict().filter(new)["forecast"])


def test_explanation_names_the_launch_curve() -> None:
    got = explain_choice([], model=LAUNCH_MODEL, demand_class="new", n_windows=0)
    assert got.text.startswith(f"{LAUNCH_MODEL}: a new series, forecast from")


def test_forecast_series_gives_a_new_series_the_launch_forecast(
    tmp_path: Path,
) -> None:
    # given a table (weeks ending Friday) with established series, earlier launches
    # and a listing that first sold two weeks ago
    panel = store_panel().with_columns(pl.col("ds") + dt.timedelta(days=4))
    source, out = tmp_path / "sales.csv", tmp_path / "forecast.csv"
    panel.rename({"unique_id": "listing", "ds": "week", "y": "units"}).write_csv(source)
    # when
    forecast_file(
        source, out, id_col="listing", time_col="week", target_col="units", horizon=3
    )
    # then
    got = pl.read_csv(out)
    models = dict(got.group_by("listing").agg(pl.col("model").first()).iter_rows())
    assert {models[k] for k in ("new1", "new2", "new3")} == {LAUNCH_MODEL}
    assert LAUNCH_MODEL not in {models[k] for k in models if not k.startswith("new")}
    assert got.filter(pl.col("listing") == "new1")["week"].to_list() == [
        "2023-08-04",
        "2023-08-11",
        "2023-08-18",
    ]
