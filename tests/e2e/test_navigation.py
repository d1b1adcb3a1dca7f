"""Navigation in a real browser: every entry is a page that opens, nothing 404s."""

from __future__ import annotations

from fastapi import FastAPI
from playwright.sync_api import Page, Response, expect
from tests.e2e.test_dashboard import arrive, log_in, seed

from tradepilot.app.web.pages import NAVIGATION


def test_overview_requests_nothing_that_fails_and_has_an_icon(
    page: Page, base_url: str, live_app: FastAPI
) -> None:
    # given the owner, every HTTP answer the browser gets is recorded (a 404 is an
    # answer, not a failed request, so the page fixture alone would not see it)
    seed(live_app)
    answers: list[Response] = []
    page.on("response", lambda answer: answers.append(answer))

    # when they log in and the Overview has loaded
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    page.wait_for_load_state("networkidle")

    # then no request of the page was answered with an error, and the icon it links
    # and the /favicon.ico browsers ask for regardless are both served
    assert [f"{a.status} {a.url}" for a in answers if a.status >= 400] == []
    icon = page.locator('head link[rel="icon"]').get_attribute("href", timeout=1000)
    assert icon == "/static/favicon.svg"
    linked = page.request.get(icon)
    assert (linked.status, linked.headers["content-type"]) == (200, "image/svg+xml")
    default = page.request.get("/favicon.ico")
    assert (default.status, default.url) == (200, f"{base_url}/static/favicon.svg")


def test_every_navigation_entry_is_a_link_to_a_page_that_opens(
    page: Page, base_url: str, live_app: FastAPI
) -> None:
    # given the owner on the Overview
    seed(live_app)
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    nav = page.get_by_role("navigation", name="Main")

    # then the navigation holds only links (no greyed-out entries without a page)
    expect(nav.locator(":scope > *")).to_have_count(nav.get_by_role("link").count())
    entries = nav.get_by_role("link").all_inner_texts()
    assert entries == [label for _path, label in NAVIGATION]
    assert entries[:6] == [
        "Overview", "Imports", "Data quality", "Forecasts", "Restock",
        "Margins & Markets",
    ]  # fmt: skip

    # and each opens its page, marked as the current one
    for name in entries:
        nav.get_by_role("link", name=name, exact=True).click()
        current = nav.locator('[aria-current="page"]')
        expect(current).to_have_text(name)
        page.wait_for_load_state("load")
