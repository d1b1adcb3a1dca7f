from pathlib import Path

import polars as pl

from tradepilot.simulate import SimulatedStore


def test_inventory_is_weekly_per_sku_and_never_negative(
    small_store: SimulatedStore, written: dict[str, Path]
) -> None:
    inventory = pl.read_csv(written["inventory"], try_parse_dates=True)
    per_date = inventory.group_by("date").len()

    assert inventory.columns == ["date", "sku", "warehouse", "on_hand"]
    assert (inventory["on_hand"] >= 0).all()
    assert (inventory["date"].dt.weekday() == 7).all()
    assert per_date.height == 52
    assert (per_date["len"] == small_store.config.n_skus).all()
    assert set(inventory["warehouse"]) == {"WH-MAIN"}


def test_snapshots_match_the_stock_behind_the_truth(
    small_store: SimulatedStore,
) -> None:
    truth = small_store.demand_truth.group_by("date", "sku").agg(
        pl.col("in_stock").first()
    )
    snapshots = small_store.inventory.join(truth, on=["date", "sku"])

    assert snapshots.height == small_store.inventory.height
    assert snapshots.filter(~pl.col("in_stock"), pl.col("on_hand") > 0).height == 0


def test_products_file_layout(written: dict[str, Path]) -> None:
    products = pl.read_csv(written["products"], infer_schema=False)

    assert products.columns == ["sku", "description", "category", "supplier",
                                "unit_cost", "cost_currency", "weight_kg", "hs_code",
                                "case_pack", "moq", "list_price", "price_currency"]  # fmt: skip
    assert products["sku"].str.contains(r"^TP-\d{4}$").all()
    assert products["hs_code"].str.contains(r"^\d{6}$").all()
    assert products["sku"].is_unique().all()
    assert products["description"].is_unique().all()
    assert set(products["cost_currency"]) == {"USD", "EUR"}
    moq = products["moq"].cast(pl.Int64)
    assert (moq % products["case_pack"].cast(pl.Int64) == 0).all()
