"""The inbox: import messages into the store, triage them, list and show them.

Messages are keyed by Message-ID (or a content hash), so importing the same
mailbox again adds nothing twice. Threads: a message joins the thread of any
message it references (``References`` / ``In-Reply-To``), else a thread of its
own subject and sender. Triage links each message to an order (an order number
it names, in the seller's formats) and, failing that, to the customer and latest
order of its sender's e-mail. An intent the seller corrected
(:mod:`~tradepilot.service.corrections`) stays the seller's when triage runs again.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.service.cleaning import clean_text
from tradepilot.service.config import ServiceConfig, load_service_config
from tradepilot.service.entities import OrderFormats
from tradepilot.service.intent_corrections import apply_corrections
from tradepilot.service.linking import link_messages
from tradepilot.service.mail import IncomingMessage, normalised_subject
from tradepilot.service.sources import Batch
from tradepilot.service.templates import LANGUAGES
from tradepilot.service.triage import triage_texts
from tradepilot.service.urgency import (
    DUE_SOON_BOOST,
    DUE_SOON_HOURS,
    OVERDUE_BOOST,
    deadline_urgency,
)
from tradepilot.store import tables
from tradepilot.store.tables_service import support_drafts, support_messages

FORMAT_SAMPLE = 5000  # order numbers read to learn the seller's formats
OPEN_STATUSES = ("new", "drafted")


def now_utc() -> dt.datetime:
    """The current time, UTC (one place to read the clock)."""
    return dt.datetime.now(dt.UTC)


def store_batch(
    engine: Engine, batch: Batch, *, home: Path, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Add the messages of ``batch`` not already stored, triage them, report.

    Returns
    -------
    dict
        ``source``, ``name``, ``read``, ``added``, ``duplicates``, ``without_text``,
        ``problems`` (messages not read, with the reason) and ``notes``.
    """
    at = now or now_utc()
    config = load_service_config(home)
    messages = sorted(batch.messages, key=lambda m: m.received_at)
    with engine.begin() as conn:
        known = _known_keys(conn, [m.key for m in messages])
        fresh: dict[str, IncomingMessage] = {}
        for message in messages:
            if message.key not in known and message.key not in fresh:
                fresh[message.key] = message
        threads = _threads(conn, list(fresh.values()))
        rows = [_row(m, threads[m.key], batch, config, at) for m in fresh.values()]
        if rows:
            conn.execute(support_messages.insert(), rows)  # one executemany
        ids = _ids_of(conn, [r["message_key"] for r in rows])
        notes = triage_messages(conn, ids, home=home)
    problems = list(batch.problems) + [
        {"message": m.key, "reason": p} for m in fresh.values() for p in m.problems
    ]
    return {
        "source": batch.source,
        "name": batch.name,
        "read": len(batch.messages),
        "added": len(rows),
        "duplicates": len(batch.messages) - len(rows),
        "without_text": sum(1 for r in rows if not r["text"]),
        "problems": problems,
        "notes": notes,
    }


