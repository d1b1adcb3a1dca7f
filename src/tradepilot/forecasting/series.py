"""Demand series per SKU x country (and per SKU) from order lines (pure, no I/O).

Demand is the units of product lines with a positive quantity and price on sale
orders; cancellations and returns are their own series (:func:`return_lines`), so a
cancelled order never lowers demand and return rates can be read off later.

Periods are weeks starting on Monday by default (``W``), or days (``D``) or calendar
months (``M``). A panel is dense: each series runs from its first sale to the last
period before the cutoff, with explicit zeros. With a cutoff, only data strictly before
it is used and the forecast starts at the cutoff's period, so a partial period before
the cutoff is left out of training (it would look like a sales dip).

Countries with little volume can be pooled into a market (:class:`Pooling`); the SKU
total is the sum of its SKU x country series (bottom-up, coherent by construction).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from tradepilot.domain.catalog import LineKind
from tradepilot.domain.countries import PSEUDO_COUNTRIES
from tradepilot.domain.orders import OrderKind

FREQUENCIES = {"D": "1d", "W": "1w", "M": "1mo"}
# statsforecast/pandas frequency aliases and a season length per frequency
PANDAS_FREQ = {"D": "D", "W": "W-MON", "M": "MS"}
SEASON_LENGTH = {"D": 7, "W": 52, "M": 12}
SEPARATOR = "|"

# Markets that pooled countries join (ISO alpha-2 -> market); others go to "OTHER".
EU = set(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)
MARKETS = {
    **dict.fromkeys(EU | {"EU"}, "EU"),
    **dict.fromkeys("GB NO CH IS LI XC GG JE IM".split(), "EUROPE_OTHER"),
    **dict.fromkeys("US CA MX".split(), "NORTH_AMERICA"),
    **dict.fromkeys("AU NZ JP SG HK KR TW CN MY TH".split(), "APAC"),
}


@dataclass(frozen=True)
class Pooling:
    """Which countries keep their own series.

    Attributes
    ----------
    min_units : float
        A country whose demand for a SKU over the training history is below this is
        pooled into its market (0: never pool).
    markets : dict
        Country -> market name; unlisted countries pool into ``OTHER``.
    """

    min_units: float = 0.0
    markets: dict[str, str] = field(default_factory=lambda: dict(MARKETS))

    def market(self, country: str) -> str:
        """Market a pooled country joins."""
        return self.markets.get(country, "OTHER")


def period_start(column: pl.Expr, freq: str) -> pl.Expr:
    """The start date of each timestamp's period (weeks start on Monday)."""
    return column.dt.truncate(FREQUENCIES[freq]).dt.date()


def cutoff_period(cutoff: dt.date, freq: str) -> dt.date:
    """The period the forecast starts at: the one containing ``cutoff``."""
    frame = pl.DataFrame({"d": [dt.datetime.combine(cutoff, dt.time())]})
    return frame.select(period_start(pl.col("d"), freq))["d"][0]  # type: ignore[no-any-return]


def last_training_period(cutoff: dt.date, freq: str) -> dt.date:
    """The last whole period before the cutoff's period."""
    start = pl.select(
        pl.lit(cutoff_period(cutoff, freq)).dt.offset_by(f"-{FREQUENCIES[freq]}")
    )
    return start.item()  # type: ignore[no-any-return]


def demand_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """The lines that are demand: products, positive quantity and price, sale orders.

    Parameters
    ----------
    lines : polars.DataFrame
        ``ordered_at`` (UTC datetime), ``sku``, ``country``, ``quantity``,
        ``unit_price`` (float), ``order_kind``, ``line_kind``.
    """
    return lines.filter(
        (pl.col("line_kind") == LineKind.PRODUCT.value)
        & (pl.col("order_kind") == OrderKind.SALE.value)
        & (pl.col("quantity") > 0)
        & (pl.col("unit_price") > 0)
    )


