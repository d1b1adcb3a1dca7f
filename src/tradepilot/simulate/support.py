"""Simulated support messages with ground truth: language, intent, the order each
one is about, anger and chargeback threats.

The messages are written in the eight reply languages (en, de, fr, es, it, nl, pl,
sv) from phrases written for this simulator (``data/support_phrases.csv``, two per
intent and language, apart from the intent model's seed phrases), about the
simulated store's real orders:

- about half name their order number (web store ``#1234`` or Amazon
  ``123-1234567-1234567``); Amazon buyers write from the marketplace's relay
  address, web buyers from the e-mail of their order;
- a quarter name no number but come from a customer's e-mail: the truth is that
  customer's latest web order (what a seller would look up);
- a quarter are questions before buying (delivery times and options, payment
  methods) from addresses the store does not know: no order.

Some complaints and refund or payment messages are angry, and some of those threaten
a chargeback. The buyer writes in the language of the order's country when it is
one of the eight (an order is chosen from those countries when there is one).
``write_support`` saves the messages as an mbox mailbox and the truth as a CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import mailbox
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

PHRASES = Path(__file__).resolve().parent / "data" / "support_phrases.csv"
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl", "sv")
COUNTRIES = {"de": ("DE", "AT", "CH"), "fr": ("FR", "BE"), "es": ("ES",),
             "it": ("IT",), "nl": ("NL", "BE"), "pl": ("PL",), "sv": ("SE",),
             "en": ("GB", "US", "IE", "AU", "CA")}  # fmt: skip
PRESALES = ("delivery_period", "delivery_options", "check_payment_methods")
HEATED = ("complaint", "get_refund", "track_refund", "payment_issue")
SHOP = "support@demo-shop.example"

ANGRY = {
    "en": "I am furious, this is completely unacceptable!",
    "de": "Ich bin stinksauer, das ist absolut inakzeptabel!",
    "fr": "Je suis furieuse, c'est totalement inacceptable !",
    "es": "Estoy furiosa, ¡esto es totalmente inaceptable!",
    "it": "Sono furiosa, è del tutto inaccettabile!",
    "nl": "Ik ben woedend, dit is volstrekt onacceptabel!",
    "pl": "Jestem wściekła, to jest całkowicie nie do przyjęcia!",
    "sv": "Jag är rasande, det här är helt oacceptabelt!",
}
CHARGEBACK = {
    "en": "If this is not solved within 48 hours I will file a chargeback with my bank.",
    "de": "Wenn das nicht in 48 Stunden geklärt ist, lasse ich die Zahlung von meiner "
    "Bank zurückbuchen.",
    "fr": "Si ce n'est pas réglé sous 48 heures, je ferai opposition auprès de ma banque.",
    "es": "Si no se soluciona en 48 horas, pediré a mi banco un contracargo.",
    "it": "Se non risolvete entro 48 ore, chiederò lo storno alla mia banca.",
    "nl": "Als dit niet binnen 48 uur is opgelost, laat ik de betaling via mijn bank "
    "terugboeken.",
    "pl": "Jeśli nie zostanie to rozwiązane w 48 godzin, złożę w banku wniosek o "
    "chargeback.",
    "sv": "Om det inte är löst inom 48 timmar kommer jag att bestrida betalningen hos "
    "min bank.",
}
TRUTH_COLUMNS = ("message_id", "language", "intent", "order", "sender", "kind",
                 "angry", "chargeback")  # fmt: skip


def read_phrases() -> dict[tuple[str, str], list[tuple[str, str]]]:
    """``(language, intent) -> [(subject, text), ...]``; texts hold ``{ref}``."""
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    with PHRASES.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = (row["language"], row["intent"])
            found.setdefault(key, []).append((row["subject"], row["text"]))
    return found


def simulate_support(
    orders: pl.DataFrame, *, seed: int = 0, n: int = 400
) -> list[dict[str, Any]]:
    """``n`` support messages about ``orders`` (``SimulatedStore.orders``), each a
    dict with the message (``message_id, received_at, sender, sender_name,
    subject, body, channel``) and its truth (``language, intent, order, kind,
    angry, chargeback``; ``order`` empty when the message is about none).

    Examples
    --------
    >>> from tradepilot.simulate import SimulationConfig, simulate_store
    >>> store = simulate_store(SimulationConfig(seed=1, n_days=120, n_skus=20,
    ...                                         n_customers=200))
    >>> messages = simulate_support(store.orders, n=16)
    >>> sorted({m["language"] for m in messages}) == sorted(LANGUAGES)
    True
    """
    rng = np.random.default_rng(seed)
    phrases = read_phrases()
    shipped = orders.filter(pl.col("shipped_at").is_not_null()).sort("order_key")
    web = shipped.filter(pl.col("channel") == "web", pl.col("email").is_not_null())
    latest = web.sort("created_at").group_by("email").last().sort("email")
    order_intents = sorted({i for _, i in phrases if i not in PRESALES})
    messages = []
    for i in range(n):
        language = LANGUAGES[i % len(LANGUAGES)]
        draw = rng.random()
        kind = "number" if draw < 0.5 else "email" if draw < 0.75 else "none"
        if kind == "none":
            intent = PRESALES[int(rng.integers(len(PRESALES)))]
        else:
            intent = order_intents[int(rng.integers(len(order_intents)))]
        pool = latest if kind == "email" else shipped
        order = _pick(rng, pool, language) if kind != "none" else None
        angry = intent in HEATED and rng.random() < 0.4
        chargeback = angry and rng.random() < 0.5
        subject, text = phrases[(language, intent)][int(rng.integers(2))]
        body = text.replace(" {ref}", _reference(order, kind, language))
        body += f" {ANGRY[language]}" if angry else ""
        body += f" {CHARGEBACK[language]}" if chargeback else ""
        sender, name, channel = _sender(order, kind, i)
        messages.append(
            {
                "message_id": f"<support-{i + 1}@customers.demo-shop.example>",
                "received_at": _received(rng, order, orders),
                "sender": sender,
                "sender_name": name,
                "subject": subject,
                "body": f"{body}\n\n{name}".strip(),
                "channel": channel,
                "language": language,
                "intent": intent,
                "order": order["order_ref"] if order else "",
                "kind": kind,
                "angry": angry,
                "chargeback": chargeback,
            }
        )
    return messages


def _pick(
    rng: np.random.Generator, pool: pl.DataFrame, language: str
) -> dict[str, Any]:
    local = pool.filter(pl.col("country").is_in(COUNTRIES[language]))
    chosen = local if local.height else pool
    row: dict[str, Any] = chosen.row(int(rng.integers(chosen.height)), named=True)
    return row


def _sender(order: dict[str, Any] | None, kind: str, i: int) -> tuple[str, str, str]:
    if order is None:
        return f"visitor{i + 1}@example.org", "", "email"
    name = f"{order['first_name'] or ''} {order['last_name'] or ''}".strip()
    if order["channel"] == "amazon":
        tld = (order["marketplace"] or "Amazon.com").split("Amazon.", 1)[-1]
        key = int(order["order_key"])
        return f"b{key:07d}x@marketplace.amazon.{tld.lower()}", name, "amazon"
    return str(order["email"] or f"buyer{i + 1}@example.org"), name, "email"


def _received(
    rng: np.random.Generator, order: dict[str, Any] | None, orders: pl.DataFrame
) -> dt.datetime:
    if order is not None:
        base: dt.datetime = order["shipped_at"] or order["created_at"]
        return base + dt.timedelta(hours=int(rng.integers(24, 24 * 20)))
    last: dt.datetime = orders["created_at"].max()  # type: ignore[assignment]
    return last - dt.timedelta(hours=int(rng.integers(1, 24 * 60)))


FROM = {"en": "from", "de": "vom", "fr": "du", "es": "del", "it": "del", "nl": "van",
        "pl": "z dnia", "sv": "från"}  # fmt: skip


def _reference(order: dict[str, Any] | None, kind: str, language: str) -> str:
    """How the message names its order: the number, the order's date (a customer
    who writes from their e-mail) or nothing."""
    if order is None:
        return ""
    if kind == "number":
        return f" {order['order_ref']}"
    return f" {FROM[language]} {order['created_at'].date().isoformat()}"


def write_support(messages: list[dict[str, Any]], out_dir: Path) -> dict[str, Path]:
    """``support.mbox`` (the messages) and ``truth/support_messages.csv``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "truth").mkdir(exist_ok=True)
    paths = {
        "support": out_dir / "support.mbox",
        "truth_support": out_dir / "truth" / "support_messages.csv",
    }
    paths["support"].unlink(missing_ok=True)
    box = mailbox.mbox(paths["support"])
    try:
        for m in messages:
            email = EmailMessage()
            email["From"] = formataddr((m["sender_name"], m["sender"]))
            email["To"] = SHOP
            email["Subject"] = m["subject"]
            email["Date"] = format_datetime(m["received_at"])
            email["Message-ID"] = m["message_id"]
            email.set_content(m["body"])
            entry = mailbox.mboxMessage(email)
            entry.set_from("MAILER-DAEMON", m["received_at"].timetuple())
            box.add(entry)
        box.flush()
    finally:
        box.close()
    with paths["truth_support"].open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, TRUTH_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(
            {**m, "angry": int(m["angry"]), "chargeback": int(m["chargeback"])}
            for m in messages
        )
    return paths
