"""Score ``tradepilot forecast series`` on a weekly panel against SeasonalNaive(52).

What issue 11 asks of ``forecast series`` on a weekly store x department sales panel
(about 91 weeks of history, 26 weeks ahead over the holidays): RMSSE at least 8%
below SeasonalNaive(52), in under 5 minutes for 3,000 series. This script cuts any
long CSV panel at ``--cutoff``, runs ``tradepilot forecast series`` on the history as
a subprocess (timed), fits Naive and SeasonalNaive(52) with statsforecast directly on
the same history (values below 0 read as 0, as the command does), and scores the
written ``forecast`` column on the held-out weeks: mean RMSSE over the series
(scale: each series' one-step naive error on its history), and WAPE.

Without ``--file`` it scores a synthetic panel (``--synthetic-seed``): 45 stores x 60
departments, 143 weeks from 2010-02-05, department yearly shapes with holiday peaks,
store and series levels, AR(1) noise, level shifts, some zero weeks and a few
negative weeks. It only shows that the script and the command run; the figure that
counts is a real panel's.

A real panel: Kaggle's Walmart store x department weekly sales (``Store,Dept,Date,
Weekly_Sales``, Friday weeks from 2010-02-05) with ``--id Store,Dept`` (several id
columns are joined); ``--cutoff 2011-10-28`` leaves 91 weeks of history and 26 ahead
over the holidays, ``--cutoff 2011-04-29`` is the validation window before it. The
data is not in the repository.

Usage: ``python bench/series_bench.py [--file PANEL.csv --id C[,C] --time C --target C]
[--cutoff 2011-10-28] [--horizon 26] [--n-jobs 2]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
from statsforecast import StatsForecast
from statsforecast.models import Naive, SeasonalNaive


def synthetic_panel(seed: int) -> pl.DataFrame:
    """A store x department weekly panel (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n_store, n_dept, weeks = 45, 60, 143
    dates = [dt.date(2010, 2, 5) + dt.timedelta(weeks=i) for i in range(weeks)]
    woy = np.array([d.isocalendar()[1] for d in dates])
    shapes = []
    for _ in range(n_dept):
        k = np.arange(1, 4)
        a, b = rng.normal(0, 0.15, 3) / k, rng.normal(0, 0.15, 3) / k
        shape = 1 + sum(
            a[i] * np.sin(2 * np.pi * (i + 1) * woy / 52)
            + b[i] * np.cos(2 * np.pi * (i + 1) * woy / 52)
            for i in range(3)
        )
        peak = rng.uniform(0, 1.5)
        shape = shape * (
            1 + peak * (0.6 * (woy == 47) + 0.4 * (woy == 50) + 1.0 * (woy == 51))
        )
        shapes.append(np.clip(shape, 0.2, None))
    frames = []
    for s in range(n_store):
        store = rng.lognormal(0, 0.5)
        for d in range(n_dept):
            if rng.random() < 0.015:
                continue
            noise = np.zeros(weeks)
            phi, sigma = rng.uniform(0.3, 0.8), rng.uniform(0.05, 0.25)
            for t in range(1, weeks):
                noise[t] = phi * noise[t - 1] + rng.normal(0, sigma)
            shift = 0.0
            if rng.random() < 0.2:
                shift = np.where(
                    np.arange(weeks) > rng.integers(20, 140), rng.normal(0, 0.15), 0
                )
            level = rng.lognormal(8, 1.2) * store
            trend = rng.normal(0, 0.002) * np.arange(weeks)
            y = level * shapes[d] * np.exp(trend + noise + shift)
            if rng.random() < 0.05:
                y = y * (rng.random(weeks) > 0.3)
            y = y - (rng.random(weeks) < 0.002) * level * 0.3
            frames.append(
                pl.DataFrame(
                    {"id": f"{s + 1}_{d + 1}", "date": dates, "sales": np.round(y, 2)}
                )
            )
    return pl.concat(frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path)
    parser.add_argument("--id", default="id", help="id column(s), comma-separated")
    parser.add_argument("--time", default="date")
    parser.add_argument("--target", default="sales")
    parser.add_argument("--cutoff", default="2011-10-28")
    parser.add_argument("--horizon", type=int, default=26)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--synthetic-seed", type=int, default=0)
    args = parser.parse_args()

    if args.file:
        raw = pl.read_csv(args.file, try_parse_dates=True, infer_schema_length=10000)
        source = f"{args.file.name}"
    else:
        raw = synthetic_panel(args.synthetic_seed)
        source = f"synthetic panel, seed {args.synthetic_seed}"
    ids = [pl.col(c).cast(pl.String) for c in args.id.split(",")]
    panel = raw.select(
        pl.concat_str(ids, separator="_").alias("unique_id"),
        pl.col(args.time).cast(pl.Date).alias("ds"),
        pl.col(args.target).cast(pl.Float64).alias("y"),
    )
    cutoff = dt.date.fromisoformat(args.cutoff)
    history = panel.filter(pl.col("ds") <= cutoff)
    end = cutoff + dt.timedelta(weeks=args.horizon)
    actual = panel.filter((pl.col("ds") > cutoff) & (pl.col("ds") <= end))

    with tempfile.TemporaryDirectory() as tmp:
        path, out = Path(tmp) / "history.csv", Path(tmp) / "forecast.csv"
        history.write_csv(path)
        command = [
            sys.executable, "-m", "tradepilot", "forecast", "series", str(path),
            "--id", "unique_id", "--time", "ds", "--target", "y",
            "--horizon", str(args.horizon), "--out", str(ours_path := out),
            "--n-jobs", str(args.n_jobs), "--json",
        ]  # fmt: skip
        start, used = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime
        if done.returncode:
            sys.exit(f"forecast series failed:\n{done.stderr}")
        report = json.loads(done.stdout)
        ours = pl.read_csv(ours_path, try_parse_dates=True).select(
            pl.col("unique_id").cast(pl.String), pl.col("ds").cast(pl.Date), "forecast"
        )

    clipped = history.with_columns(pl.col("y").clip(lower_bound=0.0))
    freq = pl.Series(history["ds"].unique().sort().head(1)).dt.strftime("W-%a")[0]
    sf = StatsForecast(models=[SeasonalNaive(52), Naive()], freq=freq.upper())
    baselines = pl.from_pandas(sf.forecast(df=clipped.to_pandas(), h=args.horizon))
    baselines = baselines.with_columns(
        pl.col("unique_id").cast(pl.String), pl.col("ds").cast(pl.Date)
    )
    scale = (
        clipped.sort("unique_id", "ds")
        .group_by("unique_id")
        .agg(scale=(pl.col("y").diff() ** 2).mean().sqrt())
    )
    scored = (
        actual.join(baselines, on=["unique_id", "ds"])
        .join(ours, on=["unique_id", "ds"])
        .join(scale.filter(pl.col("scale") > 0), on="unique_id")
    )
    methods = {
        "TradePilot": "forecast",
        "SeasonalNaive": "SeasonalNaive",
        "Naive": "Naive",
    }
    rmsse = scored.group_by("unique_id").agg(
        (
            ((pl.col(c) - pl.col("y")) ** 2).mean().sqrt() / pl.col("scale").first()
        ).alias(n)
        for n, c in methods.items()
    )
    print(f"# forecast series on {source}: cutoff {cutoff}, {args.horizon} weeks")
    print(
        f"series scored {rmsse.height} of {panel['unique_id'].n_unique()}; "
        f"forecast series took {seconds:.0f} s wall, {cpu:.0f} s CPU "
        f"({report['series']} series); "
        f"models {report['models']}"
    )
    for note in report.get("notes", []):
        print(f"note: {note}")
    for name, column in methods.items():
        wape = (scored[column] - scored["y"]).abs().sum() / scored["y"].abs().sum()
        print(f"{name:14s} RMSSE {rmsse[name].mean():.4f}  WAPE {wape:.4f}")
    ratio = rmsse["TradePilot"].mean() / rmsse["SeasonalNaive"].mean()
    print(f"ratio RMSSE TradePilot / SeasonalNaive(52): {ratio:.3f} (target <= 0.92)")


if __name__ == "__main__":
    main()
