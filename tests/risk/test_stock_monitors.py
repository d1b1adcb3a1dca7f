import polars as pl
import pytest

from tradepilot.risk.config import RiskConfig
from tradepilot.risk.stock_monitors import (
    concentrations,
    margin_erosions,
    overstocks,
    rule_changes,
    stockouts,
    supplier_delays,
)

CONFIG = RiskConfig(min_money=50)


def _positions(cover: float, rate: float = 2.0, on_hand: int = 20) -> pl.DataFrame:
    return pl.DataFrame(
        {"sku": ["A"], "on_hand": [on_hand], "position": [on_hand],
         "demand_per_day": [rate], "days_of_cover": [cover]}
    )  # fmt: skip


def test_a_stockout_before_a_new_order_can_arrive_raises_the_margin_lost():
    alerts = stockouts(_positions(10.0), {"A": 5.0}, {"A": 30.0}, config=CONFIG)

    assert [a.kind for a in alerts] == ["stockout"]
    assert alerts[0].money_at_stake == 200.0  # (30 - 10) days x 2 units x 5.00
    assert alerts[0].subject == "sku A"


@pytest.mark.parametrize(
    ("cover", "lead"), [(40.0, 30.0), (20.0, 15.0)], ids=["far", "reorder-in-time"]
)
def test_no_stockout_alert_when_cover_is_long_or_an_order_arrives_in_time(cover, lead):
    assert stockouts(_positions(cover), {"A": 5.0}, {"A": lead}, config=CONFIG) == []


def test_overstock_counts_the_cash_in_units_beyond_the_cover_threshold():
    positions = _positions(cover=400.0, rate=1.0, on_hand=300)

    alerts = overstocks(positions, {"A": 2.0}, config=CONFIG)

    assert alerts[0].money_at_stake == 2 * (300 - 26 * 7)  # 236.0


def test_no_overstock_within_the_cover_threshold():
    assert overstocks(_positions(50.0, 1.0, 50), {"A": 2.0}, config=CONFIG) == []


def _lead_times(recent: list[float]) -> pl.DataFrame:
    import datetime as dt

    history = [30.0, 31.0, 29.0, 30.0, 32.0, 28.0]
    days = history + recent
    return pl.DataFrame(
        {
            "supplier": ["S"] * len(days),
            "mode": ["sea"] * len(days),
            "ordered_date": [dt.date(2024, 1, 1) + dt.timedelta(weeks=i)
                             for i in range(len(days))],
            "lead_days": days,
            "observed_days": [None] * len(days),
        }
    )  # fmt: skip


def test_a_supplier_slowing_down_raises_the_shift_times_its_daily_margin():
    alerts = supplier_delays(_lead_times([45, 44, 47, 46]), {"S": 20.0}, config=CONFIG)

    assert [a.subject for a in alerts] == ["supplier S"]
    assert alerts[0].money_at_stake == pytest.approx((45.5 - 30.0) * 20.0)


def test_a_supplier_late_by_two_modes_is_one_alert_for_the_later_mode():
    sea = _lead_times([45, 44, 47, 46])
    air = _lead_times([40, 41, 39, 40]).with_columns(
        mode=pl.lit("air"), lead_days=pl.col("lead_days") - 20
    )  # air usually 10 days, now 20 (a shift of 10, less than sea's 15.5)

    alerts = supplier_delays(pl.concat([air, sea]), {"S": 20.0}, config=CONFIG)

    assert [a.subject for a in alerts] == ["supplier S"]
    assert alerts[0].evidence["mode"] == "sea"
    assert alerts[0].evidence["late_modes"] == ["air", "sea"]
    assert alerts[0].money_at_stake == pytest.approx((45.5 - 30.0) * 20.0)


