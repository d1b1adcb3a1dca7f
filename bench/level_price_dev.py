"""Issue 11 §1: do price features help the level model?

Every order line carries its unit price. Here the level model
(:mod:`tradepilot.forecasting.level_model`) gets two more features per series and
origin, from its weekly unit price (units-weighted over the week's sale lines,
carried forward over weeks without a sale):

- ``price_change``: log of the mean price of the 4 weeks before the origin over the
  mean of the 26 weeks before those (a discount, or a price rise, now);
- ``price_rel``: log of the mean price of the 4 weeks before the origin over the
  series' median weekly price since its first sale.

The model is otherwise unchanged (the features are added for this run only, by
wrapping ``level_model.features``); scored as ``bench/level_store_change_dev.py``
scores it, on the Online Retail validation cutoffs only (2011-05-16, 2011-06-13; 12
weeks; the level model's SKU x country series with 8 sales).

    python bench/level_price_dev.py [--file PATH]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from level_dev import (  # noqa: E402
    DEFAULT_FILE,
    HORIZON,
    VALIDATION_CUTOFFS,
    online_retail_demand,
    print_scores,
)

PRICE_FEATURES = ("price_change", "price_rel")
# the price matrix of the panel being fitted (rows and columns as its demand matrix)
PRICES: dict[str, Any] = {}


def weekly_prices(demand: pl.DataFrame, panel: pl.DataFrame) -> pl.DataFrame:
    """``unique_id, ds, y``: each series' weekly unit price on ``panel``'s grid,
    units-weighted, carried forward over weeks without a sale (NaN before the first)."""
    from tradepilot.forecasting.series import SEPARATOR

    week = pl.col("ordered_at").dt.date().dt.truncate("1w")
    prices = demand.group_by(
        pl.concat_str(["sku", "country"], separator=SEPARATOR).alias("unique_id"),
        week.alias("ds"),
    ).agg(
        (
            (pl.col("unit_price") * pl.col("quantity")).sum() / pl.col("quantity").sum()
        ).alias("price")
    )
    grid = panel.select("unique_id", pl.col("ds").cast(pl.Date))
    return (
        grid.join(prices, on=["unique_id", "ds"], how="left")
        .sort("unique_id", "ds")
        .with_columns(pl.col("price").forward_fill().over("unique_id"))
        .select("unique_id", "ds", y=pl.col("price").fill_null(np.nan))
    )


def with_prices(original: Any) -> Any:
    """``level_model.features`` plus the price features of :data:`PRICES`."""

    def features(values: Any, origin: int) -> Any:
        out, scale = original(values, origin)
        price = PRICES["matrix"]
        assert price.shape == values.shape, (price.shape, values.shape)
        history = price[:, :origin]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            now = np.nanmean(history[:, -4:], axis=1)
            before = np.nanmean(history[:, -30:-4], axis=1)
            usual = np.nanmedian(history, axis=1)
            out["price_change"] = np.log(now / before)
            out["price_rel"] = np.log(now / usual)
        return out, scale

    return features


def main() -> None:
    from tradepilot.forecasting import level_model
    from tradepilot.forecasting.backtest import split
    from tradepilot.forecasting.classify import since_first_sale, to_panel
    from tradepilot.forecasting.series import build_panel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(DEFAULT_FILE))
    args = parser.parse_args()
    demand = online_retail_demand(args.file)
    data = to_panel(
        build_panel(demand, freq="W", level="sku_country").select(
            "unique_id", "ds", "y"
        ),
        freq="W-MON",
    )
    plain_features, plain_names = level_model.features, level_model.FEATURES
    for cutoff in VALIDATION_CUTOFFS:
        started = time.perf_counter()
        train, test = split(data, cutoff, HORIZON, 8)
        origin = pl.lit(cutoff).cast(data.schema["ds"])
        history = since_first_sale(data.filter(pl.col("ds") < origin))
        _, price_matrix = level_model.to_matrix(weekly_prices(demand, history))
        runs = {}
        for name, wrapped in (("level", False), ("level + price", True)):
            if wrapped:
                PRICES["matrix"] = price_matrix
                level_model.features = with_prices(plain_features)  # type: ignore[assignment]
                level_model.FEATURES = (*plain_names, *PRICE_FEATURES)  # type: ignore[misc]
            try:
                runs[name] = level_model.level_forecasts(
                    history, horizon=HORIZON, n_jobs=1
                )
            finally:
                level_model.features = plain_features  # type: ignore[assignment]
                level_model.FEATURES = plain_names  # type: ignore[misc]
        scored = (
            runs["level"]
            .select("unique_id")
            .join(train.select("unique_id").unique(), on="unique_id")
        )
        print(
            f"\nsku_country, cutoff {cutoff} ({scored.height} level-model series; "
            f"{time.perf_counter() - started:.0f} s)"
        )
        print_scores(runs, scored, train, test)


if __name__ == "__main__":
    main()
