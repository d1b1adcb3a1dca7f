"""Who owes the VAT in an order's price, to whom, at what rate (pure).

The decision follows issue 6's rules (:mod:`tradepilot.logistics.taxes`, over the
reference tables of :mod:`tradepilot.reference`) from the seller's ``trade.toml``
(origin, buyers, schemes, prices including tax), for one order:

* **domestic** (destination = origin): the origin's VAT, scheme ``domestic``;
* **EU distance sale** (both EU members that day): the destination's VAT through
  the One-Stop Shop, scheme ``OSS`` (a business buyer reverse-charges: no VAT);
* **import** within the destination's seller-collects ceiling (IOSS EUR 150, UK
  GBP 135, AU/NZ GST, NO VOEC ...) where the seller is registered in the scheme:
  the destination's VAT under that scheme; **sold through a marketplace**, the
  marketplace is the deemed supplier and collects it: booked, but not the seller's
  liability (collector ``marketplace``);
* otherwise (import VAT at the border, no VAT in the country, prices without tax
  such as US sales tax added at checkout): no VAT in the seller's price.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tradepilot.domain.errors import ReferenceDataError
from tradepilot.reference import ReferenceData, is_eu_member

SELLER = "seller"
MARKETPLACE = "marketplace"


@dataclass(frozen=True, slots=True)
class VatTreatment:
    """The VAT of one order.

    Attributes
    ----------
    jurisdiction : str or None
        Country whose tax authority is owed (None: no VAT in the price).
    scheme : str or None
        ``domestic``, ``OSS``, ``IOSS``, ``UK VAT``, ``AU GST``...
    rate : Decimal
        Standard rate as a fraction (0 without VAT).
    collector : str or None
        ``seller`` or ``marketplace`` (deemed supplier).
    """

    jurisdiction: str | None
    scheme: str | None
    rate: Decimal
    collector: str | None


NONE = VatTreatment(None, None, Decimal(0), None)


@dataclass(frozen=True)
class VatPolicy:
    """The seller's settings that decide VAT (from ``trade.toml``)."""

    origin: str
    b2b: bool
    schemes: frozenset[str]
    tax_inclusive: frozenset[str] | None  # None: every country's prices include tax
    tax_exclusive: frozenset[str]
    marketplace_channels: frozenset[str]  # channels that are marketplaces


def classify(
    reference: ReferenceData,
    policy: VatPolicy,
    *,
    country: str,
    day: dt.date,
    channel: str,
    value_in: dict[str, Decimal],
) -> VatTreatment:
    """The VAT treatment of an order to ``country`` on ``day``.

    Parameters
    ----------
    value_in : dict
        The order's goods value in each regime currency that may be needed
        (``{"EUR": ..., "GBP": ...}``); a missing currency counts as over ceiling.

    Examples
    --------
    >>> from tradepilot.reference import load_reference
    >>> policy = VatPolicy("DE", False, frozenset({"IOSS", "UK VAT"}), None,
    ...     frozenset({"US"}), frozenset({"amazon"}))
    >>> day = dt.date(2025, 3, 1)
    >>> classify(load_reference(), policy, country="FR", day=day, channel="web",
    ...     value_in={}).scheme
    'OSS'
    >>> classify(load_reference(), policy, country="GB", day=day, channel="amazon",
    ...     value_in={"GBP": Decimal(40)}).collector
    'marketplace'
    """
    if country in policy.tax_exclusive:
        return NONE
    rate = _standard_rate(reference, country, day)
    if rate == 0:
        return NONE
    if country == policy.origin:
        return VatTreatment(country, "domestic", rate, SELLER)
    if is_eu_member(policy.origin, day) and is_eu_member(country, day):
        return NONE if policy.b2b else VatTreatment(country, "OSS", rate, SELLER)
    regime = reference.regime(country, day)
    if regime is None or policy.b2b or regime.seller_collects_max is None:
        return NONE
    value = value_in.get(regime.currency)
    if value is None or abs(value) > regime.seller_collects_max:
        return NONE
    if channel in policy.marketplace_channels:
        return VatTreatment(country, regime.scheme, rate, MARKETPLACE)
    if regime.scheme not in policy.schemes:
        return NONE
    return VatTreatment(country, regime.scheme, rate, SELLER)


def _standard_rate(reference: ReferenceData, country: str, day: dt.date) -> Decimal:
    try:
        return reference.vat_rate(country, day).rate
    except ReferenceDataError:
        return Decimal(0)  # no VAT/GST on file for the country: none charged


def vat_in_gross(gross: Decimal, rate: Decimal, digits: int) -> Decimal:
    """The VAT included in a tax-inclusive ``gross`` amount, rounded half-up.

    Examples
    --------
    >>> vat_in_gross(Decimal("119.00"), Decimal("0.19"), 2)
    Decimal('19.00')
    >>> vat_in_gross(Decimal("-10"), Decimal("0.2"), 2)
    Decimal('-1.67')
    """
    exact = gross * rate / (1 + rate)
    return exact.quantize(_UNITS[digits], rounding=ROUND_HALF_UP)


_UNITS = {digits: Decimal(1).scaleb(-digits) for digits in range(7)}
