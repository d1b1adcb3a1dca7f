"""The Alerts page in a real browser: alerts by money at stake with their evidence,
filtered by kind, marked done."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI
from playwright.sync_api import Page, expect
from tests.e2e.test_dashboard import arrive, log_in, seed

from tradepilot.risk import alert_store
from tradepilot.risk.alert import make_alert
from tradepilot.risk.config import RiskConfig


def _raise_alerts(app: FastAPI) -> None:
    config = RiskConfig()
    alerts = [
        make_alert("stockout", "sku TP-0001", 1250.0, "Runs out in 5 days.",
                   {"link": "/restock"}, config),
        make_alert("fx_move", "currency USD", 400.0, "USD lost 9%.",
                   {"link": "/markets"}, config),
        make_alert("supplier_delay", "supplier Porto Ceramica Lda", 800.0,
                   "Last POs took 20 days longer.", {"link": "/restock"}, config),
    ]  # fmt: skip
    with app.state.tradepilot.engine.begin() as conn:
        alert_store.save_run(conn, alerts, today=dt.date(2025, 3, 2), currency="EUR")


def test_alerts_listed_by_money_filtered_and_marked_done(
    page: Page, base_url: str, live_app: FastAPI
) -> None:
    # given an owner and three open alerts
    seed(live_app)
    _raise_alerts(live_app)

    # when the owner opens Alerts from the navigation
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Alerts"
    ).click()
    arrive(page, f"{base_url}/alerts")

    # then the alerts are listed largest money first, with a link to the evidence
    rows = page.locator("#alerts-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("sku TP-0001")
    expect(rows.first).to_contain_text("1,250.00")
    expect(rows.first.get_by_role("link", name="evidence")).to_have_attribute(
        "href", "/restock"
    )

    # and a summary counts them by kind, the kind of the largest alert first
    expect(page.locator("#alerts-summary")).to_contain_text(
        "3 open: 1 stockout, 1 supplier_delay, 1 fx_move"
    )

    # and filtering by kind keeps one
    page.locator("#alert-kind").select_option("fx_move")
    page.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("currency USD")

    # and marking it done removes it from the open alerts
    rows.first.get_by_role("button", name="Done").click()
    expect(page.locator("#no-alerts")).to_be_visible()
