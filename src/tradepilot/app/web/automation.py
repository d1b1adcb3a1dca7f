"""The Automation page: job runs and next runs, the approval queue (approve or
reject, htmx), notification deliveries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from tradepilot.app.security import CsrfSession, CurrentSession, State
from tradepilot.app.web.pages import render
from tradepilot.auth.service import Session
from tradepilot.automation.service import (
    decide,
    list_approvals,
    list_jobs,
    list_notifications,
)
from tradepilot.domain.errors import TradePilotError

router = APIRouter(include_in_schema=False)
RECENT = 20


@router.get("/automation", response_class=HTMLResponse)
def automation_page(
    request: Request, state: State, session: CurrentSession
) -> Response:
    """Jobs, approvals and deliveries."""
    jobs: dict[str, Any] = {"jobs": [], "runs": [], "notifications": {}}
    error = None
    try:
        jobs = list_jobs(state.engine, home=state.settings.home)
    except TradePilotError as exc:  # a malformed automation.toml: say so
        error = str(exc)
    return render(request, "automation.html", session=session, error=error,
                  deliveries=list_notifications(state.engine, limit=RECENT),
                  **jobs, **_queue(state))  # fmt: skip


def _queue(state: Any, message: str | None = None) -> dict[str, Any]:
    items = list_approvals(state.engine, status=None)
    return {
        "pending": [a for a in items if a["status"] == "pending"],
        "decided": [a for a in items if a["status"] != "pending"][:RECENT],
        "message": message,
    }


@router.post("/automation/approvals/{approval_id}/{action}")
def approval_action(
    request: Request,
    state: State,
    session: CsrfSession,
    approval_id: int,
    action: str,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Approve or reject, then the queue again (an htmx fragment)."""
    message = _decide(state, session, approval_id, action, reason)
    return render(request, "partials/approvals.html", session=session,
                  **_queue(state, message))  # fmt: skip


def _decide(
    state: Any, session: Session, approval_id: int, action: str, reason: str
) -> str:
    if action not in ("approve", "reject"):
        return f"unknown action {action!r}: approve or reject"
    try:
        item = decide(state.engine, approval_id=approval_id,
                      approve=action == "approve", home=state.settings.home,
                      by=session.email, reason=reason.strip() or None)  # fmt: skip
    except TradePilotError as exc:
        return str(exc)
    written = (item["result"] or {}).get("file")
    done = f"#{item['id']} {item['title']}: {item['status']}"
    return f"{done}; wrote {written}" if written else done
