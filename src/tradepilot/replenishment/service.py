"""Replenishment use cases: learn lead times, plan a restock, allocate cash, approve.

Each verb reads the store, calls the pure cores of this package and, for a plan,
saves it: :func:`learn_lead_times`, :func:`stock_positions`, :func:`plan_restock`,
:func:`allocate_cash`, :func:`approve_lines`, :func:`export_plan`,
:func:`latest_plan`. The policy simulation is in
:mod:`tradepilot.replenishment.simulate_service`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment import inputs
from tradepilot.replenishment.allocation import allocation_summary, rank_allocations
from tradepilot.replenishment.calendar import Closure, promised_arrival
from tradepilot.replenishment.config import PurchasingConfig
from tradepilot.replenishment.leadtimes import (
    LeadTime,
    estimate_lead_times,
    estimation_error,
    lead_time_of,
    po_lead_times,
)
from tradepilot.replenishment.optimizer import PlanParams, solve_purchase_plan
from tradepilot.replenishment.policy import reorder_levels, service_level_fraction
from tradepilot.replenishment.position import (
    arrivals_by_day,
    daily_demand,
    project_stock,
)
from tradepilot.store import tables
from tradepilot.store.bulk import insert_frame, read_frame
from tradepilot.workspace import base_currency

TRUTH_FILE = Path("demo-data") / "truth" / "lead_times.json"
PRICE_WINDOW_DAYS = 90
"""Days of sales whose mean price is the selling price of a plan."""
NET_PRICE_SHARE = 0.8
"""Share of the price paid that the seller keeps after VAT and marketplace fees, until
landed cost and margins per country (the margins capability) replace it."""
PROJECTION_DAYS = 182


# --- lead times ---------------------------------------------------------------------


def learn_lead_times(
    engine: Engine,
    config: PurchasingConfig,
    *,
    as_of: dt.date | None = None,
    home: Path | None = None,
) -> dict[str, Any]:
    """Lead time per supplier and mode from the purchase-order history.

    Parameters
    ----------
    engine : Engine
        The workspace store.
    config : PurchasingConfig
        Supplier closures and the stated lead times used as fallbacks.
    as_of : datetime.date, optional
        Open POs are censored at this day (default: the last PO event).
    home : Path, optional
        The workspace directory; in a demo workspace the simulator's true lead times
        are added as ``true_mean_days``.

    Returns
    -------
    dict
        ``{"suppliers": [{supplier, mode, n_pos, n_open, mean_days, std_days,
        p50_days, p90_days, source[, true_mean_days, rel_error]}], "as_of"}``.
    """
    with engine.connect() as conn:
        receipts = inputs.read_receipts(conn)
        suppliers = _catalogue_suppliers(conn)
    estimates, day = lead_time_estimates(
        receipts, config, as_of, extra_suppliers=suppliers
    )
    rows = estimates.to_dicts()
    truth_path = home / TRUTH_FILE if home else None
    if truth_path is not None and truth_path.exists():
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        errors = estimation_error(estimates, truth).select(
            "supplier", "mode", "true_mean_days", "rel_error"
        )
        rows = estimates.join(errors, on=["supplier", "mode"], how="left").to_dicts()
    return {"as_of": day.isoformat(), "suppliers": rows}


def _catalogue_suppliers(conn: Connection) -> list[str]:
    products = inputs.read_products(conn)
    return sorted(products["supplier"].unique().to_list())


def lead_time_estimates(
    receipts: pl.DataFrame,
    config: PurchasingConfig,
    as_of: dt.date | None,
    *,
    extra_suppliers: Sequence[str] = (),
) -> tuple[pl.DataFrame, dt.date]:
    """Estimates per (supplier, mode) with the config's fallbacks."""
    day = as_of or _last_po_event(receipts) or dt.datetime.now(dt.UTC).date()
    closures = config.closures(range(day.year - 6, day.year + 2))
    defaults = dict(config.lead_time_defaults())
    for supplier in extra_suppliers:  # suppliers without history still get a row
        for mode in config.modes_of(supplier):
            defaults.setdefault((supplier, mode), config.lead_time.lead_time())
    times = po_lead_times(receipts_as_of(receipts, day), closures, as_of=day)
    estimates = estimate_lead_times(
        times, defaults=defaults, global_default=config.lead_time.lead_time()
    )
    return estimates, day


