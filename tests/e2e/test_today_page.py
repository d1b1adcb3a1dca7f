"""The Today page in a real browser: the daily brief, alerts by money at stake,
rebuilt on demand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import FastAPI
from playwright.sync_api import Page, expect
from tests.e2e.test_dashboard import arrive, log_in, seed

from tradepilot.ingest.service import import_file
from tradepilot.risk import alert_store
from tradepilot.risk.alert import make_alert
from tradepilot.risk.config import RiskConfig

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _raise_alerts(app: FastAPI, *alerts: tuple[str, str, float]) -> None:
    made = [make_alert(kind, subject, money, "Needs a look.", {"link": "/restock"},
                       RiskConfig()) for kind, subject, money in alerts]  # fmt: skip
    with app.state.tradepilot.engine.begin() as conn:
        alert_store.save_run(conn, made, today=dt.date(2024, 3, 20), currency="EUR")


def test_today_shows_the_brief_and_rebuilds_it(page: Page, base_url: str,
                                               live_app: FastAPI) -> None:  # fmt: skip
    # given an owner, the example till export and two open alerts
    seed(live_app)
    import_file(live_app.state.tradepilot.engine, fmt="generic",
                path=EXAMPLES / "orders.example.csv",
                mapping=EXAMPLES / "mapping.example.yaml")  # fmt: skip
    _raise_alerts(live_app, ("fx_move", "currency CHF", 300.0),
                  ("stockout", "sku TP-MUG-01", 1250.0))  # fmt: skip

    # when the owner opens Today from the navigation
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Today"
    ).click()
    arrive(page, f"{base_url}/today")

    # then the brief of the newest order day lists the alerts, largest money first
    expect(page.locator("#brief h2")).to_have_text("Brief for Wed 20 Mar 2024")
    rows = page.locator("#brief-alerts-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("1,250.00")
    expect(rows.first.get_by_role("link", name="evidence")).to_have_attribute(
        "href", "/restock"
    )
    expect(page.locator("#brief-waiting h3")).to_contain_text(
        "Waiting for approval: nothing"
    )

    # and after a new alert, Rebuild shows it (the page showed the saved brief)
    _raise_alerts(live_app, ("fx_move", "currency CHF", 300.0),
                  ("stockout", "sku TP-MUG-01", 1250.0),
                  ("return_spike", "sku TP-TEA-02", 2500.0))  # fmt: skip
    page.reload()
    expect(rows).to_have_count(2)
    page.get_by_role("button", name="Rebuild").click()
    arrive(page, f"{base_url}/today?date=2024-03-20")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("sku TP-TEA-02")
