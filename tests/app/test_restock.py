"""The replenishment API and the Restock page (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import html
import json

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.app.test_web import login
from tests.simstore import import_store

from tradepilot.forecasting.service import ForecastSettings, forecast_demand
from tradepilot.replenishment.plan_store import latest_plan
from tradepilot.replenishment.sim_policies import ORACLE_NOTE
from tradepilot.store import tables


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
        "order_up_to",
        "oracle",
    }
    assert latest["seeds"] == [1, 2, 3, 4, 5]
    assert set(latest["policies"]["tradepilot"]["ci95"]) == {
        "total_cost",
        "fill_rate",
        "cost_ratio",
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


def page_client(app) -> tuple[TestClient, dict[str, str]]:
    client = TestClient(app)
    login(client)
    page = client.get("/restock").text
    return client, {"X-CSRF-Token": page.split('"X-CSRF-Token": "')[1].split('"')[0]}


@pytest.mark.parametrize("value", ["95", "0.95"], ids=["percent", "fraction"])
def test_restock_page_takes_the_service_level_as_percent_or_fraction(
    app, token, forecast, value
):
    client, headers = page_client(app)

    planned = client.post(
        "/restock/plan", data={"service_level": value}, headers=headers
    )

    assert planned.status_code == 200
    assert 'role="alert"' not in planned.text
    assert latest_plan(forecast)["params"]["service_level"] == 0.95
    assert 'value="95.0" aria-describedby="service-level-help"' in planned.text


def test_restock_page_refuses_a_service_level_out_of_range_in_words(
    app, token, forecast
):
    client, headers = page_client(app)

    refused = client.post(
        "/restock/plan", data={"service_level": "150"}, headers=headers
    )
    garbled = client.post(
        "/restock/plan", data={"service_level": "9x"}, headers=headers
    )

    assert refused.status_code == 200
    assert (
        "service level must be 50 to 99.99 % (a percent such as 95, or a fraction"
        " such as 0.95); received 150"
    ) in html.unescape(refused.text)
    assert "service level is not a number: '9x'" in html.unescape(garbled.text)
    assert latest_plan(forecast) is None


def test_restock_page_shows_every_line_unwrapped_and_a_named_download(
    app, token, forecast
):
    client, headers = page_client(app)
    client.post("/restock/plan", data={}, headers=headers)
    plan = latest_plan(forecast)

    page = client.get("/restock").text
    download = client.get("/restock/plan.csv")
    anonymous = TestClient(app).get("/restock/plan.csv", follow_redirects=False)

    assert page.count('name="line"') == len(plan["lines"]) > 0
    assert f'<p class="count" id="plan-count">{len(plan["lines"])} lines</p>' in page
    assert '<div class="table-scroll full">' in page
    assert f'<td class="nowrap">{plan["lines"][0]["sku"]}</td>' in page
    assert (
        '<a class="button" id="plan-download" href="/restock/plan.csv" download>'
        "Download plan (CSV)</a>"
    ) in page
    assert "CSV via the API" not in page
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"] == (
        f'attachment; filename="restock-plan-{plan["id"]}-{plan["as_of"]}.csv"'
    )
    assert download.text.splitlines()[0].startswith("id,sku,supplier,mode,qty")
    assert len(download.text.splitlines()) == 1 + len(plan["lines"])
    assert anonymous.status_code in (303, 401)


def test_approving_with_nothing_ticked_says_so_on_the_page(app, token, forecast):
    client, headers = page_client(app)
    client.post("/restock/plan", data={}, headers=headers)

    answer = client.post("/restock/approve", data={}, headers=headers)

    assert answer.status_code == 200
    assert (
        '<p class="job failed" role="alert">Tick at least one line to approve.</p>'
        in answer.text
    )
    assert "plan line id" not in answer.text


def test_the_simulation_names_the_oracle_a_perfect_foresight_heuristic(app, token):
    engine = app.state.tradepilot.engine
    report = {
        "days": 365,
        "demand_source": "units sold",
        "policies": {
            name: {
                "fill_rate": fill,
                "stockout_days": 0,
                "lost_units": 0,
                "avg_inventory_value": 1000.0,
                "total_cost": cost,
                "orders": orders,
                "freight_cost": 100.0,
            }
            for name, fill, cost, orders in [
                ("tradepilot", 0.97, 8880.0, 22),
                ("min_max", 0.94, 10318.0, 24),
                ("days_of_cover", 0.98, 8464.0, 22),
                ("oracle", 1.0, 9034.0, 28),
            ]
        },
    }
    with engine.begin() as conn:
        conn.execute(
            sa.insert(tables.policy_simulations).values(
                created_at=dt.datetime.now(dt.UTC),
                params="{}",
                report=json.dumps(report),
                seconds=1.0,
            )
        )
    client = TestClient(app)
    login(client)

    page = html.unescape(client.get("/restock").text)

    assert "<td>Perfect-foresight heuristic (oracle)</td>" in page
    assert "<td>TradePilot</td>" in page
    assert ORACLE_NOTE in page
    assert "not a cost optimum" in ORACLE_NOTE


def test_the_simulation_shows_the_cost_ratio_interval_and_protocol(app, token):
    engine = app.state.tradepilot.engine
    row = {
        "fill_rate": 0.97,
        "stockout_days": 12.4,
        "lost_units": 30.2,
        "avg_inventory_value": 1000.0,
        "total_cost": 8880.0,
        "orders": 21.6,
    }
    report = {
        "days": 274,
        "seeds": [1, 2, 3, 4, 5],
        "protocol": "Every policy starts from the same stock (a test).",
        "policies": {
            "tradepilot": {
                **row,
                "cost_ratio": 0.8712,
                "ci95": {"cost_ratio": [0.8531, 0.8893]},
            },
            "order_up_to": {
                **row,
                "cost_ratio": 1.0,
                "ci95": {"cost_ratio": [1.0, 1.0]},
            },
        },
    }
    with engine.begin() as conn:
        conn.execute(
            sa.insert(tables.policy_simulations).values(
                created_at=dt.datetime.now(dt.UTC),
                params="{}",
                report=json.dumps(report),
                seconds=1.0,
            )
        )
    client = TestClient(app)
    login(client)

    page = html.unescape(client.get("/restock").text)

    assert "<td>Order-up-to (s, S), tuned</td>" in page
    assert '<td class="num">0.87× (0.85–0.89)</td>' in page
    assert '<td class="num">12</td><td class="num">30</td>' in page
    assert "274 days scored, means over seeds 1, 2, 3, 4, 5" in page
    assert "Every policy starts from the same stock (a test)." in page


@pytest.mark.parametrize("value", [0.95, 95], ids=["fraction", "percent"])
def test_api_takes_the_service_level_as_fraction_or_percent(client, forecast, value):
    planned = client.post("/api/v1/plans/restock", json={"service_level": value})

    assert planned.status_code == 200
    assert client.get("/api/v1/plans/latest").json()["params"]["service_level"] == 0.95


def test_api_refuses_a_service_level_of_150_with_the_reason(client):
    refused = client.post("/api/v1/plans/restock", json={"service_level": 150})

    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "service level must be 50 to 99.99 % (a percent such as 95, or a fraction"
        " such as 0.95); received 150"
    )
