"""The ledger section of the Money page in a real browser: P&L charts drawn by
Plotly, VAT due per jurisdiction, the chain's status and the latest anchor."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from playwright.sync_api import Page, expect
from tests.e2e.test_dashboard import arrive, log_in, seed
from tests.simstore import import_store

from tradepilot.ledger.service import anchor_ledger, build_ledger, close_period


def test_the_books_show_pnl_charts_vat_and_an_intact_chain(
    page: Page,
    base_url: str,
    live_app: FastAPI,
    sim_files: dict[str, Path],
    screenshots: Path,
) -> None:
    # given a workspace with a year of sales, its ledger built and a month closed
    seed(live_app)
    state = live_app.state.tradepilot
    import_store(state.engine, sim_files)
    build_ledger(state.engine, home=state.settings.home)
    close_period(state.engine, "2024-01")
    anchor_ledger(state.engine)

    # when the owner opens the books
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/", timeout=120_000)
    page.goto("/money/ledger", timeout=120_000)

    # then both P&L charts are drawn and the chain is intact
    expect(page.locator("#chart-ledger-month .main-svg").first).to_be_visible(
        timeout=30_000
    )
    expect(page.locator("#chart-ledger-country .main-svg").first).to_be_visible()
    expect(page.locator("#ledger-chain")).to_contain_text("Hash chain intact")
    expect(page.locator("#ledger-anchor")).to_contain_text("1 closed period")
    expect(page.locator("#ledger-vat tbody tr").first).to_be_visible()
    page.screenshot(path=screenshots / "ledger.png", full_page=True)
