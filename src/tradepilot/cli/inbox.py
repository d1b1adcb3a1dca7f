"""``tradepilot inbox import|list|show|triage|draft|approve|send|correct``: the
support inbox."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tradepilot.cli.output import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    errors_as_messages,
    rows_table,
    settings_for,
    stdout,
    workspace_store,
)

inbox_app = typer.Typer(
    help="Support inbox: import, triage, reply drafts, approval and sending.",
    no_args_is_help=True,
)
MessageArgument = Annotated[int, typer.Argument(help="Message id (see inbox list).")]


def import_(
    source: Annotated[
        Path | None,
        typer.Argument(help=".eml file or folder, .mbox mailbox, or CSV export."),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="YAML column mapping of a CSV export."),
    ] = None,
    imap: Annotated[
        bool, typer.Option("--imap", help="Read the IMAP mailbox of service.toml.")
    ] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import messages (re-importing adds nothing twice) and triage them."""
    from tradepilot.service.service import import_messages

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        report = import_messages(
            engine, home=home, path=source, mapping=mapping, imap=imap
        )
    if as_json:
        emit_json(report)
        return
    stdout.print(
        f"{report['name']}: read {report['read']}, added {report['added']},"
        f" already there {report['duplicates']},"
        f" without text {report['without_text']}"
    )
    for problem in report["problems"]:
        stdout.print(f"  not read: {problem['message']}: {problem['reason']}")
    for note in report["notes"]:
        stdout.print(f"  note: {note}")


def list_(
    status: Annotated[
        str | None,
        typer.Option("--status", help="new, drafted, approved or sent."),
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """The queue, most urgent first."""
    from tradepilot.service.service import list_messages

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        report = list_messages(engine, status=status)
    if as_json:
        emit_json(report)
        return
    for note in report["notes"]:
        stdout.print(note)
    if report["messages"]:
        stdout.print(
            rows_table(
                "Inbox (most urgent first)",
                report["messages"],
                [
                    "id",
                    "received_at",
                    "language",
                    "intent",
                    "sentiment",
                    "urgency",
                    "order",
                    "customer",
                    "status",
                    "subject",
                ],  # fmt: skip
                percents=("urgency",),
            )
        )


def show(
    message: MessageArgument,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """One message: its text, triage, entities, thread and latest draft."""
    from tradepilot.service.service import show_message

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        report = show_message(engine, message_id=message)
    if as_json:
        emit_json(report)
        return
    if "subject" not in report:
        for note in report["notes"]:
            stdout.print(note)
        return
    stdout.print(f"[bold]#{report['id']}[/] {report['subject']}", highlight=False)
    stdout.print(
        f"from {report['sender']} via {report['channel']} at"
        f" {report['received_at']}; {report['language'] or '?'} /"
        f" {report['intent'] or '?'} / {report['sentiment'] or '?'}; urgency"
        f" {report['urgency']:.0%} {', '.join(report['urgency_reasons'])}",
        highlight=False,
    )
    stdout.print(
        f"order {report['order'] or '—'}, customer {report['customer'] or '—'}"
    )
    stdout.print(report["text"] or "(no text)", highlight=False, markup=False)
    for attachment in report["attachments"]:
        stdout.print(f"  attachment: {attachment['name']} ({attachment['type']})")
    for note in report["notes"]:
        stdout.print(f"  note: {note}")


def triage(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Triage every message again (after training a new intent model)."""
    from tradepilot.service.service import retriage

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        report = retriage(engine, home=home)
    if as_json:
        emit_json(report)
        return
    stdout.print(f"triaged {report['triaged']} messages")
    for note in report["notes"]:
        stdout.print(f"  note: {note}")


def draft(
    message: MessageArgument,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Draft a reply from the intent's template and the store's facts."""
    from tradepilot.llm.client import ChatClient, llm_settings
    from tradepilot.service.service import draft_reply

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        llm = llm_settings(settings_for(workspace))
        client = ChatClient(llm) if llm else None
        report = draft_reply(engine, message_id=message, home=home, client=client)
    if as_json:
        emit_json(report)
        return
    _print_draft(report)


def _print_draft(report: dict[str, Any]) -> None:
    if report.get("draft") is None:
        for note in report.get("notes", []):
            stdout.print(note)
        return
    source = report.get("template") or report.get("llm")
    stdout.print(
        f"[bold]{report['subject']}[/] ({report['language']}, {report['intent']},"
        f" {source})",
        highlight=False,
    )
    stdout.print(report["draft"], highlight=False, markup=False)
    for flag in report["flags"]:
        stdout.print(f"  check: {flag}", highlight=False, markup=False)


def approve(
    message: MessageArgument,
    text: Annotated[
        Path | None,
        typer.Option("--text", help="A file holding the edited reply to approve."),
    ] = None,
    by: Annotated[str, typer.Option("--by", help="Who approves.")] = "owner",
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Approve the latest draft (marketplace buyers: ready to copy)."""
    from tradepilot.service.service import approve_draft

    body = text.read_text(encoding="utf-8") if text else None
    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        report = approve_draft(engine, message_id=message, by=by, body=body)
    if as_json:
        emit_json(report)
        return
    _print_draft(report)
    if "next" in report:
        stdout.print(f"approved; next: {report['next']}")


def send(
    message: MessageArgument,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send the approved reply by SMTP (service.toml)."""
    from tradepilot.service.service import send_reply

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        report = send_reply(engine, message_id=message, home=home)
    if as_json:
        emit_json(report)
        return
    if report.get("sent_at"):
        stdout.print(f"sent the reply to message {message} at {report['sent_at']}")
    for note in report.get("notes", []):
        stdout.print(note)


def correct(
    message: MessageArgument,
    intent: Annotated[
        str, typer.Option("--intent", help="The message's real intent (any label).")
    ],
    by: Annotated[str, typer.Option("--by", help="Who corrects.")] = "owner",
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Correct a message's intent: used at once (an unsent draft is drafted again)
    and kept as training data (support intents train --with-corrections)."""
    from tradepilot.service.service import correct_intent

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        report = correct_intent(
            engine, message_id=message, intent=intent, home=home, by=by
        )
    if as_json:
        emit_json(report)
        return
    if report.get("intent") is None:
        for note in report.get("notes", []):
            stdout.print(note)
        return
    stdout.print(
        f"message {message}: intent {report['previous'] or '–'} ->"
        f" [bold]{report['intent']}[/] ({report['corrections']} correction(s) kept"
        " for training: tradepilot support intents train --with-corrections)",
        highlight=False,
    )
    if report["draft"]:
        _print_draft(report["draft"])
    for note in report["notes"]:
        stdout.print(f"  note: {note}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``tradepilot inbox ...`` to ``app``."""
    inbox_app.command("import")(import_)
    inbox_app.command("list")(list_)
    inbox_app.command("show")(show)
    inbox_app.command("triage")(triage)
    inbox_app.command("draft")(draft)
    inbox_app.command("approve")(approve)
    inbox_app.command("send")(send)
    inbox_app.command("correct")(correct)
    app.add_typer(inbox_app, name="inbox")
