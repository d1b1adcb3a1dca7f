"""Promotions: SKU markdowns and store-wide discount-code events.

A markdown lowers one SKU's price in both channels for 5-14 days; a store-wide
event (Black Friday weekend, a summer sale) gives a discount code on the web store
and the same price cut on Amazon. Both multiply demand by a known uplift.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from tradepilot.simulate.timeline import Timeline, black_friday

MARKDOWN_STEPS = np.array([0.10, 0.15, 0.20, 0.25, 0.30])
"""Markdown depths a seller typically uses, as fractions of the list price."""

MARKDOWNS_PER_YEAR = np.array([1.5, 1.0, 0.3])
"""Expected markdowns per SKU-year by demand class (steady, erratic, intermittent)."""


@dataclass(frozen=True, slots=True)
class StoreEvent:
    """A store-wide discount-code event."""

    code: str
    start: dt.date
    days: int
    discount: float
    uplift: float


@dataclass(frozen=True, slots=True)
class PromotionPlan:
    """Day-by-day promotion effects plus the truth table.

    Attributes
    ----------
    frame : polars.DataFrame
        One row per promotion (the ``truth/promotions.parquet`` table).
    markdown : numpy.ndarray
        Fraction off the list price by SKU markdowns, shape (n_days, n_skus).
    uplift : numpy.ndarray
        Demand multiplier of all promotions, shape (n_days, n_skus).
    code_discount : numpy.ndarray
        Fraction off of the store-wide event running that day, shape (n_days,).
    code : numpy.ndarray
        Discount code of that event ('' if none), shape (n_days,).
    """

    frame: pl.DataFrame
    markdown: np.ndarray
    uplift: np.ndarray
    code_discount: np.ndarray
    code: np.ndarray

    @property
    def on_promotion(self) -> np.ndarray:
        """Whether any promotion applies, shape (n_days, n_skus)."""
        return (self.markdown > 0) | (self.code_discount > 0)[:, None]


def plan_promotions(
    rng: np.random.Generator,
    timeline: Timeline,
    skus: list[str],
    demand_class: np.ndarray,
    active: np.ndarray,
) -> PromotionPlan:
    """Draw SKU markdowns and place the store-wide events on the calendar.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    timeline : Timeline
        Simulated days.
    skus : list of str
        SKU codes, shape (n_skus,).
    demand_class : numpy.ndarray
        Demand class code of each SKU (0 steady, 1 erratic, 2 intermittent).
    active : numpy.ndarray
        Whether each SKU is on sale each day, shape (n_days, n_skus).

    Returns
    -------
    PromotionPlan
        Effects and truth table.
    """
    n_days, n_skus = active.shape
    effects = _Effects(
        markdown=np.zeros((n_days, n_skus)),
        uplift=np.ones((n_days, n_skus)),
        code_discount=np.zeros(n_days),
        code=np.full(n_days, "", dtype=object),
    )
    rows = _place_markdowns(rng, timeline, skus, demand_class, active, effects)
    rows += _place_events(timeline, effects)
    return PromotionPlan(
        frame=_promotion_frame(rows),
        markdown=effects.markdown,
        uplift=effects.uplift,
        code_discount=effects.code_discount,
        code=effects.code,
    )


@dataclass(slots=True)
class _Effects:
    """Promotion effects being filled in, same shapes as in PromotionPlan."""

    markdown: np.ndarray
    uplift: np.ndarray
    code_discount: np.ndarray
    code: np.ndarray


def _place_markdowns(
    rng: np.random.Generator,
    timeline: Timeline,
    skus: list[str],
    demand_class: np.ndarray,
    active: np.ndarray,
    plan: _Effects,
) -> list[dict[str, object]]:
    """Draw markdown windows per SKU and write their effect into ``plan``."""
    n_days = timeline.n_days
    counts = rng.poisson(MARKDOWNS_PER_YEAR[demand_class] * n_days / 365)
    rows: list[dict[str, object]] = []
    for sku in np.repeat(np.arange(len(skus)), counts):
        days = int(rng.integers(5, 15))
        first = int(rng.integers(0, n_days - days))
        discount = float(rng.choice(MARKDOWN_STEPS))
        uplift = round(float((1 - discount) ** -rng.uniform(2.0, 4.0)), 3)
        window = slice(first, first + days)
        if not active[window, sku].all():
            continue
        plan.markdown[window, sku] = np.maximum(plan.markdown[window, sku], discount)
        plan.uplift[window, sku] = np.maximum(plan.uplift[window, sku], uplift)
        rows.append(
            _row("sku_markdown", skus[sku], timeline, window, discount, uplift, None)
        )
    return rows


def _place_events(timeline: Timeline, plan: _Effects) -> list[dict[str, object]]:
    """Put the store-wide events that fall in the span on the calendar."""
    rows: list[dict[str, object]] = []
    for event in store_events(timeline):
        first = max(timeline.index(event.start), 0)
        last = min(timeline.index(event.start) + event.days, timeline.n_days)
        if first >= last:
            continue
        window = slice(first, last)
        plan.code_discount[window] = event.discount
        plan.code[window] = event.code
        plan.uplift[window] *= event.uplift
        rows.append(
            _row(
                "store_code",
                None,
                timeline,
                window,
                event.discount,
                event.uplift,
                event.code,
            )
        )
    return rows


def store_events(timeline: Timeline) -> list[StoreEvent]:
    """Return the store-wide events of every year the timeline touches.

    Black Friday to Cyber Monday: 20 % off, demand x1.8. First week of July:
    15 % off, demand x1.35.
    """
    events = []
    for year in timeline.years:
        events.append(
            StoreEvent(f"SUMMER{year % 100}", dt.date(year, 7, 1), 7, 0.15, 1.35)
        )
        events.append(
            StoreEvent(f"BLACKFRIDAY{year % 100}", black_friday(year), 4, 0.20, 1.8)
        )
    return events


def _row(
    kind: str,
    sku: str | None,
    timeline: Timeline,
    window: slice,
    discount: float,
    uplift: float,
    code: str | None,
) -> dict[str, object]:
    return {
        "kind": kind,
        "sku": sku,
        "start_date": timeline.date(window.start),
        "end_date": timeline.date(window.stop - 1),
        "discount_pct": round(discount * 100, 1),
        "demand_uplift": uplift,
        "discount_code": code,
    }


def _promotion_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    schema = {
        "kind": pl.String,
        "sku": pl.String,
        "start_date": pl.Date,
        "end_date": pl.Date,
        "discount_pct": pl.Float64,
        "demand_uplift": pl.Float64,
        "discount_code": pl.String,
    }
    frame = pl.DataFrame(rows, schema=schema).sort(
        "start_date", "kind", "sku", nulls_last=True
    )
    ids = [f"PR-{i + 1:04d}" for i in range(frame.height)]
    return frame.with_columns(pl.Series("promotion_id", ids)).select(
        "promotion_id", *schema
    )
