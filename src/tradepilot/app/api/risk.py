"""/api/v1/alerts and /api/v1/risk: monitors, alerts and order risk over REST."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from tradepilot.app.security import State, require_token
from tradepilot.risk.order_service import mark_order, risk_orders
from tradepilot.risk.service import list_alerts, run_monitors, triage_alert

router = APIRouter(
    prefix="/api/v1", dependencies=[Depends(require_token)], tags=["risk"]
)


@router.post("/monitors/run")
def monitors_run(
    state: State,
    date: Annotated[dt.date | None, Query(description="Today of the run")] = None,
) -> dict[str, Any]:
    """Run every monitor: ``alerts_open, new, updated, closed``."""
    return run_monitors(state.engine, home=state.settings.home, today=date)


@router.get("/alerts")
def alerts(
    state: State,
    kind: Annotated[str | None, Query(description="Only this kind")] = None,
    status: Literal["open", "snoozed", "done", "closed", "all"] = "open",
    limit: Annotated[
        int | None, Query(ge=1, le=1000, description="At most this many (default all)")
    ] = None,
    offset: Annotated[int, Query(ge=0, description="Skip this many first")] = 0,
) -> dict[str, Any]:
    """Alerts by money at stake, largest first; ``limit``/``offset`` page them."""
    return list_alerts(
        state.engine, kind=kind, status=None if status == "all" else status,
        limit=limit, offset=offset,
    )  # fmt: skip


@router.post("/alerts/{alert_id}/{action}")
def alert_action(
    state: State, alert_id: int, action: Literal["snooze", "done"]
) -> dict[str, Any]:
    """Snooze an alert or mark it done."""
    status = "snoozed" if action == "snooze" else "done"
    return triage_alert(state.engine, alert_id=alert_id, status=status)


@router.get("/risk/orders")
def orders(
    state: State,
    since: Annotated[dt.date | None, Query(description="Orders from this day")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, Any]:
    """Orders by fraud-risk score, highest first, with their top signals."""
    return risk_orders(state.engine, since=since, limit=limit)


@router.post("/risk/orders/{order}/mark")
def mark(state: State, order: str, label: Literal["fraud", "legit"]) -> dict[str, Any]:
    """Mark an order fraud or legit."""
    return mark_order(state.engine, order=order, label=label)
