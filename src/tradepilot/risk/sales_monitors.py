"""Monitors over sales: demand breaks, return spikes and FX moves.

Each is a pure function from frames to a list of :class:`~tradepilot.risk.alert.Alert`;
the money-at-stake formulas are in ``docs/risk.md``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import polars as pl

from tradepilot.risk.alert import Alert, Raised, rounded
from tradepilot.risk.config import RiskConfig

Z95 = 1.959964  # two-sided 95% normal quantile
QUARTER_WEEKS = 13


def complete_weeks(weekly: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """Rows of weeks (``week`` = Monday) that ended on or before ``today``."""
    last_start = today - dt.timedelta(
        days=today.weekday() + (0 if today.weekday() == 6 else 7)
    )
    return weekly.filter(pl.col("week") <= last_start)


def demand_breaks(
    weekly: pl.DataFrame,
    unit_price: dict[str, float],
    *,
    today: dt.date,
    config: RiskConfig,
    out_of_stock: frozenset[str] = frozenset(),
) -> list[Alert]:
    """Series whose last two weeks both fall outside the 95% band of their baseline,
    or whose last four weeks shifted from it (a changepoint: Mann-Whitney U).

    The baseline is robust to stockout weeks and to the season: the median of the
    ``break_baseline_weeks`` before the last four, spread 1.4826 x MAD (at least the
    Poisson sqrt(median)), scaled by how the same weeks moved a year earlier where
    the series has that history (factor within 0.5..2).

    Parameters
    ----------
    weekly : polars.DataFrame
        ``series, week, units``: dense weekly units per series (``sku X`` or
        ``country DE``), ``week`` the Monday of the week.
    unit_price : dict
        Net price per unit of each series, base currency: the money at stake is
        the sales the change moves over a quarter.
    today : datetime.date
        The day of the run; weeks not complete by then are left out.
    config : RiskConfig
        ``break_baseline_weeks``, ``break_min_change``, ``break_min_units``,
        ``break_p_value``, ``min_money``.
    out_of_stock : frozenset of str, optional
        Series (``sku X``) with no stock on hand now: a fall in their sales is the
        stockout the ``stockout`` monitor reports, not a change in demand, so only
        a rise raises a demand break for them.
    """
    from scipy import stats

    series, weeks, matrix = _matrix(complete_weeks(weekly, today))
    base_n = config.break_baseline_weeks
    if len(weeks) < base_n + 4:
        return []
    current = matrix[:, -(base_n + 4) :]
    base, recent4, last2 = current[:, :base_n], current[:, base_n:], current[:, -2:]
    factor = _season(matrix, base_n)
    median = np.median(base, axis=1)
    mad = 1.4826 * np.median(np.abs(base - median[:, None]), axis=1)
    expected = median * factor
    spread = np.maximum(mad, np.sqrt(np.maximum(median, 0.25))) * factor
    lo, hi = np.maximum(expected - Z95 * spread, 0.0), expected + Z95 * spread
    outside = np.all(last2 < lo[:, None], axis=1) | np.all(last2 > hi[:, None], axis=1)
    p_value = stats.mannwhitneyu(recent4, base * factor[:, None], axis=1).pvalue
    recent = last2.mean(axis=1)
    floor = np.maximum(expected, config.break_min_units)
    change = np.abs(recent - expected) / floor
    shifted = (np.nan_to_num(p_value, nan=1.0) < config.break_p_value) & (
        np.abs(np.median(recent4, axis=1) - expected) / floor >= config.break_min_change
    )
    busy = np.maximum(median, recent4.mean(axis=1)) >= config.break_min_units
    raised = Raised("demand_break", config)
    empty = np.array([name in out_of_stock for name in series], dtype=bool)
    fell = recent < expected
    for i in np.flatnonzero(
        busy
        & (outside | shifted)
        & (change >= config.break_min_change)
        & ~(empty & fell)
    ):
        name = series[i]
        money = abs(recent[i] - expected[i]) * unit_price.get(name, 0.0) * QUARTER_WEEKS
        raised.add(name, money,
                   *_break_text(name, float(expected[i]), float(lo[i]), float(hi[i]),
                                (float(last2[i, 0]), float(last2[i, 1])),
                                bool(outside[i]), float(p_value[i]), weeks[-2:]))  # fmt: skip
    return raised.alerts


def _matrix(weekly: pl.DataFrame) -> tuple[list[str], list[dt.date], np.ndarray]:
    """Series names, sorted weeks and units, shape (n_series, n_weeks)."""
    if weekly.height == 0:
        return [], [], np.zeros((0, 0))
    wide = weekly.pivot(on="week", index="series", values="units", sort_columns=True)
    weeks = [dt.date.fromisoformat(str(c)[:10]) for c in wide.columns[1:]]
    order = sorted(range(len(weeks)), key=weeks.__getitem__)
    values = wide.drop("series").fill_null(0.0).to_numpy().astype(float)[:, order]
    return wide["series"].to_list(), [weeks[i] for i in order], values


def _season(matrix: np.ndarray, base_n: int) -> np.ndarray:
    """Per series, how the last two weeks compared with the baseline weeks a year
    earlier (1 where the store has no such year), within 0.5..2."""
    span = base_n + 4
    if matrix.shape[1] < 52 + span:
        return np.ones(matrix.shape[0])
    # a year-ago window reaching before the first sale of the store says nothing
    if not (matrix[:, -(52 + span) : -52].sum(axis=0) > 0).all():
        return np.ones(matrix.shape[0])
    year = matrix[:, -(52 + span) : -52]
    ratio = (year[:, -2:].mean(axis=1) + 1) / (np.median(year[:, :base_n], axis=1) + 1)
    return np.clip(np.where(year.sum(axis=1) > 0, ratio, 1.0), 0.5, 2.0)


def _break_text(
    series: str,
    mu: float,
    lo: float,
    hi: float,
    last: tuple[float, float],
    outside: bool,
    p_value: float,
    weeks: list[dt.date],
) -> tuple[str, dict[str, Any]]:
    direction = "above" if last[1] > mu else "below"
    how = (
        f"outside the 95% band [{lo:.1f}, {hi:.1f}] two weeks running"
        if outside
        else f"a level shift (Mann-Whitney p={p_value:.3g} over the last four weeks)"
    )
    explanation = (
        f"Weekly sales of {series} were {last[0]:.0f} and {last[1]:.0f} units, "
        f"{direction} the expected {mu:.1f} a week: {how}."
    )
    kind, _, name = series.partition(" ")
    link = f"/forecasts?sku={name}" if kind == "sku" else "/forecasts"
    evidence = {
        "expected_weekly_units": rounded(mu),
        "band_95": [rounded(lo), rounded(hi)],
        "last_weeks": {str(w): rounded(u) for w, u in zip(weeks, last, strict=True)},
        "p_value": None if math.isnan(p_value) else rounded(p_value, 4),
        "link": link,
    }
    return explanation, evidence


def return_spikes(
    sold: pl.DataFrame,
    returned: pl.DataFrame,
    unit_price: dict[str, float],
    *,
    today: dt.date,
    config: RiskConfig,
) -> list[Alert]:
    """SKUs whose return rate of the last ``return_weeks`` is above their baseline
    (the year before) by ``return_min_rise`` and a one-sided binomial test.

    Parameters
    ----------
    sold, returned : polars.DataFrame
        ``sku, day, units`` (``day`` a date; units positive).
    unit_price : dict
        Net price per unit of each SKU, base currency.
    """
    from scipy import stats

    start = today - dt.timedelta(weeks=config.return_weeks)
    year = start - dt.timedelta(days=365)

    def window(
        frame: pl.DataFrame, lo: dt.date, hi: dt.date, name: str
    ) -> pl.DataFrame:
        inside = frame.filter((pl.col("day") > lo) & (pl.col("day") <= hi))
        return inside.group_by("sku").agg(pl.col("units").sum().alias(name))

    counts = (
        window(sold, start, today, "sold_recent")
        .join(window(returned, start, today, "ret_recent"), on="sku", how="left")
        .join(window(sold, year, start, "sold_base"), on="sku", how="left")
        .join(window(returned, year, start, "ret_base"), on="sku", how="left")
        .fill_null(0)
        .filter(pl.col("sold_recent") >= 5)
    )
    raised = Raised("return_spike", config)
    for row in counts.sort("sku").iter_rows(named=True):
        base_rate = (row["ret_base"] + 1) / (row["sold_base"] + 20)  # shrunk to ~5%
        # a return may belong to a sale before the window: count at most the sales
        n_back = min(int(row["ret_recent"]), int(row["sold_recent"]))
        rate = n_back / row["sold_recent"]
        if rate - base_rate < config.return_min_rise:
            continue
        test = stats.binomtest(
            n_back, int(row["sold_recent"]), min(base_rate, 1.0),
            alternative="greater",
        )  # fmt: skip
        if test.pvalue >= config.return_p_value:
            continue
        yearly_units = row["sold_recent"] * 52 / config.return_weeks
        money = (rate - base_rate) * yearly_units * unit_price.get(row["sku"], 0.0)
        explanation = (
            f"SKU {row['sku']}: {row['ret_recent']:.0f} of {row['sold_recent']:.0f} "
            f"units sold in the last {config.return_weeks} weeks came back "
            f"({rate:.0%}), against {base_rate:.0%} before."
        )
        evidence = {
            "recent_return_rate": rounded(rate, 4),
            "baseline_return_rate": rounded(base_rate, 4),
            "units_sold_recent": int(row["sold_recent"]),
            "units_returned_recent": int(row["ret_recent"]),
            "p_value": rounded(test.pvalue, 6),
            "link": f"/forecasts?sku={row['sku']}",
        }
        raised.add(f"sku {row['sku']}", money, explanation, evidence)
    return raised.alerts


def fx_moves(
    rates: pl.DataFrame,
    exposure: dict[str, float],
    *,
    base: str,
    today: dt.date,
    config: RiskConfig,
) -> list[Alert]:
    """Exposure currencies whose value in ``base`` moved more than ``fx_move`` over
    ``fx_days``.

    Parameters
    ----------
    rates : polars.DataFrame
        ``currency, date, per_eur`` (units of currency per EUR).
    exposure : dict
        Net yearly exposure per currency in base currency (sales minus purchases).
    """
    raised = Raised("fx_move", config)
    then_day = today - dt.timedelta(days=config.fx_days)
    for currency, yearly in sorted(exposure.items()):
        if currency == base or yearly == 0:
            continue
        now, then = (
            _value_in(rates, currency, base, today),
            _value_in(rates, currency, base, then_day),
        )
        if now is None or then is None or then == 0:
            continue
        move = now / then - 1
        if abs(move) < config.fx_move:
            continue
        quarter = yearly / 4
        money = abs(quarter * move)
        hurts = move * yearly < 0
        explanation = (
            f"{currency} {'gained' if move > 0 else 'lost'} {abs(move):.1%} against "
            f"{base} in {config.fx_days} days; a quarter's net exposure of "
            f"{abs(quarter):,.0f} {base} is worth {money:,.0f} {base} "
            f"{'less' if hurts else 'more'}."
        )
        evidence = {
            "value_now": rounded(now, 6),
            "value_then": rounded(then, 6),
            "since": then_day.isoformat(),
            "move": rounded(move, 4),
            "yearly_net_exposure": rounded(yearly),
            "adverse": hurts,
            "link": "/markets",
        }
        raised.add(f"currency {currency}", money, explanation, evidence)
    return raised.alerts


def _value_in(
    rates: pl.DataFrame, currency: str, base: str, day: dt.date
) -> float | None:
    """Value of one unit of ``currency`` in ``base`` on the newest rate <= ``day``."""

    def per_eur(code: str) -> float | None:
        if code == "EUR":
            return 1.0
        found = rates.filter((pl.col("currency") == code) & (pl.col("date") <= day))
        if found.height == 0:
            return None
        return float(found.sort("date")["per_eur"][-1])

    cur, ref = per_eur(currency), per_eur(base)
    if cur is None or ref is None or cur == 0:
        return None
    return ref / cur
