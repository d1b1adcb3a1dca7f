"""The workspace: creating it, opening its store, its settings and its status.

A workspace is a directory (``--workspace``, else ``TRADEPILOT_HOME``, else
``./tradepilot-data``) holding the embedded SQLite store, unless
``TRADEPILOT_DATABASE_URL`` points the store elsewhere (PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.config import Settings
from tradepilot.domain.errors import DataValidationError
from tradepilot.domain.money import validate_currency
from tradepilot.store import tables
from tradepilot.store.engine import create_engine, migrate


def init_workspace(settings: Settings, *, base_currency: str | None = None) -> Engine:
    """Create (or upgrade) the workspace and return its engine.

    Parameters
    ----------
    settings : Settings
        Where the workspace lives.
    base_currency : str, optional
        Reporting currency; by default the dominant currency of the first data imported.
    """
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = open_store(settings)
    if base_currency:
        with engine.begin() as conn:
            set_setting(conn, "base_currency", validate_currency(base_currency))
    return engine


def open_store(settings: Settings) -> Engine:
    """The workspace's engine, with the schema upgraded to the newest revision."""
    engine = create_engine(settings)
    migrate(engine)
    return engine


def get_setting(conn: Connection, key: str) -> str | None:
    """A workspace setting, or None."""
    row = conn.execute(
        sa.select(tables.settings.c.value).where(tables.settings.c.key == key)
    ).first()
    return None if row is None else str(row[0])


def set_setting(conn: Connection, key: str, value: str) -> None:
    """Create or replace a workspace setting."""
    conn.execute(sa.delete(tables.settings).where(tables.settings.c.key == key))
    conn.execute(sa.insert(tables.settings).values(key=key, value=value))


def base_currency(conn: Connection) -> str | None:
    """The reporting currency: as set, else the dominant currency of the orders.

    The dominant currency is fixed (stored) the first time it is determined, so that
    reports do not change currency when later imports shift the balance.
    """
    stored = get_setting(conn, "base_currency")
    if stored:
        return stored
    o, lines = tables.orders, tables.order_lines
    row = conn.execute(
        sa.select(o.c.currency, sa.func.count())
        .select_from(lines.join(o, lines.c.order_id == o.c.id))
        .group_by(o.c.currency)
        .order_by(sa.func.count().desc(), o.c.currency)
        .limit(1)
    ).first()
    if row is None:
        return None
    set_setting(conn, "base_currency", str(row[0]))
    return str(row[0])


def revenue_in_base(
    conn: Connection, base: str
) -> tuple[float | None, list[dict[str, Any]]]:
    """Net revenue converted to ``base`` at each day's rate, and the FX gaps.

    Net revenue as :mod:`tradepilot.reporting.kpis` defines it.

    Returns
    -------
    revenue : float or None
        None when some amount has no rate (see the gaps).
    gaps : list of dict
        ``currency``, ``first_date``, ``last_date``, ``days`` without a usable rate.
    """
    from tradepilot.reporting.totals import sales_totals

    totals = sales_totals(conn, base=base)
    return totals.revenue, totals.fx_gaps


def workspace_status(engine: Engine) -> dict[str, Any]:
    """Counts, date range, countries, currencies and revenue of the workspace.

    ``orders`` (sale orders) and ``revenue_base`` (net revenue) are the KPI report's
    (:mod:`tradepilot.reporting.kpis`); ``all_orders`` counts every order document,
    cancellations, returns and adjustments included.
    """
    from tradepilot.reporting.totals import SalesTotals, sales_totals

    t = tables
    with engine.begin() as conn:
        count = _counter(conn)
        span = conn.execute(
            sa.select(
                sa.func.min(t.orders.c.ordered_at), sa.func.max(t.orders.c.ordered_at)
            )
        ).one()
        countries = _distinct(conn, t.orders.c.country)
        currencies = _distinct(conn, t.orders.c.currency)
        base = base_currency(conn)
        sales = sales_totals(conn, base=base) if base else SalesTotals(0, None)
        return {
            "orders": sales.orders,
            "all_orders": count(t.orders),
            "order_lines": count(t.order_lines),
            "customers": count(t.customers),
            "products": count(t.products),
            "countries": countries,
            "currencies": currencies,
            "date_min": span[0].isoformat() if span[0] else None,
            "date_max": span[1].isoformat() if span[1] else None,
            "base_currency": base,
            "revenue_base": sales.revenue,
            "fx_gaps": sales.fx_gaps,
            "quarantined": count(t.quarantine),
            "imports": count(t.import_runs),
            "fx_rates": count(t.fx_rates),
            "purchase_orders": count(t.purchase_orders),
            "inventory_snapshots": count(t.inventory_snapshots),
        }


def newest_order_day(engine: Engine) -> dt.date:
    """The UTC day of the newest order: the workspace's "today".

    The monitors, ``risk orders``, the brief and ``ask`` work as of this day unless
    given a date, and the forecast's default cutoff counts from it (a demo store's
    data ends before the wall-clock date; a seller importing daily sees no
    difference).

    Raises
    ------
    DataValidationError
        If the workspace holds no orders yet.
    """
    with engine.connect() as conn:
        last = _newest_day(conn, tables.orders.c.ordered_at)
    if last is None:
        raise DataValidationError("no orders in the workspace yet: import orders first")
    return last


def _newest_day(conn: Connection, column: Any, *where: Any) -> dt.date | None:
    """The UTC day of ``column``'s largest value (rows matching ``where``)."""
    last = conn.execute(sa.select(sa.func.max(column)).where(*where)).scalar()
    if last is None:
        return None
    if isinstance(last, dt.datetime):
        return (last.astimezone(dt.UTC) if last.tzinfo else last).date()
    return dt.date.fromisoformat(str(last)[:10])  # SQLite may return text


def last_whole_day(engine: Engine) -> dt.date:
    """The newest order day, or the day before it when that day was not over at
    the last import.

    A seller who exports at 7 in the morning has the night's orders of a day that
    has just begun: reported as "yesterday" it looks like a 70% drop against the
    forecast. When the newest import finished on the newest order day (UTC) or
    before it, that day is partial and the day before is the last whole one.

    Raises
    ------
    DataValidationError
        If the workspace holds no orders yet.
    """
    newest = newest_order_day(engine)
    runs = tables.import_runs
    with engine.connect() as conn:
        imported = _newest_day(conn, runs.c.finished_at, runs.c.undone_at.is_(None))
    if imported is None or imported > newest:
        return newest
    return newest - dt.timedelta(days=1)


def _counter(conn: Connection) -> Any:
    def count(table: sa.Table) -> int:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        )

    return count


def _distinct(conn: Connection, column: Any) -> list[str]:
    rows = conn.execute(sa.select(column).distinct().order_by(column)).scalars().all()
    return [str(r) for r in rows]
