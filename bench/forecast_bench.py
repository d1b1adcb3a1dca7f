"""Forecast benchmark: TradePilot's automatic forecast against single-model baselines.

Prints, from one run on this machine:

1. UCI Online Retail, cutoff 2011-09-05, 12-week horizon, series with at least 8
   non-zero weeks before the cutoff, at SKU x country level and again at SKU level:
   mean RMSSE and MASE, pooled WAPE, bias, 80%/95% coverage for TradePilot and each
   baseline (Naive, MovingAverage8, AutoETS, CrostonOptimized, TSB, ADIDA, IMAPA,
   AutoTheta) fitted in the same run; wall time and peak memory.
2. The demo simulator (2 years, seasonal, with stockouts): the same metrics against
   SeasonalNaive, and the error of recovered demand with and without the stockout
   correction.

Targets (issue 4): RMSSE ratio to the best baseline <= 1.00 at both levels; WAPE <=
0.97x MovingAverage8; 80% intervals cover 72-88%; on the simulator RMSSE <= 0.90x
SeasonalNaive and the stockout correction cuts the recovery error by >= 40%; all Online
Retail series, cross-validation included, in under 5 minutes; peak memory under 4 GB.

3. ``tradepilot forecast run``'s own path on every Online Retail series at the same
   cutoff (all ~20k SKU x country series, stockout correction and CV included): wall
   time and peak memory; and SKU totals bottom-up from it against a direct SKU-level
   run, scored on held-out weeks.

Usage: ``python bench/forecast_bench.py [--file PATH] [--n-jobs 2] [--json]
[--global-model] [--no-level-model] [--level sku_country|sku|both]
[--validation | --only-backtests | --only-full-run]``. ``--validation`` runs part 1
at the validation cutoffs (2011-05-16 and 2011-06-13: their held-out weeks end by the
test cutoff), on which every choice was made; the test cutoff is reported once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

DEFAULT_FILE = (
    Path(__file__).resolve().parents[2]
    / "shared/data/online_retail/online_retail_2010_2011.csv.gz"
)
CUTOFF = dt.date(2011, 9, 5)
# Validation cutoffs: their 12 held-out weeks end by the test cutoff, so choices made
# on them never see a test week.
VALIDATION_CUTOFFS = (dt.date(2011, 5, 16), dt.date(2011, 6, 13))
HORIZON = 12
# The baselines issue 11 names, each fitted with statsforecast in the same run.
BASELINES = (
    "Naive",
    "MovingAverage8",
    "AutoETS",
    "AutoTheta",
    "CrostonOptimized",
    "TSB",
    "ADIDA",
    "IMAPA",
)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def online_retail(
    path: str,
    level: str,
    n_jobs: int,
    global_model: bool = False,
    cutoff: dt.date = CUTOFF,
    level_model: bool = True,
) -> dict[str, Any]:
    """Backtest at ``level`` on the Online Retail file (in its own process)."""
    from tradepilot.config import Settings
    from tradepilot.forecasting.backtest import backtest
    from tradepilot.forecasting.series import build_panel, demand_lines
    from tradepilot.forecasting.service import read_order_lines
    from tradepilot.ingest.service import import_file
    from tradepilot.workspace import init_workspace

    with tempfile.TemporaryDirectory() as home:
        engine = init_workspace(Settings(home=Path(home), database_url=None))
        import_file(engine, fmt="online-retail", path=Path(path))
        with engine.connect() as conn:
            lines = read_order_lines(conn)
        engine.dispose()
    panel = build_panel(demand_lines(lines), freq="W", level=level)
    started = time.perf_counter()
    metrics = backtest(
        panel.select("unique_id", "ds", "y"),
        cutoff=cutoff,
        horizon=HORIZON,
        freq="W-MON",
        season_length=52,
        levels=(80, 95),
        min_nonzero=8,
        n_jobs=n_jobs,
        global_model=global_model,
        level_model=level_model,
        baseline_names=BASELINES,
    )
    metrics["wall_seconds"] = round(time.perf_counter() - started, 1)
    metrics["peak_mb"] = round(_peak_mb())
    metrics["cutoff"] = cutoff.isoformat()
    return metrics


def full_run(path: str, n_jobs: int) -> dict[str, Any]:
    """``forecast_demand`` on every Online Retail series (the product's own path:
    read, stockout correction, classification, cross-validation, forecast, save),
    timed; then SKU totals, bottom-up from the SKU x country run against a direct
    SKU-level run, scored on the SKUs with 8 non-zero weeks before the cutoff."""
    import polars as pl

    from tradepilot.config import Settings
    from tradepilot.forecasting.backtest import split
    from tradepilot.forecasting.classify import to_panel
    from tradepilot.forecasting.metrics import evaluate
    from tradepilot.forecasting.reconcile import bottom_up, top_down
    from tradepilot.forecasting.service import (
        ForecastSettings,
        demand_panel,
        export_frame,
        forecast_demand,
    )
    from tradepilot.ingest.service import import_file
    from tradepilot.workspace import init_workspace

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as home:
        engine = init_workspace(Settings(home=Path(home), database_url=None))
        import_file(engine, fmt="online-retail", path=Path(path))
        started = time.perf_counter()
        run = forecast_demand(
            engine, ForecastSettings(cutoff=CUTOFF, horizon=HORIZON, n_jobs=n_jobs)
        )
        out["seconds"] = round(time.perf_counter() - started, 1)
        out["peak_mb"] = round(_peak_mb())
        out["run"] = run
        by_country = export_frame(engine)
        forecast_demand(
            engine,
            ForecastSettings(
                cutoff=CUTOFF, horizon=HORIZON, n_jobs=n_jobs, level="sku"
            ),
        )
        direct = export_frame(engine)
        sold_sku = demand_panel(
            engine, ForecastSettings(level="sku", stockout_correction=False)
        ).select("unique_id", "ds", "y")
        sold_cc = demand_panel(
            engine, ForecastSettings(stockout_correction=False)
        ).select("unique_id", "ds", "y")
        engine.dispose()

    def scored(frame: pl.DataFrame, unique_id: pl.Expr, sold: pl.DataFrame) -> Any:
        train, test = split(to_panel(sold, freq="W-MON"), CUTOFF, HORIZON, 8)
        forecasts = frame.with_columns(unique_id=unique_id).rename(
            {"period_start": "ds"}
        )
        return evaluate(forecasts, test, train)

    sku_id = pl.col("sku") + "|ALL"
    cc_id = pl.col("sku") + "|" + pl.col("country")
    top = top_down(by_country, direct)
    out["sku_totals"] = {
        "bottom_up": scored(bottom_up(by_country), sku_id, sold_sku),
        "direct": scored(bottom_up(direct), sku_id, sold_sku),
        "top_down": scored(bottom_up(top), sku_id, sold_sku),
    }
    out["sku_country"] = {
        "bottom_up": scored(by_country, cc_id, sold_cc),
        "top_down": scored(top, cc_id, sold_cc),
    }
    return out


def simulator(n_jobs: int, global_model: bool = False) -> dict[str, Any]:
    """Backtest on the demo simulator and measure the stockout correction."""
    import polars as pl

    from tradepilot.forecasting.backtest import backtest
    from tradepilot.forecasting.censoring import evaluate_on_simulation
    from tradepilot.simulate import SimulationConfig, simulate_store

    store = simulate_store(SimulationConfig(seed=7))
    truth = store.demand_truth.with_columns(
        pl.col("date").dt.truncate("1w").alias("ds"),
        pl.concat_str(["sku", "country"], separator="|").alias("unique_id"),
    )
    panel = (
        truth.group_by("unique_id", "ds")
        .agg(pl.col("sold").sum().cast(pl.Float64).alias("y"))
        .sort("unique_id", "ds")
    )
    last = panel["ds"].max()
    cutoff = last - dt.timedelta(weeks=HORIZON - 1)
    started = time.perf_counter()
    metrics = backtest(
        panel,
        cutoff=cutoff,
        horizon=HORIZON,
        freq="W-MON",
        season_length=52,
        levels=(80, 95),
        min_nonzero=8,
        n_jobs=n_jobs,
        global_model=global_model,
    )
    metrics["wall_seconds"] = round(time.perf_counter() - started, 1)
    metrics["censoring"] = evaluate_on_simulation(store)
    return metrics


def in_child(target: Any, *args: Any) -> Any:
    """``target(*args)`` in a fresh process, so peak memory is its own. Not a Pool:
    its daemonic workers may not start statsforecast's worker processes."""
    with ProcessPoolExecutor(
        1, mp_context=mp.get_context("spawn"), initializer=_fork_workers
    ) as pool:
        return pool.submit(target, *args).result()


