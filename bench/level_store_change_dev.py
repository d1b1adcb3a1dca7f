"""Issue 11 §1: does a forecast of the store-wide change help the level model?

:mod:`tradepilot.forecasting.level_model` divides its training targets by the store's
change (the panel's capped demand over the target window against the
``TREND_REFERENCE`` periods before the origin) and forecasts as if the store stays
level (change 1). Here the same level forecast (unchanged model, fitted once per
cutoff and level) is multiplied by a forecast of that change made from the store's
own weekly total before the origin, and scored on the Online Retail validation
cutoffs only (2011-05-16, 2011-06-13; 12 weeks; series with 8 sales), as
``bench/forecast_bench.py --validation`` scores them, level-model series only (the
others keep their per-series model, so the baselines' side of the ratio is the same):

- ``level``: 1 (today's model);
- ``ets``: statsforecast AutoETS without season, damped trend (``ZZN``, damped), on
  the capped store total from its first sale;
- ``growth``: the last 4 weeks against the ``TREND_REFERENCE`` weeks before them,
  that growth per week damped (phi 0.8) over the horizon;
- diagnostics, not methods: fixed multipliers and the *realised* change (oracle,
  read from the held-out weeks): the most any change forecast could give.

    python bench/level_store_change_dev.py [--file PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

DEFAULT_FILE = (
    Path(__file__).resolve().parents[2]
    / "shared/data/online_retail/online_retail_2010_2011.csv.gz"
)
VALIDATION_CUTOFFS = (dt.date(2011, 5, 16), dt.date(2011, 6, 13))
HORIZON = 12
FIXED = (0.9, 0.95, 1.05, 1.1)


def change_forecast(store: np.ndarray, method: str, reference_n: int) -> float:
    """Forecast of the store's mean over the horizon against its last weeks."""
    store = store[np.flatnonzero(store > 0)[0] :]
    reference = float(store[-reference_n:].mean())
    if method == "level" or reference <= 0:
        return 1.0
    if method == "ets":
        from statsforecast.models import AutoETS

        model = AutoETS(season_length=1, model="ZZN", damped=True)
        future = np.asarray(model.forecast(y=store, h=HORIZON)["mean"])
    elif method == "growth":
        recent = float(store[-4:].mean())
        earlier = float(store[-4 - reference_n : -4].mean())
        rate = np.log(recent / earlier) / 6  # window centres 6 weeks apart
        steps = np.cumsum(0.8 ** np.arange(1, HORIZON + 3))[2:]
        future = recent * np.exp(rate * steps)
    else:
        raise ValueError(method)
    return float(np.clip(future, 0.0, None).mean()) / reference


def main() -> None:
    from tradepilot.config import Settings
    from tradepilot.forecasting.backtest import split
    from tradepilot.forecasting.classify import since_first_sale, to_panel
    from tradepilot.forecasting.level_model import (
        TREND_REFERENCE,
        level_forecasts,
        store_demand,
        to_matrix,
    )
    from tradepilot.forecasting.metrics import series_accuracy
    from tradepilot.forecasting.series import build_panel, demand_lines
    from tradepilot.forecasting.service import read_order_lines
    from tradepilot.ingest.service import import_file
    from tradepilot.workspace import init_workspace

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(DEFAULT_FILE))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        engine = init_workspace(Settings(home=Path(home), database_url=None))
        import_file(engine, fmt="online-retail", path=Path(args.file))
        with engine.connect() as conn:
            lines = read_order_lines(conn)
        engine.dispose()
    for level in ("sku_country", "sku"):
        panel = build_panel(demand_lines(lines), freq="W", level=level)
        data = to_panel(panel.select("unique_id", "ds", "y"), freq="W-MON")
        for cutoff in VALIDATION_CUTOFFS:
            train, test = split(data, cutoff, HORIZON, 8)
            origin = pl.lit(cutoff).cast(data.schema["ds"])
            end = pl.lit(cutoff + dt.timedelta(weeks=HORIZON)).cast(data.schema["ds"])
            history = since_first_sale(data.filter(pl.col("ds") < origin))
            store = store_demand(to_matrix(history)[1])
            full = store_demand(
                to_matrix(since_first_sale(data.filter(pl.col("ds") < end)))[1]
            )
            oracle = (
                full[-HORIZON:].mean()
                / full[-HORIZON - TREND_REFERENCE : -HORIZON].mean()
            )
            started, cpu = time.perf_counter(), time.process_time()
            levels = level_forecasts(history, horizon=HORIZON, n_jobs=1)
            fit = (time.perf_counter() - started, time.process_time() - cpu)
            dates = pl.DataFrame({"ds": sorted(test["ds"].unique().to_list())})
            runs = {
                m: change_forecast(store, m, TREND_REFERENCE)
                for m in ("level", "ets", "growth")
            }
            runs |= {f"x{k:.2f}": k for k in FIXED} | {"oracle": float(oracle)}
            print(
                f"\n{level}, cutoff {cutoff} (level model wall {fit[0]:.1f} s, "
                f"CPU {fit[1]:.1f} s)"
            )
            print(
                f"  {'change':8s} {'factor':>7s} {'series':>6s} {'RMSSE':>7s} "
                f"{'WAPE':>7s} {'bias':>7s}"
            )
            for name, factor in runs.items():
                forecasts = (
                    levels.with_columns(forecast=pl.col("level") * factor)
                    .join(dates, how="cross")
                    .join(train.select("unique_id").unique(), on="unique_id")
                )
                acc = series_accuracy(forecasts, test, train)
                joined = test.join(forecasts, on=["unique_id", "ds"])
                sold = joined["y"].sum()
                wape = (joined["y"] - joined["forecast"]).abs().sum() / sold
                bias = (joined["forecast"].sum() - sold) / sold
                print(
                    f"  {name:8s} {factor:7.3f} {acc.height:6d} "
                    f"{acc['rmsse'].mean():7.4f} {wape:7.4f} {bias:+7.3f}"
                )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"\nCPU {usage.ru_utime + usage.ru_stime:.1f} s, "
        f"peak {usage.ru_maxrss // 1024} MB"
    )


if __name__ == "__main__":
    main()
