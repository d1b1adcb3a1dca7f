"""Forecasts on a Dask cluster through statsforecast's Fugue backend equal local ones."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import dask
import numpy as np
import pandas as pd
import polars as pl
import pytest
from dask.distributed import LocalCluster
from polars.testing import assert_frame_equal
from statsforecast import StatsForecast
from tests.simstore import import_store
from typer.testing import CliRunner

from tradepilot.cli.main import app
from tradepilot.config import Settings
from tradepilot.domain.errors import DataValidationError
from tradepilot.forecasting.distributed import ClusterEngine, open_engine
from tradepilot.forecasting.models import candidates
from tradepilot.forecasting.selection import AutoForecaster
from tradepilot.workspace import init_workspace

MONDAY = dt.date(2023, 1, 2)
WEEKS = 80
SEASON = 8
HORIZON = 4


def weekly_panel(seed: int = 11) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(WEEKS)
    series = {
        "seasonal": 20 + 8 * np.sin(2 * np.pi * t / SEASON) + rng.normal(0, 1, WEEKS),
        "erratic": rng.negative_binomial(2, 0.2, WEEKS).astype(float),
        "intermittent": (rng.random(WEEKS) < 0.3) * (rng.poisson(2, WEEKS) + 2.0),
        "dead": np.r_[rng.poisson(4, WEEKS - 20) + 1.0, np.zeros(20)],
        "new": np.r_[np.zeros(WEEKS - 5), [3.0, 4.0, 2.0, 5.0, 3.0]],
    }
    ds = [MONDAY + dt.timedelta(weeks=i) for i in range(WEEKS)]
    return pl.concat(
        pl.DataFrame({"unique_id": uid, "ds": ds, "y": y}) for uid, y in series.items()
    )


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """Two single-threaded in-process workers; no fixed ports (xdist-safe)."""
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        dashboard_address="127.0.0.1:0",  # its HTTP server binds 8787 if None
    ) as local:
        yield local


@pytest.fixture
def dask_engine(cluster: LocalCluster) -> Iterator[ClusterEngine]:
    with open_engine("dask", cluster.scheduler_address) as engine:
        assert engine is not None
        yield engine


def test_dask_run_chooses_and_forecasts_as_the_local_run(
    dask_engine: ClusterEngine,
) -> None:
    panel = weekly_panel()
    params = {"season_length": SEASON, "horizon": HORIZON, "n_windows": 2}

    local = AutoForecaster(**params).fit(panel)
    remote = AutoForecaster(**params, engine=dask_engine).fit(panel)

    assert remote.choices_.select("unique_id", "model").rows() == (
        local.choices_.select("unique_id", "model").rows()
    )
    # Same content, columns, dtypes and order; float64 all the way, so within 1e-9.
    for ours, theirs in [
        (remote.predict(), local.predict()),
        (remote.choices_, local.choices_),
        (remote.scores_, local.scores_),
    ]:
        assert_frame_equal(ours, theirs, rel_tol=1e-9, abs_tol=1e-12)
    assert set(local.choices_["interval_method"]) == {"conformal", "peer_quantiles"}


def test_cluster_cross_validation_frame_is_the_local_frame(
    dask_engine: ClusterEngine,
) -> None:
    history = weekly_panel().filter(pl.col("unique_id") != "new").to_pandas()
    models = candidates("smooth", SEASON)
    window = {"n_windows": 2, "step_size": HORIZON}

    local = StatsForecast(models=models, freq="W-MON").cross_validation(
        h=HORIZON, df=history, **window
    )
    remote = dask_engine.cross_validation(
        candidates("smooth", SEASON), history, freq="W-MON", horizon=HORIZON, **window
    )

    pd.testing.assert_frame_equal(remote, local, rtol=1e-9, atol=1e-12)


def test_ray_without_ray_installed_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError

    with (
        pytest.raises(DataValidationError, match=r"--engine ray needs .*'ray'") as err,
        open_engine("ray"),
    ):
        pass

    assert "pip install 'fugue[ray]'" in str(err.value)


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(DataValidationError, match="local, dask, ray; got 'spark'"):
        with open_engine("spark"):
            pass


def test_unreachable_scheduler_is_a_message_not_a_hang() -> None:
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "1s"}),
        pytest.raises(DataValidationError, match="cannot reach the Dask scheduler"),
        open_engine("dask", "tcp://127.0.0.1:9"),
    ):
        pass


def test_cli_run_on_dask_stores_the_local_forecast(
    tmp_path: Path,
    sim_files: dict[str, Path],
    cluster: LocalCluster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "ws"
    store = init_workspace(Settings(home=home, database_url=None), base_currency="EUR")
    import_store(store, sim_files)
    store.dispose()
    monkeypatch.setenv("TRADEPILOT_CLUSTER_ADDRESS", cluster.scheduler_address)

    # One process locally: a process pool takes longer to start than the run.
    forecast = ["forecast", "run", "--horizon", "4", "--n-jobs", "1"]

    def run_and_export(engine: str) -> tuple[dict[str, object], str]:
        out = tmp_path / f"{engine}.csv"
        common = ["-w", str(home), "--json"]
        runner = CliRunner()
        run = runner.invoke(app, [*forecast, "--engine", engine, *common])
        assert run.exit_code == 0, run.stdout + run.stderr
        export = runner.invoke(app, ["forecast", "export", "--out", str(out), *common])
        assert export.exit_code == 0, export.stdout + export.stderr
        return json.loads(run.stdout), out.read_text()

    local, local_csv = run_and_export("local")
    remote, remote_csv = run_and_export("dask")

    assert remote["series"] == local["series"] > 0
    assert remote["model_choices"] == local["model_choices"]
    assert remote_csv == local_csv
