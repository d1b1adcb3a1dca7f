"""The Margins & Markets page in a real browser: a margin waterfall, the market
map re-scored with new weights, and a rule change's impact."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from playwright.sync_api import Page, expect
from tests.e2e.test_dashboard import arrive, log_in, seed
from tests.simstore import import_store


def test_waterfall_rescoring_and_rule_impact(
    page: Page,
    base_url: str,
    live_app: FastAPI,
    sim_files: dict[str, Path],
    screenshots: Path,
) -> None:
    # given a workspace with a year of sales
    seed(live_app)
    import_store(live_app.state.tradepilot.engine, sim_files)

    # when the owner opens Margins & Markets
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Margins & Markets"
    ).click()
    arrive(page, f"{base_url}/markets", timeout=120_000)

    # then margins are listed and the market map is drawn
    expect(page.locator("#margins-best tbody tr").first).to_be_visible()
    expect(page.locator("#chart-score-map .main-svg").first).to_be_visible(
        timeout=30_000
    )

    # and picking a SKU draws its waterfall
    page.locator("#margins-best tbody tr a").first.click()
    expect(page.locator("#waterfall-title")).to_contain_text("margin")
    expect(page.locator("#chart-waterfall .main-svg").first).to_be_visible()

    # and putting all weight on margin re-ranks the countries
    page.get_by_label("weight of demand").fill("0")
    page.get_by_label("weight of margin").fill("1")
    page.get_by_role("button", name="Re-score").click()
    expect(page.locator("#market-ranking tbody tr").first).to_be_visible()

    # and a rule change shows who loses how much
    page.locator("#impact-example").select_option("de_vat_21")
    page.get_by_role("button", name="Show impact").click()
    expect(page.locator("#impact-summary")).to_contain_text("a year", timeout=120_000)
    expect(page.locator("#impact-rows tbody tr").first).to_contain_text("DE")
    page.screenshot(path=screenshots / "markets.png", full_page=True)
