"""/api/v1/landed-cost, /margins, /markets/scores, /lanes/best, /rules/impact."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from tradepilot.app.security import State, require_token
from tradepilot.app.state import AppState
from tradepilot.domain.errors import DataValidationError, TradePilotError
from tradepilot.logistics.impact import example_path, rule_impact
from tradepilot.logistics.quotes import best_lane, quote_order, quote_parcel, quote_sku
from tradepilot.logistics.service import MarginReport, margins
from tradepilot.markets.service import score_workspace
from tradepilot.reporting.service import data_version

router = APIRouter(
    prefix="/api/v1", dependencies=[Depends(require_token)], tags=["landed cost"]
)

CONFIG_FILES = ("trade.toml", "purchasing.toml", "lanes.yaml", "reference")
Country = Annotated[str, Query(pattern="^[A-Za-z]{2}$", description="ISO 3166 alpha-2")]
Incoterm = Literal["DDP", "DAP"]


def settings_version(home: Path) -> tuple[float, ...]:
    """Modification times of the seller-edited settings (0 when absent)."""
    stamps: list[float] = []
    for name in CONFIG_FILES:
        path = home / name
        files = sorted(path.glob("*")) if path.is_dir() else [path]
        stamps.extend(f.stat().st_mtime if f.exists() else 0.0 for f in files)
    return tuple(stamps)


def cached_margins(state: AppState, day: dt.date | None = None) -> MarginReport:
    """:func:`~tradepilot.logistics.service.margins` of ``day`` (default today),
    cached per data version and settings files."""
    day = day or dt.datetime.now(dt.UTC).date()
    home = state.settings.home
    key, version = f"margins:{day}", trade_cache_version(state)
    found = state.cache.get(key, version)
    if found is None:
        found = margins(state.engine, home=home, day=day)
        state.cache.put(key, version, found)
    assert isinstance(found, MarginReport)
    return found


def cached_scores(state: AppState, weights: dict[str, float]) -> list[dict[str, Any]]:
    """Market scores with ``weights``, cached like :func:`cached_margins`."""
    report = cached_margins(state)
    key, version = f"scores:{sorted(weights.items())}", trade_cache_version(state)
    found = state.cache.get(key, version)
    if found is None:
        ranked = score_workspace(
            state.engine, home=state.settings.home, weights=weights, report=report
        )
        found = ranked.to_dicts()
        state.cache.put(key, version, found)
    return list(found)


def trade_cache_version(state: AppState) -> str:
    """The data version and the settings files' times, as one cache version."""
    return f"{data_version(state.engine)}|{settings_version(state.settings.home)}"


def warm_trade_caches(state: AppState) -> None:
    """Compute today's margins and default market scores (about 10-40 s on a
    year of sales) so the first Margins & Markets view does not wait; a workspace
    without sales or rates is left for the page to explain."""
    try:
        cached_scores(state, {})
    except TradePilotError:
        return


@router.get("/landed-cost/orders/{order_number}")
def get_order_landed_cost(
    state: State, order_number: str, incoterm: Incoterm | None = None
) -> dict[str, Any]:
    """Landed cost and margin of a stored sale order, line by line, at its date."""
    return quote_order(
        state.engine,
        home=state.settings.home,
        order_number=order_number,
        incoterm=incoterm,
    )


