"""The Margins & Markets page in a real browser: a margin waterfall, the market
map re-scored with new weights, and a rule change's impact."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from playwright.sync_api import Page, Route, expect
from tests.e2e.test_dashboard import arrive, log_in, seed
from tests.simstore import import_store


def test_waterfall_rescoring_and_rule_impact(
    page: Page,
    base_url: str,
    live_app: FastAPI,
    sim_files: dict[str, Path],
    screenshots: Path,
) -> None:
    # given a workspace with a year of sales
    seed(live_app)
    import_store(live_app.state.tradepilot.engine, sim_files)

    # when the owner opens Margins & Markets
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Margins & Markets"
    ).click()
    arrive(page, f"{base_url}/markets", timeout=120_000)

    # then margins are listed and the market map is drawn
    expect(page.locator("#margins-best tbody tr").first).to_be_visible()
    expect(page.locator("#chart-score-map .main-svg").first).to_be_visible(
        timeout=30_000
    )

    # and picking a SKU draws its waterfall
    page.locator("#margins-best tbody tr a").first.click()
    expect(page.locator("#waterfall-title")).to_contain_text("margin")
    expect(page.locator("#chart-waterfall .main-svg").first).to_be_visible()

    # and putting all weight on margin re-ranks the countries
    page.get_by_label("weight of demand").fill("0")
    page.get_by_label("weight of margin").fill("1")
    page.get_by_role("button", name="Re-score").click()
    expect(page.locator("#market-ranking tbody tr").first).to_be_visible()

    # and a rule change shows who loses how much
    page.locator("#impact-example").select_option("de_vat_21")
    page.get_by_role("button", name="Show impact").click()
    expect(page.locator("#impact-summary")).to_contain_text("a year", timeout=120_000)
    expect(page.locator("#impact-rows tbody tr").first).to_contain_text("DE")
    page.screenshot(path=screenshots / "markets.png", full_page=True)


def _boxes_overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_rescoring_shows_it_is_busy_and_keeps_the_chart_tidy(
    page: Page,
    base_url: str,
    live_app: FastAPI,
    sim_files: dict[str, Path],
    screenshots: Path,
) -> None:
    # given the Margins & Markets page of a workspace with a year of sales
    seed(live_app)
    import_store(live_app.state.tradepilot.engine, sim_files)
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    page.goto("/markets")
    arrive(page, f"{base_url}/markets", timeout=120_000)
    expect(page.locator("#chart-score-map .main-svg").first).to_be_visible(
        timeout=30_000
    )
    # and a re-score that the server holds until the test lets it go
    held: list[Route] = []
    page.route("**/markets/scores?**", lambda route: held.append(route))

    # when the owner re-scores
    page.get_by_label("weight of margin").fill("1")
    button = page.get_by_role("button", name="Re-score")
    button.click()

    # then, while the request is pending, the page says it is working
    expect(page.locator("#rescore-busy")).to_be_visible()
    expect(button).to_be_disabled()
    expect(page.locator("#market-scores")).to_have_attribute("aria-busy", "true")
    assert len(held) == 1
    held[0].continue_()
    expect(page.locator("#rescore-busy")).to_be_hidden(timeout=60_000)
    expect(button).to_be_enabled()
    expect(page.locator("#market-scores")).not_to_have_attribute("aria-busy", "true")

    # and the redrawn chart keeps Plotly's small toolbar buttons
    chart = page.locator("#chart-score-map")
    expect(chart.locator(".main-svg").first).to_be_visible(timeout=30_000)
    chart.hover()
    tool = chart.locator(".modebar-btn").first
    expect(tool).to_be_visible()
    size = tool.bounding_box()
    assert size is not None
    assert size["height"] <= 24
    assert size["width"] <= 30
    colour = tool.evaluate("b => getComputedStyle(b).backgroundColor")
    assert colour in ("rgba(0, 0, 0, 0)", "transparent")
    # and its colour bar stays clear of the ranking table below it
    bar = chart.locator(".colorbar").first.bounding_box()
    table = page.locator("#market-ranking").bounding_box()
    assert bar is not None
    assert table is not None
    assert not _boxes_overlap(bar, table)
    page.screenshot(path=screenshots / "markets-rescored.png", full_page=True)
