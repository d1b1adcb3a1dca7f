"""The Money page in a real browser: cash, the reconciliation's discrepancies with
their evidence, and reconciling again."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from playwright.sync_api import Page, expect
from tests.e2e.test_dashboard import arrive, assert_fits_the_window, log_in, seed
from tests.simstore import import_store

from tradepilot.demo import PAYMENT_IMPORTS
from tradepilot.ingest.service import import_file


def test_cash_discrepancies_evidence_and_reconcile_again(
    page: Page,
    base_url: str,
    live_app: FastAPI,
    sim_files: dict[str, Path],
    screenshots: Path,
) -> None:
    # given a workspace with a year of sales, its payout reports and bank statement
    seed(live_app)
    engine = live_app.state.tradepilot.engine
    import_store(engine, sim_files)
    for key, fmt in PAYMENT_IMPORTS:
        import_file(engine, fmt=fmt, path=sim_files[key])

    # when the owner opens Money
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Money"
    ).click()
    arrive(page, f"{base_url}/money", timeout=60_000)

    # then cash per provider and the six injected discrepancies are listed
    expect(page.locator("#cash-table tbody tr").first).to_be_visible()
    rows = page.locator("#discrepancy-table tbody tr")
    expect(rows).to_have_count(6)
    expect(page.locator("#discrepancy-kinds")).to_contain_text("payout paid twice")

    # and an action opens onto its evidence rows
    rows.first.locator("summary").click()
    expect(rows.first.locator("details li").first).to_be_visible()

    # and reconciling again lists the same
    page.get_by_role("button", name="Reconcile again").click()
    expect(page.locator("#reconcile-busy")).to_be_hidden(timeout=60_000)
    expect(page.locator("#discrepancy-table tbody tr")).to_have_count(6, timeout=60_000)
    expect(page.locator("#spread-table")).to_contain_text("paypal")

    # and a discrepancy resolved with a note leaves the open ones, listed below
    first = page.locator("#discrepancy-table tbody tr").first
    first.get_by_role("textbox").fill("refunded to the buyer")
    first.get_by_role("button", name="Resolve").click()
    arrive(page, f"{base_url}/money#discrepancies-card", timeout=60_000)
    expect(page.locator("#discrepancy-table tbody tr")).to_have_count(5)
    expect(page.locator("#closed-discrepancies")).to_contain_text("1 resolved")
    # and the books fragment lists the bank lines no rule categorises
    expect(page.locator("#uncategorised-table")).to_be_visible(timeout=60_000)
    assert_fits_the_window(page)
    page.screenshot(path=screenshots / "money.png", full_page=True)
