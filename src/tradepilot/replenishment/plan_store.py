"""Saved restock plans: writing a plan, the newest plan, its export and download."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment.restock_lines import LINE_SCHEMA
from tradepilot.store import tables
from tradepilot.store.bulk import insert_frame, read_frame

PLAN_COLUMNS = [
    "id",
    "sku",
    "supplier",
    "mode",
    "qty",
    "order_by",
    "arrival",
    "cost",
    "currency",
    "cost_base",
    "reason",
]


def save_plan(
    conn: Connection,
    result: dict[str, Any],
    params: dict[str, Any],
    lines: pl.DataFrame,
    *,
    seconds: float,
) -> int:
    """Insert a plan (the ``result`` of
    :func:`~tradepilot.replenishment.service.plan_restock`) and its proposed
    ``lines``; return the plan's id."""
    plan_id = conn.execute(
        sa.insert(tables.restock_plans).values(
            created_at=dt.datetime.now(dt.UTC),
            as_of=dt.date.fromisoformat(result["as_of"]),
            base_currency=result["base_currency"],
            status=result["status"],
            explanation=result["explanation"],
            budget=result["budget"],
            spent_base=result["spent_base"],
            forecast_run_id=result["forecast_run_id"],
            params=json.dumps(params),
            summary=json.dumps(
                {
                    k: result[k]
                    for k in ("skus", "skus_due", "stockouts_projected", "solver")
                },
                default=str,
            ),
            seconds=round(seconds, 3),
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    insert_frame(
        conn,
        "restock_lines",
        lines.with_columns(plan_id=pl.lit(plan_id), status=pl.lit("proposed")),
    )
    return int(plan_id)


_READ_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "id": pl.Int64,
    **LINE_SCHEMA,
    "status": pl.String,
    "approved_by": pl.String,
    "approved_at": pl.Datetime("us", "UTC"),
    "po_number": pl.String,
}


_EXPORT_SCHEMA = {
    **_READ_SCHEMA,
    "order_by": pl.String,
    "arrival": pl.String,
    "approved_at": pl.String,
}


def read_lines(conn: Connection, plan_id: int) -> pl.DataFrame:
    """The lines of plan ``plan_id`` as stored, dates as ISO strings."""
    return read_frame(
        conn,
        "SELECT id, sku, supplier, mode, qty, order_by, arrival, unit_cost, cost,"
        " currency, cost_base, freight_base, expected_margin, reason, status,"
        " approved_by, approved_at, po_number"
        " FROM restock_lines WHERE plan_id = :p ORDER BY order_by, sku, mode",
        {"p": plan_id},
        schema=_READ_SCHEMA,
    ).with_columns(pl.col("order_by", "arrival", "approved_at").cast(pl.String))


def latest_plan(engine: Engine) -> dict[str, Any] | None:
    """The newest restock plan with its lines, or None."""
    plans = tables.restock_plans
    with engine.connect() as conn:
        row = (
            conn.execute(sa.select(plans).order_by(plans.c.id.desc()).limit(1))
            .mappings()
            .first()
        )
        if row is None:
            return None
        lines = read_lines(conn, int(row["id"]))
    summary = json.loads(row["summary"])
    return {
        "id": row["id"],
        "status": row["status"],
        "explanation": row["explanation"],
        "budget": row["budget"],
        "spent_base": row["spent_base"],
        "as_of": str(row["as_of"])[:10],
        "base_currency": row["base_currency"],
        "created_at": str(row["created_at"]),
        "params": json.loads(row["params"]),
        **summary,
        "lines": lines.to_dicts(),
    }


def plan_frame(engine: Engine) -> pl.DataFrame:
    """The newest plan's lines as the export table.

    Raises
    ------
    DataValidationError
        If no plan has been made.
    """
    return _export_frame(_newest_plan(engine))


def _newest_plan(engine: Engine) -> dict[str, Any]:
    plan = latest_plan(engine)
    if plan is None:
        raise DataValidationError("no restock plan yet: run 'tradepilot plan restock'")
    return plan


def _export_frame(plan: dict[str, Any]) -> pl.DataFrame:
    frame = pl.DataFrame(plan["lines"], schema=_EXPORT_SCHEMA, strict=False)
    return frame.select(
        *PLAN_COLUMNS, "freight_base", "expected_margin", "status", "po_number"
    )


def export_plan(engine: Engine, out: Path) -> int:
    """Write the newest plan's lines to ``out`` (CSV); return the lines written."""
    frame = plan_frame(engine)
    frame.write_csv(out)
    return frame.height


def plan_download(engine: Engine) -> tuple[str, str]:
    """File name (``restock-plan-<id>-<as of>.csv``) and CSV text of the newest plan.

    Raises
    ------
    DataValidationError
        If no plan has been made.
    """
    plan = _newest_plan(engine)
    name = f"restock-plan-{plan['id']}-{plan['as_of']}.csv"
    return name, _export_frame(plan).write_csv()


def stockout_weeks(
    stockouts: list[dict[str, Any]], *, limit: int = 12
) -> list[dict[str, Any]]:
    """Projected stockouts grouped by the Monday of their week, soonest first.

    >>> stockout_weeks([{"sku": "A", "stockout_date": "2026-12-03"},
    ...                 {"sku": "B", "stockout_date": "2026-12-01"}])[0]["week"]
    '2026-11-30'
    """
    weeks: dict[str, list[dict[str, Any]]] = {}
    for row in stockouts:
        day = dt.date.fromisoformat(str(row["stockout_date"]))
        monday = day - dt.timedelta(days=day.weekday())
        weeks.setdefault(monday.isoformat(), []).append(row)
    return [{"week": w, "skus": rows} for w, rows in sorted(weeks.items())][:limit]
