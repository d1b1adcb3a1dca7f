"""Plan lines of a solved purchase: quantities, expected sales, margin and reasons."""

from __future__ import annotations

import numpy as np
import polars as pl

from tradepilot.replenishment.purchase_instance import Instance, min_units, normal_sales
from tradepilot.replenishment.purchase_params import EPS, FloatArray, IntArray

LINE_SCHEMA: dict[str, type[pl.DataType]] = {
    "sku": pl.String,
    "supplier": pl.String,
    "mode": pl.String,
    "qty": pl.Int64,
    "unit_cost": pl.Float64,
    "freight": pl.Float64,
    "cost_base": pl.Float64,
    "lead_days": pl.Float64,
    "expected_sales_units": pl.Float64,
    "expected_margin": pl.Float64,
    "covers_days": pl.Float64,
    "reason_code": pl.String,
}


def _bucket_of(inst: Instance, early: bool) -> IntArray:
    """Index of each SKU's early (or late) bucket, -1 where it has none."""
    index = np.full(len(inst.sku), -1, dtype=np.int64)
    pick = np.flatnonzero(inst.b_early == early)
    index[inst.b_sku[pick]] = pick
    return index


def _line_sales(
    inst: Instance, qty: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Expected units sold of each purchase and its sold unit-days held.

    Existing stock ``I0`` sells first (early bucket, then late); purchases share
    the rest of a bucket's stock in proportion to the units they have left, fast
    ones in the early bucket first. Sales are exact normal expectations of the
    stock the solution placed, not the piecewise-linear values.
    """
    placed = np.bincount(inst.g_bucket, weights=w, minlength=inst.b_sku.size)
    i0_left, used = inst.i0.copy(), np.zeros(qty.size)
    sold, sold_days = np.zeros(qty.size), np.zeros(qty.size)
    for early in (True, False):
        b = _bucket_of(inst, early)
        has, bb = b >= 0, np.maximum(b, 0)
        stock = np.where(has, placed[bb], 0.0)
        own = np.minimum(i0_left, stock)
        i0_left -= own
        mean, sd = inst.b_mean[bb], inst.b_sd[bb]
        gain = normal_sales(stock, mean, sd) - normal_sales(own, mean, sd)
        bought = stock - own
        avail = np.where(inst.fast if early else True, qty - used, 0.0)
        total = np.bincount(inst.c_sku, weights=avail, minlength=len(inst.sku))
        share = np.divide(bought, total, out=np.zeros_like(total), where=total > EPS)
        units = avail * np.minimum(share, 1.0)[inst.c_sku]
        rate = np.divide(gain, bought, out=np.zeros_like(gain), where=bought > EPS)
        used += units
        line_sold = units * np.where(has, rate, 0.0)[inst.c_sku]
        sold += line_sold
        sold_days += line_sold * (inst.b_mid[bb][inst.c_sku] - inst.lead)
    return sold, sold_days


def _reasons(inst: Instance, qty: FloatArray) -> list[str]:
    """``must_order``, ``early_gap``, ``moq`` or ``demand`` per candidate."""
    smallest = np.abs(qty - min_units(inst)) < 0.5
    codes = np.where(
        inst.must[inst.c_sku] & smallest,
        "must_order",
        np.where(
            inst.fast,
            "early_gap",
            np.where(smallest & (inst.moq > inst.pack), "moq", "demand"),
        ),
    )
    return [str(code) for code in codes]


def plan_lines(inst: Instance, cases: FloatArray, w: FloatArray) -> pl.DataFrame:
    """One row per candidate bought, columns :data:`LINE_SCHEMA`."""
    qty = inst.pack * np.round(cases)
    sold, sold_days = _line_sales(inst, qty, w)
    i = inst.c_sku
    unsold_days = (qty - sold) * (inst.t_end[i] - inst.lead)
    holding = inst.hold[i] * inst.cost * (sold_days + unsold_days)
    margin = sold * (inst.price[i] - inst.cost) - qty * inst.freight - holding
    mu = inst.mu[i]
    frame = pl.DataFrame(
        {
            "sku": [inst.sku[k] for k in i],
            "supplier": inst.supplier,
            "mode": inst.mode,
            "qty": qty.astype(np.int64),
            "unit_cost": inst.cost,
            "freight": inst.freight,
            "cost_base": qty * (inst.cost + inst.freight),
            "lead_days": inst.lead,
            "expected_sales_units": sold,
            "expected_margin": margin,
            "covers_days": np.divide(
                qty, mu, out=np.full_like(mu, np.nan), where=mu > 0
            ),
            "reason_code": _reasons(inst, qty),
        },
        schema=LINE_SCHEMA,
    )
    return (
        frame.filter(pl.col("qty") > 0)
        .with_columns(pl.col("covers_days").fill_nan(None))
        .sort("sku", "supplier", "mode")
    )
