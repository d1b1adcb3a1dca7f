"""The Money page: cash by currency and provider, open discrepancies with what to
do (and a form to resolve or ignore each, with a note; the decided ones listed
below), and the FX spread each provider took. The ledger's part of the page
(P&L, VAT, the chain; opening balances and uncategorised bank lines) is a
fragment of its own, ``/money/ledger``, loaded when it exists."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import NoMatchFound

from tradepilot.app.api.payments import current_reconciliation
from tradepilot.app.security import CsrfSession, CurrentSession, State
from tradepilot.app.state import AppState
from tradepilot.app.web.pages import render
from tradepilot.domain.errors import TradePilotError
from tradepilot.payments.service import cash_balances, decide_discrepancy

router = APIRouter(include_in_schema=False)
LEDGER_FRAGMENT = "/money/ledger"


def has_route(request: Request, name: str) -> bool:
    """Whether the app serves the route named ``name`` (the ledger may be absent).

    Routers are included lazily (``app.routes`` does not list their paths), so
    this asks for the route's URL.
    """
    try:
        request.app.url_path_for(name)
    except NoMatchFound:
        return False
    return True


def _context(state: AppState, *, refresh: bool = False) -> dict[str, Any]:
    result = current_reconciliation(state, refresh=refresh)
    discrepancies = result["discrepancies"]
    return {
        "result": result,
        "discrepancies": discrepancies,
        "kinds": Counter(d["kind"] for d in discrepancies).most_common(),
        "spreads": result["matched"].get("fx_spreads", {}),
        "notes": result["matched"].get("notes", []),
        "created_at": result.get("created_at"),
        "open_ids": result["matched"].get("open_ids", []),
        "closed": result["matched"].get("closed", []),
    }


@router.get("/money", response_class=HTMLResponse)
def money_page(request: Request, state: State, session: CurrentSession) -> Response:
    """Cash, open discrepancies and spreads; the ledger fragment when it exists."""
    ledger = has_route(request, "ledger_fragment")
    try:
        cash = cash_balances(state.engine)
        context = _context(state)
    except TradePilotError as exc:
        return render(request, "money.html", session=session, error=str(exc))
    return render(
        request, "money.html", session=session, cash=cash, ledger=ledger, **context
    )


@router.post("/money/reconcile", response_class=HTMLResponse)
def reconcile_again(request: Request, state: State, session: CsrfSession) -> Response:
    """Reconcile again and show the discrepancies (htmx)."""
    try:
        context = _context(state, refresh=True)
    except TradePilotError as exc:
        return render(request, "partials/discrepancies.html", session=session,
                      error=str(exc))  # fmt: skip
    return render(request, "partials/discrepancies.html", session=session, **context)


@router.post("/money/discrepancies/{key}")
def decide(
    request: Request,
    state: State,
    session: CsrfSession,
    key: str,
    status: Annotated[str, Form()] = "resolved",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Resolve, ignore or reopen a discrepancy; back to the Money page."""
    try:
        decide_discrepancy(state.engine, key=key, status=status, note=note,
                           home=state.settings.home)  # fmt: skip
    except TradePilotError as exc:
        cash = cash_balances(state.engine)
        return render(request, "money.html", session=session, status=422,
                      cash=cash, decision_error=str(exc), **_context(state))  # fmt: skip
    return RedirectResponse("/money#discrepancies-card", status_code=303)
