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


def _raise_many(app: FastAPI, n_overstock: int = 60) -> None:
    """``n_overstock`` overstock alerts of 1,000.00, 1,001.00, ... and two others."""
    config = RiskConfig()
    alerts = [
        make_alert("overstock", f"sku OS-{i:03d}", 1000.0 + i, "Too much cover.",
                   {"link": "/restock"}, config)
        for i in range(n_overstock)
    ]  # fmt: skip
    alerts += [
        make_alert("stockout", "sku TP-0001", 5000.0, "Runs out in 5 days.",
                   {"link": "/restock"}, config),
        make_alert("fx_move", "currency USD", 400.0, "USD lost 9%.",
                   {"link": "/markets"}, config),
    ]  # fmt: skip
    with app.state.tradepilot.engine.begin() as conn:
        alert_store.save_run(conn, alerts, today=dt.date(2025, 3, 2), currency="EUR")


def test_a_kind_with_many_alerts_is_one_line_then_paged(
    page: Page, base_url: str, live_app: FastAPI
) -> None:
    # given an owner, 60 open overstock alerts and two of other kinds
    seed(live_app)
    _raise_many(live_app)

    # when the owner opens Alerts
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    page.goto("/alerts")

    # then overstock is one line with its count and money, the others are listed
    expect(page.locator("#alerts-summary")).to_contain_text(
        "62 open: 1 stockout, 60 overstock, 1 fx_move"
    )
    expect(page.locator("#alerts-grouped li")).to_have_text(
        "60 overstock alerts, 61,770.00 EUR of cash tied up"
        " (largest 1,059.00 EUR) — show"
    )
    rows = page.locator("#alerts-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("sku TP-0001")
    expect(page.locator("#alerts-pages")).to_have_count(0)

    # when the owner shows the overstock alerts
    page.locator("#alerts-grouped").get_by_role("link", name="show").click()
    arrive(page, f"{base_url}/alerts?kind=overstock")

    # then the first 50 are listed, largest first, with a link to the next ones
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("sku OS-059")
    expect(page.locator("#alerts-pages")).to_contain_text("Alerts 1–50 of 60")
    page.get_by_role("link", name="Next 50").click()
    arrive(page, f"{base_url}/alerts?kind=overstock&page=2")
    expect(rows).to_have_count(10)
    expect(rows.first).to_contain_text("sku OS-009")
    expect(page.locator("#alerts-pages")).to_contain_text("Alerts 51–60 of 60")
    expect(page.get_by_role("link", name="Next 50")).to_have_count(0)

    # and marking one done keeps the owner on that page of that kind
    rows.first.get_by_role("button", name="Done").click()
    arrive(page, f"{base_url}/alerts?kind=overstock&page=2")
    expect(rows).to_have_count(9)
    expect(rows.first).to_contain_text("sku OS-008")

    # and back on page 1, then every alert one by one, 50 a page
    page.get_by_role("link", name="Previous 50").click()
    arrive(page, f"{base_url}/alerts?kind=overstock")
    expect(rows).to_have_count(50)
    page.goto("/alerts?all=1")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("sku TP-0001")
    expect(page.locator("#alerts-grouped")).to_have_count(0)
    expect(page.locator("#alerts-pages")).to_contain_text("Alerts 1–50 of 61")
