"""The Alerts page: open alerts by money at stake, with their evidence and a link to
the page that shows it; snooze or mark done."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tradepilot.app.security import CsrfSession, CurrentSession, State
from tradepilot.app.web.pages import render
from tradepilot.domain.errors import TradePilotError
from tradepilot.risk.alert import KINDS
from tradepilot.risk.service import list_alerts, triage_alert

router = APIRouter(include_in_schema=False)


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    state: State,
    session: CurrentSession,
    kind: Annotated[str | None, Query()] = None,
) -> Response:
    """Open alerts, largest money at stake first."""
    try:
        found = list_alerts(state.engine, kind=kind or None)["alerts"]
    except TradePilotError as exc:
        return render(request, "alerts.html", session=session, error=str(exc),
                      alerts=[], kinds=KINDS, kind=kind)  # fmt: skip
    return render(request, "alerts.html", session=session, alerts=found,
                  kinds=KINDS, kind=kind, summary=_by_kind(found))  # fmt: skip


def _by_kind(alerts: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """``(kind, open alerts)``, the kind of the largest alert first."""
    counts: dict[str, int] = {}
    for alert in alerts:  # already largest money first
        counts[alert["kind"]] = counts.get(alert["kind"], 0) + 1
    return list(counts.items())


@router.post("/alerts/{alert_id}/{action}")
def alert_action(
    state: State,
    session: CsrfSession,
    alert_id: int,
    action: str,
    kind: Annotated[str, Form()] = "",
) -> Response:
    """Snooze an alert or mark it done, back to the list."""
    status = {"snooze": "snoozed", "done": "done"}.get(action, action)
    triage_alert(state.engine, alert_id=alert_id, status=status)
    target = f"/alerts?kind={kind}" if kind else "/alerts"
    return RedirectResponse(target, status_code=303)
