"""Solving the purchase MILP with HiGHS, after a rounded-LP warm start.

Solving
-------
With at least :data:`WARM_START_CANDIDATES` candidates a rounded LP plan comes
first: solve the LP relaxation (an upper bound), fix the MOQ and supplier switches
where the LP buys at least a share of the MOQ (:data:`MOQ_OPEN_SHARES`, best kept),
re-solve, round cases down, top up to supplier minimums and spend what is left on
the most fractional lines; then toggle single MOQs where that raises the SKU's
value at the LP's shadow prices of budget and capacity, and re-solve and round
once more. If the plan is within ``mip_gap`` of the LP bound it is returned; otherwise it seeds HiGHS's branch and bound (presolve off, which cost
more than it saved at 5,000 SKUs) for the rest of ``time_limit``. Smaller models
go straight to HiGHS.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np

from tradepilot.replenishment.highs import silent_highs
from tradepilot.replenishment.purchase_instance import Instance, min_cases
from tradepilot.replenishment.purchase_model import Model
from tradepilot.replenishment.purchase_params import (
    EPS,
    BoolArray,
    FloatArray,
    IntArray,
    PlanParams,
    PlanStatus,
)
from tradepilot.replenishment.purchase_rounding import (
    Start,
    complete,
    round_cases,
    toggle_moqs,
)

#: Candidates from which a rounded LP plan is tried before the MIP search.
WARM_START_CANDIDATES = 1_000
#: The warm start tries opening MOQs where the LP buys at least these shares of them.
MOQ_OPEN_SHARES = (0.75, 0.6, 0.5)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the solver returned: status, every column's value, objective, gap."""

    status: PlanStatus
    values: FloatArray
    objective: float
    gap: float
    timed_out: bool


def _highs(model: Model, params: PlanParams, *, relax: bool) -> highspy.Highs:
    """A silent HiGHS instance holding ``model`` (its LP relaxation if ``relax``)."""
    h = silent_highs()
    h.setOptionValue("mip_rel_gap", params.mip_gap)
    h.setOptionValue("time_limit", float(params.time_limit))
    h.setOptionValue("threads", params.threads)
    h.passModel(
        model.cost.size, model.row_lower.size, model.value.size,
        int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMaximize),
        model.offset, model.cost, model.lower, model.upper, model.row_lower,
        model.row_upper, model.start, model.index, model.value,
        model.integer * (not relax),
    )  # fmt: skip
    return h


def _fix(
    h: highspy.Highs, cols: IntArray, lower: FloatArray, upper: FloatArray
) -> bool:
    """Change column bounds, re-solve the LP (warm) and tell whether it is optimal."""
    h.changeColsBounds(cols.size, cols.astype(np.int32), lower, upper)
    h.run()
    return bool(h.getModelStatus() == highspy.HighsModelStatus.kOptimal)


def _values(h: highspy.Highs) -> FloatArray:
    return np.asarray(h.getSolution().col_value, dtype=np.float64)


def _fix_switches(
    h: highspy.Highs,
    model: Model,
    inst: Instance,
    cases: FloatArray,
    y_open: BoolArray,
) -> bool:
    """Fix the MOQ switches to ``y_open`` and each supplier switch ``z`` open where
    the open ``cases`` reach its minimum order, then re-solve the LP."""
    y = model.y_cand
    is_open = np.ones(cases.size, dtype=np.bool_)
    is_open[y] = y_open
    cash = inst.cost * inst.pack * cases * is_open
    total = np.bincount(inst.c_sup, weights=cash, minlength=inst.mov.size)
    z_open = total[model.z_sup] >= inst.mov[model.z_sup] * (1 - 1e-9)
    switch = np.concatenate([y_open, z_open]).astype(np.float64)
    return _fix(
        h,
        np.concatenate([y, cases.size + np.arange(switch.size)]),
        np.concatenate([min_cases(inst)[y] * y_open, switch]),
        np.concatenate([inst.max_cases[y] * y_open, switch]),
    )


