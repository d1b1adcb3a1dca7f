"""The workspace: creating it, opening its store, its settings and its status.

A workspace is a directory (``--workspace``, else ``TRADEPILOT_HOME``, else
``./tradepilot-data``) holding the embedded SQLite store, unless
``TRADEPILOT_DATABASE_URL`` points the store elsewhere (PostgreSQL).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.config import Settings
from tradepilot.domain.money import validate_currency
from tradepilot.store import tables
from tradepilot.store.dialect import as_number, utc_day, with_day_text
from tradepilot.store.engine import create_engine, migrate

if TYPE_CHECKING:
    import polars as pl

    from tradepilot.fx.rates import RateTable


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


def revenue_by_currency_day(conn: Connection) -> pl.DataFrame:
    """Net revenue per (currency, UTC day): every line, adjustment orders excluded."""
    import polars as pl  # polars costs a third of a second; status rarely needs it

    o, lines = tables.orders, tables.order_lines
    day = utc_day(o.c.ordered_at, conn.dialect.name)
    amount = sa.func.sum(lines.c.quantity * as_number(lines.c.unit_price))
    result = conn.execute(
        sa.select(day.label("date"), o.c.currency, amount.label("amount"))
        .select_from(lines.join(o, lines.c.order_id == o.c.id))
        .where(o.c.kind != "adjustment")
        .group_by(o.c.currency, day)
    ).all()
    frame = pl.DataFrame(
        with_day_text(result),
        schema={"date": pl.String, "currency": pl.String, "amount": pl.Float64},
        orient="row",
    )
    return frame.with_columns(pl.col("date").str.to_date("%Y-%m-%d"))


def revenue_in_base(
    conn: Connection, base: str
) -> tuple[float | None, list[dict[str, Any]]]:
    """Net revenue converted to ``base`` at each day's rate, and the FX gaps.

    Returns
    -------
    revenue : float or None
        None when some amount has no rate (see the gaps).
    gaps : list of dict
        ``currency``, ``first_date``, ``last_date``, ``days`` without a usable rate.
    """
    if _currencies(conn) <= {base}:  # one currency: a plain sum, no per-day rates
        return _plain_revenue(conn), []
    import polars as pl

    from tradepilot.fx.service import load_rate_table

    revenue = revenue_by_currency_day(conn)
    foreign = revenue.filter(pl.col("currency") != base)
    rates = load_rate_table(conn, [*foreign["currency"].unique().to_list(), base])
    gaps = fx_gaps(rates, foreign.select("currency", "date"), base)
    if gaps:
        return None, gaps
    converted = rates.convert(foreign, target=base)
    home = revenue.filter(pl.col("currency") == base)["amount"].sum()
    return round(float(converted.sum()) + float(home), 2), []


def _currencies(conn: Connection) -> set[str]:
    rows = conn.execute(sa.select(tables.orders.c.currency).distinct()).scalars()
    return {str(r) for r in rows}


def _plain_revenue(conn: Connection) -> float:
    o, lines = tables.orders, tables.order_lines
    total = conn.execute(
        sa.select(sa.func.sum(lines.c.quantity * as_number(lines.c.unit_price)))
        .select_from(lines.join(o, lines.c.order_id == o.c.id))
        .where(o.c.kind != "adjustment")
    ).scalar()
    return round(float(total or 0.0), 2)


def fx_gaps(rates: RateTable, needed: pl.DataFrame, base: str) -> list[dict[str, Any]]:
    """Per currency, the days of ``needed`` (``currency``, ``date``) with no rate."""
    import polars as pl

    missing = rates.uncovered(needed, target=base)
    summary = missing.group_by("currency").agg(
        pl.col("date").min().alias("first_date"),
        pl.col("date").max().alias("last_date"),
        pl.col("date").n_unique().alias("days"),
    )
    return [
        {
            **row,
            "first_date": row["first_date"].isoformat(),
            "last_date": row["last_date"].isoformat(),
        }
        for row in summary.sort("currency").iter_rows(named=True)
    ]


def workspace_status(engine: Engine) -> dict[str, Any]:
    """Counts, date range, countries, currencies and revenue of the workspace."""
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
        revenue, gaps = revenue_in_base(conn, base) if base else (None, [])
        return {
            "orders": count(t.orders),
            "order_lines": count(t.order_lines),
            "customers": count(t.customers),
            "products": count(t.products),
            "countries": countries,
            "currencies": currencies,
            "date_min": span[0].isoformat() if span[0] else None,
            "date_max": span[1].isoformat() if span[1] else None,
            "base_currency": base,
            "revenue_base": revenue,
            "fx_gaps": gaps,
            "quarantined": count(t.quarantine),
            "imports": count(t.import_runs),
            "fx_rates": count(t.fx_rates),
            "purchase_orders": count(t.purchase_orders),
            "inventory_snapshots": count(t.inventory_snapshots),
        }


def _counter(conn: Connection) -> Any:
    def count(table: sa.Table) -> int:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        )

    return count


def _distinct(conn: Connection, column: Any) -> list[str]:
    rows = conn.execute(sa.select(column).distinct().order_by(column)).scalars().all()
    return [str(r) for r in rows]
