"""The dashboard in a real browser: first run, login, import, charts, layout, headers."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from playwright.sync_api import Page, expect
from tests.e2e.conftest import DESKTOP, OWNER, PASSWORD, PHONE, BrowserProblems

from tradepilot.auth.service import create_owner
from tradepilot.ingest.service import import_file

ZERO_PRICE_REASON = (
    "zero price and no customer: a stock adjustment or write-off, not a sale"
)
IMPORT_SECONDS = 30
NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?%?$")


@dataclass(frozen=True)
class ExpectedImport:
    """What an Online Retail file should give, worked out from its rows alone."""

    rows: list[dict[str, str]]
    quarantined: list[tuple[int, dict[str, str]]]  # (spreadsheet row number, row)

    @property
    def accepted(self) -> int:
        return len(self.rows) - len(self.quarantined)

    @property
    def accepted_rows(self) -> list[dict[str, str]]:
        numbers = {n for n, _ in self.quarantined}
        return [r for n, r in enumerate(self.rows, 2) if n not in numbers]

    @property
    def countries(self) -> set[str]:
        return {r["Country"] for r in self.accepted_rows}

    @property
    def months(self) -> set[str]:
        return {r["InvoiceDate"][:7] for r in self.accepted_rows}


def expected_import(sample: Path) -> ExpectedImport:
    """Rows a seller would call non-sales: zero price, no customer, not a credit note."""
    with sample.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    quarantined = [
        (number, row)
        for number, row in enumerate(rows, 2)  # the header is spreadsheet row 1
        if float(row["UnitPrice"]) == 0
        and not row["CustomerID"].strip()
        and not row["InvoiceNo"].startswith("C")
    ]
    return ExpectedImport(rows=rows, quarantined=quarantined)


def arrive(page: Page, url: str, timeout: float = 5_000) -> None:
    """Wait for ``url`` and its page's scripts, styles and images.

    Leaving a page before it has loaded would abort its requests, which the
    ``page`` fixture rightly counts as failures.
    """
    expect(page).to_have_url(url, timeout=timeout)
    page.wait_for_load_state("load", timeout=timeout)


def log_in(page: Page, password: str = PASSWORD) -> None:
    """Submit the login form as the owner."""
    page.get_by_label("E-mail").fill(OWNER)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def assert_fits_the_window(page: Page) -> None:
    """No horizontal scrollbar: the page is no wider than the window."""
    scroll, window = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll <= window, f"{page.url} is {scroll} px wide in a {window} px window"


def seed(app: FastAPI, sample: Path | None = None) -> None:
    """Create the owner (and import ``sample``) without the browser."""
    engine = app.state.tradepilot.engine
    create_owner(engine, email=OWNER, password=PASSWORD)
    if sample is not None:
        import_file(engine, fmt="online-retail", path=sample)


def test_first_run_login_import_and_overview(
    page: Page,
    base_url: str,
    retail_sample: Path,
    screenshots: Path,
    browser_problems: BrowserProblems,
) -> None:
    # given a fresh workspace and the first 3,000 rows of the real file
    expected = expected_import(retail_sample)
    assert expected.quarantined, "the sample must hold a zero-price, no-customer row"

    # when the first visitor opens the dashboard, they are sent to the setup page
    page.goto("/")
    expect(page).to_have_url(f"{base_url}/setup")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to TradePilot")
    page.screenshot(path=screenshots / "setup.png", full_page=True)

    # and creating the owner lands on the empty Overview
    page.get_by_label("E-mail").fill(OWNER)
    page.get_by_label("Password (10 characters or more)").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create the owner account").click()
    arrive(page, f"{base_url}/")
    expect(page.locator(".card.empty h2")).to_have_text("No orders yet")

    # log out; a wrong password is refused with a message, the right one lets in
    page.locator("#logout").click()
    arrive(page, f"{base_url}/login")
    with browser_problems.expected_console_error("status of 401 (Unauthorized)"):
        log_in(page, password="not the password")
        expect(page.get_by_role("alert")).to_have_text("wrong e-mail or password")
        page.wait_for_load_state("load")
    log_in(page)
    arrive(page, f"{base_url}/")

    # import the sample on the Imports page
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Imports"
    ).click()
    arrive(page, f"{base_url}/imports")
    page.locator("#format").select_option("online-retail")
    page.locator("#file").set_input_files(retail_sample)
    page.locator("#upload-form").get_by_role("button", name="Import").click()
    report = page.locator("#import-report")
    expect(report).to_be_visible(timeout=IMPORT_SECONDS * 1000)

    expect(page.locator("#report-rows-read")).to_have_text(f"{len(expected.rows):,}")
    expect(page.locator("#report-accepted")).to_have_text(f"{expected.accepted:,}")
    expect(page.locator("#report-quarantined")).to_have_text(
        f"{len(expected.quarantined):,}"
    )
    expect(report.locator("li")).to_have_text(
        [f"{len(expected.quarantined):,} × {ZERO_PRICE_REASON}"]
    )

    # the finished report refreshes the runs table and the quarantine browser, which
    # shows each set-aside row with its reason and raw cells
    expect(page.locator("#runs tbody tr")).to_have_count(1)
    rows = page.locator("#quarantine-table .quarantine-row")
    expect(rows).to_have_count(len(expected.quarantined))
    number, raw = expected.quarantined[0]
    first = rows.first
    expect(first.locator("> td")).to_have_text(
        [retail_sample.name, str(number), ZERO_PRICE_REASON, re.compile(".*")]
    )
    expect(first.locator("dl.raw dt")).to_have_text(list(raw))
    expect(first.locator("dl.raw dd")).to_have_text([v or "∅" for v in raw.values()])
    page.screenshot(path=screenshots / "imports-report.png", full_page=True)

    # the Overview draws the month chart, the world map (topojson served locally),
    # the key figures and the country table
    with page.expect_response(re.compile(r"/static/vendor/world_110m\.json$")) as topo:
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Overview"
        ).click()
    assert topo.value.status == 200
    page.wait_for_load_state("load")
    expect(page.locator("#chart-month .main-svg").first).to_be_attached()
    # one bar per month for each trace (net revenue, returns)
    expect(page.locator("#chart-month .trace.bars .point")).to_have_count(
        2 * len(expected.months)
    )
    expect(page.locator("#chart-map .choroplethlocation")).to_have_count(
        len(expected.countries)
    )
    for kpi in ("revenue", "orders", "aov", "returns"):
        expect(page.locator(f"#kpi-{kpi} .value")).to_have_text(NUMBER)
    expect(page.locator("#country-table tbody tr")).to_have_count(
        len(expected.countries)
    )
    expect(
        page.locator("#country-table tbody tr").first.locator("td").first
    ).to_have_text("United Kingdom")
    page.screenshot(path=screenshots / "overview.png", full_page=True)

    # after logging out the dashboard and the API are closed
    page.locator("#logout").click()
    arrive(page, f"{base_url}/login")
    page.goto("/")
    expect(page).to_have_url(f"{base_url}/login")
    assert page.request.get("/api/v1/status").status == 401


def test_phone_layout_collapses_the_nav_and_never_scrolls_sideways(
    page: Page, base_url: str, live_app: FastAPI, retail_sample: Path, screenshots: Path
) -> None:
    # given an owner with imported orders, on a phone-sized screen
    seed(live_app, retail_sample)
    page.set_viewport_size(PHONE)
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    expect(page.locator("#chart-map .choroplethlocation").first).to_be_attached()

    # then the Overview fits the width and the nav hides behind the toggle
    nav = page.get_by_role("navigation", name="Main")
    toggle = page.locator("label.nav-button")
    expect(toggle).to_be_visible()
    expect(nav).to_be_hidden()
    assert_fits_the_window(page)
    page.screenshot(path=screenshots / "overview-phone.png", full_page=True)

    # and the toggle opens the nav, whose links work; Imports fits the width too
    toggle.click()
    expect(nav).to_be_visible()
    nav.get_by_role("link", name="Imports").click()
    arrive(page, f"{base_url}/imports")
    expect(nav).to_be_hidden()
    assert_fits_the_window(page)

    # and on a desktop screen the nav shows without a toggle
    page.set_viewport_size(DESKTOP)
    expect(toggle).to_be_hidden()
    expect(nav).to_be_visible()


def test_security_headers_and_logout_needs_the_csrf_token(
    page: Page, base_url: str, live_app: FastAPI
) -> None:
    # given an owner
    seed(live_app)

    # when the browser loads the login page, it gets the security headers
    response = page.goto("/login")
    assert response is not None
    headers = response.headers
    assert "script-src 'self';" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"

    # and a logged-in browser cannot be logged out by a post without the CSRF token
    log_in(page)
    arrive(page, f"{base_url}/")
    refused = page.request.post("/logout", max_redirects=0)
    assert refused.status == 403
    page.goto("/")
    expect(page).to_have_url(f"{base_url}/")
