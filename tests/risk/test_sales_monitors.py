import datetime as dt

import numpy as np
import polars as pl
import pytest

from tradepilot.risk.config import RiskConfig
from tradepilot.risk.sales_monitors import demand_breaks, fx_moves, return_spikes

CONFIG = RiskConfig(min_money=50)
TODAY = dt.date(2025, 3, 2)  # a Sunday: the week of 24 Feb is complete


def _weekly(last_two: tuple[float, float], noise: bool = True) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    weeks = [TODAY - dt.timedelta(days=6) - dt.timedelta(weeks=i) for i in range(16)]
    weeks.reverse()
    units = [20.0 + (rng.integers(-2, 3) if noise else 0) for _ in range(14)]
    return pl.DataFrame(
        {"series": ["sku A"] * 16, "week": weeks, "units": [*units, *last_two]}
    )


def test_two_weeks_far_below_the_band_is_a_demand_break():
    alerts = demand_breaks(_weekly((4.0, 3.0)), {"sku A": 5.0}, today=TODAY,
                           config=CONFIG)  # fmt: skip

    assert [a.kind for a in alerts] == ["demand_break"]
    assert alerts[0].evidence["link"] == "/forecasts?sku=A"
    assert alerts[0].money_at_stake > 0


@pytest.mark.parametrize(
    ("last_two", "raised"),
    [((0.0, 0.0), []), ((45.0, 50.0), ["demand_break"])],
    ids=["fall-is-the-stockout", "rise-still-counts"],
)
def test_a_sku_out_of_stock_breaks_only_upwards(last_two, raised):
    alerts = demand_breaks(_weekly(last_two), {"sku A": 5.0}, today=TODAY,
                           config=CONFIG, out_of_stock=frozenset({"sku A"}))  # fmt: skip

    assert [a.kind for a in alerts] == raised


@pytest.mark.parametrize(
    "last_two", [(21.0, 19.0), (5.0, 20.0)], ids=["usual", "one-week"]
)
def test_usual_weeks_or_a_single_odd_week_are_not_a_break(last_two):
    alerts = demand_breaks(_weekly(last_two), {"sku A": 5.0}, today=TODAY,
                           config=CONFIG)  # fmt: skip
    assert alerts == []


def _sales(returned_recent: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    days = [TODAY - dt.timedelta(days=i) for i in range(300)]
    sold = pl.DataFrame({"sku": ["A"] * 300, "day": days, "units": [2.0] * 300})
    back_days = [TODAY - dt.timedelta(days=40 + 10 * i) for i in range(20)]
    back_days += [TODAY - dt.timedelta(days=i) for i in range(returned_recent)]
    back = pl.DataFrame(
        {
            "sku": ["A"] * len(back_days),
            "day": back_days,
            "units": [1.0] * len(back_days),
        }
    )
    return sold, back


def test_a_jump_in_returns_is_a_return_spike():
    sold, back = _sales(returned_recent=15)  # 15 of 56 units in 4 weeks

    alerts = return_spikes(sold, back, {"A": 10.0}, today=TODAY, config=CONFIG)

    assert [a.subject for a in alerts] == ["sku A"]
    assert alerts[0].evidence["units_returned_recent"] == 15


def test_the_usual_returns_are_not_a_spike():
    sold, back = _sales(returned_recent=1)
    assert return_spikes(sold, back, {"A": 10.0}, today=TODAY, config=CONFIG) == []


def _rates(now: float) -> pl.DataFrame:
    return pl.DataFrame(
        {"currency": ["USD", "USD"], "date": [TODAY - dt.timedelta(days=30), TODAY],
         "per_eur": [1.0, now]}
    )  # fmt: skip


def test_a_weaker_sales_currency_is_an_fx_move_worth_exposure_times_move():
    alerts = fx_moves(_rates(1.25), {"USD": 40_000.0}, base="EUR", today=TODAY,
                      config=CONFIG)  # fmt: skip

    assert [a.subject for a in alerts] == ["currency USD"]
    assert alerts[0].money_at_stake == pytest.approx(10_000 * 0.2)
    assert alerts[0].evidence["adverse"] is True


def test_a_small_fx_move_raises_nothing():
    alerts = fx_moves(_rates(1.01), {"USD": 40_000.0}, base="EUR", today=TODAY,
                      config=CONFIG)  # fmt: skip
    assert alerts == []
