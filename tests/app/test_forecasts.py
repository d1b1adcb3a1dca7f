"""The forecasts API and the Forecasts page, before and after a run."""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from tests.app.test_web import login
from tests.simstore import import_store

from tradepilot.app.web.forecasts import GLOSSARY
from tradepilot.forecasting.service import (
    ForecastSettings,
    backtest_demand,
    forecast_demand,
)


def test_api_before_a_run_says_what_to_do(client):
    response = client.get("/api/v1/forecasts/latest")

    assert response.status_code == 404
    assert "tradepilot forecast run" in response.json()["detail"]
    assert client.get("/api/v1/forecasts/latest/series").json()["count"] == 0


def test_api_serves_the_run_its_series_and_one_series(app, client, sim_files):
    engine = app.state.tradepilot.engine
    import_store(engine, sim_files)
    run = forecast_demand(engine, ForecastSettings(horizon=4))

    latest = client.get("/api/v1/forecasts/latest").json()
    listed = client.get("/api/v1/forecasts/latest/series", params={"limit": 5}).json()
    sku = listed["data"][0]["sku"]
    of_sku = client.get("/api/v1/forecasts/latest/series", params={"sku": sku}).json()
    one = client.get(
        f"/api/v1/forecasts/latest/series/{listed['data'][0]['unique_id']}"
    )
    missing = client.get("/api/v1/forecasts/latest/series/NOPE|XX")
    unauthorised = TestClient(app).get("/api/v1/forecasts/latest")

    assert latest["run"]["id"] == run["run_id"]
    assert latest["run"]["metrics"]["series"] == run["series"]
    assert latest["backtest"] is None
    assert listed["count"] == run["series"]
    assert len(listed["data"]) == 5
    assert {r["sku"] for r in of_sku["data"]} == {sku}
    assert one.status_code == 200
    assert len(one.json()["forecast"]["ds"]) == 4
    assert missing.status_code == 422
    assert unauthorised.status_code == 401


def test_forecasts_page_shows_accuracy_choices_and_a_fan_per_country(
    app, token, sim_files
):
    engine = app.state.tradepilot.engine
    client = TestClient(app)
    login(client)
    empty = client.get("/forecasts")
    import_store(engine, sim_files)
    forecast_demand(engine, ForecastSettings(horizon=4))
    backtest_demand(engine, ForecastSettings(horizon=4))

    page = client.get("/forecasts")
    sku = page.text.split('href="/forecasts?sku=')[1].split('"')[0]
    detail = client.get("/forecasts", params={"sku": sku})

    assert "No forecast yet" in empty.text
    assert page.status_code == 200
    assert 'id="accuracy"' in page.text
    assert "MovingAverage8" in page.text
    assert "Hardest series first" in page.text
    assert detail.status_code == 200
    assert 'class="fan-data"' in detail.text
    assert "Cross-validation error of every candidate" in detail.text


def test_api_runs_a_forecast_in_the_background_and_exports_it(app, client, sim_files):
    import_store(app.state.tradepilot.engine, sim_files)

    refused = client.post("/api/v1/forecasts/runs", json={"horizon": 0})
    started = client.post(
        "/api/v1/forecasts/runs", json={"horizon": 3, "levels": [95, 80]}
    )
    job = app.state.tradepilot.jobs[started.json()["id"]]
    assert job.wait(timeout=300)
    done = client.get(f"/api/v1/forecasts/jobs/{job.id}").json()
    export = client.get("/api/v1/forecasts/latest/export")
    unknown = client.get("/api/v1/forecasts/jobs/nope")

    assert refused.status_code == 422
    assert started.status_code == 202
    assert started.json()["params"]["levels"] == [80, 95]
    assert done["state"] == "done", done["error"]
    assert done["result"]["periods"] == 3
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    lines = export.text.splitlines()
    assert lines[0] == "sku,country,period_start,forecast,lo_80,hi_80,lo_95,hi_95,model"
    assert len(lines) == 1 + 3 * done["result"]["series"]
    assert unknown.status_code == 404


def test_forecasts_page_runs_a_forecast_with_csrf(app, token, sim_files):
    import_store(app.state.tradepilot.engine, sim_files)
    client = TestClient(app)
    login(client)
    page = client.get("/forecasts").text
    csrf_token = page.split('"X-CSRF-Token": "')[1].split('"')[0]

    without = client.post("/forecasts/run")
    started = client.post("/forecasts/run", headers={"X-CSRF-Token": csrf_token})
    job_id = started.text.split('hx-get="/forecasts/jobs/')[1].split('"')[0]
    assert app.state.tradepilot.jobs[job_id].wait(timeout=300)
    finished = client.get(f"/forecasts/jobs/{job_id}")

    assert without.status_code == 403
    assert started.status_code == 200
    assert "Forecast run 1:" in finished.text
    assert "Run a forecast now" in client.get("/forecasts").text


def test_one_forecast_at_a_time(app, client, sim_files):
    import_store(app.state.tradepilot.engine, sim_files)

    first = client.post("/api/v1/forecasts/runs", json={"horizon": 2})
    second = client.post("/api/v1/forecasts/runs", json={"horizon": 2})
    app.state.tradepilot.jobs[first.json()["id"]].wait(timeout=300)
    third = client.post("/api/v1/forecasts/runs", json={"horizon": 2})
    app.state.tradepilot.jobs[third.json()["id"]].wait(timeout=300)

    assert first.status_code == 202
    assert second.status_code == 409
    assert first.json()["id"] in second.json()["detail"]
    assert third.status_code == 202


