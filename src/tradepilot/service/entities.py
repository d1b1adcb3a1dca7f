"""Entities of a support message: order numbers in the seller's own formats,
e-mail addresses, tracking numbers, amounts and countries.

Order-number formats are learnt from the order numbers in the store
(:class:`OrderFormats`): each number becomes a shape (``#1605`` -> ``#\\d{4}``,
``305-9298972-1234567`` -> ``\\d{3}-\\d{7}-\\d{7}``) and the shapes that cover the
orders are searched for in the text. A leading ``#`` is optional in the text
("order 1605"). Pure: the store is read by the caller.

Examples
--------
>>> formats = OrderFormats.learn(["#1605", "#1606", "305-9298972-1234567"])
>>> formats.find("Order 1605 and 305-9298972-1234567 never came")
['#1605', '305-9298972-1234567']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

MIN_SHARE = 0.01  # a shape must cover this share of the orders to be searched for
MAX_SHAPES = 8

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_TRACKING = [
    ("UPS", re.compile(r"\b1Z[0-9A-Z]{16}\b")),
    (
        "postal",
        re.compile(r"\b[A-Z]{2}\d{9}[A-Z]{2}\b"),
    ),  # UPU S10 (La Poste, PostNL...)
    ("DHL", re.compile(r"\bJJD\d{16,20}\b")),
]
_TRACKING_WORD = re.compile(
    r"(tracking|sendungs(nummer)?|suivi|seguimiento|tracciamento|track\s*(and|&)\s*trace"
    r"|numer przesy[łl]ki|sp[åa]rnings?(nummer)?)\D{0,20}\b(?P<code>[0-9A-Z]{10,30})\b",
    re.IGNORECASE,
)
_CURRENCIES = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "$": "USD", "usd": "USD",
    "£": "GBP", "gbp": "GBP", "zł": "PLN", "zl": "PLN", "pln": "PLN", "sek": "SEK",
    "kr": "SEK", "chf": "CHF", "dkk": "DKK", "nok": "NOK",
}  # fmt: skip
_SYMBOL = r"(€|\$|£|zł|zl|kr|eur|euros?|usd|gbp|pln|sek|chf|dkk|nok)"
_NUMBER = r"(\d{1,3}(?:[.,\s]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
_AMOUNT = re.compile(
    rf"(?<![\w.,]){_SYMBOL}\s?{_NUMBER}(?![\d])|(?<![\w.,]){_NUMBER}\s?{_SYMBOL}(?!\w)",
    re.IGNORECASE,
)

# Country names as buyers write them in the reply languages (ISO code -> names).
_COUNTRY_NAMES = {
    "DE": "germany deutschland allemagne alemania germania duitsland niemcy tyskland",
    "AT": "austria österreich autriche oostenrijk austria österrike",
    "CH": "switzerland schweiz suisse suiza svizzera zwitserland szwajcaria",
    "FR": "france frankreich francia frankrijk francja frankrike",
    "ES": "spain spanien espagne españa spagna spanje hiszpania",
    "IT": "italy italien italie italia italië włochy",
    "NL": "netherlands niederlande pays-bas países bajos paesi bassi nederland holandia",
    "BE": "belgium belgien belgique bélgica belgio belgië belgia",
    "PL": "poland polen pologne polonia polska",
    "SE": "sweden schweden suède suecia svezia zweden szwecja sverige",
    "DK": "denmark dänemark danemark dinamarca danimarca denemarken dania danmark",
    "GB": "united kingdom uk england großbritannien royaume-uni reino unido regno unito",
    "US": "united states usa vereinigte staaten états-unis estados unidos stati uniti",
    "IE": "ireland irland irlande irlanda ierland irlandia",
    "PT": "portugal portogallo portugalia",
}
_COUNTRY_WORDS = {
    word: code
    for code, names in _COUNTRY_NAMES.items()
    for word in ([n for n in names.split() if n not in {"united", "kingdom", "states"}])
}
_COUNTRY_PHRASES = {
    "united kingdom": "GB", "united states": "US", "royaume-uni": "GB",
    "reino unido": "GB", "regno unito": "GB", "vereinigte staaten": "US",
    "estados unidos": "US", "stati uniti": "US", "países bajos": "NL",
    "paesi bassi": "NL",
}  # fmt: skip


def shape_of(number: str) -> str:
    """The regex shape of an order number: digit runs by length, letters literal.

    Examples
    --------
    >>> shape_of("305-9298972-1234567")
    '\\\\d{3}\\\\-\\\\d{7}\\\\-\\\\d{7}'
    >>> shape_of("#1605")
    '\\\\#\\\\d{4}'
    """
    parts = []
    for run in re.finditer(r"\d+|[A-Za-z]+|.", number):
        text = run.group(0)
        parts.append(rf"\d{{{len(text)}}}" if text.isdigit() else re.escape(text))
    return "".join(parts)


@dataclass(frozen=True)
class OrderFormats:
    """The seller's order-number shapes, as regexes (learnt by :meth:`learn`)."""

    shapes: tuple[str, ...]

    @classmethod
    def learn(cls, numbers: Iterable[str]) -> OrderFormats:
        """The shapes that cover at least :data:`MIN_SHARE` of ``numbers``."""
        counts = Counter(shape_of(n) for n in numbers if n)
        total = sum(counts.values())
        kept = [s for s, c in counts.most_common(MAX_SHAPES) if c >= MIN_SHARE * total]
        return cls(tuple(kept))

    def find(self, text: str) -> list[str]:
        """Order numbers of these shapes in ``text``, as the store writes them, in
        order of appearance, each once."""
        found: dict[str, int] = {}
        for shape in self.shapes:
            prefix = re.match(r"^((?:\\[^\w\s]|[^\w\\])+)", shape)
            lead = prefix.group(1) if prefix else ""
            core = shape[len(lead) :]
            pattern = rf"(?<![\w-])({lead})?({core})(?![\w]|-\w)"
            for match in re.finditer(pattern, text):
                written = re.sub(r"\\(.)", r"\1", lead) + match.group(2)
                found.setdefault(written, match.start())
        return sorted(found, key=found.__getitem__)


