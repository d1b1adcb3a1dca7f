"""``tradepilot brief``: the daily brief on screen, as JSON or by e-mail."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from tradepilot.cli.output import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    errors_as_messages,
    stdout,
    workspace_store,
)


def brief(
    date: Annotated[
        dt.datetime | None,
        typer.Option(
            "--date",
            formats=["%Y-%m-%d"],
            help="Last day reported (default: the newest order day).",
        ),
    ] = None,
    email: Annotated[
        bool,
        typer.Option("--email", help="Send it to brief_to of service.toml (SMTP)."),
    ] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """The daily brief: sales against forecast, cash, alerts by money, approvals
    waiting, and what changed since the last brief."""
    from tradepilot.approvals import waiting_approvals
    from tradepilot.assistant.brief_service import build_brief, send_brief

    day = date.date() if date else None
    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        waiting = waiting_approvals(engine)
        make = send_brief if email else build_brief
        report = make(engine, home=home, date=day, waiting=waiting)
    if as_json:
        emit_json(report)
        return
    if email:
        sent = report["email"]
        stdout.print(f"brief for {report['date']} sent to {sent['to']}: {sent['subject']}",
                     highlight=False)  # fmt: skip
        return
    stdout.print(report["text"], highlight=False, markup=False, end="", soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``brief`` to ``app``."""
    app.command()(brief)
