"""Purchase orders: lead-time draws, shutdown delays, partial and short receipts.

All lines a supplier receives on one day for one transport mode form one PO and
share one lead-time draw. A line is sometimes delivered in two shipments (the
second 7-28 days after the first) and sometimes a few units short.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import polars as pl

from tradepilot.simulate.catalog import Catalog
from tradepilot.simulate.suppliers import MODES, SUPPLIERS, Shutdown
from tradepilot.simulate.timeline import Timeline

COST_INFLATION = 0.03
"""Yearly increase of supplier prices over the catalogue cost."""


@dataclass(frozen=True, slots=True)
class LeadTimeTable:
    """Lead-time parameters by supplier and mode, arrays of shape (n_suppliers, 2)."""

    mu: np.ndarray
    sigma: np.ndarray
    mean: np.ndarray
    p50: np.ndarray


def lead_time_table() -> LeadTimeTable:
    """Collect the lognormal parameters of :data:`SUPPLIERS` into arrays."""
    dists = [[s.lead_time(mode) for mode in MODES] for s in SUPPLIERS]
    return LeadTimeTable(
        mu=np.array([[d.mu for d in row] for row in dists]),
        sigma=np.array([[d.sigma for d in row] for row in dists]),
        mean=np.array([[d.mean_days for d in row] for row in dists]),
        p50=np.array([[d.p50 for d in row] for row in dists]),
    )


def resume_days(shutdowns: list[Shutdown], timeline: Timeline) -> np.ndarray:
    """Day production starts for a PO placed on each day, shape (n_suppliers, n_days).

    -1 means "at once"; inside a shutdown's lead-in or closure it is the day after
    the closure ends.
    """
    resume = np.full((len(SUPPLIERS), timeline.n_days), -1, dtype=np.int64)
    names = [s.name for s in SUPPLIERS]
    for window in shutdowns:
        first = timeline.index(window.start) - window.lead_in_days
        last = timeline.index(window.end)
        days = slice(max(first, 0), max(min(last + 1, timeline.n_days), 0))
        resume[names.index(window.supplier), days] = last + 1
    return resume


@dataclass(frozen=True, slots=True)
class Shipments:
    """PO lines and their planned receipts, arrays of shape (n_lines,).

    ``second_day`` is -1 for lines delivered in one shipment; ``short`` is the
    number of ordered units never delivered.
    """

    day: np.ndarray
    sku: np.ndarray
    supplier: np.ndarray
    mode: np.ndarray
    quantity: np.ndarray
    lead_days: np.ndarray
    start_day: np.ndarray
    promised_day: np.ndarray
    first_day: np.ndarray
    first_qty: np.ndarray
    second_day: np.ndarray
    second_qty: np.ndarray
    short: np.ndarray

    @property
    def last_day(self) -> np.ndarray:
        """Day of the final shipment of each line."""
        return np.where(self.second_day >= 0, self.second_day, self.first_day)


def concat_shipments(batches: list[Shipments]) -> Shipments:
    """Concatenate batches of lines (an empty list gives zero lines)."""
    columns = {
        f.name: np.concatenate(
            [getattr(b, f.name) for b in batches] or [np.zeros(0, np.int64)]
        )
        for f in fields(Shipments)
    }
    return Shipments(**columns)


def plan_shipments(
    rng: np.random.Generator,
    *,
    day: int,
    skus: np.ndarray,
    modes: np.ndarray,
    quantity: np.ndarray,
    catalog: Catalog,
    resume: np.ndarray,
    partial_rate: float,
    short_rate: float,
) -> Shipments:
    """Place today's PO lines and draw when and how they will arrive.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    day : int
        Order day index.
    skus, modes, quantity : numpy.ndarray
        SKU index, mode code (0 sea, 1 air) and units of each line.
    catalog : Catalog
        Supplies each SKU's supplier and carton size.
    resume : numpy.ndarray
        Output of :func:`resume_days`.
    partial_rate, short_rate : float
        Probabilities of a two-shipment line and of a short delivery.
    """
    supplier = catalog.supplier[skus]
    table = lead_time_table()
    po_keys, po_of_line = np.unique(supplier * 2 + modes, return_inverse=True)
    po_lead = rng.lognormal(
        table.mu[po_keys // 2, po_keys % 2], table.sigma[po_keys // 2, po_keys % 2]
    )
    lead = po_lead[po_of_line]
    start = np.where(resume[supplier, day] >= 0, resume[supplier, day], day)
    first_day = start + np.rint(lead).astype(np.int64)
    first_qty, second_day, second_qty, short = _split_receipts(
        rng, quantity, catalog.case_pack[skus], first_day, partial_rate, short_rate
    )
    return Shipments(
        day=np.full(skus.size, day, dtype=np.int64),
        sku=skus,
        supplier=supplier,
        mode=modes,
        quantity=quantity,
        lead_days=lead,
        start_day=start,
        promised_day=start + np.rint(table.p50[supplier, modes]).astype(np.int64),
        first_day=first_day,
        first_qty=first_qty,
        second_day=second_day,
        second_qty=second_qty,
        short=short,
    )


def _split_receipts(
    rng: np.random.Generator,
    quantity: np.ndarray,
    case_pack: np.ndarray,
    first_day: np.ndarray,
    partial_rate: float,
    short_rate: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decide partial deliveries (whole cartons first) and short shipments."""
    n = quantity.size
    partial = (rng.random(n) < partial_rate) & (quantity >= 2 * case_pack)
    cartons = np.floor(quantity * rng.uniform(0.4, 0.8, n) / case_pack) * case_pack
    first_qty = np.where(
        partial, np.clip(cartons, case_pack, quantity - case_pack), quantity
    )
    second_day = np.where(partial, first_day + rng.integers(7, 29, n), -1)
    second_qty = quantity - first_qty
    last_qty = np.where(partial, second_qty, first_qty)
    wanted = np.maximum(1, np.floor(quantity * rng.uniform(0.01, 0.06, n)))
    short = np.where(rng.random(n) < short_rate, np.minimum(wanted, last_qty - 1), 0)
    first_qty = np.where(partial, first_qty, first_qty - short)
    second_qty = np.where(partial, second_qty - short, 0)
    return (
        first_qty.astype(np.int64),
        second_day,
        second_qty.astype(np.int64),
        short.astype(np.int64),
    )


