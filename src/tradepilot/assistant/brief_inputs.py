"""What the daily brief reports, read through the other capabilities' services.

Each reader returns plain figures (lists of dicts, floats in the base currency) and
the notes of what it could not read: a capability that is absent or has no data yet
is a note in the brief, never an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.domain.money import minor_unit
from tradepilot.store import tables
from tradepilot.store.dialect import as_number, utc_day

PERIOD_DAYS = {"D": 1, "W": 7}  # months: the days of each month


@dataclass
class SalesRead:
    """Sale orders per day, country and channel, amounts in ``base``."""

    base: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_sales(engine: Engine, *, start: dt.date, end: dt.date) -> SalesRead:
    """Sale orders from ``start`` to ``end`` (UTC days, both included).

    Returns
    -------
    SalesRead
        ``rows``: ``day, country, channel, orders, revenue`` (gross sales of the sale
        orders in the base currency, each day at its rate) and ``units`` (product
        units); rows whose currency has no rate are left out with a note.
    """
    from tradepilot.fx.service import load_rate_table
    from tradepilot.workspace import base_currency

    with engine.connect() as conn:
        base = base_currency(conn) or "EUR"
        raw = _sale_rows(conn, start, end)
        rates = load_rate_table(conn, {row["currency"] for row in raw} | {base})
    read = SalesRead(base)
    if not raw:
        return read
    import polars as pl

    frame = pl.DataFrame(raw).with_columns(date=pl.col("day"))
    gaps = rates.uncovered(frame.select("currency", "date"), target=base)
    if gaps.height:
        missing = sorted(set(gaps["currency"].to_list()))
        read.notes.append(
            f"sales in {', '.join(missing)} left out: no FX rate to {base}"
            " for some days (tradepilot fx import)"
        )
        frame = frame.join(gaps.unique(), on=["currency", "date"], how="anti")
    revenue = rates.convert(frame, target=base, amount="amount")
    read.rows = frame.with_columns(revenue=revenue).drop("amount", "date").to_dicts()
    return read


def _sale_rows(conn: Any, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    o, lines, ch = tables.orders, tables.order_lines, tables.channels
    product = lines.c.kind == "product"
    refund = lines.c.kind == "refund"
    per_order = (
        sa.select(
            lines.c.order_id,
            sa.func.sum(
                sa.case(
                    (refund, sa.literal(0.0)),
                    else_=lines.c.quantity * as_number(lines.c.unit_price),
                )
            ).label("amount"),
            sa.func.sum(sa.case((product, lines.c.quantity), else_=0)).label("units"),
        )
        .group_by(lines.c.order_id)
        .subquery()
    )
    day = utc_day(o.c.ordered_at, conn.dialect.name)
    keys = [day.label("day"), o.c.currency, o.c.country, ch.c.name.label("channel")]
    since = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    query = (
        sa.select(
            *keys,
            sa.func.count().label("orders"),
            sa.func.sum(per_order.c.amount).label("amount"),
            sa.func.sum(per_order.c.units).label("units"),
        )
        .select_from(
            o.join(per_order, per_order.c.order_id == o.c.id).join(
                ch, ch.c.id == o.c.channel_id
            )
        )
        .where(o.c.kind == "sale", o.c.ordered_at >= since, o.c.ordered_at < until)
        .group_by(*keys)
    )
    return [
        {
            "day": _day(r.day),
            "currency": r.currency,
            "country": r.country,
            "channel": r.channel,
            "orders": int(r.orders),
            "amount": float(r.amount or 0.0),
            "units": int(r.units or 0),
        }
        for r in conn.execute(query)
    ]


def read_forecast(
    engine: Engine, *, days: list[dt.date]
) -> tuple[dict[str, Any] | None, list[str]]:
    """Units the latest forecast run expected on each of ``days``, per country.

    A day before the run's first period (the run forecasts from the day after its
    data) is given the first period's daily pace, and a note says so.

    Returns
    -------
    tuple
        ``{"run_id", "created_at", "first_period", "by_country": {country: {day:
        units}}}`` or None without a forecast run; notes.
    """
    from tradepilot.forecasting.latest import latest_by_country

    run = latest_by_country(engine)
    if run is None:
        return None, ["no forecast yet: sales are not compared with one"
                      " (tradepilot forecast run)"]  # fmt: skip
    freq = str(run["freq"])
    by_period: dict[tuple[str, dt.date], float] = run["units"]
    periods = sorted({start for _, start in by_period})
    notes = []
    if periods and days and days[0] < periods[0]:
        notes.append(
            f"the latest forecast starts on {periods[0].isoformat()}, after some of"
            " these days: they are compared with its first period's daily pace"
        )
    expected: dict[str, dict[dt.date, float]] = {}
    for (country, start), units in by_period.items():
        for day in days:
            if _period_of(day, periods, freq) == start:
                daily = units / _period_days(start, freq)
                expected.setdefault(country, {})[day] = daily
    info = {
        "run_id": run["run_id"],
        "created_at": _iso(run["created_at"]),
        "first_period": periods[0].isoformat() if periods else None,
        "by_country": expected,
    }
    return info, notes


def _period_of(day: dt.date, periods: list[dt.date], freq: str) -> dt.date | None:
    """The period holding ``day``; the first one for a day before them all."""
    if not periods:
        return None
    if day < periods[0]:
        return periods[0]
    for start in reversed(periods):
        if start <= day:
            return start if (day - start).days < _period_days(start, freq) else None
    return None


def _period_days(start: dt.date, freq: str) -> int:
    if freq in PERIOD_DAYS:
        return PERIOD_DAYS[freq]
    following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (following - start).days


def read_cash(
    engine: Engine, *, day: dt.date
) -> tuple[list[dict[str, Any]], list[str]]:
    """Money held per currency on ``day`` (payment providers and bank), with notes.

    Returns
    -------
    tuple
        ``[{"currency", "amount", "holders": [{"holder", "amount"}]}]`` by currency,
        and notes.
    """
    from tradepilot.payments.service import cash_balances

    found = cash_balances(engine, as_of=day)
    by_currency: dict[str, dict[str, Any]] = {}
    for b in found["balances"]:
        digits = minor_unit(b["currency"])
        entry = by_currency.setdefault(
            b["currency"], {"currency": b["currency"], "amount": 0.0, "holders": []}
        )
        amount = round(float(b["amount"]), digits)
        entry["amount"] = round(entry["amount"] + amount, digits)
        entry["holders"].append({"holder": b["holder"], "amount": amount})
    return [by_currency[c] for c in sorted(by_currency)], list(found["notes"])


def read_alerts(engine: Engine) -> list[dict[str, Any]] | None:
    """Open alerts by money at stake; None when the monitors never raised any."""
    from tradepilot.risk.service import list_alerts

    every = list_alerts(engine, status=None)["alerts"]
    if not every:
        return None
    return [a for a in every if a["status"] == "open"]


def _day(value: Any) -> dt.date:
    """SQLite returns days as text, PostgreSQL as dates."""
    if isinstance(value, dt.datetime):
        return value.date()
    return (
        value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    )


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
