"""/api/v1/payments: provider transactions, cash balances, the reconciliation;
/api/v1/fx/exposure: currency exposure."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from tradepilot.app.security import State, require_token
from tradepilot.app.state import AppState
from tradepilot.payments.service import (
    cash_balances,
    fx_exposure,
    payment_transactions,
)
from tradepilot.payments.service import current_reconciliation as reconciliation

router = APIRouter(
    prefix="/api/v1", dependencies=[Depends(require_token)], tags=["payments"]
)


def current_reconciliation(state: AppState, *, refresh: bool = False) -> dict[str, Any]:
    """The last saved reconciliation, or a new one (when asked, or after imports)."""
    return reconciliation(state.engine, home=state.settings.home, refresh=refresh)


@router.get("/payments/transactions")
def get_transactions(
    state: State,
    provider: Annotated[str | None, Query(max_length=32)] = None,
    kind: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Provider transactions (charges, refunds, fees, payouts, ...), oldest first,
    as ``{data, count}``."""
    rows = [
        t
        for t in payment_transactions(state.engine)
        if (provider is None or t["provider"] == provider)
        and (kind is None or t["kind"] == kind)
    ]
    return {"data": rows[offset : offset + limit], "count": len(rows)}


@router.get("/payments/cash")
def get_cash(state: State) -> dict[str, Any]:
    """Money held per provider and currency, and in the bank."""
    return cash_balances(state.engine)


@router.get("/payments/reconciliation")
def get_reconciliation(
    state: State,
    refresh: Annotated[bool, Query(description="Reconcile again first")] = False,
) -> dict[str, Any]:
    """``payouts``, ``matched``, ``discrepancies`` (each with ``kind``,
    ``provider``, ``order``, ``payout``, ``amount``, ``currency``,
    ``amount_base``, ``evidence``, ``action``), ``fees_base`` and
    ``fx_spread_cost_base``: the last reconciliation, or a new one."""
    return current_reconciliation(state, refresh=refresh)


@router.get("/fx/exposure")
def get_exposure(state: State) -> dict[str, Any]:
    """Cash and receivables by currency, a 5% move's effect, spreads per provider."""
    return fx_exposure(state.engine, home=state.settings.home)