def receipts_as_of(receipts: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """The PO history as it was known on ``day``: later orders left out, later
    receipts not yet received.

    >>> r = pl.DataFrame({"ordered_date": [dt.date(2026, 1, 1), dt.date(2026, 3, 1)],
    ...     "received_date": [dt.date(2026, 2, 20), None],
    ...     "quantity_received": [5, None]})
    >>> receipts_as_of(r, dt.date(2026, 2, 1))["received_date"].to_list()
    [None]
    """
    later = pl.col("received_date") > day
    return receipts.filter(pl.col("ordered_date") <= day).with_columns(
        received_date=pl.when(later).then(None).otherwise(pl.col("received_date")),
        quantity_received=pl.when(later)
        .then(None)
        .otherwise(pl.col("quantity_received")),
    )


def _last_po_event(receipts: pl.DataFrame) -> dt.date | None:
    if receipts.height == 0:
        return None
    last = max(
        d
        for d in (receipts["ordered_date"].max(), receipts["received_date"].max())
        if d is not None
    )
    return last + dt.timedelta(days=1) if isinstance(last, dt.date) else None


# --- position -----------------------------------------------------------------------


@dataclass(frozen=True)
class PlanningData:
    """Everything a plan is made from, read once."""

    as_of: dt.date
    base: str
    run: dict[str, Any]
    products: pl.DataFrame
    positions: pl.DataFrame
    estimates: pl.DataFrame
    closures: list[Closure]
    demand: np.ndarray
    spread: np.ndarray
    open_lines: pl.DataFrame


def read_planning_data(engine: Engine, config: PurchasingConfig) -> PlanningData:
    """Read the forecast, catalogue, stock and POs; compute positions and cover."""
    with engine.connect() as conn:
        run, forecast = inputs.forecast_by_sku(conn)
        as_of = forecast["period_start"].min()
        if not isinstance(as_of, dt.date):
            raise DataValidationError("the latest forecast run has no forecast values")
        base = base_currency(conn) or "EUR"
        products = priced_products(conn, config, base=base, as_of=as_of)
        receipts = inputs.read_receipts(conn)
        stock = inputs.stock_on_hand(conn, as_of=as_of)
    estimates, _ = lead_time_estimates(
        receipts,
        config,
        as_of,
        extra_suppliers=products["supplier"].unique().to_list(),
    )
    closures = config.closures(range(as_of.year - 6, as_of.year + 2))
    products = products.filter(pl.col("sku").is_in(forecast["sku"].unique()))
    skus = products["sku"].to_list()
    demand, spread = daily_demand(
        forecast, skus=skus, start=as_of, days=PROJECTION_DAYS
    )
    lines = _expected_arrivals(
        inputs.open_lines(receipts_as_of(receipts, as_of)),
        estimates,
        closures,
        config,
        as_of,
    )
    positions = _positions(products, stock, lines, demand, as_of)
    return PlanningData(
        as_of,
        base,
        run,
        products,
        positions,
        estimates,
        closures,
        demand,
        spread,
        lines,
    )


def priced_products(
    conn: Connection, config: PurchasingConfig, *, base: str, as_of: dt.date
) -> pl.DataFrame:
    """Products with ``unit_cost_base``, ``price_base`` (net) and ``weight``."""
    products = inputs.read_products(conn)
    since = as_of - dt.timedelta(days=PRICE_WINDOW_DAYS)
    prices = inputs.selling_prices(conn, base=base, since=since, until=as_of)
    per_sku = prices.group_by("sku").agg(
        ((pl.col("price") * pl.col("units")).sum() / pl.col("units").sum()).alias(
            "paid"
        )
    )
    rates = {
        code: inputs.rate_to_base(conn, code, base, as_of)
        for code in {
            *products["cost_currency"].drop_nulls().to_list(),
            *products["price_currency"].drop_nulls().to_list(),
        }
    }
    to_base = pl.col("cost_currency").replace_strict(rates, default=None)
    list_base = pl.col("list_price") * pl.col("price_currency").replace_strict(
        rates, default=None
    )
    priced = products.join(per_sku, on="sku", how="left").with_columns(
        price_base=(pl.col("paid").fill_null(list_base) * NET_PRICE_SHARE),
        weight=pl.col("weight_kg").fill_null(config.default_weight_kg),
    )
    return priced.with_columns(
        unit_cost_base=(pl.col("unit_cost") * to_base).fill_null(
            pl.col("price_base") * config.default_cost_share
        ),
        currency=pl.col("cost_currency").fill_null(base),
        cost_known=pl.col("unit_cost").is_not_null(),
    ).filter(pl.col("price_base").is_not_null())


def _expected_arrivals(
    lines: pl.DataFrame,
    estimates: pl.DataFrame,
    closures: list[Closure],
    config: PurchasingConfig,
    as_of: dt.date,
) -> pl.DataFrame:
    """Open PO lines with ``expected_arrival``: the promise, else the learned mean
    lead time from production start; overdue lines are expected on ``as_of``."""
    means = {
        (s, m): float(v)
        for s, m, v in estimates.select("supplier", "mode", "mean_days").iter_rows()
    }
    fallback = config.lead_time.mean_days
    expected = []
    for supplier, mode, ordered, promised in lines.select(
        "supplier", "mode", "ordered_date", "promised_date"
    ).iter_rows():
        lead = means.get((supplier, mode), fallback)
        day = promised or promised_arrival(supplier, ordered, lead, closures)
        expected.append(max(day, as_of))
    return lines.with_columns(expected_arrival=pl.Series(expected, dtype=pl.Date))


def _positions(
    products: pl.DataFrame,
    stock: pl.DataFrame,
    lines: pl.DataFrame,
    demand: np.ndarray,
    as_of: dt.date,
) -> pl.DataFrame:
    skus = products["sku"].to_list()
    on_order = lines.group_by("sku").agg(pl.col("open_qty").sum().alias("on_order"))
    table = (
        products.select("sku")
        .join(stock, on="sku", how="left")
        .join(on_order, on="sku", how="left")
        .with_columns(
            stock_known=pl.col("on_hand").is_not_null(),
            on_hand=pl.col("on_hand").fill_null(0),
            on_order=pl.col("on_order").fill_null(0),
            backorders=pl.lit(0),
        )
    )
    arrivals = arrivals_by_day(lines, skus=skus, start=as_of, days=demand.shape[1])
    _, out = project_stock(table["on_hand"].to_numpy(), arrivals, demand)
    rate = demand[:, :28].mean(axis=1)
    cover = np.where(
        rate > 0, table["on_hand"].to_numpy() / np.maximum(rate, 1e-9), np.inf
    )
    stockout = [
        None if d < 0 else as_of + dt.timedelta(days=int(d)) for d in out.tolist()
    ]
    return table.with_columns(
        position=pl.col("on_hand") + pl.col("on_order") - pl.col("backorders"),
        demand_per_day=pl.Series(np.round(rate, 3)),
        days_of_cover=pl.Series(
            [None if not np.isfinite(c) else round(float(c), 1) for c in cover],
            dtype=pl.Float64,
        ),
        stockout_date=pl.Series(stockout, dtype=pl.Date),
    )


def stock_positions(engine: Engine, config: PurchasingConfig) -> dict[str, Any]:
    """Position and cover per SKU at the forecast's start (see :class:`PlanningData`).

    Returns
    -------
    dict
        ``as_of`` and ``positions``: ``sku, on_hand, on_order, backorders,
        position, demand_per_day, days_of_cover, stockout_date, stock_known``.
    """
    data = read_planning_data(engine, config)
    return {"as_of": data.as_of.isoformat(), "positions": data.positions.to_dicts()}


# --- restock plan ---------------------------------------------------------------------


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
        ``status, explanation, budget, spent_base, lines`` (see :data:`PLAN_COLUMNS`),
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
    table = _policy_table(data, config, level=level, weeks=weeks)
    due = table.filter(pl.col("due"))
    candidates = _candidates(due, data, config)
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
        _suppliers(due, config),
        PlanParams(
            horizon_days=weeks * 7,
            budget=budget,
            warehouse_capacity=config.warehouse_capacity,
            stockout_penalty=config.stockout_penalty,
            currency=data.base,
        ),
    )
    lines = _plan_lines(plan.lines, table, data, config, level=level)
    status = plan.status
    if (
        lines.height == 0
        and budget is not None
        and budget < _cheapest_order(candidates)
    ):
        status = "infeasible"  # due SKUs, but not one minimum order fits the cash
    params = {"service_level": level, "horizon_weeks": weeks, "budget": budget}
    summary = {
        "skus": table.height,
        "skus_due": due.height,
        "stockouts_projected": _stockout_calendar(table),
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
        result["id"] = _save_plan(
            conn, result, params, lines, seconds=time.perf_counter() - started
        )
        result["lines"] = _read_lines(conn, int(result["id"])).to_dicts()
    return result


def _policy_table(
    data: PlanningData, config: PurchasingConfig, *, level: float, weeks: int
) -> pl.DataFrame:
    """Per SKU: the primary (slowest) mode's lead time, reorder levels, ``due``."""
    table = data.products.join(data.positions, on="sku")
    leads = [
        _slowest_lead(data.estimates, supplier, config)
        for supplier in table["supplier"]
    ]
    lead_mean = np.array([lt.mean_days for lt in leads])
    window = np.clip((lead_mean + weeks * 7).astype(int), 7, data.demand.shape[1])
    rows = np.arange(table.height)
    cum = np.cumsum(data.demand, axis=1)
    mean_daily = cum[rows, window - 1] / window
    std_daily = np.sqrt((data.spread**2).mean(axis=1))
    levels = reorder_levels(
        mean_daily,
        std_daily,
        lead_mean_days=lead_mean,
        lead_std_days=np.array([lt.std_days for lt in leads]),
        review_days=config.review_days,
        service_level=level,
        target=config.service_target,
        cycle_qty=mean_daily * weeks * 7,
    )
    p90 = np.array([lt.quantile(0.9) for lt in leads])
    out_in = table.select(
        (pl.col("stockout_date") - pl.lit(data.as_of)).dt.total_days().fill_null(10**6)
    ).to_series()
    soon = out_in.to_numpy() <= p90 + config.review_days
    position = table["position"].to_numpy()
    return table.with_columns(
        mean_daily=pl.Series(mean_daily),
        std_daily=pl.Series(std_daily),
        safety_stock=pl.Series(levels.safety_stock),
        reorder_point=pl.Series(levels.reorder_point),
        order_up_to=pl.Series(levels.order_up_to),
        lead_p90=pl.Series(p90),
        below_reorder=pl.Series(position <= levels.reorder_point),
        due=pl.Series(((position <= levels.reorder_point) | soon) & (mean_daily > 0)),
    )


def _slowest_lead(
    estimates: pl.DataFrame, supplier: str, config: PurchasingConfig
) -> LeadTime:
    found = [
        lead_of(estimates, supplier, mode, config) for mode in config.modes_of(supplier)
    ]
    return max(found, key=lambda lt: lt.mean_days)


def lead_of(
    estimates: pl.DataFrame, supplier: str, mode: str, config: PurchasingConfig
) -> LeadTime:
    """The estimated lead time of ``supplier`` by ``mode``, else the global setting."""
    return lead_time_of(
        estimates, supplier, mode, global_default=config.lead_time.lead_time()
    )


def _candidates(
    due: pl.DataFrame, data: PlanningData, config: PurchasingConfig
) -> pl.DataFrame:
    """One row per SKU x mode its supplier ships by."""
    rows = []
    for sku, supplier, cost, weight, moq, pack in due.select(
        "sku", "supplier", "unit_cost_base", "weight", "moq", "case_pack"
    ).iter_rows():
        for mode in config.modes_of(supplier):
            setting = config.modes.get(mode)
            if setting is None:
                continue
            lead = lead_of(data.estimates, supplier, mode, config)
            rows.append(
                {
                    "sku": sku,
                    "supplier": supplier,
                    "mode": mode,
                    "unit_cost": float(cost),
                    "freight": weight * setting.freight_per_kg
                    + setting.freight_per_unit,
                    "lead_days": lead.mean_days,
                    "lead_std_days": lead.std_days,
                    "moq": int(moq),
                    "case_pack": int(pack),
                }
            )
    schema = {
        "sku": pl.String,
        "supplier": pl.String,
        "mode": pl.String,
        "unit_cost": pl.Float64,
        "freight": pl.Float64,
        "lead_days": pl.Float64,
        "lead_std_days": pl.Float64,
        "moq": pl.Int64,
        "case_pack": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema)


def _cheapest_order(candidates: pl.DataFrame) -> float:
    """Cash of the smallest order any candidate allows (MOQ in whole cases)."""
    if candidates.height == 0:
        return 0.0
    units = pl.max_horizontal(
        (pl.col("moq") / pl.col("case_pack")).ceil() * pl.col("case_pack"),
        pl.col("case_pack"),
    )
    cash = units * (pl.col("unit_cost") + pl.col("freight"))
    return float(candidates.select(cash.min()).item())


def _suppliers(due: pl.DataFrame, config: PurchasingConfig) -> pl.DataFrame:
    names = sorted(due["supplier"].unique().to_list())
    return pl.DataFrame(
        {
            "supplier": names,
            "min_order_value": [config.supplier(n).min_order_value for n in names],
        },
        schema={"supplier": pl.String, "min_order_value": pl.Float64},
    )


def _plan_lines(
    chosen: pl.DataFrame,
    table: pl.DataFrame,
    data: PlanningData,
    config: PurchasingConfig,
    *,
    level: float,
) -> pl.DataFrame:
    """The optimiser's lines with dates, supplier-currency costs and reasons."""
    info = {row["sku"]: row for row in table.to_dicts()}
    rows = []
    for line in chosen.filter(pl.col("qty") > 0).to_dicts():
        sku = info[line["sku"]]
        lead = lead_of(data.estimates, line["supplier"], line["mode"], config)
        order_by = _order_by(sku, lead, data.as_of)
        arrival = promised_arrival(
            line["supplier"], order_by, lead.mean_days, data.closures
        )
        unit_cost = sku["unit_cost"] if sku["cost_known"] else sku["unit_cost_base"]
        rows.append(
            {
                "sku": line["sku"],
                "supplier": line["supplier"],
                "mode": line["mode"],
                "qty": int(line["qty"]),
                "order_by": order_by,
                "arrival": arrival,
                "unit_cost": round(float(unit_cost), 4),
                "cost": round(float(unit_cost) * int(line["qty"]), 2),
                "currency": sku["currency"] if sku["cost_known"] else data.base,
                "cost_base": round(float(line["cost_base"]), 2),
                "freight_base": round(float(line["freight"]) * int(line["qty"]), 2),
                "expected_margin": round(float(line["expected_margin"]), 2),
                "reason": _reason(sku, line, arrival, level, data.as_of),
            }
        )
    return pl.DataFrame(rows, schema=_LINE_SCHEMA)


_LINE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "sku": pl.String,
    "supplier": pl.String,
    "mode": pl.String,
    "qty": pl.Int64,
    "order_by": pl.Date,
    "arrival": pl.Date,
    "unit_cost": pl.Float64,
    "cost": pl.Float64,
    "currency": pl.String,
    "cost_base": pl.Float64,
    "freight_base": pl.Float64,
    "expected_margin": pl.Float64,
    "reason": pl.String,
}


