"""/api/v1/alerts: optional ``limit``/``offset``; without them the whole list."""

import datetime as dt

import pytest

from tradepilot.risk import alert_store
from tradepilot.risk.alert import make_alert
from tradepilot.risk.config import RiskConfig


def _raise(app, n: int = 6) -> None:
    config = RiskConfig()
    alerts = [
        make_alert("overstock", f"sku S{i}", 1000.0 + i, "cover", {}, config)
        for i in range(n)
    ]
    with app.state.tradepilot.engine.begin() as conn:
        alert_store.save_run(conn, alerts, today=dt.date(2025, 3, 2), currency="EUR")


def test_alerts_are_paged_with_limit_and_offset(app, client):
    # given six open alerts
    _raise(app)

    # when they are asked whole and two from the fourth
    whole = client.get("/api/v1/alerts")
    part = client.get("/api/v1/alerts", params={"limit": 2, "offset": 3})

    # then the default is every alert and the part is its slice, same contract
    assert whole.status_code == 200
    assert [a["subject"] for a in whole.json()["alerts"]] == [
        f"sku S{i}" for i in range(5, -1, -1)
    ]
    assert part.json() == {"alerts": whole.json()["alerts"][3:5]}


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"limit": 0}, id="limit-0"),
        pytest.param({"offset": -1}, id="offset-neg"),
        pytest.param({"limit": "ten"}, id="limit-text"),
    ],
)
def test_bad_limit_or_offset_is_a_problem(app, client, params):
    _raise(app, n=1)

    response = client.get("/api/v1/alerts", params=params)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
