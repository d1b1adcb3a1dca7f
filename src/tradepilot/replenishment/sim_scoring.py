"""How a policy simulation is scored under the fair protocol (pure, no I/O).

The protocol (:class:`ProtocolSettings`, run by
:func:`~tradepilot.replenishment.sim_protocol.compare_policies`): every policy
starts from the same stock, a warm-up is simulated and not scored, and the stock
left at the end is an asset at cost, less an obsolescence charge. So the cost of
a policy over the scored days, in base currency, is::

    total_cost = holding + freight + ordering + lost margin + obsolescence

Units bought and still held (on hand or on order) at the end keep their cost, so
buying is not a cost in itself (the stock at the start of the scored days is
valued the same way); the cost of goods sold is left out, as every policy pays it
per unit sold. ``obsolescence`` is ``obsolescence_share`` of the cost of the units
held at the end beyond ``cover_weeks`` of the scored days' mean daily demand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tradepilot.domain.errors import DataValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tradepilot.replenishment.simulation import PolicyResult, SimulationInput

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ProtocolSettings:
    """The rules every policy is compared under.

    Parameters
    ----------
    seeds : tuple of int
        One replay per seed: the seed draws the demand (:attr:`shift_weeks`) and
        the lead times, the same for every policy (common random numbers).
    warmup_days : int
        Days simulated from the common start before scoring begins.
    cover_weeks : float
        Stock held at the end up to this many weeks of mean daily demand keeps
        its full cost; units beyond it are charged :attr:`obsolescence_share`.
    obsolescence_share : float
        Share of the unit cost written off for each unit beyond the cover.
    shift_weeks : int
        Demand draw: each SKU's week is replaced by the same SKU's week up to
        this many weeks earlier or later, uniformly (0: the recorded demand).
    """

    seeds: tuple[int, ...] = (1, 2, 3, 4, 5)
    warmup_days: int = 91
    cover_weeks: float = 13.0
    obsolescence_share: float = 0.5
    shift_weeks: int = 2

    def __post_init__(self) -> None:
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise DataValidationError(
                f"seeds must be distinct and at least one; received {self.seeds}"
            )
        if self.warmup_days < 0 or self.shift_weeks < 0 or self.cover_weeks < 0:
            raise DataValidationError(
                "warmup_days, shift_weeks and cover_weeks must be >= 0; received"
                f" {self.warmup_days}, {self.shift_weeks}, {self.cover_weeks}"
            )
        if not 0.0 <= self.obsolescence_share <= 1.0:
            raise DataValidationError(
                "obsolescence_share must be in [0, 1]; received"
                f" {self.obsolescence_share}"
            )

    def describe(self, *, warmup_days: int, scored_days: int, opening: str) -> str:
        """The protocol in one sentence, with the days actually used."""
        return (
            f"Every policy starts from the same stock ({opening}) with nothing on"
            f" order, runs a {warmup_days}-day warm-up that is not scored, and is"
            f" scored over the next {scored_days} days; stock left at the end (on"
            " hand and on order) is valued at cost, less"
            f" {self.obsolescence_share:.0%} of the cost of units beyond"
            f" {self.cover_weeks:g} weeks of cover at the scored days' mean demand;"
            f" {len(self.seeds)} seeds of demand (each SKU's weeks drawn from up to"
            f" {self.shift_weeks} weeks away) and lead times, the same for every"
            " policy; figures are means over the seeds with a 95% t-interval."
        )


def obsolescence_charge(
    end_units: npt.ArrayLike,
    *,
    unit_cost: npt.ArrayLike,
    daily_demand: npt.ArrayLike,
    cover_weeks: float,
    share: float,
) -> FloatArray:
    """Charge on the stock held at the end beyond ``cover_weeks`` of demand.

    Parameters
    ----------
    end_units : array_like
        Units on hand plus on order at the end, shape (n_skus,).
    unit_cost : array_like
        Cost per unit, base currency, shape (n_skus,).
    daily_demand : array_like
        Mean daily demand over the scored days, units/day, shape (n_skus,).
    cover_weeks, share : float
        The cover kept at full value and the share of cost written off beyond it.

    Returns
    -------
    numpy.ndarray of float
        Charge per SKU, base currency, shape (n_skus,).

    Examples
    --------
    >>> obsolescence_charge([100, 5], unit_cost=[2.0, 2.0], daily_demand=[1.0, 0.0],
    ...                     cover_weeks=2.0, share=0.5).tolist()
    [86.0, 5.0]
    """
    units = np.asarray(end_units, dtype=np.float64)
    cover = np.asarray(daily_demand, dtype=np.float64) * 7.0 * cover_weeks
    excess = np.maximum(units - cover, 0.0)
    return np.asarray(share * excess * np.asarray(unit_cost), dtype=np.float64)


def end_units(result: PolicyResult) -> IntArray:
    """Units held at the end of the scored days: on hand plus on order, (n_skus,)."""
    on_hand = result.stock[-1] if result.stock.shape[0] else 0
    return np.asarray(on_hand + result.end_on_order, dtype=np.int64)


def sku_costs(
    result: PolicyResult, inputs: SimulationInput, settings: ProtocolSettings
) -> dict[str, FloatArray]:
    """The scored cost parts per SKU (ordering is per PO: see :func:`score`).

    Returns
    -------
    dict of str to numpy.ndarray
        ``holding, freight, stockout, obsolescence``, base currency, (n_skus,).
    """
    cost = inputs.unit_cost
    days = max(result.stock.shape[0], 1)
    lost = result.demand_by_sku - result.sold_by_sku
    return {
        "holding": result.stock.sum(axis=0) * cost * inputs.holding_rate / 365.0,
        "freight": np.einsum("ms,sm->s", result.ordered_by_sku, inputs.freight),
        "stockout": lost * np.maximum(inputs.price - cost, 0.0),
        "obsolescence": obsolescence_charge(
            end_units(result),
            unit_cost=cost,
            daily_demand=result.demand_by_sku / days,
            cover_weeks=settings.cover_weeks,
            share=settings.obsolescence_share,
        ),
    }


def score(
    result: PolicyResult, inputs: SimulationInput, settings: ProtocolSettings
) -> dict[str, float | int]:
    """One policy's figures under the protocol, JSON-ready.

    ``total_cost = holding_cost + freight_cost + ordering_cost + stockout_cost +
    obsolescence_cost``; ``end_stock_value`` is the stock held at the end at cost.
    """
    parts = sku_costs(result, inputs, settings)
    obsolescence = float(parts["obsolescence"].sum())
    held = float(end_units(result) @ inputs.unit_cost)
    return {
        "fill_rate": result.fill_rate,
        "stockout_days": result.stockout_days,
        "lost_units": result.lost_units,
        "avg_inventory_value": result.avg_inventory_value,
        "total_cost": result.operating_cost + obsolescence,
        "holding_cost": result.holding_cost,
        "freight_cost": result.freight_cost,
        "ordering_cost": result.ordering_cost,
        "stockout_cost": result.stockout_cost,
        "obsolescence_cost": obsolescence,
        "end_stock_value": held,
        "purchase_cost": result.purchase_cost,
        "units_sold": result.units_sold,
        "demand_units": result.demand_units,
        "orders": result.orders,
        "air_share": result.air_share,
    }


def ci95(values: Sequence[float]) -> tuple[float, float]:
    """Two-sided 95 % t-interval of the mean of ``values`` (one per seed).

    ``mean -+ t(0.975, n - 1) * sd / sqrt(n)`` with the sample standard deviation;
    a single value gives ``(value, value)``.

    Examples
    --------
    >>> [round(v, 3) for v in ci95([1.0, 2.0, 3.0])]  # 2 -+ 4.303 * 1 / sqrt(3)
    [-0.484, 4.484]
    """
    from scipy import stats

    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        raise DataValidationError("ci95 needs at least one value; received none")
    mean = float(x.mean())
    if x.size == 1:
        return mean, mean
    half = float(stats.t.ppf(0.975, x.size - 1)) * float(x.std(ddof=1))
    half /= math.sqrt(x.size)
    return mean - half, mean + half
