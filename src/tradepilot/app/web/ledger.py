"""The ledger half of the Money page: ``/money/ledger``, an htmx fragment with the
P&L by month and by country (Plotly), VAT due per jurisdiction, the hash chain's
status and the latest anchor; ``/money/books``, the opening balances and the bank
lines no rule categorises."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tradepilot.app.security import CurrentSession, State
from tradepilot.app.web.pages import render
from tradepilot.domain.errors import TradePilotError

router = APIRouter(include_in_schema=False)


@router.get("/money/ledger", response_class=HTMLResponse)
def ledger_fragment(
    request: Request, state: State, session: CurrentSession
) -> Response:
    """The ledger section of /money (loaded with htmx), or a page of its own."""
    from tradepilot.domain.money import minor_unit
    from tradepilot.ledger.reports import profit_and_loss, vat_due
    from tradepilot.ledger.service import latest_anchor, verify_ledger

    try:
        months = profit_and_loss(state.engine, by="month")
        countries = profit_and_loss(state.engine, by="country")
        context: dict[str, Any] = {
            "pnl": months,
            "currency": months["base_currency"],
            "decimals": minor_unit(months["base_currency"]),
            "month_chart": _chart(months, "month"),
            "country_chart": _chart(countries, "country", limit=15),
            "vat": vat_due(state.engine),
            "chain": verify_ledger(state.engine),
            "anchor": latest_anchor(state.engine),
        }
    except TradePilotError as exc:
        context = {"error": str(exc)}
    # htmx (the Money page) gets the fragment; a browser opening it, a whole page
    htmx = request.headers.get("HX-Request")
    template = "partials/ledger_money.html" if htmx else "ledger.html"
    return render(request, template, session=session, **context)


def _chart(pnl: dict[str, Any], by: str, *, limit: int | None = None) -> dict[str, Any]:
    rows = pnl["rows"]
    if limit is not None:
        rows = sorted(rows, key=lambda r: -r["revenue_base"])[:limit]
    return {
        "x": [str(r[by]) for r in rows],
        "revenue": [r["revenue_base"] for r in rows],
        "cogs": [r["cogs_base"] for r in rows],
        "margin": [r["gross_margin_base"] for r in rows],
        "currency": pnl["base_currency"],
    }


@router.get("/money/books", response_class=HTMLResponse)
def books_fragment(request: Request, state: State, session: CurrentSession) -> Response:
    """Opening balances and uncategorised bank lines (an htmx fragment)."""
    from tradepilot.ledger.books_service import categorise_bank, opening_balances

    try:
        context: dict[str, Any] = {
            "opening": opening_balances(state.engine),
            "bank": categorise_bank(state.engine, home=state.settings.home, post=False),
        }
    except TradePilotError as exc:
        context = {"books_error": str(exc)}
    return render(request, "partials/books_money.html", session=session, **context)