def _fork_workers() -> None:
    """A spawned process inherits "spawn" as its default start method, and
    statsforecast would then start a fresh interpreter per call for its workers."""
    mp.set_start_method("fork", force=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--global-model",
        action="store_true",
        help="let the global LightGBM model compete in the selection",
    )
    parser.add_argument(
        "--only-full-run", action="store_true", help="only part 3 (the full run)"
    )
    parser.add_argument(
        "--validation",
        action="store_true",
        help="only part 1, at the validation cutoffs (never the test cutoff)",
    )
    parser.add_argument(
        "--no-level-model",
        action="store_true",
        help="leave the global level model out of the selection",
    )
    parser.add_argument(
        "--level",
        choices=("sku_country", "sku", "both"),
        default="both",
        help="levels of part 1",
    )
    parser.add_argument(
        "--only-backtests",
        action="store_true",
        help="only part 1 at the test cutoff (no simulator, no full run)",
    )
    args = parser.parse_args()
    glob = args.global_model
    levels = ["sku_country", "sku"] if args.level == "both" else [args.level]
    if args.only_full_run:
        print_full_run(in_child(full_run, str(args.file), args.n_jobs))
        return
    if args.validation:
        for cutoff in VALIDATION_CUTOFFS:
            for level in levels:
                m = in_child(
                    online_retail,
                    str(args.file),
                    level,
                    args.n_jobs,
                    glob,
                    cutoff,
                    not args.no_level_model,
                )
                print_table(f"{level}, validation cutoff {cutoff}", m)
        return
    level_model = not args.no_level_model
    results = {
        level: in_child(
            online_retail,
            str(args.file),
            level,
            args.n_jobs,
            glob,
            CUTOFF,
            level_model,
        )
        for level in levels
    }
    if args.only_backtests:
        for name, metrics in results.items():
            print_table(name, metrics)
        return
    results["simulator"] = in_child(simulator, args.n_jobs, glob)
    full = in_child(full_run, str(args.file), args.n_jobs)
    if args.json:
        print(json.dumps({**results, "full_run": full}, indent=2, default=str))
        return
    for name, metrics in results.items():
        print_table(name, metrics)
    print_full_run(full)


