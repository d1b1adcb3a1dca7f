"""The daily sale aggregates every report starts from, read from the store.

``tradepilot status`` (through :func:`sales_totals`) and the KPI report (through
:func:`tradepilot.reporting.service.compute_kpis`) both read these aggregates and
apply the definitions of :mod:`tradepilot.reporting.kpis`, so their orders and net
revenue agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot.domain.catalog import LineKind
from tradepilot.domain.money import minor_unit
from tradepilot.domain.orders import OrderKind
from tradepilot.fx.rates import RateTable
from tradepilot.fx.service import load_rate_table
from tradepilot.reporting.kpis import (
    DAILY_SCHEMA,
    as_records,
    in_base,
    kpi_frame,
    sale_orders,
)
from tradepilot.store import tables
from tradepilot.store.dialect import as_number, utc_day, with_day_text


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


def daily_aggregates(conn: Connection) -> pl.DataFrame:
    """Orders and signed amounts per UTC day, currency, country, channel and order
    kind (:data:`~tradepilot.reporting.kpis.DAILY_SCHEMA`); adjustments excluded.

    Lines are summed per order first, so each order is one row of the grouping and
    ``orders`` adds up over any breakdown.
    """
    o, lines, ch = tables.orders, tables.order_lines, tables.channels
    line_amount = lines.c.quantity * as_number(lines.c.unit_price)
    refund = lines.c.kind == LineKind.REFUND.value
    zero = sa.literal(0.0)
    per_order = (
        sa.select(
            lines.c.order_id,
            sa.func.sum(sa.case((refund, zero), else_=line_amount)).label("amount"),
            sa.func.sum(sa.case((refund, line_amount), else_=zero)).label("refunds"),
        )
        .group_by(lines.c.order_id)
        .subquery()
    )
    keys = [
        utc_day(o.c.ordered_at, conn.dialect.name).label("date"),
        o.c.currency,
        o.c.country,
        ch.c.name.label("channel"),
        o.c.kind.label("order_kind"),
    ]
    query = (
        sa.select(
            *keys,
            sa.func.count().label("orders"),
            sa.func.sum(per_order.c.amount).label("amount"),
            sa.func.sum(per_order.c.refunds).label("refunds"),
        )
        .select_from(
            o.join(per_order, per_order.c.order_id == o.c.id).join(
                ch, ch.c.id == o.c.channel_id
            )
        )
        .where(o.c.kind != OrderKind.ADJUSTMENT.value)
        .group_by(*keys)
    )
    rows = conn.execute(query).all()
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        **DAILY_SCHEMA,
        "date": pl.String,
    }
    frame = pl.DataFrame(with_day_text(rows), schema=schema, orient="row")
    return frame.with_columns(pl.col("date").str.to_date("%Y-%m-%d"))


def daily_rates(conn: Connection, daily: pl.DataFrame, base: str) -> RateTable:
    """The FX rates needed to convert ``daily`` to ``base``."""
    return load_rate_table(conn, [*daily["currency"].unique().to_list(), base])


def sales_totals(conn: Connection, *, base: str) -> SalesTotals:
    """Sale orders and net revenue in ``base``, as the KPI report defines them.

    Unlike :func:`~tradepilot.reporting.service.compute_kpis`, a missing FX rate is
    not an error: the revenue is None and the gaps say which rates are missing.
    """
    daily = daily_aggregates(conn)
    if daily.height == 0:
        return SalesTotals(orders=0, revenue=0.0)
    rates = daily_rates(conn, daily, base)
    foreign = daily.filter(pl.col("currency") != base)
    gaps = fx_gaps(rates, foreign.select("currency", "date"), base)
    if gaps:
        return SalesTotals(orders=sale_orders(daily), revenue=None, fx_gaps=gaps)
    totals = kpi_frame(in_base(daily, rates, base), [])
    revenue = as_records(totals, digits=minor_unit(base))[0]["revenue"]
    return SalesTotals(orders=sale_orders(daily), revenue=revenue)


def fx_gaps(rates: RateTable, needed: pl.DataFrame, base: str) -> list[dict[str, Any]]:
    """Per currency, the days of ``needed`` (``currency``, ``date``) with no rate."""
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
