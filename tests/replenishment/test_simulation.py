"""Policy simulation: a hand-made optimum, invariants, common random numbers, the
report shape, and TradePilot against the baselines on a small simulated store."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment.leadtimes import LeadTime
from tradepilot.replenishment.sim_policies import (
    DaysOfCoverPolicy,
    MinMaxPolicy,
    OraclePolicy,
    StockoutAwareForecast,
    TradePilotPolicy,
    default_policies,
)
from tradepilot.replenishment.simulation import (
    PolicyResult,
    SimState,
    SimulationInput,
    draw_lead_days,
    inputs_from_simulator,
    simulate_policies,
    simulate_policy,
    simulation_report,
)
from tradepilot.simulate import SimulationConfig, simulate_store

MONDAY = np.datetime64("2024-01-01")
WEEK_SEA = LeadTime(7.0, 0.0)
AIR = LeadTime(3.0, 0.0)
REQUIRED = {
    "fill_rate",
    "stockout_days",
    "lost_units",
    "avg_inventory_value",
    "total_cost",
}


def one_sku(
    demand: np.ndarray,
    *,
    start: int,
    sea: LeadTime = WEEK_SEA,
    air: LeadTime = AIR,
    moq: int = 0,
    case_pack: int = 1,
    seed: int = 0,
) -> SimulationInput:
    """One SKU from Monday 2024-01-01: cost 2, price 5, freight sea 0.1 / air 1.0."""
    n_days = demand.shape[0]
    leads = [[sea, air]]
    return SimulationInput(
        demand=demand.reshape(n_days, -1).astype(np.int64),
        dates=MONDAY + np.arange(n_days),
        start=start,
        sku=["A"],
        unit_cost=np.array([2.0]),
        price=np.array([5.0]),
        case_pack=np.array([case_pack]),
        moq=np.array([moq]),
        supplier=np.array([0]),
        freight=np.array([[0.1, 1.0]]),
        modes=("sea", "air"),
        true_lead=leads,
        believed_lead=leads,
        seed=seed,
    )


def constant(days: int = 42, start: int = 14) -> SimulationInput:
    """10 units a day, fixed 7-day sea lead time; 4 simulated weeks from a Monday."""
    return one_sku(np.full(days, 10), start=start)


def test_oracle_reaches_the_hand_computed_optimum_on_constant_demand() -> None:
    # given 10/day, lead 7 days, weekly review on Mondays, span = 4 weeks
    # when the oracle replays it: opening 70, 70 ordered on days 14, 21, 28
    result = simulate_policy(constant(), OraclePolicy())
    # then stock runs 60, 50, ..., 0 every week: 30 units (60.0 at cost 2) on average
    assert (result.fill_rate, result.lost_units, result.stockout_days) == (1.0, 0, 0)
    assert result.avg_inventory_value == 60.0
    assert result.stock[:7, 0].tolist() == [60, 50, 40, 30, 20, 10, 0]
    assert (result.orders, result.purchase_cost, result.cogs) == (3, 420.0, 560.0)
    assert result.stock_change_value == -140.0
    assert result.holding_cost == pytest.approx(840 * 2 * 0.25 / 365)
    assert result.total_cost == pytest.approx(-140.0 + 840 * 0.5 / 365 + 21.0 + 120.0)
    assert result.air_share == 0.0


def test_tradepilot_serves_constant_demand() -> None:
    result = simulate_policy(constant(), TradePilotPolicy())
    assert result.fill_rate >= 0.99


def test_baseline_levels_are_what_an_erp_user_and_a_planner_tool_set() -> None:
    # given 14 days of history at 10/day and a believed 7-day sea lead time
    inputs = constant()
    # then min/max: min 10 x (7 + 7) = 140, max 140 + 600; cover: 10 x (28 + 30)
    assert simulate_policy(inputs, MinMaxPolicy()).opening_value == 740 * 2.0
    assert simulate_policy(inputs, DaysOfCoverPolicy()).opening_value == 580 * 2.0


def test_oracle_opening_is_the_demand_until_its_first_sea_arrival() -> None:
    # given a start on a Wednesday: first review Monday (day 7), arrival day 14
    inputs = one_sku(np.arange(28) % 3, start=2)
    result = simulate_policy(inputs, OraclePolicy())
    assert result.opening_value == 2.0 * int((np.arange(28) % 3)[2:14].sum())


def test_economic_oracle_skips_a_lot_that_cannot_sell() -> None:
    # given 1 unit of demand on the last day and an MOQ of 500
    demand = np.zeros(42, dtype=np.int64)
    demand[-1] = 1
    inputs = one_sku(demand, start=14, moq=500)
    # then the plain oracle buys the lot, the economic one loses the unit
    assert simulate_policy(inputs, OraclePolicy()).purchase_cost == 1000.0
    lean = simulate_policy(inputs, OraclePolicy(economic_lots=True))
    assert (lean.purchase_cost, lean.lost_units) == (0.0, 1)


def test_tradepilot_flies_the_gap_before_the_sea_order_lands() -> None:
    # given an empty shelf, sea takes 28 days and air 3
    inputs = one_sku(np.full(70, 10), start=28, sea=LeadTime(28.0, 0.0))
    empty = np.zeros(1, dtype=np.int64)
    with_air = simulate_policy(inputs, TradePilotPolicy(), opening=empty)
    sea_only = simulate_policy(inputs, TradePilotPolicy(air=False), opening=empty)
    # then air units arrive on day 3 and save sales the sea order cannot
    assert with_air.air_share > 0
    assert with_air.lost_units < sea_only.lost_units


def random_policy_orders(seed: int) -> MinMaxPolicy:
    """A min/max policy whose orders are replaced by random units (stress test)."""
    rng = np.random.default_rng(seed)

    class Random(MinMaxPolicy):
        name = "random"

        def orders(self, state: SimState, t: int) -> np.ndarray:
            shape = (len(state.inputs.modes), state.inputs.n_skus)
            return rng.integers(0, 40, shape)

    return Random()


def identity_holds(result: PolicyResult) -> None:
    stock_money = result.purchase_cost - result.cogs
    assert stock_money == pytest.approx(
        result.stock_change_value + result.in_transit_value, abs=1e-6
    )
    parts = (
        stock_money
        + result.holding_cost
        + result.freight_cost
        + result.ordering_cost
        + result.stockout_cost
    )
    assert result.total_cost == pytest.approx(parts, abs=1e-6)
    assert result.operating_cost == pytest.approx(parts - stock_money, abs=1e-6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    demand=st.lists(st.integers(0, 30), min_size=40, max_size=80),
    start=st.integers(1, 30),
    lead_std=st.floats(0.0, 6.0),
    moq=st.sampled_from([0, 5, 60]),
    case_pack=st.sampled_from([1, 6]),
    seed=st.integers(0, 1000),
)
def test_stock_is_never_negative_and_the_books_balance(
    demand: list[int], start: int, lead_std: float, moq: int, case_pack: int, seed: int
) -> None:
    inputs = one_sku(
        np.array(demand),
        start=start,
        sea=LeadTime(9.0, lead_std),
        moq=moq,
        case_pack=case_pack,
        seed=seed,
    )
    policies = [*default_policies(), random_policy_orders(seed)]
    for result in simulate_policies(inputs, policies).values():
        assert result.stock.min() >= 0
        assert 0 <= result.units_sold <= result.demand_units
        assert result.units_sold + result.lost_units == result.demand_units
        identity_holds(result)


@pytest.fixture(scope="module")
def small_store_inputs() -> SimulationInput:
    config = SimulationConfig(
        seed=3, n_days=420, n_skus=20, n_customers=800, demand_scale=2.0
    )
    return inputs_from_simulator(simulate_store(config), history_days=300)


def test_cost_components_add_up_on_a_store(small_store_inputs: SimulationInput) -> None:
    for result in simulate_policies(small_store_inputs).values():
        identity_holds(result)


def test_same_input_and_seed_give_identical_results(
    small_store_inputs: SimulationInput,
) -> None:
    first = simulate_policies(small_store_inputs)
    again = simulate_policies(small_store_inputs)
    assert {k: r.as_dict() for k, r in first.items()} == {
        k: r.as_dict() for k, r in again.items()
    }


def test_lead_times_are_drawn_once_per_supplier_mode_and_day(
    small_store_inputs: SimulationInput,
) -> None:
    draws = draw_lead_days(small_store_inputs)
    assert draws.shape == (5, 2, 420)
    assert draws.min() >= 1
    assert np.array_equal(draws, draw_lead_days(small_store_inputs))
    other = draw_lead_days(replace(small_store_inputs, seed=4))
    assert not np.array_equal(draws, other)


def test_report_has_the_json_shape(small_store_inputs: SimulationInput) -> None:
    report = simulation_report(simulate_policies(small_store_inputs), days=120)
    decoded = json.loads(json.dumps(report))
    assert set(decoded) == {"days", "policies"}
    assert decoded["days"] == 120
    assert list(decoded["policies"]) == [
        "tradepilot",
        "min_max",
        "days_of_cover",
        "oracle",
    ]
    for metrics in decoded["policies"].values():
        assert REQUIRED <= set(metrics)
        assert all(isinstance(v, int | float) for v in metrics.values())


def test_tradepilot_fills_at_least_as_well_as_both_baselines(
    small_store_inputs: SimulationInput,
) -> None:
    results = simulate_policies(small_store_inputs)
    tradepilot = results["tradepilot"].fill_rate
    assert tradepilot >= results["min_max"].fill_rate
    assert tradepilot >= results["days_of_cover"].fill_rate


def test_inputs_from_simulator_converts_prices_costs_and_freight(
    small_store_inputs: SimulationInput,
) -> None:
    config = SimulationConfig(
        seed=3, n_days=420, n_skus=20, n_customers=800, demand_scale=2.0
    )
    products = simulate_store(config).products
    row = products.row(0, named=True)
    fx = 0.92 if row["cost_currency"] == "USD" else 1.0
    inputs = small_store_inputs
    assert inputs.unit_cost[0] == pytest.approx(row["unit_cost"] * fx)
    assert inputs.price[0] == pytest.approx(row["list_price"] / 1.2)
    assert inputs.freight[0].tolist() == pytest.approx(
        [row["weight_kg"] * 0.9, row["weight_kg"] * 5.0]
    )
    assert inputs.history_sales is not None
    assert inputs.history_sales.shape == (300, 20)


def test_stockout_aware_rate_skips_days_out_of_stock() -> None:
    # given 60 days at 2/day in stock, then 10 days out of stock selling 0
    inputs = one_sku(np.zeros(80, dtype=np.int64), start=70)
    sales = np.zeros((80, 1), dtype=np.int64)
    sales[:60] = 2
    in_stock = np.ones((80, 1), dtype=bool)
    in_stock[60:70] = False
    state = SimState(
        inputs, draw_lead_days(inputs), 70, np.zeros(1, np.int64), sales, in_stock
    )
    mean, std = StockoutAwareForecast()(state, np.array([14]))
    assert mean.tolist() == [2.0]
    assert std.tolist() == [pytest.approx(np.sqrt(2.0))]  # Poisson floor


@pytest.mark.parametrize(
    ("shrink", "ratio"),
    [pytest.param(0.0, 2.0, id="raw"), pytest.param(56.0, 1.5, id="half-shrunk")],
)
def test_seasonal_ratio_reads_the_same_weeks_a_year_ago(
    shrink: float, ratio: float
) -> None:
    # given 1/day in the 8 weeks before a year ago and 2/day in the 14 days after
    t = 364 + 56
    inputs = one_sku(np.zeros(t + 10, dtype=np.int64), start=t)
    sales = np.zeros((t + 10, 1), dtype=np.int64)
    sales[0:56] = 1
    sales[56:70] = 2
    flags = np.ones_like(sales, dtype=bool)
    state = SimState(
        inputs, draw_lead_days(inputs), t, np.zeros(1, np.int64), sales, flags
    )
    forecast = StockoutAwareForecast(shrink_units=shrink)
    assert forecast.seasonal_ratio(state, np.array([14])).tolist() == [ratio]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"start": 99}, "start must be", id="start"),
        pytest.param(
            {"price": np.array([1.0, 2.0])}, "price must have shape", id="price"
        ),
        pytest.param({"case_pack": np.array([0])}, "case_pack must be >= 1", id="pack"),
        pytest.param({"believed_lead": []}, "believed_lead must be", id="leads"),
    ],
)
def test_invalid_inputs_are_named(change: dict[str, object], message: str) -> None:
    with pytest.raises(DataValidationError, match=message):
        replace(constant(), **change)


def test_a_policy_returning_the_wrong_shape_is_refused() -> None:
    class Broken(MinMaxPolicy):
        def orders(self, state: SimState, t: int) -> np.ndarray:
            return np.zeros(3, dtype=np.int64)

    with pytest.raises(DataValidationError, match="shape"):
        simulate_policy(constant(), Broken())
