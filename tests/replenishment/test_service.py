"""Restock plans on a real store (SQLite and PostgreSQL): plan, approve, on order."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.simstore import import_store

from tradepilot.domain.errors import DataValidationError
from tradepilot.forecasting.service import ForecastSettings, forecast_demand
from tradepilot.replenishment.approval_service import approve_lines
from tradepilot.replenishment.config import PurchasingConfig, load_purchasing_config
from tradepilot.replenishment.leadtime_service import learn_lead_times
from tradepilot.replenishment.plan_store import PLAN_COLUMNS, latest_plan
from tradepilot.replenishment.position_service import stock_positions
from tradepilot.replenishment.service import plan_restock

CONFIG = PurchasingConfig.model_validate(
    {
        "suppliers": {
            "Shenzhen Brightway Trading Co": {
                "min_order_value": 200.0,
                "lunar_new_year": True,
            }
        }
    }
)


@pytest.fixture
def planned(engine, sim_files):
    """The small simulated store, imported and forecast 12 weeks ahead."""
    import_store(engine, sim_files)
    forecast_demand(engine, ForecastSettings(horizon=12, n_jobs=1))
    return engine


def test_plan_lines_follow_the_contract_and_approval_puts_them_on_order(planned):
    before = stock_positions(planned, CONFIG)

    plan = plan_restock(planned, CONFIG)
    first_two = [line["id"] for line in plan["lines"][:2]]
    approved = approve_lines(planned, first_two, approved_by="owner@example.com")
    after = stock_positions(planned, CONFIG)
    stored = latest_plan(planned)

    assert plan["status"] in ("optimal", "feasible")
    assert plan["explanation"]
    assert plan["budget"] is None
    assert len(plan["lines"]) >= 2
    for line in plan["lines"]:
        assert set(PLAN_COLUMNS) <= set(line)
        assert line["qty"] > 0
        assert line["arrival"] >= line["order_by"] >= plan["as_of"]
        assert "service" in line["reason"]
    assert plan["spent_base"] == pytest.approx(
        sum(line["cost_base"] for line in plan["lines"]), abs=0.05
    )
    assert {po["po_number"][:3] for po in approved["purchase_orders"]} == {"TP-"}
    on_order_before = {r["sku"]: r["on_order"] for r in before["positions"]}
    on_order_after = {r["sku"]: r["on_order"] for r in after["positions"]}
    for line in plan["lines"][:2]:
        assert on_order_after[line["sku"]] >= on_order_before[line["sku"]] + line["qty"]
    statuses = {line["id"]: line for line in stored["lines"]}
    assert all(statuses[i]["status"] == "approved" for i in first_two)
    assert all(statuses[i]["approved_by"] == "owner@example.com" for i in first_two)
    with pytest.raises(DataValidationError, match="already approved"):
        approve_lines(planned, first_two, approved_by="owner@example.com")
    with pytest.raises(DataValidationError, match="no plan line"):
        approve_lines(planned, [10**6], approved_by="owner@example.com")


def test_a_budget_caps_the_spend(planned):
    free = plan_restock(planned, CONFIG)
    budget = round(free["spent_base"] * 0.3, 2)

    capped = plan_restock(planned, CONFIG, budget=budget)

    assert 0 < capped["spent_base"] <= budget + 0.01
    assert capped["budget"] == budget


def test_a_budget_below_every_minimum_order_is_explained(planned):
    plan = plan_restock(planned, CONFIG, budget=1.0)

    assert plan["status"] == "infeasible"
    assert plan["lines"] == []
    assert "budget" in plan["explanation"]


def test_bad_plan_settings_are_refused(planned):
    with pytest.raises(DataValidationError, match="received 150"):
        plan_restock(planned, CONFIG, service_level=150)
    with pytest.raises(DataValidationError, match="budget"):
        plan_restock(planned, CONFIG, budget=-5)


def test_lead_times_carry_counts_sources_and_the_demo_truth(
    engine, sim_files, tmp_path: Path
):
    import_store(engine, sim_files)
    truth = tmp_path / "demo-data" / "truth"
    truth.mkdir(parents=True)
    shutil.copy(sim_files["truth_lead_times"], truth / "lead_times.json")

    result = learn_lead_times(engine, CONFIG, home=tmp_path)

    rows = {(r["supplier"], r["mode"]): r for r in result["suppliers"]}
    keys = {"supplier", "mode", "n_pos", "mean_days", "std_days", "p50_days",
            "p90_days", "source", "true_mean_days"}  # fmt: skip
    assert all(keys <= set(r) for r in rows.values())
    assert all(r["true_mean_days"] > 0 for r in rows.values())
    learned = [r for r in rows.values() if r["n_pos"] >= 3]
    assert learned
    for r in learned:
        assert r["source"] == "history"
        assert r["p50_days"] <= r["p90_days"]
        assert r["rel_error"] == pytest.approx(
            abs(r["mean_days"] - r["true_mean_days"]) / r["true_mean_days"], abs=1e-3
        )
    assert all(r["source"] != "history" for r in rows.values() if r["n_pos"] < 3)


def test_a_broken_settings_file_names_the_setting(tmp_path: Path):
    (tmp_path / "purchasing.toml").write_text("service_level = 1.5\n")

    with pytest.raises(DataValidationError, match="service_level"):
        load_purchasing_config(tmp_path)


def test_no_forecast_means_no_plan(engine, sim_files):
    import_store(engine, sim_files)

    with pytest.raises(DataValidationError, match="forecast run"):
        plan_restock(engine, CONFIG)
