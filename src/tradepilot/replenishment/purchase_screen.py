"""Checks before solving: suppliers out of reach, must-order SKUs that cannot be
bought, and why nothing can be bought, in words a seller can act on."""

from __future__ import annotations

import numpy as np

from tradepilot.replenishment.purchase_instance import (
    Instance,
    affordable,
    min_units,
)
from tradepilot.replenishment.purchase_params import (
    EPS,
    BoolArray,
    FloatArray,
    IntArray,
    PlanParams,
)


def _supplier_reach(inst: Instance) -> FloatArray:
    """Order value per supplier if every candidate bought ``U_c``."""
    value = inst.cost * inst.pack * inst.max_cases
    return np.bincount(inst.c_sup, weights=value, minlength=inst.mov.size).astype(
        np.float64
    )


def _reach_or_drop(inst: Instance, params: PlanParams) -> list[str]:
    """Let each supplier's candidates reach its minimum order (topping ``U_c`` up
    in proportion) or leave the supplier out when the budget cannot; in place."""
    notes, budget = [], params.budget
    reach = _supplier_reach(inst)
    for s in np.flatnonzero((inst.mov > 0) & (reach > 0) & (reach < inst.mov)):
        mine = inst.c_sup == s
        scaled = np.ceil(inst.max_cases[mine] * inst.mov[s] / reach[s])
        inst.max_cases[mine] = np.minimum(scaled, affordable(inst, budget)[mine])
    reach = _supplier_reach(inst)
    for s in np.flatnonzero((inst.mov > 0) & (reach < inst.mov)):
        if (inst.c_sup == s).any():
            notes.append(
                f"supplier {inst.sup_names[s]}'s minimum order"
                f" {params.money(inst.mov[s])} is out of reach: the budget"
                f" {params.money(budget or 0.0)} buys at most"
                f" {params.money(reach[s])} of its goods; its candidates are left out"
            )
        inst.max_cases[inst.c_sup == s] = 0
    return notes


def _cheapest_order(inst: Instance, rows: IntArray, params: PlanParams) -> str:
    """Words for the cheapest smallest order among candidate ``rows``."""
    units = min_units(inst)[rows]
    cash = units * (inst.cost + inst.freight)[rows]
    best = rows[int(np.argmin(cash))]
    unit = inst.cost[best] + inst.freight[best]
    return (
        f"SKU {inst.sku[inst.c_sku[best]]} needs at least {units.min():.0f} units"
        f" x {unit:,.2f} = {params.money(float(cash.min()))}"
    )


def _must_order_problem(inst: Instance, params: PlanParams) -> str | None:
    """Why the must-order SKUs cannot all be bought, or None."""
    open_ = inst.max_cases > 0
    for i in np.flatnonzero(inst.must):
        if not open_[inst.c_sku == i].any():
            rows = np.flatnonzero(inst.c_sku == i)
            if rows.size == 0:
                return f"SKU {inst.sku[i]} must be ordered but has no supplier or mode"
            budget = "unlimited"
            if params.budget is not None:
                budget = params.money(params.budget)
            return (
                f"SKU {inst.sku[i]} must be ordered but no order fits: "
                f"{_cheapest_order(inst, rows, params)}, budget {budget}, or its"
                " supplier's minimum order is out of reach; raise the budget or"
                " lower the MOQ"
            )
    return None


def screen(inst: Instance, params: PlanParams) -> tuple[list[str], str | None]:
    """Checks before solving: notes for the explanation and a fatal reason or None."""
    held = float(inst.position.sum())
    cap = params.warehouse_capacity
    if cap is not None and held > cap + EPS:
        return [], (
            f"warehouse capacity {cap:,.0f} units is already exceeded: stock on hand"
            f" and on order is {held:,.0f} units; nothing can be bought; raise"
            " warehouse_capacity or sell down first"
        )
    notes = _reach_or_drop(inst, params)
    return notes + _priced_out(inst, params), _must_order_problem(inst, params)


def _needy(inst: Instance) -> BoolArray:
    """SKUs whose stock at the first arrival is below mean demand to the end."""
    return np.asarray(inst.i0 < inst.mu * (inst.t_end - inst.t_fast))


def _priced_out(inst: Instance, params: PlanParams) -> list[str]:
    """A note on SKUs that need stock but whose every order is out of reach."""
    has_open = np.bincount(inst.c_sku, inst.max_cases > 0, len(inst.sku)) > 0
    has_any = np.bincount(inst.c_sku, minlength=len(inst.sku)) > 0
    out = _needy(inst) & has_any & ~has_open
    if params.budget is None or not out.any() or not has_open.any():
        return []
    rows = np.flatnonzero(out[inst.c_sku])
    return [
        f"{int(out.sum())} SKUs that need stock have no order within reach, e.g."
        f" {_cheapest_order(inst, rows, params)}"
    ]


def nothing_reason(inst: Instance, params: PlanParams, notes: list[str]) -> str:
    """Why no candidate can be bought at all (called when every ``U_c`` is 0)."""
    if inst.c_sku.size == 0:
        return "no SKU has a supplier or mode to buy from: nothing bought"
    if params.budget == 0:
        return "budget 0: nothing bought"
    cash = min_units(inst) * (inst.cost + inst.freight)
    if params.budget is None or (cash <= params.budget).any():
        return "nothing can be bought: " + "; ".join(notes)
    needy = np.flatnonzero(_needy(inst)[inst.c_sku])
    rows = needy if needy.size else np.arange(inst.c_sku.size)
    return (
        f"budget {params.money(params.budget)} is below the cheapest minimum"
        f" order: {_cheapest_order(inst, rows, params)}; raise the budget or lower"
        " the MOQ"
    )
