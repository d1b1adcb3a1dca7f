"""First-run setup asks where goods ship from and what they cost; the Settings page
edits trade.toml and purchasing.toml, explaining mistakes in words."""

from __future__ import annotations

import tomllib
from pathlib import Path

from fastapi import FastAPI
from playwright.sync_api import Page, expect
from tests.e2e.conftest import OWNER, PASSWORD, BrowserProblems
from tests.e2e.test_dashboard import arrive


def test_setup_choices_and_settings_forms(
    page: Page,
    base_url: str,
    live_app: FastAPI,
    screenshots: Path,
    browser_problems: BrowserProblems,
) -> None:
    home = live_app.state.tradepilot.settings.home

    # given the first-run setup page
    page.goto("/")
    arrive(page, f"{base_url}/setup")

    # when the owner says the goods ship from China and cost 35% of the price
    page.get_by_label("E-mail").fill(OWNER)
    page.get_by_label("Password (10 characters or more)").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("Country your goods ship from").select_option("CN")
    page.get_by_label("Product cost as % of the price").fill("35")
    page.screenshot(path=screenshots / "setup-choices.png", full_page=True)
    page.get_by_role("button", name="Create the owner account").click()
    arrive(page, f"{base_url}/")

    # then both are saved and the Settings page shows them as chosen
    trade = tomllib.loads((home / "trade.toml").read_text())
    assert trade == {"origin": "CN", "default_cost_share": 0.35}
    page.get_by_role("link", name="Settings").click()
    arrive(page, f"{base_url}/settings")
    form = page.locator("#trade-settings")
    expect(form.get_by_label("origin", exact=True)).to_have_value("CN")
    expect(form.get_by_label("default cost share", exact=True)).to_have_value("0.35")
    expect(form).not_to_contain_text("Not chosen yet")

    # when a mistake is saved, it is explained in words and nothing is written
    form.get_by_label("target margin", exact=True).fill("lots")
    with browser_problems.expected_console_error("status of 422"):
        form.get_by_role("button", name="Save trade.toml").click()
        form = page.locator("#trade-settings")
        expect(form.get_by_role("alert")).to_contain_text("trade.toml was not saved")
        page.wait_for_load_state("load")
    expect(form.get_by_role("alert")).to_contain_text(
        "target margin must be a number (found 'lots')"
    )
    expect(form.get_by_label("target margin", exact=True)).to_have_value("lots")
    assert "target_margin" not in tomllib.loads((home / "trade.toml").read_text())
    page.screenshot(path=screenshots / "settings-mistake.png", full_page=True)

    # and once corrected it is saved, the rest of the file kept
    form.get_by_label("target margin", exact=True).fill("0.3")
    form.get_by_role("button", name="Save trade.toml").click()
    arrive(page, f"{base_url}/settings?saved=trade#trade-settings")
    expect(page.locator("#trade-settings").get_by_role("status")).to_have_text(
        "Saved trade.toml."
    )
    trade = tomllib.loads((home / "trade.toml").read_text())
    assert (trade["origin"], trade["target_margin"]) == ("CN", 0.3)

    # and the purchasing form saves its own file
    purchasing = page.locator("#purchasing-settings")
    purchasing.get_by_label("service level", exact=True).fill("0.9")
    purchasing.get_by_role("button", name="Save purchasing.toml").click()
    arrive(page, f"{base_url}/settings?saved=purchasing#purchasing-settings")
    saved = tomllib.loads((home / "purchasing.toml").read_text())
    assert (saved["service_level"], saved["default_cost_share"]) == (0.9, 0.35)