def _case_price(h: highspy.Highs, model: Model, inst: Instance) -> FloatArray:
    """Shadow price of one case of each candidate in the budget and capacity rows."""
    dual = np.abs(np.asarray(h.getSolution().row_dual, dtype=np.float64))
    budget_row, capacity_row = model.coupling
    price = np.zeros(inst.c_sku.size)
    if budget_row >= 0:
        price += dual[budget_row] * inst.pack * (inst.cost + inst.freight)
    if capacity_row >= 0:
        price += dual[capacity_row] * inst.pack
    return price


def _try_switches(
    h: highspy.Highs,
    model: Model,
    inst: Instance,
    params: PlanParams,
    opening: tuple[FloatArray, BoolArray],
) -> Start | None:
    """Fix the switches (``cases``, ``y_open``), re-solve, round; None if it fails."""
    if not _fix_switches(h, model, inst, *opening):
        return None
    n_cand, values = inst.c_sku.size, _values(h)
    z_open = model.z_sup[values[n_cand + model.y_cand.size : model.w0] > 0.5]
    cases = round_cases(values[:n_cand], z_open, inst, params)
    if cases is None:
        return None
    plan = complete(model, inst, cases)
    objective = float(model.cost @ plan) + model.offset
    return Start(plan, objective, cases, _case_price(h, model, inst))


def _warm_start(
    model: Model, inst: Instance, params: PlanParams
) -> tuple[Start, float] | None:
    """The best rounded plan and the LP bound; None when no rounding holds.

    Relax every integer; for each share in :data:`MOQ_OPEN_SHARES` open the MOQs
    the LP buys that share of, fix the supplier switches, re-solve (warm), round
    and place the stock; then toggle MOQs by the shadow prices and repeat once.
    """
    h = _highs(model, params, relax=True)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    bound = float(h.getInfo().objective_function_value)
    lp_cases = _values(h)[: inst.c_sku.size]
    low = min_cases(inst)[model.y_cand]
    starts = [
        _try_switches(
            h,
            model,
            inst,
            params,
            (lp_cases, lp_cases[model.y_cand] >= share * low - 1e-6),
        )
        for share in MOQ_OPEN_SHARES
    ]
    found = [start for start in starts if start is not None]
    if not found:
        return None
    best = max(found, key=lambda start: start.objective)
    cases = toggle_moqs(model, inst, lp_cases, best)
    better = _try_switches(h, model, inst, params, (cases, cases[model.y_cand] > 0))
    if better is not None and better.objective > best.objective:
        best = better
    return best, bound


def solve(model: Model, inst: Instance, params: PlanParams) -> Outcome:
    """Warm start on large models (returned when within the gap), then HiGHS MIP.

    Status "feasible" when stopped early with a plan.
    """
    started = time.perf_counter()
    start = None
    if inst.c_sku.size >= WARM_START_CANDIDATES:
        start = _warm_start(model, inst, params)
    if start is not None:
        best, bound = start
        gap = (bound - best.objective) / max(abs(best.objective), EPS)
        if gap <= params.mip_gap:
            return Outcome("optimal", best.plan, best.objective, max(gap, 0.0), False)
    h = _highs(model, params, relax=False)
    left = params.time_limit - (time.perf_counter() - started)
    h.setOptionValue("time_limit", max(left, 1.0))
    if start is not None:
        # On 5,000 SKUs presolve took 14 s and removed little; the start matters more.
        h.setOptionValue("presolve", "off")
        index = np.arange(start[0].plan.size, dtype=np.int32)
        h.setSolution(index.size, index, start[0].plan)
    h.run()
    return _outcome(h)


def _outcome(h: highspy.Highs) -> Outcome:
    info, status = h.getInfo(), h.getModelStatus()
    timed_out = status == highspy.HighsModelStatus.kTimeLimit
    feasible = int(highspy.SolutionStatus.kSolutionStatusFeasible)
    if info.primal_solution_status != feasible:
        return Outcome("infeasible", np.zeros(0), 0.0, math.inf, timed_out)
    optimal = status == highspy.HighsModelStatus.kOptimal
    return Outcome(
        "optimal" if optimal else "feasible",
        _values(h),
        float(info.objective_function_value),
        max(float(info.mip_gap), 0.0),
        timed_out,
    )
