"""The grounding check: every number an LLM writes must come from the facts.

A *number* is an amount (``1,234.50``, ``1.234,50``, ``12.5%``), a date
(``2025-08-28``, ``28.08.2025``, ``28/08/2025``) or an order or tracking number
(``#1001``, ``A-2041``). A number in the answer is *supported* when the facts
(tool results, a message's facts, the question) hold the same value: equal after
removing thousands separators, or equal to a fact rounded to the answer's
decimals, or a share written as a percentage (0.125 -> 12.5%). Dates are
compared as dates. List markers (``1.`` at the start of a line) are not numbers.

Examples
--------
>>> unsupported_numbers("Revenue was 1,234.57 EUR on 2025-08-28.",
...                     [{"revenue": 1234.5678, "day": "2025-08-28"}])
[]
>>> unsupported_numbers("Margin fell 12% to 4,217.35 EUR.", [{"rate": 0.12}])
['4,217.35']
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
_DMY_DATE = r"\d{1,2}[./]\d{1,2}[./]\d{4}"
_NUMBER = r"\d{1,3}(?:[,.'\u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
TOKEN = re.compile(
    rf"(?<![\w.,])(?:(?P<date>{_ISO_DATE}|{_DMY_DATE})(?!\d)"
    rf"|(?P<code>#\w*\d[\w-]*|[A-Za-z]{{1,4}}-\d[\w-]*)(?!\w)"
    rf"|(?P<number>{_NUMBER})(?!\d|[.,]\d)(?P<percent>\s?%)?)"
)
_LIST_MARKER = re.compile(r"^\s*\d{1,2}[.)]\s", re.MULTILINE)


def numbers_in(text: str) -> list[tuple[str, str]]:
    """The numbers of ``text`` as ``(written, kind)``, kind ``date``, ``code``,
    ``number`` or ``percent``, in order.

    Examples
    --------
    >>> numbers_in("1. Order #1001 of 28.08.2025: 12.5% off 1.234,50 EUR")
    [('#1001', 'code'), ('28.08.2025', 'date'), ('12.5%', 'percent'), ('1.234,50', 'number')]
    """
    text = _LIST_MARKER.sub(" ", text)
    found: list[tuple[str, str]] = []
    for match in TOKEN.finditer(text):
        if match["date"]:
            found.append((match["date"], "date"))
        elif match["code"]:
            found.append((match["code"], "code"))
        elif match["percent"]:
            found.append((match.group(0).strip(), "percent"))
        else:
            found.append((match["number"].strip(), "number"))
    return found


def unsupported_numbers(answer: str, facts: Iterable[Any]) -> list[str]:
    """The numbers of ``answer`` that no fact in ``facts`` supports (see the
    module docstring), each once, in the order they appear.

    Parameters
    ----------
    answer : str
        The text an LLM wrote.
    facts : iterable
        Tool results, facts dicts, the question: anything JSON-serialisable.
    """
    known = _Known(json.dumps(list(facts), default=str, ensure_ascii=False))
    out: list[str] = []
    for written, kind in numbers_in(answer):
        if written not in out and not known.supports(written, kind):
            out.append(written)
    return out


class _Known:
    """The values the facts hold, normalised for comparison."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.dates: set[dt.date] = set()
        self.codes: set[str] = set()
        self.values: list[Decimal] = []
        for written, kind in numbers_in(text):
            if kind == "date":
                self.dates.update(_dates(written))
            elif kind == "code":
                self.codes.add(_code(written))
            else:
                self.values.extend(_values(written.rstrip("%").strip()))
        # a code may be stored without its prefix ("1001" for "#1001")
        self.codes |= {str(v) for v in self.values if v == v.to_integral_value()}

    def supports(self, written: str, kind: str) -> bool:
        if kind == "date":
            return bool(self.dates & _dates(written))
        if kind == "code":
            return _code(written) in self.codes or written in self.text
        candidates = _values(written.rstrip("%").strip())
        if kind == "percent":
            candidates += [v / 100 for v in candidates]
        return any(self._matches(c) for c in candidates)

    def _matches(self, value: Decimal) -> bool:
        exponent = value.as_tuple().exponent
        places = Decimal(1).scaleb(exponent if isinstance(exponent, int) else 0)
        for known in self.values:
            if known == value or abs(known) == abs(value):
                return True
            try:
                if known.quantize(places, rounding=ROUND_HALF_UP) == value:
                    return True
            except InvalidOperation:
                continue
        return False


def _code(written: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", written).upper()


def _dates(written: str) -> set[dt.date]:
    parts = [int(p) for p in re.split(r"[-./]", written)]
    if len(written) == 10 and written[4] == "-":
        candidates = [(parts[0], parts[1], parts[2])]
    else:  # day-first (28.08.2025) or month-first (08/28/2025)
        candidates = [(parts[2], parts[1], parts[0]), (parts[2], parts[0], parts[1])]
    out = set()
    for year, month, day in candidates:
        try:
            out.add(dt.date(year, month, day))
        except ValueError:
            continue
    return out


def _values(written: str) -> list[Decimal]:
    """The values ``written`` may mean: ``1,234`` is 1234 (or 1.234 in German)."""
    text = written.replace("\u00a0", " ").replace("\u202f", " ")
    text = text.replace("'", "").replace(" ", "").lstrip("+")
    readings = set()
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        readings.add(text.replace(thousands, "").replace(decimal, "."))
    elif "," in text or "." in text:
        sep = "," if "," in text else "."
        groups = text.split(sep)
        if len(groups) == 2:  # a decimal point ...
            readings.add(text.replace(sep, "."))
        if all(len(g) == 3 for g in groups[1:]):  # ... or thousands separators
            readings.add(text.replace(sep, ""))
    else:
        readings.add(text)
    out = []
    for reading in readings:
        try:
            out.append(Decimal(reading))
        except InvalidOperation:
            continue
    return out
