"""The Alerts page: open alerts by money at stake, 50 a page, with their evidence
and a link to the page that shows it; snooze or mark done. A kind with many open
alerts is one summary line until the seller shows it."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tradepilot.app.security import CsrfSession, CurrentSession, State
from tradepilot.app.web.pages import render
from tradepilot.domain.errors import TradePilotError
from tradepilot.risk.alert import KINDS, MONEY_MEANS
from tradepilot.risk.service import page_alerts, triage_alert

router = APIRouter(include_in_schema=False)

PER_PAGE = 50
GROUP_FROM = 20
"""Without a kind filter, a kind with more open alerts than this is one line."""


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    state: State,
    session: CurrentSession,
    kind: Annotated[str | None, Query()] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    every: Annotated[bool, Query(alias="all")] = False,
) -> Response:
    """Open alerts, largest money at stake first, one page of them."""
    try:
        found = page_alerts(
            state.engine, kind=kind or None, page=page, per_page=PER_PAGE,
            group_from=None if every else GROUP_FROM,
        )  # fmt: skip
    except TradePilotError as exc:
        return render(request, "alerts.html", session=session, error=str(exc),
                      alerts=[], kinds=KINDS, kind=kind)  # fmt: skip
    return render(
        request, "alerts.html", session=session, kinds=KINDS, kind=kind,
        every=every, money_means=MONEY_MEANS, summary=_by_kind(found["by_kind"]),
        open_count=sum(row["count"] for row in found["by_kind"]),
        links=_page_links(kind=kind, every=every, page=found["page"],
                          pages=found["pages"]),
        **found,
    )  # fmt: skip


def _by_kind(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """``(kind, open alerts)``, the kind of the largest alert first."""
    counts: dict[str, int] = {}
    for row in rows:  # already by largest alert; a kind may come in two currencies
        counts[row["kind"]] = counts.get(row["kind"], 0) + row["count"]
    return list(counts.items())


def _query(*, kind: str | None, every: bool, page: int) -> str:
    params: dict[str, Any] = {"kind": kind} if kind else {}
    if every:
        params["all"] = 1
    if page > 1:
        params["page"] = page
    return f"/alerts?{urlencode(params)}" if params else "/alerts"


def _page_links(
    *, kind: str | None, every: bool, page: int, pages: int
) -> dict[str, str | None]:
    """``previous`` and ``next`` page addresses (``None`` at either end)."""
    return {
        "previous": _query(kind=kind, every=every, page=page - 1) if page > 1 else None,
        "next": _query(kind=kind, every=every, page=page + 1) if page < pages else None,
    }


@router.post("/alerts/{alert_id}/{action}")
def alert_action(
    state: State,
    session: CsrfSession,
    alert_id: int,
    action: str,
    kind: Annotated[str, Form()] = "",
    page: Annotated[int, Form(ge=1)] = 1,
    every: Annotated[bool, Form(alias="all")] = False,
) -> Response:
    """Snooze an alert or mark it done, back to the same page of the list."""
    status = {"snooze": "snoozed", "done": "done"}.get(action, action)
    triage_alert(state.engine, alert_id=alert_id, status=status)
    target = _query(kind=kind or None, every=every, page=page)
    return RedirectResponse(target, status_code=303)
