"""Columns of the four reference tables and how a text cell becomes a typed value.

Shared by the CSV loader and the what-if reader, so both accept exactly the same
values. A parser takes the cell text (``""`` for an empty cell) and returns the
value, or raises :class:`ValueError` whose message says what was expected.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pycountry

from tradepilot.reference.rows import DutyRate, FeeSchedule, ImportRegime, VatRate

Parser = Callable[[str], object]


@functools.cache
def _alpha2() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


def country(text: str) -> str:
    """Parse an ISO 3166-1 alpha-2 code (``"DE"``)."""
    if text not in _alpha2():
        raise ValueError("an ISO 3166-1 alpha-2 country code such as 'DE'")
    return text


def destination(text: str) -> str:
    """Parse a duty destination: alpha-2 code, ``EU`` or ``*``."""
    return text if text in ("EU", "*") else country(text)


def chapter(text: str) -> str:
    """Parse an HS chapter: two digits or ``*``."""
    if text != "*" and not re.fullmatch(r"\d\d", text):
        raise ValueError("a 2-digit HS chapter such as '61' or '*'")
    return text


def currency(text: str) -> str:
    """Parse an ISO-4217 code (three capital letters)."""
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise ValueError("an ISO-4217 currency code such as 'EUR'")
    return text


def day(text: str) -> dt.date:
    """Parse an ISO date ``YYYY-MM-DD``."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError("a date YYYY-MM-DD") from None


def amount(text: str) -> Decimal:
    """Parse a non-negative decimal number."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError("a non-negative number") from None
    if not value.is_finite() or value < 0:
        raise ValueError("a non-negative number")
    return value


def fraction(text: str) -> Decimal:
    """Parse a rate as a fraction in [0, 1) (``0.19`` for 19%)."""
    expected = "a rate as a fraction in [0, 1), e.g. 0.19 for 19%"
    try:
        value = amount(text)
    except ValueError:
        raise ValueError(expected) from None
    if value >= 1:
        raise ValueError(expected)
    return value


def optional_amount(text: str) -> Decimal | None:
    """Parse an optional non-negative number; empty means none."""
    return amount(text) if text else None


def one_of(*allowed: str) -> Parser:
    """Return a parser that accepts exactly one of ``allowed``."""

    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError("one of " + ", ".join(repr(a) for a in allowed))
        return text

    return parse


def required_text(text: str) -> str:
    """Parse a non-empty text."""
    if not text.strip():
        raise ValueError("a non-empty text")
    return text


def text(text: str) -> str:
    """Parse any text, empty allowed."""
    return text


@dataclass(frozen=True)
class Table:
    """One reference table: its file, row type, key and columns.

    Parameters
    ----------
    name : str
        Attribute of :class:`~tradepilot.reference.ReferenceData` (``"vat"``, ...).
    file : str
        CSV file name.
    row : type
        Row dataclass; column names equal its field names.
    key : tuple of str
        Columns identifying a timeline (besides ``effective_from``).
    columns : mapping of str to parser
        Every column, in file order.
    optional : frozenset of str
        Columns that may be missing from a file (default ``""``).
    """

    name: str
    file: str
    row: type
    key: tuple[str, ...]
    columns: Mapping[str, Parser]
    optional: frozenset[str] = frozenset({"note"})

    def build(self, values: Mapping[str, object]) -> object:
        """Return the row dataclass built from parsed ``values``."""
        return self.row(**values)


TABLES: dict[str, Table] = {
    "vat": Table(
        "vat",
        "vat_rates.csv",
        VatRate,
        ("country", "rate_type"),
        {
            "country": country,
            "rate_type": one_of("standard", "reduced"),
            "rate": fraction,
            "effective_from": day,
            "source": required_text,
            "note": text,
        },
    ),
    "regimes": Table(
        "regimes",
        "import_regimes.csv",
        ImportRegime,
        ("country",),
        {
            "country": country,
            "effective_from": day,
            "currency": currency,
            "duty_free_max": optional_amount,
            "vat_border_free_max": optional_amount,
            "seller_collects_max": optional_amount,
            "scheme": text,
            "flat_duty_per_item": optional_amount,
            "flat_duty_max": optional_amount,
            "duty_basis": one_of("CIF", "FOB"),
            "registration": text,
            "source": required_text,
            "note": text,
            "verified": one_of("", "stored-copy", "knowledge"),
        },
        frozenset({"note", "verified"}),
    ),
    "duties": Table(
        "duties",
        "duty_rates.csv",
        DutyRate,
        ("destination", "hs_chapter"),
        {
            "destination": destination,
            "hs_chapter": chapter,
            "rate": amount,
            "effective_from": day,
            "source": required_text,
            "note": text,
        },
    ),
    "fees": Table(
        "fees",
        "fees.csv",
        FeeSchedule,
        ("channel", "kind"),
        {
            "channel": required_text,
            "kind": one_of("marketplace", "payment"),
            "percent": fraction,
            "fixed": amount,
            "currency": currency,
            "effective_from": day,
            "source": required_text,
            "note": text,
        },
    ),
}
"""The four tables by :class:`~tradepilot.reference.ReferenceData` attribute."""
