"""The Restock page in a real browser: re-optimise under a budget, approve a line;
the plan readable (no wrapped SKUs or dates, every line shown) and downloadable."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from playwright.sync_api import Page, expect
from tests.e2e.test_dashboard import arrive, log_in, seed
from tests.simstore import import_store

from tradepilot.forecasting.service import ForecastSettings, forecast_demand
from tradepilot.replenishment.plan_store import latest_plan

# Line boxes of the text of each SKU, order-by and arrival cell of the plan (the
# 2nd, 6th and 7th columns): 1 everywhere when nothing wraps.
LINES_PER_CELL = """() => {
    const cells = document.querySelectorAll(
        "#plan-lines tbody td:nth-child(2), #plan-lines tbody td:nth-child(6),"
        + " #plan-lines tbody td:nth-child(7)");
    return Array.from(cells, (td) => {
        const range = document.createRange();
        range.selectNodeContents(td);
        return [td.textContent, range.getClientRects().length];
    });
}"""


def test_plan_reads_whole_downloads_and_approval_drafts_a_purchase_order(
    page: Page,
    base_url: str,
    live_app: FastAPI,
    sim_files: dict[str, Path],
    screenshots: Path,
) -> None:
    # given a workspace with a forecast and no plan yet
    seed(live_app)
    engine = live_app.state.tradepilot.engine
    import_store(engine, sim_files)
    forecast_demand(engine, ForecastSettings(horizon=12, n_jobs=1))

    # when the owner opens Restock and re-optimises without a budget limit
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Restock"
    ).click()
    arrive(page, f"{base_url}/restock")
    expect(page.get_by_text("No restock plan yet")).to_be_visible()
    page.get_by_role("button", name="Re-optimise").click()

    # then the plan shows lines with their reasons and the learned lead times
    lines = page.locator("#plan-lines tbody tr")
    expect(lines.first).to_contain_text("service", timeout=60_000)
    expect(page.locator("#leadtimes tbody tr").first).to_be_visible()
    page.screenshot(path=screenshots / "restock.png", full_page=True)

    # and every SKU and date stays on one line
    cells = page.evaluate(LINES_PER_CELL)
    assert len(cells) == 3 * lines.count()
    assert [text for text, n in cells if n != 1] == []

    # and every line shows, no scroll box, with a count and a named download
    box = page.locator("#plan-lines").locator("xpath=..")
    assert box.evaluate("(el) => getComputedStyle(el).maxHeight") == "none"
    assert box.evaluate("(el) => el.scrollHeight <= el.clientHeight")
    plan = latest_plan(engine)
    assert plan is not None
    expect(page.locator("#plan-count")).to_have_text(f"{len(plan['lines'])} lines")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download plan (CSV)").click()
    assert download.value.suggested_filename == (
        f"restock-plan-{plan['id']}-{plan['as_of']}.csv"
    )

    # and approving with nothing ticked says what to do, in the page's words
    page.get_by_role("button", name="Approve ticked lines").click()
    expect(page.get_by_role("alert")).to_have_text("Tick at least one line to approve.")

    # and approving the first line drafts a purchase order
    lines.first.get_by_role("checkbox").check()
    page.get_by_role("button", name="Approve ticked lines").click()
    expect(page.locator("#approve-message")).to_contain_text("draft TP-")
    expect(page.locator("#plan-lines tbody tr").first).to_contain_text("TP-")