def day_to_date(timeline: Timeline, column: str) -> pl.Expr:
    """Expression turning a day-index column into a ``pl.Date`` column."""
    return pl.lit(timeline.start) + pl.duration(days=pl.col(column))


def _po_numbers(shipments: Shipments, timeline: Timeline) -> np.ndarray:
    """``PO-<year>-<seq>`` per line; one PO per order day, supplier and mode."""
    key = (shipments.day * len(SUPPLIERS) + shipments.supplier) * 2 + shipments.mode
    unique, inverse = np.unique(key, return_inverse=True)
    years = np.array(
        [timeline.date(int(d)).year for d in unique // (2 * len(SUPPLIERS))]
    )
    first_of_year = np.searchsorted(years, years)
    seq = np.arange(unique.size) - first_of_year + 1
    names = np.array([f"PO-{y}-{s:04d}" for y, s in zip(years, seq, strict=True)])
    return names[inverse]


def _line_frame(
    shipments: Shipments, catalog: Catalog, timeline: Timeline
) -> pl.DataFrame:
    """One row per PO line with its identifiers and receipt plan (day indices)."""
    cost = catalog.products["unit_cost"].to_numpy()[shipments.sku]
    inflation = 1 + COST_INFLATION * shipments.day / 365
    return pl.DataFrame(
        {
            "po_number": _po_numbers(shipments, timeline),
            "supplier": [SUPPLIERS[s].name for s in shipments.supplier],
            "ordered_day": shipments.day,
            "sku": np.array(catalog.skus)[shipments.sku],
            "quantity_ordered": shipments.quantity,
            "unit_cost": np.round(cost * inflation, 2),
            "currency": [SUPPLIERS[s].currency for s in shipments.supplier],
            "promised_day": shipments.promised_day,
            "mode": np.array(MODES)[shipments.mode],
            "start_day": shipments.start_day,
            "lead_days": shipments.lead_days,
            "first_day": shipments.first_day,
            "first_qty": shipments.first_qty,
            "second_day": shipments.second_day,
            "second_qty": shipments.second_qty,
            "short": shipments.short,
        }
    )


def purchase_order_rows(
    shipments: Shipments, catalog: Catalog, timeline: Timeline, warehouse: str
) -> pl.DataFrame:
    """Build the ``purchase_orders.csv`` table: one row per PO line per receipt.

    A line with no receipt by the last simulated day has one row with null
    ``received_date`` and ``quantity_received``. A line whose second shipment is
    still under way shows only its first receipt.

    Parameters
    ----------
    shipments : Shipments
        All PO lines.
    catalog : Catalog
        The catalogue (costs and SKU codes).
    timeline : Timeline
        Simulated days (receipts after the last day are not yet received).
    warehouse : str
        Receiving warehouse code.

    Returns
    -------
    polars.DataFrame
        Columns of ``purchase_orders.csv``, dates as ``pl.Date``.
    """
    lines = _line_frame(shipments, catalog, timeline)
    end = timeline.n_days
    first = lines.with_columns(
        received_day=pl.when(pl.col("first_day") < end).then(pl.col("first_day")),
        quantity_received=pl.when(pl.col("first_day") < end).then(pl.col("first_qty")),
    )
    second = lines.filter(
        (pl.col("second_day") >= 0) & (pl.col("second_day") < end)
    ).with_columns(received_day="second_day", quantity_received="second_qty")
    return (
        pl.concat([first, second])
        .with_columns(
            ordered_date=day_to_date(timeline, "ordered_day"),
            promised_date=day_to_date(timeline, "promised_day"),
            received_date=day_to_date(timeline, "received_day"),
            warehouse=pl.lit(warehouse),
        )
        .sort("ordered_date", "po_number", "sku", "received_date", nulls_last=True)
        .select(
            "po_number",
            "supplier",
            "ordered_date",
            "sku",
            "quantity_ordered",
            "unit_cost",
            "currency",
            "promised_date",
            "received_date",
            "quantity_received",
            "mode",
            "warehouse",
        )  # fmt: skip
    )


def purchase_truth(
    shipments: Shipments, catalog: Catalog, timeline: Timeline
) -> pl.DataFrame:
    """Build ``truth/purchase_lines.parquet``: the true draw behind every PO line.

    Returns
    -------
    polars.DataFrame
        ``po_number, sku, supplier, mode, ordered_date, production_start_date,
        shutdown_delay_days, lead_time_days`` (the unrounded draw),
        ``first_receipt_date, second_receipt_date, quantity_ordered,
        quantity_short`` (dates may lie after the span: not yet received).
    """
    lines = _line_frame(shipments, catalog, timeline)
    return lines.select(
        "po_number",
        "sku",
        "supplier",
        "mode",
        ordered_date=day_to_date(timeline, "ordered_day"),
        production_start_date=day_to_date(timeline, "start_day"),
        shutdown_delay_days=pl.col("start_day") - pl.col("ordered_day"),
        lead_time_days=pl.col("lead_days").round(3),
        first_receipt_date=day_to_date(timeline, "first_day"),
        second_receipt_date=pl.when(pl.col("second_day") >= 0).then(
            day_to_date(timeline, "second_day")
        ),
        quantity_ordered="quantity_ordered",
        quantity_short="short",
    ).sort("ordered_date", "po_number", "sku")
