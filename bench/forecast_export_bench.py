"""Score TradePilot's exported forecast independently, against baselines fitted outside it.

What a sceptic would run: import UCI Online Retail with the CLI, ``tradepilot forecast
run --cutoff D --horizon 12`` and ``tradepilot forecast export``, then read the CSV
back and score its ``forecast`` column against the units actually sold. The actuals
and the baselines never go through TradePilot's pipeline: weekly units sold per
StockCode x Country are summed here from the raw CSV (sale invoices, quantity and
price > 0; weeks from Monday), and every baseline issue 11 names (Naive,
MovingAverage8, AutoETS and AutoTheta without season, CrostonOptimized, TSB(0.2,
0.2), ADIDA, IMAPA) is fitted with statsforecast directly on each series' weeks
since its first sale. Scored: the series with at least 8 weeks with a sale before the
cutoff, at SKU x country and at SKU level (the export summed over countries); mean
RMSSE (scale: the one-step naive error of the history since the first sale), pooled
WAPE and bias, and the share of held-out weeks inside the export's 80% / 95% bounds.

Usage: ``python bench/forecast_export_bench.py [--cutoff 2011-09-05 | --validation]
[--n-jobs 1] [--file PATH]``. ``--validation`` scores the cutoffs whose held-out
weeks end by 2011-09-05 (what choices were made on); the default is the test cutoff.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

DEFAULT_FILE = (
    Path(__file__).resolve().parents[2]
    / "shared/data/online_retail/online_retail_2010_2011.csv.gz"
)
TEST_CUTOFF = dt.date(2011, 9, 5)
VALIDATION_CUTOFFS = (dt.date(2011, 5, 16), dt.date(2011, 6, 13))
HORIZON = 12
MIN_NONZERO = 8
# The console script installed beside this interpreter.
CLI = [str(Path(sys.executable).with_name("tradepilot"))]


def tradepilot(*args: str, home: Path) -> str:
    """Run a TradePilot command on the workspace ``home``; its stdout."""
    done = subprocess.run(
        [*CLI, *args, "--workspace", str(home)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    if done.returncode != 0:
        raise SystemExit(f"tradepilot {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def weekly_units(path: Path) -> pl.DataFrame:
    """Units sold per StockCode x Country x week, straight from the raw CSV."""
    from tradepilot.domain.countries import resolve_country

    raw = pl.read_csv(path, infer_schema_length=0)
    sales = raw.filter(
        ~pl.col("InvoiceNo").str.starts_with("C"),
        ~pl.col("InvoiceNo").str.starts_with("A"),
        pl.col("Quantity").cast(pl.Int64) > 0,
        pl.col("UnitPrice").cast(pl.Float64) > 0,
    )
    names = sales["Country"].unique().to_list()
    codes = {}
    for name in names:
        country = resolve_country(name)
        codes[name] = country.code if country is not None else name
    return (
        sales.with_columns(
            ds=pl.col("InvoiceDate")
            .str.to_datetime("%Y-%m-%d %H:%M:%S")
            .dt.truncate("1w")
            .dt.date(),
            country=pl.col("Country").replace_strict(codes),
        )
        .group_by(pl.col("StockCode").alias("sku"), "country", "ds")
        .agg(y=pl.col("Quantity").cast(pl.Float64).sum())
    )


def dense(units: pl.DataFrame, keys: list[str], end: dt.date) -> pl.DataFrame:
    """``unique_id, ds, y`` from each series' first sale to ``end``, zeros filled."""
    ids = units.with_columns(unique_id=pl.concat_str(keys, separator="|"))
    firsts = ids.group_by("unique_id").agg(first=pl.col("ds").min())
    grid = firsts.with_columns(
        ds=pl.date_ranges(pl.col("first"), pl.lit(end), interval="1w")
    ).explode("ds")
    return (
        grid.select("unique_id", "ds")
        .join(
            ids.group_by("unique_id", "ds").agg(pl.col("y").sum()),
            on=["unique_id", "ds"],
            how="left",
        )
        .with_columns(pl.col("y").fill_null(0.0))
        .sort("unique_id", "ds")
    )


def baselines(history: pl.DataFrame) -> pl.DataFrame:
    """Point forecasts of the named baselines, fitted with statsforecast directly."""
    from statsforecast import StatsForecast
    from statsforecast import models as sfm

    models = [
        sfm.Naive(),
        sfm.WindowAverage(window_size=8, alias="MovingAverage8"),
        sfm.AutoETS(season_length=1),
        sfm.AutoTheta(season_length=1),
        sfm.CrostonOptimized(),
        sfm.TSB(alpha_d=0.2, alpha_p=0.2),
        sfm.ADIDA(),
        sfm.IMAPA(),
    ]
    fc = StatsForecast(models=models, freq="W-MON", n_jobs=1).forecast(
        h=HORIZON, df=history.to_pandas()
    )
    return pl.from_pandas(fc).with_columns(pl.col("ds").cast(pl.Date))


