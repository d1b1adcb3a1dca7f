"""The Forecasts page in a real browser: accuracy table, a SKU's fan charts."""

from __future__ import annotations

from pathlib import Path

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
