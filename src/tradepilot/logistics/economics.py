"""Unit economics per SKU x country: landed cost per unit, margin, price suggestions.

Each cell (a SKU sold through a channel to a country in a currency) is priced as one
*typical consignment*: the SKU's typical line (its units per order line there, at the
mean price paid) inside the typical order of that country and channel (its median
value and weight). The order matters because thresholds (IOSS, de minimis) apply to
the whole consignment and shipping is paid per parcel; the SKU line carries its share
of both. Per-unit figures are the line's breakdown divided by its quantity.

Pure: :class:`Pricing` holds the reference data, fees, FX and shipping as values and
callables; :mod:`tradepilot.logistics.service` builds it from a workspace.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

import polars as pl

from tradepilot.domain.errors import MissingRateError, NoRouteError
from tradepilot.domain.money import minor_unit
from tradepilot.logistics import taxes
from tradepilot.logistics.landed import (
    Consignment,
    Converter,
    LandedCost,
    Line,
    Terms,
    landed_cost,
)
from tradepilot.reference import FeeSchedule, ReferenceData

BREAKDOWN = (
    "revenue", "product_cost", "inbound_freight", "shipping", "duty", "vat", "fees",
    "fx", "buyer_pays", "landed_cost", "margin",
)  # fmt: skip
"""Per-unit fields of a cell, base currency (``revenue`` is what the buyer paid)."""

CELL_COLUMNS = (
    "sku", "country", "channel", "currency", "units", "lines", "revenue",
    "unit_cost_base", "inbound_base", "weight_kg", "hs_code", "basket_value",
    "basket_weight",
)  # fmt: skip
"""Input of :func:`unit_economics`: per cell the units and revenue (sale currency),
the number of order lines, per-unit cost, inbound freight (base) and weight, and the
typical order's value (sale currency) and weight of the country and channel."""


@dataclass(frozen=True)
class Pricing:
    """What pricing a consignment needs, for one origin and rule date.

    Attributes
    ----------
    shipping : callable
        ``shipping(country, weight_kg) -> Decimal``: outbound cost, base currency.
    fees_of : callable
        ``fees_of(channel) -> tuple[FeeSchedule, ...]`` in force on ``day``.
    includes_tax : callable
        ``includes_tax(country) -> bool``: shelf prices include the seller's VAT.
    """

    reference: ReferenceData
    terms: Terms
    convert: Converter
    day: dt.date
    origin: str
    shipping: Callable[[str, float], Decimal]
    fees_of: Callable[[str], tuple[FeeSchedule, ...]]
    includes_tax: Callable[[str], bool]


def price_cell(
    cell: dict[str, Any], pricing: Pricing, unit_price: Decimal
) -> LandedCost:
    """Landed cost of a cell's typical consignment at ``unit_price`` (sale currency).

    The first line of the result is the SKU's line; the second, if any, the rest of
    the typical order.
    """
    qty = max(1, round(cell["units"] / max(cell["lines"], 1)))
    weight = float(cell["weight_kg"]) * qty
    line = Line(
        sku=cell["sku"],
        quantity=qty,
        price=unit_price * qty,
        product_cost=Decimal(repr(cell["unit_cost_base"])) * qty,
        inbound_freight=Decimal(repr(cell["inbound_base"])) * qty,
        hs_code=cell["hs_code"],
        weight_kg=weight,
    )
    # The rest of the typical order is what it holds besides this line at the price
    # paid; it stays put when a price suggestion moves this line's price.
    paid = Decimal(repr(cell["revenue"] / cell["units"])) * qty
    rest_value = Decimal(repr(float(cell["basket_value"]))) - paid
    rest_weight = max(float(cell["basket_weight"]) - weight, 0.0)
    lines = [line]
    if rest_value > 0:
        lines.append(
            Line("(rest of order)", 1, rest_value, Decimal(0), weight_kg=rest_weight)
        )
    consignment = Consignment(
        origin=pricing.origin,
        destination=cell["country"],
        day=pricing.day,
        currency=cell["currency"],
        lines=tuple(lines),
        shipping=pricing.shipping(cell["country"], weight + rest_weight),
        includes_tax=pricing.includes_tax(cell["country"]),
        fees=pricing.fees_of(cell["channel"]),
    )
    return landed_cost(
        consignment,
        reference=pricing.reference,
        terms=pricing.terms,
        convert=pricing.convert,
    )