def _order_by(sku: dict[str, Any], lead: LeadTime, as_of: dt.date) -> dt.date:
    """Today when at or below the reorder point, else in time to beat the stockout
    with 90 % of deliveries."""
    out = sku["stockout_date"]
    if sku["below_reorder"] or out is None:
        return as_of
    latest: dt.date = out - dt.timedelta(days=int(np.ceil(lead.quantile(0.9))))
    return max(as_of, latest)


def _reason(
    sku: dict[str, Any],
    line: dict[str, Any],
    arrival: dt.date,
    level: float,
    as_of: dt.date,
) -> str:
    """Why this line, in words."""
    rate = max(sku["mean_daily"], 1e-9)
    left = max(sku["position"] - rate * (arrival - as_of).days, 0.0)
    weeks = (left + line["qty"]) / rate / 7
    out = sku["stockout_date"]
    parts = [f"covers {weeks:.1f} weeks at {level:.0%} service"]
    if out is not None:
        parts.append(f"stockout projected {out.isoformat()} otherwise")
    else:
        parts.append(
            f"position {sku['position']:,} at or below the reorder point"
            f" {sku['reorder_point']:,.0f}"
        )
    if line["mode"] != "sea":
        parts.append(f"by {line['mode']}: arrives {arrival.isoformat()}")
    if not sku["stock_known"]:
        parts.append("no stock count: on hand taken as 0")
    return "; ".join(parts)


