"""The Forecasts page in a real browser: accuracy table, a SKU's fan charts, a run
started from the page with its progress."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect
from tests.e2e.test_dashboard import arrive, log_in, seed
from tests.simstore import import_store

from tradepilot.forecasting.service import (
    ForecastSettings,
    backtest_demand,
    forecast_demand,
)


def test_find_a_sku_and_see_its_fan_per_country(
    page: Page,
    base_url: str,
    live_app: FastAPI,
    sim_files: dict[str, Path],
    screenshots: Path,
) -> None:
    # given a workspace with a forecast run and a backtest
    seed(live_app)
    engine = live_app.state.tradepilot.engine
    import_store(engine, sim_files)
    run = forecast_demand(engine, ForecastSettings(horizon=6))
    backtest_demand(engine, ForecastSettings(horizon=6))

    # when the owner opens Forecasts from the navigation
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Forecasts"
    ).click()
    arrive(page, f"{base_url}/forecasts")

    # then it shows the backtest against the baselines and the hardest series first
    expect(page.locator("#accuracy tbody tr").first.locator("td").first).to_have_text(
        "TradePilot"
    )
    expect(page.locator("#series-table tbody tr")).to_have_count(min(25, run["series"]))
    page.screenshot(path=screenshots / "forecasts.png", full_page=True)

    # and searching a SKU draws a fan chart (history, forecast, two bands) per country
    sku = page.locator("#series-table tbody tr").first.locator("td").first.inner_text()
    page.locator("#sku-search").fill(sku)
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state("load")
    fans = page.locator(".chart.fan")
    expect(fans.first.locator(".main-svg").first).to_be_attached()
    expect(fans.first.locator(".scatterlayer .trace")).to_have_count(
        7  # 2 x 2 band edges, demand corrected, units sold, forecast
    )
    page.screenshot(path=screenshots / "forecasts-sku.png", full_page=True)


def test_run_now_shows_series_done_and_reloads_with_the_new_run(
    page: Page,
    base_url: str,
    live_app: FastAPI,
    sim_files: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    screenshots: Path,
) -> None:
    # given a workspace with one forecast run, and a next run that pauses at its
    # first count of series done until the test has looked at the page
    seed(live_app)
    engine = live_app.state.tradepilot.engine
    import_store(engine, sim_files)
    first = forecast_demand(engine, ForecastSettings(horizon=6))
    reached, release = threading.Event(), threading.Event()
    seen: list[tuple[int, int]] = []

    def held(engine_, settings, *, progress):
        def report(stage: str, done: int, total: int) -> None:
            progress(stage, done, total)
            if done and not release.is_set():
                seen.append((done, total))
                reached.set()
                release.wait(timeout=300)

        return forecast_demand(engine_, settings, progress=report)

    monkeypatch.setattr("tradepilot.app.jobs.forecast_demand", held)
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    page.goto("/forecasts")
    expect(page.locator("#run-summary")).to_contain_text(f"Run {first['run_id']} ·")
    page.evaluate("window.beforeTheRun = true")

    try:
        # when the owner runs a forecast now
        page.get_by_role("button", name="Run a forecast now").click()
        assert reached.wait(timeout=300)

        # then the page counts the series done
        done, total = seen[0]
        expect(page.locator("#forecast-progress")).to_have_text(
            f"{done} of {total} series"
        )
        assert total == first["series"]
        page.screenshot(path=screenshots / "forecasts-running.png", full_page=True)
    finally:
        release.set()

    # and reloads itself with the new run when it is done
    expect(page.locator("#run-summary")).to_contain_text(
        f"Run {first['run_id'] + 1} ·", timeout=300_000
    )
    assert page.evaluate("window.beforeTheRun === undefined")
    expect(page.locator("#forecast-job")).to_have_count(0)
