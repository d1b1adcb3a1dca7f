"""New-SKU forecast benchmark: peer launch curves against zero, own mean, store curve.

On UCI Online Retail, at each cutoff, the series (SKU x country, and SKU) whose first
sale falls in the 8 weeks before the cutoff (fewer than 8 weeks of history: the
``new`` class) are forecast 12 weeks ahead by
:class:`~tradepilot.forecasting.launch.PeerLaunchForecaster` and by baselines fitted
in the same run:

- ``Zero``: no forecast (what a new SKU got before the series existed);
- ``OwnMean``: the series' mean since its first sale, statsforecast
  ``HistoricAverage`` with its native intervals (what ``forecast run`` gave a new
  series before peers were used);
- ``StoreCurve``: the mean units of every earlier launch at the same ages (numpy),
  intervals from their quantiles; not scaled by the series' own sales.

Scored with :func:`tradepilot.forecasting.metrics.evaluate` (mean RMSSE over series
with a defined scale, i.e. at least two weeks of history with a change), pooled MAE,
WAPE, bias and interval coverage. SKUs whose first sale falls inside the 12 held-out
weeks are not forecast by any method (nothing before the cutoff names them); the
bench counts them and their share of the held-out units.

Parameters (``scale``; ``n_neighbors`` and ``peer_weight``, the nearest peers by
description) are chosen on the validation cutoffs
(``--validation``: 2011-03-21, 2011-04-18, 2011-05-16, 2011-06-13, whose held-out
weeks end by the test cutoff); the test cutoff 2011-09-05 is scored with the chosen
defaults (``--test``).

``--product`` runs ``forecast run --cutoff 2011-09-05 --horizon 12`` (the product's
own path, stockout correction included) and ``forecast export`` twice, with the
launch model and without it: every row of an established series must be identical
in the two CSV exports, and the exported forecasts of the new series are scored
against the units sold, beside the same run's export without the launch model
(their own mean).

Usage: ``python bench/launch_bench.py [--file PATH] (--validation | --test |
--product)``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
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
HORIZON = 12
NEW_WITHIN = 8
LEVELS = (80, 95)
VALIDATION_CUTOFFS = tuple(
    dt.date.fromisoformat(d)
    for d in ("2011-03-21", "2011-04-18", "2011-05-16", "2011-06-13")
)
TEST_CUTOFFS = (dt.date(2011, 9, 5),)
GRID = [(50, 0.0, c) for c in (1.0, 0.7, 0.5, 0.3)] + [(50, 0.5, 0.5), (200, 0.5, 0.5)]


def load(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Order lines and product texts of the file, through TradePilot's import."""
    import sqlalchemy as sa

    from tradepilot.config import Settings
    from tradepilot.forecasting.service import read_order_lines
    from tradepilot.ingest.service import import_file
    from tradepilot.workspace import init_workspace

    with tempfile.TemporaryDirectory() as home:
        engine = init_workspace(Settings(home=Path(home), database_url=None))
        import_file(engine, fmt="online-retail", path=path)
        with engine.connect() as conn:
            lines = read_order_lines(conn)
            rows = conn.execute(sa.text("SELECT sku, description FROM products")).all()
        engine.dispose()
    texts = pl.DataFrame([tuple(r) for r in rows], schema=["sku", "text"], orient="row")
    return lines, texts


def split_new(
    panel: pl.DataFrame, cutoff: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, Any]]:
    """Training panel, held-out weeks of its new series, and what launches later."""
    end = cutoff + dt.timedelta(weeks=HORIZON)
    train = panel.filter(pl.col("ds") < cutoff)
    length = train.group_by("unique_id").agg(n=pl.len())
    new = length.filter(pl.col("n") < NEW_WITHIN)["unique_id"]
    held = panel.filter(pl.col("ds").is_between(cutoff, end, closed="left"))
    test = held.filter(pl.col("unique_id").is_in(new.implode()))
    later = held.filter(
        ~pl.col("unique_id").is_in(train["unique_id"].unique().implode())
    )
    launches = {
        "series": later["unique_id"].n_unique(),
        "units": float(later["y"].sum()),
        "share_of_units": float(later["y"].sum() / held["y"].sum()),
    }
    return train, test, launches


