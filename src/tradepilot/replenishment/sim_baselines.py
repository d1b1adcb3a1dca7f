"""The order-up-to (s, S) baseline, tuned by simulation on the warm-up.

The best a careful spreadsheet user could do: per SKU, a reorder point ``s`` and
an order-up-to level ``S`` in days of cover of the recent sales rate (mean daily
sales on the latest in-stock days, as
:meth:`~tradepilot.replenishment.sim_policies.StockoutAwareForecast.recent_rate`
computes it, recomputed at every weekly review). At a review, when the position
(on hand + on order) is at or below ``s``, order ``S - position`` by sea, rounded
to case packs and MOQ.

:class:`TunedOrderUpToPolicy` picks the pair from a grid (:class:`OrderUpToGrid`)
for each velocity band of SKUs (:data:`TUNING_BANDS`; or for each SKU alone) by
simulation on the warm-up days, which the protocol
does not score: after the history, :data:`TUNING_WEEKS` weeks each drawn at
random from the SKU's own warm-up weeks (a bootstrap: a year of demand like the
warm-up's), every candidate starting at its own ``S``, with lead times drawn from
the believed ones (what the seller knows); the first :data:`TUNING_SKIP_WEEKS`
weeks are not counted, so the choice reflects a steady state, not the opening.
The cheapest candidate under the protocol's costs
(:func:`~tradepilot.replenishment.sim_scoring.sku_costs`) wins; a PO's fixed
cost is spread over its supplier's SKUs, as a spreadsheet would, and ties go to
the leaner candidate. The tuning reads the true demand of the warm-up: it has
seen the recent past, never the scored days or their lead-time draws.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment.policy import round_order
from tradepilot.replenishment.sim_policies import REVIEW_DAYS, StockoutAwareForecast
from tradepilot.replenishment.sim_scoring import ProtocolSettings, sku_costs
from tradepilot.replenishment.simulation import simulate_policy

if TYPE_CHECKING:
    from tradepilot.replenishment.simulation import SimState, SimulationInput

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

TUNING_WEEKS = 65
"""Weeks of bootstrapped warm-up demand in a tuning replay."""
TUNING_SKIP_WEEKS = 13
"""Weeks at the start of a tuning replay that are not scored."""
TUNING_SEED_OFFSET = 7919
"""Added to the world's seed for the tuning's own draws (demand, lead times)."""
MAX_TUNING_COLUMNS = 2_000
"""Candidate x SKU columns replayed at once: larger catalogues are tuned in chunks
of SKUs (same result; on the 300-SKU store 4.5 s against 9 s in one replay, and
memory stays flat for thousands of SKUs)."""
TUNING_BANDS = 3
"""Velocity bands whose SKUs share one tuned pair (0: every SKU its own). On the
validation store (seed 11, 5 seeds) 3 bands cost 87.6k, 5 bands 87.9k, one pair
for all 90.9k and a pair per SKU 90.5k (overfitting 13 weeks of demand)."""


@dataclass(frozen=True)
class OrderUpToGrid:
    """Candidate (s, S) pairs, days of cover.

    ``s = max(believed sea lead + review + offset, 0)`` for each of
    ``reorder_offsets`` and ``S = s + extra`` for each of ``extra_days``.
    """

    reorder_offsets: tuple[float, ...] = (-14.0, -7.0, 0.0, 7.0, 14.0, 28.0)
    extra_days: tuple[float, ...] = (7.0, 14.0, 28.0, 56.0, 91.0)

    @property
    def size(self) -> int:
        """Number of candidate pairs."""
        return len(self.reorder_offsets) * len(self.extra_days)

    def candidates(self, inputs: SimulationInput) -> tuple[FloatArray, FloatArray]:
        """``s`` and ``S`` days of every candidate and SKU, shape (size, n_skus).

        Candidates are offset-major, leanest first.
        """
        base = inputs.believed(0)[0] + REVIEW_DAYS
        offsets = np.repeat(np.asarray(self.reorder_offsets), len(self.extra_days))
        extra = np.tile(np.asarray(self.extra_days), len(self.reorder_offsets))
        low = np.maximum(base[None, :] + offsets[:, None], 0.0)
        return low, low + extra[:, None]


class OrderUpToPolicy:
    """(s, S) per SKU in days of cover of the recent in-stock sales rate.

    Parameters
    ----------
    reorder_days, order_up_days : array_like
        ``s`` and ``S`` per SKU, days of cover, shape (n_skus,) or scalars.
    window_days : int
        In-stock days the rate is averaged over.

    Examples
    --------
    >>> from tradepilot.replenishment.simulation import (
    ...     constant_demand_input, simulate_policy)
    >>> simulate_policy(constant_demand_input(), OrderUpToPolicy(14, 28)).fill_rate
    1.0
    """

    name = "order_up_to"

    def __init__(
        self,
        reorder_days: npt.ArrayLike,
        order_up_days: npt.ArrayLike,
        *,
        window_days: int = 56,
    ) -> None:
        self.reorder_days = reorder_days
        self.order_up_days = order_up_days
        self.window_days = window_days

    def levels(self, state: SimState) -> tuple[FloatArray, FloatArray]:
        """``s`` and ``S`` in units at ``state.t``, (n_skus,)."""
        forecast = StockoutAwareForecast(window_days=self.window_days)
        rate = forecast.recent_rate(state)[0]
        low = rate * np.asarray(self.reorder_days, dtype=np.float64)
        high = rate * np.asarray(self.order_up_days, dtype=np.float64)
        return low, np.maximum(high, low)

    def initial_stock(self, state: SimState) -> IntArray:
        """The order-up-to level ``S`` at ``start`` (units, rounded up)."""
        return np.ceil(self.levels(state)[1]).astype(np.int64)

    def orders(self, state: SimState, t: int) -> IntArray:
        """Sea units up to ``S`` where the position is at or below ``s``."""
        inputs = state.inputs
        low, high = self.levels(state)
        position = state.on_hand + state.on_order()
        want = np.where(position <= low, high - position, 0.0)
        out = np.zeros((len(inputs.modes), inputs.n_skus), dtype=np.int64)
        out[0] = round_order(want, moq=inputs.moq, case_pack=inputs.case_pack)
        return out


class TunedOrderUpToPolicy:
    """:class:`OrderUpToPolicy` with each SKU's (s, S) tuned on the warm-up.

    Tuning runs when a simulation starts (:meth:`initial_stock`), on that
    simulation's inputs and lead-time draws; ``reorder_days_`` and
    ``order_up_days_`` hold the choice.

    Parameters
    ----------
    warmup_days : int
        Days from ``start`` whose demand the tuning replays (the warm-up, >= 1).
    grid : OrderUpToGrid, optional
        The candidates.
    settings : ProtocolSettings, optional
        The costs the candidates are scored with.
    """

    name = "order_up_to"

    def __init__(
        self,
        *,
        warmup_days: int,
        grid: OrderUpToGrid | None = None,
        settings: ProtocolSettings | None = None,
        bands: int = TUNING_BANDS,
    ) -> None:
        self.bands = bands
        self.warmup_days = warmup_days
        self.grid = grid or OrderUpToGrid()
        self.settings = settings or ProtocolSettings()
        self._policy = OrderUpToPolicy(0.0, 0.0)

    def initial_stock(self, state: SimState) -> IntArray:
        """Tune on the warm-up, then the tuned ``S`` at ``start``."""
        self.reorder_days_, self.order_up_days_ = tune_order_up_to(
            state.inputs,
            window_days=self.warmup_days,
            grid=self.grid,
            settings=self.settings,
            bands=self.bands,
        )
        self._policy = OrderUpToPolicy(self.reorder_days_, self.order_up_days_)
        return self._policy.initial_stock(state)

    def orders(self, state: SimState, t: int) -> IntArray:
        """The tuned policy's orders."""
        return self._policy.orders(state, t)


