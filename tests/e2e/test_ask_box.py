"""The Ask box at the foot of every page, in a real browser: a built-in question
answered in place (no LLM configured)."""

from __future__ import annotations

from fastapi import FastAPI
from playwright.sync_api import Page, expect
from tests.e2e.test_alerts_page import _raise_alerts
from tests.e2e.test_dashboard import arrive, log_in, seed


def test_the_ask_box_answers_in_place(
    page: Page, base_url: str, live_app: FastAPI
) -> None:
    # given an owner with three open alerts, on the Alerts page
    seed(live_app)
    _raise_alerts(live_app)
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    page.goto("/alerts")

    # when they ask what needs attention
    page.get_by_label("Ask", exact=True).fill("What needs my attention?")
    page.locator("#ask-submit").click()

    # then the answer appears under the box, from the alerts, on the same page
    answer = page.locator("#ask-answer .ask-answer")
    expect(answer).to_contain_text("3 open alerts; the largest:")
    expect(answer).to_contain_text("stockout sku TP-0001: 1,250.00 EUR at stake.")
    expect(answer).to_contain_text("From: alerts")
    expect(page.locator("#ask-answer .warning")).to_have_count(0)
    expect(page).to_have_url(f"{base_url}/alerts")
