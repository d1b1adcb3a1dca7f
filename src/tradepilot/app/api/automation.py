"""/api/v1/approvals, /api/v1/jobs, /api/v1/notifications: automation over REST."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, Field

from tradepilot.app.security import State, require_token
from tradepilot.automation.service import (
    decide,
    list_approvals,
    list_jobs,
    list_notifications,
    propose,
    run_job_now,
)

router = APIRouter(
    prefix="/api/v1", dependencies=[Depends(require_token)], tags=["automation"]
)


class ApprovalCreate(BaseModel):
    """An action to queue for approval."""

    kind: Literal["restock_plan", "price_change"]
    title: str = Field(min_length=1, max_length=300)
    payload: dict[str, Any]
    money_base: float | None = None
    source: str = "api"


@router.get("/approvals")
def approvals(
    state: State,
    status: Literal["pending", "approved", "rejected", "all"] = "pending",
) -> dict[str, Any]:
    """The approval queue, newest first: ``{data, count}``."""
    items = list_approvals(state.engine, status=None if status == "all" else status)
    return {"data": items, "count": len(items)}


@router.post("/approvals", status_code=201)
def approval_create(state: State, item: ApprovalCreate) -> dict[str, Any]:
    """Queue an action; the new approval."""
    new_id = propose(state.engine, kind=item.kind, title=item.title,
                     payload=item.payload, money_base=item.money_base,
                     source=item.source)  # fmt: skip
    return next(a for a in list_approvals(state.engine) if a["id"] == new_id)


@router.post("/approvals/{approval_id}/approve")
def approval_approve(state: State, approval_id: int) -> dict[str, Any]:
    """Approve: the action runs; the approval with its ``result``."""
    return decide(state.engine, approval_id=approval_id, approve=True,
                  home=state.settings.home, by="api")  # fmt: skip


@router.post("/approvals/{approval_id}/reject")
def approval_reject(
    state: State,
    approval_id: int,
    reason: Annotated[str | None, Body(embed=True)] = None,
) -> dict[str, Any]:
    """Reject, with an optional ``reason``."""
    return decide(state.engine, approval_id=approval_id, approve=False,
                  home=state.settings.home, by="api", reason=reason)  # fmt: skip


@router.get("/jobs")
def jobs(state: State) -> dict[str, Any]:
    """Jobs with schedule, next run and last run; the newest runs; deliveries by
    status."""
    return list_jobs(state.engine, home=state.settings.home)


@router.post("/jobs/{name}/run")
def job_run(state: State, name: str) -> dict[str, Any]:
    """Run one job now and wait for it; the run as recorded."""
    return run_job_now(state.engine, home=state.settings.home, name=name)


@router.get("/notifications")
def notifications(
    state: State,
    status: Literal["pending", "sent", "failed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Notification deliveries, newest first: ``{data, count}``."""
    items = list_notifications(state.engine, status=status, limit=limit)
    return {"data": items, "count": len(items)}
