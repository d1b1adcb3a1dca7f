"""Prices per channel and currency, taxes, and money as exact minor units.

All amounts are integers in the currency's minor unit (cents; yen for JPY) until
they are written out, so totals add up exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from tradepilot.simulate.markets import (
    AMAZON_PRICE_MARKUP,
    CURRENCIES,
    MARKETS,
    currency,
)

TAX_EXCLUSIVE_DISCOUNT = 0.9
"""Prices in currencies of tax-exclusive markets (USD, CAD) are set this much lower."""


def market_currencies() -> tuple[str, ...]:
    """Currencies buyers pay in, in order of first appearance in :data:`MARKETS`."""
    return tuple(dict.fromkeys(m.currency for m in MARKETS))


@dataclass(frozen=True, slots=True)
class PriceBook:
    """List prices in minor units, shape (n_currencies, n_skus) per channel.

    Row ``i`` holds prices in ``currencies[i]``; prices include VAT except in
    USD and CAD, where tax is added at checkout.
    """

    currencies: tuple[str, ...]
    web: np.ndarray
    amazon: np.ndarray


def build_price_book(list_price_cents: np.ndarray) -> PriceBook:
    """Convert EUR list prices into charm prices in every buyer currency.

    Parameters
    ----------
    list_price_cents : numpy.ndarray
        EUR list prices in cents, shape (n_skus,).

    Examples
    --------
    >>> book = build_price_book(np.array([1299]))
    >>> int(book.web[book.currencies.index("GBP"), 0])
    1199
    """
    codes = market_currencies()
    exclusive = {m.currency for m in MARKETS if not m.tax_included}
    web, amazon = [], []
    for code in codes:
        info = currency(code)
        factor = info.eur_rate * 10**info.minor_digits / 100
        if code in exclusive:
            factor *= TAX_EXCLUSIVE_DISCOUNT
        web.append(charm_price(list_price_cents * factor, code))
        amazon.append(
            charm_price(list_price_cents * factor * AMAZON_PRICE_MARKUP, code)
        )
    return PriceBook(codes, np.array(web), np.array(amazon))


def charm_price(amount: np.ndarray, code: str) -> np.ndarray:
    """Round minor-unit amounts up to the currency's charm price.

    Examples
    --------
    >>> charm_price(np.array([1102.0, 207840.0]), "EUR").tolist()
    [1199, 207899]
    >>> charm_price(np.array([2078.4]), "JPY").tolist()
    [2080]
    """
    info = currency(code)
    step = info.price_step
    return (np.ceil(amount / step) * step - info.charm).astype(np.int64)


def round_half_up(amount: np.ndarray) -> np.ndarray:
    """Round non-negative amounts to integers, halves up.

    Examples
    --------
    >>> round_half_up(np.array([0.5, 1.5, 2.49])).tolist()
    [1, 2, 2]
    """
    return np.floor(np.asarray(amount) + 0.5).astype(np.int64)


def tax_of(amount: np.ndarray, rate: np.ndarray, included: np.ndarray) -> np.ndarray:
    """Tax in minor units on ``amount`` (tax inside it where ``included``).

    Examples
    --------
    >>> tax_of(np.array([11900, 10000]), np.array([0.19, 0.07]),
    ...        np.array([True, False])).tolist()
    [1900, 700]
    """
    factor = np.where(included, rate / (1 + rate), rate)
    return round_half_up(amount * factor)


def zero_decimal_currencies() -> list[str]:
    """Codes of currencies without a minor unit (amounts printed as integers)."""
    return [c.code for c in CURRENCIES if c.minor_digits == 0]


def money(amount: str | pl.Expr, currency_column: str = "currency") -> pl.Expr:
    """Format minor-unit integers as plain decimal strings.

    Two decimals (``"1234.50"``), none for zero-decimal currencies such as JPY
    (``"2080"``). Null amounts stay null. A column name keeps its name.

    Parameters
    ----------
    amount : str or polars.Expr
        Column name or expression of integer amounts (non-negative).
    currency_column : str
        Column holding each row's ISO-4217 code.

    Examples
    --------
    >>> frame = pl.DataFrame({"a": [123450, 2080, None], "currency": ["EUR", "JPY", "EUR"]})
    >>> frame.select(money("a"))["a"].to_list()
    ['1234.50', '2080', None]
    """
    value = pl.col(amount) if isinstance(amount, str) else amount
    decimal = pl.concat_str(
        (value // 100).cast(pl.String),
        pl.lit("."),
        (value % 100).cast(pl.String).str.zfill(2),
    )
    zero = pl.col(currency_column).is_in(zero_decimal_currencies())
    text = pl.when(zero).then(value.cast(pl.String)).otherwise(decimal)
    return text.alias(amount) if isinstance(amount, str) else text


def price_lines(
    lines: pl.DataFrame,
    orders: pl.DataFrame,
    book: PriceBook,
    markdown: np.ndarray,
    code_discount: np.ndarray,
) -> pl.DataFrame:
    """Add the prices each line was sold at.

    The unit price is the channel's list price less any SKU markdown of the
    order day; on Amazon a store-wide event also lowers the unit price, on the
    web store it becomes a discount code spread over the lines.

    Parameters
    ----------
    lines : polars.DataFrame
        ``order_key, sku_idx, quantity``.
    orders : polars.DataFrame
        ``order_key, day, channel, currency, country_idx``.
    book : PriceBook
        List prices.
    markdown : numpy.ndarray
        Markdown fraction, shape (n_days, n_skus).
    code_discount : numpy.ndarray
        Store-wide event discount fraction, shape (n_days,).

    Returns
    -------
    polars.DataFrame
        ``lines`` plus ``unit_price``, ``compare_at_price`` (list price when
        marked down, else null), ``line_discount`` and ``line_tax`` (minor units).
    """
    keys = orders.select("order_key", "day", "channel", "currency", "country_idx")
    joined = lines.join(keys, on="order_key", how="left", maintain_order="left")
    day, sku = joined["day"].to_numpy(), joined["sku_idx"].to_numpy()
    amazon = joined["channel"].to_numpy() == 1
    cur = (
        joined["currency"]
        .replace_strict(list(book.currencies), range(len(book.currencies)))
        .to_numpy()
    )
    listed = np.where(amazon, book.amazon[cur, sku], book.web[cur, sku])
    factor = (1 - markdown[day, sku]) * np.where(amazon, 1 - code_discount[day], 1.0)
    unit = np.where(factor < 1, round_half_up(listed * factor), listed)
    gross = unit * joined["quantity"].to_numpy()
    discount = np.where(amazon, 0, round_half_up(gross * code_discount[day]))
    rate, included = _tax_terms(joined["country_idx"].to_numpy())
    return (
        joined.with_columns(
            unit_price=pl.Series(unit),
            compare_at_price=pl.Series(
                np.where(~amazon & (markdown[day, sku] > 0), listed, -1)
            ),
            line_discount=pl.Series(discount),
            line_tax=pl.Series(tax_of(gross - discount, rate, included)),
        )
        .with_columns(
            compare_at_price=pl.when(pl.col("compare_at_price") >= 0).then(
                "compare_at_price"
            )
        )
        .drop("day", "channel", "currency", "country_idx")
    )


def _tax_terms(country_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tax rate and whether it is included in prices, per market index."""
    rate = np.array([m.vat_rate for m in MARKETS])[country_idx]
    included = np.array([m.tax_included for m in MARKETS])[country_idx]
    return rate, included


