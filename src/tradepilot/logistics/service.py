"""Landed cost and margins of a workspace: read the store, price, report.

The coordinator around :mod:`~tradepilot.logistics.landed` and
:mod:`~tradepilot.logistics.economics`: it reads sale lines, products, FX rates and
the forecast, builds the :class:`~tradepilot.logistics.economics.Pricing` of a rule
date from the workspace's settings (``trade.toml``, ``purchasing.toml``, reference
overrides, ``lanes.yaml``) and returns frames the CLI, API and page render.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine

from tradepilot.domain.errors import DataValidationError, NoRouteError
from tradepilot.forecasting.service import latest_run
from tradepilot.fx.service import LatestRates
from tradepilot.logistics.config import TradeConfig, load_trade_config
from tradepilot.logistics.context import SalesYear, TradeContext
from tradepilot.logistics.economics import BREAKDOWN, Pricing, unit_economics
from tradepilot.logistics.landed import Terms
from tradepilot.logistics.lanes import Route, load_lanes
from tradepilot.logistics.notes import (
    assumptions,
    fx_notes,
    nothing_priced,
    unrated,
)
from tradepilot.logistics.volumes import price_advice, rank_margins, yearly_volumes
from tradepilot.reference import ReferenceData, load_reference
from tradepilot.replenishment.config import load_purchasing_config
from tradepilot.replenishment.inputs import forecast_by_market
from tradepilot.store.bulk import read_frame
from tradepilot.workspace import base_currency

PERIOD_DAYS = 365
WEIGHT_STEP_KG = 0.1  # parcels are priced at their weight rounded up to this
PARCEL_SIZES_KG = (30.0, 20.0, 10.0, 2.0)  # heavy consignments are split into these


def trade_context(conn: Connection, home: Path) -> TradeContext:
    """Load settings, reference data and lanes of the workspace at ``home``."""
    config = load_trade_config(home)
    purchasing = load_purchasing_config(home)
    mode = purchasing.modes.get(config.inbound_mode)
    if mode is None:
        raise DataValidationError(
            f"trade.toml inbound_mode {config.inbound_mode!r} is not a mode of "
            f"purchasing.toml; known: {sorted(purchasing.modes)}"
        )
    return TradeContext(
        home=home,
        base=base_currency(conn) or "EUR",
        config=config,
        reference=load_reference(home),
        lanes=load_lanes(home),
        freight_per_kg=mode.freight_per_kg,
        freight_per_unit=mode.freight_per_unit,
    )


def terms_of(config: TradeConfig, base: str, incoterm: str | None = None) -> Terms:
    """The seller's :class:`Terms` from its settings (``incoterm`` overrides)."""
    return Terms(
        base=base,
        incoterm=incoterm or config.incoterm,
        b2b=config.buyers == "B2B",
        schemes=frozenset(config.schemes),
        fx_spread=Decimal(repr(config.fx_spread)),
    )


