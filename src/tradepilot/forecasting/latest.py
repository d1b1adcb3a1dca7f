"""The latest forecast run in totals, for other capabilities (the daily brief).

Light on purpose: it reads the stored run with SQL and imports no model library, so
a command that only needs the latest figures starts at once (importing
:mod:`tradepilot.forecasting.service` loads statsforecast and statsmodels).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.store import tables


def latest_by_country(engine: Engine) -> dict[str, Any] | None:
    """Units the latest forecast run expects per country and period, or None.

    Returns
    -------
    dict or None
        ``run_id``, ``created_at`` (datetime), ``freq`` (``D``, ``W`` or ``M``) and
        ``units``: ``{(country, period_start): units}`` summed over SKUs.
    """
    runs, values = tables.forecast_runs, tables.forecast_values
    with engine.connect() as conn:
        run = conn.execute(
            sa.select(runs.c.id, runs.c.created_at, runs.c.freq)
            .where(runs.c.kind == "forecast")
            .order_by(runs.c.id.desc())
            .limit(1)
        ).first()
        if run is None:
            return None
        rows = conn.execute(
            sa.select(
                values.c.country,
                values.c.period_start,
                sa.func.sum(values.c.forecast),
            )
            .where(values.c.run_id == run.id)
            .group_by(values.c.country, values.c.period_start)
        ).all()
    units = {(str(c), _day(p)): float(u or 0.0) for c, p, u in rows}
    return {"run_id": run.id, "created_at": run.created_at, "freq": run.freq,
            "units": units}  # fmt: skip


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
