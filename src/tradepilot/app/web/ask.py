"""The Ask box of every page: an htmx POST to /ask, the answer rendered in place."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from tradepilot.app.security import CsrfSession, State
from tradepilot.app.web.pages import render
from tradepilot.domain.errors import TradePilotError

router = APIRouter(include_in_schema=False)


@router.post("/ask", response_class=HTMLResponse)
def ask_box(
    request: Request,
    state: State,
    session: CsrfSession,
    question: Annotated[str, Form(max_length=2000)] = "",
    date: Annotated[dt.date | None, Form()] = None,
) -> Response:
    """The answer to the Ask box's question (a partial)."""
    from tradepilot.app.api.ask import answer

    try:
        result = answer(state, question, date)
    except TradePilotError as exc:
        return render(request, "partials/ask_answer.html", session=session,
                      error=str(exc), result=None)  # fmt: skip
    return render(request, "partials/ask_answer.html", session=session,
                  result=result, error=None)  # fmt: skip
