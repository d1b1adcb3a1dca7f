"""The Restock page: the plan with its reasons, a budget that re-optimises, approval
into draft purchase orders, a calendar of projected stockouts, lead times and the
policy simulation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from tradepilot.app.jobs import SimulationJob, start_simulation
from tradepilot.app.security import CsrfSession, CurrentSession, State
from tradepilot.app.web.pages import render
from tradepilot.domain.errors import TradePilotError
from tradepilot.replenishment.config import load_purchasing_config
from tradepilot.replenishment.service import (
    approve_lines,
    latest_plan,
    learn_lead_times,
    plan_restock,
    stockout_weeks,
)
from tradepilot.replenishment.simulate_service import latest_simulation

router = APIRouter(include_in_schema=False)


@router.get("/restock", response_class=HTMLResponse)
def restock_page(request: Request, state: State, session: CurrentSession) -> Response:
    """The newest plan, the stockout calendar, lead times and the simulation."""
    home = state.settings.home
    config = load_purchasing_config(home)
    try:
        leadtimes: dict[str, Any] | None = learn_lead_times(
            state.engine, config, home=home
        )
    except TradePilotError:
        leadtimes = None
    return render(
        request,
        "restock.html",
        session=session,
        **_plan_context(state),
        leadtimes=leadtimes,
        simulation=latest_simulation(state.engine),
    )


def _plan_context(state: Any, message: str = "", error: str = "") -> dict[str, Any]:
    plan = latest_plan(state.engine)
    calendar = stockout_weeks(plan["stockouts_projected"]) if plan else []
    return {"plan": plan, "calendar": calendar, "message": message, "error": error}


@router.post("/restock/plan", response_class=HTMLResponse)
def restock_plan(
    request: Request,
    state: State,
    session: CsrfSession,
    budget: Annotated[str, Form(max_length=32)] = "",
    service_level: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Re-optimise with the budget (and service level) of the form."""
    try:
        amount = float(budget) if budget.strip() else None
        level = float(service_level) / 100 if service_level.strip() else None
        plan_restock(
            state.engine,
            load_purchasing_config(state.settings.home),
            budget=amount,
            service_level=level,
        )
        context = _plan_context(state)
    except ValueError:
        context = _plan_context(state, error=f"not a number: {budget!r}")
    except TradePilotError as exc:
        context = _plan_context(state, error=str(exc))
    return render(request, "partials/restock_plan.html", session=session, **context)


@router.post("/restock/approve", response_class=HTMLResponse)
async def restock_approve(
    request: Request, state: State, session: CsrfSession
) -> Response:
    """Approve the ticked lines: draft purchase orders."""
    form = await request.form()
    ids = [int(str(v)) for v in form.getlist("line") if str(v).isdigit()]
    try:
        result = approve_lines(state.engine, ids, approved_by=session.email)
        drafts = ", ".join(po["po_number"] for po in result["purchase_orders"])
        context = _plan_context(
            state, message=f"Approved {len(ids)} lines: draft {drafts}"
        )
    except TradePilotError as exc:
        context = _plan_context(state, error=str(exc))
    return render(request, "partials/restock_plan.html", session=session, **context)


@router.post("/restock/simulate", response_class=HTMLResponse)
def restock_simulate(request: Request, state: State, session: CsrfSession) -> Response:
    """Start the policy simulation; answers with its progress."""
    job = start_simulation(state)
    return render(request, "partials/simulation_job.html", session=session, job=job)


@router.get("/restock/simulations/{job_id}", response_class=HTMLResponse)
def restock_simulation_job(
    request: Request, state: State, session: CurrentSession, job_id: str
) -> Response:
    """Progress of a simulation (polled by htmx), then its table."""
    job = state.jobs.get(job_id)
    if not isinstance(job, SimulationJob):
        raise HTTPException(404, "no such simulation job")
    return render(request, "partials/simulation_job.html", session=session, job=job)
