"""Reply drafts: a template in the customer's language filled with the message's
facts, then approval, then sending (SMTP) or, for marketplace buyers, a draft
ready to copy into the marketplace's messaging.

Nothing is sent without approval: :func:`send_reply` refuses a draft that was not
approved, and an edit after approval withdraws the approval.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.service.config import ServiceConfig, load_service_config
from tradepilot.service.facts import message_facts
from tradepilot.service.inbox import (
    draft_view,
    empty_inbox,
    has_messages,
    new_id,
    now_utc,
    read_message,
)
from tradepilot.service.llm_drafts import llm_draft, wants_llm
from tradepilot.service.sending import send_mail
from tradepilot.service.templates import (
    LANGUAGES,
    choose,
    ensure_workspace_copies,
    load_templates,
    render,
)
from tradepilot.store.tables_service import support_drafts, support_messages

if TYPE_CHECKING:
    from tradepilot.llm.client import ChatClient

LOW_CONFIDENCE = 0.6  # below it, the draft asks a person to check the intent
FALLBACK_LANGUAGE = "en"


def draft_reply(
    engine: Engine,
    *,
    message_id: int,
    home: Path,
    now: dt.datetime | None = None,
    client: ChatClient | None = None,
) -> dict[str, Any]:
    """Draft a reply to message ``message_id`` and store it (a new draft each call).

    With ``client`` (the optional LLM), intents without a template and free-form
    messages are drafted by the LLM in the customer's language
    (:mod:`tradepilot.service.llm_drafts`); the draft then has ``llm`` instead
    of ``template``.

    Returns
    -------
    dict
        ``{"id", "language", "intent", "subject", "draft", "facts", "template"
        or "llm", "flags", ...}``.

    Raises
    ------
    ExternalServiceError
        If the LLM endpoint fails (nothing is stored).
    """
    at = now or now_utc()
    if not has_messages(engine):
        return empty_inbox(message_id)
    config = load_service_config(home)
    ensure_workspace_copies(home)
    with engine.begin() as conn:
        message = read_message(conn, message_id)
        facts = message_facts(conn, message, config=config, home=home, today=at.date())
        language, flags = _language(message, config, llm=client is not None)
        shipped = language if language in LANGUAGES else FALLBACK_LANGUAGE
        templates = load_templates(home, shipped)
        key, flag = choose(templates, message.intent)
        body, subject, missing = _compose(templates, key, facts)
        source: dict[str, str | None] = {"template": f"{key}/{language}"}
        if client is not None and wants_llm(message.intent, flag, message.language):
            language = message.language or language
            body, llm_flags = llm_draft(client, message, facts, language=language)
            flags += llm_flags
            source = {"template": None, "llm": client.model}
            missing = []  # the template's unfilled facts do not concern this draft
        else:
            flags += [flag] if flag else []
        flags += _flags(message, facts, missing)
        row = {
            "message_id": message_id,
            "language": language,
            "intent": message.intent or "unknown",
            "body": body,
            "subject": subject,
            "facts": json.dumps(facts, default=str),
            **source,
            "flags": json.dumps(flags),
            "created_at": at,
        }
        draft_id = new_id(conn.execute(support_drafts.insert().values(**row)))
        _set_status(conn, message_id, "drafted")
        return draft_view(_draft(conn, int(draft_id)))


def _language(
    message: Any, config: ServiceConfig, *, llm: bool = False
) -> tuple[str, list[str]]:
    flags = []
    language = message.language
    if language and language not in config.languages_read and llm:
        flags.append(
            f"the customer wrote in {language!r}, which service.toml's languages_read"
            " does not list: have the draft translated for you before approving"
        )
    elif language and language not in config.languages_read:
        flags.append(
            f"the customer wrote in {language!r}, which service.toml's languages_read"
            " does not list: without an LLM it cannot be translated here; check the"
            " intent, entities and linked order shown with the message"
        )
    if language in LANGUAGES or (llm and language):
        return language, flags  # templates in it, or the LLM writes in it
    if language is None:
        flags.append(f"language unknown: drafted in {FALLBACK_LANGUAGE!r}")
    else:
        flags.append(f"no templates in {language!r}: drafted in {FALLBACK_LANGUAGE!r}")
    return FALLBACK_LANGUAGE, flags


def _compose(
    templates: dict[str, Any], key: str, facts: dict[str, Any]
) -> tuple[str, str, list[str]]:
    words = templates.get("_words", {})
    fill = dict(facts)
    code = facts.get("order_status_code")
    if code:
        fill["order_status"] = words.get(code, code)
    fill["about_order"] = (
        render(words.get("about_order", ""), fill)[0]
        if facts.get("order_number")
        else ""
    )
    greeting = (
        words["greeting"] if facts.get("first_name") else words["greeting_anonymous"]
    )
    text, missing = render(templates[key]["body"], fill)
    signature = f"{words.get('closing', '')}\n{facts['signature']}".strip()
    body = f"{render(greeting, fill)[0]}\n\n{text}\n\n{signature}"
    subject = render(words.get("subject", "Re: {subject}"), fill)[0]
    return body, subject, missing


def _flags(message: Any, facts: dict[str, Any], missing: list[str]) -> list[str]:
    flags = [f"fact unknown, fill in before approving: {name}" for name in missing]
    if message.order_id is None:
        flags.append("no order linked: check the order number with the customer")
    if message.confidence is not None and message.confidence < LOW_CONFIDENCE:
        flags.append(f"intent confidence {message.confidence:.0%}: check the intent")
    if facts.get("outside_return_window"):
        flags.append("the order may be outside the return window")
    if message.marketplace:
        flags.append(
            f"{message.channel} buyer: answer through {message.channel}'s messaging"
            " (the approved draft is ready to copy; it is not e-mailed)"
        )
    if not message.text:
        flags.append("the message has no text: read its attachments")
    return flags


def _draft(conn: Connection, draft_id: int) -> Any:
    return conn.execute(
        sa.select(support_drafts).where(support_drafts.c.id == draft_id)
    ).one()


def latest_draft(conn: Connection, message_id: int) -> Any:
    """The newest draft of a message.

    Raises
    ------
    DataValidationError
        If the message has no draft yet.
    """
    found = conn.execute(
        sa.select(support_drafts)
        .where(support_drafts.c.message_id == message_id)
        .order_by(support_drafts.c.id.desc())
    ).first()
    if found is None:
        raise DataValidationError(
            f"message {message_id} has no draft yet: `tradepilot inbox draft"
            f" {message_id}` writes one"
        )
    return found


def _set_status(conn: Connection, message_id: int, status: str) -> None:
    conn.execute(
        support_messages.update()
        .where(support_messages.c.id == message_id)
        .values(status=status)
    )


def edit_draft(
    engine: Engine, *, message_id: int, body: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Replace the text of the latest draft (an edit withdraws any approval)."""
    if not body.strip():
        raise DataValidationError("the edited draft is empty")
    with engine.begin() as conn:
        read_message(conn, message_id)
        draft = latest_draft(conn, message_id)
        if draft.sent_at is not None:
            raise DataValidationError(f"the reply to message {message_id} was sent")
        conn.execute(
            support_drafts.update()
            .where(support_drafts.c.id == draft.id)
            .values(body=body, edited_at=now or now_utc(), approved_at=None)
        )
        _set_status(conn, message_id, "drafted")
        return draft_view(_draft(conn, draft.id))


