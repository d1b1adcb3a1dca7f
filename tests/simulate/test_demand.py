import numpy as np
import polars as pl
import pytest

from tradepilot.simulate import SimulatedStore
from tradepilot.simulate.demand import allocate_sales


def test_truth_covers_every_day_sku_and_country(small_store: SimulatedStore) -> None:
    truth = small_store.demand_truth
    config = small_store.config

    assert truth.columns == ["date", "sku", "country", "true_demand", "sold", "lost",
                             "in_stock", "on_promotion"]  # fmt: skip
    assert truth.height == config.n_days * config.n_skus * 19
    assert truth.select(pl.struct("date", "sku", "country").is_unique().all()).item()


def test_sold_never_exceeds_demand_and_lost_is_the_gap(
    small_store: SimulatedStore,
) -> None:
    truth = small_store.demand_truth

    assert (truth["sold"] <= truth["true_demand"]).all()
    assert (truth["lost"] == truth["true_demand"] - truth["sold"]).all()
    assert (truth["sold"] >= 0).all()


def test_stockouts_happen_and_lose_sales(small_store: SimulatedStore) -> None:
    truth = small_store.demand_truth
    out_of_stock = truth.filter(~pl.col("in_stock") & (pl.col("true_demand") > 0))

    assert truth["lost"].sum() > 100
    assert out_of_stock.height > 50
    assert (out_of_stock["sold"] == 0).all()


def test_sold_equals_the_non_cancelled_order_lines(small_store: SimulatedStore) -> None:
    orders = small_store.orders.filter(pl.col("status") != "cancelled")
    lines = small_store.order_lines.join(
        orders.select("order_key", "local_date", "country"), on="order_key"
    )
    ordered = lines.group_by(date="local_date", sku="sku", country="country").agg(
        pl.col("quantity").sum()
    )
    truth = small_store.demand_truth.filter(pl.col("sold") > 0)
    both = truth.join(ordered, on=["date", "sku", "country"], how="full", coalesce=True)

    assert both.height == truth.height
    assert (both["sold"] == both["quantity"]).all()


def test_promotions_are_recorded_and_lift_demand(small_store: SimulatedStore) -> None:
    promotions = small_store.promotions
    truth = small_store.demand_truth
    mean = truth.group_by("on_promotion").agg(pl.col("true_demand").mean())

    assert set(promotions["kind"]) == {"sku_markdown", "store_code"}
    assert set(promotions.filter(kind="store_code")["discount_code"]) == {
        "SUMMER24",
        "BLACKFRIDAY24",
    }
    lift = mean.filter("on_promotion")["true_demand"].item()
    assert lift > 1.5 * mean.filter(~pl.col("on_promotion"))["true_demand"].item()


def test_catalogue_mixes_demand_classes_and_life_cycles(
    small_store: SimulatedStore,
) -> None:
    skus = small_store.sku_truth

    assert set(skus["demand_class"]) == {"steady", "erratic", "intermittent"}
    assert skus["launch_date"].drop_nulls().len() == 6
    assert skus["discontinue_date"].drop_nulls().len() == 5


@pytest.mark.parametrize(
    ("demand", "sold_total", "expected_total"),
    [
        pytest.param([[[2, 3, 0]]], [[4]], 4, id="short-by-one"),
        pytest.param([[[2, 3, 0]]], [[0]], 0, id="empty-shelf"),
        pytest.param([[[2, 3, 0]]], [[5]], 5, id="enough-stock"),
    ],
)
def test_allocate_sales_splits_what_was_sold(
    demand: list[list[list[int]]], sold_total: list[list[int]], expected_total: int
) -> None:
    wanted = np.array(demand)

    sold = allocate_sales(np.random.default_rng(0), wanted, np.array(sold_total))

    assert int(sold.sum()) == expected_total
    assert (sold <= wanted).all()
    assert (sold >= 0).all()