def new_id(result: Any) -> int:
    """The primary key of the row an INSERT added."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _ids_of(conn: Connection, keys: list[str]) -> list[int]:
    """Ids of the messages with these keys."""
    found: list[int] = []
    for start in range(0, len(keys), 500):
        query = sa.select(support_messages.c.id).where(
            support_messages.c.message_key.in_(keys[start : start + 500])
        )
        found.extend(conn.execute(query).scalars())
    return found


def _known_keys(conn: Connection, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        query = sa.select(support_messages.c.message_key).where(
            support_messages.c.message_key.in_(chunk)
        )
        found.update(conn.execute(query).scalars())
    return found


def _threads(conn: Connection, messages: list[IncomingMessage]) -> dict[str, str]:
    """Thread key per message key: the thread of a referenced message, else the
    oldest reference, else subject and sender."""
    referenced = {r for m in messages for r in m.references}
    stored = (
        dict(
            conn.execute(
                sa.select(
                    support_messages.c.message_key, support_messages.c.thread_key
                ).where(support_messages.c.message_key.in_(sorted(referenced)))
            ).all()
        )
        if referenced
        else {}
    )
    threads: dict[str, str] = {}
    for message in messages:
        known = [stored.get(r) or threads.get(r) for r in message.references]
        found = next((k for k in known if k), None)
        if found is None and message.references:
            found = message.references[0]
        if found is None:
            subject = normalised_subject(message.subject)
            found = f"subject:{subject}|{message.sender_email or ''}"
        threads[message.key] = found[:255]
    return threads


def _row(
    message: IncomingMessage,
    thread: str,
    batch: Batch,
    config: ServiceConfig,
    at: dt.datetime,
) -> dict[str, Any]:
    hours = config.hours_to_reply(message.channel, marketplace=message.marketplace)
    attachments = [
        {"name": a.name, "type": a.content_type, "size": a.size}
        for a in message.attachments
    ]
    return {
        "message_key": message.key,
        "thread_key": thread,
        "source": batch.source,
        "source_name": batch.name[:512],
        "channel": message.channel[:32],
        "marketplace": message.marketplace,
        "received_at": message.received_at,
        "sender_email": message.sender_email,
        "sender_name": message.sender_name,
        "subject": message.subject,
        "body": message.body,
        "text": clean_text(message.body),
        "attachments": json.dumps(attachments),
        "in_reply_to": message.in_reply_to,
        "order_hint": message.order_hint,
        "reply_due_at": message.received_at + dt.timedelta(hours=hours),
        "status": "new",
        "imported_at": at,
    }


def triage_messages(
    conn: Connection, ids: list[int] | None, *, home: Path
) -> list[str]:
    """Triage the messages ``ids`` (None: all), store the results, return notes."""
    query = sa.select(
        support_messages.c.id,
        support_messages.c.message_key,
        support_messages.c.subject,
        support_messages.c.text,
        support_messages.c.sender_email,
        support_messages.c.order_hint,
    )
    if ids is not None:
        if not ids:
            return []
        query = query.where(support_messages.c.id.in_(ids))
    rows = conn.execute(query).all()
    if not rows:
        return []
    formats = OrderFormats.learn(_order_numbers(conn))
    texts = [row.text for row in rows]
    config = load_service_config(home)
    triage = triage_texts(
        texts,
        formats=formats,
        home=home,
        countries=_order_countries(conn),
        languages=[*LANGUAGES, *config.languages_read],
    )
    hints = [
        ([row.order_hint] if row.order_hint else [])
        + formats.find(row.subject)
        + entities["order_numbers"]
        for row, entities in zip(rows, triage.entities, strict=True)
    ]
    links = link_messages(conn, hints, [row.sender_email for row in rows])
    intents = apply_corrections(
        [row.message_key for row in rows],
        [(v.label, v.confidence) for v in triage.intents],
        home=home,
    )
    at = now_utc()
    updates = []
    for i, row in enumerate(rows):
        urgency, reasons = triage.urgency[i]
        notes = triage.notes + ([] if row.text else ["the message has no text"])
        updates.append(
            {
                "_id": row.id,
                "language": triage.languages[i].label,
                "language_confidence": triage.languages[i].confidence,
                "intent": intents[i][0],
                "confidence": intents[i][1],
                "sentiment": triage.sentiments[i].label,
                "sentiment_score": triage.sentiments[i].confidence,
                "entities": json.dumps(triage.entities[i]),
                "urgency": urgency,
                "urgency_reasons": json.dumps(reasons),
                "order_id": links[i].order_id,
                "order_number": links[i].order_number,
                "customer_id": links[i].customer_id,
                "triage_notes": json.dumps(notes),
                "triaged_at": at,
            }
        )
    columns = [k for k in updates[0] if k != "_id"]
    conn.execute(
        support_messages.update()
        .where(support_messages.c.id == sa.bindparam("_id"))
        .values({c: sa.bindparam(c) for c in columns}),
        updates,
    )
    return triage.notes


def _order_countries(conn: Connection) -> list[str]:
    """Countries the seller has sold to (their languages are the candidates)."""
    query = sa.select(tables.orders.c.country).distinct()
    return [c for c in conn.execute(query).scalars() if c]


def _order_numbers(conn: Connection) -> list[str]:
    """Order numbers to learn the seller's formats from: the newest and the oldest
    ``FORMAT_SAMPLE / 2`` each, by order date (ids follow the import order, and an
    export may list the newest first). A counter grows a digit (#9999 ->
    #10000): the newest alone taught only the long shape, and customers asking
    about an older order (#1480 in a store at #38000) were linked by e-mail to
    their latest order instead (a quarter of the full demo's messages)."""
    number, when = tables.orders.c.order_number, tables.orders.c.ordered_at
    half = FORMAT_SAMPLE // 2
    newest = conn.execute(sa.select(number).order_by(when.desc()).limit(half))
    oldest = conn.execute(sa.select(number).order_by(when).limit(half))
    return [*newest.scalars(), *oldest.scalars()]


# --- reading ---------------------------------------------------------------------


def list_messages(
    engine: Engine,
    *,
    now: dt.datetime | None = None,
    status: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> dict[str, Any]:
    """The queue, most urgent first (content urgency plus the reply deadline),
    ordered and paged by the database.

    Returns
    -------
    dict
        ``{"messages": [{id, received_at, language, intent, confidence,
        sentiment, urgency, order, customer, status, ...}], "count", "notes"}``.
    """
    at = now or now_utc()
    m = support_messages
    where = [m.c.status == status] if status else []
    query = (
        sa.select(
            m.c.id,
            m.c.received_at,
            m.c.language,
            m.c.intent,
            m.c.confidence,
            m.c.sentiment,
            m.c.urgency,
            m.c.urgency_reasons,
            m.c.reply_due_at,
            m.c.order_number,
            m.c.status,
            m.c.subject,
            m.c.sender_email,
            m.c.channel,
            m.c.marketplace,
            tables.customers.c.external_id,
        )  # fmt: skip
        .select_from(
            m.outerjoin(tables.customers, m.c.customer_id == tables.customers.c.id)
        )
        .where(*where)
        .order_by(_urgency_now(at).desc(), m.c.reply_due_at, m.c.id)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        count = conn.execute(
            sa.select(sa.func.count()).select_from(m).where(*where)
        ).scalar_one()
    messages = [_listed(row, at) for row in rows]
    return {
        "messages": messages,
        "count": count,
        "notes": [] if count else [EMPTY_NOTE],
    }


def _urgency_now(at: dt.datetime) -> Any:
    """Urgency with the deadline's share at ``at``, as SQL (see :func:`_listed`)."""
    m = support_messages
    open_ = m.c.status.in_(OPEN_STATUSES)
    boost = sa.case(
        (sa.and_(open_, m.c.reply_due_at <= at), OVERDUE_BOOST),
        (
            sa.and_(open_, m.c.reply_due_at <= at + dt.timedelta(hours=DUE_SOON_HOURS)),
            DUE_SOON_BOOST,
        ),
        else_=0.0,
    )
    total = sa.func.coalesce(m.c.urgency, 0.0) + boost
    return sa.case((total > 1.0, 1.0), else_=total)


def _listed(row: Any, at: dt.datetime) -> dict[str, Any]:
    open_ = row.status in OPEN_STATUSES
    boost, why = deadline_urgency(row.reply_due_at, at, open_=open_)
    reasons = json.loads(row.urgency_reasons or "[]") + ([why] if why else [])
    return {
        "id": row.id,
        "received_at": row.received_at.isoformat(),
        "language": row.language,
        "intent": row.intent,
        "confidence": row.confidence,
        "sentiment": row.sentiment,
        "urgency": round(min(1.0, (row.urgency or 0.0) + boost), 3),
        "order": row.order_number,
        "customer": row.external_id,
        "status": row.status,
        "subject": row.subject,
        "sender": row.sender_email,
        "channel": row.channel,
        "marketplace": row.marketplace,
        "reply_due_at": row.reply_due_at.isoformat() if row.reply_due_at else None,
        "urgency_reasons": reasons,
    }


EMPTY_NOTE = "no messages yet: import some with `tradepilot inbox import`"


def has_messages(engine: Engine) -> bool:
    """True once any message was imported."""
    with engine.connect() as conn:
        return (
            conn.execute(sa.select(support_messages.c.id).limit(1)).first() is not None
        )


def empty_inbox(message_id: int) -> dict[str, Any]:
    """What a verb on one message answers while the inbox is empty: a note, with
    the keys of the ``inbox draft`` contract empty."""
    return {
        "id": message_id,
        "language": None,
        "intent": None,
        "draft": None,
        "facts": {},
        "template": None,
        "flags": [],
        "notes": [EMPTY_NOTE],
    }


def read_message(conn: Connection, message_id: int) -> Any:
    """The stored row of one message.

    Raises
    ------
    DataValidationError
        If there is no message ``message_id``.
    """
    row = conn.execute(
        sa.select(support_messages).where(support_messages.c.id == message_id)
    ).first()
    if row is None:
        raise DataValidationError(
            f"no message {message_id}: `tradepilot inbox list` shows the ids"
        )
    return row


def show_message(
    engine: Engine, *, message_id: int, now: dt.datetime | None = None
) -> dict[str, Any]:
    """One message: what it says, its triage, its thread and its latest draft."""
    at = now or now_utc()
    if not has_messages(engine):
        return empty_inbox(message_id)
    with engine.connect() as conn:
        row = read_message(conn, message_id)
        customer = None
        if row.customer_id is not None:
            customer = conn.execute(
                sa.select(tables.customers.c.external_id).where(
                    tables.customers.c.id == row.customer_id
                )
            ).scalar()
        thread = conn.execute(
            sa.select(
                support_messages.c.id,
                support_messages.c.received_at,
                support_messages.c.subject,
                support_messages.c.status,
            )
            .where(support_messages.c.thread_key == row.thread_key)
            .order_by(support_messages.c.received_at)
        ).all()
        draft = conn.execute(
            sa.select(support_drafts)
            .where(support_drafts.c.message_id == message_id)
            .order_by(support_drafts.c.id.desc())
        ).first()
    boost, why = deadline_urgency(
        row.reply_due_at, at, open_=row.status in OPEN_STATUSES
    )
    reasons = json.loads(row.urgency_reasons or "[]") + ([why] if why else [])
    return {
        "id": row.id,
        "received_at": row.received_at.isoformat(),
        "channel": row.channel,
        "marketplace": row.marketplace,
        "sender": row.sender_email,
        "sender_name": row.sender_name,
        "subject": row.subject,
        "body": row.body,
        "text": row.text,
        "attachments": json.loads(row.attachments),
        "language": row.language,
        "language_confidence": row.language_confidence,
        "intent": row.intent,
        "confidence": row.confidence,
        "sentiment": row.sentiment,
        "sentiment_score": row.sentiment_score,
        "entities": json.loads(row.entities or "{}"),
        "urgency": round(min(1.0, (row.urgency or 0.0) + boost), 3),
        "urgency_reasons": reasons,
        "reply_due_at": row.reply_due_at.isoformat() if row.reply_due_at else None,
        "order": row.order_number,
        "customer": customer,
        "status": row.status,
        "thread": [
            {
                "id": t.id,
                "received_at": t.received_at.isoformat(),
                "subject": t.subject,
                "status": t.status,
            }
            for t in thread
        ],
        "draft": draft_view(draft) if draft is not None else None,
        "notes": json.loads(row.triage_notes or "[]"),
    }


def draft_view(draft: Any) -> dict[str, Any]:
    """A stored draft, JSON-ready (the ``inbox draft`` contract plus its state)."""
    view: dict[str, Any] = {
        "id": draft.id,
        "language": draft.language,
        "intent": draft.intent,
        "subject": draft.subject,
        "draft": draft.body,
        "facts": json.loads(draft.facts),
        "flags": json.loads(draft.flags),
        "approved_at": draft.approved_at.isoformat() if draft.approved_at else None,
        "sent_at": draft.sent_at.isoformat() if draft.sent_at else None,
        "delivery": draft.delivery,
    }
    if draft.llm:
        view["llm"] = draft.llm
    else:
        view["template"] = draft.template
    return view