def print_full_run(f: dict[str, Any]) -> None:
    run = f["run"]
    print(
        f"\n== forecast run on every Online Retail series: {run['series']:,} series,"
        f" {f['seconds']} s (read, stockout correction, CV, forecast, save),"
        f" peak {f['peak_mb']} MB"
    )
    print(f"stockouts inferred: {run['stockouts']}")
    print(f"model choices: {run['model_choices']}")
    print("held-out weeks, series with 8 non-zero weeks before the cutoff:")
    for level, methods in (
        ("SKU", f["sku_totals"]),
        ("SKU x country", f["sku_country"]),
    ):
        for name, m in methods.items():
            print(
                f"  {level:<14}{name:<10} {m['series']:>6,} series  RMSSE {m['rmsse']:.3f}"
                f"  MASE {m['mase']:.3f}  WAPE {m['wape']:.3f}  bias {m['bias']:+.3f}"
                f"  cov80 {m['coverage']['80']:.2f}"
            )


def print_table(name: str, m: dict[str, Any]) -> None:
    print(
        f"\n== {name}: {m['series']:,} series, backtest {m.get('wall_seconds')} s,"
        f" peak {m.get('peak_mb', '-')} MB"
    )
    print(
        f"{'model':<18}{'RMSSE':>8}{'MASE':>8}{'WAPE':>8}{'bias':>8}{'cov80':>8}{'cov95':>8}"
    )
    for label, row in [("TradePilot", m), *m["baselines"].items()]:
        cov = row["coverage"]
        print(
            f"{label:<18}{row['rmsse']:8.3f}{row['mase']:8.3f}{row['wape']:8.3f}"
            f"{row['bias']:+8.3f}{cov['80']:8.2f}{cov['95']:8.2f}"
        )
    print(
        f"best baseline: {m['best_baseline']}; RMSSE ratio {m['ratio_to_best_baseline']:.3f};"
        f" WAPE / MovingAverage8 {m['wape_ratio_to_ma8']:.3f}"
    )
    if "SeasonalNaive" in m["baselines"]:
        ratio = m["rmsse"] / m["baselines"]["SeasonalNaive"]["rmsse"]
        print(f"RMSSE / SeasonalNaive {ratio:.3f}")
    print(f"model choices: {m['model_choices']}")
    if "censoring" in m:
        print(f"stockout correction: {json.dumps(m['censoring'], default=str)}")


if __name__ == "__main__":
    main()
