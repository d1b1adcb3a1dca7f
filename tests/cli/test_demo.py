"""``tradepilot demo``: a workspace built from the simulator, imported and forecast."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.app.test_web import csrf
from tests.simstore import SIM
from typer.testing import CliRunner

from tradepilot.app import create_app
from tradepilot.cli.main import app
from tradepilot.config import Settings
from tradepilot.demo import build_demo
from tradepilot.domain.errors import WorkspaceError
from tradepilot.logistics.config import load_trade_config


def test_demo_imports_every_export_and_forecasts(tmp_path: Path):
    home = tmp_path / "demo"

    result = build_demo(home, config=SIM)

    assert [r.format for r in result.imports] == [
        "fx", "products", "shopify", "customers", "amazon", "purchase-orders",
        "inventory", "shopify-payments", "paypal", "amazon-settlement", "bank",
    ]  # fmt: skip
    assert all(r.accepted > 0 for r in result.imports)
    assert result.status["orders"] > 0
    assert result.forecast["series"] > 0
    assert result.forecast["stockouts"]["censored_periods"] > 0
    assert result.backtest["series"] > 0
    assert result.backtest["rmsse"] > 0
    assert set(result.backtest["baselines"]) >= {"Naive", "MovingAverage8"}
    assert result.margins["cells"] > 0
    assert result.margins["currency"] == "EUR"
    assert result.customers["segments"]  # saved: the Customers page opens at once
    assert len(result.payments["discrepancies"]) == 6  # the injected ones
    assert result.support["added"] == 400
    accuracy = support_accuracy(home)  # against the simulator's truth
    assert accuracy["language"] >= 0.95
    assert accuracy["order"] >= 0.95
    # the monitors ran on the injected risk events; the brief ranks their alerts
    truth = json.loads((home / "demo-data" / "truth" / "risk_events.json").read_text())
    injected = {(e["kind"], e["subject"]) for e in truth["events"]}
    top = [(a["kind"], a["subject"]) for a in result.brief["alerts"]]
    assert result.monitors["alerts_open"] == result.brief["alerts_open"] > 0
    assert injected & set(top), (injected, top)
    assert result.brief["text"].startswith("TradePilot brief for ")
    login = (home / "demo-login.txt").read_text()
    assert result.owner_password in login
    assert len(result.owner_password) == 16
    page = forecasts_page(home, result.owner_email, result.owner_password)
    assert 'id="accuracy"' in page
    assert "No backtest yet" not in page


def support_accuracy(home: Path) -> dict[str, float]:
    """Share of the demo's support messages whose language and linked order match
    the simulator's truth (demo-data/truth/support_messages.csv)."""
    import csv

    import sqlalchemy as sa

    from tradepilot.store.engine import create_engine
    from tradepilot.store.tables_service import support_messages as m

    path = home / "demo-data" / "truth" / "support_messages.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        truth = {row["message_id"]: row for row in csv.DictReader(handle)}
    engine = create_engine(Settings(home=home, database_url=None))
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(m.c.message_key, m.c.language, m.c.order_number)
        ).all()
    engine.dispose()
    language = sum(r.language == truth[r.message_key]["language"] for r in rows)
    order = sum((r.order_number or "") == truth[r.message_key]["order"] for r in rows)
    return {"language": language / len(rows), "order": order / len(rows)}


def forecasts_page(home: Path, email: str, password: str) -> str:
    """The demo's Forecasts page, as its owner sees it."""
    app = create_app(Settings(home=home, database_url=None))
    try:
        client = TestClient(app)
        token = csrf(client.get("/login").text)
        client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )
        return client.get("/forecasts").text
    finally:
        app.state.tradepilot.engine.dispose()


def test_demo_refuses_a_directory_that_is_not_a_demo(tmp_path: Path):
    (tmp_path / "precious.csv").write_text("a,b\n")

    with pytest.raises(WorkspaceError, match="not a demo workspace"):
        build_demo(tmp_path, config=SIM)
    assert (tmp_path / "precious.csv").exists()


def test_demo_command_reports_json_without_serving(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("tradepilot.demo.SimulationConfig", lambda: SIM)

    result = CliRunner().invoke(
        app, ["demo", "--no-serve", "-w", str(tmp_path / "d"), "--json"]
    )

    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["forecast"]["series"] > 0
    assert out["backtest"]["series"] > 0
    assert out["status"]["orders"] > 0
    assert out["margins"]["cells"] > 0


def test_the_demo_states_its_origin_and_cost_share(tmp_path: Path):
    home = tmp_path / "demo"

    build_demo(home, config=SIM, forecast=False)

    config = load_trade_config(home)
    assert (config.origin, config.default_cost_share) == ("DE", 0.4)
    assert config.unchosen() == ()
