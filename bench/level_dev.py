"""Shared parts of the level model's dev benches (``level_*_dev.py``): the Online
Retail demand lines of a scratch workspace, and the validation score of several
level forecasts on the same series."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import polars as pl

DEFAULT_FILE = (
    Path(__file__).resolve().parents[2]
    / "shared/data/online_retail/online_retail_2010_2011.csv.gz"
)
VALIDATION_CUTOFFS = (dt.date(2011, 5, 16), dt.date(2011, 6, 13))
HORIZON = 12


def online_retail_demand(path: str) -> pl.DataFrame:
    """The demand lines of ``path`` imported into a scratch SQLite workspace."""
    from tradepilot.config import Settings
    from tradepilot.forecasting.series import demand_lines
    from tradepilot.forecasting.service import read_order_lines
    from tradepilot.ingest.service import import_file
    from tradepilot.workspace import init_workspace

    with tempfile.TemporaryDirectory() as home:
        engine = init_workspace(Settings(home=Path(home), database_url=None))
        import_file(engine, fmt="online-retail", path=Path(path))
        with engine.connect() as conn:
            lines = read_order_lines(conn)
        engine.dispose()
    return demand_lines(lines)


def print_scores(
    runs: dict[str, pl.DataFrame],
    scored: pl.DataFrame,
    train: pl.DataFrame,
    test: pl.DataFrame,
) -> None:
    """Mean RMSSE, pooled WAPE and bias of each run's ``unique_id, level`` (a flat
    forecast over the test weeks; 0 where a run has no level) on the ``scored``
    series."""
    from tradepilot.forecasting.metrics import series_accuracy

    width = max(len(name) for name in runs)
    dates = pl.DataFrame({"ds": sorted(test["ds"].unique().to_list())})
    print(
        f"  {'method':{width}s} {'series':>6s} {'RMSSE':>7s} {'WAPE':>7s} {'bias':>7s}"
    )
    for name, found in runs.items():
        forecasts = (
            scored.join(found, on="unique_id", how="left")
            .with_columns(forecast=pl.col("level").fill_null(0.0))
            .join(dates, how="cross")
        )
        acc = series_accuracy(forecasts, test, train)
        joined = test.join(forecasts, on=["unique_id", "ds"])
        sold = joined["y"].sum()
        wape = (joined["y"] - joined["forecast"]).abs().sum() / sold
        bias = (joined["forecast"].sum() - sold) / sold
        print(
            f"  {name:{width}s} {acc.height:6d} {acc['rmsse'].mean():7.4f} "
            f"{wape:7.4f} {bias:+7.3f}"
        )
