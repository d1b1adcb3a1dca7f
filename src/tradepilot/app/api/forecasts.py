"""/api/v1/forecasts: the latest run, its series, one series with its fan."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from tradepilot.app.security import State, require_token
from tradepilot.forecasting.reports import list_series, run_summary, series_detail

router = APIRouter(
    prefix="/api/v1/forecasts",
    dependencies=[Depends(require_token)],
    tags=["forecasts"],
)


@router.get("/latest")
def get_latest(state: State) -> dict[str, Any]:
    """The latest forecast run (parameters, model choices) and the latest backtest."""
    summary = run_summary(state.engine)
    if summary is None:
        raise HTTPException(404, "no forecast yet: run 'tradepilot forecast run'")
    return summary


@router.get("/latest/series")
def get_series(
    state: State,
    sku: Annotated[str | None, Query(max_length=64, description="SKU contains")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> dict[str, Any]:
    """Series of the latest run with the model chosen, worst CV error first."""
    return list_series(state.engine, sku=sku, limit=limit, offset=offset)


@router.get("/latest/series/{unique_id}")
def get_one_series(state: State, unique_id: str) -> dict[str, Any]:
    """History, forecast, intervals and model choice of one series (``SKU|CC``)."""
    return series_detail(state.engine, unique_id)
