"""Order fields several adapters read the same way: country, currency, unit price.

* :func:`country_codes` and :func:`currency_codes` resolve the country and currency
  cells of a file (Online Retail, Shopify, Amazon, generic; currencies also in the
  purchase-order and product layouts).
* :func:`exact_unit_prices` turns line totals into exact unit prices, for formats that
  give a line's total rather than its unit price (Amazon's ``item-price``, a generic
  mapping's ``line_total``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, Context, Decimal

import polars as pl

from tradepilot.domain.countries import resolve_country
from tradepilot.domain.money import known_currencies, minor_unit
from tradepilot.ingest.orders import PRICE_DECIMALS

_DIVISION = Context(prec=60)


def country_codes(column: pl.Series) -> pl.Series:
    """Resolve each distinct country text once; unmapped values become null."""
    mapping: dict[str | None, str | None] = {}
    for value in column.unique().to_list():
        country = resolve_country(value)
        mapping[value] = country.code if country else None
    return column.replace_strict(mapping, return_dtype=pl.String)


def currency_codes(column: pl.Expr) -> pl.Expr:
    """Upper-cased ISO-4217 codes; unknown codes become null."""
    code = column.str.strip_chars().str.to_uppercase()
    return pl.when(code.is_in(sorted(known_currencies()))).then(code)


def exact_unit_prices(
    lines: pl.DataFrame, *, total: str, quantity: str = "quantity"
) -> pl.DataFrame:
    """Replace each line total by the exact unit price, as decimal text.

    The price is ``total / quantity`` exactly, with as many decimals as that takes up
    to :data:`~tradepilot.ingest.orders.PRICE_DECIMALS` (``10.01 / 2`` is ``5.005``).
    Where the division does not terminate within them (``10.00 / 3``) the row becomes
    two lines of the same ``_row`` whose prices differ by one minor unit, so that
    quantity times price still adds up to the total exactly: ``2 x 3.33 + 1 x 3.34``.
    A null total or quantity gives a null price.

    Parameters
    ----------
    lines : polars.DataFrame
        Needs ``total`` (exact decimal text), ``quantity`` and ``currency``.
    total : str
        Column of the line totals; dropped from the result.
    quantity : str
        Column of the quantities (Int64).

    Returns
    -------
    polars.DataFrame
        ``lines`` with ``unit_price`` (String) and possibly more rows.

    Examples
    --------
    >>> frame = pl.DataFrame({"t": ["10.00", "10.01", "4", "1"],
    ...                       "quantity": [3, 2, 4, 128],
    ...                       "currency": ["EUR", "EUR", "JPY", "EUR"]})
    >>> out = exact_unit_prices(frame, total="t")
    >>> list(zip(out["quantity"], out["unit_price"]))
    [(2, '3.33'), (1, '3.34'), (2, '5.005'), (4, '1'), (28, '0'), (100, '0.01')]
    """
    index: list[int] = []
    quantities: list[int | None] = []
    prices: list[str | None] = []
    columns = (lines[total], lines[quantity], lines["currency"])
    for i, (line_total, qty, code) in enumerate(zip(*columns, strict=True)):
        for part_qty, price in _split(line_total, qty, code or ""):
            index.append(i)
            quantities.append(part_qty)
            prices.append(price)
    return (
        lines[index]
        .with_columns(
            pl.Series(quantity, quantities, dtype=pl.Int64),
            pl.Series("unit_price", prices, dtype=pl.String),
        )
        .drop(total)
    )


def _split(
    total: str | None, quantity: int | None, currency: str
) -> Sequence[tuple[int | None, str | None]]:
    """``(quantity, unit price)`` parts of one line total; see exact_unit_prices."""
    if total is None or quantity is None:
        return [(quantity, None)]
    amount = Decimal(total)
    if quantity == 0:
        return [(0, "0" if amount == 0 else None)]
    sign = -1 if (amount < 0) != (quantity < 0) and amount != 0 else 1
    size, units = abs(amount), abs(quantity)
    exact = _DIVISION.divide(size, units)
    if (
        _DIVISION.multiply(exact, units) == size
        and _exponent(exact.normalize(_DIVISION)) >= -PRICE_DECIMALS
    ):
        return [(quantity, _text(sign * exact))]
    step = Decimal(1).scaleb(min(-minor_unit(currency), _exponent(size)))
    base = exact.quantize(step, rounding=ROUND_FLOOR)
    bumped = int((size - base * units) / step)  # < units; 0 only if size is finer
    direction = 1 if quantity > 0 else -1
    if bumped == 0:
        return [(quantity, _text(sign * base))]
    return [
        (direction * (units - bumped), _text(sign * base)),
        (direction * bumped, _text(sign * (base + step))),
    ]


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


def _text(value: Decimal) -> str:
    """Plain decimal text without trailing zeros (``3.30`` -> ``3.3``)."""
    text = format(value.normalize(_DIVISION), "f")
    return "0" if text in ("-0", "0") else text