def stepped(frame: pl.DataFrame, cutoff: dt.date) -> pl.DataFrame:
    """``step`` 1.. as ``ds`` weeks from the cutoff."""
    ds = pl.lit(cutoff) + pl.duration(weeks=pl.col("step") - 1)
    return frame.with_columns(ds=ds.cast(pl.Date)).drop("step")


def peer_launch(
    train: pl.DataFrame,
    texts: pl.DataFrame,
    cutoff: dt.date,
    n: int,
    w: float,
    c: float,
) -> pl.DataFrame:
    from tradepilot.forecasting.launch import PeerLaunchForecaster

    model = PeerLaunchForecaster(
        horizon=HORIZON, levels=LEVELS, n_neighbors=n, peer_weight=w, scale=c
    ).fit(train.select("unique_id", "ds", "y"), texts=texts)
    return stepped(model.predict(), cutoff)


def zero(test: pl.DataFrame) -> pl.DataFrame:
    cols = {f"{s}_{lv}": pl.lit(0.0) for lv in LEVELS for s in ("lo", "hi")}
    return test.select("unique_id", "ds", forecast=pl.lit(0.0), **cols)


def own_mean(train: pl.DataFrame, new: pl.Series) -> pl.DataFrame:
    """statsforecast HistoricAverage since the first sale, native intervals."""
    from statsforecast import StatsForecast
    from statsforecast.models import HistoricAverage

    from tradepilot.forecasting.classify import since_first_sale

    sub = since_first_sale(train.filter(pl.col("unique_id").is_in(new.implode())))
    sf = StatsForecast(models=[HistoricAverage()], freq="1w", n_jobs=1)
    fc = pl.DataFrame(
        sf.forecast(
            df=sub.select("unique_id", "ds", "y"), h=HORIZON, level=list(LEVELS)
        )
    )
    out = fc.select(
        "unique_id",
        pl.col("ds").cast(pl.Date),
        forecast=pl.col("HistoricAverage"),
        **{
            f"{s}_{lv}": pl.col(f"HistoricAverage-{s}-{lv}")
            for lv in LEVELS
            for s in ("lo", "hi")
        },
    )
    return out.with_columns(pl.exclude("unique_id", "ds").clip(0.0))


