"""The Today page: the daily brief. The day's saved brief is shown when there is
one (a read of one row); otherwise it is built, and saved for the next visit."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tradepilot.app.security import CsrfSession, CurrentSession, State
from tradepilot.app.web.pages import render
from tradepilot.approvals import waiting_approvals
from tradepilot.assistant.brief import render_html
from tradepilot.assistant.brief_service import build_brief, todays_brief
from tradepilot.domain.errors import TradePilotError

router = APIRouter(include_in_schema=False)


@router.get("/today", response_class=HTMLResponse)
def today_page(
    request: Request,
    state: State,
    session: CurrentSession,
    date: Annotated[dt.date | None, Query()] = None,
) -> Response:
    """The brief of ``date`` (default: the newest order day)."""
    try:
        brief = todays_brief(
            state.engine,
            home=state.settings.home,
            date=date,
            waiting=waiting_approvals(state.engine),
        )
    except TradePilotError as exc:
        return render(request, "today.html", session=session, error=str(exc))
    return render(request, "today.html", session=session, brief=brief,
                  brief_html=render_html(brief))  # fmt: skip


@router.post("/today/rebuild")
def rebuild(
    state: State,
    session: CsrfSession,
    date: Annotated[dt.date | None, Query()] = None,
) -> Response:
    """Build the brief again (after new imports or a monitors run)."""
    brief = build_brief(
        state.engine,
        home=state.settings.home,
        date=date,
        waiting=waiting_approvals(state.engine),
    )
    return RedirectResponse(f"/today?date={brief['date']}", status_code=303)
