"""Rows of reference data: one VAT rate, import regime, duty rate or fee schedule.

Every row carries the official ``source`` it was taken from and the date it takes
effect. A rule change is a new row with a later ``effective_from``, never an edit,
so the row in force on a day is the one with the latest ``effective_from <= day``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class VatRate:
    """A VAT/GST rate of a country from a date.

    Parameters
    ----------
    country : str
        ISO 3166-1 alpha-2 code.
    rate_type : str
        ``"standard"`` or ``"reduced"`` (the main reduced rate).
    rate : Decimal
        Fraction, e.g. ``Decimal("0.19")`` for 19%.
    effective_from : datetime.date
        First day the rate applies.
    source : str
        Official URL.
    note : str
        Free text: scope, caveats.

    Examples
    --------
    >>> VatRate("DE", "standard", Decimal("0.19"), dt.date(2021, 1, 1), "url").rate
    Decimal('0.19')
    """

    country: str
    rate_type: str
    rate: Decimal
    effective_from: dt.date
    source: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class ImportRegime:
    """Low-value import rules of a destination from a date.

    Thresholds are consignment values (intrinsic value, shipping excluded) in
    ``currency``, inclusive; ``None`` means no such relief or scheme.

    Parameters
    ----------
    country : str
        ISO 3166-1 alpha-2 code of the destination.
    effective_from : datetime.date
        First day the row applies.
    currency : str
        ISO-4217 code of the thresholds.
    duty_free_max : Decimal or None
        Value up to which no customs duty is charged; ``None``: duty from the
        first unit.
    vat_border_free_max : Decimal or None
        Value up to which no import VAT/GST is collected at the border.
    seller_collects_max : Decimal or None
        Value up to which a seller registered in ``scheme`` charges VAT/GST at
        the sale instead of the border.
    scheme : str
        Short name of the scheme (``"IOSS"``, ``"UK VAT"``, ...) or ``""``.
    flat_duty_per_item : Decimal or None
        Flat customs duty per item (EU from 2026-07-01: EUR 3 per distinct tariff
        subheading).
    flat_duty_max : Decimal or None
        Consignment value up to which the flat duty replaces ad valorem duty.
    duty_basis : str
        ``"CIF"`` (customs value includes international shipping) or ``"FOB"``.
    registration : str
        What the seller must register for, in words.
    source : str
        Official URL.
    note : str
        Free text: scope, caveats, what the columns cannot express.
    verified : str
        ``"stored-copy"`` (checked against a stored copy of a source page) or
        ``"knowledge"``; ``""`` for rows from a workspace or a what-if.

    Examples
    --------
    >>> row = ImportRegime("GB", dt.date(2021, 1, 1), "GBP", Decimal(135), None,
    ...     Decimal(135), "UK VAT", None, None, "CIF", "UK VAT registration", "url")
    >>> row.seller_collects_max
    Decimal('135')
    """

    country: str
    effective_from: dt.date
    currency: str
    duty_free_max: Decimal | None
    vat_border_free_max: Decimal | None
    seller_collects_max: Decimal | None
    scheme: str
    flat_duty_per_item: Decimal | None
    flat_duty_max: Decimal | None
    duty_basis: str
    registration: str
    source: str
    note: str = ""
    verified: str = ""


@dataclass(frozen=True, slots=True)
class DutyRate:
    """Ad valorem customs duty of a destination for a 2-digit HS chapter.

    Parameters
    ----------
    destination : str
        ISO 3166-1 alpha-2 code, ``"EU"`` (all members) or ``"*"`` (any).
    hs_chapter : str
        Two digits, or ``"*"`` (any chapter).
    rate : Decimal
        Fraction of the customs value, an editable default for the chapter.
    effective_from : datetime.date
        First day the rate applies.
    source : str
        Official URL.
    note : str
        Free text.

    Examples
    --------
    >>> DutyRate("EU", "61", Decimal("0.12"), dt.date(2010, 1, 1), "url").rate
    Decimal('0.12')
    """

    destination: str
    hs_chapter: str
    rate: Decimal
    effective_from: dt.date
    source: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """A marketplace or payment fee of a sales channel from a date.

    Parameters
    ----------
    channel : str
        ``"amazon"``, ``"web"``, ``"etsy"``, ``"ebay"``, ...
    kind : str
        ``"marketplace"`` or ``"payment"``.
    percent : Decimal
        Fraction of the order amount.
    fixed : Decimal
        Fixed fee per order in ``currency``.
    currency : str
        ISO-4217 code of ``fixed``.
    effective_from : datetime.date
        First day the schedule applies.
    source : str
        Official URL.
    note : str
        Free text.

    Examples
    --------
    >>> fee = FeeSchedule("web", "payment", Decimal("0.015"), Decimal("0.25"), "EUR",
    ...     dt.date(2010, 1, 1), "url")
    >>> fee.percent * Decimal(100) + fee.fixed  # fee on a 100 EUR order
    Decimal('1.750')
    """

    channel: str
    kind: str
    percent: Decimal
    fixed: Decimal
    currency: str
    effective_from: dt.date
    source: str
    note: str = ""
