"""The fair simulation protocol: common random numbers, a warm-up that is not
scored, the end stock valued at cost less obsolescence, 95 % intervals, the tuned
(s, S) baseline, and TradePilot's lot check."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment.leadtimes import LeadTime
from tradepilot.replenishment.sim_baselines import (
    OrderUpToGrid,
    OrderUpToPolicy,
    TunedOrderUpToPolicy,
    tune_order_up_to,
)
from tradepilot.replenishment.sim_lots import expected_sales, lot_pays
from tradepilot.replenishment.sim_policies import TradePilotPolicy
from tradepilot.replenishment.sim_protocol import (
    compare_policies,
    draw_demand,
    summarise,
)
from tradepilot.replenishment.sim_scoring import (
    ProtocolSettings,
    ci95,
    obsolescence_charge,
    score,
)
from tradepilot.replenishment.simulation import (
    SimState,
    SimulationInput,
    simulate_policy,
)

MONDAY = np.datetime64("2024-01-01")
WEEK = LeadTime(7.0, 0.0)


def one_sku(
    demand: np.ndarray, *, start: int, moq: int = 0, seed: int = 0
) -> SimulationInput:
    """One SKU from Monday 2024-01-01: cost 2, price 5, sea 7 days, air 3 days."""
    leads = [[WEEK, LeadTime(3.0, 0.0)]]
    return SimulationInput(
        demand=demand.reshape(demand.shape[0], -1).astype(np.int64),
        dates=MONDAY + np.arange(demand.shape[0]),
        start=start,
        sku=["A"],
        unit_cost=np.array([2.0]),
        price=np.array([5.0]),
        case_pack=np.array([1]),
        moq=np.array([moq]),
        supplier=np.array([0]),
        freight=np.array([[0.1, 1.0]]),
        modes=("sea", "air"),
        true_lead=leads,
        believed_lead=leads,
        seed=seed,
    )


class Idle:
    """Orders nothing: what the opening stock alone does."""

    name = "idle"

    def initial_stock(self, state: SimState) -> np.ndarray:
        return np.zeros(state.inputs.n_skus, dtype=np.int64)

    def orders(self, state: SimState, t: int) -> np.ndarray:
        return np.zeros((len(state.inputs.modes), state.inputs.n_skus), np.int64)


class Recorder(Idle):
    """Idle, and remembers the demand and lead times it was given."""

    def __init__(self, name: str, seen: list[tuple[str, bytes, bytes]]) -> None:
        self.name, self.seen = name, seen

    def initial_stock(self, state: SimState) -> np.ndarray:
        inputs = state.inputs
        self.seen.append(
            (self.name, inputs.demand.tobytes(), state.lead_days.tobytes())
        )
        return super().initial_stock(state)


def test_every_policy_gets_the_same_seeds_and_draws() -> None:
    # given a noisy SKU and two policies that record what they face
    rng = np.random.default_rng(0)
    inputs = one_sku(rng.poisson(5, 140), start=42)
    inputs = replace(inputs, true_lead=[[LeadTime(7.0, 3.0), LeadTime(3.0, 1.0)]])
    seen: list[tuple[str, bytes, bytes]] = []

    def factory(**_: object) -> list[Recorder]:
        return [Recorder("a", seen), Recorder("b", seen)]

    # when three seeds are replayed
    settings = ProtocolSettings(seeds=(4, 5, 6), warmup_days=14)
    report = compare_policies(
        inputs, opening=np.array([50]), settings=settings, policies=factory
    )
    # then both policies face the same world in each seed, and the seeds differ
    assert report["seeds"] == [4, 5, 6]
    worlds_a = [(d, lead) for name, d, lead in seen if name == "a"]
    worlds_b = [(d, lead) for name, d, lead in seen if name == "b"]
    assert worlds_a == worlds_b
    assert len({d for d, _ in worlds_a}) == 3
    assert len({lead for _, lead in worlds_a}) == 3
    assert report["policies"]["a"]["by_seed"] == report["policies"]["b"]["by_seed"]


def test_the_warm_up_is_simulated_but_not_scored() -> None:
    # given 28 days at 10 a day, 140 units to start with, a policy that never orders
    inputs = one_sku(np.full(42, 10), start=14)
    opening = np.array([140])
    # when the first 7 days are a warm-up
    whole = simulate_policy(inputs, Idle(), opening=opening)
    scored = simulate_policy(inputs, Idle(), opening=opening, score_from=21)
    # then the warm-up's 70 units sold are not counted, nor its stock held
    assert (whole.units_sold, whole.lost_units, whole.demand_units) == (140, 140, 280)
    assert (scored.units_sold, scored.lost_units, scored.demand_units) == (70, 140, 210)
    assert (whole.stockout_days, scored.stockout_days) == (14, 14)
    assert scored.opening_value == 70 * 2.0
    assert scored.stock.shape == (21, 1)
    # end-of-day stock 130, 120, ..., 0 in all; 60, 50, ..., 0 once scored
    assert whole.holding_cost == pytest.approx(910 * 2.0 * 0.25 / 365)
    assert scored.holding_cost == pytest.approx(210 * 2.0 * 0.25 / 365)
    assert scored.avg_inventory_value == pytest.approx(210 * 2.0 / 21)


def test_scored_books_balance_when_orders_straddle_the_warm_up() -> None:
    # given a 9-day lead time: orders placed in the warm-up land after it
    inputs = replace(
        one_sku(np.full(63, 10), start=14),
        true_lead=[[LeadTime(9.0, 0.0), LeadTime(3.0, 0.0)]],
    )
    result = simulate_policy(
        inputs, OrderUpToPolicy(21, 35), opening=np.array([0]), score_from=24
    )
    # then purchases less cost of goods sold equal the change of stock + pipeline
    stock_money = result.purchase_cost - result.cogs
    assert stock_money == pytest.approx(
        result.stock_change_value + result.in_transit_value
    )
    assert result.lines_by_sku.tolist() == [int(result.orders)]


def test_the_end_stock_is_valued_at_cost_less_the_obsolescence_charge() -> None:
    # given 10 a day for 28 days, 500 units to start with, nothing ordered,
    # a 7-day warm-up, 2 weeks of cover kept at full value, half written off beyond
    inputs = one_sku(np.full(35, 10), start=7)
    settings = ProtocolSettings(seeds=(1,), warmup_days=7, cover_weeks=2.0)
    result = simulate_policy(inputs, Idle(), opening=np.array([500]), score_from=14)
    scored = score(result, inputs, settings)
    # then 220 units are left, 140 are cover, 80 are charged half their cost 2
    assert scored["end_stock_value"] == 440.0
    assert scored["obsolescence_cost"] == 80.0
    # and the scored days held 420, 410, ..., 220 units at 2 x 25 % a year
    holding = 21 * (420 + 220) / 2 * 2.0 * 0.25 / 365
    assert scored["holding_cost"] == pytest.approx(holding)
    assert scored["total_cost"] == pytest.approx(holding + 80.0)
    assert scored["fill_rate"] == 1.0


def test_obsolescence_counts_units_on_order_and_spares_the_cover() -> None:
    charge = obsolescence_charge(
        [30, 10, 0],
        unit_cost=[4.0, 4.0, 4.0],
        daily_demand=[1.0, 1.0, 0.0],
        cover_weeks=2.0,
        share=0.25,
    )
    assert charge.tolist() == [16.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param(
            [1.0, 2.0, 3.0],
            (
                2 - 4.302652729749464 / math.sqrt(3),
                2 + 4.302652729749464 / math.sqrt(3),
            ),
            id="n=3",
        ),  # fmt: skip
        pytest.param(
            [10.0, 12.0, 11.0, 13.0, 9.0],
            (
                11 - 2.7764451051977987 * math.sqrt(2.5) / math.sqrt(5),
                11 + 2.7764451051977987 * math.sqrt(2.5) / math.sqrt(5),
            ),
            id="n=5",
        ),  # fmt: skip
        pytest.param([7.0], (7.0, 7.0), id="one seed"),
    ],
)
def test_ci95_is_the_t_interval_of_the_mean(
    values: list[float], expected: tuple[float, float]
) -> None:
    assert ci95(values) == pytest.approx(expected, rel=1e-9)


def test_summary_ratios_are_per_seed_against_the_cheapest_baseline() -> None:
    per_seed = {
        "tradepilot": [{"total_cost": 80.0, "fill_rate": 0.99},
                       {"total_cost": 99.0, "fill_rate": 0.97}],
        "min_max": [{"total_cost": 100.0, "fill_rate": 0.9},
                    {"total_cost": 110.0, "fill_rate": 0.9}],
        "days_of_cover": [{"total_cost": 90.0, "fill_rate": 0.95},
                          {"total_cost": 110.0, "fill_rate": 0.95}],
    }  # fmt: skip
    out = summarise(per_seed)
    ours = out["policies"]["tradepilot"]
    assert out["best_baseline"] == "days_of_cover"  # mean 100 against 105
    assert ours["cost_ratio"] == pytest.approx((80 / 90 + 99 / 110) / 2)
    assert ours["ci95"]["cost_ratio"] == pytest.approx(ci95([80 / 90, 99 / 110]))
    assert ours["total_cost"] == 89.5
    assert ours["ci95"]["total_cost"] == pytest.approx(ci95([80.0, 99.0]))
    assert ours["by_seed"]["fill_rate"] == [0.99, 0.97]


def test_demand_draws_move_whole_weeks_and_keep_the_history() -> None:
    demand = np.arange(70 * 3).reshape(70, 3) % 11
    drawn = draw_demand(demand, start=14, seed=3, shift_weeks=2)
    assert np.array_equal(drawn[:14], demand[:14])
    for week in range(2, 10):
        block = drawn[7 * week : 7 * week + 7]
        for sku in range(3):
            sources = [
                demand[7 * w : 7 * w + 7, sku]
                for w in range(max(0, week - 2), min(10, week + 3))
            ]
            assert any(np.array_equal(block[:, sku], s) for s in sources)
    assert not np.array_equal(drawn, demand)
    assert np.array_equal(draw_demand(demand, start=14, seed=3, shift_weeks=0), demand)


def test_tuning_picks_the_known_best_pair_on_a_deterministic_case() -> None:
    # given 10 a day, a fixed 7-day lead time and weekly reviews on Mondays: an
    # order lands at the next review, so s = 7 days (70 units) is the least that
    # never runs short (4 days does), and S = s + 14 days orders every other week,
    # saving a EUR 40 PO a fortnight for about 70 more units held (EUR 0.96)
    inputs = one_sku(np.full(140, 10), start=56)
    grid = OrderUpToGrid(
        reorder_offsets=(-10.0, -7.0, 0.0, 7.0), extra_days=(7.0, 14.0)
    )
    settings = ProtocolSettings()
    # when the (s, S) pairs (days of cover) are tuned on a 28-day warm-up
    low, high = tune_order_up_to(inputs, window_days=28, grid=grid, settings=settings)
    # then that pair wins
    assert (low.tolist(), high.tolist()) == ([7.0], [21.0])


def test_tuning_agrees_with_each_candidate_replayed_alone() -> None:
    # given lumpy demand: the tuned pair must be the cheapest of the replays
    rng = np.random.default_rng(5)
    demand = rng.poisson(3, 200) * (rng.random(200) < 0.5)
    inputs = one_sku(demand, start=84, seed=2)
    grid = OrderUpToGrid(reorder_offsets=(-7.0, 0.0, 14.0), extra_days=(7.0, 28.0))
    settings = ProtocolSettings()
    low, high = tune_order_up_to(inputs, window_days=56, grid=grid, settings=settings)
    candidates = grid.candidates(inputs)
    costs = [
        _alone(inputs, float(s[0]), float(S[0]), settings)
        for s, S in zip(*candidates, strict=True)
    ]
    best = int(np.argmin(costs))
    assert (low[0], high[0]) == (candidates[0][best, 0], candidates[1][best, 0])


def _alone(
    inputs: SimulationInput, low: float, high: float, settings: ProtocolSettings
) -> float:
    """One candidate's tuning cost, by the same replay run for it alone."""
    from tradepilot.replenishment.sim_baselines import _replayed

    world = _replayed(inputs, 8, 65)
    result = simulate_policy(world, OrderUpToPolicy(low, high), score_from=56 + 91)
    scored = score(result, world, settings)
    lines = float(result.lines_by_sku.sum()) * inputs.order_cost
    return float(scored["total_cost"]) - result.ordering_cost + lines


