"""The Automation page in a real browser: a proposed price change approved."""

from __future__ import annotations

from fastapi import FastAPI
from playwright.sync_api import Page, expect
from tests.e2e.test_dashboard import arrive, log_in, seed

from tradepilot.automation.service import propose


def test_an_owner_approves_a_price_change_from_the_queue(
    page: Page, base_url: str, live_app: FastAPI
) -> None:
    # given an owner and two proposals waiting
    seed(live_app)
    engine = live_app.state.tradepilot.engine
    for sku, price in (("MUG-1", 12.5), ("TEE-2", 19.0)):
        propose(engine, kind="price_change", title=f"{sku} to {price}",
                payload={"sku": sku, "price": price, "currency": "EUR",
                         "format": "shopify"}, source="assistant")  # fmt: skip

    # when the owner opens Automation from the navigation and approves the first
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Automation"
    ).click()
    arrive(page, f"{base_url}/automation")
    rows = page.locator("#approvals-table tbody tr")
    expect(rows).to_have_count(2)
    page.locator("#approval-1").get_by_role("button", name="Approve").click()

    # then the queue holds the other one and the file the shop imports is written
    expect(page.locator("#approval-message")).to_contain_text("MUG-1 to 12.5: approved")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("TEE-2")
    outbox = live_app.state.tradepilot.settings.home / "outbox"
    written = (outbox / "price-change-1-MUG-1.csv").read_text()
    assert (
        written == "Handle,Title,Variant SKU,Variant Price\nmug-1,MUG-1,MUG-1,12.50\n"
    )
    expect(page.locator("#jobs-table tbody tr")).to_have_count(6)
