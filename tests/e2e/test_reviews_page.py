"""The Reviews page in a real browser: the report of imported reviews, a SKU
filter, and one review analysed in place."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from playwright.sync_api import Page, expect
from tests.e2e.test_dashboard import arrive, log_in, seed

from tradepilot.reviews.service import import_reviews

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reviews.example.csv"


def test_report_filter_and_analysis(
    page: Page, base_url: str, live_app: FastAPI, screenshots: Path
) -> None:
    # given a workspace holding ten reviews in eight languages
    seed(live_app)
    state = live_app.state.tradepilot
    import_reviews(state.engine, path=EXAMPLE, home=state.settings.home)

    # when the owner opens Reviews from the navigation
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Reviews"
    ).click()
    arrive(page, f"{base_url}/reviews", timeout=60_000)

    # then the figures, the trend chart and the complaints with examples show
    expect(page.locator("#kpi-reviews .value")).to_have_text("10")
    expect(page.locator("#chart-review-trend .main-svg").first).to_be_visible(
        timeout=30_000
    )
    expect(page.locator("#review-complaints li").first).to_contain_text("quality")
    page.screenshot(path=str(screenshots / "reviews.png"), full_page=True)

    # and filtering on one SKU keeps its reviews only
    page.get_by_label("SKU").fill("wool-scarf")
    page.get_by_role("button", name="Show").click()
    arrive(page, f"{base_url}/reviews?sku=wool-scarf&country=", timeout=30_000)
    expect(page.locator("#kpi-reviews .value")).to_have_text("4")

    # and a review typed in French is analysed in place
    page.get_by_label("Review text (any language)").fill(
        "Trop petit et la couleur ne correspond pas à la photo. Très déçue."
    )
    page.get_by_role("button", name="Analyse").click()
    expect(page.locator("#analysis-language")).to_contain_text("fr", timeout=30_000)
    expect(page.locator("#analysis-sentiment")).to_have_text("negative")
    expect(page.locator("#analysis-aspects")).to_contain_text("size fit")
