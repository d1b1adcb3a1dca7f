"""The Imports page in a real browser: refused uploads say why, a generic file is
mapped by picking its columns, and an import run is undone."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from playwright.sync_api import Page, expect
from tests.e2e.conftest import BrowserProblems
from tests.e2e.test_dashboard import arrive, log_in, seed

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"
GENERIC = FIXTURES / "generic_orders.csv"
MAPPING = FIXTURES / "generic_mapping.yaml"
IMPORT_MS = 30_000


def open_imports(page: Page, base_url: str, app: FastAPI) -> None:
    seed(app)
    page.goto("/login")
    log_in(page)
    arrive(page, f"{base_url}/")
    page.goto("/imports")
    arrive(page, f"{base_url}/imports")


def test_a_refused_upload_says_why_on_the_page(
    page: Page,
    base_url: str,
    live_app: FastAPI,
    tmp_path: Path,
    browser_problems: BrowserProblems,
) -> None:
    # given a picture chosen as a Shopify export
    open_imports(page, base_url, live_app)
    picture = tmp_path / "logo.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    page.locator("#format").select_option("shopify")
    page.locator("#file").set_input_files(picture)

    # when it is uploaded, the server refuses it (415) and the page says why
    with browser_problems.expected_console_error("status of 415"):
        page.locator("#upload-form").get_by_role("button", name="Import").click()
        alert = page.locator("#job [role=alert]")
        expect(alert).to_have_text(
            "logo.png was not imported. expected a .csv, .tsv, .txt, .xlsx, .gz"
            " file, got 'logo.png'"
        )

    # and a generic file without a mapping is refused in plain words too
    page.locator("#format").select_option("generic")
    page.locator("#file").set_input_files(GENERIC)
    with browser_problems.expected_console_error("status of 422"):
        page.locator("#upload-form").get_by_role("button", name="Import").click()
        expect(page.locator("#job [role=alert]")).to_contain_text(
            "generic_orders.csv was not imported. no mapping: upload a YAML mapping,"
            " or read the file's columns"
        )


def test_generic_file_mapped_by_picking_columns_then_undone(
    page: Page, base_url: str, live_app: FastAPI, screenshots: Path
) -> None:
    # given the Imports page; the mapping fields show only for generic files
    open_imports(page, base_url, live_app)
    expect(page.locator("#mapping-fields")).to_be_hidden()
    page.locator("#format").select_option("inventory")
    expect(page.locator("#source-field")).to_be_hidden()
    page.locator("#format").select_option("generic")
    expect(page.locator("#mapping-fields")).to_be_visible()
    expect(page.locator("#source-field")).to_be_visible()

    # when the file's columns are read, its first rows show with a guess per field
    page.get_by_role("button", name="Read the file's columns").click()
    expect(page.locator("#mapping-builder [role=alert]")).to_have_text(
        "Choose the file first, then read its columns."
    )
    page.locator("#file").set_input_files(GENERIC)
    page.get_by_role("button", name="Read the file's columns").click()
    expect(page.locator("#preview-table tbody tr")).to_have_count(5)
    expect(page.locator("#map-order_number")).to_have_value("order_id")
    expect(page.locator("#map-unit_price")).to_have_value("price")
    page.locator("#mapping-form summary").click()
    page.locator("#map-date-format").fill("%Y-%m-%d %H:%M")
    page.locator("#source").fill("legacy-web")
    page.screenshot(path=screenshots / "imports-mapping.png", full_page=True)

    # and the file is imported with the mapping picked on the page
    page.locator("#upload-form").get_by_role("button", name="Import").click()
    expect(page.locator("#import-report")).to_be_visible(timeout=IMPORT_MS)
    expect(page.locator("#report-rows-read")).to_have_text("10")
    # W-4 (month 13) and W-5 (1,250.00 without decimal comma) are quarantined
    expect(page.locator("#report-accepted")).to_have_text("8")
    run = page.locator("#runs-table tbody tr").first
    expect(run.locator("td").nth(1)).to_have_text("generic_orders.csv")

    # then undoing the run (after confirming) removes it and says what went
    page.once("dialog", lambda dialog: dialog.accept())
    run.get_by_role("button", name="Undo").click()
    expect(page.locator("#undo-result")).to_contain_text(
        "Undid import run 1 (generic_orders.csv)."
    )
    expect(page.locator("#runs-table tbody tr")).to_have_count(2)
    expect(page.locator("#run-1")).to_contain_text("undone")
    expect(page.locator("#run-1 button")).to_have_count(0)
    expect(page.locator("#quarantine-empty")).to_be_visible()