def _stockout_calendar(table: pl.DataFrame) -> list[dict[str, Any]]:
    """SKUs projected to run out, soonest first (the Restock page's calendar)."""
    return (
        table.filter(pl.col("stockout_date").is_not_null())
        .sort("stockout_date", "sku")
        .select(
            "sku",
            pl.col("stockout_date").cast(pl.String),
            "on_hand",
            "on_order",
            "days_of_cover",
        )
        .to_dicts()
    )


def _save_plan(
    conn: Connection,
    result: dict[str, Any],
    params: dict[str, Any],
    lines: pl.DataFrame,
    *,
    seconds: float,
) -> int:
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
    **_LINE_SCHEMA,
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


def _read_lines(conn: Connection, plan_id: int) -> pl.DataFrame:
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
        lines = _read_lines(conn, int(row["id"]))
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


# --- approval -----------------------------------------------------------------------


def approve_lines(
    engine: Engine, line_ids: Sequence[int], *, approved_by: str
) -> dict[str, Any]:
    """Approve plan lines and draft one purchase order per supplier and mode.

    The drafts are stored as purchase orders (numbers ``TP-<plan>-<n>``, recorded
    under an import run of format ``restock-plan`` naming who approved), so they
    count as on order in the next plan.

    Raises
    ------
    DataValidationError
        If a line does not exist or is already approved (nothing is changed).
    """
    ids = sorted({int(i) for i in line_ids})
    if not ids:
        raise DataValidationError("name at least one plan line id to approve")
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        lines = _lines_to_approve(conn, ids)
        run_id = _approval_run(conn, lines, approved_by=approved_by, now=now)
        orders = []
        for (supplier, mode, plan_id), group in lines.group_by(
            "supplier", "mode", "plan_id", maintain_order=True
        ):
            number = f"TP-{plan_id}-{_next_po_seq(conn, int(plan_id)) + 1:03d}"
            _insert_po(conn, number, str(supplier), str(mode), group, run_id)
            conn.execute(
                sa.update(tables.restock_lines)
                .where(tables.restock_lines.c.id.in_(group["id"].to_list()))
                .values(
                    status="approved",
                    approved_by=approved_by,
                    approved_at=now,
                    po_number=number,
                )
            )
            orders.append(
                {
                    "po_number": number,
                    "supplier": supplier,
                    "mode": mode,
                    "lines": group.height,
                    "units": int(group["qty"].sum()),
                    "cost_base": round(float(group["cost_base"].sum()), 2),
                }
            )
    return {"approved": ids, "approved_by": approved_by, "purchase_orders": orders}


