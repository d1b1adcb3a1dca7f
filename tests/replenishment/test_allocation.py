"""Tests of the greedy cash allocation over SKU x market cells."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment.allocation import allocation_summary, rank_allocations


def make_cells(rows: list[dict[str, Any]]) -> pl.DataFrame:
    base = {
        "market": "DE",
        "price": 10.0,
        "unit_cost": 4.0,
        "freight": 1.0,
        "demand_mean": 50.0,
        "demand_std": 0.0,
        "position_share": 0.0,
    }
    return pl.DataFrame([{**base, **row} for row in rows])


def test_cells_are_ranked_by_return_per_cash() -> None:
    # Given certain demand: A returns 5 per 5 of cash on its 10 missing units,
    # C 3 per 7 on 50, B 1 per 9 on 50.
    cells = make_cells(
        [
            {"sku": "A", "position_share": 40.0},
            {"sku": "B", "unit_cost": 8.0},
            {"sku": "C", "unit_cost": 6.0, "market": "FR"},
        ]
    )
    # When
    ranking = rank_allocations(cells, cash=500.0)
    # Then: A 10 x 5 = 50, C 50 x 7 = 350, B the last 100 // 9 = 11 units.
    assert ranking.rows() == [
        ("A", "DE", 10, 50.0, 50.0, 1.0),
        ("C", "FR", 50, 350.0, 150.0, pytest.approx(3 / 7)),
        ("B", "DE", 11, 99.0, 11.0, pytest.approx(1 / 9)),
    ]


def test_a_case_that_no_longer_fits_is_skipped_for_cheaper_ones() -> None:
    # Given A in cases of 12 (60.00 of cash, ratio 1) and B in units of 7.00.
    cells = make_cells(
        [
            {"sku": "A", "case_pack": 12},
            {"sku": "B", "unit_cost": 6.0, "case_pack": 1},
        ]
    )
    # When 100.00 buys one case of A; the second (60.00) does not fit the 40 left.
    ranking = rank_allocations(cells, cash=100.0)
    # Then the rest goes to 5 units of B.
    assert ranking.select("sku", "qty", "cash_base").rows() == [
        ("A", 12, 60.0),
        ("B", 5, 35.0),
    ]


def test_step_units_are_rounded_up_to_whole_cases() -> None:
    cells = make_cells([{"sku": "A", "case_pack": 6}])
    ranking = rank_allocations(cells, cash=100.0, step_units=10)
    assert ranking["qty"].to_list() == [12]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"price": 5.0}, id="no-margin"),
        pytest.param({"position_share": 60.0}, id="position-covers"),
        pytest.param({"holding": 6.0}, id="holding-eats-margin"),
    ],
)
def test_cells_that_return_nothing_get_no_cash(change: dict[str, Any]) -> None:
    cells = make_cells([{"sku": "A", **change}])
    assert rank_allocations(cells, cash=1_000.0).height == 0


def test_uncertain_demand_buys_to_the_far_tail_with_falling_returns() -> None:
    # Given demand 50 +- 10 and 40 units in position: extra units are worth buying
    # up to the 99.99% quantile, 50 + 3.719 x 10 = 87.2, so 48 units; the 10th
    # sells with probability Pr(D > 50) = 0.5 and the last ones hardly ever.
    cells = make_cells([{"sku": "A", "position_share": 40.0, "demand_std": 10.0}])
    ranking = rank_allocations(cells, cash=10_000.0)
    assert ranking["qty"].item() == 48
    # E[min(D, 88)] - E[min(D, 40)] = (88 - 10 G(3.8)) - (40 - 10 G(-1))
    # = 49.9998 - 39.1668 units sold (G the normal loss function), at 5 each.
    assert ranking["expected_return_base"].item() == pytest.approx(54.165, abs=1e-3)


@pytest.mark.parametrize("seed", [3, 4, 5], ids=["seed-3", "seed-4", "seed-5"])
def test_cash_is_never_exceeded_and_case_packs_hold(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    cost = rng.uniform(1.0, 30.0, n)
    mean = rng.lognormal(3.0, 1.0, n)
    cells = pl.DataFrame(
        {
            "sku": [f"S{i // 3}" for i in range(n)],
            "market": [f"M{i % 3}" for i in range(n)],
            "price": cost * rng.uniform(1.2, 3.0, n),
            "unit_cost": cost,
            "freight": cost * 0.1,
            "demand_mean": mean,
            "demand_std": mean * rng.uniform(0.1, 1.0, n),
            "position_share": mean * rng.uniform(0.0, 1.5, n),
            "case_pack": rng.choice([1, 6, 12, 24], n),
        }
    )
    cash = float(rng.uniform(1_000.0, 50_000.0))
    ranking = rank_allocations(cells, cash=cash)
    joined = ranking.join(cells, on=["sku", "market"])
    assert ranking["cash_base"].sum() <= cash + 1e-6
    assert (joined["qty"] % joined["case_pack"] == 0).all()
    assert ranking["return_per_cash"].is_sorted(descending=True)
    cash_of_units = joined["qty"] * 1.1 * joined["unit_cost"]
    assert (joined["cash_base"] - cash_of_units).abs().max() < 1e-6


def test_allocation_summary_keys_and_totals() -> None:
    cells = make_cells(
        [{"sku": "A", "position_share": 40.0}, {"sku": "B", "unit_cost": 6.0}]
    )
    summary = allocation_summary(rank_allocations(cells, cash=100.0), cash=100.0)
    assert summary == {
        "cash": 100.0,
        "allocated_base": 99.0,
        "allocations": [
            {
                "sku": "A",
                "market": "DE",
                "qty": 10,
                "cash_base": 50.0,
                "expected_return_base": 50.0,
            },
            {
                "sku": "B",
                "market": "DE",
                "qty": 7,
                "cash_base": 49.0,
                "expected_return_base": 21.0,
            },
        ],
    }


def test_zero_cash_allocates_nothing() -> None:
    cells = make_cells([{"sku": "A"}])
    summary = allocation_summary(rank_allocations(cells, cash=0.0), cash=0.0)
    assert summary == {"cash": 0.0, "allocated_base": 0.0, "allocations": []}


@pytest.mark.parametrize(
    ("cells", "cash", "message"),
    [
        pytest.param(
            make_cells([{"sku": "A"}]).drop("price"),
            10.0,
            "cells need columns price",
            id="missing-column",
        ),
        pytest.param(
            make_cells([{"sku": "A", "demand_std": -1.0}]),
            10.0,
            "cells.demand_std must be finite and >= 0",
            id="negative-std",
        ),
        pytest.param(
            make_cells([{"sku": "A", "unit_cost": 0.0, "freight": 0.0}]),
            10.0,
            "unit_cost \\+ freight > 0",
            id="free-goods",
        ),
        pytest.param(
            make_cells([{"sku": "A"}]), -1.0, "need cash >= 0", id="negative-cash"
        ),
    ],
)
def test_invalid_cells_are_rejected(
    cells: pl.DataFrame, cash: float, message: str
) -> None:
    with pytest.raises(DataValidationError, match=message):
        rank_allocations(cells, cash=cash)
