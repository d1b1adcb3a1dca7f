"""The daily sale aggregates every report starts from, read from the store.

The KPI report (:func:`tradepilot.reporting.service.compute_kpis`: API and Overview
page) reads these aggregates and applies the definitions of
:mod:`tradepilot.reporting.kpis`. ``tradepilot status`` computes the same two totals
without polars (:mod:`tradepilot.reporting.totals`); a test keeps them equal.
"""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot.domain.catalog import LineKind
from tradepilot.domain.orders import OrderKind
from tradepilot.fx.rates import RateTable
from tradepilot.fx.service import load_rate_table
from tradepilot.reporting.kpis import DAILY_SCHEMA
from tradepilot.store import tables
from tradepilot.store.dialect import as_number, utc_day, with_day_text


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
