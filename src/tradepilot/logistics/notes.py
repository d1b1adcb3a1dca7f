"""What a margin report says besides its numbers: the assumptions it rests on, the
notes to read first (defaults not chosen, FX rates missing or old), and the error of
a year of which nothing could be priced."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from tradepilot.domain.errors import DataValidationError, MissingRateError
from tradepilot.fx.service import FX_IMPORT_HINT, LatestRates
from tradepilot.logistics.config import TradeConfig
from tradepilot.logistics.volumes import MIN_ORDERS

if TYPE_CHECKING:
    from tradepilot.logistics.context import SalesYear


def volume_note(config: TradeConfig, yearly: pl.DataFrame) -> str:
    """Where yearly volumes come from and how the lists are ranked."""
    capped = int((yearly["volume_source"] == "forecast capped").sum())
    note = (
        "yearly volume: the forecast where it covers the SKU x country, else the"
        " trailing year; a forecast on a short history is capped at the trailing"
        f" year's units (under {MIN_ORDERS} orders) or their pace since the first"
        " sale (first sold less than a year ago)"
    )
    if capped:
        note += f" ({capped} cells capped)"
    return (
        note + f"; lists rank cells selling at least {config.min_yearly_units:g}"
        " units a year (min_yearly_units) by yearly margin"
    )


def unrated(skipped: list[dict[str, Any]]) -> list[str]:
    """The currencies whose missing rate left cells unpriced."""
    return sorted({s["currency"] for s in skipped if s["currency"]})


def nothing_priced(
    sales: SalesYear, skipped: list[dict[str, Any]]
) -> MissingRateError | DataValidationError:
    """The error of a year of sales of which no cell could be priced."""
    missing = unrated(skipped)
    if missing:
        return MissingRateError(
            missing[0],
            sales.day,
            f"none of the {sales.cells.height} SKU x country cells can be priced"
            f" without rates for {', '.join(missing)}; {FX_IMPORT_HINT}",
        )
    reasons = sorted({s["reason"] for s in skipped})
    return DataValidationError(
        f"none of the {sales.cells.height} SKU x country cells could be priced: "
        + "; ".join(reasons[:3])
    )


def fx_notes(rates: LatestRates, skipped: list[dict[str, Any]]) -> list[str]:
    """Which missing FX rates left cells unpriced, and how old the rates are."""
    notes = []
    missing = unrated(skipped)
    if missing:
        count = sum(1 for s in skipped if s["currency"])
        notes.append(
            f"no FX rate on or before {rates.day} for {', '.join(missing)}:"
            f" {count} SKU x country cells that need one are not priced;"
            f" {FX_IMPORT_HINT}"
        )
    age = rates.age_note()
    if age:
        notes.append(age)
    return notes


def skipped_note(skipped: list[dict[str, Any]]) -> str:
    """How many cells were not priced, where, and the commonest reason."""
    where = sorted({s["country"] for s in skipped})
    reasons: dict[str, int] = {}
    for entry in skipped:
        reasons[entry["reason"]] = reasons.get(entry["reason"], 0) + 1
    common = max(reasons, key=lambda r: reasons[r])
    others = len(reasons) - 1
    return (
        f"{len(skipped)} SKU x country cells not priced (countries "
        f"{', '.join(where)}): {common}"
        + (f"; and {others} other reasons, see skipped" if others else "")
    )


def assumptions(sales: SalesYear, skipped: list[dict[str, Any]]) -> tuple[str, ...]:
    """Everything a margin report assumes, the notes to read first at the top."""
    context, cells = sales.context, sales.cells
    config = context.config
    unknown = int((~cells["cost_known"]).sum())
    notes = [
        *config.unchosen(),
        *fx_notes(sales.rates, skipped),
        f"ships from {config.origin_node or config.origin}, {config.incoterm}, "
        f"{config.buyers} buyers; FX spread {config.fx_spread:.1%}",
        f"inbound freight {context.freight_per_kg} {context.base}/kg "
        f"({config.inbound_mode}, purchasing.toml)",
        f"outbound: cheapest lane delivering within {config.delivery_days:g} days "
        f"at {config.delivery_probability:.0%}"
        + (
            f" ({len(config.delivery_days_for)} countries set apart)"
            if config.delivery_days_for
            else ""
        )
        + " (lanes.yaml)",
        "prices include the seller's VAT except in "
        + (", ".join(config.tax_exclusive) or "no country")
        if config.prices_include_tax
        else "prices exclude VAT",
        "shipping charged to buyers is not counted as revenue",
    ]
    notes.append(volume_note(config, sales.yearly))
    if skipped:
        notes.append(skipped_note(skipped))
    if unknown:
        notes.append(
            f"{unknown} of {cells.height} SKU x country cells have no unit cost: "
            f"assumed {config.default_cost_share:.0%} of the price paid"
        )
    return tuple(notes)
