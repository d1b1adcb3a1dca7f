"""How numbers are written for people: one formatter for CLI tables and web pages.

Every figure a seller reads goes through these functions, so a count, a quantity of
units, an amount of money or a share looks the same everywhere:

* thousands separated by commas, decimals by a point (``12,345.60``);
* rounded half-even from the number's shortest decimal form, like
  :class:`~tradepilot.domain.money.Money`;
* never a negative zero: ``-0.004`` is ``0.00``, not ``-0.00``;
* units are whole (``5,017 units``), money has its currency's minor unit
  (2 decimals for EUR, 0 for JPY, 3 for KWD), shares are percentages;
* a missing value (None, NaN) is an en dash, ``–``.

The functions take ints, floats (NumPy's too) and Decimals, and never raise on them.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import SupportsFloat

from tradepilot.domain.money import minor_unit

MISSING = "–"

Numeric = SupportsFloat | Decimal | int


def format_number(
    value: Numeric | None, decimals: int = 0, *, signed: bool = False
) -> str:
    """``value`` with thousands separators and ``decimals`` decimals.

    Parameters
    ----------
    value : int, float, Decimal or None
        The number; None and NaN are written as ``–``.
    decimals : int, default 0
        Digits after the decimal point (0 or more).
    signed : bool, default False
        Write ``+`` before positive numbers (for changes and biases).

    Returns
    -------
    str
        The number as text, never ``-0``.

    Examples
    --------
    >>> format_number(1234567)
    '1,234,567'
    >>> format_number(-0.004, 2), format_number(2.675, 2), format_number(0.5)
    ('0.00', '2.68', '0')
    >>> format_number(0.1234, 3, signed=True), format_number(None)
    ('+0.123', '–')
    """
    exact = _decimal(value)
    if exact is None:
        return MISSING
    if exact.is_infinite():
        return "-∞" if exact < 0 else "∞"
    # enough digits for any magnitude (the default context holds 28)
    context = Context(prec=max(28, exact.adjusted() + decimals + 2))
    step = Decimal(1).scaleb(-decimals)
    rounded = exact.quantize(step, ROUND_HALF_EVEN, context=context)
    if rounded.is_zero():
        rounded = abs(rounded)  # -0.00 is 0.00
    text = f"{rounded:,f}"
    return f"+{text}" if signed and rounded > 0 else text


def format_units(value: Numeric | None) -> str:
    """A quantity of units: whole, with thousands separators.

    Examples
    --------
    >>> format_units(5017), format_units(175743.0), format_units(62.9)
    ('5,017', '175,743', '63')
    >>> format_units(-0.2)
    '0'
    """
    return format_number(value, 0)


def format_money(value: Numeric | None, currency: str | None = None) -> str:
    """An amount (without its code) to the minor unit of ``currency``.

    Parameters
    ----------
    value : int, float, Decimal or None
        The amount.
    currency : str, optional
        ISO-4217 code; without one, two decimals.

    Examples
    --------
    >>> format_money(1422519.137), format_money(-0.001, "EUR")
    ('1,422,519.14', '0.00')
    >>> format_money(31999.6, "JPY"), format_money(12.3456, "KWD")
    ('32,000', '12.346')
    """
    return format_number(value, minor_unit(currency) if currency else 2)


def format_percent(value: Numeric | None, decimals: int = 1) -> str:
    """A share (a fraction: 0.25 is a quarter) as a percentage.

    Examples
    --------
    >>> format_percent(0.0483), format_percent(1), format_percent(-0.0001)
    ('4.8%', '100.0%', '0.0%')
    >>> format_percent(None)
    '–'
    """
    exact = _decimal(value)
    if exact is None:
        return MISSING
    return f"{format_number(exact * 100, decimals)}%"


def _decimal(value: Numeric | None) -> Decimal | None:
    """``value`` as an exact Decimal (floats through their shortest repr), or None
    when missing or NaN."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        exact = value
    elif isinstance(value, int):
        exact = Decimal(value)
    else:
        number = float(value)
        if math.isnan(number):
            return None
        exact = Decimal(repr(number))
    return None if exact.is_nan() else exact
