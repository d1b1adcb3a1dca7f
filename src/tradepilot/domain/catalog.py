"""Products and the lines that are not products.

Order exports mix real products with bookkeeping lines: postage, discounts, manual
adjustments, bank charges, marketplace fees, samples and vouchers. Those are kept (they
are revenue and cost), but classified so that demand, forecasts and basket analyses
only ever see :attr:`LineKind.PRODUCT` lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # polars only where a column is classified, not at CLI start-up
    import polars as pl


class LineKind(StrEnum):
    """What an order line is."""

    PRODUCT = "product"
    SHIPPING = "shipping"
    DISCOUNT = "discount"
    FEE = "fee"
    ADJUSTMENT = "adjustment"
    SAMPLE = "sample"
    VOUCHER = "voucher"
    REFUND = "refund"

    @property
    def is_demand(self) -> bool:
        """True only for products: the lines that count as demand."""
        return self is LineKind.PRODUCT


# Exact stock codes (upper-cased) of non-product lines, from real exports.
_EXACT: dict[str, LineKind] = {
    "POST": LineKind.SHIPPING,
    "DOT": LineKind.SHIPPING,  # dotcom postage
    "C2": LineKind.SHIPPING,  # carriage
    "CARRIAGE": LineKind.SHIPPING,
    "SHIPPING": LineKind.SHIPPING,
    "POSTAGE": LineKind.SHIPPING,
    "D": LineKind.DISCOUNT,
    "DISCOUNT": LineKind.DISCOUNT,
    "M": LineKind.ADJUSTMENT,  # manual
    "MANUAL": LineKind.ADJUSTMENT,
    "B": LineKind.ADJUSTMENT,  # bad-debt adjustment
    "ADJUST": LineKind.ADJUSTMENT,
    "BANK CHARGES": LineKind.FEE,
    "AMAZONFEE": LineKind.FEE,
    "CRUK": LineKind.FEE,  # charity commission
    "FEE": LineKind.FEE,
    "S": LineKind.SAMPLE,
    "SAMPLES": LineKind.SAMPLE,
    "REFUND": LineKind.REFUND,
}
_VOUCHER = re.compile(r"^(GIFT_\d+_\d+|VOUCHER.*|GIFTCARD.*|GIFT CARD.*)$")


def classify_sku(sku: str) -> LineKind:
    """Classify a stock code as a product or one of the non-product kinds.

    Examples
    --------
    >>> classify_sku("85123A"), classify_sku("POST"), classify_sku("gift_0001_20")
    (<LineKind.PRODUCT: 'product'>, <LineKind.SHIPPING: 'shipping'>, <LineKind.VOUCHER: 'voucher'>)
    """
    code = " ".join(sku.split()).upper()
    if code in _EXACT:
        return _EXACT[code]
    if _VOUCHER.match(code):
        return LineKind.VOUCHER
    return LineKind.PRODUCT


@dataclass(frozen=True, slots=True)
class Product:
    """A SKU of the seller's catalogue (or a non-product code, with its kind).

    Attributes
    ----------
    sku : str
        The seller's stock code, unique across channels.
    description : str or None
        Name as first seen in an export.
    kind : LineKind
        :attr:`LineKind.PRODUCT` for goods, another kind for bookkeeping codes.
    """

    sku: str
    description: str | None = None
    kind: LineKind = LineKind.PRODUCT


def line_kinds(skus: pl.Series) -> pl.Series:
    """:func:`classify_sku` of every SKU in a column (each distinct SKU classified once).

    Examples
    --------
    >>> import polars as pl
    >>> line_kinds(pl.Series(["POST", "85123A", "POST"])).to_list()
    ['shipping', 'product', 'shipping']
    """
    import polars as pl

    distinct = skus.drop_nulls().unique().to_list()
    mapping = {sku: classify_sku(sku).value for sku in distinct}
    return skus.replace_strict(mapping, default=None, return_dtype=pl.String)
