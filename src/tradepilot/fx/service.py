"""Reading stored rates for conversion."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from decimal import Decimal

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot.domain.errors import MissingRateError
from tradepilot.fx.rates import ANCHOR, RateTable
from tradepilot.store import tables

FX_IMPORT_HINT = "import exchange rates first: tradepilot fx import eurofxref-hist.csv"
"""What to do about a missing rate, for messages."""
FX_UPDATE_HINT = "import newer rates: tradepilot fx import eurofxref-hist.csv"
STALE_DAYS = 7
"""A newest rate older than this is called out with :data:`FX_IMPORT_HINT`."""


def load_rate_table(conn: Connection, currencies: Iterable[str]) -> RateTable:
    """The stored rates of ``currencies`` (EUR needs none)."""
    wanted = sorted(set(currencies) - {ANCHOR})
    fx = tables.fx_rates
    rows = conn.execute(
        sa.select(fx.c.currency, fx.c.date, fx.c.per_eur).where(
            fx.c.currency.in_(wanted)
        )
    ).all()
    frame = pl.DataFrame(
        [(c, d, float(v)) for c, d, v in rows],
        schema={"currency": pl.String, "date": pl.Date, "per_eur": pl.Float64},
        orient="row",
    )
    return RateTable(frame)


class LatestRates:
    """Conversion at the newest rates on or before a day (no carry-forward limit).

    For figures *as of* a day (a plan or a margin report for today), where the
    newest loaded rate is the best estimate; transactions use :class:`RateTable`,
    whose carry-forward is bounded.

    Raises
    ------
    MissingRateError
        When converting a currency with no rate on or before ``day``; the message
        says how to import rates.
    """

    def __init__(self, conn: Connection, currencies: Iterable[str], day: dt.date):
        self.day = day
        rates = load_rate_table(conn, currencies).rates.filter(pl.col("date") <= day)
        newest = rates.group_by("currency").agg(pl.all().sort_by("date").last())
        self.per_eur = {ANCHOR: 1.0} | dict(
            zip(newest["currency"], newest["per_eur"], strict=True)
        )
        self.dates: dict[str, dt.date] = dict(
            zip(newest["currency"], newest["date"], strict=True)
        )

    def age(self) -> tuple[dt.date, int] | None:
        """The oldest of the newest rates loaded and its age in days on ``day``;
        None when every rate is of ``day`` itself (or only EUR is involved)."""
        if not self.dates:
            return None
        oldest = min(self.dates.values())
        days = (self.day - oldest).days
        return (oldest, days) if days > 0 else None

    def age_note(self) -> str | None:
        """How old the rates used are, when older than ``day``, as a sentence."""
        found = self.age()
        if found is None:
            return None
        oldest, days = found
        note = (
            f"FX: the newest rates on file are of {oldest} ({days} day"
            f"{'s' if days != 1 else ''} before {self.day}), used as they are"
        )
        return note + (f"; {FX_UPDATE_HINT}" if days > STALE_DAYS else "")

    def rate(self, source: str, target: str) -> float:
        """Units of ``target`` per unit of ``source``."""
        if source == target:
            return 1.0
        for code in (source, target):
            if code not in self.per_eur:
                raise MissingRateError(
                    code,
                    self.day,
                    f"no {code} rate on or before {self.day}; {FX_IMPORT_HINT}",
                )
        value = self.per_eur[target] / self.per_eur[source]
        if not math.isfinite(value):
            raise MissingRateError(source, self.day, "rate is not a number")
        return value

    def convert(self, amount: Decimal, source: str, target: str) -> Decimal:
        """``amount`` of ``source`` in ``target`` (unrounded)."""
        if source == target:
            return amount
        return amount * Decimal(repr(self.rate(source, target)))
