"""Single quotes: the landed cost of a SKU to a country, of a parcel, the best lane.

Each answer is JSON-ready (amounts as strings) with the rule rows applied and the
route taken, for the ``landed-cost`` and ``lanes best`` commands and their API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine

from tradepilot.domain.countries import require_country
from tradepilot.domain.errors import DataValidationError
from tradepilot.domain.money import quantize, validate_currency
from tradepilot.fx.service import LatestRates
from tradepilot.logistics.config import TradeConfig
from tradepilot.logistics.context import TradeContext
from tradepilot.logistics.landed import Consignment, LandedCost, Line, landed_cost
from tradepilot.logistics.lanes import Route
from tradepilot.logistics.service import (
    Shipper,
    read_order,
    terms_of,
    trade_context,
)
from tradepilot.store.bulk import read_frame


def quote_sku(
    engine: Engine,
    *,
    home: Path,
    sku: str,
    country: str,
    quantity: int = 1,
    incoterm: str | None = None,
    day: dt.date | None = None,
) -> dict[str, Any]:
    """Landed cost and margin of ``quantity`` units of ``sku`` sold to ``country``.

    The price is the mean price paid for the SKU in that country (in the currency
    most of its units there sold in). A SKU never sold there is refused with a
    pointer to the parcel form, which takes a value.
    """
    day = day or dt.datetime.now(dt.UTC).date()
    country = require_country(country)
    _check_quantity(quantity)
    with engine.connect() as conn:
        context = trade_context(conn, home)
        product = _product(conn, sku)
        currency, unit_price, channel = _price_of(conn, sku, country)
        wanted = {context.base, currency, product["cost_currency"] or context.base}
        rates = LatestRates(conn, wanted | _regime_currencies(context), day)
    config = context.config
    row = product | {
        "sku": sku, "quantity": quantity, "unit_price": unit_price, "currency": currency,
    }  # fmt: skip
    line = _order_line(row, context, rates, config)
    sale = _Sale(country, day, currency, channel, (line,))
    result, route, parcels, missed = _price(context, rates, sale, incoterm)
    return {
        "sku": sku,
        "country": country,
        "quantity": quantity,
        "date": day.isoformat(),
        "incoterm": incoterm or config.incoterm,
        "price": {"unit": f"{unit_price:.2f}", "currency": currency},
        "channel": channel,
        **result.as_dict(),
        "route": route.as_dict(),
        "parcels": parcels,
        "delivery_missed": missed,
        "assumptions": assumptions(context, rates),
    }


def quote_order(
    engine: Engine, *, home: Path, order_number: str, incoterm: str | None = None
) -> dict[str, Any]:
    """Landed cost and margin of a stored sale order, line by line, under the
    rules and FX rates of its own date."""
    with engine.connect() as conn:
        context = trade_context(conn, home)
        lines = read_order(conn, order_number)
        day = lines["ordered_at"][0].date()
        currencies = {context.base, *lines["currency"], *_regime_currencies(context)}
        currencies |= set(lines["cost_currency"].drop_nulls())
        rates = LatestRates(conn, currencies, day)
    config = context.config
    head = lines.row(0, named=True)
    priced = tuple(
        _order_line(row, context, rates, config) for row in lines.iter_rows(named=True)
    )
    sale = _Sale(head["country"], day, head["currency"], head["channel"], priced)
    result, route, parcels, missed = _price(context, rates, sale, incoterm)
    return {
        "order": order_number,
        "country": head["country"],
        "date": day.isoformat(),
        "channel": head["channel"],
        "incoterm": incoterm or config.incoterm,
        **result.as_dict(),
        "route": route.as_dict(),
        "parcels": parcels,
        "delivery_missed": missed,
        "assumptions": assumptions(context, rates),
    }


def assumptions(
    context: TradeContext,
    rates: LatestRates,
    *,
    fields: tuple[str, ...] = ("origin", "default_cost_share"),
) -> list[str]:
    """What a quote assumes that the seller should know first: the defaults of
    ``fields`` not chosen yet and old FX rates."""
    notes = list(context.config.unchosen(fields))
    age = rates.age_note()
    return [*notes, age] if age else notes


@dataclass(frozen=True)
class _Sale:
    country: str
    day: dt.date
    currency: str
    channel: str
    lines: tuple[Line, ...]


def _price(
    context: TradeContext, rates: LatestRates, sale: _Sale, incoterm: str | None
) -> tuple[LandedCost, Route, int, str | None]:
    """Landed cost of a sale shipped on the workspace's best lane."""
    config = context.config
    shipper = Shipper(context, rates)
    weight = sum(line.weight_kg for line in sale.lines)
    route, parcels = shipper.route(sale.country, weight)
    consignment = Consignment(
        origin=config.origin,
        destination=sale.country,
        day=sale.day,
        currency=sale.currency,
        lines=sale.lines,
        shipping=route.cost * parcels,
        includes_tax=config.includes_tax(sale.country),
        fees=context.reference.fees_of(config.fee_channel(sale.channel), sale.day),
    )
    result = landed_cost(
        consignment,
        reference=context.reference,
        terms=terms_of(config, context.base, incoterm),
        convert=rates.convert,
    )
    return result, route, parcels, shipper.missed.get(sale.country)


