"""The Restock page in a real browser: re-optimise under a budget, approve a line."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from playwright.sync_api import Page, expect
from tests.e2e.test_dashboard import arrive, log_in, seed
from tests.simstore import import_store

from tradepilot.forecasting.service import ForecastSettings, forecast_demand


def test_budget_reoptimises_and_approval_drafts_a_purchase_order(
    page: Page,
    base_url: str,
    live_app: FastAPI,
    sim_files: dict[str, Path],
    screenshots: Path,
) -> None:
    # given a workspace with a forecast and no plan yet
    seed(live_app)
    engine = live_app.state.tradepilot.engine
    import_store(engine, sim_files)
    forecast_demand(engine, ForecastSettings(horizon=12, n_jobs=1))

    # when the owner opens Restock and re-optimises without a budget limit
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Restock"
    ).click()
    arrive(page, f"{base_url}/restock")
    expect(page.get_by_text("No restock plan yet")).to_be_visible()
    page.get_by_role("button", name="Re-optimise").click()

    # then the plan shows lines with their reasons and the learned lead times
    lines = page.locator("#plan-lines tbody tr")
    expect(lines.first).to_contain_text("service", timeout=60_000)
    expect(page.locator("#leadtimes tbody tr").first).to_be_visible()
    page.screenshot(path=screenshots / "restock.png", full_page=True)

    # and approving the first line drafts a purchase order
    lines.first.get_by_role("checkbox").check()
    page.get_by_role("button", name="Approve ticked lines").click()
    expect(page.locator("#approve-message")).to_contain_text("draft TP-")
    expect(page.locator("#plan-lines tbody tr").first).to_contain_text("TP-")
