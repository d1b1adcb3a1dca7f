"""Market-entry signals of a workspace, scored for every country.

Signals per country (sold to or not):

* own net revenue over the last year and its growth on the year before;
* revenue in peer markets (neighbours and the UN sub-region);
* margin rate: the country's SKU margins weighted by revenue where it has sales,
  else the seller's ten best-selling SKUs priced into it as one typical order;
* delivery days at the configured probability on the best lane for a typical order;
* tax and registration burden from the country's import regime;
* return rate: units returned or cancelled per unit sold, over all history.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine

from tradepilot.domain.errors import DataValidationError, NoRouteError
from tradepilot.fx.service import LatestRates
from tradepilot.logistics.config import TradeConfig
from tradepilot.logistics.context import TradeContext
from tradepilot.logistics.economics import Pricing, unit_economics
from tradepilot.logistics.service import (
    MarginReport,
    Shipper,
    cells_of,
    margins,
    pricing_of,
    read_sale_lines,
    trade_context,
)
from tradepilot.markets.regions import regions
from tradepilot.markets.scoring import ScoreWeights, peer_revenue, score_markets
from tradepilot.reference import ImportRegime, is_eu_member
from tradepilot.store.bulk import read_frame

BASKET_SKUS = 10


def score_workspace(
    engine: Engine,
    *,
    home: Path,
    weights: dict[str, float] | None = None,
    day: dt.date | None = None,
    report: MarginReport | None = None,
) -> pl.DataFrame:
    """Every country ranked by its market-entry score (see module docstring).

    ``weights`` override those of ``trade.toml`` (``[market_weights]``), which
    override the defaults of :class:`~tradepilot.markets.scoring.ScoreWeights`.
    """
    report = report or margins(engine, home=home, day=day, suggest_prices=False)
    with engine.connect() as conn:
        context = trade_context(conn, home)
        signals = market_signals(conn, report)
    chosen = ScoreWeights.from_mapping(
        {**context.config.market_weights, **(weights or {})}
    )
    return score_markets(signals, chosen, currency=context.base)


def market_signals(conn: Connection, report: MarginReport) -> pl.DataFrame:
    """The signals frame of :func:`~tradepilot.markets.scoring.score_markets`, from
    a margin report and the year of sales it priced."""
    sales = report.sales
    if sales is None:
        raise DataValidationError("market signals need a report made by margins()")
    context, lines, rates = sales.context, sales.lines, sales.rates
    countries = regions().select("country")
    revenue = _revenue_by_year(conn, report, context.base, report.day)
    shipper = Shipper(context, rates)
    pricing = pricing_of(context, rates, report.day, shipper=shipper)
    margin = _margin_rates(report, lines, context, rates, pricing)
    basket_kg = _basket_weight(lines, context.config)
    rows = [
        {
            "country": code,
            "delivery_days": _delivery_days(shipper, code, basket_kg),
            **_burden(context, code, report.day),
        }
        for code in countries["country"]
    ]
    return (
        countries.join(revenue, on="country", how="left")
        .with_columns(pl.col("revenue_base").fill_null(0.0))
        .join(peer_revenue(revenue.select("country", "revenue_base")), on="country")
        .join(margin, on="country", how="left")
        .join(pl.DataFrame(rows), on="country")
        .join(_return_rates(conn), on="country", how="left")
        .select(
            "country",
            "revenue_base",
            "growth",
            "peer_revenue_base",
            "margin_rate",
            "delivery_days",
            "burden",
            "burden_note",
            "return_rate",
        )  # fmt: skip
    )


def _revenue_by_year(
    conn: Connection, report: MarginReport, base: str, day: dt.date
) -> pl.DataFrame:
    """Revenue (base, as paid) of the report's year per country, and its growth on
    the year before (null where the year before had no sales)."""
    before = report.since - (report.until - report.since)
    lines = read_sale_lines(conn, since=before, until=report.until)
    rates = LatestRates(conn, {base, *lines["currency"].unique()}, day)
    to_base = {c: rates.rate(c, base) for c in lines["currency"].unique()}
    amount = (
        pl.col("unit_price")
        * pl.col("quantity")
        * pl.col("currency").replace_strict(to_base, return_dtype=pl.Float64)
    )
    current = pl.col("ordered_at").dt.date() >= report.since
    totals = lines.group_by("country").agg(
        revenue_base=amount.filter(current).sum(),
        previous_base=amount.filter(~current).sum(),
    )
    first = lines["ordered_at"].min()
    full = isinstance(first, dt.datetime) and first.date() <= before + dt.timedelta(30)
    known = regions()["country"].to_list()  # pseudo-countries (EU, ZZ) are not markets
    return totals.filter(
        (pl.col("revenue_base") > 0) & pl.col("country").is_in(known)
    ).select(
        "country",
        "revenue_base",
        growth=pl.when((pl.col("previous_base") > 0) & full).then(
            pl.col("revenue_base") / pl.col("previous_base") - 1
        ),
    )


def _margin_rates(
    report: MarginReport,
    lines: pl.DataFrame,
    context: TradeContext,
    rates: LatestRates,
    pricing: Pricing,
) -> pl.DataFrame:
    """Margin rate per country: own cells where sold, else a priced basket."""
    sold = report.rows.group_by("country").agg(
        margin_rate=(pl.col("margin") * pl.col("units")).sum()
        / (pl.col("net_revenue") * pl.col("units")).sum()
    )
    basket = _basket_cells(lines, context, rates)
    others = [c for c in regions()["country"] if c not in set(sold["country"])]
    if basket.height == 0 or not others:
        return sold
    rates_of = []
    for country in others:
        # a country no lane reaches, or whose threshold currency has no FX rate,
        # keeps an unknown margin
        cells = basket.with_columns(country=pl.lit(country))
        priced = unit_economics(cells, pricing, skipped=[])
        if priced.height:
            rates_of.append(
                priced.group_by("country").agg(
                    margin_rate=(pl.col("margin") * pl.col("units")).sum()
                    / (pl.col("net_revenue") * pl.col("units")).sum()
                )
            )
    guessed = pl.concat(rates_of) if rates_of else sold.clear()
    return pl.concat([sold, guessed])


def _basket_cells(
    lines: pl.DataFrame, context: TradeContext, rates: LatestRates
) -> pl.DataFrame:
    """The ten best-selling SKUs as cells sold in the base currency on the web."""
    in_base = lines.with_columns(
        unit_price=pl.col("unit_price")
        * pl.col("currency").replace_strict(
            {c: rates.rate(c, context.base) for c in lines["currency"].unique()}
        ),
        currency=pl.lit(context.base),
        channel=pl.lit("web"),
        country=pl.lit("ZZ"),
    )
    top = (
        in_base.group_by("sku")
        .agg((pl.col("unit_price") * pl.col("quantity")).sum().alias("r"))
        .sort("r", descending=True)
        .head(BASKET_SKUS)["sku"]
        .to_list()
    )
    return cells_of(in_base.filter(pl.col("sku").is_in(top)), context, rates)


def _basket_weight(lines: pl.DataFrame, config: TradeConfig) -> float:
    per_order = (
        lines.with_columns(pl.col("weight_kg").fill_null(config.default_weight_kg))
        .group_by("order_id")
        .agg((pl.col("weight_kg") * pl.col("quantity")).sum().alias("kg"))
    )
    median = per_order["kg"].median()
    return (
        float(median) if isinstance(median, float | int) else config.default_weight_kg
    )


def _delivery_days(shipper: Shipper, country: str, kg: float) -> float | None:
    try:
        return float(shipper.route(country, kg)[0].days_at_probability)
    except NoRouteError:
        return None


def _burden(context: TradeContext, country: str, day: dt.date) -> dict[str, Any]:
    """Tax/registration burden 0..1 and what it consists of."""
    config, reference = context.config, context.reference
    if country == config.origin:
        return {"burden": 0.0, "burden_note": "domestic"}
    if is_eu_member(config.origin, day) and is_eu_member(country, day):
        return {"burden": 0.1, "burden_note": "EU internal market: VAT through OSS"}
    regime = reference.regime(country, day)
    if regime is None:
        return {
            "burden": 0.6,
            "burden_note": "no import rules on file: duty, VAT and registration "
            "to be checked locally",
        }
    burden, notes = _regime_burden(regime, config)
    return {"burden": min(burden, 1.0), "burden_note": "; ".join(notes)}


def _regime_burden(
    regime: ImportRegime, config: TradeConfig
) -> tuple[float, list[str]]:
    notes = []
    if regime.scheme:
        burden = 0.4
        notes.append(regime.registration or f"{regime.scheme} registration")
    elif config.incoterm == "DDP":
        burden = 0.5
        notes.append("import VAT and duty paid at the border as importer (DDP)")
    else:
        burden = 0.3
        notes.append("buyer pays import VAT and duty at the door (DAP)")
    if regime.duty_free_max is None or regime.flat_duty_per_item is not None:
        burden += 0.1
        notes.append("duty from the first unit")
    return burden, notes


def _return_rates(conn: Connection) -> pl.DataFrame:
    frame = read_frame(
        conn,
        "SELECT o.country, o.kind, SUM(l.quantity) AS units"
        " FROM order_lines l JOIN orders o ON o.id = l.order_id"
        " WHERE l.kind = 'product' GROUP BY o.country, o.kind",
        schema={"country": pl.String, "kind": pl.String, "units": pl.Float64},
    )
    sold = frame.filter(pl.col("kind") == "sale").select("country", sold="units")
    back = (
        frame.filter(pl.col("kind").is_in(["return", "cancellation"]))
        .group_by("country")
        .agg(back=pl.col("units").abs().sum())
    )
    return sold.join(back, on="country", how="left").select(
        "country",
        return_rate=pl.when(pl.col("sold") > 0).then(
            pl.col("back").fill_null(0.0) / pl.col("sold")
        ),
    )
