"""Reading stored rates for conversion."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot.fx.rates import ANCHOR, RateTable
from tradepilot.store import tables


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
