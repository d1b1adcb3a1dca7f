"""The Customers page in a real browser: the segment map, the customer table sorted
by churn risk, a customer's profile, refreshing the segments."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from playwright.sync_api import Page, expect
from tests.e2e.test_dashboard import arrive, log_in, seed
from tests.simstore import import_store


def test_segment_map_table_and_profile(
    page: Page,
    base_url: str,
    live_app: FastAPI,
    sim_files: dict[str, Path],
    screenshots: Path,
) -> None:
    # given the simulated store with its customers and their consent
    seed(live_app)
    import_store(live_app.state.tradepilot.engine, sim_files)

    # when the owner opens Customers
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Customers"
    ).click()
    arrive(page, f"{base_url}/customers", timeout=180_000)

    # then the segments are drawn as bubbles and listed with their shares
    expect(page.locator("#chart-segments .main-svg").first).to_be_visible(
        timeout=30_000
    )
    expect(page.locator("#segment-table tbody tr").first).to_be_visible()
    expect(page.locator("#kpi-customers .value")).not_to_have_text("–")

    # and the table sorts by churn risk, with the 90-day buyer model's probability
    page.locator("#customer-sort").select_option("churn")
    expect(page.locator("#customers tbody tr").first).to_be_visible()
    expect(page.locator("#customers-basis")).to_contain_text("AUC")

    # and a customer's profile opens with figures, records and recent orders
    page.locator("#customers .customer-link").first.click()
    expect(page.locator("#profile-name")).to_be_visible()
    expect(page.locator("#profile-figures")).to_contain_text("Expected value")
    expect(page.locator("#profile-orders tbody tr").first).to_be_visible()

    # and its recommendations load with their reasons; a product's "bought together"
    # opens from its SKU
    expect(page.locator("#recommendations-next tbody tr").first).to_be_visible(
        timeout=120_000
    )
    page.locator("#recommendations-next tbody tr a").first.click()
    expect(page.locator("#product-together h3")).to_contain_text(
        "Frequently bought together", timeout=60_000
    )

    # and refreshing the segments redraws the map
    page.get_by_role("button", name="Refresh segments").click()
    expect(page.locator("#segments-busy")).to_be_hidden(timeout=60_000)
    expect(page.locator("#segments-method")).to_contain_text("segments as of")
    expect(page.locator("#chart-segments .main-svg").first).to_be_visible()
    page.screenshot(path=screenshots / "customers.png", full_page=True)