def unit_economics(
    cells: pl.DataFrame,
    pricing: Pricing,
    *,
    target_margin: float | None = None,
    skipped: list[dict[str, Any]] | None = None,
) -> pl.DataFrame:
    """Per-unit breakdown and margin of every cell (see module docstring).

    Parameters
    ----------
    cells : polars.DataFrame
        :data:`CELL_COLUMNS`, one row per SKU, country, channel and currency.
    target_margin : float, optional
        With it, each row gets ``floor_price``: the lowest local price point (sale
        currency) keeping ``margin / net revenue`` at or above it.
    skipped : list, optional
        Collects the cells that cannot be priced (no lane reaches the country, no
        FX rate for its threshold currency) with the reason, the error's ``code``
        and the ``currency`` without a rate (else None); without it they raise.

    Returns
    -------
    polars.DataFrame
        The cell keys, ``units``, ``unit_price`` (sale currency), the
        :data:`BREAKDOWN` per unit (base currency), ``net_revenue`` (revenue less
        the VAT the seller owes), ``margin_rate`` (margin / net revenue), ``kind``,
        ``vat_by``, ``duty_rule`` and ``reason``.
    """
    rows = []
    for cell in cells.iter_rows(named=True):
        price = Decimal(repr(cell["revenue"] / cell["units"]))
        try:
            cost = price_cell(cell, pricing, price)
        except (NoRouteError, MissingRateError) as exc:
            if skipped is None:
                raise
            skipped.append(
                {
                    "sku": cell["sku"],
                    "country": cell["country"],
                    "reason": str(exc),
                    "code": exc.code,
                    "currency": getattr(exc, "currency", None),
                }
            )
            continue
        row = {key: cell[key] for key in ("sku", "country", "channel", "currency")}
        row |= {"units": cell["units"], "unit_price": float(price)}
        row |= _per_unit(cost)
        if target_margin is not None:
            row["floor_price"] = suggest_price(cell, pricing, price, target_margin)
        rows.append(row)
    return pl.DataFrame(rows, schema=_schema(target_margin is not None), orient="row")


def _per_unit(cost: LandedCost) -> dict[str, Any]:
    line = cost.lines[0]
    qty = line.quantity
    values = {name: float(getattr(line, name)) / qty for name in BREAKDOWN}
    seller_vat = values["vat"] if not _buyer_vat(cost) else 0.0
    net = values["revenue"] - seller_vat
    return values | {
        "net_revenue": net,
        "margin_rate": values["margin"] / net if net > 0 else None,
        "kind": cost.kind,
        "vat_by": cost.vat_by,
        "duty_rule": cost.duty_rule,
        "reason": cost.reason,
    }


def _buyer_vat(cost: LandedCost) -> bool:
    return cost.vat_by in (taxes.BUYER_AT_BORDER, taxes.REVERSE_CHARGE, taxes.NO_VAT)


def _schema(with_price: bool) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "sku": pl.String, "country": pl.String, "channel": pl.String,
        "currency": pl.String, "units": pl.Int64, "unit_price": pl.Float64,
    }  # fmt: skip
    schema |= dict.fromkeys(BREAKDOWN, pl.Float64)
    schema |= {
        "net_revenue": pl.Float64, "margin_rate": pl.Float64, "kind": pl.String,
        "vat_by": pl.String, "duty_rule": pl.String, "reason": pl.String,
    }  # fmt: skip
    if with_price:
        schema["floor_price"] = pl.Float64
    return schema


def suggest_price(
    cell: dict[str, Any], pricing: Pricing, price: Decimal, target: float
) -> float | None:
    """The lowest local price point whose margin / net revenue is >= ``target``.

    Margin and net revenue are piecewise linear in the price (a threshold such as
    IOSS's EUR 150 switches the regime), so a secant step from the current price is
    exact within one piece; up to six steps cross a threshold. ``None`` when no
    price up to 20 times the current one reaches the target.
    """
    gap = _gap(cell, pricing, price, target)
    low, step = price, price * Decimal("0.1") or Decimal(1)
    for _ in range(6):
        high = low + step
        slope = (_gap(cell, pricing, high, target) - gap) / step
        if slope <= 0:
            return None
        candidate = max(low - gap / slope, Decimal("0.01"))
        if candidate > price * 20:
            return None
        point = price_point(candidate, cell["currency"])
        found = _gap(cell, pricing, point, target)
        if found >= 0:
            return float(point)
        low, gap = point, found
    return None


def _gap(
    cell: dict[str, Any], pricing: Pricing, price: Decimal, target: float
) -> Decimal:
    """Margin minus ``target`` x net revenue of the SKU line (base currency)."""
    unit = _per_unit(price_cell(cell, pricing, price))
    return Decimal(repr(unit["margin"] - target * unit["net_revenue"]))


def price_point(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` up to the next local price point.

    Two-decimal currencies end in .99 (below 10: .49 or .99); currencies with large
    units (SEK, NOK, DKK, CZK) end in 9; zero-decimal ones (JPY, KRW) in 80 or 980.

    Examples
    --------
    >>> price_point(Decimal("12.30"), "EUR"), price_point(Decimal("4.10"), "GBP")
    (Decimal('12.99'), Decimal('4.49'))
    >>> price_point(Decimal("131"), "SEK"), price_point(Decimal("2140"), "JPY")
    (Decimal('139'), Decimal('2180'))
    """
    if minor_unit(currency) == 0:
        step = Decimal(100) if amount < 10_000 else Decimal(1000)
        charm = Decimal(20)
    elif currency in {"SEK", "NOK", "DKK", "CZK", "HUF", "ISK"}:
        step, charm = Decimal(10), Decimal(1)
    else:
        step = Decimal("0.5") if amount < 10 else Decimal(1)
        charm = Decimal("0.01")
    count = ((amount + charm) / step).to_integral_value(rounding=ROUND_CEILING)
    return max(count, Decimal(1)) * step - charm


def annual_units(units: float, days: int) -> float:
    """Units over ``days`` scaled to a year (0 for an empty period)."""
    return units * 365.0 / days if days > 0 and math.isfinite(units) else 0.0
