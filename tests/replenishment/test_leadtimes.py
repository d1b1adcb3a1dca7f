"""Lead times learned from PO history: per-PO observations, censored fit, fallbacks."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import polars as pl
import pytest
from scipy import stats

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment.calendar import Closure, lunar_new_year_closures
from tradepilot.replenishment.leadtimes import (
    RECEIPT_COLUMNS,
    LeadTime,
    estimate_lead_times,
    estimation_error,
    fit_lognormal,
    lead_time_of,
    po_lead_times,
)
from tradepilot.simulate import SimulationConfig, simulate_store
from tradepilot.simulate.store import SimulatedStore
from tradepilot.simulate.suppliers import SUPPLIERS
from tradepilot.simulate.truth import lead_time_truth

D = dt.date
AS_OF = D(2024, 5, 1)
SCHEMA = {
    "po_number": pl.String,
    "supplier": pl.String,
    "mode": pl.String,
    "ordered_date": pl.Date,
    "sku": pl.String,
    "quantity_ordered": pl.Int64,
    "received_date": pl.Date,
    "quantity_received": pl.Int64,
}
GLOBAL = LeadTime(30.0, 10.0)


def receipts(rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    """A receipts frame from (po, supplier, mode, ordered, sku, qty, received, got)."""
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


HISTORY = receipts(
    [
        # Two partial receipts of one line: the first (10 Apr) is the lead time.
        ("PO-1", "Acme", "sea", D(2024, 3, 1), "A", 10, D(2024, 4, 20), 4),
        ("PO-1", "Acme", "sea", D(2024, 3, 1), "A", 10, D(2024, 4, 10), 6),
        # Open: censored at 1 May, 61 days after ordering.
        ("PO-2", "Acme", "sea", D(2024, 3, 1), "B", 5, None, None),
        # One receipt, short by 2 units.
        ("PO-3", "Acme", "air", D(2024, 3, 5), "A", 10, D(2024, 3, 15), 8),
        # Ordered in the lead-in of a closure ending 24 Feb: starts 25 Feb.
        ("PO-4", "Acme", "sea", D(2024, 1, 30), "A", 7, D(2024, 4, 1), 7),
        ("PO-4", "Acme", "sea", D(2024, 1, 30), "B", 3, D(2024, 4, 1), 3),
    ]
)
LNY_2024 = lunar_new_year_closures("Acme", [2024])


def test_po_lead_times_one_row_per_po() -> None:
    pos = po_lead_times(HISTORY, LNY_2024, as_of=AS_OF)

    assert pos.columns == [
        "po_number", "supplier", "mode", "ordered_date", "start_date",
        "first_received", "lead_days", "censored", "observed_days", "partial",
        "units_ordered", "units_received",
    ]  # fmt: skip
    assert pos.rows() == [
        ("PO-4", "Acme", "sea", D(2024, 1, 30), D(2024, 2, 25), D(2024, 4, 1),
         36.0, False, None, False, 10, 10),
        ("PO-1", "Acme", "sea", D(2024, 3, 1), D(2024, 3, 1), D(2024, 4, 10),
         40.0, False, None, True, 10, 10),
        ("PO-2", "Acme", "sea", D(2024, 3, 1), D(2024, 3, 1), None,
         None, True, 61.0, False, 5, 0),
        ("PO-3", "Acme", "air", D(2024, 3, 5), D(2024, 3, 5), D(2024, 3, 15),
         10.0, False, None, True, 10, 8),
    ]  # fmt: skip


def test_po_lead_times_without_closures_count_from_order_day() -> None:
    pos = po_lead_times(HISTORY, as_of=AS_OF)

    assert pos.filter(pl.col("po_number") == "PO-4")["lead_days"].to_list() == [62.0]


def test_open_po_starting_after_as_of_has_zero_observed_days() -> None:
    closure = Closure("Acme", D(2024, 5, 1), D(2024, 5, 20), "holiday", 10)
    rows = receipts([("PO-9", "Acme", "sea", D(2024, 4, 25), "A", 5, None, None)])

    pos = po_lead_times(rows, [closure], as_of=AS_OF)

    assert pos.select("start_date", "censored", "observed_days").rows() == [
        (D(2024, 5, 21), True, 0.0)
    ]


def test_missing_columns_are_named() -> None:
    frame = HISTORY.drop("received_date", "mode")

    with pytest.raises(DataValidationError) as info:
        po_lead_times(frame, as_of=AS_OF)

    assert str(info.value) == (
        "receipts lack column(s) mode, received_date; expected: "
        + ", ".join(RECEIPT_COLUMNS)
        + "; found: po_number, supplier, ordered_date, sku, quantity_ordered,"
        " quantity_received"
    )


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        pytest.param(
            HISTORY.with_columns(pl.col("received_date").cast(pl.String)),
            "column 'received_date' must be pl.Date; received String",
            id="date-as-text",
        ),
        pytest.param(
            HISTORY.with_columns(mode=pl.lit("boat")),
            "unknown transport mode(s) boat; allowed: sea, air, rail, road,"
            " express, unknown",
            id="unknown-mode",
        ),
        pytest.param(
            HISTORY.with_columns(supplier=pl.lit(None, pl.String)),
            "column(s) supplier may not be null",
            id="null-supplier",
        ),
        pytest.param(
            HISTORY.with_columns(
                mode=pl.when(pl.col("sku") == "B").then(pl.lit("air")).otherwise("mode")
            ),
            "PO(s) PO-4 have several",
            id="po-with-two-modes",
        ),
        pytest.param(
            HISTORY.with_columns(received_date=pl.lit(D(2024, 5, 2))),
            "as_of 2024-05-01 is before the latest received_date 2024-05-02",
            id="receipt-after-as-of",
        ),
    ],
)
def test_invalid_receipts_are_refused(frame: pl.DataFrame, message: str) -> None:
    with pytest.raises(DataValidationError) as info:
        po_lead_times(frame, as_of=AS_OF)

    assert message in str(info.value)


def test_fit_without_censoring_is_the_closed_form() -> None:
    days = np.array([30.0, 40.0, 50.0, 38.0, 44.0])
    logs = np.log(days)

    fit = fit_lognormal(days)

    sigma2 = logs.var()
    mean = math.exp(logs.mean() + sigma2 / 2)
    assert fit.mean_days == pytest.approx(mean, rel=1e-6)
    assert fit.std_days == pytest.approx(mean * math.sqrt(math.expm1(sigma2)), rel=1e-5)


@pytest.mark.parametrize(
    ("observed", "right"),
    [
        pytest.param([30.0, 40.0, 50.0], [45.0], id="one-censored-above"),
        pytest.param([8.0, 12.0, 9.0, 15.0], [3.0, 20.0, 11.0], id="mixed"),
        pytest.param([30.0, 32.0], [60.0, 70.0, 80.0], id="mostly-censored"),
    ],
)
def test_censored_fit_agrees_with_scipy(
    observed: list[float], right: list[float]
) -> None:
    days = np.array(observed + right)
    censored = np.array([False] * len(observed) + [True] * len(right))

    fit = fit_lognormal(days, censored)

    data = stats.CensoredData(uncensored=observed, right=right)
    sigma, _, scale = stats.lognorm.fit(data, floc=0)
    mean = scale * math.exp(sigma**2 / 2)
    assert fit.mean_days == pytest.approx(mean, rel=1e-4)
    assert fit.std_days == pytest.approx(
        mean * math.sqrt(math.expm1(sigma**2)), rel=1e-3
    )


def test_censored_fit_recovers_known_parameters() -> None:
    # POs ordered 30 to 80 days before as_of; those not yet received are censored.
    true = LeadTime(40.0, 10.0)
    rng = np.random.default_rng(2)
    lead = np.rint(true.sample(rng, 400))
    age = rng.integers(30, 81, 400).astype(np.float64)
    censored = lead > age

    fit = fit_lognormal(np.where(censored, age, lead), censored)

    naive = lead[~censored].mean()
    assert censored.mean() == 0.2
    assert abs(fit.mean_days - 40.0) / 40.0 < 0.03
    assert abs(fit.std_days - 10.0) / 10.0 < 0.10
    assert abs(fit.mean_days - 40.0) < abs(naive - 40.0)


def test_zero_day_lead_times_do_not_break_the_log() -> None:
    fit = fit_lognormal(np.array([0.0, 0.0, 1.0, 2.0]))

    # Zeros count as half a day: logs of 0.5, 0.5, 1, 2.
    logs = np.log([0.5, 0.5, 1.0, 2.0])
    assert fit.mean_days == pytest.approx(math.exp(logs.mean() + logs.var() / 2))


def test_identical_lead_times_fit_a_near_fixed_lead_time() -> None:
    fit = fit_lognormal(np.array([14.0, 14.0, 14.0]))

    assert fit.mean_days == pytest.approx(14.0, rel=1e-6)
    assert fit.std_days < 0.01


@pytest.mark.parametrize(
    ("days", "censored", "message"),
    [
        pytest.param(
            [40.0, 50.0], [False, True],
            "needs at least 2 observed lead times; received 1 (and 1 censored)",
            id="one-observed",
        ),
        pytest.param([], None, "received 0 (and 0 censored)", id="empty"),
        pytest.param([40.0, np.nan, 3.0], None, "must be finite", id="nan"),
        pytest.param([40.0, 50.0], [False], "shapes (2,) and (1,)", id="shapes"),
    ],
)  # fmt: skip
def test_fit_refuses_bad_samples(
    days: list[float], censored: list[bool] | None, message: str
) -> None:
    mask = None if censored is None else np.array(censored)

    with pytest.raises(DataValidationError) as info:
        fit_lognormal(np.array(days, dtype=np.float64), mask)

    assert message in str(info.value)


def po_times(rows: list[tuple[str, str, float, bool]]) -> pl.DataFrame:
    """po_lead_times-like frame from (supplier, mode, days, censored)."""
    return pl.DataFrame(
        {
            "supplier": [r[0] for r in rows],
            "mode": [r[1] for r in rows],
            "lead_days": [None if r[3] else r[2] for r in rows],
            "censored": [r[3] for r in rows],
            "observed_days": [r[2] if r[3] else None for r in rows],
        },
        schema={
            "supplier": pl.String,
            "mode": pl.String,
            "lead_days": pl.Float64,
            "censored": pl.Boolean,
            "observed_days": pl.Float64,
        },
    )


def summary(lead: LeadTime) -> tuple[float, float, float, float]:
    return (
        round(lead.mean_days, 2),
        round(lead.std_days, 2),
        round(lead.quantile(0.5), 2),
        round(lead.quantile(0.9), 2),
    )


def test_fallback_order_history_then_supplier_then_global() -> None:
    times = po_times(
        [
            ("Beta", "sea", 30.0, False), ("Beta", "sea", 40.0, False),
            ("Beta", "sea", 50.0, False), ("Beta", "sea", 45.0, True),
            ("Beta", "air", 9.0, False), ("Beta", "air", 11.0, False),
            ("Acme", "sea", 20.0, False), ("Acme", "sea", 25.0, True),
        ]
    )  # fmt: skip
    settings = {
        ("Beta", "air"): LeadTime(8.0, 2.0),
        ("Gamma", "rail"): LeadTime(20.0, 0.0),
    }

    table = estimate_lead_times(times, defaults=settings, global_default=GLOBAL)

    history = fit_lognormal(np.array([30.0, 40.0, 50.0, 45.0]),
                            np.array([False, False, False, True]))  # fmt: skip
    assert table.rows() == [
        ("Acme", "sea", 1, 1, *summary(GLOBAL), "global setting"),
        ("Beta", "air", 2, 0, *summary(settings["Beta", "air"]), "supplier setting"),
        ("Beta", "sea", 3, 1, *summary(history), "history"),
        ("Gamma", "rail", 0, 0, 20.0, 0.0, 20.0, 20.0, "supplier setting"),
    ]
    assert summary(history) == (43.4, 10.25, 42.24, 56.94)


def test_min_pos_decides_when_history_is_trusted() -> None:
    times = po_times([("Beta", "air", 9.0, False), ("Beta", "air", 11.0, False)])

    table = estimate_lead_times(times, global_default=GLOBAL, min_pos=2)

    assert table["source"].to_list() == ["history"]
    # sqrt(9 * 11) * exp(log(11 / 9) ** 2 / 8) = 10.0001
    assert table["mean_days"].to_list() == [10.0]


def test_min_pos_below_two_is_refused() -> None:
    with pytest.raises(DataValidationError, match="min_pos must be >= 2; received 1"):
        estimate_lead_times(po_times([]), global_default=GLOBAL, min_pos=1)


def test_empty_history_gives_settings_only() -> None:
    table = estimate_lead_times(
        po_times([]),
        defaults={("Acme", "sea"): LeadTime(40.0, 8.0)},
        global_default=GLOBAL,
    )

    assert table.rows() == [
        ("Acme", "sea", 0, 0, 40.0, 8.0, 39.22, 50.56, "supplier setting")
    ]


def test_estimates_name_missing_po_time_columns() -> None:
    with pytest.raises(DataValidationError) as info:
        estimate_lead_times(po_times([]).drop("censored"), global_default=GLOBAL)

    assert str(info.value) == (
        "po_times lack column(s) censored; expected: supplier, mode, lead_days,"
        " censored, observed_days; found: supplier, mode, lead_days, observed_days"
    )


def test_estimates_from_po_lead_times() -> None:
    pos = po_lead_times(HISTORY, LNY_2024, as_of=AS_OF)

    table = estimate_lead_times(pos, global_default=GLOBAL, min_pos=2)

    sea = fit_lognormal(np.array([36.0, 40.0, 61.0]), np.array([False, False, True]))
    assert table.rows() == [
        ("Acme", "air", 1, 0, *summary(GLOBAL), "global setting"),
        ("Acme", "sea", 2, 1, *summary(sea), "history"),
    ]


@pytest.mark.parametrize(
    ("supplier", "mode", "expected"),
    [
        pytest.param("Acme", "sea", LeadTime(40.0, 8.0), id="present"),
        pytest.param("Acme", "air", GLOBAL, id="other-mode-not-used"),
        pytest.param("Zeta", "sea", GLOBAL, id="unknown-supplier"),
    ],
)
def test_lead_time_of(supplier: str, mode: str, expected: LeadTime) -> None:
    table = estimate_lead_times(
        po_times([]),
        defaults={("Acme", "sea"): LeadTime(40.0, 8.0)},
        global_default=GLOBAL,
    )

    assert lead_time_of(table, supplier, mode, global_default=GLOBAL) == expected


def test_estimation_error_joins_truth() -> None:
    table = estimate_lead_times(
        po_times([]),
        defaults={("Acme", "sea"): LeadTime(42.0, 8.0), ("Acme", "air"): GLOBAL},
        global_default=GLOBAL,
    )
    truth = {
        "distributions": [
            {"supplier": "Acme", "mode": "sea", "mean": 40.0, "std": 8.0},
            {"supplier": "Beta", "mode": "sea", "mean": 20.0, "std": 4.0},
        ]
    }

    assert estimation_error(table, truth).rows() == [
        ("Acme", "sea", 0, 42.0, 40.0, 0.05)
    ]


def test_estimation_error_refuses_other_truth_shapes() -> None:
    with pytest.raises(DataValidationError, match=r"received keys \['lead_times'\]"):
        estimation_error(po_times([]), {"lead_times": []})


def simulated_estimates(store: SimulatedStore) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(po_lead_times, estimation_error) of a simulated store."""
    config = store.config
    years = range(config.start.year - 1, config.end.year + 1)
    closures = [
        closure
        for supplier in SUPPLIERS
        if supplier.has_new_year_shutdown
        for closure in lunar_new_year_closures(supplier.name, years)
    ]
    pos = po_lead_times(store.purchase_orders, closures, as_of=config.end)
    table = estimate_lead_times(pos, global_default=GLOBAL)
    return pos, estimation_error(table, lead_time_truth(store))


