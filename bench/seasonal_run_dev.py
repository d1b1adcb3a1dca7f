"""Dev bench: would ``forecast run`` gain from a yearly season seen once?

``forecast series`` borrows a yearly shape from the panel (``pooled_season``) for
series with 64-103 weeks of history; ``forecast run`` (SKU x country, intermittent)
has no seasonal candidate below two full years. This bench measures, on simulated
stores (2 years, a yearly curve per category with a Q4 peak, stockouts), at each
cutoff, the selection's forecast (``AutoForecaster`` as ``backtest`` fits it) on the
scored series against two seasonal routes computed in the same run:

* ``pooled``: ``fit_pooled`` on every series with a season and a validation window
  since its first sale, with its 2% gate turned off (what it would give if used);
  on the series it covers;
* ``store ratio``: the selection's forecast times the store's own yearly ratio,
  units a year before each forecast week over the mean of the 8 weeks a year before
  the cutoff (every series, the store's total of all series).

Mean RMSSE and pooled WAPE of each (``forecasting.metrics.evaluate``). The result
(2026-12-05, seeds 1 and 2, cutoffs 0 and 12 weeks before the last 12): the pooled
shape is 3-9% worse even over the Q4 peak; the store ratio (up to 2x in December)
moves RMSSE by -0.8% to +0.9% and worsens WAPE; neither was adopted.

Usage: ``python bench/seasonal_run_dev.py [--seeds 1 2] [--back 0 12] [--n-jobs 2]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

HORIZON = 12
RATIO_WEEKS = 8


def panel_of(seed: int, n_skus: int) -> Any:
    """Weekly units sold per SKU x country of a simulated store."""
    import polars as pl

    from tradepilot.simulate import SimulationConfig, simulate_store

    store = simulate_store(SimulationConfig(seed=seed, n_skus=n_skus))
    truth = store.demand_truth.with_columns(
        pl.col("date").dt.truncate("1w").alias("ds"),
        pl.concat_str(["sku", "country"], separator="|").alias("unique_id"),
    )
    return (
        truth.group_by("unique_id", "ds")
        .agg(pl.col("sold").sum().cast(pl.Float64).alias("y"))
        .sort("unique_id", "ds")
    )


def store_ratio(before: Any) -> Any:
    """Units a year before each of the next weeks over the mean of the
    ``RATIO_WEEKS`` weeks a year before the cutoff (the store's total)."""
    import numpy as np
    import polars as pl

    total = before.group_by("ds").agg(pl.col("y").sum()).sort("ds")["y"].to_numpy()
    n = total.size
    ago = total[n - 52 - RATIO_WEEKS : n - 52].mean()
    return np.array([total[n - 52 + h] for h in range(HORIZON)]) / ago


def one_cutoff(panel: Any, cutoff: dt.date, n_jobs: int) -> str:
    import polars as pl

    from tradepilot.forecasting import pooled_season
    from tradepilot.forecasting.backtest import split
    from tradepilot.forecasting.classify import since_first_sale, to_panel
    from tradepilot.forecasting.metrics import evaluate
    from tradepilot.forecasting.selection import AutoForecaster

    data = to_panel(panel, freq="W-MON")
    train, test = split(data, cutoff, HORIZON, 8)
    before = data.filter(pl.col("ds") < pl.lit(cutoff).cast(data.schema["ds"]))
    ours = (
        AutoForecaster(freq="W-MON", horizon=HORIZON, n_jobs=n_jobs)
        .fit(train, level_panel=before)
        .predict()
    )
    ratio = store_ratio(before)
    step = pl.col("ds").rank("ordinal").over("unique_id").cast(pl.Int64) - 1
    scaled = ours.with_columns(
        pl.col("forecast") * step.map_elements(lambda h: ratio[h], pl.Float64)
    )
    gate = pooled_season.PARSIMONY
    pooled_season.PARSIMONY = -10.0  # the gate off: what the shape would give
    try:
        history = since_first_sale(train).with_columns(pl.col("ds").cast(pl.Date))
        pooled = pooled_season.fit_pooled(
            history, season_length=52, horizon=HORIZON, levels=(80, 95), freq="W-MON"
        ).forecasts.with_columns(pl.col("ds").cast(test.schema["ds"]))
    finally:
        pooled_season.PARSIMONY = gate
    covered = pooled.select("unique_id").unique()
    rows = [
        ("ours", evaluate(ours, test, train, (80, 95))),
        ("store ratio", evaluate(scaled, test, train, (80, 95))),
    ]
    sub_test, sub_train = (f.join(covered, on="unique_id") for f in (test, train))
    rows += [
        (
            f"ours on the {covered.height} pooled",
            evaluate(ours.join(covered, on="unique_id"), sub_test, sub_train, (80, 95)),
        ),
        ("pooled", evaluate(pooled, sub_test, sub_train, (80, 95))),
    ]
    ratios = " ".join(f"{r:.2f}" for r in ratio)
    lines = [f"  store ratio by week: {ratios}"]
    lines += [f"  {n:24} RMSSE {m['rmsse']:.4f} WAPE {m['wape']:.4f}" for n, m in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--back", type=int, nargs="+", default=[0, 12])
    parser.add_argument("--n-skus", type=int, default=300)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    for seed in args.seeds:
        panel = panel_of(seed, args.n_skus)
        last = panel["ds"].max()
        for back in args.back:
            cutoff = last - dt.timedelta(weeks=HORIZON - 1 + back)
            started = time.perf_counter()
            body = one_cutoff(panel, cutoff, args.n_jobs)
            print(
                f"seed {seed}, cutoff {cutoff:%Y-%m-%d} "
                f"({time.perf_counter() - started:.0f} s):\n{body}",
                flush=True,
            )


if __name__ == "__main__":
    main()