def tune_order_up_to(
    inputs: SimulationInput,
    *,
    window_days: int,
    grid: OrderUpToGrid,
    settings: ProtocolSettings,
    weeks: int = TUNING_WEEKS,
    bands: int = 0,
) -> tuple[FloatArray, FloatArray]:
    """Each SKU's cheapest (s, S) on the demand of ``window_days`` from ``start``.

    Every candidate replays the history, then ``weeks`` weeks each drawn from the
    SKU's whole weeks of the window, starting at its own ``S``, with lead times
    drawn from ``believed_lead`` (seed: ``inputs.seed +``
    :data:`TUNING_SEED_OFFSET`); the first :data:`TUNING_SKIP_WEEKS` weeks are
    not scored. Its cost per SKU is holding + freight + lost margin
    + obsolescence at the end
    (:func:`~tradepilot.replenishment.sim_scoring.sku_costs`) + its order lines x
    the PO cost / the supplier's number of SKUs. With ``bands``, SKUs are ranked
    by their mean demand in the window and split into that many equal bands; each
    band takes the candidate cheapest over all its SKUs.

    Returns
    -------
    tuple of numpy.ndarray
        ``s`` and ``S`` days per SKU, shape (n_skus,).

    Raises
    ------
    DataValidationError
        The window is empty.
    """
    n_weeks = min(window_days, inputs.n_days - inputs.start) // 7
    if n_weeks < 1 or weeks <= TUNING_SKIP_WEEKS:
        raise DataValidationError(
            "tuning needs a warm-up of at least 7 days and more than"
            f" {TUNING_SKIP_WEEKS} weeks of replay; received {window_days} days,"
            f" {weeks} weeks"
        )
    low, high = grid.candidates(inputs)
    world = _replayed(inputs, n_weeks, weeks)
    line_cost = inputs.order_cost / np.bincount(inputs.supplier)[inputs.supplier]
    chunks = -(-inputs.n_skus * grid.size // MAX_TUNING_COLUMNS)
    cost = np.hstack(
        [
            _candidate_costs(
                _subset(world, idx),
                (low[:, idx], high[:, idx]),
                line_cost[idx],
                settings,
            )
            for idx in np.array_split(np.arange(inputs.n_skus), max(chunks, 1))
        ]
    )
    if bands:
        group = _velocity_bands(inputs, n_weeks, bands)
        pooled = np.stack([cost[:, group == g].sum(axis=1) for g in range(bands)], 1)
        best = np.argmin(pooled, axis=0)[group]
    else:
        best = np.argmin(cost, axis=0)  # the first, leanest, on ties
    cols = np.arange(inputs.n_skus)
    return low[best, cols], high[best, cols]


def _candidate_costs(
    world: SimulationInput,
    levels: tuple[FloatArray, FloatArray],
    line_cost: FloatArray,
    settings: ProtocolSettings,
) -> FloatArray:
    """Tuning cost of every candidate (rows) and SKU (columns) in one replay."""
    low, high = levels
    size = low.shape[0]
    wide = _tiled(world, size)
    result = simulate_policy(
        wide,
        OrderUpToPolicy(low.ravel(), high.ravel()),
        score_from=world.start + 7 * TUNING_SKIP_WEEKS,
    )
    parts = sku_costs(result, wide, settings)
    cost = np.sum(list(parts.values()), axis=0)
    cost += result.lines_by_sku * np.tile(line_cost, size)
    return np.asarray(cost, dtype=np.float64).reshape(size, -1)


def _velocity_bands(inputs: SimulationInput, n_weeks: int, bands: int) -> IntArray:
    window = inputs.demand[inputs.start : inputs.start + 7 * n_weeks].mean(axis=0)
    ranks = np.argsort(np.argsort(window, kind="stable"), kind="stable")
    return np.asarray(ranks * bands // inputs.n_skus, dtype=np.int64)


def _replayed(inputs: SimulationInput, n_weeks: int, weeks: int) -> SimulationInput:
    """History, then ``weeks`` weeks each drawn per SKU from the first ``n_weeks``
    whole weeks from ``start``, in a world whose lead times are the believed ones."""
    rng = np.random.default_rng(inputs.seed + TUNING_SEED_OFFSET)
    window = inputs.demand[inputs.start : inputs.start + 7 * n_weeks]
    by_week = window.reshape(n_weeks, 7, inputs.n_skus)
    pick = rng.integers(0, n_weeks, (weeks, inputs.n_skus))
    drawn = by_week[pick, :, np.arange(inputs.n_skus)]  # (weeks, n_skus, 7)
    future = drawn.transpose(0, 2, 1).reshape(7 * weeks, inputs.n_skus)
    demand = np.vstack([inputs.demand[: inputs.start], future])
    first = np.asarray(inputs.dates, dtype="datetime64[D]")[0]
    return replace(
        inputs,
        demand=demand,
        dates=first + np.arange(demand.shape[0]),
        true_lead=inputs.believed_lead,
        seed=inputs.seed + TUNING_SEED_OFFSET,
    )


def _tiled(inputs: SimulationInput, copies: int) -> SimulationInput:
    """``inputs`` with every SKU repeated ``copies`` times (candidate-major)."""
    return replace(
        inputs,
        demand=_tile(inputs.demand, copies),
        sku=list(inputs.sku) * copies,
        unit_cost=_tile(inputs.unit_cost, copies),
        price=_tile(inputs.price, copies),
        case_pack=_tile(inputs.case_pack, copies),
        moq=_tile(inputs.moq, copies),
        supplier=_tile(inputs.supplier, copies),
        freight=np.tile(inputs.freight, (copies, 1)),
        category=_tile(inputs.category, copies),
        history_sales=_tile(inputs.history_sales, copies),
        history_in_stock=_tile(inputs.history_in_stock, copies),
    )


def _subset(inputs: SimulationInput, idx: IntArray) -> SimulationInput:
    """``inputs`` restricted to the SKUs ``idx`` (suppliers keep their index)."""
    if idx.size == inputs.n_skus:
        return inputs
    return replace(
        inputs,
        demand=inputs.demand[:, idx],
        sku=[inputs.sku[i] for i in idx],
        unit_cost=inputs.unit_cost[idx],
        price=inputs.price[idx],
        case_pack=inputs.case_pack[idx],
        moq=inputs.moq[idx],
        supplier=inputs.supplier[idx],
        freight=inputs.freight[idx],
        category=None if inputs.category is None else inputs.category[idx],
        history_sales=_columns(inputs.history_sales, idx),
        history_in_stock=_columns(inputs.history_in_stock, idx),
    )


def _columns(values: Any, idx: IntArray) -> Any:
    return None if values is None else values[:, idx]


def _tile(values: Any, copies: int) -> Any:
    """Per-SKU values (last axis) repeated ``copies`` times; None stays None."""
    if values is None:
        return None
    array = np.asarray(values)
    return np.tile(array, (copies,) if array.ndim == 1 else (1, copies))