@router.get("/landed-cost")
def get_landed_cost(
    state: State,
    country: Country,
    sku: str | None = None,
    qty: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    value: Annotated[Decimal | None, Query(gt=0)] = None,
    currency: Annotated[str | None, Query(pattern="^[A-Za-z]{3}$")] = None,
    weight_kg: Annotated[float | None, Query(gt=0, le=100_000)] = None,
    hs: Annotated[str | None, Query(pattern="^[0-9]{2,10}$")] = None,
    shipping: Annotated[Decimal | None, Query(ge=0)] = None,
    origin: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$")] = None,
    incoterm: Incoterm | None = None,
    date: dt.date | None = None,
) -> dict[str, Any]:
    """Landed cost of ``qty`` of a SKU, or of a parcel (``value``, ``currency``,
    ``weight_kg``; ``origin`` defaults to the seller's), with duty, VAT, fees,
    shipping, FX and the rules applied."""
    home, code = state.settings.home, country.upper()
    if sku is not None:
        return quote_sku(
            state.engine, home=home, sku=sku, country=code, quantity=qty,
            incoterm=incoterm, day=date,
        )  # fmt: skip
    if value is None or currency is None or weight_kg is None:
        raise DataValidationError(
            "give sku, or a parcel's value, currency and weight_kg"
        )
    return quote_parcel(
        state.engine, home=home, value=value, currency=currency, country=code,
        weight_kg=weight_kg, hs_code=hs, incoterm=incoterm, day=date,
        shipping=shipping, origin=origin.upper() if origin else None,
    )  # fmt: skip


@router.get("/margins")
def get_margins(
    state: State,
    date: dt.date | None = None,
    limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> dict[str, Any]:
    """Margin per SKU x country (best first) with per-unit breakdown, yearly
    volume and margin, and a suggested price keeping the target margin."""
    return cached_margins(state, date).as_dict(limit)


@router.get("/markets/scores")
def get_market_scores(
    state: State,
    demand: Annotated[float | None, Query(ge=0)] = None,
    growth: Annotated[float | None, Query(ge=0)] = None,
    peers: Annotated[float | None, Query(ge=0)] = None,
    margin: Annotated[float | None, Query(ge=0)] = None,
    delivery: Annotated[float | None, Query(ge=0)] = None,
    burden: Annotated[float | None, Query(ge=0)] = None,
    returns: Annotated[float | None, Query(ge=0)] = None,
) -> dict[str, Any]:
    """Every country ranked for market entry; weights override the settings."""
    given = {
        "demand": demand, "growth": growth, "peers": peers, "margin": margin,
        "delivery": delivery, "burden": burden, "returns": returns,
    }  # fmt: skip
    weights = {k: v for k, v in given.items() if v is not None}
    data = cached_scores(state, weights)
    notes = list(cached_margins(state).notices)
    return {"count": len(data), "data": data, "assumptions": notes}


@router.get("/lanes/best")
def get_best_lane(
    state: State,
    origin: Annotated[str, Query(alias="from", min_length=2, max_length=40)],
    destination: Annotated[str, Query(alias="to", pattern="^[A-Za-z]{2}$")],
    weight_kg: Annotated[float, Query(gt=0, le=100_000)] = 1.0,
    max_days: Annotated[float | None, Query(gt=0, le=365)] = None,
    probability: Annotated[float | None, Query(gt=0, lt=1)] = None,
) -> dict[str, Any]:
    """The cheapest route meeting the delivery time, and the alternatives."""
    return best_lane(
        state.engine, home=state.settings.home, origin=origin,
        destination=destination.upper(), weight_kg=weight_kg, max_days=max_days,
        probability=probability,
    )  # fmt: skip


class ImpactRequest(BaseModel):
    """A rule change: the YAML text of a what-if file, or a shipped example."""

    what_if: str | None = Field(None, max_length=200_000)
    example: str | None = Field(None, pattern="^[a-z0-9_]{1,64}$")
    date: dt.date | None = None


@router.post("/rules/impact")
def post_rule_impact(state: State, request: ImpactRequest) -> dict[str, Any]:
    """Yearly margin change per SKU x country under a rule change, largest loss
    first (see ``tradepilot rules impact``)."""
    return impact_of(state, request.what_if, request.example, request.date)


def impact_of(
    state: AppState, text: str | None, example: str | None, day: dt.date | None
) -> dict[str, Any]:
    """:func:`~tradepilot.logistics.impact.rule_impact` of a YAML text or example."""
    home = state.settings.home
    if example is not None:
        path = example_path(example)
        return rule_impact(state.engine, home=home, what_if=path, day=day)
    if not text:
        raise DataValidationError("give what_if (YAML text) or example")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "what-if.yaml"
        path.write_text(text, encoding="utf-8")
        return rule_impact(state.engine, home=home, what_if=path, day=day)
