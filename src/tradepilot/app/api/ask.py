"""POST /api/v1/ask (and /api/ask): the co-pilot over REST."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from tradepilot.app.security import State, require_token
from tradepilot.app.state import AppState

router = APIRouter(dependencies=[Depends(require_token)], tags=["assistant"])


class AskCreate(BaseModel):
    """A question, answered as of ``date`` (default: the newest order day)."""

    question: str = Field(default="", max_length=2000)
    date: dt.date | None = None


def answer(state: AppState, question: str, date: dt.date | None) -> dict[str, Any]:
    """Ask the co-pilot (the LLM of the settings, if any) and queue its proposals."""
    from tradepilot.assistant.ask_service import ask
    from tradepilot.cli.ask import submit_proposals
    from tradepilot.llm.client import ChatClient, llm_settings

    llm = llm_settings(state.settings)
    result = ask(
        state.engine,
        home=state.settings.home,
        question=question,
        today=date,
        client=ChatClient(llm) if llm else None,
    )
    submit_proposals(state.engine, result)
    return result


@router.post("/api/v1/ask")
def ask_route(state: State, body: AskCreate) -> dict[str, Any]:
    """``{"answer", "tool_calls", "unsupported_numbers", "proposals", ...}``."""
    return answer(state, body.question, body.date)


@router.post("/api/ask", include_in_schema=False)
def ask_alias(state: State, body: AskCreate) -> dict[str, Any]:
    """The same as /api/v1/ask."""
    return answer(state, body.question, body.date)
