"""The Margins & Markets page: margin per SKU x country with its waterfall, a world
map of market-entry scores with the seller's weights, and rule-change impact."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from tradepilot.app.api.trade import cached_margins, cached_scores, impact_of
from tradepilot.app.security import CsrfSession, CurrentSession, State
from tradepilot.app.web.pages import alpha3, render
from tradepilot.domain.countries import country_name
from tradepilot.domain.errors import TradePilotError
from tradepilot.domain.money import minor_unit
from tradepilot.logistics.economics import BREAKDOWN
from tradepilot.logistics.impact import example_names
from tradepilot.logistics.service import MarginReport
from tradepilot.markets.components import COMPONENTS

router = APIRouter(include_in_schema=False)

TABLE_ROWS = 25
WATERFALL_STEPS = ("product_cost", "inbound_freight", "shipping", "duty", "vat", "fees",
                   "fx")  # fmt: skip


@router.get("/markets", response_class=HTMLResponse)
def markets_page(request: Request, state: State, session: CurrentSession) -> Response:
    """Margins, the market map and the rule-change form."""
    try:
        report = cached_margins(state)
        scores = cached_scores(state, {})
    except TradePilotError as exc:
        return render(request, "markets.html", session=session, error=str(exc))
    return render(
        request,
        "markets.html",
        session=session,
        report=report,
        **_margin_context(report, country="", sku=""),
        countries=sorted(set(report.rows["country"])),
        **_score_context(scores, {}),
        components=COMPONENTS,
        examples=example_names(),
    )


@router.get("/markets/margins", response_class=HTMLResponse)
def margin_table(
    request: Request,
    state: State,
    session: CurrentSession,
    country: Annotated[str, Query(max_length=2)] = "",
    sku: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The margin table filtered by country and SKU text (htmx)."""
    report = cached_margins(state)
    context = _margin_context(report, country=country, sku=sku)
    return render(request, "partials/margin_table.html", session=session, **context)


def _margin_context(report: MarginReport, *, country: str, sku: str) -> dict[str, Any]:
    """Best and worst ranked rows by yearly margin, and the rows under the
    minimum volume, of the cells matching the filter."""
    rows = report.rows
    if country:
        rows = rows.filter(rows["country"] == country.upper())
    if sku:
        rows = rows.filter(rows["sku"].str.contains(sku, literal=True))
    ranked = rows.filter(rows["ranked"]).to_dicts()
    unranked = rows.filter(~rows["ranked"]).to_dicts()
    best = ranked[:TABLE_ROWS]
    worst = ranked[len(best) :][-TABLE_ROWS:][::-1]
    return {
        "best": best,
        "worst": worst,
        "unranked": unranked[:TABLE_ROWS],
        "unranked_count": len(unranked),
        "matching": rows.height,
        "min_units": report.min_yearly_units,
        "target_margin": report.target_margin,
        "currency": report.currency,
        "filter_country": country,
        "filter_sku": sku,
    }


@router.get("/markets/waterfall", response_class=HTMLResponse)
def waterfall(
    request: Request,
    state: State,
    session: CurrentSession,
    sku: Annotated[str, Query(max_length=64)],
    country: Annotated[str, Query(max_length=2)],
) -> Response:
    """The per-unit waterfall of one SKU x country (htmx)."""
    report = cached_margins(state)
    rows = report.rows.filter(
        (report.rows["sku"] == sku) & (report.rows["country"] == country.upper())
    )
    row = rows.row(0, named=True) if rows.height else None
    return render(
        request,
        "partials/margin_waterfall.html",
        session=session,
        row=row,
        sku=sku,
        country=country.upper(),
        currency=report.currency,
        chart=waterfall_payload(row, report.currency) if row else None,
        breakdown=BREAKDOWN,
    )


def waterfall_payload(row: dict[str, Any], currency: str) -> dict[str, Any]:
    """Plotly waterfall data: revenue, each cost as a drop, margin as the total.

    Examples
    --------
    >>> row = {k: 0.0 for k in BREAKDOWN} | {"revenue": 10.0, "product_cost": 4.0,
    ...     "margin": 6.0}
    >>> waterfall_payload(row, "EUR")["y"][:2]
    [10.0, -4.0]
    """
    labels = ["revenue", *WATERFALL_STEPS, "margin"]
    values = [row["revenue"], *(-row[s] for s in WATERFALL_STEPS), row["margin"]]
    return {
        "x": [label.replace("_", " ") for label in labels],
        "y": [round(float(v), 4) for v in values],
        "measure": ["absolute", *(["relative"] * len(WATERFALL_STEPS)), "total"],
        "currency": currency,
        "decimals": minor_unit(currency),
    }


@router.get("/markets/scores", response_class=HTMLResponse)
def score_panel(request: Request, state: State, session: CurrentSession) -> Response:
    """Re-score with the weights of the form (htmx GET with one field per weight)."""
    weights: dict[str, float] = {}
    error = ""
    for name in COMPONENTS:
        text = request.query_params.get(name, "").strip()
        if text:
            try:
                weights[name] = float(text)
            except ValueError:
                error = f"weight {name} is not a number: {text!r}"
    try:
        scores = cached_scores(state, weights) if not error else []
    except TradePilotError as exc:
        scores, error = [], str(exc)
    context = _score_context(scores, weights) | {"score_error": error}
    return render(request, "partials/market_scores.html", session=session, **context)


def _score_context(
    scores: list[dict[str, Any]], weights: dict[str, float]
) -> dict[str, Any]:
    located = [(alpha3(r["country"]), r) for r in scores]
    located = [(code, r) for code, r in located if code]
    return {
        "scores": scores[:TABLE_ROWS],
        "weights": weights,
        "score_map": {
            "locations": [code for code, _ in located],
            "z": [r["score"] for _, r in located],
            "text": [f"{country_name(r['country'])}: #{r['rank']}" for _, r in located],
            "currency": "points",
        },
    }


@router.post("/markets/impact", response_class=HTMLResponse)
def impact_panel(
    request: Request,
    state: State,
    session: CsrfSession,
    example: Annotated[str, Form(max_length=64)] = "",
    what_if: Annotated[str, Form(max_length=200_000)] = "",
) -> Response:
    """The impact of a shipped example or a pasted what-if file (htmx)."""
    try:
        result: dict[str, Any] | None = impact_of(
            state, what_if or None, None if what_if else (example or None), None
        )
        error = ""
    except TradePilotError as exc:
        result, error = None, str(exc)
    return render(
        request,
        "partials/rule_impact.html",
        session=session,
        impact=result,
        impact_error=error,
        rows=(result or {}).get("data", [])[:TABLE_ROWS],
    )
