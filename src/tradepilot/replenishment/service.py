"""Replenishment use cases: plan a restock and allocate cash.

Each verb reads the store, calls the pure cores of this package and, for a plan,
saves it: :func:`plan_restock` and :func:`allocate_cash` here; the other verbs live
beside them, one module per concern:

* :mod:`~tradepilot.replenishment.leadtime_service`: ``learn_lead_times``;
* :mod:`~tradepilot.replenishment.position_service`: ``stock_positions`` and the
  data every plan is made from;
* :mod:`~tradepilot.replenishment.plan_store`: ``latest_plan``, ``export_plan``,
  ``plan_download``;
* :mod:`~tradepilot.replenishment.approval_service`: ``approve_lines``;
* :mod:`~tradepilot.replenishment.simulate_service`: the policy simulation.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import polars as pl
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment import inputs
from tradepilot.replenishment.allocation import allocation_summary, rank_allocations
from tradepilot.replenishment.config import PurchasingConfig
from tradepilot.replenishment.optimizer import PlanParams, solve_purchase_plan
from tradepilot.replenishment.plan_store import read_lines, save_plan
from tradepilot.replenishment.policy import service_level_fraction
from tradepilot.replenishment.position_service import (
    NET_PRICE_SHARE,
    PRICE_WINDOW_DAYS,
    PlanningData,
    read_planning_data,
)
from tradepilot.replenishment.restock_lines import (
    cheapest_order,
    plan_lines,
    policy_table,
    purchase_candidates,
    stockout_calendar,
    supplier_table,
)


def plan_restock(
    engine: Engine,
    config: PurchasingConfig,
    *,
    budget: float | None = None,
    service_level: float | None = None,
    horizon_weeks: int | None = None,
) -> dict[str, Any]:
    """Decide what to buy, from which supplier, by which mode, within ``budget``.

    SKUs whose position is at or below their reorder point (service level over the
    learned lead time plus the review period), or whose stock is projected to run
    out before a new order could arrive, go to the purchase optimiser with every
    supplier and mode that can deliver them. The plan is saved with its lines.

    Parameters
    ----------
    engine : Engine
        The workspace store (with a forecast run).
    config : PurchasingConfig
        Purchasing settings; ``service_level`` and ``horizon_weeks`` override it.
    budget : float, optional
        Cash for goods and freight, base currency (open-to-buy); None: no limit.
    service_level : float, optional
        A fraction (0.95) or a percent (95), 50 % to 99.99 %
        (:func:`~tradepilot.replenishment.policy.service_level_fraction`).
    horizon_weeks : int, optional
        Weeks of demand an order covers after arrival, 1 to 52.

    Returns
    -------
    dict
        ``status, explanation, budget, spent_base, lines`` (see
        :data:`~tradepilot.replenishment.plan_store.PLAN_COLUMNS`),
        plus ``id``, ``as_of``, ``base_currency``, ``solver`` and ``stockouts``.
    """
    started = time.perf_counter()
    if budget is not None and budget < 0:
        raise DataValidationError(f"--budget must be >= 0; received {budget}")
    level = (
        config.service_level
        if service_level is None
        else service_level_fraction(service_level)
    )
    weeks = horizon_weeks or config.horizon_weeks
    if not 1 <= weeks <= 52:
        raise DataValidationError(f"--horizon-weeks must be 1 to 52; received {weeks}")
    data = read_planning_data(engine, config)
    table = policy_table(data, config, level=level, weeks=weeks)
    due = table.filter(pl.col("due"))
    candidates = purchase_candidates(due, data, config)
    plan = solve_purchase_plan(
        due.select(
            "sku",
            pl.col("price_base").alias("price"),
            pl.col("position").cast(pl.Float64),
            pl.col("mean_daily").alias("demand_mean_daily"),
            pl.col("std_daily").alias("demand_std_daily"),
            pl.lit(config.holding_rate).alias("holding_rate"),
        ),
        candidates,
        supplier_table(due, config),
        PlanParams(
            horizon_days=weeks * 7,
            budget=budget,
            warehouse_capacity=config.warehouse_capacity,
            stockout_penalty=config.stockout_penalty,
            currency=data.base,
        ),
    )
    lines = plan_lines(plan.lines, table, data, config, level=level)
    status = plan.status
    if lines.height == 0 and budget is not None and budget < cheapest_order(candidates):
        status = "infeasible"  # due SKUs, but not one minimum order fits the cash
    params = {"service_level": level, "horizon_weeks": weeks, "budget": budget}
    summary = {
        "skus": table.height,
        "skus_due": due.height,
        "stockouts_projected": stockout_calendar(table),
        "solver": {
            "objective": plan.objective,
            "gap": plan.gap,
            "seconds": plan.seconds,
        },
    }
    result = {
        "status": status,
        "explanation": plan.explanation,
        "budget": budget,
        "spent_base": round(float(plan.spent), 2),
        "as_of": data.as_of.isoformat(),
        "base_currency": data.base,
        "forecast_run_id": data.run["id"],
        **summary,
    }
    with engine.begin() as conn:
        result["id"] = save_plan(
            conn, result, params, lines, seconds=time.perf_counter() - started
        )
        result["lines"] = read_lines(conn, int(result["id"])).to_dicts()
    return result


def allocate_cash(
    engine: Engine, config: PurchasingConfig, *, cash: float
) -> dict[str, Any]:
    """Where the next ``cash`` (base currency) earns most: SKU x market, best first.

    Each market's share of a SKU's stock follows its share of the forecast; an
    extra unit for a market returns its expected margin there (the chance it sells
    within the horizon times price less cost and sea freight) per unit of cash.
    """
    if not cash > 0:
        raise DataValidationError(f"--cash must be > 0; received {cash}")
    data = read_planning_data(engine, config)
    with engine.connect() as conn:
        markets = inputs.forecast_by_market(conn, run_id=int(data.run["id"]))
        since = data.as_of - dt.timedelta(days=PRICE_WINDOW_DAYS)
        prices = inputs.selling_prices(
            conn, base=data.base, since=since, until=data.as_of
        )
    cells = _allocation_cells(data, config, markets, prices)
    ranked = rank_allocations(cells, cash=cash)
    return {**allocation_summary(ranked, cash=cash), "base_currency": data.base}


def _allocation_cells(
    data: PlanningData,
    config: PurchasingConfig,
    markets: pl.DataFrame,
    prices: pl.DataFrame,
) -> pl.DataFrame:
    sea = config.modes.get("sea") or next(iter(config.modes.values()))
    products = data.products.join(data.positions, on="sku").select(
        "sku",
        "unit_cost_base",
        "price_base",
        "case_pack",
        "position",
        (pl.col("weight") * sea.freight_per_kg + sea.freight_per_unit).alias("freight"),
    )
    share = pl.col("mean") / pl.col("mean").sum().over("sku")
    return (
        markets.join(products, on="sku")
        .join(prices.select("sku", "market", "price"), on=["sku", "market"], how="left")
        .with_columns(
            price=(pl.col("price") * NET_PRICE_SHARE).fill_null(pl.col("price_base")),
            position_share=(pl.col("position") * share.fill_nan(0.0)).fill_null(0.0),
        )
        .select(
            "sku",
            "market",
            "price",
            pl.col("unit_cost_base").alias("unit_cost"),
            "freight",
            pl.col("mean").alias("demand_mean"),
            pl.col("std").alias("demand_std"),
            "position_share",
            "case_pack",
        )
        .filter(pl.col("demand_mean") > 0)
    )


def stock_on_hand(engine: Engine, *, as_of: dt.date) -> pl.DataFrame:
    """Units on hand per counted SKU at the start of ``as_of``:
    ``sku, on_hand, counted_on`` (SKUs never counted are absent; see
    :func:`tradepilot.replenishment.inputs.stock_on_hand`)."""
    with engine.connect() as conn:
        return inputs.stock_on_hand(conn, as_of=as_of)
