"""ECB mid rates by day, looked up fast for many conversions (pure).

Built from the fx capability's stored rates (units per EUR, one per business day);
a day without a rate uses the last one before it, at most
:data:`~tradepilot.fx.rates.MAX_CARRY_DAYS` days old, as the fx capability does.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from tradepilot.fx.rates import ANCHOR, MAX_CARRY_DAYS


class MidRates:
    """Daily mid rates: ``rate(source, target, day)``, None when there is none.

    Parameters
    ----------
    rows : iterable of (currency, date, per_eur)
        The stored rates.

    Examples
    --------
    >>> rates = MidRates([("USD", dt.date(2024, 1, 5), 1.1)])
    >>> round(rates.rate("USD", "EUR", dt.date(2024, 1, 7)), 6)
    0.909091
    >>> rates.rate("USD", "EUR", dt.date(2024, 2, 1)) is None
    True
    """

    def __init__(self, rows: Iterable[tuple[str, dt.date, float]]) -> None:
        series: dict[str, list[tuple[dt.date, float]]] = {}
        for currency, day, per_eur in rows:
            series.setdefault(currency, []).append((day, float(per_eur)))
        self._days = {c: [d for d, _ in sorted(v)] for c, v in series.items()}
        self._values = {c: [r for _, r in sorted(v)] for c, v in series.items()}
        self.missing: set[tuple[str, dt.date]] = set()

    def per_eur(self, currency: str, day: dt.date) -> float | None:
        """Units of ``currency`` per EUR on ``day`` (carried forward), or None."""
        if currency == ANCHOR:
            return 1.0
        days = self._days.get(currency)
        if not days:
            return None
        i = bisect.bisect_right(days, day) - 1
        if i < 0 or (day - days[i]).days > MAX_CARRY_DAYS:
            return None
        return self._values[currency][i]

    def rate(self, source: str, target: str, day: dt.date) -> float | None:
        """Units of ``target`` per unit of ``source`` on ``day``, or None."""
        if source == target:
            return 1.0
        low, high = self.per_eur(source, day), self.per_eur(target, day)
        if low is None or high is None:
            self.missing.add((source if low is None else target, day))
            return None
        return high / low

    def convert(
        self, amount: Decimal, source: str, target: str, day: dt.date
    ) -> Decimal | None:
        """``amount`` of ``source`` in ``target`` at the day's mid rate, or None."""
        rate = self.rate(source, target, day)
        return None if rate is None else amount * Decimal(repr(rate))

    def missing_note(self) -> str | None:
        """Which currencies lacked a rate, as a sentence (None if none did)."""
        if not self.missing:
            return None
        codes = sorted({c for c, _ in self.missing})
        first = min(d for _, d in self.missing)
        return (
            f"no ECB rate for {', '.join(codes)} on some days (first {first}): those"
            " amounts are left out of the base-currency totals; import rates with"
            " 'tradepilot fx import eurofxref-hist.csv'"
        )
