"""Pure parsing of payment files' cells: amounts, instants, order references.

Provider exports write amounts in the account's locale (``1,234.56`` or
``1.234,56``), dates in several layouts, and order references with or without the
shop's ``#``. These helpers read them exactly (``Decimal``) or return None, so that
an adapter quarantines the row with a reason instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

KINDS = (
    "charge",
    "refund",
    "fee",
    "chargeback",
    "reserve",
    "adjustment",
    "payout",
    "conversion",
    "tax",
    "transfer",
)
"""What a provider transaction is (``payment_transactions.kind``)."""

_SYMBOLS = re.compile(r"[\s\u00a0\u202f'€$£¥]|[A-Z]{3}")


def parse_amount(text: str | None) -> Decimal | None:
    """An amount as a provider writes it, exactly; None if it is not a number.

    The last of ``.`` and ``,`` is the decimal mark when both appear; a lone ``,``
    followed by one or two digits is a decimal comma. Spaces, apostrophes, currency
    symbols and codes are ignored; ``(12.00)`` is negative.

    Examples
    --------
    >>> parse_amount("1,234.56"), parse_amount("-1.234,56"), parse_amount("12,5")
    (Decimal('1234.56'), Decimal('-1234.56'), Decimal('12.5'))
    >>> parse_amount("(3.10)"), parse_amount("EUR 7"), parse_amount("n/a")
    (Decimal('-3.10'), Decimal('7'), None)
    """
    if text is None:
        return None
    value = _SYMBOLS.sub("", text.strip())
    negative = value.startswith("(") and value.endswith(")")
    value = value.strip("()")
    if "," in value and "." in value:
        thousands = "," if value.rfind(",") < value.rfind(".") else "."
        value = value.replace(thousands, "")
    if "," in value:
        value = (
            value.replace(",", ".")
            if re.search(r",\d{1,2}$", value)
            else value.replace(",", "")
        )
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", value):
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    return -amount if negative else amount


def parse_instant(
    text: str | None, formats: Sequence[str], *, default_tz: dt.tzinfo = dt.UTC
) -> dt.datetime | None:
    """The first of ``formats`` that reads ``text``, as a UTC instant; else None.

    A format without an offset reads the time in ``default_tz``.

    Examples
    --------
    >>> parse_instant("2024-03-05T14:07:33+01:00", ["%Y-%m-%dT%H:%M:%S%z"])
    datetime.datetime(2024, 3, 5, 13, 7, 33, tzinfo=datetime.timezone.utc)
    """
    if text is None or not text.strip():
        return None
    value = text.strip()
    for fmt in formats:
        try:
            parsed = dt.datetime.strptime(value, fmt)  # noqa: DTZ007 (tz below)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=default_tz)
        return parsed.astimezone(dt.UTC)
    return None


def order_number(reference: str | None) -> str | None:
    """The order number a payment names, as the order store keys it.

    Shops write ``#1001`` where providers often write ``1001``: the comparison key
    drops a leading ``#`` and surrounding spaces.

    Examples
    --------
    >>> order_number(" #1001 "), order_number("302-1234567-7654321"), order_number("")
    ('1001', '302-1234567-7654321', None)
    """
    if reference is None:
        return None
    value = reference.strip().lstrip("#").strip()
    return value or None


def row_digest(cells: Iterable[str | None]) -> str:
    """A short stable digest of a row's cells (keys of rows without an id)."""
    text = "\x1f".join("" if c is None else c for c in cells)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
