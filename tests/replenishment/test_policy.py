"""(R, s, S) policy levels: hand-computed normal cases, the simulation, rounding."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment.leadtimes import LeadTime
from tradepilot.replenishment.policy import (
    PolicyLevels,
    _fill_rate_points,
    economic_order_quantity,
    normal_loss,
    order_quantity,
    reorder_levels,
    round_order,
    service_level_fraction,
)

Z95 = 1.6448536269514722  # Phi^-1(0.95)
SIGMA_FIXED = 15.588457268119896  # 3 sqrt(27): sd 3/day over 20 + 7 days


def levels(**overrides: object) -> PolicyLevels:
    """10 units/day (sd 3), fixed 20-day lead time, weekly review, Q = 70, 95% cycle."""
    args: dict[str, object] = {
        "lead_mean_days": 20.0,
        "lead_std_days": 0.0,
        "review_days": 7.0,
        "service_level": 0.95,
        "cycle_qty": 70.0,
    }
    args |= overrides
    mean, std = args.pop("mean_daily", 10.0), args.pop("std_daily", 3.0)
    return reorder_levels(mean, std, **args)  # type: ignore[arg-type]


def test_cycle_service_with_a_fixed_lead_time_matches_the_hand_computation() -> None:
    # given mu 10, sd 3, L = 20 fixed, R = 7: mean 270, sigma 3 sqrt(27) = 15.588457
    # when the 95% cycle-service levels are set
    lv = levels()
    # then SS = 1.644854 * 15.588457 = 25.640730, s = 295.640730, S = s + 70
    assert lv.protection_mean[0] == pytest.approx(270.0, abs=1e-9)
    assert lv.protection_std[0] == pytest.approx(15.588457, abs=1e-6)
    assert lv.safety_stock[0] == pytest.approx(25.640730, abs=1e-6)
    assert lv.reorder_point[0] == pytest.approx(295.640730, abs=1e-6)
    assert lv.order_up_to[0] == pytest.approx(365.640730, abs=1e-6)
    assert lv.cycle_qty.tolist() == [70.0]
    assert lv.method.tolist() == ["normal"]
    assert lv.shelf_life_capped.tolist() == [False]


def test_a_random_lead_time_adds_mu_squared_times_its_variance() -> None:
    # given the lead time has mean 20 and std 5 days
    lv = levels(lead_std_days=5.0)
    # then sigma_P = sqrt(27 * 3^2 + 10^2 * 5^2) = sqrt(2743) = 52.373658
    assert lv.protection_std[0] == pytest.approx(52.373658, abs=1e-6)
    # and SS = 1.644854 * 52.373658 = 86.147000
    assert lv.safety_stock[0] == pytest.approx(86.147000, abs=1e-6)
    assert lv.reorder_point[0] == pytest.approx(356.147000, abs=1e-6)


@pytest.mark.parametrize(
    ("k", "expected"),
    [
        # G(k) = phi(k) - k (1 - Phi(k)); G(-k) = G(k) + k
        (0.0, 0.398942),
        (1.0, 0.083315),
        (2.0, 0.008491),
        (-1.0, 1.083315),
    ],
    ids=["zero", "one", "two", "minus-one"],
)
def test_normal_loss_matches_the_table(k: float, expected: float) -> None:
    assert float(normal_loss(k)) == pytest.approx(expected, abs=1e-6)


def test_fill_rate_k_comes_from_the_loss_table() -> None:
    # given (1 - beta) Q / sigma_P = 0.0833, G(1.00) = 0.0833 in the table
    beta = 1.0 - 0.0833 * SIGMA_FIXED / 100.0
    # when the fill-rate levels are set with Q = 100
    lv = levels(target="fill", service_level=beta, cycle_qty=100.0)
    # then k = SS / sigma_P is 1.00 (to the table's 4 digits: dG/dk = -0.16 at 1)
    k = lv.safety_stock[0] / SIGMA_FIXED
    assert k == pytest.approx(1.0, abs=2e-4)
    assert SIGMA_FIXED * float(normal_loss(k)) == pytest.approx(0.0833 * SIGMA_FIXED)


def test_fill_rate_k_is_negative_for_a_large_cycle_quantity() -> None:
    # given ratio 10 / 15.588 = 0.6415 between G(-0.4) = 0.6304 and G(-0.5) = 0.6978
    lv = levels(target="fill", service_level=0.9, cycle_qty=100.0)
    k = lv.safety_stock[0] / SIGMA_FIXED
    assert -0.5 < k < -0.4
    assert SIGMA_FIXED * float(normal_loss(k)) == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("service_level", "cycle_qty", "k"),
    [
        (0.8, 100.0, -1.0),  # ratio 20 / 15.588 = 1.28 > G(-1) = 1.083
        (0.99, 0.0, 4.0),  # ratio 0 < G(4)
    ],
    ids=["clipped-low", "clipped-high"],
)
def test_fill_rate_k_is_clipped_to_minus_one_and_four(
    service_level: float, cycle_qty: float, k: float
) -> None:
    lv = levels(target="fill", service_level=service_level, cycle_qty=cycle_qty)
    assert lv.reorder_point[0] == pytest.approx(270.0 + k * SIGMA_FIXED, abs=1e-9)


def test_zero_variability_gives_no_safety_stock_for_either_target() -> None:
    for target in ("cycle", "fill"):
        lv = levels(std_daily=0.0, target=target)
        assert lv.safety_stock.tolist() == [0.0]
        assert lv.reorder_point.tolist() == [270.0]


@pytest.mark.parametrize(
    ("qty", "moq", "case_pack", "expected"),
    [
        (0, 30, 12, 0),
        (-5.5, 30, 12, 0),
        (5, 30, 1, 30),  # below the MOQ
        (5, 30, 12, 36),  # MOQ 30 rounded up to whole cases of 12
        (24, 0, 12, 24),  # an exact multiple is unchanged
        (25, 0, 12, 36),
        (40.2, 30, 12, 48),
        (12.000000000001, 0, 12, 12),  # float noise is not a new case
    ],
    ids=[
        "zero",
        "negative",
        "moq",
        "moq-case-pack",
        "exact",
        "up",
        "above-moq",
        "noise",
    ],
)
def test_round_order_cases(
    qty: float, moq: float, case_pack: int, expected: int
) -> None:
    out = round_order(qty, moq=moq, case_pack=case_pack)
    assert out == expected
    assert type(out) is int


def test_round_order_is_vectorised_over_skus() -> None:
    out = round_order([0.0, 5.0, 25.0], moq=[0, 30, 0], case_pack=[1, 12, 12])
    assert isinstance(out, np.ndarray)
    assert out.dtype == np.int64
    assert out.tolist() == [0, 36, 36]


@given(
    qty=st.floats(-100, 10_000, allow_nan=False),
    moq=st.integers(0, 500),
    case_pack=st.integers(1, 48),
)
def test_round_order_gives_whole_cases_of_at_least_the_need_and_moq(
    qty: float, moq: int, case_pack: int
) -> None:
    out = round_order(qty, moq=moq, case_pack=case_pack)
    assert isinstance(out, int)
    if qty <= 0:
        assert out == 0
        return
    assert out % case_pack == 0
    assert out >= max(moq, qty - 1e-6)
    assert out - case_pack < max(moq, qty)  # one case fewer would not do


def test_economic_order_quantity() -> None:
    # sqrt(2 * 50 * 1200 / 3) = sqrt(40000) = 200; nothing sold: 0
    eoq = economic_order_quantity(
        [1200.0, 0.0, 300.0],
        order_cost=50.0,
        holding_cost_per_unit_year=[3.0, 3.0, 12.0],
    )
    assert eoq.tolist() == [200.0, 0.0, 50.0]


@pytest.mark.parametrize("target", ["cycle", "fill"])
def test_simulation_agrees_with_the_normal_on_high_volume(target: str) -> None:
    # given 100 units/day (sd 30), 2700 units per protection period: normal holds
    args = {
        "mean_daily": 100.0,
        "std_daily": 30.0,
        "target": target,
        "cycle_qty": 1000.0,
    }
    # when the same SKU is set analytically and by simulation
    normal = levels(**args)
    simulated = levels(**args, intermittent=True)
    # then the reorder points agree within 3%
    assert normal.method.tolist() == ["normal"]
    assert simulated.method.tolist() == ["simulation"]
    ratio = simulated.reorder_point[0] / normal.reorder_point[0]
    assert ratio == pytest.approx(1.0, abs=0.03)
    assert simulated.reorder_point[0] == round(simulated.reorder_point[0])


@pytest.mark.parametrize("lead_std", [0.0, 5.0], ids=["fixed-lead", "random-lead"])
def test_lumpy_demand_is_simulated_and_meets_the_cycle_service(lead_std: float) -> None:
    # given 0.2 units/day with sd 1 (mean 5.4 per period, < 10: simulated)
    lv = levels(mean_daily=0.2, std_daily=1.0, lead_std_days=lead_std, cycle_qty=10.0)
    # then the normal's s, 5.4 + 1.644854 * sqrt(27 + 0.04 * lead_std^2), is too low
    normal_s = 5.4 + Z95 * math.sqrt(27.0 + 0.04 * lead_std**2)
    assert lv.method.tolist() == ["simulation"]
    assert lv.reorder_point[0] > normal_s + 1.0
    # and fresh gamma-Poisson draws (shape t mu^2 / (sd^2 - mu), scale 4) are served
    rng = np.random.default_rng(12345)
    days = LeadTime(20.0, lead_std).sample(rng, 200_000) + 7.0
    demand = rng.poisson(rng.gamma(days * 0.04 / 0.8, 4.0))
    service = float(np.mean(demand <= lv.reorder_point[0]))
    assert service == pytest.approx(0.95, abs=0.015)


def test_simulation_is_reproducible_with_a_seed() -> None:
    args = {"mean_daily": [0.2, 0.5], "std_daily": [1.0, 0.5], "seed": 7}
    first, second = levels(**args), levels(**args)
    assert first.reorder_point.tolist() == second.reorder_point.tolist()


@pytest.mark.parametrize(
    ("mean_daily", "method"),
    [(0.5, "normal"), (0.49, "simulation")],
    ids=["ten-units", "below-ten"],
)
def test_under_ten_units_per_period_is_simulated(
    mean_daily: float, method: str
) -> None:
    # 0.5 units/day over 13 + 7 days = 10 units, the threshold
    lv = levels(mean_daily=mean_daily, std_daily=0.7, lead_mean_days=13.0)
    assert lv.method.tolist() == [method]


@pytest.mark.parametrize(
    ("shortfall", "expected"),
    [
        (1.0, 5.0),  # on (4, 10] shortage (10 - s) / 5 <= 1
        (2.0, 2.0),  # exactly the shortage at a draw: (0 + 2 + 8) / 5
        (2.5, 2.0),  # at s = 1: (1 + 3 + 9) / 5 = 2.6 > 2.5
        (5.0, 0.0),  # mean 3.2 - 5 < 0: the grid starts at 0
        (0.0, 10.0),  # no shortage at all: the largest draw
    ],
    ids=["between-draws", "at-a-draw", "low", "floor", "none"],
)
def test_fill_rate_points_on_hand_made_draws(shortfall: float, expected: float) -> None:
    draws = np.array([[10, 0, 4, 2, 0]], dtype=np.int64)
    assert _fill_rate_points(draws, np.array([shortfall])).tolist() == [expected]


def test_fill_rate_points_match_a_brute_force_search() -> None:
    rng = np.random.default_rng(5)
    draws = rng.negative_binomial(1.5, 0.2, size=(20, 300))
    shortfall = rng.uniform(0.0, 4.0, 20)
    grid = np.arange(draws.max() + 2)
    short = np.maximum(draws[:, :, None] - grid, 0).mean(axis=1)  # (sku, grid)
    expected = np.argmax(short <= shortfall[:, None] + 1e-12, axis=1)
    assert _fill_rate_points(draws, shortfall).tolist() == expected.tolist()


def test_shelf_life_caps_the_order_up_to_level() -> None:
    # given S = 365.64 and a cap of 10 units/day times 30, 40 days, or none
    lv = levels(mean_daily=10.0, shelf_life_days=[30.0, 40.0, np.nan])
    # then only the 300-unit cap binds
    assert lv.order_up_to[0] == 300.0
    assert lv.order_up_to[1:] == pytest.approx([365.640730, 365.640730], abs=1e-6)
    assert lv.shelf_life_capped.tolist() == [True, False, False]


@pytest.mark.parametrize(
    ("position", "expected"),
    [
        (296.0, 0),  # above s = 295.64: no order
        (295.640730476045, 72),  # at s: 365.64 - 295.64 = 70 -> 6 cases
        (100.0, 276),  # 265.64 -> 23 cases of 12
        (-10.0, 384),  # backorders: 375.64 -> 32 cases
    ],
    ids=["above", "at", "below", "backordered"],
)
def test_order_quantity_orders_only_at_or_below_the_reorder_point(
    position: float, expected: int
) -> None:
    assert order_quantity([position], levels(), moq=0, case_pack=12).tolist() == [
        expected
    ]


def test_order_quantity_applies_the_moq_and_a_shelf_life_cap_below_s() -> None:
    # given S capped at 200 (20 days of shelf life), below s = 295.64
    lv = levels(shelf_life_days=20.0)
    # then positions between S and s order nothing, below S up to S (MOQ 60)
    qty = order_quantity([250.0, 150.0, 190.0], lv, moq=60, case_pack=1)
    assert qty.tolist() == [0, 60, 60]
    assert order_quantity([150.0], lv, moq=0, case_pack=1).tolist() == [50]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"service_level": 1.0}, r"service_level must be in \(0, 1\).*received 1.0"),
        ({"service_level": 0.0}, r"service_level must be in \(0, 1\)"),
        ({"target": "lost"}, r"target must be 'cycle' or 'fill'; received 'lost'"),
        (
            {"mean_daily": [10.0, -1.0]},
            r"mean_daily must be finite and >= 0.*received -1.0 at index 1",
        ),
        ({"std_daily": np.nan}, r"std_daily must be finite and >= 0"),
        ({"lead_mean_days": 0.0}, r"lead_mean_days must be finite and > 0"),
        ({"lead_std_days": -2.0}, r"lead_std_days must be finite and >= 0"),
        ({"review_days": -1.0}, r"review_days must be finite and >= 0; received -1.0"),
        ({"cycle_qty": -5.0}, r"cycle_qty must be finite and >= 0"),
        ({"shelf_life_days": 0.0}, r"shelf_life_days must be > 0 or NaN"),
        ({"intermittent": 2}, r"intermittent must be True or False"),
        ({"n_draws": 0}, r"n_draws must be an integer >= 1; received 0"),
        (
            {"mean_daily": [1.0, 2.0], "cycle_qty": [1.0, 2.0, 3.0]},
            r"must broadcast to one shape.*mean_daily \(2,\).*cycle_qty \(3,\)",
        ),
        ({"mean_daily": [[1.0]]}, r"scalars or 1-D; received shape \(1, 1\)"),
    ],
    ids=[
        "level-1",
        "level-0",
        "target",
        "negative-mean",
        "nan-std",
        "zero-lead",
        "negative-lead-std",
        "negative-review",
        "negative-q",
        "zero-shelf-life",
        "intermittent-2",
        "no-draws",
        "shapes",
        "two-d",
    ],
)
def test_bad_policy_inputs_raise_with_the_name_and_value(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(DataValidationError, match=message):
        levels(**overrides)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"moq": 0, "case_pack": 0}, r"case_pack must be an integer >= 1"),
        ({"moq": 0, "case_pack": 2.5}, r"case_pack must be an integer >= 1"),
        ({"moq": -1, "case_pack": 1}, r"moq must be finite and >= 0"),
        ({"moq": [0, 1], "case_pack": [1, 2, 3]}, r"must broadcast to one shape"),
    ],
    ids=["pack-0", "pack-fraction", "negative-moq", "shapes"],
)
def test_bad_rounding_inputs_raise(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(DataValidationError, match=message):
        round_order(10.0, **kwargs)


def test_bad_positions_and_eoq_inputs_raise() -> None:
    with pytest.raises(DataValidationError, match="position must be finite units"):
        order_quantity([np.nan], levels(), moq=0, case_pack=1)
    with pytest.raises(
        DataValidationError, match=r"position \(2,\), reorder_point \(3,\)"
    ):
        order_quantity(
            [1.0, 2.0], levels(mean_daily=[1.0, 2.0, 3.0]), moq=0, case_pack=1
        )
    with pytest.raises(DataValidationError, match="holding_cost_per_unit_year must be"):
        economic_order_quantity(100.0, order_cost=10.0, holding_cost_per_unit_year=0.0)
    with pytest.raises(
        DataValidationError, match="annual_demand must be finite and >= 0"
    ):
        economic_order_quantity(-1.0, order_cost=10.0, holding_cost_per_unit_year=1.0)


@pytest.mark.parametrize(
    ("typed", "fraction"),
    [(0.95, 0.95), (95, 0.95), (95.0, 0.95), (50, 0.5), (0.5, 0.5), (99.99, 0.9999)],
    ids=["fraction", "percent", "percent-float", "50", "0.5", "99.99"],
)
def test_a_service_level_is_a_fraction_or_a_percent(typed: float, fraction: float):
    assert service_level_fraction(typed) == pytest.approx(fraction, abs=1e-12)


@pytest.mark.parametrize(
    "typed",
    [150, 100, 1, 0.3, 30, 0, -95, math.nan, math.inf],
    ids=["150", "100", "1", "0.3", "30", "0", "negative", "nan", "inf"],
)
def test_a_service_level_outside_50_to_99_99_percent_is_refused(typed: float):
    with pytest.raises(DataValidationError, match=r"must be 50 to 99\.99 %"):
        service_level_fraction(typed)
