"""/api/v1/plans and /api/v1/leadtimes: restock plans, approval, cash allocation,
stock positions, policy simulation and lead times."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from tradepilot.app.jobs import SimulationJob, start_simulation
from tradepilot.app.security import State, require_token
from tradepilot.replenishment.approval_service import approve_lines
from tradepilot.replenishment.config import load_purchasing_config
from tradepilot.replenishment.leadtime_service import learn_lead_times
from tradepilot.replenishment.plan_store import latest_plan, plan_download
from tradepilot.replenishment.position_service import stock_positions
from tradepilot.replenishment.service import allocate_cash, plan_restock
from tradepilot.replenishment.simulate_service import latest_simulation

router = APIRouter(
    prefix="/api/v1", dependencies=[Depends(require_token)], tags=["replenishment"]
)


@router.get("/leadtimes")
def get_leadtimes(state: State) -> dict[str, Any]:
    """Lead time per supplier and mode learned from PO history, with its source."""
    home = state.settings.home
    return learn_lead_times(state.engine, load_purchasing_config(home), home=home)


@router.get("/plans/positions")
def get_positions(state: State) -> dict[str, Any]:
    """On hand, on order, days of cover and projected stockout date per SKU."""
    return stock_positions(state.engine, load_purchasing_config(state.settings.home))


class RestockRequest(BaseModel):
    """Parameters of a restock plan (as ``tradepilot plan restock``)."""

    budget: float | None = Field(
        None, ge=0, le=1e12, description="Cash for goods and freight; none: no limit."
    )
    service_level: float | None = Field(
        None,
        description="Target service level: a fraction (0.95) or a percent (95),"
        " 50 to 99.99 %.",
    )
    horizon_weeks: int | None = Field(None, ge=1, le=52)


@router.post("/plans/restock")
def post_restock(state: State, request: RestockRequest) -> dict[str, Any]:
    """Make and save a restock plan from the latest forecast."""
    return plan_restock(
        state.engine,
        load_purchasing_config(state.settings.home),
        budget=request.budget,
        service_level=request.service_level,
        horizon_weeks=request.horizon_weeks,
    )


@router.get("/plans/latest")
def get_latest_plan(state: State) -> dict[str, Any]:
    """The newest restock plan with its lines."""
    plan = latest_plan(state.engine)
    if plan is None:
        raise HTTPException(404, "no restock plan yet: run 'tradepilot plan restock'")
    return plan


@router.get(
    "/plans/latest/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def get_plan_export(state: State) -> Response:
    """The newest plan's lines as CSV (as ``tradepilot plan export``)."""
    filename, text = plan_download(state.engine)
    return Response(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


class ApproveRequest(BaseModel):
    """Plan lines to approve."""

    line_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        min_length=1, max_length=5000
    )
    approved_by: str = Field("api", min_length=1, max_length=254)


@router.post("/plans/approve")
def post_approve(state: State, request: ApproveRequest) -> dict[str, Any]:
    """Approve lines: draft purchase orders that count as on order from now on."""
    return approve_lines(
        state.engine, request.line_ids, approved_by=request.approved_by
    )


@router.get("/plans/allocate")
def get_allocate(
    state: State,
    cash: Annotated[float, Query(gt=0, le=1e12, description="Cash to place.")],
) -> dict[str, Any]:
    """Where the next ``cash`` earns most: SKU x market, best first."""
    return allocate_cash(
        state.engine, load_purchasing_config(state.settings.home), cash=cash
    )


class SimulationJobPublic(BaseModel):
    """A policy simulation in the background; ``result`` once ``state`` is done."""

    id: str
    state: str
    stage: str
    result: dict[str, Any] | None
    error: str | None


@router.post("/plans/simulations", response_model=SimulationJobPublic, status_code=202)
def post_simulation(state: State) -> dict[str, Any]:
    """Start a policy simulation (TradePilot vs min/max, days of cover, oracle)."""
    job = start_simulation(state)
    return {**job.public(), "result": job.result}


@router.get("/plans/simulations/latest")
def get_latest_simulation(state: State) -> dict[str, Any]:
    """The newest policy simulation report."""
    report = latest_simulation(state.engine)
    if report is None:
        raise HTTPException(404, "no simulation yet: run 'tradepilot plan simulate'")
    return report


@router.get("/plans/simulations/jobs/{job_id}", response_model=SimulationJobPublic)
def get_simulation_job(state: State, job_id: str) -> dict[str, Any]:
    """Progress of a policy simulation, then its report."""
    job = state.jobs.get(job_id)
    if not isinstance(job, SimulationJob):
        raise HTTPException(404, f"no simulation job {job_id!r}")
    return {**job.public(), "result": job.result}
