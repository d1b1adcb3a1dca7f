"""/api/v1/customers: summary, the table, one customer, segments, lifetime value,
propensity, merges and the person's rights (GDPR erasure and access).

Thin calls into :mod:`tradepilot.customers` (imported inside the routes: it needs
scipy and scikit-learn). The customer table is cached per customers version: the
data version plus the newest merge, erasure and segment run.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from tradepilot.app.security import State, require_token
from tradepilot.app.state import AppState
from tradepilot.reporting.service import data_version
from tradepilot.store import tables

if TYPE_CHECKING:
    from tradepilot.customers.overview import CustomerTable

router = APIRouter(
    prefix="/api/v1/customers",
    dependencies=[Depends(require_token)],
    tags=["customers"],
)

AsOf = Annotated[dt.date | None, Query(description="Figures as of this day")]
Ref = Annotated[str, Query(min_length=1, max_length=300, description="Customer id")]


def customers_version(state: AppState) -> str:
    """Changes with any import or setting, merge, erasure or segment run."""
    parts = []
    with state.engine.connect() as conn:
        for table in (
            tables.customer_merges,
            tables.customer_erasures,
            tables.customer_segment_runs,
        ):
            parts.append(str(conn.execute(sa.select(sa.func.max(table.c.id))).scalar()))
    return f"{data_version(state.engine)}|{'|'.join(parts)}"


def cached_table(state: AppState) -> CustomerTable:
    """The customer table (figures, value, churn, segment), cached per version."""
    from tradepilot.customers.overview import CustomerTable, customer_table

    version = customers_version(state)
    found = state.cache.get("customer_table", version)
    if found is None:
        found = customer_table(state.engine, home=state.settings.home)
        state.cache.put("customer_table", version, found)
    assert isinstance(found, CustomerTable)
    return found


@router.get("/summary")
def get_summary(state: State, as_of: AsOf = None) -> dict[str, Any]:
    """Customers, repeat rate, revenue and margin, best customers, latest segments."""
    from tradepilot.customers.service import customer_summary

    return customer_summary(state.engine, home=state.settings.home, as_of=as_of)


@router.get("")
def list_customers(
    state: State,
    sort: Annotated[
        Literal["value", "churn", "revenue", "recent"],
        Query(description="value: expected value; churn: least likely to buy first"),
    ] = "value",
    search: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> dict[str, Any]:
    """Customers with figures, expected value, churn risk and segment (``{data, count}``)."""
    return cached_table(state).page(
        sort=sort, limit=limit, offset=offset, search=search
    )


@router.get("/segments")
def get_segments(state: State) -> dict[str, Any]:
    """The latest saved segments (computed and saved on the first call)."""
    from tradepilot.customers.service import customer_segments, latest_segments

    latest = latest_segments(state.engine)
    if latest is not None:
        return latest
    return customer_segments(state.engine, home=state.settings.home)


@router.post("/segments")
def refresh_segments(state: State, as_of: AsOf = None) -> dict[str, Any]:
    """Segment again and save the lists (a new run)."""
    from tradepilot.customers.service import customer_segments

    return customer_segments(state.engine, home=state.settings.home, as_of=as_of)


@router.get("/segments/export")
def export_segment_csv(
    state: State,
    name: Annotated[str, Query(min_length=1, max_length=64)],
    marketing: Annotated[
        bool, Query(description="Contact data, only customers who accept marketing")
    ] = False,
) -> Response:
    """The saved list of one segment as CSV."""
    from tradepilot.customers.overview import export_segment

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "segment.csv"
        export_segment(state.engine, name=name, out=path, marketing=marketing)
        body = path.read_bytes()
    return Response(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="segment.csv"'},
    )


class ClvQuery(BaseModel):
    """Parameters of ``customers clv``."""

    calibration_end: dt.date | None = None
    time_unit: Literal["W", "D"] = "W"
    horizon: float | None = Field(None, gt=0, le=5000)
    discount_rate: float = Field(0.10, ge=0, le=1)


def _clv(state: AppState, query: ClvQuery) -> Any:
    from tradepilot.customers.clv import ClvSettings
    from tradepilot.customers.service import customer_clv

    return customer_clv(
        state.engine,
        home=state.settings.home,
        settings=ClvSettings(**query.model_dump()),
    )


@router.get("/clv")
def get_clv(state: State, query: Annotated[ClvQuery, Query()]) -> dict[str, Any]:
    """Lifetime value: the fitted BG/NBD and Gamma-Gamma, the holdout check."""
    result: dict[str, Any] = _clv(state, query).as_dict()
    return result


@router.get("/clv/export")
def export_clv(state: State, query: Annotated[ClvQuery, Query()]) -> Response:
    """Per-customer predictions as CSV (the columns of ``customers clv --export``)."""
    report = _clv(state, query)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clv.csv"
        report.export(path)
        body = path.read_bytes()
    return Response(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="clv.csv"'},
    )


@router.get("/propensity")
def get_propensity(
    state: State, cutoff: Annotated[dt.date | None, Query()] = None
) -> dict[str, Any]:
    """Next-90-days buyers: gradient boosting vs the RFM score, AUC on held-out time."""
    from tradepilot.customers.overview import buyer_propensity

    return buyer_propensity(state.engine, home=state.settings.home, cutoff=cutoff)


class MergeRequest(BaseModel):
    """Two customers to join into one profile."""

    first: str = Field(min_length=1, max_length=300)
    second: str = Field(min_length=1, max_length=300)
    reason: str | None = Field(None, max_length=500)


@router.post("/merge")
def post_merge(state: State, request: MergeRequest) -> dict[str, Any]:
    """Join two customers into one profile."""
    from tradepilot.customers.privacy import merge_customers

    return merge_customers(
        state.engine, left=request.first, right=request.second, reason=request.reason
    )


@router.post("/unmerge")
def post_unmerge(state: State, ref: Ref) -> dict[str, Any]:
    """Take a customer record out of its profile."""
    from tradepilot.customers.privacy import unmerge_customer

    return unmerge_customer(state.engine, ref=ref)


@router.post("/forget")
def post_forget(state: State, ref: Ref) -> dict[str, Any]:
    """Erase the person's personal data everywhere (GDPR); orders stay anonymous."""
    from tradepilot.customers.privacy import forget_customer

    return forget_customer(state.engine, ref=ref)


@router.get("/person")
def get_person(state: State, ref: Ref) -> dict[str, Any]:
    """Everything stored about one person (GDPR access request)."""
    from tradepilot.customers.privacy import export_person

    return export_person(state.engine, ref=ref)


@router.get("/profile")
def get_customer(state: State, ref: Ref, as_of: AsOf = None) -> dict[str, Any]:
    """One customer: records and why, contact, figures, segment, value, orders."""
    from tradepilot.customers.overview import show_customer

    return show_customer(state.engine, home=state.settings.home, ref=ref, as_of=as_of)
