"""/api/v1/payments, /api/v1/fx/exposure and the Money page (SQLite and
PostgreSQL), on the small simulated store with its payment files."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
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
    assert ('id="money-ledger"' in page.text) == any(
        getattr(r, "path", "") == "/money/ledger" for r in app.routes
    )


def test_money_page_without_payment_data_says_what_to_import(app, token):
    browser = TestClient(app)
    login(browser)
    page = browser.get("/money")

    assert page.status_code == 200
    assert 'id="cash-empty"' in page.text
    assert "amazon-settlement" in page.text
    assert "no payment data yet" in page.text
