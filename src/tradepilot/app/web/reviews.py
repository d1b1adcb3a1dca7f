"""The Reviews page: sentiment trend, top complaints with examples, SKUs by
negative share with their return rates, topics; filters by SKU and country, and a
box that analyses one review's text."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tradepilot.app.api.text import cached_report
from tradepilot.app.security import CurrentSession, State
from tradepilot.app.web.pages import render
from tradepilot.domain.errors import TradePilotError

router = APIRouter(include_in_schema=False)

Filter = Annotated[str, Query(max_length=128)]


@router.get("/reviews", response_class=HTMLResponse)
def reviews_page(
    request: Request, state: State, session: CurrentSession, sku: Filter = "",
    country: Filter = "",
) -> Response:  # fmt: skip
    """The review report of every review, or of one SKU and/or country."""
    try:
        found = cached_report(state, sku=sku or None, country=country or None)
    except TradePilotError as exc:
        return render(request, "reviews.html", session=session, error=str(exc),
                      sku=sku, country=country)  # fmt: skip
    trend = {
        "x": [m["month"] for m in found["trend"]],
        "negative": [round(100 * m["negative_share"], 1) for m in found["trend"]],
        "reviews": [m["reviews"] for m in found["trend"]],
    }
    return render(request, "reviews.html", session=session, report=found,
                  trend=trend, sku=sku, country=country)  # fmt: skip


@router.get("/reviews/analyse", response_class=HTMLResponse)
def analyse_fragment(
    request: Request, session: CurrentSession,
    text: Annotated[str, Query(max_length=20_000)] = "",
) -> Response:  # fmt: skip
    """Language, sentiment and aspects of one text (a fragment)."""
    from tradepilot.reviews.analysis import analyse

    found = analyse([text], [None])[0] if text.strip() else None
    return render(request, "partials/review_analysis.html", session=session,
                  found=found, text=text)  # fmt: skip