def test_a_cutoff_out_of_range_is_refused_before_starting(client):
    response = client.post("/api/v1/forecasts/runs", json={"cutoff": "0001-01-01"})

    assert response.status_code == 422
    assert "--cutoff must be between" in response.json()["detail"]


def test_the_page_explains_the_choice_by_the_rule_its_table_marks(
    app, client, sim_files
):
    engine = app.state.tradepilot.engine
    import_store(engine, sim_files)
    forecast_demand(engine, ForecastSettings(horizon=4))
    browser = TestClient(app)
    login(browser)
    first = client.get("/api/v1/forecasts/latest/series", params={"limit": 1})
    row = first.json()["data"][0]

    detail = client.get(f"/api/v1/forecasts/latest/series/{row['unique_id']}").json()
    page = browser.get("/forecasts", params={"sku": row["sku"]}).text

    chosen = [c["model"] for c in detail["candidates"] if c["chosen"]]
    assert chosen == [row["model"]]
    assert detail["explanation"].startswith(f"{row['model']} chosen")
    assert detail["explanation"] in html.unescape(page)
    assert (
        f'<tr class="chosen"><td>{row["model"]} <span class="tag">chosen</span></td>'
        in page
    )


@dataclass
class HeldForecast:
    """A forecast job that stops at its first count of series done until released."""

    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    seen: list[tuple[str, int, int]] = field(default_factory=list)

    def run(self, engine, settings, *, progress):
        def report(stage: str, done: int, total: int) -> None:
            progress(stage, done, total)
            if done and not self.release.is_set():
                self.seen.append((stage, done, total))
                self.reached.set()
                self.release.wait(timeout=300)

        return forecast_demand(engine, settings, progress=report)


@pytest.fixture
def held(monkeypatch) -> Iterator[HeldForecast]:
    hold = HeldForecast()
    monkeypatch.setattr("tradepilot.app.jobs.forecast_demand", hold.run)
    yield hold
    hold.release.set()  # never leave a job thread waiting


def test_api_reports_the_series_done_while_a_forecast_runs(
    app, client, sim_files, held
):
    import_store(app.state.tradepilot.engine, sim_files)

    started = client.post("/api/v1/forecasts/runs", json={"horizon": 2})
    assert held.reached.wait(timeout=300)
    running = client.get(f"/api/v1/forecasts/jobs/{started.json()['id']}").json()
    held.release.set()
    assert app.state.tradepilot.jobs[started.json()["id"]].wait(timeout=300)
    done = client.get(f"/api/v1/forecasts/jobs/{started.json()['id']}").json()

    stage, count, total = held.seen[0]
    assert running["state"] == "running"
    assert running["stage"] == stage == "cross-validating candidate models"
    assert running["progress"] == {"done": count, "total": total}
    assert 0 < count <= total
    assert done["state"] == "done"
    assert done["progress"] == {"done": total, "total": total}
    assert total == done["result"]["series"]


def test_forecasts_page_shows_series_done_then_reloads(app, token, sim_files, held):
    import_store(app.state.tradepilot.engine, sim_files)
    client = TestClient(app)
    login(client)
    csrf_token = client.get("/forecasts").text.split('"X-CSRF-Token": "')[1]
    headers = {"X-CSRF-Token": csrf_token.split('"')[0]}

    started = client.post("/forecasts/run", headers=headers)
    job_id = started.text.split('hx-get="/forecasts/jobs/')[1].split('"')[0]
    assert held.reached.wait(timeout=300)
    polled = client.get(f"/forecasts/jobs/{job_id}")
    page = client.get("/forecasts")
    held.release.set()
    assert app.state.tradepilot.jobs[job_id].wait(timeout=300)
    finished = client.get(f"/forecasts/jobs/{job_id}")

    _, count, total = held.seen[0]
    assert f'<progress aria-label="Forecasting" value="{count}" max="{total}">' in (
        polled.text
    )
    assert (
        "Cross-validating candidate models: <strong"
        f' id="forecast-progress">{count} of {total} series</strong>'
    ) in polled.text
    assert "HX-Refresh" not in polled.headers
    assert f'id="forecast-progress">{count} of {total} series' in page.text
    assert finished.headers["HX-Refresh"] == "true"
    assert "Forecast run 1:" in finished.text


def test_forecasts_page_explains_its_jargon_in_one_line_each(app, token, sim_files):
    engine = app.state.tradepilot.engine
    import_store(engine, sim_files)
    forecast_demand(engine, ForecastSettings(horizon=4))
    backtest_demand(engine, ForecastSettings(horizon=4))
    client = TestClient(app)
    login(client)

    page = html.unescape(client.get("/forecasts").text)

    for term in ("RMSSE", "Windows", "Dead", "Intermittent", "Coverage"):
        assert f"<dt>{term}</dt><dd>{GLOSSARY[term]}</dd>" in page
        assert "\n" not in GLOSSARY[term]
    assert f'<abbr title="{GLOSSARY["RMSSE"]}">RMSSE</abbr>' in page
    assert f'<abbr title="{GLOSSARY["Windows"]}">Windows</abbr>' in page
    assert f'<abbr title="{GLOSSARY["Coverage"]}">80% cover</abbr>' in page
