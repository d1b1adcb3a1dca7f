"""/api/v1/brief: the daily brief over REST."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from tradepilot.app.security import State, require_token
from tradepilot.approvals import waiting_approvals
from tradepilot.assistant.brief_service import build_brief

router = APIRouter(
    prefix="/api/v1", dependencies=[Depends(require_token)], tags=["assistant"]
)


@router.get("/brief")
def brief(
    state: State,
    date: Annotated[
        dt.date | None, Query(description="Last day reported (default: newest order)")
    ] = None,
) -> dict[str, Any]:
    """The daily brief, built now (and saved as the day's snapshot): sales against
    forecast, cash, alerts by money at stake, approvals waiting, changes."""
    return build_brief(
        state.engine,
        home=state.settings.home,
        date=date,
        waiting=waiting_approvals(state.engine),
    )
