"""The replenishment API and the Restock page (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.app.test_web import login
from tests.simstore import import_store

from tradepilot.forecasting.service import ForecastSettings, forecast_demand


@pytest.fixture
def forecast(app, sim_files):
    engine = app.state.tradepilot.engine
    import_store(engine, sim_files)
    forecast_demand(engine, ForecastSettings(horizon=12, n_jobs=1))
    return engine


def test_api_before_a_plan_says_what_to_do(client):
    response = client.get("/api/v1/plans/latest")

    assert response.status_code == 404
    assert "tradepilot plan restock" in response.json()["detail"]


def test_api_plans_approves_allocates_and_exports(app, client, forecast):
    refused = client.post("/api/v1/plans/restock", json={"budget": -1})
    plan = client.post("/api/v1/plans/restock", json={"service_level": 0.9}).json()
    latest = client.get("/api/v1/plans/latest").json()
    line_id = plan["lines"][0]["id"]
    approved = client.post(
        "/api/v1/plans/approve", json={"line_ids": [line_id], "approved_by": "bot"}
    )
    again = client.post("/api/v1/plans/approve", json={"line_ids": [line_id]})
    export = client.get("/api/v1/plans/latest/export")
    allocation = client.get("/api/v1/plans/allocate", params={"cash": 500}).json()
    leadtimes = client.get("/api/v1/leadtimes").json()
    positions = client.get("/api/v1/plans/positions").json()
    unauthorised = TestClient(app).get("/api/v1/plans/latest")

    assert refused.status_code == 422
    assert plan["status"] in ("optimal", "feasible")
    assert latest["id"] == plan["id"]
    assert approved.status_code == 200
    assert approved.json()["purchase_orders"][0]["po_number"].startswith("TP-")
    assert again.status_code == 422
    assert "already approved" in again.json()["detail"]
    assert export.headers["content-type"].startswith("text/csv")
    assert export.text.splitlines()[0].startswith(
        "id,sku,supplier,mode,qty,order_by,arrival,cost,currency,cost_base,reason"
    )
    assert allocation["allocated_base"] <= 500 + 1e-6
    assert leadtimes["suppliers"]
    assert positions["positions"]
    assert unauthorised.status_code == 401


def test_api_runs_a_simulation_in_the_background(app, client, forecast):
    started = client.post("/api/v1/plans/simulations")
    job = app.state.tradepilot.jobs[started.json()["id"]]
    assert job.wait(timeout=300)
    done = client.get(f"/api/v1/plans/simulations/jobs/{job.id}").json()
    latest = client.get("/api/v1/plans/simulations/latest").json()

    assert started.status_code == 202
    assert done["state"] == "done", done["error"]
    assert set(latest["policies"]) == {
        "tradepilot",
        "min_max",
        "days_of_cover",
        "oracle",
    }


def test_restock_page_reoptimises_and_approves_with_csrf(app, token, forecast):
    client = TestClient(app)
    login(client)
    empty = client.get("/restock")
    csrf_token = empty.text.split('"X-CSRF-Token": "')[1].split('"')[0]
    headers = {"X-CSRF-Token": csrf_token}

    without = client.post("/restock/plan", data={"budget": "1000"})
    planned = client.post("/restock/plan", data={"budget": "1000"}, headers=headers)
    line = planned.text.split('name="line" value="')[1].split('"')[0]
    approved = client.post("/restock/approve", data={"line": line}, headers=headers)
    page = client.get("/restock")

    assert "No restock plan yet" in empty.text
    assert without.status_code == 403
    assert planned.status_code == 200
    assert 'id="plan-lines"' in planned.text
    assert "covers" in planned.text
    assert "Approved 1 lines: draft TP-" in approved.text
    assert 'id="stockout-calendar"' in page.text or "No stockout projected" in page.text
    assert 'id="leadtimes"' in page.text
