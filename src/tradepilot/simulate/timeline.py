"""The simulated calendar: day grid, holidays and retail events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

CHINESE_NEW_YEAR: dict[int, dt.date] = {
    2022: dt.date(2022, 2, 1),
    2023: dt.date(2023, 1, 22),
    2024: dt.date(2024, 2, 10),
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6),
    2028: dt.date(2028, 1, 26),
    2029: dt.date(2029, 2, 13),
    2030: dt.date(2030, 2, 3),
}
"""First day of the lunar new year (the supplier shutdown is anchored on it)."""


@dataclass(frozen=True, slots=True)
class Timeline:
    """The consecutive days of a simulation.

    Parameters
    ----------
    start : datetime.date
        First simulated day (day index 0).
    n_days : int
        Number of days.
    """

    start: dt.date
    n_days: int

    @property
    def dates(self) -> np.ndarray:
        """Calendar days, ``datetime64[D]``, shape (n_days,)."""
        return np.datetime64(self.start, "D") + np.arange(self.n_days)

    @property
    def end(self) -> dt.date:
        """Last simulated day."""
        return self.start + dt.timedelta(days=self.n_days - 1)

    @property
    def weekday(self) -> np.ndarray:
        """Day of week, Monday = 0, shape (n_days,)."""
        return (np.arange(self.n_days) + self.start.weekday()) % 7

    @property
    def day_of_year(self) -> np.ndarray:
        """Day of year, 1 January = 0, shape (n_days,)."""
        dates = self.dates
        return np.asarray(dates - dates.astype("datetime64[Y]"), dtype=np.int64)

    @property
    def years(self) -> range:
        """Calendar years the simulation touches."""
        return range(self.start.year, self.end.year + 1)

    def index(self, day: dt.date) -> int:
        """Return the day index of ``day`` (may fall outside ``[0, n_days)``)."""
        return (day - self.start).days

    def date(self, index: int) -> dt.date:
        """Return the calendar day of day index ``index``."""
        return self.start + dt.timedelta(days=index)


def easter_sunday(year: int) -> dt.date:
    """Return Western Easter Sunday (anonymous Gregorian algorithm).

    Examples
    --------
    >>> easter_sunday(2024), easter_sunday(2025)
    (datetime.date(2024, 3, 31), datetime.date(2025, 4, 20))
    """
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (2 * e + 2 * i - h - k + 32) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    day = (h + l_ - 7 * m + 33 * month + 19) % 32
    return dt.date(year, month, day)


def target_holidays(year: int) -> set[dt.date]:
    """Return the TARGET2 closing days of ``year`` (no ECB reference rates).

    Examples
    --------
    >>> sorted(d.isoformat() for d in target_holidays(2024))[:3]
    ['2024-01-01', '2024-03-29', '2024-04-01']
    """
    easter = easter_sunday(year)
    return {
        dt.date(year, 1, 1),
        easter - dt.timedelta(days=2),
        easter + dt.timedelta(days=1),
        dt.date(year, 5, 1),
        dt.date(year, 12, 25),
        dt.date(year, 12, 26),
    }


def ecb_business_days(first: dt.date, last: dt.date) -> list[dt.date]:
    """Return the days in ``[first, last]`` with an ECB reference rate.

    Monday to Friday, except TARGET closing days, oldest first.
    """
    holidays: set[dt.date] = set()
    for year in range(first.year, last.year + 1):
        holidays |= target_holidays(year)
    days = (first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    return [d for d in days if d.weekday() < 5 and d not in holidays]


def black_friday(year: int) -> dt.date:
    """Return the Friday after the fourth Thursday of November.

    Examples
    --------
    >>> black_friday(2024)
    datetime.date(2024, 11, 29)
    """
    first = dt.date(year, 11, 1)
    first_thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + dt.timedelta(days=22)
