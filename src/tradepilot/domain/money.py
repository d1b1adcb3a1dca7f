"""Money: an exact ``Decimal`` amount in one ISO-4217 currency.

Amounts are rounded half-even to the currency's minor unit (2 decimals for EUR,
0 for JPY, 3 for KWD). Adding or comparing amounts in two currencies raises
:class:`~tradepilot.domain.errors.CurrencyMismatch`: convert first.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

import pycountry

from tradepilot.domain.errors import CurrencyMismatch, DataValidationError

# ISO-4217 minor units that are not 2 (source: ISO 4217 amendment list, SIX Group).
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    "CLF": 4,
    "UYW": 4,
}

# Codes withdrawn from ISO 4217 that still appear in historic data (the ECB
# reference-rate history carries them until the euro or a redenomination replaced them).
LEGACY_CURRENCIES = frozenset(
    "BGN CYP EEK HRK LTL LVL MTL ROL SIT SKK TRL DEM FRF ITL ESP NLG BEF ATS PTE FIM "
    "IEP GRD LUF".split()
)


@functools.cache
def known_currencies() -> frozenset[str]:
    """Return every ISO-4217 code TradePilot accepts (current and legacy)."""
    return frozenset(c.alpha_3 for c in pycountry.currencies) | LEGACY_CURRENCIES


def validate_currency(code: str) -> str:
    """Return ``code`` upper-cased if it is a known ISO-4217 code.

    Raises
    ------
    DataValidationError
        If the code is not a known currency.

    Examples
    --------
    >>> validate_currency("eur")
    'EUR'
    """
    normalised = code.strip().upper()
    if normalised not in known_currencies():
        raise DataValidationError(
            f"unknown currency {code!r}; expected an ISO-4217 code such as EUR, GBP, USD"
        )
    return normalised


def minor_unit(currency: str) -> int:
    """Number of decimals of the currency's minor unit.

    Examples
    --------
    >>> minor_unit("EUR"), minor_unit("JPY"), minor_unit("KWD")
    (2, 0, 3)
    """
    return _MINOR_UNITS.get(currency, 2)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` half-even to the minor unit of ``currency``."""
    return amount.quantize(Decimal(1).scaleb(-minor_unit(currency)), ROUND_HALF_EVEN)


def parse_decimal(text: str | int | float | Decimal) -> Decimal:
    """Parse a decimal number exactly; floats go through their shortest repr.

    Raises
    ------
    DataValidationError
        If ``text`` is not a finite number.

    Examples
    --------
    >>> parse_decimal("2.55"), parse_decimal(0.1)
    (Decimal('2.55'), Decimal('0.1'))
    """
    try:
        value = Decimal(repr(text) if isinstance(text, float) else text)
    except (InvalidOperation, ValueError):
        raise DataValidationError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise DataValidationError(f"not a finite number: {text!r}")
    return value


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of one currency, rounded to that currency's minor unit.

    Parameters
    ----------
    amount : Decimal, int or str
        The amount; floats are refused because they are not exact.
    currency : str
        ISO-4217 code.

    Examples
    --------
    >>> Money("10.005", "EUR")
    Money(amount=Decimal('10.00'), currency='EUR')
    >>> Money("1.10", "GBP") + Money("2", "GBP")
    Money(amount=Decimal('3.10'), currency='GBP')
    >>> Money("1", "GBP") + Money("1", "EUR")
    Traceback (most recent call last):
    ...
    tradepilot.domain.errors.CurrencyMismatch: cannot combine GBP and EUR amounts; convert first
    """

    amount: Decimal
    currency: str

    def __init__(self, amount: Decimal | int | str, currency: str) -> None:
        if isinstance(amount, float):
            raise DataValidationError("Money needs an exact amount, not a float")
        code = validate_currency(currency)
        object.__setattr__(self, "currency", code)
        object.__setattr__(self, "amount", quantize(parse_decimal(amount), code))

    def _check(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise DataValidationError("multiply Money by a Decimal or int, not a float")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.amount <= other.amount

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    @classmethod
    def zero(cls, currency: str) -> Money:
        """The zero amount of ``currency``."""
        return cls(0, currency)