def test_the_tuned_policy_tunes_when_the_replay_starts() -> None:
    inputs = one_sku(np.full(140, 10), start=56)
    policy = TunedOrderUpToPolicy(
        warmup_days=28,
        grid=OrderUpToGrid(reorder_offsets=(-10.0, -7.0, 0.0), extra_days=(7.0,)),
    )
    result = simulate_policy(inputs, policy, opening=np.array([140]))
    assert (policy.reorder_days_.tolist(), policy.order_up_days_.tolist()) == (
        [7.0],
        [14.0],
    )
    assert result.lost_units == 0


def test_tuning_needs_a_warm_up_week() -> None:
    with pytest.raises(DataValidationError, match="at least 7 days"):
        tune_order_up_to(
            one_sku(np.full(60, 1), start=30),
            window_days=6,
            grid=OrderUpToGrid(),
            settings=ProtocolSettings(),
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"seeds": ()}, "seeds must be distinct", id="no seeds"),
        pytest.param({"seeds": (1, 1)}, "seeds must be distinct", id="repeated"),
        pytest.param({"warmup_days": -1}, "must be >= 0", id="warm-up"),
        pytest.param({"obsolescence_share": 2.0}, r"in \[0, 1\]", id="share"),
    ],
)
def test_invalid_protocol_settings_are_named(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(DataValidationError, match=message):
        ProtocolSettings(**change)  # type: ignore[arg-type]


def test_the_protocol_refuses_an_opening_of_the_wrong_shape() -> None:
    with pytest.raises(DataValidationError, match="opening must have shape"):
        compare_policies(one_sku(np.full(60, 1), start=30), opening=np.array([1, 2]))


def test_expected_sales_match_a_monte_carlo_gamma() -> None:
    draws = np.random.default_rng(0).gamma(0.5, 3.0, 400_000)
    for stock in (0.5, 2.5, 8.0):
        assert float(expected_sales(stock, 1.5, 4.5)) == pytest.approx(
            np.minimum(draws, stock).mean(), rel=0.01
        )


def test_a_slow_sellers_moq_lot_does_not_pay_a_fast_sellers_does() -> None:
    # given 24 units MOQ: two years of demand at 0.03/day, 3 weeks at 1/day
    pays = lot_pays(
        [24, 24],
        [0, 0],
        mean=[0.03, 1.0],
        std=[0.4, 1.2],
        horizon_days=[130.0, 130.0],
        margin=[3.0, 3.0],
        unit_cost=[2.0, 2.0],
        freight=[0.1, 0.1],
        holding_rate=0.25,
        excess_share=0.5,
    )
    assert pays.tolist() == [False, True]


def test_tradepilot_skips_a_lot_that_would_sit_for_years() -> None:
    # given one unit sold every 20 days and an MOQ of 200
    demand = (np.arange(400) % 20 == 0).astype(np.int64)
    inputs = one_sku(demand, start=200, moq=200)
    empty = np.zeros(1, dtype=np.int64)
    plain = simulate_policy(inputs, TradePilotPolicy(air=False), opening=empty)
    lots = TradePilotPolicy(air=False, excess_weeks=13, excess_share=0.5)
    checked = simulate_policy(inputs, lots, opening=empty)
    assert plain.purchase_cost == 400.0  # one lot of 200 at 2
    assert checked.purchase_cost == 0.0


def test_workspace_skus_pool_seasons_by_category_and_never_uncategorised() -> None:
    from tradepilot.replenishment.simulate_service import _category_index

    index = _category_index(["Kitchen", None, "Bath", "Kitchen", None])
    assert index.tolist() == [1, 2, 0, 1, 3]


def test_a_velocity_band_shares_one_tuned_pair() -> None:
    # given a fast SKU (10 a day) and a slow one (1 every 4 days), one supplier
    days = 140
    demand = np.stack([np.full(days, 10), (np.arange(days) % 4 == 0) * 1], axis=1)
    base = one_sku(demand[:, 0], start=56)
    inputs = replace(
        base,
        demand=demand.astype(np.int64),
        sku=["FAST", "SLOW"],
        unit_cost=np.array([2.0, 2.0]),
        price=np.array([5.0, 5.0]),
        case_pack=np.array([1, 1]),
        moq=np.array([0, 0]),
        supplier=np.array([0, 0]),
        freight=np.array([[0.1, 1.0], [0.1, 1.0]]),
    )
    grid = OrderUpToGrid(reorder_offsets=(-10.0, -7.0, 7.0), extra_days=(7.0, 28.0))
    settings = ProtocolSettings()
    tune = {
        bands: tune_order_up_to(
            inputs, window_days=28, grid=grid, settings=settings, bands=bands
        )
        for bands in (0, 1, 2)
    }
    # then alone they differ, one band gives both one pair, two bands each its own
    assert (tune[0][0].tolist(), tune[0][1].tolist()) == ([7.0, 4.0], [35.0, 32.0])
    assert (tune[1][0].tolist(), tune[1][1].tolist()) == ([7.0, 7.0], [35.0, 35.0])
    for bands in (0, 2):
        assert np.array_equal(tune[bands][0], tune[0][0])
        assert np.array_equal(tune[bands][1], tune[0][1])