@dataclass
class Shipper:
    """Outbound shipping for a consignment: the cheapest lane meeting the delivery
    target.

    Falls back to the cheapest lane without a deadline when none meets it, and says
    so in ``missed`` (country -> message). A consignment too heavy for any lane is
    split into equal parcels of at most the first of :data:`PARCEL_SIZES_KG` some
    lane carries. Results are cached per country and weight step.
    """

    context: TradeContext
    rates: LatestRates
    missed: dict[str, str] = field(default_factory=dict)

    def route(self, country: str, weight_kg: float) -> tuple[Route, int]:
        """The route each parcel of a ``weight_kg`` consignment takes, and how many
        parcels it is split into."""
        steps = max(1, -int(-weight_kg // WEIGHT_STEP_KG))
        return self._route(country, steps)

    def cost(self, country: str, weight_kg: float) -> Decimal:
        """Shipping a ``weight_kg`` consignment costs this, in the base currency."""
        route, parcels = self.route(country, weight_kg)
        return route.cost * parcels

    @functools.cache  # noqa: B019 - one Shipper per report; bounded by countries x weights
    def _route(self, country: str, steps: int) -> tuple[Route, int]:
        weight = steps * WEIGHT_STEP_KG
        try:
            return self._best(country, weight), 1
        except NoRouteError as exc:
            failure = exc
        for size in PARCEL_SIZES_KG:
            parcels = -int(-weight // size)
            if parcels > 1:
                try:
                    return self._best(country, weight / parcels), parcels
                except NoRouteError:
                    continue
        raise failure

    def _best(self, country: str, weight_kg: float) -> Route:
        config = self.context.config
        kwargs: dict[str, Any] = {
            "weight_kg": weight_kg,
            "probability": config.delivery_probability,
            "currency": self.context.base,
            "convert": self.to_base,
        }
        origin = config.origin_node or config.origin
        try:
            return self.context.lanes.best(
                origin, country, max_days=config.delivery_target(country), **kwargs
            )
        except NoRouteError as exc:
            found = self.context.lanes.best(origin, country, max_days=None, **kwargs)
            self.missed[country] = str(exc)
            return found

    def to_base(self, amount: Decimal, currency: str) -> Decimal:
        """``amount`` of ``currency`` in the base currency (lanes' converter)."""
        return self.rates.convert(amount, currency, self.context.base)

    def __hash__(self) -> int:
        return id(self)


def pricing_of(
    context: TradeContext,
    rates: LatestRates,
    day: dt.date,
    *,
    reference: ReferenceData | None = None,
    incoterm: str | None = None,
    shipper: Shipper | None = None,
) -> Pricing:
    """The :class:`Pricing` of the workspace on rule date ``day``."""
    config, ref = context.config, reference or context.reference
    ship = shipper or Shipper(context, rates)
    return Pricing(
        reference=ref,
        terms=terms_of(config, context.base, incoterm),
        convert=rates.convert,
        day=day,
        origin=config.origin,
        shipping=ship.cost,
        fees_of=lambda channel: ref.fees_of(config.fee_channel(channel), day),
        includes_tax=config.includes_tax,
    )


SALE_LINES_SQL = (
    "SELECT o.id AS order_id, o.ordered_at, o.country, o.currency,"
    " c.name AS channel, l.sku, l.quantity, CAST(l.unit_price AS FLOAT) AS unit_price,"
    " CAST(p.unit_cost AS FLOAT) AS unit_cost, p.cost_currency, p.weight_kg,"
    " p.hs_code"
    " FROM order_lines l JOIN orders o ON o.id = l.order_id"
    " JOIN channels c ON c.id = o.channel_id"
    " LEFT JOIN products p ON p.sku = l.sku"
    " WHERE o.kind = 'sale' AND l.kind = 'product' AND l.quantity > 0"
)
"""Product sale lines with their order, channel and product data; callers add
conditions with ``AND``."""

SALE_LINE_SCHEMA: dict[str, Any] = {
    "order_id": pl.Int64,
    "ordered_at": pl.Datetime("us", "UTC"),
    "country": pl.String,
    "currency": pl.String,
    "channel": pl.String,
    "sku": pl.String,
    "quantity": pl.Int64,
    "unit_price": pl.Float64,
    "unit_cost": pl.Float64,
    "cost_currency": pl.String,
    "weight_kg": pl.Float64,
    "hs_code": pl.String,
}


def read_sale_lines(
    conn: Connection, *, since: dt.date, until: dt.date
) -> pl.DataFrame:
    """Priced product sale lines of ``[since, until)`` (:data:`SALE_LINES_SQL`)."""
    return read_frame(
        conn,
        SALE_LINES_SQL
        + " AND l.unit_price > 0 AND o.ordered_at >= :since AND o.ordered_at < :until",
        _window(since, until),
        schema=SALE_LINE_SCHEMA,
    )


def read_order(conn: Connection, order_number: str) -> pl.DataFrame:
    """The product lines of one sale order (:data:`SALE_LINES_SQL`).

    Raises
    ------
    DataValidationError
        If there is no such sale order with product lines.
    """
    frame = read_frame(
        conn,
        SALE_LINES_SQL + " AND o.order_number = :number ORDER BY l.id",
        {"number": order_number},
        schema=SALE_LINE_SCHEMA,
    )
    if frame.height == 0:
        raise DataValidationError(
            f"no sale order {order_number!r} with product lines in the workspace"
        )
    return frame


def sales_period(
    conn: Connection, until: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """``[since, until)``: the last :data:`PERIOD_DAYS` days of sales (or to ``until``)."""
    if until is None:
        frame = read_frame(
            conn,
            "SELECT MAX(ordered_at) AS last FROM orders WHERE kind = 'sale'",
            schema={"last": pl.Datetime("us", "UTC")},
        )
        last = frame["last"][0]
        if last is None:
            raise DataValidationError(
                "no sales in the workspace: import orders first (tradepilot import)"
            )
        until = last.date() + dt.timedelta(days=1)
    return until - dt.timedelta(days=PERIOD_DAYS), until


def cells_of(
    lines: pl.DataFrame, context: TradeContext, rates: LatestRates
) -> pl.DataFrame:
    """The cells of :func:`~tradepilot.logistics.economics.unit_economics`.

    Unknown unit costs are ``default_cost_share`` of the price paid (net of the
    base conversion), unknown weights ``default_weight_kg``; ``cost_known`` says
    which.
    """
    config = context.config
    to_base = {c: rates.rate(c, context.base) for c in lines["currency"].unique()}
    cost_rate = {
        c: rates.rate(c, context.base)
        for c in lines["cost_currency"].drop_nulls().unique()
    }
    lines = lines.with_columns(
        weight_kg=pl.col("weight_kg").fill_null(config.default_weight_kg),
        price_base=pl.col("unit_price") * pl.col("currency").replace_strict(to_base),
        cost_base=pl.col("unit_cost")
        * pl.col("cost_currency").replace_strict(cost_rate, default=None),
    )
    lines = lines.with_columns(
        cost_known=pl.col("cost_base").is_not_null(),
        cost_base=pl.col("cost_base").fill_null(
            pl.col("price_base") * config.default_cost_share
        ),
    )
    baskets = (
        lines.group_by("order_id", "country", "channel")
        .agg(
            value=(pl.col("unit_price") * pl.col("quantity")).sum(),
            weight=(pl.col("weight_kg") * pl.col("quantity")).sum(),
        )
        .group_by("country", "channel")
        .agg(
            basket_value=pl.col("value").median(),
            basket_weight=pl.col("weight").median(),
        )
    )
    inbound = pl.col("weight_kg") * context.freight_per_kg + context.freight_per_unit
    return (
        lines.group_by("sku", "country", "channel", "currency")
        .agg(
            units=pl.col("quantity").sum(),
            lines=pl.len(),
            revenue=(pl.col("unit_price") * pl.col("quantity")).sum(),
            unit_cost_base=(pl.col("cost_base") * pl.col("quantity")).sum()
            / pl.col("quantity").sum(),
            inbound_base=inbound.first(),
            weight_kg=pl.col("weight_kg").first(),
            hs_code=pl.col("hs_code").first(),
            cost_known=pl.col("cost_known").all(),
        )
        .join(baskets, on=["country", "channel"], how="left")
        .sort("sku", "country", "channel", "currency")
    )


@dataclass(frozen=True)
class MarginReport:
    """Margins per SKU x country, with what they were computed from."""

    rows: pl.DataFrame
    day: dt.date
    since: dt.date
    until: dt.date
    currency: str
    volume_source: str
    assumptions: tuple[str, ...]
    delivery_missed: dict[str, str]
    skipped: tuple[dict[str, Any], ...] = ()
    sales: SalesYear | None = None
    notices: tuple[str, ...] = ()
    """The assumptions to state first: defaults the seller has not chosen, FX
    rates missing or old (also the first of ``assumptions``)."""

    def ranked_rows(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The ranked rows (best yearly margin first) and the rest, selling under
        the minimum volume (see :mod:`~tradepilot.logistics.volumes`)."""
        ranked = self.rows["ranked"]
        return self.rows.filter(ranked), self.rows.filter(~ranked)

    def _fx_rates(self) -> dict[str, Any] | None:
        """Which rates were used: the newest per currency on or before ``day``,
        the age of the oldest of them in days, and the currencies whose missing
        rate left cells unpriced."""
        if self.sales is None:
            return None
        rates = self.sales.rates
        age = rates.age()
        return {
            "day": rates.day.isoformat(),
            "newest": {c: d.isoformat() for c, d in sorted(rates.dates.items())},
            "age_days": age[1] if age else 0,
            "missing": unrated(list(self.skipped)),
        }

    @property
    def unchosen(self) -> tuple[str, ...]:
        """The notes on defaults the seller has not chosen (see ``notices``)."""
        return self.sales.context.config.unchosen() if self.sales else ()

    @property
    def target_margin(self) -> float | None:
        """The margin rate price suggestions keep (``trade.toml``)."""
        return self.sales.context.config.target_margin if self.sales else None

    @property
    def min_yearly_units(self) -> float | None:
        """Fewest units a year of a ranked row (``trade.toml``)."""
        return self.sales.context.config.min_yearly_units if self.sales else None

    def as_dict(self, limit: int | None = None) -> dict[str, Any]:
        """JSON-ready: the settings used and ``data`` (ranked rows, best yearly
        margin first, then the cells under the minimum volume)."""
        rows = self.rows if limit is None else self.rows.head(limit)
        return {
            "day": self.day.isoformat(),
            "period": {
                "since": self.since.isoformat(),
                "until": self.until.isoformat(),
            },
            "currency": self.currency,
            "volume_source": self.volume_source,
            "min_yearly_units": self.min_yearly_units,
            "ranked": int(self.rows["ranked"].sum()) if self.rows.height else 0,
            "assumptions": list(self.assumptions),
            "fx_rates": self._fx_rates(),
            "delivery_missed": self.delivery_missed,
            "skipped": list(self.skipped),
            "count": self.rows.height,
            "data": rows.to_dicts(),
        }


def sales_year(
    engine: Engine, *, home: Path, day: dt.date, until: dt.date | None = None
) -> SalesYear:
    """Read the year of sales up to ``until`` (default: the last sale) and the
    newest FX rates on or before ``day``."""
    with engine.connect() as conn:
        context = trade_context(conn, home)
        since, until = sales_period(conn, until)
        lines = read_sale_lines(conn, since=since, until=until)
        if lines.height == 0:
            raise DataValidationError(f"no sales between {since} and {until}")
        currencies = {context.base, *lines["currency"].unique()}
        currencies |= set(lines["cost_currency"].drop_nulls().unique())
        currencies |= {r.currency for r in context.reference.regimes}
        rates = LatestRates(conn, currencies, day)
        forecast = _forecast_year(conn)
        history = _history(conn, lines, until)
    cells = cells_of(lines, context, rates)
    yearly = yearly_volumes(history, forecast, period_days=(until - since).days)
    return SalesYear(context, day, since, until, lines, rates, cells, yearly)


def margins(
    engine: Engine,
    *,
    home: Path,
    day: dt.date | None = None,
    until: dt.date | None = None,
    reference: ReferenceData | None = None,
    incoterm: str | None = None,
    suggest_prices: bool = True,
) -> MarginReport:
    """Margin per SKU x country under the rules of ``day`` (default today).

    Volume and prices come from the last year of sales up to ``until`` (default: the
    last sale); yearly volume from the latest forecast where it covers the cell,
    else the trailing year. FX is the newest rate on or before ``day``.
    """
    day = day or dt.datetime.now(dt.UTC).date()
    sales = sales_year(engine, home=home, day=day, until=until)
    return price_sales(
        sales, reference=reference, incoterm=incoterm, suggest_prices=suggest_prices
    )


def price_sales(
    sales: SalesYear,
    *,
    reference: ReferenceData | None = None,
    incoterm: str | None = None,
    suggest_prices: bool = True,
    shipper: Shipper | None = None,
) -> MarginReport:
    """:func:`margins` of a year of sales already read (``reference`` replaces the
    workspace's rules, e.g. with a what-if applied)."""
    context = sales.context
    shipper = shipper or Shipper(context, sales.rates)
    pricing = pricing_of(
        context,
        sales.rates,
        sales.day,
        reference=reference,
        incoterm=incoterm,
        shipper=shipper,
    )
    target = context.config.target_margin if suggest_prices else None
    skipped: list[dict[str, Any]] = []
    per_unit = unit_economics(
        sales.cells, pricing, target_margin=target, skipped=skipped
    )
    if per_unit.height == 0:
        raise nothing_priced(sales, skipped)
    rows = _per_sku_country(per_unit, sales.cells, sales.yearly, target=target)
    rows = rank_margins(rows, min_yearly_units=context.config.min_yearly_units)
    forecast = (sales.yearly["volume_source"] != "trailing year").any()
    return MarginReport(
        rows=rows,
        day=sales.day,
        since=sales.since,
        until=sales.until,
        currency=context.base,
        volume_source="forecast" if forecast else "trailing year",
        assumptions=assumptions(sales, skipped),
        notices=(*context.config.unchosen(), *fx_notes(sales.rates, skipped)),
        delivery_missed=dict(shipper.missed),
        skipped=tuple(skipped),
        sales=sales,
    )


def _per_sku_country(
    per_unit: pl.DataFrame,
    cells: pl.DataFrame,
    yearly: pl.DataFrame,
    *,
    target: float | None,
) -> pl.DataFrame:
    """Channels and currencies of a SKU x country combined, weighted by units, with
    the yearly volume and margin. Price, currency and floor price are those of the
    cell selling the most units; the suggested price is that of the channel and
    currency selling the most units below the target margin (``suggested_channel``,
    ``suggested_currency``, its current price ``suggested_from``)."""
    known = cells.select("sku", "country", "channel", "currency", "cost_known")
    frame = per_unit.join(known, on=["sku", "country", "channel", "currency"])
    if target is None or "floor_price" not in frame.columns:
        frame = frame.with_columns(
            floor_price=pl.lit(None, pl.Float64),
            suggested_price=pl.lit(None, pl.Float64),
        )
    else:
        frame = price_advice(frame, target=target)
    weighted = [
        ((pl.col(c) * pl.col("units")).sum() / pl.col("units").sum()).alias(c)
        for c in (*BREAKDOWN, "net_revenue")
    ]
    main = [
        pl.col(c).sort_by("units", descending=True).first()
        for c in ("floor_price", "unit_price", "vat_by", "duty_rule", "reason")
    ]  # fmt: skip
    out = frame.group_by("sku", "country").agg(
        pl.col("units").sum(),
        *weighted,
        *main,
        pl.col("currency")
        .sort_by("units", descending=True)
        .first()
        .alias("price_currency"),
        pl.col("cost_known").all(),
        pl.col("channel").unique().sort().str.join(",").alias("channels"),
    )
    out = (
        out.join(yearly, on=["sku", "country"], how="left")
        .join(_advice(frame), on=["sku", "country"], how="left")
        .with_columns(
            margin_rate=pl.when(pl.col("net_revenue") > 0).then(
                pl.col("margin") / pl.col("net_revenue")
            ),
        )
    )
    return out.with_columns(yearly_margin=pl.col("margin") * pl.col("yearly_units"))


def _advice(cells: pl.DataFrame) -> pl.DataFrame:
    """Per SKU x country, the price rise of its biggest cell below target."""
    return (
        cells.filter(pl.col("suggested_price").is_not_null())
        .sort("units", descending=True)
        .group_by("sku", "country", maintain_order=True)
        .agg(
            pl.col("suggested_price").first(),
            pl.col("channel").first().alias("suggested_channel"),
            pl.col("currency").first().alias("suggested_currency"),
            pl.col("unit_price").first().alias("suggested_from"),
        )
    )


def _history(conn: Connection, lines: pl.DataFrame, until: dt.date) -> pl.DataFrame:
    """Per SKU x country of ``lines``: units, orders and days since its first sale
    ever (to ``until``), the history :func:`yearly_volumes` caps forecasts by."""
    first = read_frame(
        conn,
        "SELECT l.sku, o.country, MIN(o.ordered_at) AS first_sale"
        " FROM order_lines l JOIN orders o ON o.id = l.order_id"
        " WHERE o.kind = 'sale' AND l.kind = 'product' AND l.quantity > 0"
        " AND o.ordered_at < :until GROUP BY l.sku, o.country",
        {"until": dt.datetime.combine(until, dt.time(), tzinfo=dt.UTC)},
        schema={
            "sku": pl.String,
            "country": pl.String,
            "first_sale": pl.Datetime("us", "UTC"),
        },
    )
    sold = lines.group_by("sku", "country").agg(
        units=pl.col("quantity").sum(), orders=pl.col("order_id").n_unique()
    )
    days = (pl.lit(until) - pl.col("first_sale").dt.date()).dt.total_days()
    return sold.join(first, on=["sku", "country"], how="left").select(
        "sku", "country", "units", "orders", history_days=days.fill_null(0)
    )


def _forecast_year(conn: Connection) -> pl.DataFrame:
    """Forecast units over the next year per SKU and country (empty without a run)."""
    run = latest_run(conn)
    empty = pl.DataFrame(
        schema={"sku": pl.String, "country": pl.String, "forecast_year": pl.Float64}
    )
    if run is None:
        return empty
    step = {"W": 7, "D": 1, "M": 30.44}.get(str(run["freq"])[:1].upper(), 7)
    horizon_days = float(run["horizon"]) * step
    frame = forecast_by_market(conn, run_id=int(run["id"]))
    return frame.select(
        "sku",
        pl.col("market").alias("country"),
        (pl.col("mean") * 365.0 / horizon_days).alias("forecast_year"),
    )


def _window(since: dt.date, until: dt.date) -> dict[str, dt.datetime]:
    return {
        "since": dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC),
        "until": dt.datetime.combine(until, dt.time(), tzinfo=dt.UTC),
    }


def margin_summary(engine: Engine, *, home: Path) -> dict[str, Any]:
    """Headline of :func:`margins` under today's rules: cells, the yearly margin
    and revenue-weighted margin rate, the countries losing money."""
    report = margins(engine, home=home, suggest_prices=False)
    rows = report.rows.with_columns(net=pl.col("net_revenue") * pl.col("yearly_units"))
    by_country = rows.group_by("country").agg(
        pl.col("yearly_margin").sum(), pl.col("net").sum()
    )
    total_net = float(rows["net"].sum())
    return {
        "cells": rows.height,
        "currency": report.currency,
        "yearly_margin": float(rows["yearly_margin"].sum()),
        "margin_rate": float(rows["yearly_margin"].sum()) / total_net
        if total_net
        else None,
        "losing_countries": sorted(
            by_country.filter(pl.col("yearly_margin") < 0)["country"].to_list()
        ),
    }
