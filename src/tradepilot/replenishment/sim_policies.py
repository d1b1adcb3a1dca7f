"""Replenishment policies replayed by :mod:`~tradepilot.replenishment.simulation`.

Each policy has a ``name``, ``initial_stock(state)`` (units on day ``start``, its
order-up-to level) and ``orders(state, t)`` (units per mode and SKU, shape
(n_modes, n_skus), mode 0 = sea). Policies read only ``state.sales`` and
``state.in_stock`` (observed history and their own sales), stock, pipeline and
believed lead times, except :class:`OraclePolicy`, which reads the true demand and
the pre-drawn lead times.

- :class:`MinMaxPolicy`: what an ERP user configures (min = average daily sales
  of the last year x (sea lead + 7 days), max = min + 60 days), recomputed every
  4 weeks (monthly-ish; ERP users rarely update more often).
- :class:`DaysOfCoverPolicy`: what planner tools do (reorder below lead + review +
  14 days of cover at the last 8 weeks' rate, order up to 30 more days).
- :class:`TradePilotPolicy`: stockout-aware seasonal forecast, (R, s, S) levels
  from :func:`~tradepilot.replenishment.policy.reorder_levels`, EOQ cycle (per
  line, or with ``joint`` per supplier PO), optionally a check that a sea lot pays
  for the excess it leaves (:mod:`~tradepilot.replenishment.sim_lots`), and an
  air top-up when stock would run out before the sea order lands.
- The order-up-to (s, S) baseline tuned on the warm-up lives in
  :mod:`~tradepilot.replenishment.sim_baselines`.
- :class:`OraclePolicy`: perfect foresight of demand and lead times; a heuristic
  (covers each sea order's window exactly), not a proven optimum.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tradepilot.replenishment.policy import (
    PolicyLevels,
    economic_order_quantity,
    order_quantity,
    reorder_levels,
    round_order,
)
from tradepilot.replenishment.sim_lots import lot_pays

if TYPE_CHECKING:
    from tradepilot.replenishment.sim_types import Policy, SimState, SimulationInput

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Forecaster = Callable[["SimState", IntArray], tuple[FloatArray, FloatArray]]
"""``(state, horizon_days) -> (mean_daily, std_daily)``, units/day per SKU, over
the next ``horizon_days`` (per SKU) from ``state.t``."""

REVIEW_DAYS = 7
"""Days between two reviews (the simulation reviews weekly)."""
SEASON_LAG_DAYS = 364
"""A year ago, in whole weeks (keeps weekdays aligned)."""

POLICY_LABELS = {
    "tradepilot": "TradePilot",
    "min_max": "Min/max rule",
    "days_of_cover": "Days-of-cover rule",
    "order_up_to": "Order-up-to (s, S), tuned",
    "oracle": "Perfect-foresight heuristic (oracle)",
    "oracle_economic": "Perfect-foresight heuristic, economic lots",
}
"""What pages and the CLI call each policy (the report's keys stay as they are)."""
ORACLE_NOTE = (
    "The perfect-foresight heuristic (oracle) knows future demand and lead times"
    " but orders with a simple rule: every week, exactly the demand until its next"
    " order can land, rounded up to case packs and minimum order quantities, by air"
    " where the margin pays the freight. It never runs short, but it is not a cost"
    " optimum and not a lower bound: it places more orders and can end with more"
    " stock than a policy that batches them, so it may cost more than TradePilot."
)
"""The oracle in words, shown under every simulation table."""


def default_policies() -> list[Policy]:
    """TradePilot, min/max, days of cover and the oracle, with default settings."""
    return [TradePilotPolicy(), MinMaxPolicy(), DaysOfCoverPolicy(), OraclePolicy()]


def _by_mode(state: SimState, sea: IntArray, air: IntArray | None = None) -> IntArray:
    """Stack sea (and air) units into the (n_modes, n_skus) order array."""
    out = np.zeros((len(state.inputs.modes), state.inputs.n_skus), dtype=np.int64)
    out[0] = sea
    if air is not None and out.shape[0] > 1:
        out[1] = air
    return out


def _avg_sales(state: SimState, days: int) -> FloatArray:
    """Mean daily sales over the last ``days`` days (or all history), (n_skus,)."""
    window = state.sales[max(0, state.t - days) : state.t]
    return window.mean(axis=0) if window.shape[0] else np.zeros(state.inputs.n_skus)


def _rounded(state: SimState, qty: FloatArray) -> IntArray:
    inputs = state.inputs
    return np.asarray(
        round_order(qty, moq=inputs.moq, case_pack=inputs.case_pack), dtype=np.int64
    )


class MinMaxPolicy:
    """ERP min/max: order ``max - position`` by sea when ``position <= min``.

    ``min = avg * (sea lead + safety_days)``, ``max = min + avg * cover_days``, with
    ``avg`` the average daily sales of the last ``lookback_days``; parameters are
    recomputed every ``recompute_days``.

    Examples
    --------
    >>> from tradepilot.replenishment.simulation import (
    ...     constant_demand_input, simulate_policy)
    >>> simulate_policy(constant_demand_input(), MinMaxPolicy()).fill_rate
    1.0
    """

    name = "min_max"

    def __init__(
        self,
        *,
        lookback_days: int = 365,
        safety_days: float = 7.0,
        cover_days: float = 60.0,
        recompute_days: int = 28,
    ) -> None:
        self.lookback_days = lookback_days
        self.safety_days = safety_days
        self.cover_days = cover_days
        self.recompute_days = recompute_days
        self._levels = (np.zeros(0), np.zeros(0))
        self._computed_at = -math.inf

    def _refresh(self, state: SimState) -> tuple[FloatArray, FloatArray]:
        if state.t - self._computed_at >= self.recompute_days:
            avg = _avg_sales(state, self.lookback_days)
            low = avg * (state.inputs.believed(0)[0] + self.safety_days)
            self._levels = (low, low + avg * self.cover_days)
            self._computed_at = state.t
        return self._levels

    def initial_stock(self, state: SimState) -> IntArray:
        """The max level at ``start`` (units, rounded up)."""
        self._computed_at = -math.inf
        return np.ceil(self._refresh(state)[1]).astype(np.int64)

    def orders(self, state: SimState, t: int) -> IntArray:
        """Sea units up to max where the position is at or below min."""
        low, high = self._refresh(state)
        position = state.on_hand + state.on_order()
        return _by_mode(
            state, _rounded(state, np.where(position <= low, high - position, 0))
        )


class DaysOfCoverPolicy:
    """Planner-tool days of cover, recomputed at every review.

    With ``T = sea lead + review + safety_days`` and ``avg`` the mean daily sales
    of the last ``lookback_days``: order by sea up to ``avg * (T + extra_days)``
    when the position is below ``avg * T``.

    Examples
    --------
    >>> from tradepilot.replenishment.simulation import (
    ...     constant_demand_input, simulate_policy)
    >>> simulate_policy(constant_demand_input(), DaysOfCoverPolicy()).fill_rate
    1.0
    """

    name = "days_of_cover"

    def __init__(
        self,
        *,
        safety_days: float = 14.0,
        extra_days: float = 30.0,
        lookback_days: int = 56,
    ) -> None:
        self.safety_days = safety_days
        self.extra_days = extra_days
        self.lookback_days = lookback_days

    def _levels(self, state: SimState) -> tuple[FloatArray, FloatArray]:
        avg = _avg_sales(state, self.lookback_days)
        cover = state.inputs.believed(0)[0] + REVIEW_DAYS + self.safety_days
        return avg * cover, avg * (cover + self.extra_days)

    def initial_stock(self, state: SimState) -> IntArray:
        """The order-up-to cover at ``start`` (units, rounded up)."""
        return np.ceil(self._levels(state)[1]).astype(np.int64)

    def orders(self, state: SimState, t: int) -> IntArray:
        """Sea units up to the target cover where the position is below the trigger."""
        low, high = self._levels(state)
        position = state.on_hand + state.on_order()
        return _by_mode(
            state, _rounded(state, np.where(position < low, high - position, 0))
        )


class StockoutAwareForecast:
    """Default demand estimate of :class:`TradePilotPolicy` (a :data:`Forecaster`).

    Rate: mean daily sales over the last ``window_days`` in-stock days (days
    that started out of stock are left out, as the forecasting module's stockout
    correction does) within ``lookback_days``. Seasonal ratio: sales a year ago
    over the coming horizon / sales in the ``window_days`` before that, pooled
    over the SKU's category (``inputs.category``; else the SKU alone), shrunk to
    1 with weight ``n / (n + shrink_units)``, ``n`` the pooled base units. Std:
    residuals of in-stock days around the rate, at least Poisson.
    """

    def __init__(
        self,
        *,
        window_days: int = 56,
        lookback_days: int = 364,
        shrink_units: float = 100.0,
    ) -> None:
        self.window_days = window_days
        self.lookback_days = lookback_days
        self.shrink_units = shrink_units

    def __call__(
        self, state: SimState, horizon_days: IntArray
    ) -> tuple[FloatArray, FloatArray]:
        """Mean and std of daily demand over the horizon, units/day, (n_skus,)."""
        rate, std = self.recent_rate(state)
        ratio = self.seasonal_ratio(state, horizon_days)
        mean = rate * ratio
        return mean, np.maximum(std * ratio, np.sqrt(mean))

    def recent_rate(self, state: SimState) -> tuple[FloatArray, FloatArray]:
        """Mean and std of daily sales on the latest in-stock days, (n_skus,)."""
        lo = max(0, state.t - self.lookback_days)
        sales = state.sales[lo : state.t].astype(np.float64)
        flags = state.in_stock[lo : state.t]
        latest = np.cumsum(flags[::-1], axis=0)[::-1] <= self.window_days
        use = flags & latest
        n = use.sum(axis=0)
        rate = np.where(use, sales, 0.0).sum(axis=0) / np.maximum(n, 1)
        resid = np.where(use, sales - rate, 0.0)
        std = np.sqrt((resid**2).sum(axis=0) / np.maximum(n - 1, 1))
        return rate, std

    def seasonal_ratio(self, state: SimState, horizon_days: IntArray) -> FloatArray:
        """Year-ago demand ahead over year-ago demand behind, shrunk, (n_skus,)."""
        inputs, n = state.inputs, state.inputs.n_skus
        ago = state.t - SEASON_LAG_DAYS
        base = ago - self.window_days
        horizon = np.clip(horizon_days, 1, SEASON_LAG_DAYS).astype(np.int64)
        if base < 0:
            return np.ones(n)
        cat = np.arange(n) if inputs.category is None else np.asarray(inputs.category)
        onehot = np.zeros((n, int(cat.max()) + 1))
        onehot[np.arange(n), cat] = 1.0
        pooled = state.sales[base : ago + int(horizon.max())] @ onehot
        cum = np.vstack([np.zeros((1, onehot.shape[1])), np.cumsum(pooled, axis=0)])
        behind = cum[self.window_days, cat]
        ahead = cum[self.window_days + horizon, cat] - behind
        ratio = np.divide(
            ahead / horizon * self.window_days,
            behind,
            out=np.ones(n),
            where=behind > 0,
        )
        weight = behind / (behind + self.shrink_units)
        return np.asarray(1.0 + weight * (ratio - 1.0), dtype=np.float64)


class TradePilotPolicy:
    """TradePilot's (R, s, S) policy with a seasonal, stockout-aware forecast.

    At each weekly review: forecast mean and std of daily demand over the sea
    lead time plus review (``forecaster``), cycle quantity = EOQ (the PO's order
    cost per line, or with ``joint`` one EOQ cycle per supplier PO; holding at
    cost x holding rate) clipped to ``[min_cover_days, max_cover_days]`` of
    demand, levels for ``target`` (``"cycle"`` or ``"fill"``) from
    :func:`~tradepilot.replenishment.policy.reorder_levels` with the believed sea
    lead time, ``order_quantity`` by sea; then, if ``air``, an air order for the
    expected shortfall between the air and the sea arrival where the margin on
    the units saved pays the air freight.

    With ``excess_weeks``, a sea lot is ordered only where it pays
    (:func:`~tradepilot.replenishment.sim_lots.lot_pays`): the margin on the
    units it adds to sales within the lead time + ``excess_weeks`` must beat
    ``excess_share`` of the cost (plus freight) of the units it leaves beyond
    them and its holding; an MOQ lot that would cover a slow seller for years is
    not bought.

    Examples
    --------
    >>> from tradepilot.replenishment.simulation import (
    ...     constant_demand_input, simulate_policy)
    >>> simulate_policy(constant_demand_input(), TradePilotPolicy()).fill_rate
    1.0
    """

    name = "tradepilot"

    def __init__(
        self,
        *,
        service_level: float | None = None,
        target: str = "cycle",
        min_cover_days: float = 14.0,
        max_cover_days: float = 84.0,
        joint: bool = False,
        air: bool = True,
        forecaster: Forecaster | None = None,
        n_draws: int = 2000,
        excess_weeks: float | None = None,
        excess_share: float = 0.5,
    ) -> None:
        self.service_level = service_level
        self.target = target
        self.min_cover_days = min_cover_days
        self.max_cover_days = max_cover_days
        self.joint = joint
        self.air = air
        self.forecaster = forecaster or StockoutAwareForecast()
        self.n_draws = n_draws
        self.excess_weeks = excess_weeks
        self.excess_share = excess_share

    def levels(self, state: SimState) -> tuple[PolicyLevels, FloatArray]:
        """Reorder levels at ``state.t`` and the forecast mean, units/day."""
        mean, std = self._forecast(state)
        return self._levels(state, mean, std), mean

    def _forecast(self, state: SimState) -> tuple[FloatArray, FloatArray]:
        lead = state.inputs.believed(0)[0]
        return self.forecaster(state, np.rint(lead).astype(np.int64) + REVIEW_DAYS)

    def _levels(
        self, state: SimState, mean: FloatArray, std: FloatArray
    ) -> PolicyLevels:
        inputs = state.inputs
        lead, lead_std = inputs.believed(0)
        cycle = np.clip(
            self._cycle_qty(inputs, mean),
            mean * self.min_cover_days,
            mean * self.max_cover_days,
        )
        return reorder_levels(
            mean,
            std,
            lead_mean_days=lead,
            lead_std_days=lead_std,
            review_days=REVIEW_DAYS,
            service_level=self.service_level or inputs.service_level,
            target=self.target,
            cycle_qty=cycle,
            n_draws=self.n_draws,
            seed=inputs.seed,
        )

    def _cycle_qty(self, inputs: SimulationInput, mean: FloatArray) -> FloatArray:
        """EOQ per SKU (units); ``joint``: one EOQ cycle per supplier's PO.

        A PO's fixed cost is shared by its lines: the supplier's cycle ``T =
        sqrt(2 K / sum_i h_i D_i)`` (years) minimises ``K / T + T sum_i h_i D_i / 2``
        and each SKU orders ``D_i T``.
        """
        holding = inputs.unit_cost * inputs.holding_rate
        annual = mean * 365.0
        if not self.joint:
            return economic_order_quantity(
                annual, order_cost=inputs.order_cost, holding_cost_per_unit_year=holding
            )
        per_supplier = np.bincount(inputs.supplier, weights=holding * annual)
        years = np.sqrt(
            np.divide(
                2.0 * inputs.order_cost,
                per_supplier,
                out=np.zeros_like(per_supplier),
                where=per_supplier > 0,
            )
        )
        return np.asarray(annual * years[inputs.supplier], dtype=np.float64)

    def initial_stock(self, state: SimState) -> IntArray:
        """The order-up-to level ``S`` at ``start`` (units, rounded up)."""
        return np.ceil(self.levels(state)[0].order_up_to).astype(np.int64)

    def orders(self, state: SimState, t: int) -> IntArray:
        """Sea units from the (R, s, S) rule (lots that pay) plus the air top-up."""
        inputs = state.inputs
        mean, std = self._forecast(state)
        levels = self._levels(state, mean, std)
        position = state.on_hand + state.on_order()
        sea = order_quantity(
            position, levels, moq=inputs.moq, case_pack=inputs.case_pack
        )
        if self.excess_weeks is not None:
            sea = self._paying_lot(state, sea, position)
        if not self.air or len(inputs.modes) < 2:
            return _by_mode(state, sea)
        return _by_mode(state, sea, self._air_top_up(state, mean))

    def _paying_lot(
        self, state: SimState, qty: IntArray, position: IntArray
    ) -> IntArray:
        """The sea order where it pays over the lead time + ``excess_weeks``,
        with the demand forecast over that horizon (its season included)."""
        inputs = state.inputs
        horizon = inputs.believed(0)[0] + 7.0 * (self.excess_weeks or 0.0)
        mean, std = self.forecaster(state, np.rint(horizon).astype(np.int64))
        pays = lot_pays(
            qty,
            position,
            mean=mean,
            std=std,
            horizon_days=horizon,
            margin=np.maximum(inputs.price - inputs.unit_cost, 0.0),
            unit_cost=inputs.unit_cost,
            freight=inputs.freight[:, 0],
            holding_rate=inputs.holding_rate,
            excess_share=self.excess_share,
        )
        return np.where(pays, qty, 0)

    def _air_top_up(self, state: SimState, mean: FloatArray) -> IntArray:
        """Air units for the expected shortfall between air and sea arrival."""
        inputs, t = state.inputs, state.t
        sea_at = t + np.rint(inputs.believed(0)[0]).astype(np.int64)
        air_at = t + np.rint(inputs.believed(1)[0]).astype(np.int64)
        before_air = state.arriving_before(air_at)
        left = np.maximum(state.on_hand + before_air - mean * (air_at - t), 0.0)
        between = state.arriving_before(sea_at) - before_air
        gap = mean * (sea_at - air_at) - left - between
        gap = np.where(air_at < sea_at, gap, 0.0)
        qty = _rounded(state, gap)
        margin = inputs.price - inputs.unit_cost
        worth = margin * np.minimum(gap, qty) > inputs.freight[:, 1] * qty
        return np.where(worth, qty, 0)


class OraclePolicy:
    """Perfect foresight of demand and of the pre-drawn lead times (a heuristic).

    At each review it orders by sea exactly the demand of the days this order is
    the first to serve, from its arrival to the earliest arrival of any later
    review's sea order, less the stock projected (lost sales) at its arrival;
    where stock runs short between the air arrival and the sea arrival (and before
    any later order), it buys that gap by air if ``price - cost`` exceeds the air
    freight. Orders are rounded to case packs and MOQ like everyone's. A perfect-
    foresight heuristic, not a proven optimum: it orders every week (no batching
    of order costs) and starts lean.

    ``economic_lots=True`` (name ``"oracle_economic"``) also knows that the span
    ends: it skips lots whose MOQ would leave units unsold at the end (they count
    at cost) when the window's margin does not pay for them, so its fill rate on
    MOQ-bound slow movers is below 1.

    Examples
    --------
    >>> from tradepilot.replenishment.simulation import (
    ...     constant_demand_input, simulate_policy)
    >>> r = simulate_policy(constant_demand_input(), OraclePolicy())
    >>> r.lost_units, r.stock[:7, 0].tolist()
    (0, [60, 50, 40, 30, 20, 10, 0])
    """

    def __init__(self, *, economic_lots: bool = False) -> None:
        self.economic_lots = economic_lots
        self.name = "oracle_economic" if economic_lots else "oracle"

    def initial_stock(self, state: SimState) -> IntArray:
        """True demand from ``start`` until the first review's sea arrival."""
        inputs, t = state.inputs, state.t
        later = np.flatnonzero(inputs.weekday[t:] == inputs.review_weekday)
        first = t + int(later[0]) if later.size else inputs.n_days
        if first < inputs.n_days:
            arrive = first + state.lead_days[inputs.supplier, 0, first]
        else:
            arrive = np.full(inputs.n_skus, inputs.n_days)
        cum = np.vstack(
            [np.zeros((1, inputs.n_skus)), np.cumsum(inputs.demand[t:], axis=0)]
        )
        ahead = np.minimum(arrive, inputs.n_days) - t
        return np.asarray(cum[ahead, np.arange(inputs.n_skus)], dtype=np.int64)

    def orders(self, state: SimState, t: int) -> IntArray:
        """Air for the gap before the sea arrival, then sea for its own window."""
        inputs = state.inputs
        horizon = inputs.n_days - t
        demand = inputs.demand[t:].astype(np.int64)
        arrivals = state.true_arrivals(horizon)
        sea_at = self._arrival(state, t, 0) - t
        next_sea, next_any = self._next_arrivals(state, t)
        air = np.zeros(inputs.n_skus, dtype=np.int64)
        if len(inputs.modes) > 1:
            air_at = self._arrival(state, t, 1) - t
            stop = np.minimum(sea_at, next_any)
            air = self._buy(state, (demand, arrivals), air_at, stop, mode=1)
            land = (air > 0) & (air_at < horizon)
            arrivals[air_at[land], np.flatnonzero(land)] += air[land]
        sea = self._buy(state, (demand, arrivals), sea_at, next_sea, mode=0)
        return _by_mode(state, sea, air)

    def _buy(
        self,
        state: SimState,
        flows: tuple[IntArray, IntArray],
        first: IntArray,
        stop: IntArray,
        *,
        mode: int,
    ) -> IntArray:
        """Units landing on ``first`` for the demand of ``[first, stop)``.

        Air only where ``price - cost`` beats the air freight per unit. With
        ``economic_lots``, a lot is bought only where the margin of the units it
        will sell in the span (by air: of the window) pays the extra freight over
        sea and, at cost plus freight, the units of the lot (rounded up to case
        pack and MOQ) that no demand left in the span will take.
        """
        inputs, (demand, arrivals) = state.inputs, flows
        end = np.full_like(stop, demand.shape[0])
        need, rest = _cover_needs(state.on_hand, demand, arrivals, first, (stop, end))
        qty = _rounded(state, need)
        freight = inputs.freight[:, mode]
        margin = inputs.price - inputs.unit_cost
        if not self.economic_lots:
            return np.where(mode == 0 or margin > freight, qty, 0)
        leftover = np.maximum(qty - rest, 0.0)
        extra = (freight - inputs.freight[:, 0]) * qty
        extra += (inputs.unit_cost + freight) * leftover
        saved = need if mode else np.minimum(qty, rest)  # later air is never cheaper
        return np.where(margin * saved > extra, qty, 0)

    @staticmethod
    def _arrival(state: SimState, day: int, mode: int) -> IntArray:
        leads = state.lead_days[state.inputs.supplier, mode, day]
        return np.asarray(day + leads, dtype=np.int64)

    def _next_arrivals(self, state: SimState, t: int) -> tuple[IntArray, IntArray]:
        """Days offset from ``t`` of the earliest arrival of any later review's sea
        order, and of any later order (sea or air); ``n_days - t`` when none."""
        inputs = state.inputs
        reach = t + REVIEW_DAYS + int(state.lead_days.max()) + 1
        days = (
            t
            + 1
            + np.flatnonzero(inputs.weekday[t + 1 : reach] == inputs.review_weekday)
        )
        sea = np.full(inputs.n_skus, inputs.n_days, dtype=np.int64)
        any_mode = sea.copy()
        for day in days:
            for mode in range(len(inputs.modes)):
                arrive = self._arrival(state, int(day), mode)
                any_mode = np.minimum(any_mode, arrive)
                if mode == 0:
                    sea = np.minimum(sea, arrive)
        cap = inputs.n_days
        return np.minimum(sea, cap) - t, np.minimum(any_mode, cap) - t


def _cover_needs(
    on_hand: IntArray,
    demand: IntArray,
    arrivals: IntArray,
    first: IntArray,
    stops: tuple[IntArray, ...],
) -> list[FloatArray]:
    """Units landing on day ``first`` that serve all demand of ``[first, stop)``.

    Days are offsets from today, arrays (horizon, n_skus) and (n_skus,); one
    answer per ``stop``. Stock is projected with lost sales up to ``first``; the
    answer is ``max_d (D[first..d] - S_first - A[first+1..d])`` over the window,
    at least 0.
    """
    horizon, n_skus = demand.shape
    morning = np.empty((horizon, n_skus))
    stock = on_hand.astype(np.float64)
    for d in range(horizon):  # lost sales make the projection a recursion
        stock = stock + arrivals[d]
        morning[d] = stock
        stock = np.maximum(stock - demand[d], 0.0)
    cum_d = np.vstack([np.zeros((1, n_skus)), np.cumsum(demand, axis=0)])
    cum_a = np.vstack([np.zeros((1, n_skus)), np.cumsum(arrivals, axis=0)])
    at = np.clip(first, 0, horizon - 1)
    cols = np.arange(n_skus)
    day = np.arange(horizon)[:, None]
    gap = (
        cum_d[1:]
        - cum_d[at, cols]  # demand of first..d
        - (cum_a[1:] - cum_a[at + 1, cols])  # arrivals of first+1..d
        - morning[at, cols]
    )
    needs = []
    for stop in stops:
        window = (day >= first) & (day < np.minimum(stop, horizon))
        needs.append(
            np.maximum(np.where(window, gap, 0.0).max(axis=0, initial=0.0), 0.0)
        )
    return needs
