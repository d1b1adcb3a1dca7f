"""One definition of orders, net revenue and average order value: ``status``, the
API's ``/kpis`` and the Overview page show the same figures for the same store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.app.conftest import OWNER, PASSWORD
from tests.app.test_web import login
from tests.simstore import import_store
from typer.testing import CliRunner

from tradepilot.app import create_app
from tradepilot.auth.service import create_owner, create_token
from tradepilot.cli.main import app as cli
from tradepilot.config import Settings
from tradepilot.reporting.service import compute_kpis
from tradepilot.store import tables
from tradepilot.workspace import init_workspace, workspace_status


def sale_orders(engine: sa.Engine) -> tuple[int, int]:
    """(distinct sale orders, (order, line kind) pairs of sale orders), counted
    straight from the tables."""
    o, lines = tables.orders, tables.order_lines
    with engine.connect() as conn:
        distinct = conn.execute(
            sa.select(sa.func.count()).where(o.c.kind == "sale")
        ).scalar_one()
        pairs = conn.execute(
            sa.select(sa.func.count()).select_from(
                sa.select(lines.c.order_id, lines.c.kind)
                .join(o, o.c.id == lines.c.order_id)
                .where(o.c.kind == "sale")
                .distinct()
                .subquery()
            )
        ).scalar_one()
    return int(distinct), int(pairs)


def page_figure(html: str, kpi: str) -> str:
    found = re.search(
        rf'id="kpi-{kpi}"><span class="label">[^<]*</span>'
        r'<span class="value">([^<]*)</span>',
        html,
    )
    assert found, f"no KPI card {kpi!r} on the page"
    return found.group(1)


@pytest.fixture(scope="module")
def home(tmp_path_factory, sim_files) -> Path:
    home = tmp_path_factory.mktemp("agree") / "ws"
    engine = init_workspace(Settings(home=home, database_url=None), base_currency="EUR")
    import_store(engine, sim_files)
    create_owner(engine, email=OWNER, password=PASSWORD)
    engine.dispose()
    return home


def test_status_api_and_overview_show_the_same_orders_revenue_and_aov(home: Path):
    result = CliRunner().invoke(cli, ["status", "-w", str(home), "--json"])
    assert result.exit_code == 0, result.stderr
    status = json.loads(result.stdout)
    application = create_app(Settings(home=home, database_url=None))
    engine = application.state.tradepilot.engine
    token = create_token(engine, name="agreement")
    api = TestClient(application, headers={"Authorization": f"Bearer {token}"})
    kpis = api.get("/api/v1/kpis").json()
    browser = TestClient(application)
    login(browser)
    html = browser.get("/").text
    distinct, pairs = sale_orders(engine)
    application.state.tradepilot.engine.dispose()
    totals = kpis["totals"]

    assert pairs > distinct  # the store has orders with product and shipping lines
    assert status["orders"] == totals["orders"] == distinct
    assert page_figure(html, "orders") == f"{distinct:,}"
    assert status["revenue_base"] == totals["revenue"]
    assert page_figure(html, "revenue") == f"{totals['revenue']:,.2f}"
    assert totals["average_order_value"] == round(totals["gross_sales"] / distinct, 2)
    assert page_figure(html, "aov") == f"{totals['average_order_value']:,.2f}"


def test_every_breakdown_counts_each_sale_order_once(engine, sim_files):
    import_store(engine, sim_files)

    report = compute_kpis(engine)
    status = workspace_status(engine)

    distinct, _ = sale_orders(engine)
    assert report.totals["orders"] == status["orders"] == distinct
    for dimension, rows in report.by.items():
        assert sum(r["orders"] for r in rows) == distinct, dimension
    assert report.totals["revenue"] == status["revenue_base"]
