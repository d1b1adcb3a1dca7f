"""``tradepilot ask QUESTION``: the co-pilot, with or without an LLM.

Proposals the LLM makes (a price change, a restock plan) go to the approval queue
(:func:`tradepilot.automation.service.propose`) here, at the edge: the assistant
itself never imports ``automation``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tradepilot.cli.output import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    errors_as_messages,
    settings_for,
    stdout,
    workspace_store,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

SOURCE = "assistant"


def submit_proposals(engine: Engine, result: dict[str, Any]) -> None:
    """Put the answer's proposals in the approval queue: each gets ``approval``
    (the queue id) or ``approval_error`` (why the queue refused it)."""
    from tradepilot.automation.service import propose
    from tradepilot.domain.errors import TradePilotError

    for proposal in result.get("proposals", []):
        try:
            proposal["approval"] = propose(
                engine,
                kind=proposal["kind"],
                title=proposal["title"],
                payload=proposal["payload"],
                source=SOURCE,
            )
        except TradePilotError as exc:
            proposal["approval_error"] = str(exc)


def ask(
    question: Annotated[
        str, typer.Argument(help="Your question; empty lists the built-in ones.")
    ] = "",
    date: Annotated[
        dt.datetime | None,
        typer.Option(
            "--date",
            formats=["%Y-%m-%d"],
            help="Answer as of this day (default: the newest order day).",
        ),
    ] = None,  # fmt: skip
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask the co-pilot about the business (an LLM when TRADEPILOT_LLM_URL is set)."""
    from tradepilot.assistant.ask_service import ask as ask_question
    from tradepilot.llm.client import ChatClient, llm_settings

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        llm = llm_settings(settings_for(workspace))
        result = ask_question(
            engine,
            home=home,
            question=question,
            today=date.date() if date else None,
            client=ChatClient(llm) if llm else None,
        )
        submit_proposals(engine, result)
    if as_json:
        emit_json(result)
        return
    stdout.print(result["answer"], highlight=False, markup=False)
    if result["unsupported_numbers"]:
        stdout.print(
            "check: no tool returned " + ", ".join(result["unsupported_numbers"]),
            style="bold yellow",
            highlight=False,
        )
    for proposal in result["proposals"]:
        queued = proposal.get("approval")
        stdout.print(
            f"proposed for approval (tradepilot approvals list, id {queued}):"
            f" {proposal['title']}"
            if queued
            else f"proposal not queued: {proposal.get('approval_error')}",
            highlight=False,
        )
    sources = sorted({c["name"] for c in result["tool_calls"]})
    if sources:
        stdout.print(f"(from: {', '.join(sources)}; as of {result['as_of']})",
                     style="dim", highlight=False)  # fmt: skip
    for note in result.get("notes", []):
        stdout.print(f"note: {note}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``ask`` to the ``tradepilot`` command."""
    app.command("ask")(ask)
