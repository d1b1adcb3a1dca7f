"""Use-case verbs of order risk: score orders, mark them fraud or legit.

Orders, their customer and contact data are read from the store; the value is
converted to base currency at the newest rate. Marks are kept in
``order_risk_marks`` and re-weigh the signals of every later scoring.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.risk.alert import Alert, Raised
from tradepilot.risk.config import RiskConfig
from tradepilot.risk.order_risk import explain, order_signals, reweigh, score_orders
from tradepilot.store import tables
from tradepilot.store.bulk import read_frame
from tradepilot.store.tables_risk import order_risk_marks

ORDERS = (
    "SELECT o.id, o.order_number AS order_ref, o.ordered_at, o.country, o.currency,"
    " o.customer_id AS customer, c.email,"
    " c.city || ' ' || c.postal_code AS address,"
    " sum(l.quantity * CAST(l.unit_price AS FLOAT)) AS amount,"
    " max(l.quantity) AS max_units"
    " FROM orders o JOIN order_lines l ON l.order_id = o.id"
    " LEFT JOIN customer_contacts c ON c.customer_id = o.customer_id"
    " WHERE o.kind = 'sale' AND l.kind = 'product'"
    " GROUP BY o.id, o.order_number, o.ordered_at, o.country, o.currency,"
    " o.customer_id, c.email, c.city, c.postal_code"
)

# The newest rate of each currency (all the order values need).
LATEST_RATES = (
    "SELECT currency, CAST(per_eur AS FLOAT) AS per_eur, date FROM fx_rates f"
    " WHERE date = (SELECT max(date) FROM fx_rates g WHERE g.currency = f.currency)"
)


def scored_orders(
    engine: Engine, *, until: dt.date | None = None, risky: tuple[str, ...] = ()
) -> pl.DataFrame:
    """Every sale order up to ``until`` scored, with the weights used."""
    with engine.connect() as conn:
        raw = read_frame(conn, ORDERS)
        rates = read_frame(conn, LATEST_RATES)
        marks = dict(
            conn.execute(
                sa.select(tables.orders.c.order_number, order_risk_marks.c.label).join(
                    tables.orders, tables.orders.c.id == order_risk_marks.c.order_id
                )
            ).all()
        )
        base = _base(conn)
    if raw.height == 0:
        return pl.DataFrame()
    orders = raw.with_columns(
        pl.col("ordered_at").cast(pl.String).str.slice(0, 19)
        .str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False)
        .dt.replace_time_zone("UTC"),
        order=pl.col("order_ref"),
    )  # fmt: skip
    if until is not None:
        orders = orders.filter(pl.col("ordered_at").dt.date() <= until)
    orders = orders.with_columns(value=pl.col("amount") * _factor(rates, base))
    signals = order_signals(orders, risky=risky)
    weights = reweigh(signals, marks)
    return (
        score_orders(signals, weights)
        .with_columns(pl.col("order").replace_strict(marks, default=None).alias("mark"))
        .pipe(lambda f: f.with_columns(weights=pl.lit(str(weights))))
    )


def _base(conn: sa.Connection) -> str:
    from tradepilot.workspace import base_currency

    return base_currency(conn) or "EUR"


def _factor(rates: pl.DataFrame, base: str) -> pl.Expr:
    latest = rates.sort("date").group_by("currency").agg(pl.col("per_eur").last())
    per_eur = {"EUR": 1.0} | dict(latest.iter_rows())
    ref = per_eur.get(base, 1.0)
    factor = {c: ref / r for c, r in per_eur.items() if r}
    return pl.col("currency").replace_strict(
        factor, default=1.0, return_dtype=pl.Float64
    )


def risk_orders(
    engine: Engine,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int | None = None,
    risky: tuple[str, ...] = (),
) -> dict[str, Any]:
    """``{"orders": [{"order", "score", "signals": [...]}]}``, highest first.

    Every order is scored against all orders (what is usual is learned from the
    whole history); ``since`` keeps the ones placed on or after that day.
    """
    scored = scored_orders(engine, until=until, risky=risky)
    if scored.height == 0:
        return {"orders": [], "count": 0}
    weights = eval_weights(scored)
    if since is not None:
        scored = scored.filter(pl.col("ordered_at").dt.date() >= since)
    rows = scored.head(limit) if limit else scored
    orders = [
        {
            "order": row["order"],
            "score": row["score"],
            "signals": explain(row, weights),
            "day": row["ordered_at"].date().isoformat(),
            "country": row["country"],
            "value_base": round(row["value"], 2),
            "mark": row["mark"],
        }
        for row in rows.iter_rows(named=True)
    ]
    return {"orders": orders, "count": scored.height, "weights": weights}


def eval_weights(scored: pl.DataFrame) -> dict[str, float]:
    """The weights a scoring used (kept as text in its ``weights`` column)."""
    import ast

    value = ast.literal_eval(scored["weights"][0])
    return {str(k): float(v) for k, v in value.items()}


def mark_order(engine: Engine, *, order: str, label: str) -> dict[str, Any]:
    """Keep the seller's verdict on ``order``: ``fraud`` or ``legit``.

    Raises
    ------
    DataValidationError
        If the label is not fraud or legit, or there is no such sale order.
    """
    if label not in ("fraud", "legit"):
        raise DataValidationError(f"mark must be fraud or legit; got {label!r}")
    o, marks = tables.orders, order_risk_marks
    with engine.begin() as conn:
        found = conn.execute(
            sa.select(o.c.id).where(o.c.order_number == order, o.c.kind == "sale")
        ).first()
        if found is None:
            raise DataValidationError(f"no sale order {order!r} in the workspace")
        conn.execute(sa.delete(marks).where(marks.c.order_id == found.id))
        conn.execute(
            sa.insert(marks).values(
                order_id=found.id, label=label, marked_at=dt.datetime.now(dt.UTC)
            )
        )
    return {"order": order, "mark": label}


def order_risk_alerts(
    engine: Engine, *, today: dt.date, config: RiskConfig
) -> list[Alert]:
    """An ``order_risk`` alert per unmarked order of the last ``order_risk_days``
    scoring above ``order_risk_score``; money at stake is the order's value."""
    scored = scored_orders(engine, until=today, risky=config.reshipping_countries)
    if scored.height == 0:
        return []
    weights = eval_weights(scored)
    since = today - dt.timedelta(days=config.order_risk_days)
    risky = scored.filter(
        (pl.col("ordered_at").dt.date() > since)
        & (pl.col("score") >= config.order_risk_score)
        & pl.col("mark").is_null()
    )
    raised = Raised("order_risk", config, min_money=0.0)
    for row in risky.iter_rows(named=True):
        signals = explain(row, weights)
        names = ", ".join(str(s["signal"]).replace("_", " ") for s in signals[:3])
        explanation = (
            f"Order {row['order']} to {row['country']} scores {row['score']:.2f} "
            f"for fraud risk: {names}. Check it before shipping."
        )
        evidence = {"score": row["score"], "signals": signals,
                    "value_base": round(row["value"], 2),
                    "link": "/alerts?kind=order_risk"}  # fmt: skip
        raised.add(f"order {row['order']}", row["value"], explanation, evidence)
    return raised.alerts