def _lines_to_approve(conn: Connection, ids: list[int]) -> pl.DataFrame:
    lines = read_frame(
        conn,
        "SELECT id, plan_id, sku, supplier, mode, qty, order_by, arrival, unit_cost,"
        " currency, cost_base, status FROM restock_lines WHERE id IN ("
        + ", ".join(str(i) for i in ids)
        + ") ORDER BY id",
        schema={"order_by": pl.Date, "arrival": pl.Date, "status": pl.String},
    )
    missing = sorted(set(ids) - set(lines["id"].to_list()))
    if missing:
        raise DataValidationError(f"no plan line with id {missing}; nothing approved")
    done = lines.filter(pl.col("status") == "approved")["id"].to_list()
    if done:
        raise DataValidationError(
            f"lines {done} are already approved; nothing approved"
        )
    return lines


def _approval_run(
    conn: Connection, lines: pl.DataFrame, *, approved_by: str, now: dt.datetime
) -> int:
    digest = hashlib.sha256(lines.write_csv().encode()).hexdigest()
    report = {"approved_by": approved_by, "line_ids": lines["id"].to_list()}
    return int(
        conn.execute(
            sa.insert(tables.import_runs).values(
                format="restock-plan",
                source_name=f"restock plan lines approved by {approved_by}",
                file_sha256=digest,
                started_at=now,
                finished_at=now,
                rows_read=lines.height,
                accepted=lines.height,
                quarantined=0,
                duplicates=0,
                report=json.dumps(report),
            )
        ).inserted_primary_key[0]  # type: ignore[index]
    )


