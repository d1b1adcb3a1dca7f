"""The Forecasts page: find a SKU, its fan chart per country, model choice, accuracy."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from tradepilot.app.jobs import ForecastJob, running_forecast, start_forecast
from tradepilot.app.security import CsrfSession, CurrentSession, State
from tradepilot.app.web.pages import render
from tradepilot.domain.errors import DataValidationError
from tradepilot.forecasting.reports import list_series, run_summary, series_detail
from tradepilot.forecasting.service import ForecastSettings

router = APIRouter(include_in_schema=False)


@router.get("/forecasts", response_class=HTMLResponse)
def forecasts_page(
    request: Request,
    state: State,
    session: CurrentSession,
    sku: str = "",
    offset: int = 0,
) -> Response:
    """Worst series first, or the series of a SKU, with the latest backtest."""
    summary = run_summary(state.engine)
    series = list_series(state.engine, sku=sku or None, limit=25, offset=max(offset, 0))
    charts = []
    if sku:
        for row in series["data"][:6]:
            try:
                charts.append(series_detail(state.engine, row["unique_id"]))
            except DataValidationError:
                continue
    return render(
        request,
        "forecasts.html",
        session=session,
        summary=summary,
        series=series,
        sku=sku,
        offset=max(offset, 0),
        charts=charts,
    )


@router.post("/forecasts/run", response_class=HTMLResponse)
def forecasts_run(request: Request, state: State, session: CsrfSession) -> Response:
    """Start a forecast run with the default settings; answers with its progress
    (that of the run already going, if one is)."""
    job = running_forecast(state) or start_forecast(state, ForecastSettings(n_jobs=1))
    return render(request, "partials/forecast_job.html", session=session, job=job)


@router.get("/forecasts/jobs/{job_id}", response_class=HTMLResponse)
def forecasts_job(
    request: Request, state: State, session: CurrentSession, job_id: str
) -> Response:
    """Progress of a forecast run (polled by htmx), then its summary."""
    job = state.jobs.get(job_id)
    if not isinstance(job, ForecastJob):
        raise HTTPException(404, "no such forecast job")
    return render(request, "partials/forecast_job.html", session=session, job=job)
