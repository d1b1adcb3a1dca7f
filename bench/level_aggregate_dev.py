"""Issue 11 §1: intermittent models on the SKU totals, split back to countries.

A SKU's weekly total over all its countries is less intermittent than each country's
series, so models of intermittent demand (IMAPA, ADIDA: statsforecast, fitted here
directly) and the level model see more signal there. Each SKU's forecast is split
to its countries by their share of the SKU's units over the last ``SHARE_WEEKS``
weeks before the cutoff (all its history when shorter), and scored on the SKU x
country series the level model forecasts, on the Online Retail validation cutoffs
only (2011-05-16, 2011-06-13; 12 weeks; series with 8 sales), as
``bench/level_store_change_dev.py`` scores the level model:

- ``level``: the level model on the SKU x country series (today);
- ``split IMAPA`` / ``split ADIDA`` / ``split level``: the SKU total's forecast by
  that model, split by the shares;
- ``mean(level, split level)``: the two level forecasts averaged.

    python bench/level_aggregate_dev.py [--file PATH] [--share-weeks 26]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from level_dev import (  # noqa: E402
    DEFAULT_FILE,
    HORIZON,
    VALIDATION_CUTOFFS,
    online_retail_demand,
    print_scores,
)

SHARE_WEEKS = 26


def sku_of(column: str) -> pl.Expr:
    return pl.col(column).str.split("|").list.first()


def intermittent(history: pl.DataFrame, name: str) -> pl.DataFrame:
    """``unique_id, level``: the model's mean forecast over the horizon per series."""
    from statsforecast import StatsForecast
    from statsforecast.models import ADIDA, IMAPA

    model = {"IMAPA": IMAPA(), "ADIDA": ADIDA()}[name]
    sf = StatsForecast(models=[model], freq="W-MON", n_jobs=1)
    out = pl.from_pandas(sf.forecast(df=history.to_pandas(), h=HORIZON))
    return out.group_by("unique_id").agg(pl.col(name).mean().alias("level"))


def main() -> None:
    from tradepilot.forecasting.backtest import split
    from tradepilot.forecasting.classify import since_first_sale, to_panel
    from tradepilot.forecasting.level_model import level_forecasts
    from tradepilot.forecasting.series import build_panel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(DEFAULT_FILE))
    parser.add_argument("--share-weeks", type=int, default=SHARE_WEEKS)
    args = parser.parse_args()
    demand = online_retail_demand(args.file)
    panels = {
        level: to_panel(
            build_panel(demand, freq="W", level=level).select("unique_id", "ds", "y"),
            freq="W-MON",
        )
        for level in ("sku_country", "sku")
    }
    data, skus = panels["sku_country"], panels["sku"]
    for cutoff in VALIDATION_CUTOFFS:
        started = time.perf_counter()
        train, test = split(data, cutoff, HORIZON, 8)
        origin = pl.lit(cutoff).cast(data.schema["ds"])
        history = since_first_sale(data.filter(pl.col("ds") < origin))
        sku_history = since_first_sale(skus.filter(pl.col("ds") < origin))
        recent = history.filter(
            pl.col("ds")
            >= pl.lit(cutoff - dt.timedelta(weeks=args.share_weeks)).cast(
                data.schema["ds"]
            )
        )
        shares = (
            recent.group_by("unique_id")
            .agg(pl.col("y").sum())
            .with_columns(sku=sku_of("unique_id"))
            .with_columns(share=pl.col("y") / pl.col("y").sum().over("sku"))
            .select("unique_id", "sku", "share")
            .fill_nan(0.0)
        )
        levels = level_forecasts(history, horizon=HORIZON, n_jobs=1)
        sku_levels = {
            "split level": level_forecasts(sku_history, horizon=HORIZON, n_jobs=1),
            "split IMAPA": intermittent(sku_history, "IMAPA"),
            "split ADIDA": intermittent(sku_history, "ADIDA"),
        }
        runs = {"level": levels.select("unique_id", "level")}
        for name, total in sku_levels.items():
            # the SKU panel's ids are "SKU|ALL"
            total = total.select(sku=sku_of("unique_id"), total="level")
            runs[name] = shares.join(total, on="sku").select(
                "unique_id", level=pl.col("share") * pl.col("total")
            )
        runs["mean(level, split level)"] = (
            runs["level"]
            .join(runs["split level"], on="unique_id", suffix="_split")
            .select("unique_id", level=(pl.col("level") + pl.col("level_split")) / 2)
        )
        scored = levels.select("unique_id").join(
            train.select("unique_id").unique(), on="unique_id"
        )
        print(
            f"\nsku_country, cutoff {cutoff} ({scored.height} level-model series; "
            f"{time.perf_counter() - started:.0f} s)"
        )
        print_scores(runs, scored, train, test)


if __name__ == "__main__":
    main()
