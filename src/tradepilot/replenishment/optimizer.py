r"""Cash-limited purchase optimiser: which SKU to buy, from whom, by sea or air (MILP).

Pure core: polars frames in, a :class:`PurchasePlan` out, solved by HiGHS
(``highspy``) in matrix form. All money is in the base currency.

The model and its solution are split by concept:

* :mod:`~tradepilot.replenishment.purchase_params`: :class:`PlanParams`;
* :mod:`~tradepilot.replenishment.purchase_instance`: validated inputs, demand
  buckets and purchase bounds;
* :mod:`~tradepilot.replenishment.purchase_screen`: checks before solving;
* :mod:`~tradepilot.replenishment.purchase_model`: variables, constraints and
  objective of the MILP;
* :mod:`~tradepilot.replenishment.purchase_solve` and
  :mod:`~tradepilot.replenishment.purchase_rounding`: HiGHS and the rounded-LP
  warm start;
* :mod:`~tradepilot.replenishment.purchase_lines`: the plan lines.

Examples
--------
>>> skus = pl.DataFrame({"sku": ["A"], "price": [10.0], "position": [0.0],
...     "demand_mean_daily": [2.0], "demand_std_daily": [0.0], "holding_rate": [0.2]})
>>> cands = pl.DataFrame({"sku": ["A"], "supplier": ["S1"], "mode": ["sea"],
...     "unit_cost": [4.0], "freight": [0.5], "lead_days": [30.0],
...     "lead_std_days": [0.0], "moq": [0], "case_pack": [12]})
>>> sups = pl.DataFrame({"supplier": ["S1"], "min_order_value": [0.0]})
>>> plan = solve_purchase_plan(skus, cands, sups,
...     PlanParams(horizon_days=50, poisson_floor=False))
>>> plan.status, plan.lines["qty"].to_list(), plan.spent
('optimal', [108], 486.0)
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import polars as pl

from tradepilot.replenishment.purchase_instance import Instance, build_instance
from tradepilot.replenishment.purchase_lines import LINE_SCHEMA, plan_lines
from tradepilot.replenishment.purchase_model import build_model
from tradepilot.replenishment.purchase_params import PlanParams, PlanStatus
from tradepilot.replenishment.purchase_screen import nothing_reason, screen
from tradepilot.replenishment.purchase_solve import Outcome, solve

__all__ = ["LINE_SCHEMA", "PlanParams", "PurchasePlan", "solve_purchase_plan"]


@dataclass(frozen=True, slots=True)
class PurchasePlan:
    """A solved purchase plan.

    Attributes
    ----------
    status : {"optimal", "feasible", "infeasible"}
        "feasible": stopped at the time limit with a plan whose gap exceeds the
        target.
    explanation : str
        Plain-words summary, or why there is no plan.
    lines : polars.DataFrame
        One row per purchase, columns :data:`LINE_SCHEMA`.
    objective : float
        Model objective (expected margin minus freight, holding and cost premium).
    gap : float
        Relative MIP gap reached (0 when proven optimal).
    seconds : float
        Wall time of the solve.
    spent : float
        Cash of the plan, ``sum(cost_base)``.
    """

    status: PlanStatus
    explanation: str
    lines: pl.DataFrame
    objective: float
    gap: float
    seconds: float
    spent: float


def _empty_plan(status: PlanStatus, explanation: str, started: float) -> PurchasePlan:
    return PurchasePlan(
        status=status,
        explanation=explanation,
        lines=pl.DataFrame(schema=LINE_SCHEMA),
        objective=0.0,
        gap=0.0,
        seconds=time.perf_counter() - started,
        spent=0.0,
    )


def _summary(
    outcome: Outcome, lines: pl.DataFrame, params: PlanParams, notes: list[str]
) -> str:
    """Plain-words summary of a solved plan."""
    target = f"{params.mip_gap:.0%}"
    if outcome.status == "optimal":
        head = f"optimal within {target} gap"
    else:
        head = (
            f"time limit {params.time_limit:.0f} s reached at gap {outcome.gap:.1%}"
            f" (target {target}); raise time_limit for a better plan"
        )
    spent = float(lines["cost_base"].sum())
    if params.budget:
        money = f"budget {spent / params.budget:.0%} used ({params.money(spent)})"
    else:
        money = f"{params.money(spent)} spent, no budget limit"
    if lines.height == 0:
        body = (
            "nothing bought: stock on hand and on order covers expected demand,"
            " or no purchase earns more than its freight and holding"
        )
    else:
        body = f"{lines.height} lines, {money}"
    return "; ".join([head, body, *notes])


def _infeasible_reason(outcome: Outcome, inst: Instance, params: PlanParams) -> str:
    if outcome.timed_out:
        return (
            f"no plan found within the time limit of {params.time_limit:.0f} s;"
            " raise time_limit"
        )
    must = [inst.sku[i] for i in np.flatnonzero(inst.must)]
    return (
        "no plan meets every hard constraint together: the must-order SKUs"
        f" ({', '.join(must[:5]) or 'none'}) with their MOQs and supplier minimum"
        f" orders need more than the budget {params.money(params.budget or 0.0)} or"
        " the warehouse capacity allows; raise the budget or capacity, or lower MOQs"
    )


def solve_purchase_plan(
    skus: pl.DataFrame,
    candidates: pl.DataFrame,
    suppliers: pl.DataFrame,
    params: PlanParams,
) -> PurchasePlan:
    """Choose what to buy, from which supplier and by which mode, within the cash.

    Parameters
    ----------
    skus : polars.DataFrame
        One row per SKU: ``sku, price`` (net per unit), ``position`` (on hand plus
        on order, units), ``demand_mean_daily, demand_std_daily`` (units/day),
        ``holding_rate`` (per year, share of unit cost); optional ``must_order``.
    candidates : polars.DataFrame
        One row per way to buy a SKU: ``sku, supplier, mode, unit_cost, freight``
        (per unit), ``lead_days, lead_std_days, moq, case_pack`` (units).
    suppliers : polars.DataFrame
        ``supplier, min_order_value`` (0 = none).
    params : PlanParams
        Horizon, budget, capacity and solver settings.

    Returns
    -------
    PurchasePlan
        Status, explanation and the lines (the model is described in
        :mod:`~tradepilot.replenishment.purchase_instance` and
        :mod:`~tradepilot.replenishment.purchase_model`).

    Raises
    ------
    DataValidationError
        A column is missing, a value is negative, a candidate names an unknown SKU
        or supplier, or a case pack is below one unit.
    """
    started = time.perf_counter()
    inst = build_instance(skus, candidates, suppliers, params)
    notes, fatal = screen(inst, params)
    if fatal is not None:
        return _empty_plan("infeasible", fatal, started)
    if not (inst.max_cases > 0).any():
        return _empty_plan("optimal", nothing_reason(inst, params, notes), started)
    model = build_model(inst, params)
    outcome = solve(model, inst, params)
    if outcome.status == "infeasible":
        explanation = _infeasible_reason(outcome, inst, params)
        return _empty_plan("infeasible", explanation, started)
    n_cand = inst.c_sku.size
    w = outcome.values[model.w0 : model.w0 + inst.g_width.size]
    lines = plan_lines(inst, outcome.values[:n_cand], w)
    return PurchasePlan(
        status=outcome.status,
        explanation=_summary(outcome, lines, params, notes),
        lines=lines,
        objective=outcome.objective,
        gap=outcome.gap,
        seconds=time.perf_counter() - started,
        spent=float(lines["cost_base"].sum()),
    )
