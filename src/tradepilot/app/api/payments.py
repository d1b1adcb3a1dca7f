"""/api/v1/payments: provider transactions, cash balances, the reconciliation;
/api/v1/fx/exposure: currency exposure."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from tradepilot.app.security import State, require_token
from tradepilot.app.state import AppState
from tradepilot.payments.service import (
    cash_balances,
    decide_discrepancy,
    fx_exposure,
    list_discrepancies,
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


@router.get("/payments/discrepancies")
def get_discrepancies(
    state: State,
    include_closed: Annotated[
        bool, Query(alias="all", description="Also those resolved or ignored")
    ] = False,
) -> dict[str, Any]:
    """The discrepancies with their ``id``, ``status`` (open, resolved, ignored)
    and ``note``, as ``{data, count, open, closed}``."""
    return list_discrepancies(
        state.engine, home=state.settings.home, include_closed=include_closed
    )


class DiscrepancyDecision(BaseModel):
    """What the seller decided: ``resolved`` or ``ignored`` with a note, or
    ``open`` to take a decision back."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["resolved", "ignored", "open"] = "resolved"
    note: str = Field(default="", max_length=2000)


@router.post("/payments/discrepancies/{key}")
def post_decision(
    state: State,
    key: Annotated[str, Path(max_length=32)],
    decision: DiscrepancyDecision,
) -> dict[str, Any]:
    """Mark a discrepancy resolved or ignored (kept across reconciliations)."""
    return decide_discrepancy(
        state.engine, key=key, status=decision.status, note=decision.note,
        home=state.settings.home,
    )  # fmt: skip
