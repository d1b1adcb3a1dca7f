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

# The page's jargon, one line each: the glossary and the tooltips of the headings.
GLOSSARY = {
    "RMSSE": "Root mean squared scaled error: the forecast's error divided by that of"
    " a naive 'same as last period' forecast on the series' own history; below 1"
    " beats it, lower is better.",
    "MASE": "Mean absolute scaled error: like RMSSE, with absolute instead of squared"
    " errors.",
    "WAPE": "Weighted absolute percentage error: all absolute errors as a share of"
    " all units sold (0.30 = off by 30% of the volume).",
    "Bias": "Forecast minus units sold, as a share of units sold: above 0 forecasts"
    " too much, below 0 too little.",
    "Coverage": "80% / 95% cover: the share of held-out periods whose sales fell"
    " inside the 80% / 95% interval; close to 80% / 95% means honest intervals.",
    "Windows": "Cross-validation windows: recent stretches of a series hidden from"
    " each candidate model and then forecast, to score it on data it did not see"
    " (CV = scored that way).",
    "Backtest": "The whole method run as if on an earlier date and scored on the"
    " periods that followed, beside single-model baselines.",
    "Ensemble": "The median of the forecasts of the candidate models of a demand"
    " class.",
    "Smooth": "Sells in most periods, in similar quantities.",
    "Erratic": "Sells in most periods, in very different quantities.",
    "Intermittent": "Sells only in some periods, in similar quantities when it does.",
    "Lumpy": "Sells only in some periods, in very different quantities.",
    "New": "First sale fewer than 8 periods ago: too short for most models, so it is"
    " forecast from how the store's earlier launches sold at the same ages.",
    "Dead": "A dead series: no sale in the last 13 periods (or never); forecast as"
    " zero.",
}


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
        job=running_forecast(state),
        glossary=GLOSSARY,
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
    """Progress of a forecast run (polled by htmx), then its summary; once the run
    is done the answer tells htmx to reload the page, which then shows it."""
    job = state.jobs.get(job_id)
    if not isinstance(job, ForecastJob):
        raise HTTPException(404, "no such forecast job")
    response = render(request, "partials/forecast_job.html", session=session, job=job)
    if job.state == "done":
        response.headers["HX-Refresh"] = "true"
    return response
