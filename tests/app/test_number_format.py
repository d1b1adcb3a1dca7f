"""Pages write numbers with the one formatter: separators, whole units, no -0.00,
money to its currency's minor unit."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from tests.app.conftest import HEADER
from tests.app.test_web import login

from tradepilot.app.web.pages import templates
from tradepilot.app.web.restock import SIMULATION_WORDS
from tradepilot.ingest.service import import_file
from tradepilot.workspace import set_setting

SIMULATION = {
    "days": 365,
    "demand_source": "history",
    "policies": {
        "tradepilot": {
            "fill_rate": 0.9712,
            "stockout_days": 41,
            "lost_units": 3738.0,
            "avg_inventory_value": 15234.5,
            "total_cost": -0.001,
        }
    },
}


def render(template: str, **context) -> str:
    return templates().get_template(template).render(**context)


def test_simulation_table_writes_lost_units_whole_and_no_negative_zero():
    html = render(
        "partials/simulation_table.html", simulation=SIMULATION, **SIMULATION_WORDS
    )

    cells = [c.split("</td>")[0] for c in html.split('<td class="num">')[1:]]
    # a report from before the protocol has no orders and no cost ratio: "–"
    assert cells == ["97.1%", "41", "3,738", "15,234.50", "–", "0.00", "–"]


def test_margin_table_writes_yearly_units_as_whole_units():
    row = {"sku": "TP-0001", "country": "FR", "yearly_units": 17574.3,
           "unit_price": 24.9, "price_currency": "EUR", "landed_cost": 11.0,
           "margin": 13.9, "margin_rate": 0.558, "yearly_margin": 244283.0,
           "suggested_price": None, "vat_by": "seller"}  # fmt: skip

    html = render(
        "partials/margin_table.html",
        matching=1,
        best=[row],
        worst=[],
        unranked=[],
        unranked_count=0,
        min_units=12,
        target_margin=0.3,
        currency="EUR",
        filter_country="",
        filter_sku="",
    )

    assert '<td class="num">17,574</td>' in html
    assert '<td class="num">244,283.00</td>' in html


def test_overview_writes_money_to_the_minor_unit_of_the_base_currency(
    app, token, tmp_path: Path
):
    orders = tmp_path / "yen.csv"
    orders.write_text(
        f"{HEADER}\n1,A,x,5017,2010-12-01 08:26:00,1000.4,1.0,Japan\n"
        "C2,A,x,-1,2010-12-02 08:26:00,1000.4,1.0,Japan\n"
    )
    engine = app.state.tradepilot.engine
    with engine.begin() as conn:
        set_setting(conn, "base_currency", "JPY")
    import_file(engine, fmt="online-retail", path=orders, currency="JPY")
    client = TestClient(app)
    login(client)

    html = client.get("/").text

    # 5017 x 1000.4 - 1000.4 = 5,018,006.4 yen: whole yen, no decimals
    assert '<span class="value">5,018,006</span>' in html
    assert '<span class="value">1</span>' in html  # one sale order