def store_curve(train: pl.DataFrame, test: pl.DataFrame) -> pl.DataFrame:
    """Mean units of every earlier launch at each age (numpy), not scaled."""
    index = train["ds"].unique().sort()
    t = {d: i for i, d in enumerate(index.to_list())}
    first = train.filter(pl.col("y") > 0).group_by("unique_id").agg(pl.col("ds").min())
    rows = train.join(first.rename({"ds": "first"}), on="unique_id").filter(
        pl.col("ds") >= pl.col("first")
    )
    rows = rows.with_columns(
        age=((pl.col("ds") - pl.col("first")).dt.total_days() // 7).cast(pl.Int64),
        launched=pl.col("first").replace_strict(t, return_dtype=pl.Int64) >= NEW_WITHIN,
    )
    peers = rows.filter(pl.col("launched"))
    by_age = peers.group_by("age").agg(
        mean=pl.col("y").mean(),
        **{
            f"q{lv}_{s}": pl.col("y").quantile(q)
            for lv in LEVELS
            for s, q in (("lo", (1 - lv / 100) / 2), ("hi", 1 - (1 - lv / 100) / 2))
        },
    )
    # Ages no peer reached take the oldest age's values.
    ages = pl.DataFrame({"age": np.arange(NEW_WITHIN + HORIZON)})
    by_age = (
        ages.join(by_age, on="age", how="left")
        .sort("age")
        .fill_null(strategy="forward")
    )
    age_of = rows.group_by("unique_id").agg(pl.col("first").first())
    fc = test.select("unique_id", "ds").join(age_of, on="unique_id")
    fc = fc.with_columns(
        age=((pl.col("ds") - pl.col("first")).dt.total_days() // 7).cast(pl.Int64)
    ).join(by_age, on="age", how="left")
    return fc.select(
        "unique_id",
        "ds",
        forecast=pl.col("mean"),
        **{f"{s}_{lv}": pl.col(f"q{lv}_{s}") for lv in LEVELS for s in ("lo", "hi")},
    )


def score(fc: pl.DataFrame, test: pl.DataFrame, train: pl.DataFrame) -> dict[str, Any]:
    from tradepilot.forecasting.metrics import evaluate

    m = evaluate(fc, test, train, levels=LEVELS)
    joined = test.join(fc.select("unique_id", "ds", "forecast"), on=["unique_id", "ds"])
    m["mae"] = float((joined["y"] - joined["forecast"]).abs().mean())  # type: ignore[arg-type]
    return m


def run_cutoff(
    panel: pl.DataFrame,
    texts: pl.DataFrame,
    cutoff: dt.date,
    grid: list[tuple[int, float, float]],
) -> dict[str, Any]:
    train, test, launches = split_new(panel, cutoff)
    new = test["unique_id"].unique()
    methods = {
        "Zero": zero(test),
        "OwnMean": own_mean(train, new),
        "StoreCurve": store_curve(train, test),
    }
    for n, w, c in grid:
        label = f"PeerLaunch(scale={c}" + (f", n={n}, w={w})" if w else ")")
        methods[label] = peer_launch(train, texts, cutoff, n, w, c)
    scores = {name: score(fc, test, train) for name, fc in methods.items()}
    return {"new_series": new.len(), "launch_in_horizon": launches, "scores": scores}


def print_cutoff(level: str, cutoff: dt.date, r: dict[str, Any]) -> None:
    la = r["launch_in_horizon"]
    print(
        f"\n== {level}, cutoff {cutoff}: {r['new_series']} new series (first sale in"
        f" the 8 weeks before); launching inside the horizon (not forecast):"
        f" {la['series']} series, {la['units']:,.0f} units,"
        f" {la['share_of_units']:.1%} of held-out units"
    )
    print(
        f"{'method':<36}{'RMSSE':>8}{'MAE':>8}{'WAPE':>8}{'bias':>8}{'cov80':>7}"
        f"{'cov95':>7}{'scored':>8}"
    )
    for name, m in r["scores"].items():
        rmsse = "-" if m["rmsse"] is None else f"{m['rmsse']:.3f}"
        print(
            f"{name:<36}{rmsse:>8}{m['mae']:8.2f}{m['wape']:8.3f}{m['bias']:+8.3f}"
            f"{m['coverage']['80']:7.2f}{m['coverage']['95']:7.2f}"
            f"{m['series'] - m['zero_scale']:>8}"
        )


def product(path: Path, lines: pl.DataFrame, cutoff: dt.date) -> None:
    """Two ``forecast run`` + export on one workspace: with and without the launch
    model; established rows compared byte for byte, new series scored."""
    from tradepilot.config import Settings
    from tradepilot.forecasting.launch import LAUNCH_MODEL
    from tradepilot.forecasting.selection import AutoForecaster
    from tradepilot.forecasting.series import build_panel, demand_lines
    from tradepilot.forecasting.service import (
        ForecastSettings,
        export_csv,
        forecast_demand,
    )
    from tradepilot.ingest.service import import_file
    from tradepilot.workspace import init_workspace

    settings = ForecastSettings(cutoff=cutoff, horizon=HORIZON, n_jobs=2)
    exports: dict[str, pl.DataFrame] = {}
    with tempfile.TemporaryDirectory() as home:
        engine = init_workspace(Settings(home=Path(home), database_url=None))
        import_file(engine, fmt="online-retail", path=path)
        launch = AutoForecaster._launch
        for name in ("with", "without"):
            if name == "without":
                AutoForecaster._launch = lambda self, learn, c, m: (c, m)  # type: ignore[method-assign]
            started, cpu = time.perf_counter(), time.process_time()
            run = forecast_demand(engine, settings)
            csv = export_csv(engine)
            print(
                f"forecast run {name} the launch model: {run['series']:,} series,"
                f" {time.perf_counter() - started:.1f} s wall,"
                f" {time.process_time() - cpu:.1f} s CPU in this process"
            )
            # as text: the established rows are compared as exported
            exports[name] = pl.read_csv(csv.encode(), infer_schema=False)
        AutoForecaster._launch = launch  # type: ignore[method-assign]
        with_, without = exports["with"], exports["without"]
        new_keys = (
            with_.filter(pl.col("model") == LAUNCH_MODEL)
            .select("sku", "country")
            .unique()
        )
        old_with = with_.join(new_keys, on=["sku", "country"], how="anti")
        old_without = without.join(new_keys, on=["sku", "country"], how="anti")
        same = old_with.write_csv() == old_without.write_csv()
        print(
            f"established series: {old_with.height:,} exported rows,"
            f" identical with and without the launch model: {same}"
        )
        engine.dispose()
    panel = build_panel(demand_lines(lines), freq="W", level="sku_country")
    train, test, _ = split_new(panel, cutoff)
    ids = new_keys.select(unique_id=pl.col("sku") + "|" + pl.col("country"))
    test = test.join(ids, on="unique_id")
    print(f"new series exported with {LAUNCH_MODEL}: {ids.height:,}")
    for name, frame in (("PeerLaunch (export)", with_), ("OwnMean (export)", without)):
        bounds = ("forecast", "lo_80", "hi_80", "lo_95", "hi_95")
        fc = frame.select(
            unique_id=pl.col("sku") + "|" + pl.col("country"),
            ds=pl.col("period_start").str.to_date(),
            **{c: pl.col(c).cast(pl.Float64) for c in bounds},
        )
        m = score(fc, test, train)
        print(
            f"  {name:<22} RMSSE {m['rmsse']:.3f}  MAE {m['mae']:.2f}  WAPE"
            f" {m['wape']:.3f}  bias {m['bias']:+.3f}  cov80 {m['coverage']['80']:.2f}"
            f"  cov95 {m['coverage']['95']:.2f}"
        )
    if not same:
        raise SystemExit("established series changed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--validation", action="store_true")
    group.add_argument("--test", action="store_true")
    group.add_argument("--product", action="store_true")
    args = parser.parse_args()
    from tradepilot.forecasting.launch import PeerLaunchForecaster
    from tradepilot.forecasting.series import build_panel, demand_lines

    started, cpu = time.perf_counter(), time.process_time()
    lines, sku_texts = load(args.file)
    if args.product:
        product(args.file, lines, TEST_CUTOFFS[0])
        print_usage(started, cpu)
        return
    default = PeerLaunchForecaster()
    grid = (
        GRID
        if args.validation
        else [(default.n_neighbors, default.peer_weight, default.scale)]
    )
    cutoffs = VALIDATION_CUTOFFS if args.validation else TEST_CUTOFFS
    for level in ("sku_country", "sku"):
        panel = build_panel(demand_lines(lines), freq="W", level=level)
        texts = panel.select("unique_id", "sku").unique().join(sku_texts, on="sku")
        for cutoff in cutoffs:
            print_cutoff(level, cutoff, run_cutoff(panel, texts, cutoff, grid))
    print_usage(started, cpu)


def print_usage(started: float, cpu: float) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"\nwall {time.perf_counter() - started:.1f} s, CPU"
        f" {time.process_time() - cpu:.1f} s (worker processes"
        f" {children.ru_utime + children.ru_stime:.1f} s), peak"
        f" {usage.ru_maxrss / 1024:.0f} MB,"
        f" load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
