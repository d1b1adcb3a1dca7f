"""The simulator's customers follow a known purchase process, and the purchase model
recovers it (issue 12 item 6)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from tradepilot.customers.clv import ClvSettings, predict_clv
from tradepilot.simulate import SimulationConfig, simulate_store
from tradepilot.simulate.buyers import DROPOUT_A, DROPOUT_B, RATE_SHAPE

CONFIG = SimulationConfig(
    seed=5, n_days=540, n_skus=60, n_customers=1500, demand_scale=2.0
)


@pytest.fixture(scope="module")
def store():
    return simulate_store(CONFIG)


@pytest.fixture(scope="module")
def purchases(store):
    registered = store.orders.filter(pl.col("customer_id").is_not_null())
    lines = store.order_lines.join(
        registered.select("order_key", "email", "local_date"), on="order_key"
    )
    return (
        lines.group_by("email", "local_date")
        .agg(((pl.col("quantity") * pl.col("unit_price")).sum() / 100).alias("amount"))
        .rename({"email": "customer", "local_date": "day"})
    )


def test_truth_accounts_for_every_registered_order(store):
    truth = store.customer_truth
    placed = store.orders.filter(pl.col("customer_id").is_not_null())
    per_customer = placed.group_by("customer_id").len("orders")
    joined = truth.join(per_customer, on="customer_id", how="left")

    assert joined["orders"].fill_null(0).to_list() == joined["purchases"].to_list()
    assert placed.filter(pl.col("status") == "cancelled").height == 0
    assert placed.filter(pl.col("channel") == "amazon").height == 0


def test_a_customer_who_dropped_out_never_buys_again(store):
    truth = store.customer_truth.filter(pl.col("dropped_out").is_not_null())
    last = (
        store.orders.filter(pl.col("customer_id").is_not_null())
        .group_by("customer_id")
        .agg(pl.col("local_date").max().alias("last_order"))
    )
    checked = truth.join(last, on="customer_id")

    assert checked.height > 100
    assert (checked["last_order"] <= checked["dropped_out"]).all()
    assert (checked["dropped_out"] == checked["last_purchase"]).all()


def test_true_parameters_follow_the_stated_distributions(store):
    truth = store.customer_truth
    dropout = truth["dropout"].to_numpy()

    assert dropout.mean() == pytest.approx(
        DROPOUT_A / (DROPOUT_A + DROPOUT_B), abs=0.02
    )
    assert truth["taste"].list.sum().to_numpy() == pytest.approx(1.0)
    assert truth["missed_purchases"].sum() < 0.05 * truth["purchases"].sum()


def test_bg_nbd_recovers_drop_out_rates_and_who_is_alive(store, purchases):
    truth = store.customer_truth.filter(pl.col("joined"))
    result = predict_clv(purchases, settings=ClvSettings(calibration_end=CONFIG.end))
    params = result.model.params_
    scored = result.customers.join(
        truth.select(
            pl.col("email").alias("customer"), "alive_at_end", "rate_per_week"
        ),
        on="customer",
    )
    repeat = scored.filter(pl.col("frequency") > 0)
    posterior_rate = (params["r"] + scored["frequency"]) / (
        params["alpha"] + scored["T"]
    )

    assert params["r"] == pytest.approx(RATE_SHAPE, rel=0.25)
    assert params["a"] / (params["a"] + params["b"]) == pytest.approx(
        truth["dropout"].mean(), abs=0.05
    )
    assert params["r"] / params["alpha"] == pytest.approx(
        truth["rate_per_week"].mean(), rel=0.2
    )
    assert roc_auc_score(repeat["alive_at_end"], repeat["p_alive"]) > 0.75
    assert spearmanr(posterior_rate, scored["rate_per_week"]).statistic > 0.6


def test_favourite_categories_reflect_the_true_taste(store):
    truth = store.customer_truth.filter(pl.col("purchases") >= 4)
    registered = store.orders.filter(pl.col("customer_id").is_not_null())
    categories = (
        store.order_lines.join(
            registered.select("order_key", "customer_id"), on="order_key"
        )
        .join(store.products.select("sku", "category"), on="sku")
        .select("customer_id", "order_key", "category")
        .unique()
        .group_by("customer_id", "category")
        .len()
        .sort(["customer_id", "len", "category"], descending=[False, True, False])
        .group_by("customer_id", maintain_order=True)
        .first()
    )
    matched = truth.join(categories, on="customer_id")
    hit_rate = float((matched["category"] == matched["top_category"]).mean())

    assert matched.height > 200
    assert hit_rate > 1.5 / 9  # chance is 1 in 9 categories
    assert np.isfinite(hit_rate)