def order_totals(orders: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """Add ``subtotal, discount, shipping, shipping_tax, taxes, total`` to orders.

    Amounts are in minor units; ``shipping_tax`` is the tax share of shipping.

    Web store: subtotal is after the code discount, shipping is free above the
    currency's threshold (express always pays), tax is computed on subtotal plus
    shipping. Amazon: shipping is paid only for expedited service, tax is the
    sum of the item taxes plus the shipping tax.
    """
    sums = lines.group_by("order_key", maintain_order=True).agg(
        gross=(pl.col("unit_price") * pl.col("quantity")).sum(),
        discount=pl.col("line_discount").sum(),
        item_tax=pl.col("line_tax").sum(),
    )
    joined = orders.join(sums, on="order_key", how="left", maintain_order="left")
    subtotal = (joined["gross"] - joined["discount"]).to_numpy()
    codes = joined["currency"].to_list()
    fee = np.array([currency(c).shipping_fee for c in codes])
    free_from = np.array([currency(c).free_shipping_from for c in codes])
    amazon = joined["channel"].to_numpy() == 1
    express = joined["express"].to_numpy()
    standard = np.where(amazon | (subtotal >= free_from), 0, fee)
    shipping = standard + np.where(express, fee, 0)
    rate, included = _tax_terms(joined["country_idx"].to_numpy())
    shipping_tax = tax_of(shipping, rate, included)
    web_tax = tax_of(subtotal + shipping, rate, included)
    amazon_tax = joined["item_tax"].to_numpy() + shipping_tax
    taxes = np.where(amazon, amazon_tax, web_tax)
    total = subtotal + shipping + np.where(included, 0, taxes)
    return joined.drop("gross", "item_tax").with_columns(
        subtotal=pl.Series(subtotal),
        shipping=pl.Series(shipping),
        shipping_tax=pl.Series(shipping_tax),
        taxes=pl.Series(taxes),
        total=pl.Series(total),
    )