def approve_draft(
    engine: Engine,
    *,
    message_id: int,
    by: str = "owner",
    body: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Approve the latest draft (optionally with an edited text).

    Marketplace messages are then ready to copy (``delivery: copy``); e-mail
    messages can be sent with :func:`send_reply`.
    """
    if not has_messages(engine):
        return empty_inbox(message_id)
    if body is not None:
        edit_draft(engine, message_id=message_id, body=body, now=now)
    with engine.begin() as conn:
        message = read_message(conn, message_id)
        draft = latest_draft(conn, message_id)
        if draft.sent_at is not None:
            raise DataValidationError(f"the reply to message {message_id} was sent")
        delivery = "copy" if message.marketplace else "smtp"
        conn.execute(
            support_drafts.update()
            .where(support_drafts.c.id == draft.id)
            .values(approved_at=now or now_utc(), approved_by=by, delivery=delivery)
        )
        _set_status(conn, message_id, "approved")
        view = draft_view(_draft(conn, draft.id))
    view["next"] = (
        f"copy the draft into {message.channel}'s buyer messaging"
        if message.marketplace
        else f"send it: tradepilot inbox send {message_id}"
    )
    return view


def send_reply(
    engine: Engine, *, message_id: int, home: Path, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Send the approved draft of an e-mail message through SMTP (``service.toml``).

    Raises
    ------
    DataValidationError
        If the draft is not approved, was sent already, the message came through a
        marketplace (answer there), or its sender is unknown.
    ExternalServiceError
        If the SMTP server refuses or cannot be reached (nothing is marked sent).
    """
    if not has_messages(engine):
        return empty_inbox(message_id)
    config = load_service_config(home)
    with engine.connect() as conn:
        message = read_message(conn, message_id)
        draft = latest_draft(conn, message_id)
    if draft.approved_at is None:
        raise DataValidationError(
            f"the draft for message {message_id} is not approved: nothing is sent"
            f" without approval (tradepilot inbox approve {message_id})"
        )
    if draft.sent_at is not None:
        raise DataValidationError(f"the reply to message {message_id} was sent already")
    if message.marketplace:
        raise DataValidationError(
            f"message {message_id} came through {message.channel}: answer it in"
            f" {message.channel}'s own messaging; the approved draft is ready to copy"
        )
    if not message.sender_email:
        raise DataValidationError(f"message {message_id} has no sender address")
    references = message.message_key if message.message_key.startswith("<") else None
    send_mail(
        config,
        to=message.sender_email,
        subject=draft.subject,
        body=draft.body,
        in_reply_to=references,
    )
    at = now or now_utc()
    with engine.begin() as conn:
        conn.execute(
            support_drafts.update()
            .where(support_drafts.c.id == draft.id)
            .values(sent_at=at, delivery="smtp")
        )
        _set_status(conn, message_id, "sent")
        return draft_view(_draft(conn, draft.id))
