"""Orders: sold units grouped into web-store and Amazon orders with timestamps.

Every unit sold on a day in a country goes to one channel (Amazon with the
country's Amazon share). Units of one SKU are bought in lines (sometimes 2-3 at
once), and the lines of a day, country and channel are shuffled and cut into
orders of 1-4 lines. Each order gets a local time of day drawn from a typical
online-shopping curve, stored as a UTC instant.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from tradepilot.simulate.markets import MARKETS
from tradepilot.simulate.timeline import Timeline

CHANNELS: tuple[str, str] = ("web", "amazon")
LINE_CONTINUE = 0.2
"""Probability that a further unit of the same SKU joins the previous line."""
NEW_ORDER = 0.7
"""Probability that the next line of a day starts a new order."""
MAX_LINES = 4
HOUR_WEIGHTS = np.array(
    [0.8, 0.5, 0.3, 0.2, 0.2, 0.3, 0.7, 1.5, 2.5, 3.5, 4.0, 4.2,
     4.5, 4.3, 4.2, 4.3, 4.5, 4.8, 5.2, 6.0, 6.5, 6.2, 4.5, 2.0]
)  # fmt: skip
"""Relative order intensity by local hour of day."""


def build_orders(
    rng: np.random.Generator, sold: np.ndarray
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Group sold units into orders and order lines.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    sold : numpy.ndarray
        Units sold, shape (n_days, n_skus, n_countries) (countries as in MARKETS).

    Returns
    -------
    orders : polars.DataFrame
        ``order_key, day, country_idx, country, channel`` (channel index into
        CHANNELS).
    lines : polars.DataFrame
        ``order_key, line_no, sku_idx, quantity``; per (day, SKU, country) the
        quantities add up to ``sold``.
    """
    day, sku, country, channel, units = _channel_cells(rng, sold)
    line_cell, quantity = _split_lines(rng, units)
    group = (day * len(MARKETS) + country) * 2 + channel
    perm, order_key = _group_orders(rng, group[line_cell])
    cells = line_cell[perm]
    lines = (
        pl.DataFrame(
            {"order_key": order_key, "sku_idx": sku[cells], "quantity": quantity[perm]}
        )
        .group_by("order_key", "sku_idx", maintain_order=True)
        .agg(pl.col("quantity").sum())
        .with_columns(line_no=pl.int_range(pl.len()).over("order_key"))
        .select("order_key", "line_no", "sku_idx", "quantity")
    )
    first = np.r_[True, order_key[1:] != order_key[:-1]]
    orders = pl.DataFrame(
        {
            "order_key": order_key[first],
            "day": day[cells[first]],
            "country_idx": country[cells[first]],
            "country": np.array([m.country for m in MARKETS])[country[cells[first]]],
            "channel": channel[cells[first]],
        }
    )
    return orders, lines


def _channel_cells(
    rng: np.random.Generator, sold: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split every (day, SKU, country) cell's units between web and Amazon."""
    day, sku, country = np.nonzero(sold)
    units = sold[day, sku, country].astype(np.int64)
    amazon_share = np.array([m.amazon_share for m in MARKETS])
    amazon = rng.binomial(units, amazon_share[country])
    both = np.r_[units - amazon, amazon]
    channel = np.repeat([0, 1], day.size)
    keep = both > 0
    tile = np.tile
    return (
        tile(day, 2)[keep],
        tile(sku, 2)[keep],
        tile(country, 2)[keep],
        channel[keep],
        both[keep],
    )


def _split_lines(
    rng: np.random.Generator, units: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cut each cell's units into lines; return each line's cell and quantity."""
    unit_cell = np.repeat(np.arange(units.size), units)
    first_unit = np.r_[True, unit_cell[1:] != unit_cell[:-1]]
    new_line = first_unit | (rng.random(unit_cell.size) >= LINE_CONTINUE)
    line_of_unit = np.cumsum(new_line) - 1
    return unit_cell[new_line], np.bincount(line_of_unit)


def _group_orders(
    rng: np.random.Generator, group: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle lines within their group and cut groups into orders.

    Returns the permutation of lines and the order key of each permuted line.
    """
    perm = np.lexsort((rng.random(group.size), group))
    grouped = group[perm]
    start = np.r_[True, grouped[1:] != grouped[:-1]]
    start |= rng.random(group.size) < NEW_ORDER
    provisional = np.cumsum(start) - 1
    first_index = np.flatnonzero(start)
    position = np.arange(group.size) - first_index[provisional]
    start |= position % MAX_LINES == 0
    return perm, np.cumsum(start) - 1


def order_times(
    rng: np.random.Generator, orders: pl.DataFrame, timeline: Timeline
) -> pl.DataFrame:
    """Add ``created_at`` (UTC instant) from a local time of day per order.

    Local times that do not exist (the hour skipped by daylight saving) move one
    hour later, as a clock would show them.
    """
    n = orders.height
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    seconds = hour * 3600 + rng.integers(0, 3600, n)
    midnight = pl.lit(timeline.start).cast(pl.Datetime("us"))  # local wall time
    wall = midnight + pl.duration(days=pl.col("day"), seconds=pl.col("_seconds"))
    return (
        orders.with_columns(_seconds=pl.Series(seconds, dtype=pl.Int64))
        .with_columns(_wall=wall)
        .with_columns(created_at=_to_utc("_wall", "country"))
        .with_columns(
            created_at=pl.coalesce(
                "created_at", _to_utc("_wall", "country", shift_hours=1)
            )
        )
        .drop("_seconds", "_wall")
    )


def _to_utc(wall: str, country: str, shift_hours: int = 0) -> pl.Expr:
    """Interpret a naive wall time in the time zone of each row's country as UTC."""
    shifted = pl.col(wall) + pl.duration(hours=shift_hours)
    expr: pl.Expr = pl.lit(None, dtype=pl.Datetime("us", "UTC"))
    for market in MARKETS:
        local = shifted.dt.replace_time_zone(
            market.time_zone, ambiguous="earliest", non_existent="null"
        )
        expr = (
            pl.when(pl.col(country) == market.country)
            .then(local.dt.convert_time_zone("UTC"))
            .otherwise(expr)
        )
    return expr


def local_text(instant: str, country: str, fmt: str) -> pl.Expr:
    """Format a UTC instant in the time zone of each row's country (ISO code)."""
    expr: pl.Expr = pl.lit(None, dtype=pl.String)
    for market in MARKETS:
        text = pl.col(instant).dt.convert_time_zone(market.time_zone).dt.strftime(fmt)
        expr = pl.when(pl.col(country) == market.country).then(text).otherwise(expr)
    return expr


def local_date(instant: str, country: str) -> pl.Expr:
    """Calendar date of a UTC instant in each row's market time zone."""
    return local_text(instant, country, "%Y-%m-%d").str.to_date("%Y-%m-%d")
