import hashlib
from pathlib import Path

import pytest

from tradepilot.simulate import SimulationConfig, simulate_store, write_store


def _digests(paths: dict[str, Path]) -> dict[str, str]:
    return {
        name: hashlib.sha256(p.read_bytes()).hexdigest() for name, p in paths.items()
    }


def test_same_config_writes_byte_identical_files(
    small_config: SimulationConfig, written: dict[str, Path], tmp_path: Path
) -> None:
    again = write_store(simulate_store(small_config), tmp_path)

    assert sorted(again) == sorted(written)
    assert _digests(again) == _digests(written)


@pytest.mark.parametrize(
    "name",
    [
        "shopify_orders",
        "amazon_all_orders",
        "purchase_orders",
        "inventory",
        "eurofxref_hist",
        "truth_demand",
    ],
)
def test_different_seed_writes_different_files(
    written: dict[str, Path], other_seed_written: dict[str, Path], name: str
) -> None:
    assert _digests(other_seed_written)[name] != _digests(written)[name]


def test_write_store_returns_every_file(written: dict[str, Path]) -> None:
    names = {
        name: path.relative_to(written["products"].parent).as_posix()
        for name, path in written.items()
    }

    assert names == {
        "shopify_orders": "shopify_orders.csv",
        "shopify_customers": "shopify_customers.csv",
        "amazon_all_orders": "amazon_all_orders.txt",
        "purchase_orders": "purchase_orders.csv",
        "inventory": "inventory.csv",
        "products": "products.csv",
        "eurofxref_hist": "eurofxref-hist.csv",
        "truth_demand": "truth/demand.parquet",
        "truth_promotions": "truth/promotions.parquet",
        "truth_skus": "truth/skus.parquet",
        "truth_purchase_lines": "truth/purchase_lines.parquet",
        "truth_lead_times": "truth/lead_times.json",
        "truth_customers": "truth/customers.parquet",
        "truth_readme": "truth/README.md",
        "shopify_payments": "shopify_payments_transactions.csv",
        "paypal_activity": "paypal_activity.csv",
        "amazon_settlement": "amazon_settlement.txt",
        "bank_statement": "bank_statement.csv",
        "truth_payments": "truth/payments_discrepancies.csv",
    }
    assert all(path.stat().st_size > 0 for path in written.values())
