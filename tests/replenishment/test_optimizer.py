"""Tests of the cash-limited purchase optimiser (hand-solved cases and invariants)."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment.optimizer import (
    LINE_SCHEMA,
    PlanParams,
    solve_purchase_plan,
)

EXACT = {"mip_gap": 0.0, "poisson_floor": False}


def make_skus(**columns: list[Any]) -> pl.DataFrame:
    n = len(next(iter(columns.values()), [None]))
    base: dict[str, list[Any]] = {
        "sku": [chr(ord("A") + i) for i in range(n)],
        "price": [10.0] * n,
        "position": [0.0] * n,
        "demand_mean_daily": [1.0] * n,
        "demand_std_daily": [0.0] * n,
        "holding_rate": [0.2] * n,
    }
    return pl.DataFrame({**base, **columns})


def make_candidates(rows: list[dict[str, Any]]) -> pl.DataFrame:
    base = {
        "supplier": "S1",
        "mode": "sea",
        "unit_cost": 4.0,
        "freight": 0.5,
        "lead_days": 30.0,
        "lead_std_days": 0.0,
        "moq": 0,
        "case_pack": 1,
    }
    return pl.DataFrame([{**base, **row} for row in rows])


def make_suppliers(mov: float = 0.0) -> pl.DataFrame:
    return pl.DataFrame({"supplier": ["S1"], "min_order_value": [mov]})


def quantities(plan: Any) -> dict[tuple[str, str], int]:
    return {(r["sku"], r["mode"]): r["qty"] for r in plan.lines.to_dicts()}


@pytest.mark.parametrize(
    ("price_a", "qty_a"),
    [
        # 100 units needed; the 9th case sells 4 more units: worth it at 6/unit,
        pytest.param(10.0, 108, id="rich-margin-rounds-up"),
        # not at 0.6/unit (4 x 0.65 < 12 x (0.5 freight + 0.11 holding)).
        pytest.param(4.6, 96, id="thin-margin-rounds-down"),
    ],
)
def test_deterministic_demand_buys_the_need_rounded_to_case_pack(
    price_a: float, qty_a: int
) -> None:
    # Given no uncertainty: A needs 2/day x 50 days from its arrival (position 20
    # is gone after the 30-day lead), B 3/day x 50 = 150 less 150 - 90 left = 90.
    skus = make_skus(
        price=[price_a, 10.0],
        position=[20.0, 150.0],
        demand_mean_daily=[2.0, 3.0],
    )
    candidates = make_candidates(
        [{"sku": "A", "case_pack": 12}, {"sku": "B", "case_pack": 10}]
    )
    # When
    plan = solve_purchase_plan(
        skus, candidates, make_suppliers(), PlanParams(horizon_days=50, **EXACT)
    )
    # Then
    assert plan.status == "optimal"
    assert quantities(plan) == {("A", "sea"): qty_a, ("B", "sea"): 90}
    assert plan.spent == pytest.approx((qty_a + 90) * 4.5)
    sales = dict(
        zip(plan.lines["sku"], plan.lines["expected_sales_units"], strict=True)
    )
    assert sales == pytest.approx({"A": min(qty_a, 100), "B": 90.0})
    assert plan.lines.schema == pl.Schema(LINE_SCHEMA)


def test_binding_budget_goes_to_the_higher_margin_per_cash_first() -> None:
    # Given two SKUs needing 30 units each (1/day x 30 days) at 5.00 cash a unit;
    # A earns 15 a unit, B 3: a budget of 250 buys all of A and 100 / 5 of B.
    skus = make_skus(price=[20.0, 8.0])
    candidates = make_candidates(
        [{"sku": s, "unit_cost": 5.0, "freight": 0.0, "lead_days": 10.0} for s in "AB"]
    )
    params = PlanParams(horizon_days=30, budget=250.0, **EXACT)
    # When
    plan = solve_purchase_plan(skus, candidates, make_suppliers(), params)
    # Then
    assert quantities(plan) == {("A", "sea"): 30, ("B", "sea"): 20}
    assert plan.spent == pytest.approx(250.0)
    assert "budget 100% used" in plan.explanation


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        pytest.param(10.0, {("A", "sea"): 60}, id="margin-pays-the-moq"),
        pytest.param(4.6, {}, id="thin-margin-skips-the-moq"),
    ],
)
def test_moq_and_case_pack_bind_the_quantity(
    price: float, expected: dict[tuple[str, str], int]
) -> None:
    # Given a need of 30 units, an MOQ of 50 and cases of 12: the smallest order
    # is 60 units (30 of them left over).
    skus = make_skus(price=[price])
    candidates = make_candidates([{"sku": "A", "moq": 50, "case_pack": 12}])
    # When
    plan = solve_purchase_plan(
        skus, candidates, make_suppliers(), PlanParams(horizon_days=30, **EXACT)
    )
    # Then
    assert quantities(plan) == expected
    assert plan.lines["reason_code"].to_list() == ["moq"] * len(expected)


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        pytest.param(20.0, {("A", "sea"): 100}, id="margin-pays-the-minimum"),
        pytest.param(5.5, {}, id="thin-margin-orders-nothing"),
    ],
)
def test_supplier_minimum_order_means_nothing_or_at_least_the_minimum(
    price: float, expected: dict[tuple[str, str], int]
) -> None:
    # Given a need of 30 units at 5.00 and a supplier minimum of 500.00 = 100 units
    # (without the minimum both prices would buy 30 units).
    skus = make_skus(price=[price])
    candidates = make_candidates([{"sku": "A", "unit_cost": 5.0, "freight": 0.3}])
    # When
    plan = solve_purchase_plan(
        skus, candidates, make_suppliers(500.0), PlanParams(horizon_days=30, **EXACT)
    )
    # Then
    assert quantities(plan) == expected


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        pytest.param(
            20.0, {("A", "air"): 200, ("A", "sea"): 300}, id="margin-pays-air-freight"
        ),
        pytest.param(7.0, {("A", "sea"): 300}, id="thin-margin-waits-for-sea"),
    ],
)
def test_air_fills_only_the_early_gap_and_only_when_the_margin_pays(
    price: float, expected: dict[tuple[str, str], int]
) -> None:
    # Given 5/day, sea in 60 days, air in 10 and 100 units in position: 50 are left
    # when air arrives, the 50-day gap to sea needs 250 (200 more), then 60 days
    # after sea need 300. Air freight 3.00 beats a 13 margin, not a 2 margin.
    skus = make_skus(price=[price], position=[100.0], demand_mean_daily=[5.0])
    candidates = make_candidates(
        [
            {"sku": "A", "unit_cost": 5.0, "freight": 0.3, "lead_days": 60.0},
            {
                "sku": "A",
                "mode": "air",
                "unit_cost": 5.0,
                "freight": 3.0,
                "lead_days": 10.0,
                "case_pack": 10,
            },
        ]
    )
    params = PlanParams(horizon_days=60, **EXACT)
    # When
    plan = solve_purchase_plan(skus, candidates, make_suppliers(), params)
    # Then
    assert quantities(plan) == expected
    reasons = dict(zip(plan.lines["mode"], plan.lines["reason_code"], strict=True))
    assert reasons.get("air", "early_gap") == "early_gap"


def test_position_already_covering_demand_buys_nothing() -> None:
    skus = make_skus(position=[500.0], demand_std_daily=[0.5])
    candidates = make_candidates([{"sku": "A"}])
    plan = solve_purchase_plan(
        skus, candidates, make_suppliers(), PlanParams(horizon_days=60)
    )
    assert (plan.status, plan.lines.height, plan.spent) == ("optimal", 0, 0.0)
    assert "nothing bought: stock on hand and on order covers" in plan.explanation


@pytest.mark.parametrize(
    ("must_order", "status", "explanation"),
    [
        pytest.param(
            False,
            "optimal",
            "budget EUR 50.00 is below the cheapest minimum order: SKU A needs at"
            " least 30 units x 2.10 = EUR 63.00; raise the budget or lower the MOQ",
            id="optional-sku-empty-plan",
        ),
        pytest.param(
            True,
            "infeasible",
            "SKU A must be ordered but no order fits: SKU A needs at least 30 units"
            " x 2.10 = EUR 63.00, budget EUR 50.00, or its supplier's minimum order"
            " is out of reach; raise the budget or lower the MOQ",
            id="must-order-sku-infeasible",
        ),
    ],
)
def test_budget_below_every_moq_is_explained(
    must_order: bool, status: str, explanation: str
) -> None:
    skus = make_skus(must_order=[must_order])
    candidates = make_candidates(
        [{"sku": "A", "unit_cost": 2.0, "freight": 0.1, "moq": 30}]
    )
    params = PlanParams(horizon_days=60, budget=50.0, currency="EUR")
    plan = solve_purchase_plan(skus, candidates, make_suppliers(), params)
    assert (plan.status, plan.explanation, plan.lines.height) == (
        status,
        explanation,
        0,
    )


def test_zero_budget_is_an_empty_plan_not_infeasible() -> None:
    skus = make_skus()
    plan = solve_purchase_plan(
        skus,
        make_candidates([{"sku": "A"}]),
        make_suppliers(),
        PlanParams(horizon_days=30, budget=0.0),
    )
    assert (plan.status, plan.explanation, plan.lines.height) == (
        "optimal",
        "budget 0: nothing bought",
        0,
    )


def test_must_orders_that_together_exceed_the_budget_are_infeasible() -> None:
    # Each must-order SKU fits the budget of 100 alone (60), not both together.
    skus = make_skus(must_order=[True, True])
    candidates = make_candidates(
        [{"sku": s, "unit_cost": 6.0, "freight": 0.0, "moq": 10} for s in "AB"]
    )
    params = PlanParams(horizon_days=30, budget=100.0)
    plan = solve_purchase_plan(skus, candidates, make_suppliers(), params)
    assert plan.status == "infeasible"
    assert plan.explanation.startswith(
        "no plan meets every hard constraint together: the must-order SKUs (A, B)"
    )


def test_capacity_already_exceeded_is_infeasible() -> None:
    skus = make_skus(position=[120.0])
    params = PlanParams(horizon_days=30, warehouse_capacity=100.0)
    plan = solve_purchase_plan(
        skus, make_candidates([{"sku": "A"}]), make_suppliers(), params
    )
    assert plan.status == "infeasible"
    assert plan.explanation.startswith(
        "warehouse capacity 100 units is already exceeded: stock on hand and on"
        " order is 120 units"
    )


def test_capacity_caps_the_units_bought() -> None:
    # Given 2 SKUs needing 30 units each and room for 40 more units: the richer
    # SKU A fills its need first.
    skus = make_skus(price=[20.0, 8.0], position=[5.0, 5.0])
    candidates = make_candidates([{"sku": s, "lead_days": 5.0} for s in "AB"])
    params = PlanParams(horizon_days=30, warehouse_capacity=50.0, **EXACT)
    plan = solve_purchase_plan(skus, candidates, make_suppliers(), params)
    assert quantities(plan) == {("A", "sea"): 30, ("B", "sea"): 10}


def test_supplier_minimum_beyond_the_budget_is_left_out_with_a_note() -> None:
    skus = make_skus(price=[20.0])
    candidates = make_candidates([{"sku": "A"}])
    params = PlanParams(horizon_days=30, budget=200.0, currency="EUR")
    plan = solve_purchase_plan(skus, candidates, make_suppliers(500.0), params)
    assert plan.explanation == (
        "nothing can be bought: supplier S1's minimum order EUR 500.00 is out of"
        " reach: the budget EUR 200.00 buys at most EUR 176.00 of its goods; its"
        " candidates are left out"
    )


def random_catalogue(
    n_skus: int, seed: int
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    cost = rng.uniform(1.0, 30.0, n_skus)
    mu = rng.lognormal(0.0, 1.0, n_skus)
    skus = make_skus(
        price=list(cost * rng.uniform(2.0, 4.0, n_skus)),
        position=list(np.floor(mu * rng.uniform(0.0, 60.0, n_skus))),
        demand_mean_daily=list(mu),
        demand_std_daily=list(mu * 0.8),
    ).with_columns(sku=pl.Series([f"P{i}" for i in range(n_skus)]))
    rows = []
    for s, (sea, air) in enumerate([(40.0, 8.0), (55.0, 12.0), (35.0, 7.0)]):
        for mode, lead, freight in (("sea", sea, 0.3), ("air", air, 2.0)):
            for i in range(n_skus):
                rows.append(
                    {
                        "sku": f"P{i}",
                        "supplier": f"S{s}",
                        "mode": mode,
                        "unit_cost": float(cost[i]) * (1 + 0.05 * s),
                        "freight": freight,
                        "lead_days": lead,
                        "lead_std_days": lead * 0.2,
                        "moq": int(rng.choice([0, 24, 100])),
                        "case_pack": int(rng.choice([6, 12, 24])),
                    }
                )
    suppliers = pl.DataFrame(
        {"supplier": ["S0", "S1", "S2"], "min_order_value": [1_000.0, 3_000.0, 0.0]}
    )
    return skus, make_candidates(rows), suppliers


@pytest.mark.parametrize("seed", [1, 2], ids=["seed-1", "seed-2"])
def test_large_plan_meets_every_hard_constraint(seed: int) -> None:
    # Given 200 SKUs x 6 candidates (the rounded-LP warm start path).
    skus, candidates, suppliers = random_catalogue(200, seed)
    params = PlanParams(horizon_days=56, budget=20_000.0, warehouse_capacity=40_000.0)
    # When
    plan = solve_purchase_plan(skus, candidates, suppliers, params)
    # Then
    lines = plan.lines.join(candidates, on=["sku", "supplier", "mode"])
    assert plan.status == "optimal"
    assert plan.gap <= 0.01
    assert 0 < plan.spent <= 20_000.0 + 1e-6
    assert (lines["qty"] % lines["case_pack"] == 0).all()
    assert (lines["qty"] >= lines["moq"]).all()
    per_supplier = lines.group_by("supplier").agg(
        (pl.col("qty") * pl.col("unit_cost_right")).sum().alias("value")
    )
    minimum = dict(suppliers.iter_rows())
    assert all(v >= minimum[s] - 1e-6 for s, v in per_supplier.iter_rows())
    assert lines["qty"].sum() + skus["position"].sum() <= 40_000.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            {"drop": "price"}, "skus needs columns price", id="missing-column"
        ),
        pytest.param(
            {"price": -1.0}, "skus.price must be finite and >= 0", id="negative-price"
        ),
        pytest.param(
            {"supplier": "S9"},
            "candidates name supplier not in the supplier table: S9",
            id="unknown-supplier",
        ),
        pytest.param(
            {"case_pack": 0}, "candidates.case_pack must be >= 1", id="zero-case-pack"
        ),
    ],
)
def test_invalid_inputs_are_rejected(change: dict[str, Any], message: str) -> None:
    skus = make_skus()
    candidates = make_candidates([{"sku": "A"}])
    if "drop" in change:
        skus = skus.drop(change["drop"])
    elif "price" in change:
        skus = skus.with_columns(price=pl.lit(change["price"]))
    else:
        candidates = candidates.with_columns(
            **{k: pl.lit(v) for k, v in change.items()}
        )
    with pytest.raises(DataValidationError, match=message):
        solve_purchase_plan(
            skus, candidates, make_suppliers(), PlanParams(horizon_days=30)
        )


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"horizon_days": 0}, id="zero-horizon"),
        pytest.param({"horizon_days": 30, "budget": -1.0}, id="negative-budget"),
        pytest.param({"horizon_days": 30, "service_level": 1.0}, id="level-one"),
        pytest.param({"horizon_days": 30, "n_segments": 1}, id="one-segment"),
    ],
)
def test_plan_params_reject_values_out_of_range(settings: dict[str, Any]) -> None:
    with pytest.raises(DataValidationError, match="PlanParams needs"):
        PlanParams(**settings)