def test_an_open_po_older_than_the_usual_lead_time_counts_at_its_age():
    # given the last POs still open, two of them already older than usual
    frame = _lead_times([40, 40, 40, 10]).with_columns(
        observed_days=pl.col("lead_days"),
        lead_days=pl.when(pl.int_range(pl.len()) >= 6).then(None)
        .otherwise(pl.col("lead_days")),
    )  # fmt: skip

    alerts = supplier_delays(frame, {"S": 20.0}, config=CONFIG)

    # then the young one (10 days) says nothing and the three others are late
    assert alerts[0].evidence["recent_pos"] == 3
    assert alerts[0].money_at_stake == pytest.approx((40.0 - 30.0) * 20.0)


def test_a_supplier_at_its_usual_pace_raises_nothing():
    assert (
        supplier_delays(_lead_times([30, 31, 29, 30]), {"S": 20.0}, config=CONFIG) == []
    )


def _margins(shares: dict[str, float]) -> pl.DataFrame:
    return pl.DataFrame(
        {"sku": list(shares), "country": ["DE"] * len(shares),
         "supplier": list(shares), "yearly_margin": list(shares.values())}
    )  # fmt: skip


def test_a_supplier_earning_most_of_the_margin_is_a_concentration():
    alerts = concentrations(_margins({"X": 800.0, "Y": 200.0}), by="supplier",
                            config=CONFIG)  # fmt: skip

    assert [(a.subject, a.money_at_stake) for a in alerts] == [("supplier X", 300.0)]


def test_spread_margin_is_not_a_concentration():
    margins = _margins({"X": 400.0, "Y": 300.0, "Z": 300.0})
    assert concentrations(margins, by="supplier", config=CONFIG) == []


def test_margin_below_target_raises_the_yearly_shortfall_and_above_does_not():
    margins = pl.DataFrame(
        {"sku": ["A", "B"], "country": ["FR", "FR"], "margin_rate": [0.05, 0.3],
         "net_revenue": [10.0, 10.0], "yearly_units": [100.0, 100.0]}
    )  # fmt: skip

    alerts = margin_erosions(margins, target=0.25, config=CONFIG)

    assert [a.subject for a in alerts] == ["sku A"]
    assert alerts[0].money_at_stake == 200.0  # (0.25 - 0.05) x 10 x 100


def test_margin_below_target_in_several_countries_is_one_alert_per_sku():
    # given A below target in FR and DE (and fine in IT), B below in DE only
    margins = pl.DataFrame(
        {"sku": ["A", "A", "A", "B"], "country": ["FR", "DE", "IT", "DE"],
         "margin_rate": [0.05, 0.1, 0.3, 0.0], "net_revenue": [10.0] * 4,
         "yearly_units": [100.0, 200.0, 100.0, 40.0]}
    )  # fmt: skip

    alerts = margin_erosions(margins, target=0.25, config=CONFIG)

    # then A's countries are summed, largest first: DE 300 + FR 200; B 100
    assert [(a.subject, a.money_at_stake) for a in alerts] == [
        ("sku A", 500.0), ("sku B", 100.0)
    ]  # fmt: skip
    countries = alerts[0].evidence["countries"]
    assert [(c["country"], c["yearly_margin_missing"]) for c in countries] == [
        ("DE", 300.0), ("FR", 200.0)
    ]  # fmt: skip
    assert "in 2 countries (DE 10%, FR 5%)" in alerts[0].explanation


def test_a_rule_change_that_cuts_margin_is_raised_per_country():
    now = pl.DataFrame({"sku": ["A", "B"], "country": ["GB", "US"],
                        "yearly_margin": [1000.0, 500.0]})  # fmt: skip
    later = now.with_columns(
        pl.when(pl.col("country") == "GB").then(600.0).otherwise(500.0)
        .alias("yearly_margin")
    )  # fmt: skip

    alerts = rule_changes(now, later, later_day="2025-05-01", config=CONFIG)

    assert [(a.subject, a.money_at_stake) for a in alerts] == [("country GB", 400.0)]
