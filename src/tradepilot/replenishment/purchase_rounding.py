"""Whole cases from the LP relaxation: rounding, supplier minimums, stock placement
and MOQ toggles by shadow prices (the numeric side of the warm start)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tradepilot.replenishment.purchase_instance import Instance, min_cases
from tradepilot.replenishment.purchase_model import Model
from tradepilot.replenishment.purchase_params import FloatArray, IntArray, PlanParams


def _reach_minimums(
    cases: FloatArray, frac: FloatArray, inst: Instance, z_open: IntArray
) -> bool:
    """Add a case to the most fractional lines of each open supplier below its
    minimum order until it is reached (in place); False when it cannot be."""
    value = inst.cost * inst.pack
    for s in z_open:
        mine = inst.c_sup == s
        deficit = inst.mov[s] - float((value * cases)[mine].sum())
        if deficit <= 1e-9:
            continue
        pick = np.flatnonzero(mine & (frac > 1e-6))
        pick = pick[np.argsort(-frac[pick], kind="stable")]
        need = int(np.searchsorted(np.cumsum(value[pick]), deficit - 1e-9))
        if need >= pick.size:
            return False
        cases[pick[: need + 1]] += 1
        frac[pick[: need + 1]] = 0.0
    return True


def round_cases(
    lp_cases: FloatArray, z_open: IntArray, inst: Instance, params: PlanParams
) -> FloatArray | None:
    """Whole cases from the LP: round down, reach supplier minimums, then spend
    what is left on the most fractional lines. None when a hard row breaks."""
    cases = np.floor(lp_cases + 1e-6)
    frac = np.where(inst.max_cases > cases, lp_cases - cases, 0.0)
    if not _reach_minimums(cases, frac, inst, z_open):
        return None
    cash = inst.pack * (inst.cost + inst.freight)
    left, room = math.inf, math.inf
    if params.budget is not None:
        left = params.budget - float(cash @ cases)
    if params.warehouse_capacity is not None:
        held = float(inst.position.sum() + inst.pack @ cases)
        room = params.warehouse_capacity - held
    pick = np.flatnonzero(frac > 1e-6)
    pick = pick[np.argsort(-frac[pick], kind="stable")]
    fits = (np.cumsum(cash[pick]) <= left + 1e-9) & (
        np.cumsum(inst.pack[pick]) <= room + 1e-9
    )
    cases[pick[: pick.size if fits.all() else int(np.argmin(fits))]] += 1
    per_sku = np.bincount(inst.c_sku, weights=cases, minlength=len(inst.sku))
    if min(left, room) < -1e-6 or (per_sku[inst.must] < 1).any():
        return None
    return cases


def _group_rank(keys: IntArray) -> IntArray:
    """Position of each element within its run of equal (sorted) keys.

    >>> _group_rank(np.array([3, 3, 5, 7, 7, 7])).tolist()
    [0, 1, 0, 0, 1, 2]
    """
    first = np.r_[0, np.flatnonzero(np.diff(keys)) + 1].astype(np.int64)
    starts: IntArray = np.repeat(first, np.diff(np.r_[first, keys.size]))
    return np.arange(keys.size, dtype=np.int64) - starts


def _place(inst: Instance, value: FloatArray, cases: FloatArray) -> FloatArray:
    """Best stock per segment for fixed purchases, shape (n_segments,).

    Greedy by segment value, one rank per pass across all SKUs: exact, as the two
    nested capacities (early, total) form a laminar matroid.
    """
    x = inst.pack * cases
    n = len(inst.sku)
    total = inst.i0 + np.bincount(inst.c_sku, weights=x, minlength=n)
    early = inst.i0 + np.bincount(
        inst.c_sku[inst.fast], weights=x[inst.fast], minlength=n
    )
    sku = inst.b_sku[inst.g_bucket]
    in_early = inst.b_early[inst.g_bucket]
    order = np.lexsort((-value, sku))
    rank = _group_rank(sku[order])
    w = np.zeros(value.size)
    for r in range(int(rank.max(initial=-1)) + 1):
        k = order[rank == r]
        s, e = sku[k], in_early[k]
        room = np.where(e, np.minimum(total[s], early[s]), total[s])
        take = np.clip(np.minimum(inst.g_width[k], room), 0.0, None) * (value[k] > 0)
        w[k] = take
        total[s] -= take
        early[s] -= np.where(e, take, 0.0)
    return w


def complete(model: Model, inst: Instance, cases: FloatArray) -> FloatArray:
    """Every column's value for fixed whole cases: switches, segments, ``o``."""
    n_seg, n_skus = inst.g_width.size, len(inst.sku)
    w0 = model.w0
    w = _place(inst, model.cost[w0 : w0 + n_seg], cases)
    bought = np.bincount(inst.c_sup, weights=cases, minlength=inst.mov.size)
    per_sku = np.bincount(inst.c_sku, weights=cases, minlength=n_skus)
    return np.concatenate(
        [
            cases,
            (cases[model.y_cand] > 0).astype(np.float64),
            (bought[model.z_sup] > 0).astype(np.float64),
            w,
            np.minimum(per_sku, 1.0),
        ]
    )


def _sku_values(
    model: Model, inst: Instance, cases: FloatArray, price: FloatArray
) -> FloatArray:
    """Each SKU's objective less the shadow price of its cases, shape (n_skus,)."""
    n_skus, w0 = len(inst.sku), model.w0
    value = model.cost[w0 : w0 + inst.g_width.size]
    placed = value * _place(inst, value, cases)
    own = np.bincount(inst.b_sku[inst.g_bucket], weights=placed, minlength=n_skus)
    net = (model.cost[: cases.size] - price) * cases
    total = own + np.bincount(inst.c_sku, weights=net, minlength=n_skus)
    return total.astype(np.float64)


def toggle_moqs(
    model: Model, inst: Instance, lp_cases: FloatArray, best: Start
) -> FloatArray:
    """Open (at the MOQ or the LP's cases) or close each MOQ the LP touched where
    that raises its SKU's value at the LP's shadow prices; one per SKU at a time."""
    touched = model.y_cand[lp_cases[model.y_cand] > 1e-6]
    touched = touched[np.argsort(inst.c_sku[touched], kind="stable")]
    rank = _group_rank(inst.c_sku[touched])
    cases = best.cases.copy()
    current = _sku_values(model, inst, cases, best.price)
    opened = np.maximum(min_cases(inst), np.round(lp_cases))
    for _sweep in range(2):
        for r in range(int(rank.max(initial=-1)) + 1):
            c = touched[rank == r]
            trial = cases.copy()
            trial[c] = np.where(cases[c] > 0, 0.0, opened[c])
            value = _sku_values(model, inst, trial, best.price)
            sku = inst.c_sku[c]
            better = value[sku] > current[sku] + 1e-9
            cases[c[better]] = trial[c[better]]
            current[sku[better]] = value[sku[better]]
    return cases


@dataclass(frozen=True, slots=True)
class Start:
    """A whole-case plan: every column's value, its objective, cases and the
    shadow price per case of the LP it was rounded from."""

    plan: FloatArray
    objective: float
    cases: FloatArray
    price: FloatArray
