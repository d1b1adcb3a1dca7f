"""Suppliers, their true lead-time distributions and their shutdown windows.

A lead time is the number of days from the PO's ``ordered_date`` to the first
receipt at the warehouse. It is drawn once per purchase order (all lines of a PO
travel together) from a lognormal distribution whose parameters depend on the
supplier and the transport mode; the receipt day is the order day plus the draw
rounded to the nearest day.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from tradepilot.simulate.timeline import CHINESE_NEW_YEAR

MODES: tuple[str, str] = ("sea", "air")
"""Transport modes; a mode's index in this tuple is its code in arrays."""

_Z90 = 1.2815515655446004  # standard normal 90 % quantile


@dataclass(frozen=True, slots=True)
class LeadTimeDistribution:
    """A lognormal lead time, parameterised by its mean and standard deviation.

    Parameters
    ----------
    mean_days : float
        Mean lead time in days.
    std_days : float
        Standard deviation in days.

    Examples
    --------
    >>> d = LeadTimeDistribution(40.0, 8.0)
    >>> round(d.mu, 4), round(d.sigma, 4), round(d.p50, 2)
    (3.6693, 0.198, 39.22)
    """

    mean_days: float
    std_days: float

    @property
    def sigma(self) -> float:
        """Standard deviation of the log lead time."""
        return math.sqrt(math.log1p((self.std_days / self.mean_days) ** 2))

    @property
    def mu(self) -> float:
        """Mean of the log lead time."""
        return math.log(self.mean_days) - self.sigma**2 / 2

    @property
    def p50(self) -> float:
        """Median lead time in days."""
        return math.exp(self.mu)

    @property
    def p90(self) -> float:
        """90th percentile of the lead time in days."""
        return math.exp(self.mu + _Z90 * self.sigma)


@dataclass(frozen=True, slots=True)
class Supplier:
    """A supplier the store buys from.

    Parameters
    ----------
    name : str
        Name as written in ``products.csv`` and ``purchase_orders.csv``.
    country : str
        ISO alpha-2 country of the factory.
    currency : str
        Currency the supplier invoices in.
    sea, air : LeadTimeDistribution
        True lead time by transport mode.
    has_new_year_shutdown : bool
        Whether the factory closes around the lunar new year.
    """

    name: str
    country: str
    currency: str
    sea: LeadTimeDistribution
    air: LeadTimeDistribution
    has_new_year_shutdown: bool = False

    def lead_time(self, mode: str) -> LeadTimeDistribution:
        """Return the lead-time distribution of ``mode`` (``"sea"`` or ``"air"``)."""
        return self.sea if mode == "sea" else self.air


@dataclass(frozen=True, slots=True)
class Shutdown:
    """A period in which a supplier's factory is closed.

    A PO ordered from ``start - lead_in_days`` to ``end`` (inclusive) waits: its lead
    time is counted from the day after ``end`` instead of from its order day.
    """

    supplier: str
    start: dt.date
    end: dt.date
    reason: str
    lead_in_days: int = 10


SUPPLIERS: tuple[Supplier, ...] = (
    Supplier(
        "Shenzhen Brightway Trading Co",
        "CN",
        "USD",
        LeadTimeDistribution(42.0, 8.0),
        LeadTimeDistribution(12.0, 3.5),
        has_new_year_shutdown=True,
    ),
    Supplier(
        "Hanoi Greenleaf Manufacturing",
        "VN",
        "USD",
        LeadTimeDistribution(38.0, 7.0),
        LeadTimeDistribution(11.0, 3.0),
    ),
    Supplier(
        "Jaipur Heritage Exports",
        "IN",
        "USD",
        LeadTimeDistribution(34.0, 9.0),
        LeadTimeDistribution(10.0, 3.0),
    ),
    Supplier(
        "Denizli Tekstil AS",
        "TR",
        "EUR",
        LeadTimeDistribution(16.0, 4.0),
        LeadTimeDistribution(6.0, 2.0),
    ),
    Supplier(
        "Porto Ceramica Lda",
        "PT",
        "EUR",
        LeadTimeDistribution(9.0, 2.5),
        LeadTimeDistribution(4.0, 1.2),
    ),
)


def supplier_index(name: str) -> int:
    """Return the position of supplier ``name`` in :data:`SUPPLIERS`."""
    for i, supplier in enumerate(SUPPLIERS):
        if supplier.name == name:
            return i
    raise KeyError(f"unknown supplier {name!r}; known: {[s.name for s in SUPPLIERS]}")


def shutdowns(first: dt.date, last: dt.date) -> list[Shutdown]:
    """Return the lunar-new-year shutdowns that affect POs in ``[first, last]``.

    The factory closes from 7 days before to 14 days after the new year (3 weeks).

    Examples
    --------
    >>> windows = shutdowns(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    >>> [s.start.isoformat() for s in windows]
    ['2024-02-03']
    """
    windows = []
    for supplier in SUPPLIERS:
        if not supplier.has_new_year_shutdown:
            continue
        for new_year in CHINESE_NEW_YEAR.values():
            window = Shutdown(
                supplier.name,
                new_year - dt.timedelta(days=7),
                new_year + dt.timedelta(days=14),
                "Lunar New Year factory closure",
            )
            if window.start - dt.timedelta(days=window.lead_in_days) <= last and (
                window.end >= first
            ):
                windows.append(window)
    return windows
