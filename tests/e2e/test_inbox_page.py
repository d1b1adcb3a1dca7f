"""The Inbox page in a real browser: triage a message, edit and approve its draft,
send it and see it arrive at a local SMTP server (aiosmtpd)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect
from tests.e2e.test_dashboard import arrive, log_in, seed
from tests.service.conftest import EXAMPLES, local_smtp, make_eml, write_service_toml

from tradepilot.ingest.service import import_file
from tradepilot.service.service import import_messages


@pytest.fixture
def text_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed stand-in for tradepilot.text.service (the page is under test)."""
    fake = types.ModuleType("tradepilot.text.service")
    fake.detect_languages = lambda texts: [("de", 0.97) for _ in texts]  # type: ignore[attr-defined]
    fake.classify_intents = lambda texts, home=None, name=None: [  # type: ignore[attr-defined]
        ("track_order", 0.93) for _ in texts
    ]
    fake.sentiment = lambda texts: [("negative", 0.8) for _ in texts]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tradepilot.text.service", fake)


def test_triage_edit_approve_and_send_a_reply(
    page: Page,
    base_url: str,
    live_app: FastAPI,
    tmp_path: Path,
    text_models: None,
    screenshots: Path,
) -> None:
    # given a shop with orders and two support messages, one angrier than the other
    seed(live_app)
    state = live_app.state.tradepilot
    home = state.settings.home
    import_file(
        state.engine,
        fmt="generic",
        path=EXAMPLES / "orders.example.csv",
        mapping=EXAMPLES / "mapping.example.yaml",
    )
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "calm.eml").write_bytes(
        make_eml(message_id="<calm@x>", subject="Rechnung", body="Rechnung bitte.")
    )
    (folder / "angry.eml").write_bytes(
        make_eml(
            message_id="<angry@x>",
            subject="Wo ist meine Bestellung?",
            body="Wo ist K-2024-0004?? Sonst Rückbuchung!",
        )
    )
    import_messages(state.engine, home=home, path=folder)

    with local_smtp() as (port, received):
        write_service_toml(home, smtp_port=port)

        # when the owner opens the Inbox, the angry message is first
        page.goto("/login")
        log_in(page)
        arrive(page, f"{base_url}/", timeout=60_000)
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Inbox"
        ).click()
        arrive(page, f"{base_url}/inbox", timeout=60_000)
        first = page.locator("#inbox-queue tbody tr").first
        expect(first).to_contain_text("Wo ist meine Bestellung?")
        expect(first).to_contain_text("chargeback threat")

        # and its triage shows the language, intent and the linked order
        first.locator(".message-link").click()
        expect(page.locator("#message-triage")).to_contain_text("track_order")
        expect(page.locator("#message-order")).to_have_text("K-2024-0004")

        # and a German draft is written from the template with the facts used
        page.locator("#draft-reply").click()
        body = page.locator("#draft-body")
        expect(body).to_contain_text("vielen Dank für Ihre Nachricht zur Bestellung")
        expect(page.locator("#draft-facts")).to_contain_text("K-2024-0004")

        # when the owner corrects the intent, the draft is written again for it
        page.locator("#intent-input").fill("complaint")
        page.locator("#correct-intent-button").click()
        expect(page.locator("#inbox-done")).to_contain_text("Intent corrected")
        expect(page.locator("#message-intent")).to_have_text("complaint")
        expect(page.locator("#draft-source")).to_contain_text("complaint")

        # when the owner edits and approves it, then sends it
        body.fill("Hallo Anna,\n\nIhr Paket ist unterwegs.\n\nViele Grüße")
        page.locator("#approve-reply").click()
        expect(page.locator("#inbox-done")).to_have_text("Reply approved.")
        page.locator("#send-reply").click()
        expect(page.locator("#inbox-done")).to_have_text("Reply sent.")
        page.screenshot(path=screenshots / "inbox.png", full_page=True)

    # then the edited reply arrived at the SMTP server, addressed to the customer
    assert len(received.mails) == 1
    assert received.mails[0]["to"] == ["anna.schmidt@example.com"]
    assert "Ihr Paket ist unterwegs." in received.mails[0]["data"]
