"""Fixtures of the service tests: a workspace with a few orders, message builders,
a local SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.config import Settings
from tradepilot.ingest.service import import_file
from tradepilot.store import tables

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOW = dt.datetime(2024, 3, 8, 12, 0, tzinfo=dt.UTC)
ANNA = "anna.schmidt@example.com"


@pytest.fixture(autouse=True)
def fixed_text_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """A deterministic stand-in for tradepilot.text.service (abstains, neutral);
    tests that need other answers install their own, and
    ``test_triage_with_the_text_models`` uses the real one."""
    import sys
    import types

    fake = types.ModuleType("tradepilot.text.service")
    fake.detect_languages = lambda texts: [("en", 0.5) for _ in texts]  # type: ignore[attr-defined]
    fake.classify_intents = lambda texts, **_: [("unknown", 0.1) for _ in texts]  # type: ignore[attr-defined]
    fake.sentiment = lambda texts, **_: [("neutral", 0.5) for _ in texts]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tradepilot.text.service", fake)


@pytest.fixture
def home(store_settings: Settings, tmp_path: Path) -> Path:
    """The workspace folder (settings files, reply templates)."""
    folder = tmp_path / "home"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def shop(engine: Engine) -> Engine:
    """The store with the example till export (orders K-2024-0001 ...) and the
    e-mail of customer 10017."""
    import_file(
        engine,
        fmt="generic",
        path=EXAMPLES / "orders.example.csv",
        mapping=EXAMPLES / "mapping.example.yaml",
    )
    with engine.begin() as conn:
        customer = conn.execute(
            sa.select(tables.customers.c.id).where(
                tables.customers.c.external_id == "10017"
            )
        ).scalar_one()
        conn.execute(
            tables.customer_contacts.insert().values(
                customer_id=customer, email=ANNA, updated_at=NOW
            )
        )
    return engine


def make_eml(
    *,
    body: str = "Where is my order?",
    subject: str = "Order question",
    sender: str = f"Anna Schmidt <{ANNA}>",
    message_id: str | None = "<m1@example.com>",
    when: dt.datetime = NOW - dt.timedelta(hours=2),
    html: str | None = None,
    attachment: tuple[str, bytes] | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """An RFC 5322 message as bytes."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "support@shop.example"
    mail["Subject"] = subject
    mail["Date"] = format_datetime(when)
    if message_id:
        mail["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        mail[name] = value
    if body:
        mail.set_content(body)
    if html is not None:
        if body:
            mail.add_alternative(html, subtype="html")
        else:
            mail.set_content(html, subtype="html")
    if attachment is not None:
        name, data = attachment
        mail.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return bytes(mail)


@pytest.fixture
def write_eml(tmp_path: Path) -> Callable[..., Path]:
    """Write a message built by :func:`make_eml` to ``tmp/<name>.eml``."""

    def write(name: str = "message", **kwargs: Any) -> Path:
        path = tmp_path / f"{name}.eml"
        path.write_bytes(make_eml(**kwargs))
        return path

    return write


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Received:
    """What the local SMTP server received."""

    def __init__(self) -> None:
        self.mails: list[dict[str, Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.mails.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "data": envelope.content.decode("utf-8", "replace"),
            }
        )
        return "250 Message accepted for delivery"


@contextmanager
def local_smtp() -> Iterator[tuple[int, Received]]:
    """A real SMTP server on localhost (aiosmtpd), its port and its mailbag."""
    from aiosmtpd.controller import Controller

    received = Received()
    port = free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Received]]:
    """:func:`local_smtp` for one test."""
    with local_smtp() as server:
        yield server


def write_service_toml(home: Path, *, smtp_port: int = 25, extra: str = "") -> None:
    """A service.toml sending through the local server."""
    (home / "service.toml").write_text(
        'seller_name = "Lindqvist Home"\n'
        'signature = "Anna Lindqvist\\nLindqvist Home"\n'
        'reply_from = "support@lindqvist.example"\n'
        'languages_read = ["en", "de"]\n'
        'tracking_url = "https://track.example/{tracking}"\n'
        f"{extra}"
        "[smtp]\n"
        'host = "127.0.0.1"\n'
        f"port = {smtp_port}\n",
        encoding="utf-8",
    )
