import datetime as dt

import pytest

from tradepilot.domain.errors import DataValidationError
from tradepilot.risk import alert_store
from tradepilot.risk.alert import make_alert
from tradepilot.risk.config import RiskConfig

TODAY = dt.date(2025, 3, 2)


def _alerts(money: float = 500.0):
    config = RiskConfig()
    return [
        make_alert(
            "stockout", "sku A", money, "runs out", {"link": "/restock"}, config
        ),
        make_alert("fx_move", "currency USD", 300.0, "moved", {"move": 0.04}, config),
    ]


def test_a_second_run_on_unchanged_data_changes_nothing(engine):
    with engine.begin() as conn:
        first = alert_store.save_run(conn, _alerts(), today=TODAY, currency="EUR")
        listed = alert_store.read_alerts(conn)
    with engine.begin() as conn:
        second = alert_store.save_run(conn, _alerts(), today=TODAY, currency="EUR")
        again = alert_store.read_alerts(conn)

    assert first == {"new": 2, "updated": 0, "closed": 0}
    assert second == {"new": 0, "updated": 0, "closed": 0}
    assert again == listed
    assert [a["subject"] for a in listed] == ["sku A", "currency USD"]  # by money


def test_a_changed_alert_is_updated_and_a_gone_one_closed(engine):
    with engine.begin() as conn:
        alert_store.save_run(conn, _alerts(), today=TODAY, currency="EUR")
    later = TODAY + dt.timedelta(days=7)
    with engine.begin() as conn:
        counts = alert_store.save_run(conn, _alerts(800.0)[:1], today=later,
                                      currency="EUR")  # fmt: skip
        listed = alert_store.read_alerts(conn)
        closed = alert_store.read_alerts(conn, status="closed")

    assert counts == {"new": 0, "updated": 1, "closed": 1}
    assert [(a["money_at_stake_base"], a["first_seen"], a["last_seen"])
            for a in listed] == [(800.0, "2025-03-02", "2025-03-09")]  # fmt: skip
    assert [a["subject"] for a in closed] == ["currency USD"]


def test_snoozed_and_done_alerts_keep_their_status_while_the_condition_lasts(engine):
    with engine.begin() as conn:
        alert_store.save_run(conn, _alerts(), today=TODAY, currency="EUR")
        ids = [a["id"] for a in alert_store.read_alerts(conn)]
        alert_store.set_status(conn, ids[0], "snoozed")
        alert_store.set_status(conn, ids[1], "done")
        counts = alert_store.save_run(conn, _alerts(), today=TODAY, currency="EUR")

        assert counts == {"new": 0, "updated": 0, "closed": 0}
        assert alert_store.read_alerts(conn) == []
        assert alert_store.count_open(conn) == 0


def test_triage_of_an_unknown_alert_names_it(engine):
    with (
        engine.begin() as conn,
        pytest.raises(DataValidationError, match="no alert 99"),
    ):
        alert_store.set_status(conn, 99, "done")
