"""Lead times learned from the purchase-order history, with the configured fallbacks.

:func:`learn_lead_times` is the use case (``tradepilot plan lead-times``);
:func:`lead_time_estimates` and :func:`lead_of` serve the restock plan and the
policy simulation.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.replenishment import inputs
from tradepilot.replenishment.config import PurchasingConfig
from tradepilot.replenishment.leadtimes import (
    LeadTime,
    estimate_lead_times,
    estimation_error,
    lead_time_of,
    po_lead_times,
)

TRUTH_FILE = Path("demo-data") / "truth" / "lead_times.json"


def learn_lead_times(
    engine: Engine,
    config: PurchasingConfig,
    *,
    as_of: dt.date | None = None,
    home: Path | None = None,
) -> dict[str, Any]:
    """Lead time per supplier and mode from the purchase-order history.

    Parameters
    ----------
    engine : Engine
        The workspace store.
    config : PurchasingConfig
        Supplier closures and the stated lead times used as fallbacks.
    as_of : datetime.date, optional
        Open POs are censored at this day (default: the last PO event).
    home : Path, optional
        The workspace directory; in a demo workspace the simulator's true lead times
        are added as ``true_mean_days``.

    Returns
    -------
    dict
        ``{"suppliers": [{supplier, mode, n_pos, n_open, mean_days, std_days,
        p50_days, p90_days, source[, true_mean_days, rel_error]}], "as_of"}``.
    """
    with engine.connect() as conn:
        receipts = inputs.read_receipts(conn)
        suppliers = _catalogue_suppliers(conn)
    estimates, day = lead_time_estimates(
        receipts, config, as_of, extra_suppliers=suppliers
    )
    rows = estimates.to_dicts()
    truth_path = home / TRUTH_FILE if home else None
    if truth_path is not None and truth_path.exists():
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        errors = estimation_error(estimates, truth).select(
            "supplier", "mode", "true_mean_days", "rel_error"
        )
        rows = estimates.join(errors, on=["supplier", "mode"], how="left").to_dicts()
    return {"as_of": day.isoformat(), "suppliers": rows}


def _catalogue_suppliers(conn: Connection) -> list[str]:
    products = inputs.read_products(conn)
    return sorted(products["supplier"].unique().to_list())


def lead_time_estimates(
    receipts: pl.DataFrame,
    config: PurchasingConfig,
    as_of: dt.date | None,
    *,
    extra_suppliers: Sequence[str] = (),
) -> tuple[pl.DataFrame, dt.date]:
    """Estimates per (supplier, mode) with the config's fallbacks."""
    day = as_of or _last_po_event(receipts) or dt.datetime.now(dt.UTC).date()
    closures = config.closures(range(day.year - 6, day.year + 2))
    defaults = dict(config.lead_time_defaults())
    for supplier in extra_suppliers:  # suppliers without history still get a row
        for mode in config.modes_of(supplier):
            defaults.setdefault((supplier, mode), config.lead_time.lead_time())
    times = po_lead_times(receipts_as_of(receipts, day), closures, as_of=day)
    estimates = estimate_lead_times(
        times, defaults=defaults, global_default=config.lead_time.lead_time()
    )
    return estimates, day


def receipts_as_of(receipts: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """The PO history as it was known on ``day``: later orders left out, later
    receipts not yet received.

    >>> r = pl.DataFrame({"ordered_date": [dt.date(2026, 1, 1), dt.date(2026, 3, 1)],
    ...     "received_date": [dt.date(2026, 2, 20), None],
    ...     "quantity_received": [5, None]})
    >>> receipts_as_of(r, dt.date(2026, 2, 1))["received_date"].to_list()
    [None]
    """
    later = pl.col("received_date") > day
    return receipts.filter(pl.col("ordered_date") <= day).with_columns(
        received_date=pl.when(later).then(None).otherwise(pl.col("received_date")),
        quantity_received=pl.when(later)
        .then(None)
        .otherwise(pl.col("quantity_received")),
    )


def _last_po_event(receipts: pl.DataFrame) -> dt.date | None:
    if receipts.height == 0:
        return None
    last = max(
        d
        for d in (receipts["ordered_date"].max(), receipts["received_date"].max())
        if d is not None
    )
    return last + dt.timedelta(days=1) if isinstance(last, dt.date) else None


def lead_of(
    estimates: pl.DataFrame, supplier: str, mode: str, config: PurchasingConfig
) -> LeadTime:
    """The estimated lead time of ``supplier`` by ``mode``, else the global setting."""
    return lead_time_of(
        estimates, supplier, mode, global_default=config.lead_time.lead_time()
    )
