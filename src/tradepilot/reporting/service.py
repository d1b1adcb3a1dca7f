"""The KPI report of a workspace: totals and breakdowns by month, country and channel.

The figures follow the definitions of :mod:`tradepilot.reporting.kpis`; the daily
aggregates come from :mod:`tradepilot.reporting.sales`, as ``tradepilot status``'s do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.domain.money import minor_unit
from tradepilot.reporting.kpis import DIMENSIONS, as_records, in_base, kpi_frame
from tradepilot.reporting.sales import daily_aggregates, daily_rates
from tradepilot.store import tables
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
        rates = daily_rates(conn, daily, base)
    daily = in_base(daily, rates, base)
    digits = minor_unit(base)
    report = KpiReport(
        base_currency=base,
        totals=as_records(kpi_frame(daily, []), digits=digits)[0],
    )
    report.by = {
        dim: as_records(kpi_frame(daily, [dim]), digits=digits) for dim in DIMENSIONS
    }
    return report
