"""The policy simulation's shared types: its input, what a policy sees, the policy.

Apart from :mod:`~tradepilot.replenishment.simulation` so that the policies
(:mod:`~tradepilot.replenishment.sim_policies`) can name them without importing the
simulation, which imports the policies; the simulation re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment.leadtimes import LeadTime

if TYPE_CHECKING:
    from collections.abc import Sequence


FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

HOLDING_RATE = 0.25
"""Yearly holding cost as a share of unit cost (capital, space, shrinkage)."""
ORDER_COST_EUR = 40.0
"""Fixed cost of one purchase order (one supplier x mode x review day)."""


@dataclass(frozen=True, eq=False)
class SimulationInput:
    """Everything a policy simulation needs, arrays over days and SKUs.

    Parameters
    ----------
    demand : numpy.ndarray of int
        True daily demand, units, shape (n_days, n_skus): history then the span.
    dates : array_like of datetime64[D] or datetime.date
        Calendar day of each row, shape (n_days,).
    start : int
        Index of the first simulated day; rows before it are history.
    sku : sequence of str
        SKU codes, shape (n_skus,).
    unit_cost, price : numpy.ndarray of float
        Purchase cost and net selling price per unit, base currency, (n_skus,).
    case_pack, moq : numpy.ndarray of int
        Units per carton (>= 1) and minimum order quantity (>= 0), (n_skus,).
    supplier : numpy.ndarray of int
        Index into ``true_lead`` / ``believed_lead``, shape (n_skus,).
    freight : numpy.ndarray of float
        Freight per unit by mode, base currency, shape (n_skus, n_modes).
    modes : tuple of str
        Transport modes; mode 0 is the default (sea), e.g. ``("sea", "air")``.
    true_lead, believed_lead : sequence of sequence of LeadTime
        ``[supplier][mode]``: the real world, and what the policies know.
    holding_rate : float
        Holding cost per year as a share of unit cost.
    order_cost : float
        Cost per PO (supplier x mode x review day with at least one line).
    review_weekday : int
        Day of the weekly review, 0 = Monday.
    service_level : float
        Target service level handed to the policies that use one.
    seed : int
        Seed of the lead-time draws.
    category : numpy.ndarray of int, optional
        Category index per SKU, (n_skus,), for pooled seasonality.
    history_sales, history_in_stock : numpy.ndarray, optional
        Observed sales and in-stock flags of the history, shape (start, n_skus);
        default: the true demand, always in stock.
    """

    demand: IntArray
    dates: npt.ArrayLike
    start: int
    sku: Sequence[str]
    unit_cost: FloatArray
    price: FloatArray
    case_pack: IntArray
    moq: IntArray
    supplier: IntArray
    freight: FloatArray
    modes: tuple[str, ...]
    true_lead: Sequence[Sequence[LeadTime]]
    believed_lead: Sequence[Sequence[LeadTime]]
    holding_rate: float = HOLDING_RATE
    order_cost: float = ORDER_COST_EUR
    review_weekday: int = 0
    service_level: float = 0.95
    seed: int = 0
    category: IntArray | None = None
    history_sales: IntArray | None = None
    history_in_stock: BoolArray | None = None

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def n_days(self) -> int:
        """Days of history plus simulated span."""
        return int(self.demand.shape[0])

    @property
    def n_skus(self) -> int:
        """Number of SKUs."""
        return int(self.demand.shape[1])

    @property
    def weekday(self) -> IntArray:
        """Day of week of each row, Monday = 0, shape (n_days,)."""
        days = np.asarray(self.dates, dtype="datetime64[D]").astype(np.int64)
        return np.asarray((days + 3) % 7, dtype=np.int64)  # 1970-01-01 was a Thursday

    def believed(self, mode: int) -> tuple[FloatArray, FloatArray]:
        """Believed lead-time mean and std in days per SKU for ``mode``, (n_skus,)."""
        mean = np.array([row[mode].mean_days for row in self.believed_lead])
        std = np.array([row[mode].std_days for row in self.believed_lead])
        return mean[self.supplier], std[self.supplier]


def _validate(inputs: SimulationInput) -> None:
    demand = np.asarray(inputs.demand)
    if demand.ndim != 2 or not np.all(demand >= 0):
        raise DataValidationError(
            "demand must be non-negative units of shape (n_days, n_skus); received"
            f" shape {demand.shape}"
        )
    n_days, n_skus = demand.shape
    if not 0 <= inputs.start < n_days:
        raise DataValidationError(
            f"start must be a day index in [0, {n_days}); received {inputs.start}"
        )
    per_sku = ("unit_cost", "price", "case_pack", "moq", "supplier")
    for name in per_sku:
        _check_shape(name, getattr(inputs, name), (n_skus,))
    _check_shape("dates", inputs.dates, (n_days,))
    _check_shape("freight", inputs.freight, (n_skus, len(inputs.modes)))
    for name in ("history_sales", "history_in_stock"):
        if getattr(inputs, name) is not None:
            _check_shape(name, getattr(inputs, name), (inputs.start, n_skus))
    if not np.all(np.asarray(inputs.case_pack) >= 1):
        raise DataValidationError("case_pack must be >= 1 unit for every SKU")
    n_suppliers = int(np.max(inputs.supplier)) + 1 if n_skus else 0
    for name in ("true_lead", "believed_lead"):
        table = getattr(inputs, name)
        if len(table) < n_suppliers or any(len(r) != len(inputs.modes) for r in table):
            raise DataValidationError(
                f"{name} must be [supplier][mode] with {len(inputs.modes)} modes for"
                f" at least {n_suppliers} suppliers; received {len(table)} rows"
            )


def _check_shape(name: str, value: npt.ArrayLike, shape: tuple[int, ...]) -> None:
    got = np.shape(value)
    if got != shape:
        raise DataValidationError(f"{name} must have shape {shape}; received {got}")


@dataclass(frozen=True, eq=False)
class Order:
    """One review day's order in one mode (one PO per supplier), arrays (n_skus,).

    ``arrival`` is the true receipt day; ``expected`` the day the policies expect
    it (order day + believed mean lead time).
    """

    day: int
    mode: int
    qty: IntArray
    arrival: IntArray
    expected: IntArray


@dataclass
class SimState:
    """What a policy sees at a review on day ``t`` (mutated by the simulation).

    ``sales`` and ``in_stock`` (shape (n_days, n_skus)) are filled for rows
    ``< t``: the history's observed sales, then the policy's own. ``lead_days``
    (shape (n_suppliers, n_modes, n_days)) holds the pre-drawn true lead times:
    only the perfect-foresight oracle may read it, or ``inputs.demand``.
    """

    inputs: SimulationInput
    lead_days: IntArray
    t: int
    on_hand: IntArray
    sales: IntArray
    in_stock: BoolArray
    pipeline: list[Order] = field(default_factory=list)

    def on_order(self) -> IntArray:
        """Units ordered and not yet received per SKU, shape (n_skus,)."""
        total = np.zeros(self.inputs.n_skus, dtype=np.int64)
        for order in self.pipeline:
            total += np.where(order.arrival > self.t, order.qty, 0)
        return total

    def arriving_before(self, day: IntArray, *, believed: bool = True) -> IntArray:
        """Units still due that arrive before ``day`` (per SKU), shape (n_skus,).

        ``believed``: by expected day (an overdue order is expected tomorrow);
        otherwise by true day (oracle only).
        """
        total = np.zeros(self.inputs.n_skus, dtype=np.int64)
        for order in self.pipeline:
            due = order.arrival > self.t
            when = np.maximum(order.expected, self.t + 1) if believed else order.arrival
            total += np.where(due & (when < day), order.qty, 0)
        return total

    def true_arrivals(self, days: int) -> IntArray:
        """Units still due, by true arrival day ``t .. t + days - 1``, (days, n_skus).

        Row 0 is empty: today's receipts are already on hand.
        """
        out = np.zeros((days, self.inputs.n_skus), dtype=np.int64)
        for order in self.pipeline:
            offset = order.arrival - self.t
            keep = (offset >= 1) & (offset < days) & (order.qty > 0)
            np.add.at(out, (offset[keep], np.flatnonzero(keep)), order.qty[keep])
        return out


class Policy(Protocol):
    """A replenishment policy the simulation can run."""

    name: str

    def initial_stock(self, state: SimState) -> IntArray:
        """Units on hand on day ``start`` (its order-up-to level), (n_skus,)."""
        ...

    def orders(self, state: SimState, t: int) -> IntArray:
        """Units to order on review day ``t``, shape (n_modes, n_skus)."""
        ...
