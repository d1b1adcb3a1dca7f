"""Supplier calendars: closures that delay when production of a PO starts (pure).

A factory closes for a while (the Lunar New Year shutdown is the common one). A PO
ordered from ``lead_in_days`` before a closure's start until its end (inclusive)
waits: its production, and so its lead time, starts the day after the closure
ends. The rule is applied again to that day, so back-to-back closures chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from tradepilot.domain.errors import DataValidationError

LUNAR_NEW_YEAR: dict[int, dt.date] = {
    2020: dt.date(2020, 1, 25),
    2021: dt.date(2021, 2, 12),
    2022: dt.date(2022, 2, 1),
    2023: dt.date(2023, 1, 22),
    2024: dt.date(2024, 2, 10),
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6),
    2028: dt.date(2028, 1, 26),
    2029: dt.date(2029, 2, 13),
    2030: dt.date(2030, 2, 3),
    2031: dt.date(2031, 1, 23),
    2032: dt.date(2032, 2, 11),
    2033: dt.date(2033, 1, 31),
    2034: dt.date(2034, 2, 19),
    2035: dt.date(2035, 2, 8),
}
"""First day of the lunar new year (Spring Festival), by Gregorian year."""


@dataclass(frozen=True, slots=True)
class Closure:
    """A period in which a supplier's factory does not work.

    Parameters
    ----------
    supplier : str
        Supplier name, as in the purchase orders.
    start, end : datetime.date
        First and last closed day (inclusive).
    reason : str
        Why it is closed, for people reading a plan.
    lead_in_days : int
        Days before ``start`` from which a new PO already waits for the reopening.

    Raises
    ------
    DataValidationError
        ``end`` is before ``start`` or ``lead_in_days`` is negative.

    Examples
    --------
    >>> c = Closure("Acme", dt.date(2024, 2, 3), dt.date(2024, 2, 24), "LNY", 10)
    >>> c.first_affected, c.reopens
    (datetime.date(2024, 1, 24), datetime.date(2024, 2, 25))
    """

    supplier: str
    start: dt.date
    end: dt.date
    reason: str
    lead_in_days: int = 0

    def __post_init__(self) -> None:
        if self.end < self.start or self.lead_in_days < 0:
            raise DataValidationError(
                f"closure of {self.supplier!r} needs start <= end and lead_in_days >= 0;"
                f" received start={self.start}, end={self.end},"
                f" lead_in_days={self.lead_in_days}"
            )

    @property
    def first_affected(self) -> dt.date:
        """First order day whose production waits for this closure."""
        return self.start - dt.timedelta(days=self.lead_in_days)

    @property
    def reopens(self) -> dt.date:
        """Day production resumes (the day after ``end``)."""
        return self.end + dt.timedelta(days=1)


def lunar_new_year_closures(
    supplier: str,
    years: Iterable[int],
    *,
    before_days: int = 7,
    after_days: int = 14,
    lead_in_days: int = 10,
) -> list[Closure]:
    """Return a supplier's Lunar New Year shutdowns for ``years``.

    Parameters
    ----------
    supplier : str
        Supplier name.
    years : iterable of int
        Gregorian years, each a key of :data:`LUNAR_NEW_YEAR` (2020 to 2035).
    before_days, after_days : int
        Days the factory closes before and after the new year's day.
    lead_in_days : int
        Days before the closure from which new POs wait for the reopening.

    Returns
    -------
    list of Closure
        One closure per year, in the order of ``years``.

    Raises
    ------
    DataValidationError
        A year outside the table.

    Examples
    --------
    >>> [c] = lunar_new_year_closures("Acme", [2024])
    >>> c.start, c.end, c.lead_in_days
    (datetime.date(2024, 2, 3), datetime.date(2024, 2, 24), 10)
    """
    closures = []
    for year in years:
        if year not in LUNAR_NEW_YEAR:
            raise DataValidationError(
                f"no Lunar New Year date for {year}; known years:"
                f" {min(LUNAR_NEW_YEAR)}..{max(LUNAR_NEW_YEAR)}"
            )
        new_year = LUNAR_NEW_YEAR[year]
        closures.append(
            Closure(
                supplier,
                new_year - dt.timedelta(days=before_days),
                new_year + dt.timedelta(days=after_days),
                "Lunar New Year factory closure",
                lead_in_days,
            )
        )
    return closures


def production_start(
    supplier: str, ordered: dt.date, closures: Sequence[Closure]
) -> dt.date:
    """Return the day production of a PO ordered on ``ordered`` starts.

    Parameters
    ----------
    supplier : str
        Supplier of the PO; closures of other suppliers are ignored.
    ordered : datetime.date
        Order day.
    closures : sequence of Closure
        Known closures, any order.

    Returns
    -------
    datetime.date
        ``ordered``, or the day after the closure it falls into (lead-in included),
        repeated while that day falls into another closure.

    Examples
    --------
    >>> lny = lunar_new_year_closures("Acme", [2024])
    >>> production_start("Acme", dt.date(2024, 1, 24), lny)
    datetime.date(2024, 2, 25)
    >>> production_start("Acme", dt.date(2024, 1, 23), lny)
    datetime.date(2024, 1, 23)
    >>> production_start("Other", dt.date(2024, 2, 10), lny)
    datetime.date(2024, 2, 10)
    """
    start = ordered
    for closure in _sorted_for(supplier, closures):
        if closure.first_affected <= start <= closure.end:
            start = closure.reopens
    return start


def production_starts(
    frame: pl.DataFrame,
    closures: Sequence[Closure],
    *,
    supplier_col: str = "supplier",
    date_col: str = "ordered_date",
) -> pl.Series:
    """Vectorised :func:`production_start` over a frame of orders.

    Parameters
    ----------
    frame : polars.DataFrame
        Has ``supplier_col`` (str) and ``date_col`` (``pl.Date``), shape (n_rows, ...).
    closures : sequence of Closure
        Known closures, any order.
    supplier_col, date_col : str
        Names of the supplier and order-day columns.

    Returns
    -------
    polars.Series
        ``start_date`` (``pl.Date``), shape (n_rows,); null where the order day is.

    Raises
    ------
    DataValidationError
        A column is missing or ``date_col`` is not ``pl.Date``.

    Examples
    --------
    >>> orders = pl.DataFrame({"supplier": ["Acme", "Acme", "Other"],
    ...     "ordered_date": [dt.date(2024, 1, 5), dt.date(2024, 2, 1),
    ...                      dt.date(2024, 2, 1)]})
    >>> lny = lunar_new_year_closures("Acme", [2024])
    >>> production_starts(orders, lny).to_list()
    [datetime.date(2024, 1, 5), datetime.date(2024, 2, 25), datetime.date(2024, 2, 1)]
    """
    _check_order_columns(frame, supplier_col, date_col)
    start = pl.col(date_col)
    # Sorted by first affected day, one pass reaches the fixed point (see _sorted_for).
    for closure in sorted(closures, key=lambda c: (c.first_affected, c.end)):
        hit = (pl.col(supplier_col) == closure.supplier) & start.is_between(
            closure.first_affected, closure.end
        )
        start = pl.when(hit).then(pl.lit(closure.reopens)).otherwise(start)
    return frame.select(start.cast(pl.Date).alias("start_date")).to_series()


def promised_arrival(
    supplier: str, ordered: dt.date, lead_days: float, closures: Sequence[Closure]
) -> dt.date:
    """Return the expected arrival of a PO: production start plus the lead time.

    Parameters
    ----------
    supplier : str
        Supplier of the PO.
    ordered : datetime.date
        Order day.
    lead_days : float
        Lead time in days from production start, rounded half to even.
    closures : sequence of Closure
        Known closures.

    Returns
    -------
    datetime.date
        ``production_start(...) + round(lead_days)`` days.

    Examples
    --------
    >>> lny = lunar_new_year_closures("Acme", [2024])
    >>> promised_arrival("Acme", dt.date(2024, 2, 1), 39.2, lny)
    datetime.date(2024, 4, 4)
    >>> promised_arrival("Acme", dt.date(2024, 3, 1), 39.6, lny)
    datetime.date(2024, 4, 10)
    """
    start = production_start(supplier, ordered, closures)
    return start + dt.timedelta(days=round(lead_days))


def _sorted_for(supplier: str, closures: Sequence[Closure]) -> list[Closure]:
    # In order of first affected day, a single pass reaches the fixed point: a
    # closure passed over cannot catch the start again once it has moved later.
    mine = (c for c in closures if c.supplier == supplier)
    return sorted(mine, key=lambda c: (c.first_affected, c.end))


def _check_order_columns(frame: pl.DataFrame, supplier_col: str, date_col: str) -> None:
    if missing := [c for c in (supplier_col, date_col) if c not in frame.columns]:
        raise DataValidationError(
            f"orders lack column(s) {', '.join(missing)}; expected {supplier_col},"
            f" {date_col}; found: {', '.join(frame.columns) or '(none)'}"
        )
    if frame.schema[date_col] != pl.Date:
        raise DataValidationError(
            f"column {date_col!r} must be pl.Date; received {frame.schema[date_col]}"
        )
