"""The Inbox page: the support queue ordered by urgency, one message with its
triage, linked order and customer, and its reply draft with the facts used, to
edit, approve and send (htmx partials)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response

from tradepilot.app.security import CsrfSession, CurrentSession, State
from tradepilot.app.web.pages import render
from tradepilot.domain.errors import TradePilotError

router = APIRouter(include_in_schema=False)

MessageId = Annotated[int, Path(ge=1, le=2**31 - 1)]
QUEUE_ROWS = 100  # the page shows the most urgent; the API pages through all


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, state: State, session: CurrentSession) -> Response:
    """The queue, most urgent first."""
    from tradepilot.service.service import list_messages

    queue = list_messages(state.engine, limit=QUEUE_ROWS)
    return render(
        request,
        "inbox.html",
        session=session,
        messages=queue["messages"],
        count=queue["count"],
        notes=queue["notes"],
    )


@router.get("/inbox/message/{message_id}", response_class=HTMLResponse)
def message_pane(
    request: Request, state: State, session: CurrentSession, message_id: MessageId
) -> Response:
    """One message and its latest draft (htmx)."""
    return _pane(request, state, session, message_id)


def _pane(
    request: Request,
    state: State,
    session: Any,
    message_id: int,
    error: str | None = None,
    done: str | None = None,
) -> Response:
    from tradepilot.service.service import show_message

    try:
        message = show_message(state.engine, message_id=message_id)
    except TradePilotError as exc:
        return render(
            request, "partials/inbox_message.html", session=session, error=str(exc)
        )
    return render(
        request,
        "partials/inbox_message.html",
        session=session,
        message=message,
        draft=message.get("draft"),
        error=error,
        done=done,
    )


@router.post("/inbox/message/{message_id}/draft", response_class=HTMLResponse)
def draft(
    request: Request, state: State, session: CsrfSession, message_id: MessageId
) -> Response:
    """Draft a reply from the intent's template (htmx)."""
    from tradepilot.llm.client import ChatClient, llm_settings
    from tradepilot.service.service import draft_reply

    llm = llm_settings(state.settings)
    client = ChatClient(llm) if llm else None
    return _act(
        request, state, session, message_id,
        lambda: draft_reply(state.engine, message_id=message_id,
                            home=state.settings.home, client=client),
        "drafted",
    )  # fmt: skip


@router.post("/inbox/message/{message_id}/approve", response_class=HTMLResponse)
def approve(
    request: Request,
    state: State,
    session: CsrfSession,
    message_id: MessageId,
    body: Annotated[str, Form(min_length=1, max_length=20_000)],
) -> Response:
    """Approve the draft as edited in the form (htmx)."""
    from tradepilot.service.service import approve_draft

    return _act(
        request, state, session, message_id,
        lambda: approve_draft(
            state.engine, message_id=message_id, by=session.email, body=body
        ),
        "approved",
    )  # fmt: skip


@router.post("/inbox/message/{message_id}/send", response_class=HTMLResponse)
def send(
    request: Request, state: State, session: CsrfSession, message_id: MessageId
) -> Response:
    """Send the approved reply by SMTP (htmx)."""
    from tradepilot.service.service import send_reply

    return _act(
        request, state, session, message_id,
        lambda: send_reply(state.engine, message_id=message_id, home=state.settings.home),
        "sent",
    )  # fmt: skip


def _act(
    request: Request,
    state: State,
    session: Any,
    message_id: int,
    action: Any,
    done: str,
) -> Response:
    try:
        action()
    except TradePilotError as exc:
        return _pane(request, state, session, message_id, error=str(exc))
    return _pane(request, state, session, message_id, done=done)


@router.post("/inbox/message/{message_id}/intent", response_class=HTMLResponse)
def correct(
    request: Request,
    state: State,
    session: CsrfSession,
    message_id: MessageId,
    intent: Annotated[str, Form(min_length=1, max_length=64)],
) -> Response:
    """Correct the message's intent (htmx); an unsent draft is drafted again."""
    from tradepilot.service.service import correct_intent

    return _act(
        request, state, session, message_id,
        lambda: correct_intent(
            state.engine, message_id=message_id, intent=intent,
            home=state.settings.home, by=session.email,
        ),
        "intent corrected",
    )  # fmt: skip
