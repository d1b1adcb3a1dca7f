"""/api/v1/ledger and /api/v1/vat: thin calls into :mod:`tradepilot.ledger`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from tradepilot.app.security import State, require_token
from tradepilot.domain.errors import DataValidationError

router = APIRouter(
    prefix="/api/v1", dependencies=[Depends(require_token)], tags=["ledger"]
)
Day = Annotated[dt.date | None, Query(description="YYYY-MM-DD")]


@router.post("/ledger/build")
def build(state: State) -> dict[str, Any]:
    """Post what is new (orders, undone imports, payments) as chained entries."""
    from tradepilot.ledger.service import build_ledger

    return build_ledger(state.engine, home=state.settings.home)


@router.get("/ledger/verify")
def verify(state: State) -> dict[str, Any]:
    """Recompute the hash chain: ``ok``, ``entries``, ``head_hash``, ``first_bad``."""
    from tradepilot.ledger.service import verify_ledger

    return verify_ledger(state.engine)


@router.get("/ledger/trial-balance")
def trial_balance(state: State, as_of: Day = None) -> dict[str, Any]:
    """Every account's balance up to ``as_of``; debits equal credits."""
    from tradepilot.ledger.reports import trial_balance as compute

    return compute(state.engine, as_of=as_of)


@router.get("/ledger/pnl")
def pnl(
    state: State,
    by: Literal["month", "country", "channel", "sku"] = "month",
    start: Annotated[dt.date | None, Query(alias="from")] = None,
    end: Annotated[dt.date | None, Query(alias="to")] = None,
) -> dict[str, Any]:
    """Profit and loss in the base currency, in total and per ``by``."""
    from tradepilot.ledger.reports import profit_and_loss

    return profit_and_loss(state.engine, by=by, start=start, end=end)


@router.get("/ledger/balance-sheet")
def balance_sheet(state: State, as_of: Day = None) -> dict[str, Any]:
    """Assets, liabilities and equity."""
    from tradepilot.ledger.reports import balance_sheet as compute

    return compute(state.engine, as_of=as_of)


@router.get("/ledger/proof/{entry}")
def proof(state: State, entry: int) -> dict[str, Any]:
    """Inclusion proof of an entry in its closed period's Merkle root."""
    from tradepilot.ledger.service import entry_proof

    try:
        return entry_proof(state.engine, entry)
    except DataValidationError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


@router.get("/vat/return")
def vat_return(
    state: State,
    scheme: Literal["oss", "ioss", "uk"],
    period: Annotated[str, Query(max_length=7, description="2025Q1 or 2025-01")],
) -> dict[str, Any]:
    """The OSS/IOSS return per member state and rate, or the UK boxes 1-9."""
    from tradepilot.ledger.exports import vat_return as compute

    return compute(state.engine, scheme=scheme, period=period)


class OpeningRowIn(BaseModel):
    """One opening balance: the account's balance on ``as_of``."""

    model_config = ConfigDict(extra="forbid")

    account: str = Field(max_length=8)
    currency: str = Field(min_length=3, max_length=3)
    amount: Decimal = Field(max_digits=18, decimal_places=6)
    as_of: dt.date


class OpeningIn(BaseModel):
    """The opening balances to post once (all with the same ``as_of``)."""

    model_config = ConfigDict(extra="forbid")

    rows: list[OpeningRowIn] = Field(min_length=1, max_length=500)


@router.get("/ledger/opening")
def get_opening(state: State) -> dict[str, Any]:
    """The posted opening balances (``entry``, ``as_of``, ``lines``), or 404."""
    from tradepilot.ledger.books_service import opening_balances

    found = opening_balances(state.engine)
    if found is None:
        raise HTTPException(status_code=404, detail="no opening balances posted")
    return found


@router.post("/ledger/opening")
def post_opening(state: State, body: OpeningIn) -> dict[str, Any]:
    """Post the opening balances, balanced against 3000 (once)."""
    from tradepilot.ledger.books_service import post_opening_records

    records = [
        {"account": r.account, "currency": r.currency, "amount": str(r.amount),
         "as_of": r.as_of.isoformat()}
        for r in body.rows
    ]  # fmt: skip
    return post_opening_records(state.engine, records=records, where="request")


@router.post("/ledger/rules")
def post_rules(state: State, dry_run: bool = False) -> dict[str, Any]:
    """Categorise bank lines by the workspace's bank rules and post them;
    ``uncategorised`` lists the lines no rule matched."""
    from tradepilot.ledger.books_service import categorise_bank

    return categorise_bank(state.engine, home=state.settings.home, post=not dry_run)


@router.post("/ledger/revalue")
def post_revalue(
    state: State,
    through: Annotated[str | None, Query(max_length=7, description="YYYY-MM")] = None,
) -> dict[str, Any]:
    """Unrealised FX at each month end not yet revalued (reversed on the 1st)."""
    from tradepilot.ledger.books_service import revalue_fx

    return revalue_fx(state.engine, through=through)