def score(
    forecasts: pl.DataFrame, test: pl.DataFrame, history: pl.DataFrame, column: str
) -> dict[str, Any]:
    """Mean RMSSE, pooled WAPE and bias (and coverage where bounds are given)."""
    scale = (
        history.with_columns(d=pl.col("y").diff().over("unique_id") ** 2)
        .group_by("unique_id")
        .agg(scale=pl.col("d").mean())
    )
    df = test.join(forecasts, on=["unique_id", "ds"], how="left").with_columns(
        pl.col(column).fill_null(0.0)
    )
    per = (
        df.group_by("unique_id")
        .agg(mse=((pl.col("y") - pl.col(column)) ** 2).mean())
        .join(scale, on="unique_id")
        .filter(pl.col("scale") > 0)
    )
    total = float(df["y"].sum())
    out: dict[str, Any] = {
        "series": df["unique_id"].n_unique(),
        "rmsse": float((per["mse"] / per["scale"]).sqrt().mean()),  # type: ignore[arg-type]
        "wape": float((df["y"] - df[column]).abs().sum()) / total,
        "bias": float((df[column] - df["y"]).sum()) / total,
    }
    for level in (80, 95):
        if f"lo_{level}" in df.columns:
            inside = df["y"].is_between(
                df[f"lo_{level}"].fill_null(0.0), df[f"hi_{level}"].fill_null(0.0)
            )
            out[f"cov{level}"] = float(inside.mean())  # type: ignore[arg-type]
    return out


def evaluate(
    units: pl.DataFrame, export: pl.DataFrame, cutoff: dt.date, level: str
) -> dict[str, Any]:
    """Our exported forecast and every baseline, at ``level``, held out from ``cutoff``."""
    keys = ["sku", "country"] if level == "sku_country" else ["sku"]
    if level == "sku":
        export = export.group_by("sku", "period_start").agg(
            pl.col("forecast", "lo_80", "hi_80", "lo_95", "hi_95").sum()
        )
    ours = export.select(
        unique_id=pl.concat_str(keys, separator="|"),
        ds=pl.col("period_start"),
        forecast=pl.col("forecast"),
        **{c: pl.col(c) for c in ("lo_80", "hi_80", "lo_95", "hi_95")},
    )
    last = cutoff + dt.timedelta(weeks=HORIZON - 1)
    panel = dense(units.filter(pl.col("ds") <= last), keys, last)
    history = panel.filter(pl.col("ds") < cutoff)
    sold = history.group_by("unique_id").agg(nz=(pl.col("y") > 0).sum())
    kept = sold.filter(pl.col("nz") >= MIN_NONZERO).select("unique_id")
    history = history.join(kept, on="unique_id")
    test = panel.filter(pl.col("ds") >= cutoff).join(kept, on="unique_id")
    started = time.perf_counter()
    base = baselines(history)
    names = [c for c in base.columns if c not in ("unique_id", "ds")]
    result = {
        "TradePilot": score(ours, test, history, "forecast"),
        **{name: score(base, test, history, name) for name in names},
    }
    missing = kept.join(ours.select("unique_id").unique(), on="unique_id", how="anti")
    best = min(names, key=lambda n: result[n]["rmsse"])
    return {
        "level": level,
        "cutoff": cutoff.isoformat(),
        "scores": result,
        "best_baseline": best,
        "rmsse_ratio": result["TradePilot"]["rmsse"] / result[best]["rmsse"],
        "wape_ratio_ma8": result["TradePilot"]["wape"]
        / result["MovingAverage8"]["wape"],
        "series_missing_from_export": missing.height,
        "baseline_seconds": round(time.perf_counter() - started, 1),
    }


def run_cutoff(home: Path, cutoff: dt.date, n_jobs: int) -> tuple[pl.DataFrame, float]:
    """``forecast run`` then ``forecast export``; the export and the run's seconds."""
    started = time.perf_counter()
    tradepilot(
        "forecast",
        "run",
        "--cutoff",
        cutoff.isoformat(),
        "--horizon",
        str(HORIZON),
        "--n-jobs",
        str(n_jobs),
        "--json",
        home=home,
    )
    seconds = time.perf_counter() - started
    out = home / f"forecast_{cutoff}.csv"
    tradepilot("forecast", "export", "--out", str(out), home=home)
    export = pl.read_csv(out, schema_overrides={"sku": pl.String}).with_columns(
        pl.col("period_start").str.to_date()
    )
    return export, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--cutoff", type=dt.date.fromisoformat, default=TEST_CUTOFF)
    parser.add_argument("--validation", action="store_true")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    cutoffs = VALIDATION_CUTOFFS if args.validation else (args.cutoff,)
    units = weekly_units(args.file)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        tradepilot("init", home=home)
        tradepilot("import", "online-retail", str(args.file), home=home)
        for cutoff in cutoffs:
            export, seconds = run_cutoff(home, cutoff, args.n_jobs)
            for level in ("sku_country", "sku"):
                res = evaluate(units, export, cutoff, level)
                res["forecast_run_seconds"] = round(seconds, 1)
                results.append(res)
                if not args.json:
                    show(res)
    if args.json:
        print(json.dumps(results, indent=2))


def show(res: dict[str, Any]) -> None:
    print(
        f"\n== exported forecast, {res['level']}, cutoff {res['cutoff']}:"
        f" {res['scores']['TradePilot']['series']:,} series"
        f" ({res['series_missing_from_export']} scored series not in the export,"
        f" counted as 0); forecast run {res['forecast_run_seconds']} s"
    )
    print(f"{'model':<18}{'RMSSE':>8}{'WAPE':>8}{'bias':>8}{'cov80':>8}{'cov95':>8}")
    for name, s in res["scores"].items():
        cov = "".join(
            f"{s[k]:8.2f}" if k in s else f"{'':>8}" for k in ("cov80", "cov95")
        )
        print(f"{name:<18}{s['rmsse']:8.3f}{s['wape']:8.3f}{s['bias']:+8.3f}{cov}")
    print(
        f"RMSSE {res['rmsse_ratio']:.3f}x best baseline ({res['best_baseline']});"
        f" WAPE {res['wape_ratio_ma8']:.3f}x MovingAverage8"
    )


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
