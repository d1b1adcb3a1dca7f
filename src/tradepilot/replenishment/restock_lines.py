"""A restock plan's pure parts: which SKUs are due (reorder levels over the learned
lead times), every way to buy them, and the plan lines with dates and reasons.

No store access: :func:`~tradepilot.replenishment.service.plan_restock` reads the
inputs, calls the optimiser between :func:`purchase_candidates` and
:func:`plan_lines`, and saves the result.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl

from tradepilot.replenishment.calendar import promised_arrival
from tradepilot.replenishment.config import PurchasingConfig
from tradepilot.replenishment.leadtime_service import lead_of
from tradepilot.replenishment.leadtimes import LeadTime
from tradepilot.replenishment.policy import reorder_levels
from tradepilot.replenishment.position_service import PlanningData


def policy_table(
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


def purchase_candidates(
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


def cheapest_order(candidates: pl.DataFrame) -> float:
    """Cash of the smallest order any candidate allows (MOQ in whole cases)."""
    if candidates.height == 0:
        return 0.0
    units = pl.max_horizontal(
        (pl.col("moq") / pl.col("case_pack")).ceil() * pl.col("case_pack"),
        pl.col("case_pack"),
    )
    cash = units * (pl.col("unit_cost") + pl.col("freight"))
    return float(candidates.select(cash.min()).item())


def supplier_table(due: pl.DataFrame, config: PurchasingConfig) -> pl.DataFrame:
    """``supplier, min_order_value`` of every supplier of the due SKUs."""
    names = sorted(due["supplier"].unique().to_list())
    return pl.DataFrame(
        {
            "supplier": names,
            "min_order_value": [config.supplier(n).min_order_value for n in names],
        },
        schema={"supplier": pl.String, "min_order_value": pl.Float64},
    )


def plan_lines(
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
    return pl.DataFrame(rows, schema=LINE_SCHEMA)


LINE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
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


def stockout_calendar(table: pl.DataFrame) -> list[dict[str, Any]]:
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
