"""/api/v1/inbox: the support queue, one message, reply drafts, approval, sending.

Thin calls into :mod:`tradepilot.service.service`. Nothing is sent without
approval; marketplace buyers' approved drafts are ready to copy, not e-mailed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from tradepilot.app.security import State, require_token

router = APIRouter(
    prefix="/api/v1/inbox", dependencies=[Depends(require_token)], tags=["inbox"]
)

MessageId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Message id")]
Status = Literal["new", "drafted", "approved", "sent"]


class DraftEdit(BaseModel):
    """An edited reply text."""

    body: str = Field(min_length=1, max_length=20_000)


class Approval(BaseModel):
    """Who approves, and optionally the edited text approved."""

    by: str = Field(default="owner", min_length=1, max_length=128)
    body: str | None = Field(default=None, min_length=1, max_length=20_000)


@router.get("")
def list_inbox(
    state: State,
    status: Annotated[Status | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> dict[str, Any]:
    """The queue, most urgent first: ``{"messages": [{id, received_at, language,
    intent, confidence, sentiment, urgency, order, customer, status, ...}],
    "count"}``."""
    from tradepilot.service.service import list_messages

    return list_messages(state.engine, status=status, limit=limit, offset=offset)


@router.get("/{message_id}")
def get_message(state: State, message_id: MessageId) -> dict[str, Any]:
    """One message: text, triage, entities, thread, latest draft."""
    from tradepilot.service.service import show_message

    return show_message(state.engine, message_id=message_id)


@router.post("/{message_id}/draft")
def create_draft(state: State, message_id: MessageId) -> dict[str, Any]:
    """Draft a reply: ``{"language", "intent", "draft", "facts", "template" or
    "llm", "flags"}``."""
    from tradepilot.llm.client import ChatClient, llm_settings
    from tradepilot.service.service import draft_reply

    llm = llm_settings(state.settings)
    return draft_reply(state.engine, message_id=message_id, home=state.settings.home,
                       client=ChatClient(llm) if llm else None)  # fmt: skip


@router.put("/{message_id}/draft")
def update_draft(
    state: State, message_id: MessageId, edit: DraftEdit
) -> dict[str, Any]:
    """Replace the latest draft's text (withdraws any approval)."""
    from tradepilot.service.service import edit_draft

    return edit_draft(state.engine, message_id=message_id, body=edit.body)


@router.post("/{message_id}/approve")
def approve(state: State, message_id: MessageId, approval: Approval) -> dict[str, Any]:
    """Approve the latest draft (marketplace buyers: ready to copy)."""
    from tradepilot.service.service import approve_draft

    return approve_draft(
        state.engine, message_id=message_id, by=approval.by, body=approval.body
    )


@router.post("/{message_id}/send")
def send(state: State, message_id: MessageId) -> dict[str, Any]:
    """Send the approved reply by SMTP (``service.toml``)."""
    from tradepilot.service.service import send_reply

    return send_reply(state.engine, message_id=message_id, home=state.settings.home)


class IntentCorrection(BaseModel):
    """The seller's intent for a message (any label; not ``unknown``)."""

    intent: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][\w.-]*$")
    by: str = Field(default="owner", min_length=1, max_length=128)


@router.put("/{message_id}/intent")
def correct_intent(
    state: State, message_id: MessageId, correction: IntentCorrection
) -> dict[str, Any]:
    """Correct the message's intent: ``{"id", "intent", "previous", "corrections",
    "draft", "notes"}``; an unsent draft is drafted again for it, and the
    correction is kept as training data (``support intents train
    --with-corrections``)."""
    from tradepilot.service.service import correct_intent as correct

    return correct(
        state.engine,
        message_id=message_id,
        intent=correction.intent,
        home=state.settings.home,
        by=correction.by,
    )