def find_emails(text: str) -> list[str]:
    """E-mail addresses in ``text``, lower case, each once."""
    return list(dict.fromkeys(m.group(0).lower() for m in _EMAIL.finditer(text)))


def find_tracking(text: str) -> list[dict[str, str]]:
    """Tracking numbers: UPS, UPU S10, DHL, and codes written after "tracking" (in
    the reply languages).

    Examples
    --------
    >>> find_tracking("Tracking: 1Z999AA10123456784")
    [{'number': '1Z999AA10123456784', 'carrier': 'UPS'}]
    """
    found: dict[str, str] = {}
    for carrier, pattern in _TRACKING:
        for match in pattern.finditer(text):
            found.setdefault(match.group(0), carrier)
    for match in _TRACKING_WORD.finditer(text):
        code = match.group("code")
        if any(c.isdigit() for c in code):
            found.setdefault(code, "unknown")
    return [{"number": n, "carrier": c} for n, c in found.items()]


def parse_amount(text: str) -> Decimal | None:
    """A written amount as a decimal ("1.249,50" and "1,249.50" both 1249.50).

    Examples
    --------
    >>> parse_amount("1.249,50"), parse_amount("12,5"), parse_amount("1,249")
    (Decimal('1249.50'), Decimal('12.5'), Decimal('1249'))
    """
    compact = text.replace(" ", "").replace("\xa0", "")
    decimal = re.search(r"[.,](\d{1,2})$", compact)
    if decimal:
        whole = re.sub(r"[.,]", "", compact[: decimal.start()])
        compact = f"{whole}.{decimal.group(1)}"
    else:
        compact = re.sub(r"[.,]", "", compact)
    try:
        return Decimal(compact)
    except InvalidOperation:
        return None


def find_amounts(text: str) -> list[dict[str, str]]:
    """Money amounts with a currency sign or code.

    Examples
    --------
    >>> find_amounts("I paid 24,90 € and €5 shipping")
    [{'amount': '24.90', 'currency': 'EUR'}, {'amount': '5', 'currency': 'EUR'}]
    """
    found = []
    for match in _AMOUNT.finditer(text):
        symbol = match.group(1) or match.group(4)
        number = match.group(2) or match.group(3)
        value = parse_amount(number)
        if value is not None:
            currency = _CURRENCIES[symbol.lower()]
            found.append({"amount": str(value), "currency": currency})
    return found


def find_countries(text: str) -> list[str]:
    """ISO codes of countries named in ``text`` (in the reply languages).

    Examples
    --------
    >>> find_countries("Versand nach Österreich oder in die Schweiz?")
    ['AT', 'CH']
    """
    lowered = text.lower()
    found: dict[str, int] = {}
    for phrase, code in _COUNTRY_PHRASES.items():
        at = lowered.find(phrase)
        if at >= 0:
            found.setdefault(code, at)
    for match in re.finditer(r"[^\W\d_]+(?:-[^\W\d_]+)?", lowered):
        word = _COUNTRY_WORDS.get(match.group(0))
        if word and (match.group(0) != "uk" or "UK" in text):
            found.setdefault(word, match.start())
    return sorted(found, key=found.__getitem__)


def extract_entities(text: str, formats: OrderFormats) -> dict[str, Any]:
    """Every entity kind of ``text`` (see the module docstring)."""
    return {
        "order_numbers": formats.find(text),
        "emails": find_emails(text),
        "tracking_numbers": find_tracking(text),
        "amounts": find_amounts(text),
        "countries": find_countries(text),
    }
