"""The weekly restock proposal and the hourly monitors on the small simulated store."""

import csv

import pytest
from tests.simstore import import_store

from tradepilot.automation.service import (
    decide,
    list_approvals,
    list_notifications,
    run_job_now,
)
from tradepilot.config import Settings
from tradepilot.forecasting.service import ForecastSettings, forecast_demand
from tradepilot.workspace import init_workspace


@pytest.fixture(scope="module")
def shop(tmp_path_factory, sim_files):
    home = tmp_path_factory.mktemp("pipeline") / "ws"
    engine = init_workspace(Settings(home=home, database_url=None),
                            base_currency="EUR")  # fmt: skip
    import_store(engine, sim_files)
    forecast_demand(engine, ForecastSettings(horizon=6, n_jobs=1))
    # deliveries to a port nobody listens on: queued and retried, never lost
    (home / "automation.toml").write_text(
        '[notify]\nwebhook = "http://127.0.0.1:9/hook"\nmin_severity = "low"\n'
        "backoff_seconds = 3600\n"
    )
    yield engine, home
    engine.dispose()


def test_the_restock_job_proposes_a_plan_and_approving_it_writes_the_order(shop):
    engine, home = shop

    run = run_job_now(engine, home=home, name="restock")
    [item] = list_approvals(engine)
    decided = decide(engine, approval_id=item["id"], approve=True, home=home)

    assert run["outcome"] == "ok", run
    assert run["detail"]["approval_id"] == item["id"]
    assert item["kind"] == "restock_plan"
    assert item["payload"] == {"plan_id": run["detail"]["plan_id"]}
    assert item["money_base"] > 0
    with open(decided["result"]["file"], newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == run["detail"]["lines"]
    assert all(r["po_number"].startswith(f"TP-{run['detail']['plan_id']}-")
               for r in rows)  # fmt: skip


def test_the_monitors_job_notifies_new_alerts(shop):
    engine, home = shop

    first = run_job_now(engine, home=home, name="monitors")

    assert first["outcome"] == "ok", first
    assert first["detail"]["notified"] == first["detail"]["alerts_open"] > 0
    [delivery] = list_notifications(engine)
    assert delivery["channel"] == "webhook"
    assert delivery["status"] == "pending"
    assert delivery["attempts"] == 1
    assert "not delivered" in delivery["last_error"]
