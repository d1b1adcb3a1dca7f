"""Ground-truth files written next to the exports, for evaluating TradePilot."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tradepilot.simulate.markets import MARKETS
from tradepilot.simulate.store import SimulatedStore
from tradepilot.simulate.suppliers import MODES, SUPPLIERS, Shutdown

TRUTH_DIR = "truth"


def lead_time_truth(store: SimulatedStore) -> dict[str, object]:
    """The true lead-time distributions and shutdown windows, JSON-ready.

    Returns
    -------
    dict
        ``distributions``: one record per supplier and mode with ``distribution``
        (``"lognormal"``), ``parameters`` (``mu``, ``sigma`` of the log lead time),
        ``mean``, ``std``, ``p50``, ``p90`` in days; ``shutdowns``; the rules.
    """
    return {
        "unit": "days",
        "definition": (
            "lead time = first received_date - ordered_date of a PO line, for POs "
            "not delayed by a shutdown; drawn once per PO (all its lines share it) "
            "and rounded to the nearest day"
        ),
        "distributions": _distribution_records(),
        "shutdowns": [_shutdown_record(window) for window in store.shutdowns],
        "partial_receipts": {
            "probability": store.config.partial_receipt_rate,
            "second_shipment_after_days": [7, 28],
        },
        "short_shipments": {"probability": store.config.short_shipment_rate},
    }


def _distribution_records() -> list[dict[str, object]]:
    records: list[dict[str, object]] = []
    for supplier in SUPPLIERS:
        for mode in MODES:
            dist = supplier.lead_time(mode)
            records.append(
                {
                    "supplier": supplier.name,
                    "supplier_country": supplier.country,
                    "mode": mode,
                    "distribution": "lognormal",
                    "parameters": {
                        "mu": round(dist.mu, 6),
                        "sigma": round(dist.sigma, 6),
                    },
                    "mean": round(dist.mean_days, 4),
                    "std": round(dist.std_days, 4),
                    "p50": round(dist.p50, 4),
                    "p90": round(dist.p90, 4),
                }
            )
    return records


def _shutdown_record(window: Shutdown) -> dict[str, object]:
    first_affected = window.start - dt.timedelta(days=window.lead_in_days)
    return {
        "supplier": window.supplier,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "reason": window.reason,
        "affects_pos_ordered_from": first_affected.isoformat(),
        "rule": (
            f"a PO ordered from {window.lead_in_days} days before start to end "
            "(inclusive) starts its lead time the day after end"
        ),
    }


def write_truth(store: SimulatedStore, out_dir: Path) -> dict[str, Path]:
    """Write the ``truth/`` folder and return its files by name."""
    folder = out_dir / TRUTH_DIR
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "truth_demand": folder / "demand.parquet",
        "truth_promotions": folder / "promotions.parquet",
        "truth_skus": folder / "skus.parquet",
        "truth_purchase_lines": folder / "purchase_lines.parquet",
        "truth_lead_times": folder / "lead_times.json",
        "truth_customers": folder / "customers.parquet",
        "truth_readme": folder / "README.md",
    }
    store.demand_truth.write_parquet(paths["truth_demand"], compression="zstd")
    store.promotions.write_parquet(paths["truth_promotions"], compression="zstd")
    store.sku_truth.write_parquet(paths["truth_skus"], compression="zstd")
    store.purchase_lines_truth.write_parquet(
        paths["truth_purchase_lines"], compression="zstd"
    )
    store.customer_truth.write_parquet(paths["truth_customers"], compression="zstd")
    text = json.dumps(lead_time_truth(store), indent=2, sort_keys=True)
    paths["truth_lead_times"].write_text(text + "\n", encoding="utf-8")
    paths["truth_readme"].write_text(readme(store), encoding="utf-8")
    return paths


def readme(store: SimulatedStore) -> str:
    """The README of the truth folder, naming the seed and config used."""
    config = json.dumps(store.config.to_dict(), indent=2, sort_keys=True)
    return README_TEMPLATE.format(
        config=config, seed=store.config.seed, markets=_markets_table()
    )


def _markets_table() -> str:
    rows = [
        "| country | currency | time zone | Amazon | tax | in prices |",
        "|---|---|---|---|---|---|",
    ]
    for m in MARKETS:
        included = "yes" if m.tax_included else "no (added)"
        marketplace = m.marketplace or "-"
        rows.append(
            f"| {m.country} | {m.currency} | {m.time_zone} | {marketplace} "
            f"| {m.vat_rate:.1%} | {included} |"
        )
    return "\n".join(rows)


README_TEMPLATE = """\
# Ground truth of a simulated TradePilot store

