"""The seller's intent corrections: what the triage got wrong, as training data.

``inbox correct ID --intent X`` (the API's ``PUT /api/v1/inbox/{id}/intent``, the
Inbox page's intent control) sets the message's intent to the seller's, with
confidence 1, and keeps the correction in the workspace file
``<home>/inbox/intent_corrections.csv`` (message key, text, language, intent,
previous intent, who and when; the latest correction of a message wins; see
:mod:`tradepilot.service.intent_corrections`). A file rather than a table: the
corrections are training data that outlive the messages' rows, beside the trained
models. ``support intents train --with-corrections`` adds them to the examples;
triage, run again, keeps a corrected intent rather than the model's. A message
with a reply draft not yet sent gets a new draft at once, for the corrected intent.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from tradepilot.service.inbox import empty_inbox, has_messages, now_utc, read_message
from tradepilot.service.intent_corrections import checked_intent, save_correction
from tradepilot.store.tables_service import support_drafts, support_messages


def correct_intent(
    engine: Engine,
    *,
    message_id: int,
    intent: str,
    home: Path,
    by: str = "owner",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Record the seller's intent for a message and use it at once.

    Returns
    -------
    dict
        ``{"id", "intent", "previous", "corrections", "draft", "notes"}``:
        ``corrections`` counts the workspace's corrections, ``draft`` the new
        draft when the message had one not yet sent (else None).

    Raises
    ------
    DataValidationError
        If the intent is not a label (see :func:`checked_intent`) or there is no
        message ``message_id``.
    """
    label = checked_intent(intent)
    if not has_messages(engine):
        return {**empty_inbox(message_id), "previous": None, "corrections": 0}
    at = now or now_utc()
    with engine.begin() as conn:
        row = read_message(conn, message_id)
        conn.execute(
            support_messages.update()
            .where(support_messages.c.id == message_id)
            .values(intent=label, confidence=1.0)
        )
        redraft = _has_unsent_draft(conn, message_id)
    saved = save_correction(home, row, label, by, at)
    notes = _notes(row, label, home)
    draft = None
    if redraft:
        from tradepilot.service.replies import draft_reply

        draft = draft_reply(engine, message_id=message_id, home=home, now=at)
    return {
        "id": message_id,
        "intent": label,
        "previous": row.intent,
        "corrections": saved,
        "draft": draft,
        "notes": notes,
    }


def _has_unsent_draft(conn: Connection, message_id: int) -> bool:
    latest = conn.execute(
        sa.select(support_drafts.c.sent_at)
        .where(support_drafts.c.message_id == message_id)
        .order_by(support_drafts.c.id.desc())
        .limit(1)
    ).first()
    return latest is not None and latest.sent_at is None


def _notes(row: Any, label: str, home: Path) -> list[str]:
    notes = []
    if not (row.text or "").strip():
        notes.append("the message has no text: the correction cannot train a model")
    known = _active_classes(home)
    if known is not None and label not in known:
        notes.append(
            f"{label!r} is not an intent of the model triage uses: train one with "
            "`tradepilot support intents train --with-corrections` to learn it "
            "(and write a reply template for it)"
        )
    return notes


def _active_classes(home: Path) -> set[str] | None:
    from tradepilot.service.triage import text_service

    module = text_service()
    if module is None or not hasattr(module, "intent_model"):
        return None
    return set(module.intent_model(home=home).classes_)
