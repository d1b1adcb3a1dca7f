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
from tradepilot.domain.errors import DataValidationError, TradePilotError
from tradepilot.replenishment.approval_service import approve_lines
from tradepilot.replenishment.config import load_purchasing_config
from tradepilot.replenishment.leadtime_service import learn_lead_times
from tradepilot.replenishment.plan_store import (
    latest_plan,
    plan_download,
    stockout_weeks,
)
from tradepilot.replenishment.service import plan_restock
from tradepilot.replenishment.sim_policies import ORACLE_NOTE, POLICY_LABELS
from tradepilot.replenishment.simulate_service import latest_simulation

router = APIRouter(include_in_schema=False)
# How the simulation table names the policies and explains the oracle.
SIMULATION_WORDS: dict[str, Any] = {
    "policy_labels": POLICY_LABELS,
    "oracle_note": ORACLE_NOTE,
}


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
        **SIMULATION_WORDS,
    )


def _plan_context(state: Any, message: str = "", error: str = "") -> dict[str, Any]:
    plan = latest_plan(state.engine)
    calendar = stockout_weeks(plan["stockouts_projected"]) if plan else []
    return {"plan": plan, "calendar": calendar, "message": message, "error": error}


@router.get("/restock/plan.csv")
def restock_plan_csv(state: State, session: CurrentSession) -> Response:
    """The newest plan's lines as a CSV download named after the plan."""
    try:
        filename, text = plan_download(state.engine)
    except DataValidationError as exc:
        raise HTTPException(404, str(exc)) from None
    return Response(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/restock/plan", response_class=HTMLResponse)
def restock_plan(
    request: Request,
    state: State,
    session: CsrfSession,
    budget: Annotated[str, Form(max_length=32)] = "",
    service_level: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Re-optimise with the budget (and service level, percent or fraction) of the
    form."""
    try:
        plan_restock(
            state.engine,
            load_purchasing_config(state.settings.home),
            budget=_number("budget", budget),
            service_level=_number("service level", service_level),
        )
        context = _plan_context(state)
    except TradePilotError as exc:
        context = _plan_context(state, error=str(exc))
    return render(request, "partials/restock_plan.html", session=session, **context)


def _number(name: str, text: str) -> float | None:
    """A form field as a number, None when empty."""
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise DataValidationError(f"{name} is not a number: {text!r}") from None


@router.post("/restock/approve", response_class=HTMLResponse)
async def restock_approve(
    request: Request, state: State, session: CsrfSession
) -> Response:
    """Approve the ticked lines: draft purchase orders."""
    form = await request.form()
    ids = [int(str(v)) for v in form.getlist("line") if str(v).isdigit()]
    if not ids:
        context = _plan_context(state, error="Tick at least one line to approve.")
        return render(request, "partials/restock_plan.html", session=session, **context)
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
    return render(
        request,
        "partials/simulation_job.html",
        session=session,
        job=job,
        **SIMULATION_WORDS,
    )


@router.get("/restock/simulations/{job_id}", response_class=HTMLResponse)
def restock_simulation_job(
    request: Request, state: State, session: CurrentSession, job_id: str
) -> Response:
    """Progress of a simulation (polled by htmx), then its table."""
    job = state.jobs.get(job_id)
    if not isinstance(job, SimulationJob):
        raise HTTPException(404, "no such simulation job")
    return render(
        request,
        "partials/simulation_job.html",
        session=session,
        job=job,
        **SIMULATION_WORDS,
    )
