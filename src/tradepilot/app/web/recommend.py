"""HTML fragments for the Customers and product views (htmx-loadable):
``/customers/{ref}/recommendations`` and ``/products/{sku}/together``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tradepilot.app.api.recommend import customer_lists
from tradepilot.app.security import CurrentSession, State
from tradepilot.app.web.pages import render
from tradepilot.domain.errors import TradePilotError
from tradepilot.recommend.service import frequently_bought_together

router = APIRouter(include_in_schema=False)

K = Annotated[int, Query(ge=1, le=50)]


@router.get("/customers/{ref}/recommendations", response_class=HTMLResponse)
def recommendations_fragment(
    request: Request, state: State, session: CurrentSession, ref: str, k: K = 10
) -> Response:
    """A customer's next and new products with their reasons (a fragment)."""
    try:
        found = customer_lists(state, ref, k=k)
    except TradePilotError as exc:
        return render(request, "partials/recommendations.html", session=session,
                      customer=ref, error=str(exc))  # fmt: skip
    return render(
        request, "partials/recommendations.html", session=session, customer=ref,
        found=found,
    )  # fmt: skip


@router.get("/products/{sku:path}/together", response_class=HTMLResponse)
def together_fragment(
    request: Request, state: State, session: CurrentSession, sku: str, k: K = 10
) -> Response:
    """Products frequently bought together with a SKU (a fragment)."""
    try:
        found = frequently_bought_together(state.engine, sku=sku, k=k)
    except TradePilotError as exc:
        return render(request, "partials/together.html", session=session, sku=sku,
                      error=str(exc))  # fmt: skip
    return render(
        request, "partials/together.html", session=session, sku=sku, found=found
    )
