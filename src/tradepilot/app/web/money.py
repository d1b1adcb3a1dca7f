"""The Money page: cash by currency and provider, open discrepancies with what to
do, and the FX spread each provider took. The ledger's part of the page (P&L, VAT,
the chain) is a fragment of its own, ``/money/ledger``, loaded when it exists."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tradepilot.app.api.payments import current_reconciliation
from tradepilot.app.security import CsrfSession, CurrentSession, State
from tradepilot.app.state import AppState
from tradepilot.app.web.pages import render
from tradepilot.domain.errors import TradePilotError
from tradepilot.payments.service import cash_balances

router = APIRouter(include_in_schema=False)
LEDGER_FRAGMENT = "/money/ledger"


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
    }


@router.get("/money", response_class=HTMLResponse)
def money_page(request: Request, state: State, session: CurrentSession) -> Response:
    """Cash, open discrepancies and spreads; the ledger fragment when it exists."""
    ledger = any(
        getattr(route, "path", None) == LEDGER_FRAGMENT for route in request.app.routes
    )
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
