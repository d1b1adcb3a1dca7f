"""The daily brief's wording and arithmetic (pure: figures in, text and HTML out)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tradepilot.assistant.brief import (
    changes_since,
    render_html,
    render_text,
    sales_summary,
    subject_line,
    top_alerts,
)

DAY = dt.date(2024, 3, 8)  # a Friday


def _row(days_back: int, country: str, channel: str, revenue: float, units: int,
         orders: int = 1) -> dict[str, Any]:  # fmt: skip
    return {"day": DAY - dt.timedelta(days=days_back), "country": country,
            "channel": channel, "orders": orders, "revenue": revenue, "units": units}  # fmt: skip


ROWS = [
    _row(0, "DE", "web", 100.0, 4, orders=2),
    _row(3, "FR", "amazon.fr", 50.5, 2),
    _row(6, "DE", "web", 10.0, 1),
    _row(7, "DE", "web", 80.0, 3),  # the week before
    _row(13, "FR", "web", 20.0, 1),
]


def _alert(
    i: int, money: float, kind: str = "stockout", **extra: Any
) -> dict[str, Any]:
    return {"id": i, "kind": kind, "severity": "high", "subject": f"sku TP-{i:04d}",
            "money_at_stake_base": money, "explanation": f"Alert {i}.",
            "evidence": {"link": "/restock"}, **extra}  # fmt: skip


def _brief(**changes: Any) -> dict[str, Any]:
    """A whole brief as build_brief makes it, from the figures above."""
    alerts = [_alert(1, 1250.0), _alert(2, 400.0, "fx_move")]
    brief: dict[str, Any] = {
        "date": DAY.isoformat(),
        "currency": "EUR",
        "sales": sales_summary(ROWS, {"DE": {DAY: 3.0}}, day=DAY, currency="EUR"),
        "forecast": None,
        "cash": [
            {"currency": "EUR", "amount": 1234.5, "holders": []},
            {"currency": "USD", "amount": 0.0, "holders": []},
        ],  # fmt: skip
        "alerts_open": 2,
        "alerts_money": 1650.0,
        "alerts": top_alerts(alerts),
        "open_alerts": [],
        "waiting": [
            {
                "id": 7,
                "kind": "restock",
                "title": "Reorder TP-0001",
                "money_base": 500.0,
                "created_at": "2024-03-08T06:00:00+00:00",
            }
        ],  # fmt: skip
        "changes": changes_since({}, None),
        "notes": ["no forecast yet"],
    }
    return brief | changes


def test_sales_summary_adds_up_the_day_the_week_and_the_week_before():
    summary = sales_summary(ROWS, None, day=DAY, currency="EUR")

    assert summary["yesterday"] == {
        "orders": 2, "revenue": 100.0, "units": 4, "forecast_units": None,
        "vs_forecast": None, "from": "2024-03-08", "to": "2024-03-08",
    }  # fmt: skip
    assert summary["week"]["revenue"] == 160.5
    assert (summary["week"]["from"], summary["week"]["to"]) == (
        "2024-03-02",
        "2024-03-08",
    )
    assert summary["previous_week"]["revenue"] == 100.0
    assert summary["week"]["vs_previous_week"] == 0.605
    assert [c["country"] for c in summary["by_country"]] == ["DE", "FR"]
    assert summary["by_country"][0]["revenue"] == 110.0
    assert [(c["channel"], c["orders"]) for c in summary["by_channel"]] == [
        ("web", 3), ("amazon.fr", 1)
    ]  # fmt: skip
    assert "forecast_units" not in summary["by_channel"][0]


def test_sales_are_compared_with_the_forecast_per_country():
    # given a forecast of 3 units a day in DE over the week, none for FR
    expected = {"DE": {DAY - dt.timedelta(days=d): 3.0 for d in range(14)}}

    summary = sales_summary(ROWS, expected, day=DAY, currency="EUR")

    de, fr = summary["by_country"]
    assert (de["units"], de["forecast_units"], de["vs_forecast"]) == (5, 21.0, -0.762)
    assert (fr["forecast_units"], fr["vs_forecast"]) == (0.0, None)
    assert summary["week"]["forecast_units"] == 21.0


def test_changes_name_new_and_closed_alerts_and_the_sales_change():
    before = {"date": "2024-03-07", "open_alerts": [_alert(1, 10.0), _alert(2, 20.0)],
              "sales": {"week": {"revenue": 200.0}, "yesterday": {"revenue": 0.0}}}  # fmt: skip
    now = {"open_alerts": [_alert(2, 20.0), _alert(3, 30.0)],
           "sales": {"week": {"revenue": 150.0}, "yesterday": {"revenue": 5.0}}}  # fmt: skip

    changes = changes_since(now, before)

    assert [a["id"] for a in changes["new_alerts"]] == [3]
    assert [a["id"] for a in changes["closed_alerts"]] == [1]
    assert changes["week_revenue_change"] == -0.25
    assert changes["yesterday_revenue_change"] is None  # nothing to compare with
    assert changes["previous_date"] == "2024-03-07"


def test_top_alerts_keeps_the_largest_money_first():
    alerts = [_alert(i, float(i * 10)) for i in range(1, 12)]

    top = top_alerts(alerts, n=8)

    assert [a["id"] for a in top] == [11, 10, 9, 8, 7, 6, 5, 4]
    assert top[0]["link"] == "/restock"


def test_text_fits_one_screen_with_formatted_numbers():
    text = render_text(_brief())

    lines = text.splitlines()
    assert lines[0] == "TradePilot brief for Fri 8 Mar 2024 (amounts in EUR)"
    assert (
        "  Yesterday (Fri 8 Mar): 2 orders, 100.00 EUR, 4 units (forecast 3, +33.3%)"
        in lines
    )
    assert "  EUR 1,234.50" in lines  # a currency with nothing held is left out
    assert "Alerts: 2 open, 1,650.00 EUR at stake" in lines
    assert "  1. 1,250.00 EUR  stockout sku TP-0001: Alert 1." in lines
    assert "  - #7 restock: Reorder TP-0001 (500.00 EUR)" in lines
    assert "Since the last brief: this is the first brief." in lines
    assert len(lines) <= 40


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"alerts_open": None, "alerts": []},
         "Alerts: monitors not run yet (tradepilot monitors run)"),
        ({"alerts_open": 0, "alerts": []}, "Alerts: none open"),
        ({"waiting": None}, "Waiting for approval: approvals not set up"),
        ({"waiting": []}, "Waiting for approval: nothing"),
        ({"cash": []}, "  no payment or bank data: see the notes"),
    ],
    ids=["monitors-not-run", "no-alerts", "no-approvals", "nothing-waiting", "no-cash"],
)  # fmt: skip
def test_absent_parts_are_said_plainly(changes: dict[str, Any], expected: str):
    assert expected in render_text(_brief(**changes)).splitlines()


def test_changes_line_names_the_largest_new_alert():
    changes = {"previous_date": "2024-03-07", "new_alerts": [_alert(4, 90.0)],
               "closed_alerts": [], "week_revenue_change": 0.04,
               "yesterday_revenue_change": None}  # fmt: skip

    text = render_text(_brief(changes=changes))

    assert (
        "Since the last brief (Thu 7 Mar): 1 new alerts (largest: stockout"
        " sku TP-0004, 90.00 EUR); 0 closed; last 7 days' sales +4.0%"
    ) in text


def test_html_escapes_every_value():
    brief = _brief()
    brief["alerts"][0]["explanation"] = "<script>alert(1)</script> & more"

    page = render_html(brief)

    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    assert page.startswith('<article class="brief" id="brief">')
    assert '<a href="/restock">evidence</a>' in page
    assert page.count("<tr class=") == 2


def test_subject_without_monitors_names_only_the_day():
    assert subject_line({"date": "2024-03-08", "alerts_open": None}) == (
        "TradePilot brief for Fri 8 Mar 2024"
    )
