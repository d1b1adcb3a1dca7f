"""AutoForecaster: choices per demand class, output contract, intervals, calibration."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tradepilot.domain.errors import DataValidationError, NotFittedError
from tradepilot.forecasting import selection
from tradepilot.forecasting.classify import since_first_sale, to_panel
from tradepilot.forecasting.launch import LAUNCH_MODEL
from tradepilot.forecasting.models import (
    CLASS_DEFAULTS,
    baselines,
    candidates,
    ensemble,
    forecast_with_intervals,
)
from tradepilot.forecasting.selection import AutoForecaster, cross_validate

MONDAY = dt.date(2023, 1, 2)
SEASON = 8
HORIZON = 4
INTERMITTENT = {m.alias for m in candidates("intermittent", SEASON)} | {"Ensemble"}


def weekly(series: dict[str, np.ndarray]) -> pl.DataFrame:
    return pl.concat(
        pl.DataFrame(
            {
                "unique_id": uid,
                "ds": [MONDAY + dt.timedelta(weeks=i) for i in range(len(y))],
                "y": np.asarray(y, dtype=float),
            }
        )
        for uid, y in series.items()
    )


def sine(n: int) -> np.ndarray:
    return 20 + 10 * np.sin(2 * np.pi * np.arange(n) / SEASON)


def mixed_panel(seed: int = 7, n: int = 64) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    sold = rng.random(n) < 0.3
    return weekly(
        {
            "dead": np.r_[rng.poisson(4, n - 24) + 1, np.zeros(24)],
            "intermittent": sold * (rng.poisson(2, n) + 2),
            "new": np.r_[np.zeros(n - 3), [3, 4, 2]],
            # 10 weeks since the first sale: too short for a 4 + 8 week window
            "short": np.r_[np.zeros(n - 10), rng.poisson(10, 10) + 1],
            "sine": sine(n) + rng.normal(0, 0.5, n),
        }
    )


@pytest.fixture(scope="module")
def fitted() -> AutoForecaster:
    model = AutoForecaster(season_length=SEASON, horizon=HORIZON, n_windows=3)
    return model.fit(mixed_panel())


@pytest.fixture(scope="module")
def choices(fitted: AutoForecaster) -> dict[str, dict[str, object]]:
    return {row["unique_id"]: row for row in fitted.choices_.iter_rows(named=True)}


def test_seasonal_series_gets_a_seasonal_model_and_tracks_the_sine(
    fitted: AutoForecaster, choices: dict[str, dict[str, object]]
) -> None:
    assert choices["sine"]["demand_class"] == "smooth"
    assert choices["sine"]["model"] in {
        "SeasonalNaive",
        "AutoETS",
        "AutoTheta",
        "Ensemble",
    }
    scores = fitted.scores_.filter(pl.col("unique_id") == "sine")
    best = scores.filter(pl.col("model") == choices["sine"]["model"])["cv_rmsse"][0]
    naive = scores.filter(pl.col("model") == "Naive")["cv_rmsse"][0]
    assert best < naive / 2
    forecast = fitted.predict().filter(pl.col("unique_id") == "sine")["forecast"]
    truth = sine(64 + HORIZON)[64:]
    assert np.abs(forecast.to_numpy() - truth).max() < 2.0


def test_intermittent_series_gets_an_intermittent_model(
    choices: dict[str, dict[str, object]],
) -> None:
    assert choices["intermittent"]["demand_class"] in {"intermittent", "lumpy"}
    assert choices["intermittent"]["model"] in INTERMITTENT
    assert choices["intermittent"]["n_windows"] == 3


def test_dead_series_forecasts_zero(fitted: AutoForecaster) -> None:
    dead = fitted.predict().filter(pl.col("unique_id") == "dead")

    assert dead["model"].unique().to_list() == ["Zero"]
    assert (
        dead.select("forecast", "lo_80", "hi_80", "lo_95", "hi_95").sum().row(0)
        == (0.0,) * 5
    )


def test_new_series_is_forecast_from_earlier_launches(
    fitted: AutoForecaster, choices: dict[str, dict[str, object]]
) -> None:
    assert {k: choices["new"][k] for k in ("demand_class", "model", "n_windows")} == {
        "demand_class": "new",
        "model": LAUNCH_MODEL,
        "n_windows": 0,
    }
    assert choices["new"]["interval_method"] == "peer_quantiles"
    new = fitted.predict().filter(pl.col("unique_id") == "new")
    assert (new["model"] == LAUNCH_MODEL).all()


def test_without_launch_model_a_new_series_uses_its_mean_since_launch() -> None:
    panel = mixed_panel().filter(pl.col("unique_id") == "new")
    model = AutoForecaster(season_length=SEASON, horizon=HORIZON, launch_model=False)
    model.fit(panel)
    assert model.choices_["model"].to_list() == ["MovingAverage"]
    assert model.choices_["interval_method"].to_list() == ["native"]
    assert model.predict()["forecast"].to_list() == [3.0] * HORIZON


def test_series_too_short_for_cv_falls_back_visibly(
    choices: dict[str, dict[str, object]],
) -> None:
    short = choices["short"]

    assert short["n_windows"] == 0
    assert short["model"] == CLASS_DEFAULTS[str(short["demand_class"])]
    assert (short["cv_rmsse"], short["cv_mae"]) == (None, None)


def test_output_contract(fitted: AutoForecaster) -> None:
    forecasts = fitted.predict()

    assert forecasts.columns == [
        "unique_id",
        "ds",
        "forecast",
        "lo_80",
        "hi_80",
        "lo_95",
        "hi_95",
        "model",
    ]
    assert forecasts.schema["ds"] == pl.Date
    assert forecasts.height == 5 * HORIZON
    assert forecasts.equals(forecasts.sort("unique_id", "ds"))
    first = MONDAY + dt.timedelta(weeks=64)
    assert forecasts.group_by("unique_id").agg(pl.col("ds").min())[
        "ds"
    ].unique().to_list() == [first]
    assert fitted.choices_.columns == [
        "unique_id",
        "demand_class",
        "model",
        "cv_rmsse",
        "cv_mae",
        "n_windows",
        "interval_method",
    ]
    assert fitted.choices_["unique_id"].to_list() == [
        "dead",
        "intermittent",
        "new",
        "short",
        "sine",
    ]
    assert fitted.scores_.columns == [
        "unique_id",
        "demand_class",
        "model",
        "cv_rmsse",
        "cv_mae",
        "n_windows",
    ]


def test_scores_cover_every_candidate_of_cross_validated_series(
    fitted: AutoForecaster,
) -> None:
    sine_models = fitted.scores_.filter(pl.col("unique_id") == "sine")["model"]
    expected = [m.alias for m in candidates("smooth", SEASON)] + ["Ensemble"]

    assert sine_models.to_list() == expected
    assert fitted.scores_.filter(pl.col("unique_id") == "new").is_empty()


def test_intervals_are_nested_and_non_negative(fitted: AutoForecaster) -> None:
    f = fitted.predict()

    assert (f["lo_95"] >= 0).all()
    assert (f["lo_95"] <= f["lo_80"]).all()
    assert (f["lo_80"] <= f["forecast"]).all()
    assert (f["forecast"] <= f["hi_80"]).all()
    assert (f["hi_80"] <= f["hi_95"]).all()


def test_parallel_fit_matches_serial(fitted: AutoForecaster) -> None:
    parallel = AutoForecaster(season_length=SEASON, horizon=HORIZON, n_jobs=2)

    result = parallel.fit(mixed_panel()).predict()

    assert result.equals(fitted.predict())


def test_accepts_pandas_and_returns_polars() -> None:
    panel = mixed_panel().filter(pl.col("unique_id") == "new").to_pandas()
    model = AutoForecaster(season_length=SEASON, horizon=HORIZON, launch_model=False)

    result = model.fit(panel).predict()

    assert isinstance(result, pl.DataFrame)
    assert result["forecast"].to_list() == [3.0] * HORIZON


def test_stationary_poisson_80_interval_is_calibrated() -> None:
    # 60 series of Poisson(6): 40 weeks to fit, 12 held out
    rng = np.random.default_rng(2024)
    panel = weekly({f"p{i:02d}": rng.poisson(6.0, 52) for i in range(60)})
    cutoff = MONDAY + dt.timedelta(weeks=40)
    train = panel.filter(pl.col("ds") < cutoff)
    test = panel.filter(pl.col("ds") >= cutoff)

    forecasts = AutoForecaster(season_length=52, horizon=12).fit(train).predict()

    joined = forecasts.join(test, on=["unique_id", "ds"])
    inside = joined.select(pl.col("y").is_between("lo_80", "hi_80").mean()).item()
    assert joined.height == 60 * 12
    assert 0.70 <= inside <= 0.90


def test_predict_before_fit_raises() -> None:
    with pytest.raises(NotFittedError, match="call fit"):
        AutoForecaster().predict()


@pytest.mark.parametrize(
    "params",
    [
        {"horizon": 0},
        {"levels": (80, 80)},
        {"levels": (0, 95)},
        {"metric": "mape"},
        {"new_within": 4},
        {"ensemble_margin": 1.0},
        {"step_size": 0},
    ],
    ids=[
        "horizon",
        "repeated_level",
        "level_zero",
        "metric",
        "new_within",
        "margin",
        "step",
    ],
)
def test_invalid_parameters_are_named(params: dict[str, object]) -> None:
    with pytest.raises(DataValidationError, match=next(iter(params))):
        AutoForecaster(**params).fit(mixed_panel())


def test_panel_with_gaps_is_rejected() -> None:
    panel = mixed_panel().filter(pl.col("ds") != MONDAY + dt.timedelta(weeks=3))

    with pytest.raises(DataValidationError, match="gaps"):
        AutoForecaster(season_length=SEASON, horizon=HORIZON).fit(panel)


def test_ensemble_cv_column_equals_the_ensemble_model() -> None:
    # selection scores the ensemble on the median of its members' CV columns
    history = since_first_sale(to_panel(mixed_panel())).filter(
        pl.col("unique_id") == "intermittent"
    )
    members = candidates("intermittent", SEASON)
    cv = cross_validate(
        history, members, freq="W-MON", horizon=HORIZON, n_windows=2, step_size=HORIZON
    )
    cutoff = cv["cutoff"].min()
    y = history.filter(pl.col("ds") <= cutoff)["y"].to_numpy()

    combined = ensemble("intermittent", SEASON)
    assert combined is not None
    direct = combined.forecast(y=y, h=HORIZON)["mean"]
    columns = cv.filter(pl.col("cutoff") == cutoff).select(m.alias for m in members)
    np.testing.assert_allclose(direct, np.median(columns.to_numpy(), axis=1))


ALL_MODELS = {
    **{f"baseline-{k}": (lambda k=k: baselines(SEASON)[k]) for k in baselines(SEASON)},
    "ensemble-smooth": lambda: ensemble("smooth", SEASON),
    "ensemble-lumpy": lambda: ensemble("lumpy", SEASON),
}


@pytest.mark.parametrize("factory", list(ALL_MODELS.values()), ids=list(ALL_MODELS))
def test_every_model_gives_finite_nested_intervals(factory: object) -> None:
    # one long series (conformal) and one of 9 weeks (native or empirical)
    panel = mixed_panel()
    late = pl.col("ds") >= MONDAY + dt.timedelta(weeks=55)
    history = pl.concat(
        [
            panel.filter((pl.col("unique_id") == "short") & late),
            panel.filter(pl.col("unique_id") == "sine"),
        ]
    )

    out = forecast_with_intervals(
        history,
        factory,
        freq="W-MON",
        horizon=HORIZON,
        levels=(80, 95),
    )

    assert out.height == 2 * HORIZON
    values = out.select("lo_95", "lo_80", "forecast", "hi_80", "hi_95").to_numpy()
    assert np.isfinite(values).all()
    assert (values >= 0).all()
    assert (np.diff(values, axis=1) >= 0).all()
    methods = dict(
        out.group_by("unique_id").agg(pl.col("interval_method").first()).iter_rows()
    )
    assert methods["sine"] == "conformal"
    assert methods["short"] in {"native", "empirical"}


def test_progress_counts_every_series_and_batches_change_nothing(
    fitted: AutoForecaster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selection, "PROGRESS_BATCH", 1)  # one series per call
    calls: list[tuple[str, int, int]] = []

    model = AutoForecaster(season_length=SEASON, horizon=HORIZON, n_windows=3).fit(
        mixed_panel(), progress=lambda *call: calls.append(call)
    )

    assert_frame_equal(model.choices_, fitted.choices_)
    assert_frame_equal(model.scores_, fitted.scores_)
    assert_frame_equal(model.forecasts_, fitted.forecasts_)
    # "new" and "short" are too short to cross-validate: done at once
    assert calls == [
        (selection.CV_STAGE, 2, 5),
        (selection.CV_STAGE, 3, 5),
        (selection.CV_STAGE, 4, 5),
        (selection.CV_STAGE, 5, 5),
        (selection.FORECAST_STAGE, 0, 5),
        (selection.FORECAST_STAGE, 1, 5),
        (selection.FORECAST_STAGE, 2, 5),
        (selection.FORECAST_STAGE, 3, 5),
        (selection.FORECAST_STAGE, 4, 5),
        (selection.FORECAST_STAGE, 5, 5),
    ]
