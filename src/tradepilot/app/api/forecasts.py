"""/api/v1/forecasts: start a run, the latest run, its series, one series, the export."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from tradepilot.app.jobs import ForecastJob, start_forecast
from tradepilot.app.security import State, require_token
from tradepilot.forecasting.reports import list_series, run_summary, series_detail
from tradepilot.forecasting.service import ForecastSettings, export_csv

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


class ForecastRequest(BaseModel):
    """Parameters of a forecast run (as ``tradepilot forecast run``)."""

    horizon: int = Field(12, ge=1, le=104, description="Periods to forecast.")
    freq: Literal["W", "D", "M"] = "W"
    cutoff: dt.date | None = Field(
        None, description="Use only data before this date; forecast from its period."
    )
    levels: list[Annotated[int, Field(ge=50, le=99)]] = Field(
        default_factory=lambda: [80, 95], min_length=1, max_length=4
    )
    stockout_correction: bool = True


class SeriesProgressPublic(BaseModel):
    """Series done so far in the job's current stage."""

    done: int = Field(description="Series done in this stage.")
    total: int = Field(description="Series in all; 0 until the panel is built.")


class ForecastJobPublic(BaseModel):
    """A forecast run in the background; ``result`` once ``state`` is ``done``."""

    id: str
    state: str = Field(description="queued, running, done or failed")
    stage: str
    progress: SeriesProgressPublic
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None


@router.post("/runs", response_model=ForecastJobPublic, status_code=202)
def post_run(state: State, request: ForecastRequest) -> dict[str, Any]:
    """Start a forecast run in the background. Poll the returned job."""
    settings = ForecastSettings(
        horizon=request.horizon,
        freq=request.freq,
        cutoff=request.cutoff,
        levels=tuple(sorted(set(request.levels))),
        stockout_correction=request.stockout_correction,
        # one process: forking a threaded server for a worker pool is unsafe
        n_jobs=1,
    )
    return start_forecast(state, settings).public()


@router.get("/jobs/{job_id}", response_model=ForecastJobPublic)
def get_job(state: State, job_id: str) -> dict[str, Any]:
    """Progress of a forecast run, then its summary."""
    job = state.jobs.get(job_id)
    if not isinstance(job, ForecastJob):
        raise HTTPException(404, f"no forecast job {job_id!r}")
    return job.public()


@router.get(
    "/latest/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def get_export(state: State) -> Response:
    """The latest run as CSV (as ``tradepilot forecast export``)."""
    return Response(
        export_csv(state.engine),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="forecast.csv"'},
    )