def _order_line(
    row: dict[str, Any], context: TradeContext, rates: LatestRates, config: TradeConfig
) -> Line:
    """A sold line with its product cost and inbound freight in the base currency
    (unknown costs and weights from the settings' defaults)."""
    weight = (row["weight_kg"] or config.default_weight_kg) * row["quantity"]
    if row["unit_cost"] is None:
        unit_cost = (
            row["unit_price"]
            * rates.rate(row["currency"], context.base)
            * config.default_cost_share
        )
    else:
        unit_cost = row["unit_cost"] * rates.rate(row["cost_currency"], context.base)
    unit_inbound = (
        row["weight_kg"] or config.default_weight_kg
    ) * context.freight_per_kg + context.freight_per_unit
    return Line(
        sku=row["sku"],
        quantity=row["quantity"],
        price=Decimal(repr(row["unit_price"])) * row["quantity"],
        product_cost=quantize(Decimal(repr(unit_cost * row["quantity"])), context.base),
        inbound_freight=quantize(
            Decimal(repr(unit_inbound * row["quantity"])), context.base
        ),
        hs_code=row["hs_code"],
        weight_kg=weight,
    )


def quote_parcel(
    engine: Engine,
    *,
    home: Path,
    value: Decimal,
    currency: str,
    country: str,
    weight_kg: float,
    hs_code: str | None = None,
    incoterm: str | None = None,
    day: dt.date | None = None,
    shipping: Decimal | None = None,
    origin: str | None = None,
) -> dict[str, Any]:
    """Landed cost of a hypothetical parcel of goods worth ``value`` (ex VAT).

    Figures are in the parcel's currency. Shipping is the best lane's cost for the
    weight unless ``shipping`` gives it. No channel fees; no FX (one currency).
    """
    day = day or dt.datetime.now(dt.UTC).date()
    country = require_country(country)
    origin = require_country(origin) if origin else None
    currency = validate_currency(currency)
    if value <= 0 or weight_kg <= 0:
        raise DataValidationError(
            f"--value and --weight-kg must be positive; received {value} and {weight_kg}"
        )
    with engine.connect() as conn:
        context = trade_context(conn, home)
        rates = LatestRates(
            conn, {currency, context.base} | _regime_currencies(context), day
        )
    route, parcels = None, 1
    if shipping is None:
        route, parcels = Shipper(context, rates).route(country, weight_kg)
        cost = rates.convert(route.cost * parcels, context.base, currency)
        shipping = quantize(cost, currency)
    line = Line("parcel", 1, value, value, hs_code=hs_code, weight_kg=weight_kg)
    consignment = Consignment(
        origin=origin or context.config.origin,
        destination=country,
        day=day,
        currency=currency,
        lines=(line,),
        shipping=shipping,
    )
    result = landed_cost(
        consignment,
        reference=context.reference,
        terms=terms_of(context.config, currency, incoterm),
        convert=rates.convert,
    )
    return {
        "value": str(value),
        "country": country,
        "date": day.isoformat(),
        "incoterm": incoterm or context.config.incoterm,
        **result.as_dict(),
        "route": route.as_dict() if route else None,
        "parcels": parcels,
        # a parcel has its own value; it ships from the seller's origin unless given
        "assumptions": assumptions(
            context, rates, fields=() if origin else ("origin",)
        ),
    }