def _next_po_seq(conn: Connection, plan_id: int) -> int:
    count = conn.execute(
        sa.select(sa.func.count())
        .select_from(tables.purchase_orders)
        .where(tables.purchase_orders.c.po_number.like(f"TP-{plan_id}-%"))
    ).scalar_one()
    return int(count)


def _insert_po(
    conn: Connection,
    number: str,
    supplier: str,
    mode: str,
    group: pl.DataFrame,
    run_id: int,
) -> None:
    s = tables.suppliers
    supplier_id = conn.execute(sa.select(s.c.id).where(s.c.name == supplier)).scalar()
    if supplier_id is None:
        supplier_id = conn.execute(
            sa.insert(s).values(name=supplier)
        ).inserted_primary_key[0]  # type: ignore[index]
    warehouses = conn.execute(sa.select(tables.warehouses.c.code)).scalars().all()
    po_id = conn.execute(
        sa.insert(tables.purchase_orders).values(
            po_number=number,
            supplier_id=supplier_id,
            ordered_date=group["order_by"].min(),
            mode=mode,
            warehouse=warehouses[0] if len(warehouses) == 1 else None,
            import_run_id=run_id,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    conn.execute(
        sa.insert(tables.purchase_order_lines),
        [
            {
                "po_id": po_id,
                "sku": row["sku"],
                "quantity_ordered": row["qty"],
                "unit_cost": _decimal(row["unit_cost"]),
                "currency": row["currency"],
                "promised_date": row["arrival"],
            }
            for row in group.to_dicts()
        ],
    )


def _decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 4)))


# --- cash allocation --------------------------------------------------------------------


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


def stock_on_hand(engine: Engine, *, as_of: dt.date) -> pl.DataFrame:
    """Units on hand per counted SKU at the start of ``as_of``:
    ``sku, on_hand, counted_on`` (SKUs never counted are absent; see
    :func:`tradepilot.replenishment.inputs.stock_on_hand`)."""
    with engine.connect() as conn:
        return inputs.stock_on_hand(conn, as_of=as_of)
