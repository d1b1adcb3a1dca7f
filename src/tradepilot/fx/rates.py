"""Conversion between currencies with daily reference rates (pure, no I/O).

Rates are stored as the ECB publishes them: units of a currency per 1 EUR, one value
per TARGET business day. A conversion on a day without a publication (weekend,
holiday) uses the last rate before it, carried forward at most
:data:`MAX_CARRY_DAYS` days; beyond that, or before the first rate, there is no rate
and :class:`~tradepilot.domain.errors.MissingRateError` names the currency and date.
Never a silent 1.0.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from tradepilot.domain.errors import MissingRateError
from tradepilot.domain.money import Money

ANCHOR = "EUR"
MAX_CARRY_DAYS = 7  # longest TARGET closure is 4 days (Easter); allow a margin

RATE_SCHEMA = {"currency": pl.String, "date": pl.Date, "per_eur": pl.Float64}


class RateTable:
    """Daily reference rates, looked up with carry-forward.

    Parameters
    ----------
    rates : polars.DataFrame
        Long frame with ``currency``, ``date`` and ``per_eur`` (units per 1 EUR).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> table = RateTable(pl.DataFrame({
    ...     "currency": ["USD", "GBP"], "date": [dt.date(2024, 1, 5)] * 2,
    ...     "per_eur": [1.10, 0.86]}))
    >>> round(table.rate("USD", "GBP", dt.date(2024, 1, 7)), 6)  # a Sunday: Friday's
    0.781818
    """

    def __init__(self, rates: pl.DataFrame) -> None:
        self.rates = rates.select(
            pl.col("currency"), pl.col("date"), pl.col("per_eur").cast(pl.Float64)
        ).sort("currency", "date")

    def currencies(self) -> set[str]:
        """Currencies with at least one rate, plus EUR."""
        return {ANCHOR, *self.rates["currency"].unique().to_list()}

    def per_eur(self, currency: str, date: dt.date) -> float:
        """Units of ``currency`` per 1 EUR on ``date`` (carried forward)."""
        if currency == ANCHOR:
            return 1.0
        found = self._lookup(pl.DataFrame({"currency": [currency], "date": [date]}))
        value = found["per_eur"][0]
        if value is None:
            raise MissingRateError(currency, date, self._why(currency, date))
        return float(value)

    def rate(self, source: str, target: str, date: dt.date) -> float:
        """Units of ``target`` per 1 unit of ``source`` on ``date``."""
        return self.per_eur(target, date) / self.per_eur(source, date)

    def convert_money(self, money: Money, target: str, date: dt.date) -> Money:
        """``money`` in ``target`` at the rate of ``date``, rounded to its minor unit."""
        rate = Decimal(repr(self.rate(money.currency, target, date)))
        return Money(money.amount * rate, target)

    def convert(
        self,
        frame: pl.DataFrame,
        *,
        target: str,
        amount: str = "amount",
        currency: str = "currency",
        date: str = "date",
    ) -> pl.Series:
        """Convert a column of amounts to ``target``, each at its own date's rate.

        Raises
        ------
        MissingRateError
            For the first (currency, date) without a rate, naming both.
        """
        keys = frame.select(
            pl.col(currency).alias("currency"), pl.col(date).alias("date")
        )
        same = keys["currency"] == target
        source, goal = self._pair(keys, target)
        missing = (source.is_null() | goal.is_null()) & ~same
        if missing.any():
            index = int(missing.arg_true()[0])
            code = keys["currency"][index] if source[index] is None else target
            day = keys["date"][index]
            raise MissingRateError(code, day, self._why(code, day))
        factor = pl.select(pl.when(same).then(1.0).otherwise(goal / source)).to_series()
        return (frame[amount].cast(pl.Float64) * factor).alias(amount)

    def uncovered(self, needed: pl.DataFrame, *, target: str) -> pl.DataFrame:
        """The rows of ``needed`` (``currency``, ``date``) that cannot be converted to
        ``target``: no rate for the currency or for the target within the carry window.
        """
        keys = needed.select("currency", pl.col("date").cast(pl.Date))
        source, goal = self._pair(keys, target)
        gap = (source.is_null() | goal.is_null()) & (keys["currency"] != target)
        return keys.filter(gap)

    def _pair(self, keys: pl.DataFrame, target: str) -> tuple[pl.Series, pl.Series]:
        """Per-EUR rates of each key's currency and of ``target`` on its date."""
        source = self._lookup(keys)["per_eur"]
        goal = self._lookup(keys.with_columns(pl.lit(target).alias("currency")))
        return source, goal["per_eur"]

    def _lookup(self, keys: pl.DataFrame) -> pl.DataFrame:
        indexed = keys.with_row_index("_i").with_columns(pl.col("date").cast(pl.Date))
        anchor = indexed.filter(pl.col("currency") == ANCHOR).with_columns(
            pl.lit(1.0).alias("per_eur")
        )
        others = indexed.filter(pl.col("currency") != ANCHOR).sort("date")
        found = others.join_asof(
            self.rates.rename({"date": "rate_date"}).sort("rate_date"),
            left_on="date",
            right_on="rate_date",
            by="currency",
            strategy="backward",
            check_sortedness=False,  # sorted by time; polars cannot verify per group
            tolerance=dt.timedelta(days=MAX_CARRY_DAYS),
        ).select("_i", "currency", "date", "per_eur")
        return pl.concat([anchor, found]).sort("_i").select("per_eur")

    def _why(self, currency: str, date: dt.date) -> str:
        dates = self.rates.filter(pl.col("currency") == currency)["date"]
        if dates.len() == 0:
            return f"no rates for {currency} are loaded; run 'tradepilot fx import'"
        first, last = str(dates.min()), str(dates.max())
        return f"{currency} rates loaded from {first} to {last}"