Produced by `tradepilot.simulate.simulate_store` with seed {seed}. The same
config always gives byte-identical files.

```json
{config}
```

## demand.parquet
One row per day x SKU x country (every combination, zeros included), sorted so.
- `date`: the buyer's local calendar date (Shopify `Created at` shows the same
  local date; Amazon `purchase-date` is UTC, convert with the country's zone).
- `true_demand`: units buyers wanted; `sold`: units they got; `lost` =
  `true_demand - sold`, unmet because the warehouse ran out (lost sales).
- `in_stock`: the SKU had stock at the start of the day, after receipts;
  `in_stock` with `lost > 0` means it ran out during the day.
- `on_promotion`: a markdown of the SKU or a store-wide code event was running.
Summing the non-cancelled order lines of both exports per local date, SKU and
ship country gives `sold` exactly. Cancelled orders are extra orders that never
shipped and are not in `true_demand` or `sold`. Refunded web lines count as
sold (goods are written off, not restocked).

## promotions.parquet
`kind` is `sku_markdown` (price cut on one SKU, both channels; Shopify shows it
as `Lineitem compare at price`) or `store_code` (a discount code on the web
store, the same cut applied to Amazon prices; `sku` is null: all SKUs).
`end_date` is inclusive, `discount_pct` in percent, `demand_uplift` multiplies
the expected demand while it runs.

## skus.parquet
Per SKU: `demand_class` (steady, erratic, intermittent), `base_rate` (mean
units/day over all countries at the start, before seasonality and promotions),
`dispersion` (gamma shape k of the daily shock; the daily total is negative
binomial with variance m + m^2/k), `annual_growth` (log growth per year),
`launch_date` and `discontinue_date` (null when outside the span).

## lead_times.json
True lognormal lead time per supplier and mode (`mu`, `sigma` of the log; mean,
std, p50, p90 in days), the lunar-new-year shutdown windows and their rule,
the partial and short shipment probabilities.

## Export conventions
- `shopify_orders.csv`: times are the buyer's local time with offset
  (`2024-03-05 14:07:33 +0100`), one time zone per country (below). Order-level
  fields only on an order's first row. `Lineitem price` is the unit price after
  any markdown; `Lineitem compare at price` the list price during a markdown;
  code discounts are in `Discount Amount` / `Lineitem discount`. Subtotal =
  sum(price x quantity) - discount; Total = Subtotal + Shipping (+ Taxes in
  US and CA, where tax is added; elsewhere Taxes is the VAT inside the total).
- `amazon_all_orders.txt`: UTC times; `item-price` is the line total with VAT
  where included; cancelled items: quantity 0, no currency or money; pending
  items: quantity kept, no currency or money yet. Refunds are not in this
  report (only web-store refunds are simulated).
- Money: plain decimals, 2 places, 0 for JPY. Countries: ISO alpha-2.
- `eurofxref-hist.csv`: TARGET business days only (no weekends, no 1 Jan, Good
  Friday, Easter Monday, 1 May, 25-26 Dec), newest first, units per EUR.

{markets}

## customers.parquet
Per registered web-store customer (the e-mail is the Shopify order export's
`Email`): `rate_per_week` (true purchase rate while active, in the store's average
week; purchases follow the store's seasonal activity), `dropout` (probability of
leaving for good after each repeat purchase), `taste` (weights of the catalogue's
categories, in the order of `products.csv` categories: Kitchen, Home Textiles,
Bags, Electronics, Toys, Fitness, Stationery, Home Decor, Pet Supplies) and
`top_category`; what happened: `joined`, `first_purchase`, `last_purchase`,
`dropped_out` (day of the purchase after which the customer left, null if never),
`alive_at_end`, `purchases` (orders placed, first included) and
`missed_purchases` (purchases the customer wanted on a day the market had no web
order left to take: not placed, no drop-out). See `tradepilot.simulate.buyers`.
`shopify_customers.csv` is the Shopify customers export of the customers who
ordered, with their marketing consent (`Accepts Email Marketing`).

## purchase_lines.parquet
Per PO line: the unrounded lead-time draw (`lead_time_days`), the shutdown delay
(`shutdown_delay_days`, days from ordering to `production_start_date`), the
planned receipt dates (possibly after the span: not yet received) and the units
never delivered (`quantity_short`).
"""
