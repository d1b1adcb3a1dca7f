"""PayPal activity download (Activity > Statements > Activity download, CSV).

One row per balance movement: ``Date`` and ``Time`` in the account's ``TimeZone``,
``Type`` (``Express Checkout Payment``, ``Payment Refund``, ``General Currency
Conversion``, ``General Withdrawal``, ``Chargeback``, ...), ``Status``,
``Currency``, ``Gross``, ``Fee`` (negative: what PayPal kept), ``Net``,
``Transaction ID``, ``Reference Txn ID`` (the payment a refund, fee or conversion
belongs to), ``Invoice Number`` (the shop's order number) and ``Balance Impact``
(Credit, Debit, Memo). Dates are ``DD/MM/YYYY`` in most countries and
``MM/DD/YYYY`` in the US: the file's own dates decide, and a file whose every day
is 12 or less is read ``DD/MM`` with a note. A row that moves no money (Balance
Impact ``Memo``, or not ``Completed``) is kept as kind ``memo``. See
``docs/payments-formats.md``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from tradepilot.ingest.files import RawTable, optional_columns
from tradepilot.ingest.import_format import ImportContext, ImportFormat
from tradepilot.payments.adapters.base import (
    Parsed,
    Row,
    Txn,
    currency_reason,
    rows_of,
    transaction_loader,
)
from tradepilot.payments.adapters.layouts import (
    column_mapping,
    read_mapping,
    require_layout,
)
from tradepilot.payments.records import parse_amount, parse_instant

FORMAT = "paypal"
REQUIRED = {
    "date": ["Date"],
    "time": ["Time"],
    "timezone": ["TimeZone", "Time Zone"],
    "type": ["Type"],
    "status": ["Status"],
    "currency": ["Currency"],
    "gross": ["Gross"],
    "fee": ["Fee"],
    "net": ["Net"],
    "id": ["Transaction ID"],
}
OPTIONAL = {
    "reference": "Reference Txn ID",
    "invoice": "Invoice Number",
    "impact": "Balance Impact",
    "name": "Name",
    "title": "Item Title",
    "subject": "Subject",
}
_OFFSETS = {
    "UTC": 0, "GMT": 0, "WET": 0, "BST": 1, "CET": 1, "CEST": 2, "MEZ": 1,
    "MESZ": 2, "EET": 2, "EEST": 3, "PST": -8, "PDT": -7, "MST": -7, "MDT": -6,
    "CST": -6, "CDT": -5, "EST": -5, "EDT": -4, "AEST": 10, "AEDT": 11, "JST": 9,
}  # fmt: skip


def kind_of(type_text: str, gross: Decimal) -> str:
    """The kind of a PayPal ``Type``.

    Examples
    --------
    >>> kind_of("Express Checkout Payment", Decimal("10")), kind_of("Payment Refund",
    ...     Decimal("-10")), kind_of("General Currency Conversion", Decimal("5"))
    ('charge', 'refund', 'conversion')
    """
    text = type_text.lower()
    for words, kind in (
        (("refund",), "refund"),
        (("conversion",), "conversion"),
        (("withdrawal",), "payout"),
        (("chargeback", "reversal", "dispute"), "chargeback"),
        (("hold", "reserve", "release"), "reserve"),
        (("fee",), "fee"),
    ):
        if any(word in text for word in words):
            return kind
    if "payment" in text:
        return "charge" if gross > 0 else "transfer"
    if "deposit" in text or "transfer" in text:
        return "transfer"
    return "adjustment"


def parse(table: RawTable, ctx: ImportContext) -> Parsed:
    """PayPal rows as provider transactions (see the module docstring)."""
    mapping = column_mapping(read_mapping(ctx.mapping))
    columns = require_layout(table, FORMAT, REQUIRED, mapping=mapping)
    found = optional_columns(table, OPTIONAL.values())
    columns |= {k: found[v] for k, v in OPTIONAL.items() if v in found}
    rows = list(rows_of(table, columns))
    day_first, note = _day_first([r.get("date") or "" for r in rows])
    parsed = Parsed(notes=[note] if note else [])
    date_formats = (
        ["%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d"]
        if day_first
        else ["%m/%d/%Y", "%d.%m.%Y", "%Y-%m-%d"]
    )
    for row in rows:
        reason, txn = _txn(row, date_formats)
        if txn is None:
            parsed.bad.append((row.number, reason))
        else:
            parsed.rows.append(txn)
    return parsed


def _day_first(dates: list[str]) -> tuple[bool, str | None]:
    """Whether ``a/b/YYYY`` dates are day first, and a note when it is a guess."""
    parts = [d.split("/") for d in dates if d.count("/") == 2]
    firsts = [int(p[0]) for p in parts if p[0].isdigit()]
    seconds = [int(p[1]) for p in parts if p[1].isdigit()]
    if any(value > 12 for value in firsts):
        return True, None
    if any(value > 12 for value in seconds):
        return False, None
    if not parts:
        return True, None
    return True, "every date could be DD/MM or MM/DD: read as DD/MM/YYYY"


def _zone(name: str | None) -> dt.tzinfo | None:
    if not name:
        return dt.UTC
    upper = name.strip().upper()
    if upper in _OFFSETS:
        return dt.timezone(dt.timedelta(hours=_OFFSETS[upper]))
    for prefix in ("GMT", "UTC"):
        if upper.startswith(prefix) and len(upper) > len(prefix):
            sign, rest = upper[len(prefix)], upper[len(prefix) + 1 :]
            hours, _, minutes = rest.partition(":")
            if sign in "+-" and hours.isdigit():
                delta = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
                return dt.timezone(delta if sign == "+" else -delta)
    try:
        return zoneinfo.ZoneInfo(name.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _txn(row: Row, date_formats: list[str]) -> tuple[str, Txn | None]:
    zone = _zone(row.get("timezone"))
    if zone is None:
        return f"TimeZone {row.get('timezone')!r} is not a known time zone", None
    text = f"{row.get('date') or ''} {row.get('time') or '00:00:00'}"
    when = parse_instant(text, [f"{d} %H:%M:%S" for d in date_formats], default_tz=zone)
    if when is None:
        return f"Date and Time are not a date and time, got {text.strip()!r}", None
    currency = (row.get("currency") or "").upper()
    if (why := currency_reason(currency, "Currency")) is not None:
        return why, None
    gross = parse_amount(row.get("gross"))
    paypal_fee = parse_amount(row.get("fee") or "0")
    net = parse_amount(row.get("net"))
    if gross is None or paypal_fee is None or net is None:
        return (
            "Gross, Fee or Net is not a number"
            f" ({row.get('gross')!r}, {row.get('fee')!r}, {row.get('net')!r})"
        ), None
    if net != gross + paypal_fee:
        return f"Net {net} is not Gross + Fee ({gross + paypal_fee})", None
    type_text = row.get("type") or ""
    moves = (row.get("impact") or "").lower() != "memo" and (
        row.get("status") or ""
    ).lower() in ("completed", "")
    kind = kind_of(type_text, gross) if moves else "memo"
    return "", Txn(
        row=row.number,
        kind=kind,
        category=type_text or None,
        occurred_at=when,
        currency=currency,
        gross=gross,
        fee=-paypal_fee,  # PayPal writes what it kept as a negative Fee
        order_ref=row.get("invoice"),
        payout_id=row.get("id") if kind == "payout" else None,
        reference=row.get("reference"),
        external_id=row.get("id"),
        description=" | ".join(filter(None, [row.get("name"), row.get("title")]))
        or None,
    )


IMPORT_FORMAT = ImportFormat(
    FORMAT, "PayPal activity download (CSV)", transaction_loader(FORMAT, parse)
)
