"""``ask``: answer the owner's question about the business, as of a day.

With an LLM (``TRADEPILOT_LLM_URL``) the model answers by calling the read-only
tools of :mod:`tradepilot.assistant.tools`; without one, the built-in questions
are answered deterministically and any other question gets the list of them.
Either way the result is ``{"answer", "tool_calls", "unsupported_numbers",
"proposals", ...}``. Proposals are only returned: the CLI and the API put them in
the approval queue (the assistant does not import ``automation``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradepilot.assistant.ask import answer_builtin, answer_with_llm, builtin_questions
from tradepilot.assistant.tools import ToolContext
from tradepilot.domain.errors import DataValidationError
from tradepilot.workspace import newest_order_day

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tradepilot.llm.client import ChatClient

MAX_QUESTION = 2000

__all__ = ["ask", "builtin_questions"]


def ask(
    engine: Engine,
    *,
    home: Path,
    question: str,
    today: dt.date | None = None,
    client: ChatClient | None = None,
    max_rounds: int = 6,
) -> dict[str, Any]:
    """Answer ``question`` as of ``today`` (default: the newest order day).

    Parameters
    ----------
    engine, home
        The workspace.
    question : str
        In the owner's words; empty lists the built-in questions.
    today : datetime.date, optional
        The day the question is asked on.
    client : ChatClient, optional
        The LLM; None answers the built-in questions only.
    max_rounds : int
        Most replies the LLM may give (tool-call rounds plus the answer).

    Raises
    ------
    DataValidationError
        If the question is longer than 2,000 characters.
    ExternalServiceError
        If the LLM endpoint fails or talks nonsense (nothing is stored).
    """
    question = question.strip()
    if len(question) > MAX_QUESTION:
        raise DataValidationError(
            f"the question has {len(question)} characters; at most {MAX_QUESTION}"
        )
    notes = []
    try:
        day = today or newest_order_day(engine)
    except DataValidationError as exc:  # ask still lists what it can answer
        day = dt.datetime.now(dt.UTC).date()
        notes.append(str(exc))
    ctx = ToolContext(engine=engine, home=home, today=day)
    if client is None or not question:
        result = answer_builtin(ctx, question)
    else:
        result = answer_with_llm(ctx, question, client, max_rounds=max_rounds)
    result["notes"] = notes
    return result
