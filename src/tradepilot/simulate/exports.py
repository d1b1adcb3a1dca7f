"""Write a simulated store as the files a seller would export.

File formats (all UTF-8, ``\\n`` line ends):

- ``shopify_orders.csv``: Shopify "Export orders", see :mod:`.shopify`.
- ``amazon_all_orders.txt``: Amazon "All Orders" report, tab-separated, see
  :mod:`.amazon`.
- ``purchase_orders.csv``: one row per PO line per receipt, dates ``YYYY-MM-DD``.
- ``inventory.csv``: end-of-day stock every Sunday.
- ``products.csv``: the catalogue.
- ``eurofxref-hist.csv``: ECB reference rates, newest first, trailing comma.
- ``shopify_payments_transactions.csv``, ``paypal_activity.csv``,
  ``amazon_settlement.txt`` (tab-separated), ``bank_statement.csv``: what the
  payment providers and the bank report, see :mod:`.payouts`.
- ``truth/``: ground truth, see :mod:`.truth` (and ``payments_discrepancies.csv``,
  the payment mistakes injected).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tradepilot.simulate.amazon import amazon_all_orders
from tradepilot.simulate.markets import quoted_currencies
from tradepilot.simulate.payouts import simulate_payments
from tradepilot.simulate.shopify import shopify_customers, shopify_orders
from tradepilot.simulate.store import SimulatedStore
from tradepilot.simulate.truth import write_truth

PURCHASE_ORDER_COLUMNS = (
    "po_number", "supplier", "ordered_date", "sku", "quantity_ordered", "unit_cost",
    "currency", "promised_date", "received_date", "quantity_received", "mode",
    "warehouse",
)  # fmt: skip
INVENTORY_COLUMNS = ("date", "sku", "warehouse", "on_hand")
PRODUCT_COLUMNS = (
    "sku", "description", "category", "supplier", "unit_cost", "cost_currency",
    "weight_kg", "hs_code", "case_pack", "moq", "list_price", "price_currency",
)  # fmt: skip


def write_store(store: SimulatedStore, out_dir: Path | str) -> dict[str, Path]:
    """Write every export file and the ``truth/`` folder.

    Parameters
    ----------
    store : SimulatedStore
        Output of :func:`~tradepilot.simulate.store.simulate_store`.
    out_dir : pathlib.Path or str
        Target folder, created if missing; existing files are overwritten.

    Returns
    -------
    dict of str to pathlib.Path
        ``shopify_orders, shopify_customers, amazon_all_orders, purchase_orders,
        inventory, products, eurofxref_hist``, ``shopify_payments,
        paypal_activity, amazon_settlement, bank_statement`` and ``truth_demand,
        truth_promotions, truth_skus, truth_purchase_lines, truth_lead_times,
        truth_customers, truth_readme, truth_payments``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "shopify_orders": out / "shopify_orders.csv",
        "shopify_customers": out / "shopify_customers.csv",
        "amazon_all_orders": out / "amazon_all_orders.txt",
        "purchase_orders": out / "purchase_orders.csv",
        "inventory": out / "inventory.csv",
        "products": out / "products.csv",
        "eurofxref_hist": out / "eurofxref-hist.csv",
    }
    shopify = shopify_orders(store.orders, store.order_lines, store.products)
    shopify.write_csv(paths["shopify_orders"])
    shopify_customers(store.customers, store.orders).write_csv(
        paths["shopify_customers"]
    )
    amazon = amazon_all_orders(store.orders, store.order_lines, store.products)
    amazon.write_csv(paths["amazon_all_orders"], separator="\t")
    purchase_orders_table(store).write_csv(paths["purchase_orders"])
    store.inventory.select(INVENTORY_COLUMNS).write_csv(paths["inventory"])
    products_table(store).write_csv(paths["products"])
    paths["eurofxref_hist"].write_text(ecb_history(store.fx_rates), encoding="utf-8")
    paths |= write_truth(store, out)
    return paths | write_payments(store, out)


def write_payments(store: SimulatedStore, out: Path) -> dict[str, Path]:
    """Write the providers' files, the bank statement and their ground truth."""
    payments = simulate_payments(
        store.orders, store.order_lines, store.fx_rates, seed=store.config.seed
    )
    paths = {
        "shopify_payments": out / "shopify_payments_transactions.csv",
        "paypal_activity": out / "paypal_activity.csv",
        "amazon_settlement": out / "amazon_settlement.txt",
        "bank_statement": out / "bank_statement.csv",
        "truth_payments": out / "truth" / "payments_discrepancies.csv",
    }
    payments.shopify_payments.write_csv(paths["shopify_payments"])
    payments.paypal_activity.write_csv(paths["paypal_activity"])
    payments.amazon_settlement.write_csv(paths["amazon_settlement"], separator="\t")
    payments.bank_statement.write_csv(paths["bank_statement"])
    payments.truth.write_csv(paths["truth_payments"])
    return paths


def fixed(column: str, decimals: int) -> pl.Expr:
    """Format a non-negative float column with exactly ``decimals`` decimals.

    Examples
    --------
    >>> pl.DataFrame({"x": [2.3, 0.045, 12.0]}).select(fixed("x", 3))["x"].to_list()
    ['2.300', '0.045', '12.000']
    """
    scaled = (pl.col(column) * 10**decimals).round(0).cast(pl.Int64)
    whole = (scaled // 10**decimals).cast(pl.String)
    part = (scaled % 10**decimals).cast(pl.String).str.zfill(decimals)
    return pl.concat_str(whole, pl.lit("."), part).alias(column)


def purchase_orders_table(store: SimulatedStore) -> pl.DataFrame:
    """``purchase_orders.csv`` rows with costs printed to the cent."""
    return store.purchase_orders.select(PURCHASE_ORDER_COLUMNS).with_columns(
        fixed("unit_cost", 2)
    )


def products_table(store: SimulatedStore) -> pl.DataFrame:
    """``products.csv`` rows: costs and prices to the cent, weights to the gram."""
    return store.products.select(PRODUCT_COLUMNS).with_columns(
        fixed("unit_cost", 2), fixed("weight_kg", 3), fixed("list_price", 2)
    )


def ecb_history(rates: pl.DataFrame) -> str:
    """Render rates in the layout of the ECB's ``eurofxref-hist.csv``.

    Header ``Date,USD,JPY,...,``, one row per business day, newest first, rates
    in units per 1 EUR with the ECB's decimals, and a trailing comma on every
    line (an empty last column), as in the real file.

    Parameters
    ----------
    rates : polars.DataFrame
        ``date, currency, rate`` (long format).

    Returns
    -------
    str
        The file content.
    """
    codes = [c.code for c in quoted_currencies()]
    decimals = {c.code: c.rate_decimals for c in quoted_currencies()}
    wide = rates.pivot(on="currency", index="date", values="rate").sort(
        "date", descending=True
    )
    lines = ["Date," + ",".join(codes) + ","]
    for row in wide.iter_rows(named=True):
        cells = [f"{row[code]:.{decimals[code]}f}" for code in codes]
        lines.append(row["date"].isoformat() + "," + ",".join(cells) + ",")
    return "\n".join(lines) + "\n"
