"""The daily brief over a real store (SQLite and PostgreSQL): the example till
export, alerts saved as the monitors save them, a forecast run, two briefs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.assistant.brief_service import build_brief, saved_brief, todays_brief
from tradepilot.domain.errors import DataValidationError
from tradepilot.ingest.service import import_file
from tradepilot.risk import alert_store
from tradepilot.risk.alert import make_alert
from tradepilot.risk.config import RiskConfig
from tradepilot.store import tables
from tradepilot.store.tables_assistant import assistant_briefs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SALES_DAY = dt.date(2024, 3, 6)  # the till's second day of sales


@pytest.fixture
def shop(engine: Engine) -> Engine:
    """The store with the example till export: sales on 5 and 6 March 2024 in DE, AT
    and CH, a cancellation on the 6th and a return on the 20th."""
    import_file(engine, fmt="generic", path=EXAMPLES / "orders.example.csv",
                mapping=EXAMPLES / "mapping.example.yaml")  # fmt: skip
    return engine


def _raise(engine: Engine, day: dt.date, *alerts: tuple[str, str, float]) -> None:
    """Save one monitors run of ``alerts`` (kind, subject, money)."""
    config = RiskConfig()
    made = [make_alert(kind, subject, money, f"{subject} needs a look.",
                       {"link": "/restock"}, config)
            for kind, subject, money in alerts]  # fmt: skip
    with engine.begin() as conn:
        alert_store.save_run(conn, made, today=day, currency="EUR")


def test_brief_reports_the_days_sales_and_says_what_is_missing(
    shop: Engine, tmp_path: Path
):
    brief = build_brief(shop, home=tmp_path, date=SALES_DAY)

    sales = brief["sales"]
    # 6 March: K-2024-0003 (DE, 3 teas, 25.00) and K-2024-0004 (CH, 10 sets, 1,249.50);
    # the cancellation of the same day is not a sale
    assert (sales["yesterday"]["orders"], sales["yesterday"]["revenue"]) == (2, 1274.5)
    assert sales["yesterday"]["units"] == 13
    # the week adds 5 March: K-2024-0001 (DE, 38.80 with postage), K-2024-0002 (AT)
    assert (sales["week"]["orders"], sales["week"]["revenue"]) == (4, 1350.8)
    assert [(c["country"], c["revenue"]) for c in sales["by_country"]] == [
        ("CH", 1249.5), ("DE", 63.8), ("AT", 37.5)
    ]  # fmt: skip
    assert [c["channel"] for c in sales["by_channel"]] == ["shop-berlin"]
    assert brief["alerts_open"] is None
    assert brief["cash"] == []
    assert brief["forecast"] is None
    assert any(n.startswith("no forecast yet") for n in brief["notes"])
    text = brief["text"]
    assert "Yesterday (Wed 6 Mar): 2 orders, 1,274.50 EUR, 13 units" in text
    assert "Alerts: monitors not run yet" in text
    assert "Since the last brief: this is the first brief." in text
    assert saved_brief(shop, date=SALES_DAY) == json.loads(json.dumps(brief)) | {
        "created_at": saved_brief(shop, date=SALES_DAY)["created_at"]
    }


def test_brief_defaults_to_the_newest_order_day(shop: Engine, tmp_path: Path):
    brief = build_brief(shop, home=tmp_path)

    assert brief["date"] == "2024-03-20"  # the return
    assert brief["sales"]["yesterday"]["orders"] == 0


def test_brief_of_a_morning_export_reports_the_day_before(
    engine: Engine, tmp_path: Path
):
    # exported at the start of a day: its night's orders are a partial day, and a
    # brief on them would read as a collapse against the forecast
    now = dt.datetime.now(dt.UTC)
    today, yesterday = now.date(), now.date() - dt.timedelta(days=1)
    late, early = f"{yesterday} 15:00", now.strftime("%Y-%m-%d %H:%M")
    source = tmp_path / "orders.csv"
    source.write_text(
        "order,at,sku,qty,total,country\n"
        f"A-1,{late},MUG,2,20.00,DE\nA-2,{late},MUG,1,10.00,DE\n"
        f"A-3,{early},MUG,1,10.00,DE\n"
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "source: shop\ncolumns:\n  order_number: order\n  ordered_at: at\n"
        "  sku: sku\n  quantity: qty\n  line_total: total\n  country: country\n"
        'date_format: "%Y-%m-%d %H:%M"\ncurrency: EUR\n'
    )
    import_file(engine, fmt="generic", path=source, mapping=mapping)

    brief = build_brief(engine, home=tmp_path)

    assert brief["date"] == yesterday.isoformat() != today.isoformat()
    assert brief["sales"]["yesterday"]["orders"] == 2


def test_second_brief_says_which_alerts_are_new_and_which_closed(
    shop: Engine, tmp_path: Path
):
    # given a first brief with two open alerts
    _raise(shop, SALES_DAY, ("stockout", "sku TP-MUG-01", 900.0),
           ("fx_move", "currency CHF", 300.0))  # fmt: skip
    first = build_brief(shop, home=tmp_path, date=SALES_DAY)
    assert [a["subject"] for a in first["alerts"]] == ["sku TP-MUG-01", "currency CHF"]

    # when the next run closes the FX alert and raises a larger one, and the next
    # day's brief is built
    _raise(shop, SALES_DAY + dt.timedelta(days=1), ("stockout", "sku TP-MUG-01", 900.0),
           ("return_spike", "sku TP-TEA-02", 2500.0))  # fmt: skip
    second = build_brief(shop, home=tmp_path, date=SALES_DAY + dt.timedelta(days=1))

    # then the alerts are ranked by money and the changes named
    assert [a["kind"] for a in second["alerts"]] == ["return_spike", "stockout"]
    assert (second["alerts_open"], second["alerts_money"]) == (2, 3400.0)
    changes = second["changes"]
    assert changes["previous_date"] == "2024-03-06"
    assert [a["subject"] for a in changes["new_alerts"]] == ["sku TP-TEA-02"]
    assert [a["subject"] for a in changes["closed_alerts"]] == ["currency CHF"]
    # week to the 7th lost nothing of the week to the 6th: same sales
    assert changes["week_revenue_change"] == 0.0
    assert (
        "1 new alerts (largest: return_spike sku TP-TEA-02, 2,500.00 EUR); 1 closed"
        in (second["text"])
    )


def test_sales_are_compared_with_the_latest_forecast_run(shop: Engine, tmp_path: Path):
    # given a weekly forecast for the week of Monday 4 March: 14 units in DE, 7 in CH
    with shop.begin() as conn:
        run = conn.execute(
            tables.forecast_runs.insert().values(
                kind="forecast", created_at=dt.datetime(2024, 3, 4, tzinfo=dt.UTC),
                freq="W", horizon=2, cutoff=None, params="{}", metrics="{}",
                seconds=1.0,
            )
        ).inserted_primary_key[0]  # fmt: skip
        conn.execute(tables.forecast_values.insert(), [
            {"run_id": run, "unique_id": f"{sku}|{c}", "sku": sku, "country": c,
             "period_start": dt.date(2024, 3, 4), "forecast": units, "model": "Naive"}
            for sku, c, units in [("TP-TEA-02", "DE", 10.0), ("TP-MUG-01", "DE", 4.0),
                                  ("TP-GIFT-01", "CH", 7.0)]
        ])  # fmt: skip

    brief = build_brief(shop, home=tmp_path, date=SALES_DAY)

    # then each day of that week expects 2 units in DE and 1 in CH
    assert brief["forecast"]["run_id"] == run
    assert brief["sales"]["yesterday"]["forecast_units"] == 3.0
    by_country = {c["country"]: c for c in brief["sales"]["by_country"]}
    # and the days of the week before the run's first period take its pace (a note
    # says so): 7 days in all
    assert by_country["CH"]["forecast_units"] == 7.0
    assert by_country["CH"]["vs_forecast"] == 0.429  # 10 sets sold
    assert by_country["DE"]["forecast_units"] == 14.0
    assert any("first period's daily pace" in n for n in brief["notes"])
    assert brief["sales"]["week"]["forecast_units"] == 21.0


def test_todays_brief_reads_the_saved_snapshot(shop: Engine, tmp_path: Path):
    build_brief(shop, home=tmp_path, date=SALES_DAY)
    _raise(shop, SALES_DAY, ("stockout", "sku TP-MUG-01", 900.0))

    shown = todays_brief(shop, home=tmp_path, date=SALES_DAY)

    assert shown["alerts_open"] is None  # the snapshot, not a new build
    assert shown["created_at"]
    with shop.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(assistant_briefs)
                            ).scalar_one() == 1  # fmt: skip


def test_brief_of_an_empty_workspace_says_to_import_first(
    engine: Engine, tmp_path: Path
):
    with pytest.raises(DataValidationError, match="no orders in the workspace yet"):
        build_brief(engine, home=tmp_path)
