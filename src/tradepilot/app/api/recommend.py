"""/api/v1/recommendations: a customer's lists, frequently bought together, the
export of every customer's lists and the held-out evaluation."""

from __future__ import annotations

import datetime as dt
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from tradepilot.app.security import State, require_token
from tradepilot.app.state import AppState
from tradepilot.recommend.pipeline import RecommendConfig
from tradepilot.recommend.service import (
    RecommendationRun,
    UnknownEntityError,
    evaluate_recommendations,
    export_recommendations,
    fit_recommendations,
    frequently_bought_together,
    recommend_for,
)
from tradepilot.reporting.service import data_version

router = APIRouter(
    prefix="/api/v1/recommendations",
    dependencies=[Depends(require_token)],
    tags=["recommendations"],
)

K = Annotated[int, Query(ge=1, le=100, description="Items per list")]
AsOf = Annotated[
    dt.date | None, Query(description="Use purchases before this day (default all)")
]
_FIT_LOCK = threading.Lock()  # one fit at a time: the next request reuses it


def cached_run(
    state: AppState, *, as_of: dt.date | None = None, k: int = 10
) -> RecommendationRun:
    """:func:`~tradepilot.recommend.service.fit_recommendations`, cached per data
    version, ``as_of`` and ``k`` (a fit takes seconds to a minute)."""
    key, version = f"recommend:{as_of}:{k}", data_version(state.engine)
    with _FIT_LOCK:
        found = state.cache.get(key, version)
        if found is None:
            found = fit_recommendations(
                state.engine, as_of=as_of, config=RecommendConfig(k=k)
            )
            state.cache.put(key, version, found)
    assert isinstance(found, RecommendationRun)
    return found


def customer_lists(
    state: AppState, customer: str, *, as_of: dt.date | None = None, k: int = 10
) -> dict[str, Any]:
    """A customer's ``next`` and ``new`` lists from the cached run."""
    run = cached_run(state, as_of=as_of, k=k)
    return recommend_for(state.engine, customer=customer, run=run)


@router.get("/customers/{customer}")
def get_customer(state: State, customer: str, as_of: AsOf = None, k: K = 10) -> Any:
    """The customer's next products and new products to try, each with a reason
    (``customer`` as in the source file, e.g. ``17850``)."""
    try:
        return customer_lists(state, customer, as_of=as_of, k=k)
    except UnknownEntityError as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/products/{sku:path}/together")
def get_together(state: State, sku: str, as_of: AsOf = None, k: K = 10) -> Any:
    """Products frequently bought in the same orders, with support, confidence
    and lift."""
    try:
        return frequently_bought_together(state.engine, sku=sku, as_of=as_of, k=k)
    except UnknownEntityError as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/export", response_class=Response)
def get_export(state: State, as_of: AsOf = None, k: K = 10) -> Response:
    """Every customer's lists as CSV: ``list, customer, rank, sku, score,
    reason``."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "recommendations.csv"
        export_recommendations(state.engine, out=out, as_of=as_of, k=k)
        body = out.read_bytes()
    return Response(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": "attachment; filename=recommendations.csv"},
    )


@router.get("/evaluation")
def get_evaluation(
    state: State,
    cutoff: Annotated[dt.date, Query(description="First held-out day")],
    test_weeks: Annotated[int, Query(ge=1, le=104)] = 12,
    k: K = 10,
) -> Any:
    """Every method's recall@k, NDCG@k and new-item recall on the weeks held out
    from ``cutoff`` (as ``tradepilot recommend evaluate --json``; slow: it fits
    every model twice)."""
    return evaluate_recommendations(
        state.engine, cutoff=cutoff, test_weeks=test_weeks, k=k
    )
