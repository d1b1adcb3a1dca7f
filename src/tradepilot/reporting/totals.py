"""Sale orders and net revenue of the whole workspace, for ``tradepilot status``.

The figures are the KPI report's (:mod:`tradepilot.reporting.kpis` defines them; the
API and the Overview page compute them with polars through
:mod:`tradepilot.reporting.sales`). Status only needs two totals, so this module
computes them in plain Python, without importing polars: ``tradepilot status``
starts in about half the time (``bench/cli_startup_bench.py``).
``tests/reporting/test_agreement.py`` checks that both give the same figures.

The conversion follows :class:`~tradepilot.fx.rates.RateTable`: each day's amounts
at that day's ECB rate, carried forward at most
:data:`~tradepilot.fx.rates.MAX_CARRY_DAYS` days.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot.domain.money import minor_unit
from tradepilot.domain.orders import OrderKind
from tradepilot.store import tables
from tradepilot.store.dialect import as_number, utc_day

ANCHOR = "EUR"  # rates are stored per 1 EUR (tradepilot.fx.rates.ANCHOR)
MAX_CARRY_DAYS = 7  # tradepilot.fx.rates.MAX_CARRY_DAYS; a test keeps them equal


@dataclass(frozen=True)
class SalesTotals:
    """Orders and net revenue of the whole workspace.

    Attributes
    ----------
    orders : int
        Distinct sale orders.
    revenue : float or None
        Net revenue in the base currency; None when some amount has no FX rate.
    fx_gaps : list of dict
        ``currency``, ``first_date``, ``last_date``, ``days`` without a usable rate.
    """

    orders: int
    revenue: float | None
    fx_gaps: list[dict[str, Any]] = field(default_factory=list)


class _Rates:
    """Units per 1 EUR by currency and day, carried forward (no polars)."""

    def __init__(self, conn: Connection, currencies: set[str]) -> None:
        fx = tables.fx_rates
        wanted = sorted(currencies - {ANCHOR})
        series: dict[str, list[tuple[dt.date, float]]] = defaultdict(list)
        for currency, date, per_eur in conn.execute(
            sa.select(fx.c.currency, fx.c.date, fx.c.per_eur).where(
                fx.c.currency.in_(wanted)
            )
        ):
            series[currency].append((_as_date(date), float(per_eur)))
        self._days: dict[str, list[dt.date]] = {}
        self._values: dict[str, list[float]] = {}
        for currency, points in series.items():
            points.sort()
            self._days[currency] = [day for day, _ in points]
            self._values[currency] = [value for _, value in points]

    def per_eur(self, currency: str, day: dt.date) -> float | None:
        if currency == ANCHOR:
            return 1.0
        days = self._days.get(currency)
        if not days:
            return None
        at = bisect.bisect_right(days, day) - 1
        if at < 0 or (day - days[at]).days > MAX_CARRY_DAYS:
            return None
        return self._values[currency][at]


def sales_totals(conn: Connection, *, base: str) -> SalesTotals:
    """Sale orders and net revenue in ``base``, as the KPI report defines them.

    Unlike :func:`~tradepilot.reporting.service.compute_kpis`, a missing FX rate is
    not an error: the revenue is None and the gaps say which rates are missing.
    """
    rows = _daily_totals(conn)
    if not rows:
        return SalesTotals(orders=0, revenue=0.0)
    orders = sum(n for _, _, kind, n, _ in rows if kind == OrderKind.SALE.value)
    rates = _Rates(conn, {row[1] for row in rows} | {base})
    converted: list[float] = []
    missing: dict[str, set[dt.date]] = defaultdict(set)
    for day, currency, _, _, amount in rows:
        if currency == base:
            converted.append(amount)
            continue
        source, goal = rates.per_eur(currency, day), rates.per_eur(base, day)
        if source is None or goal is None:
            missing[currency].add(day)
        else:
            converted.append(amount * (goal / source))
    if missing:
        gaps = [
            {
                "currency": currency,
                "first_date": min(days).isoformat(),
                "last_date": max(days).isoformat(),
                "days": len(days),
            }
            for currency, days in sorted(missing.items())
        ]
        return SalesTotals(orders=orders, revenue=None, fx_gaps=gaps)
    return SalesTotals(
        orders=orders, revenue=_round(math.fsum(converted), minor_unit(base))
    )


def _daily_totals(
    conn: Connection,
) -> list[tuple[dt.date, str, str, int, float]]:
    """(day, currency, order kind, orders, signed amount of all lines, refunds
    included) per UTC day, currency and kind; adjustments excluded, as in
    :func:`~tradepilot.reporting.sales.daily_aggregates`."""
    o, lines = tables.orders, tables.order_lines
    per_order = (
        sa.select(
            lines.c.order_id,
            sa.func.sum(lines.c.quantity * as_number(lines.c.unit_price)).label(
                "amount"
            ),
        )
        .group_by(lines.c.order_id)
        .subquery()
    )
    keys = [utc_day(o.c.ordered_at, conn.dialect.name), o.c.currency, o.c.kind]
    query = (
        sa.select(*keys, sa.func.count(), sa.func.sum(per_order.c.amount))
        .select_from(o.join(per_order, per_order.c.order_id == o.c.id))
        .where(o.c.kind != OrderKind.ADJUSTMENT.value)
        .group_by(*keys)
    )
    return [
        (_as_date(row[0]), str(row[1]), str(row[2]), int(row[3]), float(row[4] or 0))
        for row in conn.execute(query)
    ]


def _as_date(value: Any) -> dt.date:
    """SQLite returns days as text, PostgreSQL as dates."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _round(value: float, digits: int) -> float:
    """Round as polars' ``round`` does (the KPI report's): half to even, on the
    shortest decimal form of the float (2.675 gives 2.68)."""
    exponent = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(value)).quantize(exponent, rounding=ROUND_HALF_EVEN))
