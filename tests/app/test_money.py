"""/api/v1/payments, /api/v1/fx/exposure and the Money page (SQLite and
PostgreSQL), on the small simulated store with its payment files."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.routing import NoMatchFound
from tests.app.test_web import csrf, login
from tests.simstore import import_store

from tradepilot.demo import PAYMENT_IMPORTS
from tradepilot.ingest.service import import_file


@pytest.fixture
def paid(app, sim_files):
    engine = app.state.tradepilot.engine
    import_store(engine, sim_files)
    for key, fmt in PAYMENT_IMPORTS:
        import_file(engine, fmt=fmt, path=sim_files[key])
    return engine


def test_api_transactions_cash_reconciliation_and_exposure(app, client, paid):
    charges = client.get(
        "/api/v1/payments/transactions", params={"kind": "charge", "limit": 3}
    ).json()
    cash = client.get("/api/v1/payments/cash").json()
    result = client.get("/api/v1/payments/reconciliation").json()
    again = client.get(
        "/api/v1/payments/reconciliation", params={"refresh": True}
    ).json()
    exposure = client.get("/api/v1/fx/exposure").json()
    unauthorised = TestClient(app).get("/api/v1/payments/cash")

    assert charges["count"] > len(charges["data"]) == 3
    assert {t["kind"] for t in charges["data"]} == {"charge"}
    assert {b["holder"] for b in cash["balances"]} >= {"bank:bank", "paypal"}
    assert {d["kind"] for d in result["discrepancies"]} == {
        "amount_differs", "duplicate_charge", "fee_above_schedule",
        "refund_not_recorded", "payout_missing_from_bank", "payout_paid_twice",
    }  # fmt: skip
    assert again["discrepancies"] == result["discrepancies"]
    assert {r["currency"] for r in exposure["currencies"]} >= {"EUR", "USD", "GBP"}
    assert unauthorised.status_code == 401


def test_money_page_shows_cash_discrepancies_and_spreads(app, token, paid):
    browser = TestClient(app)
    login(browser)
    page = browser.get("/money")
    again = browser.post("/money/reconcile", headers={"X-CSRF-Token": csrf(page.text)})

    assert page.status_code == 200
    assert 'id="cash-table"' in page.text
    assert page.text.count("<tr>\n    <td>") == 6
    assert "provider balances are zero" in page.text
    assert "payout missing from bank" in page.text
    assert 'id="spread-table"' in page.text
    assert again.status_code == 200
    assert "duplicate charge" in again.text
    # the ledger's fragment is loaded only where the ledger provides it
    assert ('id="money-ledger"' in page.text) == _serves(app, "ledger_fragment")


def test_money_page_without_payment_data_says_what_to_import(app, token):
    browser = TestClient(app)
    login(browser)
    page = browser.get("/money")

    assert page.status_code == 200
    assert 'id="cash-empty"' in page.text
    assert "amazon-settlement" in page.text
    assert "no payment data yet" in page.text


def test_discrepancies_are_resolved_through_the_api_and_the_page(app, client, paid):
    # given the reconciliation's open discrepancies
    listed = client.get("/api/v1/payments/discrepancies").json()
    first, second = listed["data"][0], listed["data"][1]
    # when one is ignored through the API and another resolved on the page
    ignored = client.post(
        f"/api/v1/payments/discrepancies/{first['id']}",
        json={"status": "ignored", "note": "known, small"},
    )
    unknown = client.post("/api/v1/payments/discrepancies/nope", json={"note": "x"})
    browser = TestClient(app)
    login(browser)
    page = browser.get("/money")
    assert f'action="/money/discrepancies/{second["id"]}"' in page.text
    posted = browser.post(
        f"/money/discrepancies/{second['id']}",
        data={"csrf_token": csrf(page.text), "status": "resolved", "note": "refunded"},
        follow_redirects=False,
    )
    after = browser.get("/money")
    every = client.get("/api/v1/payments/discrepancies", params={"all": True}).json()
    # then both leave the open ones and are listed with their notes
    assert ignored.status_code == 200
    assert unknown.status_code == 422
    assert posted.status_code == 303
    assert (every["open"], every["closed"]) == (listed["open"] - 2, 2)
    assert {(d["id"], d["status"], d["note"]) for d in every["data"][-2:]} == {
        (first["id"], "ignored", "known, small"), (second["id"], "resolved", "refunded"),
    }  # fmt: skip
    assert 'id="closed-discrepancies"' in after.text
    assert "known, small" in after.text
    result = client.get("/api/v1/payments/reconciliation").json()
    assert len(result["discrepancies"]) == listed["open"] - 2


def _serves(app, name: str) -> bool:
    try:
        app.url_path_for(name)
    except NoMatchFound:
        return False
    return True


def test_the_books_fragment_lists_uncategorised_bank_lines(app, token, paid):
    browser = TestClient(app)
    login(browser)
    if not _serves(app, "books_fragment"):
        pytest.skip("the ledger is not installed")
    fragment = browser.get("/money/books")

    assert fragment.status_code == 200
    assert 'id="opening-empty"' in fragment.text
    assert 'id="uncategorised-table"' in fragment.text
    assert "Lagerhaus Nord GmbH" in fragment.text  # rent: no rules file yet
