"""The Customers page: the segment map (a bubble chart of segments by customers and
margin), the customer table sortable by value and churn risk, and a customer's
profile with its recommendations (``partials/recommendations.html`` of the
recommend capability, included where present)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tradepilot.app.api.customers import cached_table
from tradepilot.app.security import CsrfSession, CurrentSession, State
from tradepilot.app.state import AppState
from tradepilot.app.web.pages import render
from tradepilot.domain.errors import TradePilotError

router = APIRouter(include_in_schema=False)

PAGE_ROWS = 25
Sort = Literal["value", "churn", "revenue", "recent"]


@router.get("/customers", response_class=HTMLResponse)
def customers_page(request: Request, state: State, session: CurrentSession) -> Response:
    """Summary, segment map, the customer table."""
    try:
        table = cached_table(state)
        segments = _segments(state)
    except TradePilotError as exc:
        return render(request, "customers.html", session=session, error=str(exc))
    rows = table.rows
    repeat = int((rows["orders"] > 1).sum())
    return render(
        request,
        "customers.html",
        session=session,
        summary={
            "customers": rows.height,
            "repeat_rate": repeat / rows.height if rows.height else None,
            "revenue": float(rows["revenue"].sum()),
            "margin": float(rows["margin"].sum()),
            "expected_value": float(rows["expected_value"].fill_null(0).sum()),
            "churn_risk": int(rows["churn_risk"].sum()),
        },
        horizon=table.horizon_weeks,
        propensity=table.propensity,
        segments=segments,
        bubbles=bubble_payload(segments["segments"]),
        **_table_context(state, sort="value", offset=0, search=""),
    )


def _segments(state: AppState) -> dict[str, Any]:
    """The latest saved segments; the first visit computes and saves them."""
    from tradepilot.customers.service import customer_segments, latest_segments

    return latest_segments(state.engine) or customer_segments(
        state.engine, home=state.settings.home
    )


def bubble_payload(segments: list[dict[str, Any]]) -> dict[str, Any]:
    """Plotly bubble chart data: each segment at (share of customers, share of
    margin), sized by its customers.

    Examples
    --------
    >>> bubble_payload([{"name": "loyal", "customers": 10, "share_customers": 0.1,
    ...     "share_margin": 0.6, "description": "d"}])["y"]
    [60.0]
    """
    return {
        "x": [round(100 * s["share_customers"], 2) for s in segments],
        "y": [round(100 * (s["share_margin"] or 0), 2) for s in segments],
        "size": [s["customers"] for s in segments],
        "text": [s["name"] for s in segments],
        "hover": [
            f"{s['name']}: {s['customers']:,} customers — {s['description']}"
            for s in segments
        ],
    }


def _table_context(
    state: AppState, *, sort: Sort, offset: int, search: str
) -> dict[str, Any]:
    page = cached_table(state).page(
        sort=sort, limit=PAGE_ROWS, offset=offset, search=search or None
    )
    return {
        "customers": page["data"],
        "count": page["count"],
        "sort": sort,
        "offset": offset,
        "search": search,
        "page_rows": PAGE_ROWS,
        "currency": page["base_currency"],
    }


@router.get("/customers/table", response_class=HTMLResponse)
def customer_rows(
    request: Request,
    state: State,
    session: CurrentSession,
    sort: Sort = "value",
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    search: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The customer table, sorted and paged (htmx)."""
    context = _table_context(state, sort=sort, offset=offset, search=search)
    return render(request, "partials/customer_table.html", session=session, **context)


@router.get("/customers/profile", response_class=HTMLResponse)
def customer_profile(
    request: Request,
    state: State,
    session: CurrentSession,
    ref: Annotated[str, Query(min_length=1, max_length=300)],
) -> Response:
    """One customer's profile and recommendations (htmx)."""
    from tradepilot.customers.overview import profile_view

    try:
        profile = profile_view(state.engine, cached_table(state), ref)
    except TradePilotError as exc:
        return render(
            request, "partials/customer_profile.html", session=session, error=str(exc)
        )
    return render(
        request,
        "partials/customer_profile.html",
        session=session,
        profile=profile,
        row=profile["row"],
        currency=profile["base_currency"],
        customer_ref=profile["customer"],
        customer_ids=profile["customer_ids"],
        profile_id=profile["profile_id"],
    )


@router.post("/customers/segments", response_class=HTMLResponse)
def refresh_segments(request: Request, state: State, session: CsrfSession) -> Response:
    """Segment again, save the lists and show them (htmx)."""
    from tradepilot.customers.service import customer_segments

    try:
        segments = customer_segments(state.engine, home=state.settings.home)
    except TradePilotError as exc:
        return render(
            request, "partials/customer_segments.html", session=session, error=str(exc)
        )
    return render(
        request,
        "partials/customer_segments.html",
        session=session,
        segments=segments,
        bubbles=bubble_payload(segments["segments"]),
        currency=segments["base_currency"],
    )


@router.get("/customers/segments/export")
def export_segment(
    state: State,
    session: CurrentSession,
    name: Annotated[str, Query(min_length=1, max_length=64)],
    marketing: bool = False,
) -> Response:
    """Download a saved segment list (contact data only with consent)."""
    from tradepilot.app.api.customers import export_segment_csv

    return export_segment_csv(state, name=name, marketing=marketing)