def test_simulated_store_lead_times_match_the_true_draws() -> None:
    store = simulate_store(
        SimulationConfig(
            seed=3, n_days=420, n_skus=20, n_customers=800, demand_scale=2.0
        )
    )

    pos, errors = simulated_estimates(store)

    truth = store.purchase_lines_truth.group_by("po_number").agg(
        pl.col("production_start_date", "first_receipt_date").first()
    )
    joined = pos.join(truth, on="po_number", how="left")
    received = joined.filter(~pl.col("censored"))
    assert joined["start_date"].to_list() == joined["production_start_date"].to_list()
    assert (joined["production_start_date"] > joined["ordered_date"]).any()
    assert received["first_received"].to_list() == (
        received["first_receipt_date"].to_list()
    )
    assert (joined.filter("censored")["first_receipt_date"] > store.config.end).all()
    # This short history has no pair with 10 received POs: the demo test has them.
    assert errors.height == 6
    assert (errors.filter(pl.col("n_pos") >= 10)["rel_error"] < 0.10).all()


def test_demo_store_means_within_ten_percent() -> None:
    store = simulate_store(SimulationConfig())

    _, errors = simulated_estimates(store)

    enough = errors.filter(pl.col("n_pos") >= 10)
    assert enough.height == 8
    assert enough["rel_error"].max() < 0.10  # type: ignore[operator]
