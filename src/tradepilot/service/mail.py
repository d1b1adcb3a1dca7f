"""Incoming messages: one e-mail (bytes of an ``.eml``, a message of an mbox or an
IMAP fetch) turned into an :class:`IncomingMessage`.

Pure: no store, no network. Threads are followed through ``In-Reply-To`` and
``References``; the body is the ``text/plain`` part, or the ``text/html`` part
reduced to text; attachments are listed (name, type, size), not kept.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import parseaddr, parsedate_to_datetime
from typing import Any

from tradepilot.service.cleaning import html_to_text

MARKETPLACES = frozenset(
    {"amazon", "ebay", "etsy", "zalando", "cdiscount", "allegro", "bol", "otto"}
)
"""Channels whose buyers are answered through the marketplace's own messaging."""

_MARKETPLACE_DOMAINS = {
    "marketplace.amazon": "amazon",
    "amazon.": "amazon",
    "members.ebay": "ebay",
    "ebay.": "ebay",
    "etsy.com": "etsy",
    "allegro.pl": "allegro",
}
_REPLY_PREFIX = re.compile(
    r"^\s*((re|aw|sv|odp|antw|r|fwd?|wg|tr|rv|i)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE
)


@dataclass(frozen=True)
class Attachment:
    """An attachment of a message: listed, its content not kept."""

    name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class IncomingMessage:
    """A message as read from its source, before triage.

    Attributes
    ----------
    key : str
        The Message-ID, or a hash of sender, date, subject and body when the
        source gives none: a re-import finds the same key.
    references : tuple of str
        Message-IDs of the thread, oldest first (``References`` then
        ``In-Reply-To``).
    channel : str
        ``email`` or a marketplace (``amazon``, ``etsy``, ...).
    order_hint : str or None
        An order number the source itself names (a CSV export's order column).
    """

    key: str
    received_at: dt.datetime
    sender_email: str | None
    sender_name: str | None
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    channel: str = "email"
    order_hint: str | None = None
    problems: tuple[str, ...] = field(default=())

    @property
    def marketplace(self) -> bool:
        """True when the buyer must be answered through the marketplace."""
        return self.channel in MARKETPLACES


def message_key(
    sender: str | None, received_at: dt.datetime, subject: str, body: str
) -> str:
    """A stable key for a message without a Message-ID.

    Examples
    --------
    >>> at = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    >>> message_key("a@b.c", at, "Hi", "text") == message_key("a@b.c", at, "Hi", "text")
    True
    """
    digest = hashlib.sha256(
        "\x1f".join([sender or "", received_at.isoformat(), subject, body]).encode()
    ).hexdigest()
    return f"sha256:{digest[:40]}"


def normalised_subject(subject: str) -> str:
    """The subject without reply and forward prefixes, lower case.

    Examples
    --------
    >>> normalised_subject("AW: Re: Where is my order?")
    'where is my order?'
    """
    return _REPLY_PREFIX.sub("", subject).strip().lower()


def parse_email(raw: bytes, *, default_time: dt.datetime) -> IncomingMessage:
    """Read one RFC 5322 message.

    Parameters
    ----------
    raw : bytes
        The message as stored (``.eml`` file, mbox entry, IMAP ``RFC822``).
    default_time : datetime
        Received time when the message has no readable ``Date`` header.
    """
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return from_message(message, default_time=default_time)


def from_message(message: Message, *, default_time: dt.datetime) -> IncomingMessage:
    """An :class:`IncomingMessage` from a parsed message (see :func:`parse_email`)."""
    problems: list[str] = []
    name, address = parseaddr(str(message.get("From", "")))
    sender = address.strip().lower() or None
    subject = _header(message, "Subject")
    received = _date(message, default_time, problems)
    body, attachments = _body(message, problems)
    references = tuple(re.findall(r"<[^<>\s]+>", _header(message, "References")))
    in_reply_to = _first_id(_header(message, "In-Reply-To"))
    if in_reply_to and in_reply_to not in references:
        references = (*references, in_reply_to)
    key = _first_id(_header(message, "Message-ID")) or message_key(
        sender, received, subject, body
    )
    return IncomingMessage(
        key=key[:255],
        received_at=received,
        sender_email=sender,
        sender_name=name.strip() or None,
        subject=subject,
        body=body,
        attachments=tuple(attachments),
        in_reply_to=in_reply_to,
        references=references,
        channel=channel_of(sender, _header(message, "X-Channel")),
        problems=tuple(problems),
    )


def channel_of(sender: str | None, declared: str = "") -> str:
    """``email`` or the marketplace whose relay address sent the message.

    Examples
    --------
    >>> channel_of("x1y2@marketplace.amazon.de")
    'amazon'
    >>> channel_of("anna@example.com")
    'email'
    """
    if declared.strip():
        return declared.strip().lower()
    domain = (sender or "").rpartition("@")[2]
    for marker, channel in _MARKETPLACE_DOMAINS.items():
        if marker in domain:
            return channel
    return "email"


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    return re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""


def _first_id(value: str) -> str | None:
    found = re.search(r"<[^<>\s]+>", value)
    return found.group(0) if found else (value.strip() or None)


def _date(
    message: Message, default_time: dt.datetime, problems: list[str]
) -> dt.datetime:
    text = _header(message, "Date")
    if not text:
        problems.append("no Date header: received at the import time")
        return default_time
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        problems.append(f"unreadable Date header {text!r}: received at import time")
        return default_time
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC)


def _body(message: Message, problems: list[str]) -> tuple[str, list[Attachment]]:
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        content_type = part.get_content_type()
        if filename or disposition == "attachment":
            payload = part.get_payload(decode=True)
            size = len(payload) if isinstance(payload, bytes) else 0
            attachments.append(Attachment(filename or "unnamed", content_type, size))
            continue
        if content_type in ("text/plain", "text/html"):
            text = _text_of(part, problems)
            (plain if content_type == "text/plain" else html).append(text)
    if any(p.strip() for p in plain):
        body = "\n".join(plain)
    else:
        body = "\n".join(html_to_text(h) for h in html)
    return body.replace("\r\n", "\n").strip(), attachments


def _text_of(part: Message, problems: list[str]) -> str:
    payload: Any = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload())
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        problems.append(
            f"text not in its declared charset {charset!r}: read as latin-1"
        )
        return payload.decode("latin-1")
