"""Alerts a page at a time: ``list_alerts`` with ``limit``/``offset`` and
``page_alerts``, which sums up a kind with many alerts in one line."""

import datetime as dt

import pytest

from tradepilot.domain.errors import DataValidationError
from tradepilot.risk import alert_store
from tradepilot.risk.alert import make_alert
from tradepilot.risk.config import RiskConfig
from tradepilot.risk.service import list_alerts, page_alerts

TODAY = dt.date(2025, 3, 2)


def _raise(engine, n_overstock: int = 5) -> None:
    """``n_overstock`` overstock alerts of 1,000, 1,010, ... and two others."""
    config = RiskConfig()
    alerts = [
        make_alert("overstock", f"sku S{i:02d}", 1000.0 + 10 * i, "cover", {}, config)
        for i in range(n_overstock)
    ]
    alerts += [
        make_alert("stockout", "sku A", 5000.0, "runs out", {}, config),
        make_alert("fx_move", "currency USD", 300.0, "moved", {}, config),
    ]
    with engine.begin() as conn:
        alert_store.save_run(conn, alerts, today=TODAY, currency="EUR")


def test_limit_and_offset_page_the_full_list(engine):
    # given seven open alerts
    _raise(engine)

    # when they are read whole and two at a time from the third
    whole = list_alerts(engine)
    part = list_alerts(engine, limit=2, offset=2)

    # then the part is the same slice of the same order, under the same key
    assert list(part) == ["alerts"]
    assert part["alerts"] == whole["alerts"][2:4]
    assert len(whole["alerts"]) == 7


@pytest.mark.parametrize(
    ("limit", "offset", "message"),
    [
        pytest.param(0, 0, "limit must be at least 1; got 0", id="limit-0"),
        pytest.param(None, -1, "offset must be at least 0; got -1", id="offset-neg"),
    ],
)
def test_a_bad_limit_or_offset_is_refused(engine, limit, offset, message):
    with pytest.raises(DataValidationError, match=message):
        list_alerts(engine, limit=limit, offset=offset)


def test_a_kind_with_many_alerts_is_one_line_and_the_others_are_listed(engine):
    # given five overstock alerts and two of other kinds
    _raise(engine)

    # when the page groups kinds with more than three alerts
    found = page_alerts(engine, per_page=50, group_from=3)

    # then overstock is summed up: count, money, largest
    assert found["grouped"] == [
        {"kind": "overstock", "currency": "EUR", "count": 5, "money": 5100.0,
         "largest": 1040.0},
    ]  # fmt: skip
    # and only the other kinds are listed, largest first
    assert [a["subject"] for a in found["alerts"]] == ["sku A", "currency USD"]
    assert (found["total"], found["pages"]) == (2, 1)
    # and every open kind is counted, the kind of the largest alert first
    assert [(r["kind"], r["count"]) for r in found["by_kind"]] == [
        ("stockout", 1), ("overstock", 5), ("fx_move", 1),
    ]  # fmt: skip


def test_one_kind_is_listed_page_by_page(engine):
    # given five overstock alerts
    _raise(engine)

    # when the overstock alerts are asked two a page, page 3 and page 9
    third = page_alerts(engine, kind="overstock", page=3, per_page=2, group_from=3)
    beyond = page_alerts(engine, kind="overstock", page=9, per_page=2, group_from=3)

    # then the kind is listed (not grouped) and the last page holds the smallest
    assert third["grouped"] == []
    assert [a["subject"] for a in third["alerts"]] == ["sku S00"]
    assert (third["total"], third["page"], third["pages"]) == (5, 3, 3)
    # and a page past the end is the last one
    assert beyond["page"] == 3
    assert beyond["alerts"] == third["alerts"]


def test_without_grouping_every_alert_is_listed(engine):
    _raise(engine)

    found = page_alerts(engine, per_page=4, group_from=None)

    assert found["grouped"] == []
    assert (found["total"], found["pages"]) == (7, 2)
    assert found["alerts"] == list_alerts(engine, limit=4)["alerts"]
