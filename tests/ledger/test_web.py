"""The ledger's REST API and the /money/ledger fragment on the simulated store."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.app.conftest import OWNER, PASSWORD
from tests.app.test_web import login

from tradepilot.app import create_app
from tradepilot.auth.service import create_owner, create_token
from tradepilot.config import Settings
from tradepilot.ledger.service import anchor_ledger, close_period


def app_for(home):
    return create_app(Settings(home=home, database_url=None))


def test_the_api_builds_reports_and_verifies(sim):
    engine, home = sim
    token = create_token(engine, name="ledger")
    app = app_for(home)
    client = TestClient(app, headers={"Authorization": f"Bearer {token}"})

    built = client.post("/api/v1/ledger/build").json()
    verified = client.get("/api/v1/ledger/verify").json()
    tb = client.get("/api/v1/ledger/trial-balance").json()
    pnl = client.get("/api/v1/ledger/pnl", params={"by": "country"}).json()
    status = client.get("/api/v1/status").json()
    oss = client.get("/api/v1/vat/return", params={"scheme": "oss", "period": "2024Q4"})

    assert built["entries"] > 0
    assert verified["ok"] is True
    assert verified["entries"] == built["entries"]
    assert tb["difference"] == 0.0
    assert pnl["sales_incl_vat_base"] == status["revenue_base"]
    assert oss.status_code == 200
    assert oss.json()["member_states"]
    assert client.get("/api/v1/ledger/proof/1").status_code == 404  # not closed
    assert client.get("/api/v1/ledger/pnl", params={"by": "year"}).status_code == 422
    app.state.tradepilot.engine.dispose()


def test_the_money_fragment_shows_pnl_vat_chain_and_anchor(sim):
    engine, home = sim
    create_owner(engine, email=OWNER, password=PASSWORD)
    app = app_for(home)
    client = TestClient(app)
    login(client)
    from tradepilot.ledger.service import build_ledger

    build_ledger(engine, home=home)
    close_period(engine, "2024-01")
    anchor_ledger(engine)

    page = client.get("/money/ledger", headers={"HX-Request": "true"})
    whole = client.get("/money/ledger")

    assert page.status_code == 200
    assert "<html" not in page.text
    assert "<html" in whole.text
    assert "plotly" in whole.text
    html = page.text
    assert 'id="chart-ledger-month"' in html
    assert 'id="chart-ledger-country"' in html
    assert 'id="ledger-vat"' in html
    assert "OSS" in html
    assert "Hash chain intact" in html
    assert "Latest anchor" in html
    app.state.tradepilot.engine.dispose()


def test_the_fragment_says_when_the_ledger_is_empty(sim):
    engine, home = sim
    create_owner(engine, email=OWNER, password=PASSWORD)
    app = app_for(home)
    client = TestClient(app)
    login(client)

    html = client.get("/money/ledger").text

    assert "ledger build" in html
    app.state.tradepilot.engine.dispose()


def test_the_fragment_needs_a_login(sim):
    _engine, home = sim
    app = app_for(home)

    page = TestClient(app).get("/money/ledger", follow_redirects=False)

    assert page.status_code in (302, 303, 307, 401)
    app.state.tradepilot.engine.dispose()