def best_lane(
    engine: Engine,
    *,
    home: Path,
    origin: str,
    destination: str,
    weight_kg: float = 1.0,
    max_days: float | None = None,
    probability: float | None = None,
    day: dt.date | None = None,
) -> dict[str, Any]:
    """The cheapest route from ``origin`` to ``destination`` within ``max_days``,
    with the alternatives that also meet it (cheapest first, up to ten)."""
    day = day or dt.datetime.now(dt.UTC).date()
    destination = require_country(destination)
    with engine.connect() as conn:
        context = trade_context(conn, home)
        currencies = {context.base, *(leg.card.currency for leg in context.lanes.legs)}
        rates = LatestRates(conn, currencies, day)

    def convert(amount: Decimal, currency: str) -> Decimal:
        return rates.convert(amount, currency, context.base)

    routes = context.lanes.routes(
        origin,
        destination,
        weight_kg=weight_kg,
        max_days=max_days,
        probability=probability or context.config.delivery_probability,
        currency=context.base,
        convert=convert,
    )
    if not routes:
        best = context.lanes.best(  # raises NoRouteError naming the fastest
            origin,
            destination,
            weight_kg=weight_kg,
            max_days=max_days,
            probability=probability or context.config.delivery_probability,
            currency=context.base,
            convert=convert,
        )
        routes = [best]
    return {
        "from": origin,
        "to": destination,
        "weight_kg": weight_kg,
        "max_days": max_days,
        "best": routes[0].as_dict(),
        "alternatives": [r.as_dict() for r in routes[1:10]],
    }


def _check_quantity(quantity: int) -> None:
    if quantity < 1:
        raise DataValidationError(f"--qty must be at least 1; received {quantity}")


def _regime_currencies(context: TradeContext) -> set[str]:
    return {r.currency for r in context.reference.regimes}


def _product(conn: Connection, sku: str) -> dict[str, Any]:
    frame = read_frame(
        conn,
        "SELECT CAST(unit_cost AS FLOAT) AS unit_cost, cost_currency, weight_kg,"
        " hs_code FROM products WHERE sku = :sku",
        {"sku": sku},
        schema={
            "unit_cost": pl.Float64,
            "cost_currency": pl.String,
            "weight_kg": pl.Float64,
            "hs_code": pl.String,
        },
    )
    if frame.height == 0:
        raise DataValidationError(f"unknown SKU {sku!r}: not in the product catalogue")
    return frame.row(0, named=True)


def _price_of(conn: Connection, sku: str, country: str) -> tuple[str, float, str]:
    """Currency, mean unit price and main channel of the SKU's sales to ``country``."""
    frame = read_frame(
        conn,
        "SELECT o.country, o.currency, c.name AS channel, l.quantity,"
        " CAST(l.unit_price AS FLOAT) AS unit_price"
        " FROM order_lines l JOIN orders o ON o.id = l.order_id"
        " JOIN channels c ON c.id = o.channel_id"
        " WHERE l.sku = :sku AND o.kind = 'sale' AND l.kind = 'product'"
        " AND l.quantity > 0 AND l.unit_price > 0",
        {"sku": sku},
        schema={
            "country": pl.String,
            "currency": pl.String,
            "channel": pl.String,
            "quantity": pl.Int64,
            "unit_price": pl.Float64,
        },
    )
    if frame.height == 0:
        raise DataValidationError(f"SKU {sku!r} has no sales to take a price from")
    there = frame.filter(pl.col("country") == country)
    if there.height:
        main = there.group_by("currency", "channel").agg(pl.col("quantity").sum())
        top = main.sort("quantity", descending=True).row(0, named=True)
        rows = there.filter(pl.col("currency") == top["currency"])
        price = float((rows["unit_price"] * rows["quantity"]).sum())
        return top["currency"], price / float(rows["quantity"].sum()), top["channel"]
    raise DataValidationError(
        f"SKU {sku!r} was never sold to {country}: give a price with "
        f"`landed-cost --value AMOUNT --currency CUR --country {country} --weight-kg W`"
    )
