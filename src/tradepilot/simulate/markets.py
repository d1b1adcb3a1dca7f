"""Countries and currencies of the simulated store.

Each market is a destination country with its own currency, time zone, share of
demand, Amazon marketplace (if any) and consumer tax. Each currency carries the
parameters the simulation needs: a realistic EUR reference level for the FX walk,
its minor unit, how prices are rounded, and the web store's shipping fees.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Market:
    """A destination country.

    Parameters
    ----------
    country : str
        ISO 3166-1 alpha-2 code.
    currency : str
        ISO-4217 code buyers in this country pay in.
    time_zone : str
        IANA time zone used for local order timestamps.
    demand_share : float
        Share of all units demanded (the shares of all markets sum to 1).
    amazon_share : float
        Share of this country's units sold through Amazon (0 without marketplace).
    marketplace : str
        Amazon sales channel, e.g. ``"Amazon.de"``; empty when none serves it.
    vat_rate : float
        Consumer tax rate (VAT, GST or an average sales tax), as a fraction.
    tax_included : bool
        Whether shelf prices include the tax (False for US and CA sales tax).
    language : str
        Key of the name pool in :mod:`tradepilot.simulate.people`.
    """

    country: str
    currency: str
    time_zone: str
    demand_share: float
    amazon_share: float
    marketplace: str
    vat_rate: float
    tax_included: bool
    language: str


@dataclass(frozen=True, slots=True)
class Currency:
    """Simulation parameters of one currency.

    Parameters
    ----------
    code : str
        ISO-4217 code.
    eur_rate : float
        Reference level in units per 1 EUR (ECB quotation).
    annual_vol : float
        Annualised volatility of the log rate.
    annual_drift : float
        Annual drift of the log rate (positive: the currency weakens against EUR).
    rate_decimals : int
        Decimals the ECB publishes for this rate.
    minor_digits : int
        Digits of the minor unit (2 for cents, 0 for JPY).
    price_step, charm : int
        Charm pricing in minor units: a price is rounded up to a multiple of
        ``price_step`` then lowered by ``charm`` (100, 1 -> x.99; 1000, 100 ->
        x9.00; JPY 100, 20 -> 1,980); ``price_step`` 0 if never priced in.
    shipping_fee : int
        Web store standard shipping fee in minor units.
    free_shipping_from : int
        Order subtotal (minor units) from which standard shipping is free.
    """

    code: str
    eur_rate: float
    annual_vol: float
    annual_drift: float
    rate_decimals: int
    minor_digits: int = 2
    price_step: int = 0
    charm: int = 0
    shipping_fee: int = 0
    free_shipping_from: int = 0


MARKETS: tuple[Market, ...] = (
    Market("DE", "EUR", "Europe/Berlin", 0.22, 0.45, "Amazon.de", 0.19, True, "de"),
    Market("FR", "EUR", "Europe/Paris", 0.10, 0.40, "Amazon.fr", 0.20, True, "fr"),
    Market("GB", "GBP", "Europe/London", 0.12, 0.45, "Amazon.co.uk", 0.20, True, "en"),
    Market(
        "US", "USD", "America/New_York", 0.13, 0.50, "Amazon.com", 0.07, False, "en"
    ),
    Market("NL", "EUR", "Europe/Amsterdam", 0.05, 0.30, "Amazon.nl", 0.21, True, "nl"),
    Market("IT", "EUR", "Europe/Rome", 0.05, 0.50, "Amazon.it", 0.22, True, "it"),
    Market("ES", "EUR", "Europe/Madrid", 0.04, 0.50, "Amazon.es", 0.21, True, "es"),
    Market("AT", "EUR", "Europe/Vienna", 0.04, 0.30, "Amazon.de", 0.20, True, "de"),
    Market(
        "BE", "EUR", "Europe/Brussels", 0.03, 0.20, "Amazon.com.be", 0.21, True, "fr"
    ),
    Market("CH", "CHF", "Europe/Zurich", 0.03, 0.0, "", 0.081, True, "de"),
    Market(
        "SE", "SEK", "Europe/Stockholm", 0.03, 0.30, "Amazon.se", 0.25, True, "nordic"
    ),
    Market(
        "AU", "AUD", "Australia/Sydney", 0.03, 0.30, "Amazon.com.au", 0.10, True, "en"
    ),
    Market("CA", "CAD", "America/Toronto", 0.03, 0.40, "Amazon.ca", 0.13, False, "en"),
    Market("DK", "DKK", "Europe/Copenhagen", 0.02, 0.0, "", 0.25, True, "nordic"),
    Market("PL", "PLN", "Europe/Warsaw", 0.02, 0.40, "Amazon.pl", 0.23, True, "pl"),
    Market("IE", "EUR", "Europe/Dublin", 0.02, 0.0, "", 0.23, True, "en"),
    Market("JP", "JPY", "Asia/Tokyo", 0.02, 0.50, "Amazon.co.jp", 0.10, True, "ja"),
    Market("NO", "NOK", "Europe/Oslo", 0.01, 0.0, "", 0.25, True, "nordic"),
    Market("FI", "EUR", "Europe/Helsinki", 0.01, 0.0, "", 0.255, True, "nordic"),
)

CURRENCIES: tuple[Currency, ...] = (
    Currency("EUR", 1.0, 0.0, 0.0, 4, 2, 100, 1, 490, 5000),
    Currency("USD", 1.08, 0.075, 0.0, 4, 2, 100, 1, 599, 6000),
    Currency("JPY", 160.0, 0.10, 0.0, 2, 0, 100, 20, 800, 8000),
    Currency("BGN", 1.9558, 0.0, 0.0, 4),
    Currency("CZK", 25.0, 0.04, 0.0, 3),
    Currency("DKK", 7.46, 0.002, 0.0, 4, 2, 1000, 100, 4900, 40000),
    Currency("GBP", 0.85, 0.05, 0.0, 5, 2, 100, 1, 399, 4500),
    Currency("HUF", 395.0, 0.07, 0.0, 2),
    Currency("PLN", 4.3, 0.05, 0.0, 4, 2, 100, 1, 1999, 20000),
    Currency("SEK", 11.3, 0.07, 0.0, 4, 2, 1000, 100, 6900, 60000),
    Currency("CHF", 0.95, 0.05, 0.0, 4, 2, 100, 10, 690, 6000),
    Currency("NOK", 11.6, 0.08, 0.0, 4, 2, 1000, 100, 7900, 60000),
    Currency("TRY", 33.0, 0.08, 0.14, 4),
    Currency("AUD", 1.65, 0.09, 0.0, 4, 2, 100, 5, 995, 9000),
    Currency("CAD", 1.47, 0.07, 0.0, 4, 2, 100, 1, 899, 8000),
    Currency("CNY", 7.8, 0.06, 0.0, 4),
    Currency("INR", 90.0, 0.06, 0.02, 4),
)
"""All currencies, quoted ones in the column order of the ECB ``eurofxref-hist.csv``."""

AMAZON_PRICE_MARKUP = 1.08
"""Amazon list prices sit this much above web prices, to cover the referral fee."""


def currency(code: str) -> Currency:
    """Return the simulation parameters of ``code``.

    Parameters
    ----------
    code : str
        ISO-4217 code.

    Returns
    -------
    Currency
        The matching entry of :data:`CURRENCIES`.

    Raises
    ------
    KeyError
        If the simulation does not know ``code``.

    Examples
    --------
    >>> currency("JPY").minor_digits
    0
    """
    for entry in CURRENCIES:
        if entry.code == code:
            return entry
    raise KeyError(f"unknown currency {code!r}; known: {[c.code for c in CURRENCIES]}")


def quoted_currencies() -> tuple[Currency, ...]:
    """Return the currencies quoted against EUR, in ECB column order."""
    return tuple(c for c in CURRENCIES if c.code != "EUR")
