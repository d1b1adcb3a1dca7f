"""Read side of forecasting: the latest run, its series, one series in detail."""

from __future__ import annotations

from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.forecasting.choice import explain_choice
from tradepilot.forecasting.series import SEPARATOR, demand_lines
from tradepilot.forecasting.service import (
    correct_stockouts,
    latest_run,
    panel_of,
    read_order_lines_of,
    read_snapshots_of,
    run_settings,
)
from tradepilot.store import tables
from tradepilot.store.bulk import read_frame


def run_summary(engine: Engine) -> dict[str, Any] | None:
    """The latest forecast run and the latest backtest, or None before any run."""
    with engine.connect() as conn:
        run = latest_run(conn)
        backtest = latest_run(conn, kind="backtest")
    if run is None:
        return None
    return {"run": run, "backtest": backtest}


def list_series(
    engine: Engine, *, sku: str | None = None, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Series of the latest run with their model choice, worst CV error first."""
    with engine.connect() as conn:
        run = latest_run(conn)
        if run is None:
            return {"data": [], "count": 0}
        c = tables.forecast_choices
        where = [c.c.run_id == run["id"]]
        if sku:
            where.append(c.c.sku.contains(sku, autoescape=True))
        count = conn.execute(sa.select(sa.func.count()).where(*where)).scalar_one()
        rows = conn.execute(
            sa.select(
                c.c.unique_id,
                c.c.sku,
                c.c.country,
                c.c.demand_class,
                c.c.model,
                c.c.cv_rmsse,
                c.c.cv_mae,
                c.c.n_windows,
            )
            .where(*where)
            .order_by(
                sa.case((c.c.cv_rmsse.is_(None), 1), else_=0),
                c.c.cv_rmsse.desc(),
                c.c.unique_id,
            )
            .limit(limit)
            .offset(offset)
        ).mappings()
        return {
            "data": [dict(r) for r in rows],
            "count": int(count),
            "run_id": run["id"],
        }


def series_detail(
    engine: Engine, unique_id: str, *, history: int = 52
) -> dict[str, Any]:
    """One series: its last ``history`` periods of demand, the forecast with intervals,
    and the model chosen with its CV error.

    ``explanation`` says why the model was chosen (the selection rule with the
    numbers, :func:`~tradepilot.forecasting.choice.explain_choice`); ``candidates``
    are lowest score first, the chosen one with ``chosen`` true.

    Raises
    ------
    DataValidationError
        If the latest run has no such series.
    """
    with engine.connect() as conn:
        run = latest_run(conn)
        if run is None:
            raise DataValidationError(
                "no forecast yet: run 'tradepilot forecast run' first"
            )
        params = {"r": run["id"], "u": unique_id}
        choice = (
            conn.execute(
                sa.select(tables.forecast_choices).where(
                    tables.forecast_choices.c.run_id == run["id"],
                    tables.forecast_choices.c.unique_id == unique_id,
                )
            )
            .mappings()
            .first()
        )
        if choice is None:
            raise DataValidationError(
                f"no series {unique_id!r} in forecast run {run['id']}"
            )
        values = read_frame(
            conn,
            "SELECT period_start, forecast FROM forecast_values WHERE run_id = :r AND unique_id = :u",
            params,
            schema={"period_start": pl.Date},
        )
        bounds = read_frame(
            conn,
            "SELECT period_start, level, lo, hi FROM forecast_intervals WHERE run_id = :r AND unique_id = :u",
            params,
            schema={"period_start": pl.Date},
        )
        scores = read_frame(
            conn,
            "SELECT model, cv_rmsse, cv_mae FROM forecast_scores"
            " WHERE run_id = :r AND unique_id = :u ORDER BY id",
            params,
        )
        lines = read_order_lines_of(conn, sku=choice["sku"])
        settings = run_settings(run)
        corrected = settings.stockout_correction
        snapshots = read_snapshots_of(conn, sku=choice["sku"]) if corrected else None
    panel = panel_of(demand_lines(lines), settings)
    if snapshots is not None and panel.height:
        panel = correct_stockouts(panel, snapshots, settings.freq)
    past = panel.filter(
        pl.col("unique_id") == f"{choice['sku']}{SEPARATOR}{choice['country']}"
    ).tail(history)
    explained = explain_choice(
        scores.to_dicts(),
        model=choice["model"],
        demand_class=choice["demand_class"],
        n_windows=choice["n_windows"],
    )
    return {
        "choice": dict(choice),
        "explanation": explained.text,
        "candidates": explained.candidates,
        "history": {
            "ds": [str(d) for d in past["ds"]],
            "y": past["y_observed" if corrected else "y"].to_list(),
            "demand": past["y"].to_list() if corrected else None,
        },
        "forecast": {
            "ds": [str(d) for d in values.sort("period_start")["period_start"]],
            "y": values.sort("period_start")["forecast"].to_list(),
            "intervals": {
                str(level): {
                    "lo": part.sort("period_start")["lo"].to_list(),
                    "hi": part.sort("period_start")["hi"].to_list(),
                }
                for (level,), part in bounds.group_by("level")
            },
        },
    }