def return_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """Product lines of cancellations and returns (units as positive numbers)."""
    kinds = [OrderKind.CANCELLATION.value, OrderKind.RETURN.value]
    return lines.filter(
        (pl.col("line_kind") == LineKind.PRODUCT.value)
        & pl.col("order_kind").is_in(kinds)
        & (pl.col("quantity") < 0)
    ).with_columns(pl.col("quantity").abs())


def build_panel(
    lines: pl.DataFrame,
    *,
    freq: str = "W",
    cutoff: dt.date | None = None,
    level: str = "sku_country",
    pooling: Pooling | None = None,
) -> pl.DataFrame:
    """A dense demand panel: ``unique_id, sku, country, ds, y``.

    Parameters
    ----------
    lines : polars.DataFrame
        Rows already selected as demand (:func:`demand_lines`) or returns.
    freq : {"W", "D", "M"}
        Period length.
    cutoff : datetime.date, optional
        Only periods before the cutoff's period are kept.
    level : {"sku_country", "sku"}
        One series per SKU x country (``unique_id`` ``SKU|CC``) or per SKU
        (``country`` is ``ALL``).
    pooling : Pooling, optional
        Pool small countries into markets (``sku_country`` level only).

    Returns
    -------
    polars.DataFrame
        Sorted by ``unique_id, ds``; ``y`` float units per period.
    """
    frame = lines.with_columns(period_start(pl.col("ordered_at"), freq).alias("ds"))
    if cutoff is not None:
        frame = frame.filter(pl.col("ds") < cutoff_period(cutoff, freq))
    if frame.height == 0:
        return _empty_panel()
    latest = frame["ds"].max()
    assert isinstance(latest, dt.date)  # ds is a pl.Date column
    end = latest if cutoff is None else last_training_period(cutoff, freq)
    country = pl.lit("ALL") if level == "sku" else pl.col("country")
    grouped = frame.group_by("sku", country.alias("country"), "ds").agg(
        pl.col("quantity").sum().cast(pl.Float64).alias("y")
    )
    if level == "sku_country" and pooling and pooling.min_units > 0:
        grouped = _pool(grouped, pooling)
    return _densify(grouped, end, freq)


def _pool(grouped: pl.DataFrame, pooling: Pooling) -> pl.DataFrame:
    totals = grouped.group_by("sku", "country").agg(pl.col("y").sum().alias("total"))
    small = totals.filter(pl.col("total") < pooling.min_units).select("sku", "country")
    markets = {c: pooling.market(c) for c in grouped["country"].unique().to_list()}
    pooled = grouped.join(
        small.with_columns(pl.lit(True).alias("_small")),
        on=["sku", "country"],
        how="left",
    )
    pooled = pooled.with_columns(
        pl.when(pl.col("_small"))
        .then(pl.col("country").replace_strict(markets, return_dtype=pl.String))
        .otherwise(pl.col("country"))
        .alias("country")
    )
    return pooled.group_by("sku", "country", "ds").agg(pl.col("y").sum())


def _densify(grouped: pl.DataFrame, end: dt.date, freq: str) -> pl.DataFrame:
    firsts = grouped.group_by("sku", "country").agg(pl.col("ds").min().alias("first"))
    spans = firsts.with_columns(
        pl.date_ranges(pl.col("first"), pl.lit(end), interval=FREQUENCIES[freq]).alias(
            "ds"
        )
    ).explode("ds")
    dense = spans.select("sku", "country", "ds").join(
        grouped, on=["sku", "country", "ds"], how="left"
    )
    unique_id = pl.concat_str([pl.col("sku"), pl.col("country")], separator=SEPARATOR)
    return (
        dense.with_columns(pl.col("y").fill_null(0.0), unique_id.alias("unique_id"))
        .select("unique_id", "sku", "country", "ds", "y")
        .sort("unique_id", "ds")
    )


def _empty_panel() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "unique_id": pl.String,
            "sku": pl.String,
            "country": pl.String,
            "ds": pl.Date,
            "y": pl.Float64,
        }
    )


def is_pseudo_country(code: str) -> bool:
    """True for ``EU``, ``XC``, ``ZZ``: kept as their own market, never guessed."""
    return code in PSEUDO_COUNTRIES
