"""Reading order aggregates from the store and turning them into KPI reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.fx.service import load_rate_table
from tradepilot.reporting.kpis import DIMENSIONS, as_records, kpi_frame
from tradepilot.store import tables
from tradepilot.store.dialect import as_number, utc_day, with_day_text
from tradepilot.workspace import base_currency


@dataclass
class KpiReport:
    """KPIs in the base currency: totals and per month, country and channel."""

    base_currency: str | None
    totals: dict[str, Any] = field(default_factory=dict)
    by: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def data_version(engine: Engine) -> str:
    """Changes whenever an import or a setting could change a report (cache key)."""
    with engine.connect() as conn:
        run = conn.execute(sa.select(sa.func.max(tables.import_runs.c.id))).scalar()
        settings = conn.execute(
            sa.select(sa.func.count(), sa.func.max(tables.settings.c.value))
        ).one()
    return f"{run}:{settings[0]}:{settings[1]}"


def daily_aggregates(conn: Connection) -> pl.DataFrame:
    """Signed amounts and sale-order counts per day, currency, country, channel and
    kind; adjustment orders excluded."""
    o, lines, ch = tables.orders, tables.order_lines, tables.channels
    day = utc_day(o.c.ordered_at, conn.dialect.name).label("date")
    sale_orders = sa.func.count(sa.distinct(sa.case((o.c.kind == "sale", o.c.id))))
    query = (
        sa.select(
            day,
            o.c.currency,
            o.c.country,
            ch.c.name.label("channel"),
            o.c.kind.label("order_kind"),
            lines.c.kind.label("line_kind"),
            sale_orders.label("orders"),
            sa.func.sum(lines.c.quantity * as_number(lines.c.unit_price)).label(
                "amount"
            ),
        )
        .select_from(
            lines.join(o, lines.c.order_id == o.c.id).join(
                ch, ch.c.id == o.c.channel_id
            )
        )
        .where(o.c.kind != "adjustment")
        .group_by(day, o.c.currency, o.c.country, ch.c.name, o.c.kind, lines.c.kind)
    )
    rows = conn.execute(query).all()
    schema = {
        "date": pl.String,
        "currency": pl.String,
        "country": pl.String,
        "channel": pl.String,
        "order_kind": pl.String,
        "line_kind": pl.String,
        "orders": pl.Int64,
        "amount": pl.Float64,
    }
    frame = pl.DataFrame(with_day_text(rows), schema=schema, orient="row")
    return frame.with_columns(pl.col("date").str.to_date("%Y-%m-%d"))


def compute_kpis(engine: Engine) -> KpiReport:
    """KPI totals and breakdowns of the whole workspace.

    Raises
    ------
    MissingRateError
        If an order's amount cannot be converted to the base currency.
    """
    with engine.begin() as conn:
        base = base_currency(conn)
        daily = daily_aggregates(conn)
        if base is None or daily.height == 0:
            return KpiReport(base_currency=base)
        rates = load_rate_table(conn, [*daily["currency"].unique().to_list(), base])
    daily = daily.with_columns(rates.convert(daily, target=base).alias("amount_base"))
    report = KpiReport(base_currency=base, totals=as_records(kpi_frame(daily, []))[0])
    report.by = {dim: as_records(kpi_frame(daily, [dim])) for dim in DIMENSIONS}
    return report
