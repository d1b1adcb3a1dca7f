import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tradepilot.simulate import SimulatedStore
from tradepilot.simulate.suppliers import SUPPLIERS, LeadTimeDistribution

PO_HEADER = (
    "po_number,supplier,ordered_date,sku,quantity_ordered,unit_cost,currency,"
    "promised_date,received_date,quantity_received,mode,warehouse"
)


def test_purchase_order_file_layout(
    written: dict[str, Path], purchase_orders: pl.DataFrame
) -> None:
    header = written["purchase_orders"].read_text(encoding="utf-8").splitlines()[0]
    dates = purchase_orders.select("ordered_date", "promised_date", "received_date")

    assert header == PO_HEADER
    assert set(purchase_orders["mode"]) == {"sea", "air"}
    assert set(purchase_orders["warehouse"]) == {"WH-MAIN"}
    assert set(purchase_orders["supplier"]) == {s.name for s in SUPPLIERS}
    assert dates.select(
        pl.all().drop_nulls().str.contains(r"^\d{4}-\d\d-\d\d$").all()
    ).row(0) == (True, True, True)
    assert purchase_orders["unit_cost"].str.contains(r"^\d+\.\d\d$").all()


def test_partial_receipts_exist_and_never_exceed_the_order(
    purchase_orders: pl.DataFrame,
) -> None:
    lines = (
        purchase_orders.with_columns(
            pl.col("quantity_ordered", "quantity_received").cast(pl.Int64)
        )
        .group_by("po_number", "sku")
        .agg(
            ordered=pl.col("quantity_ordered").first(),
            distinct_ordered=pl.col("quantity_ordered").n_unique(),
            received=pl.col("quantity_received").sum(),
            receipts=pl.col("received_date").drop_nulls().len(),
        )
    )

    assert lines.filter(pl.col("receipts") == 2).height >= 5
    assert (lines["distinct_ordered"] == 1).all()
    assert (lines["received"] <= lines["ordered"]).all()
    assert (
        lines.filter(
            pl.col("received") < pl.col("ordered"), pl.col("receipts") > 0
        ).height
        > 0
    )


def test_lines_not_yet_received_have_empty_receipt(
    purchase_orders: pl.DataFrame,
) -> None:
    open_rows = purchase_orders.filter(pl.col("received_date").is_null())

    assert open_rows.height > 0
    assert open_rows["quantity_received"].is_null().all()


def _observed_lead_times(store: SimulatedStore) -> pl.DataFrame:
    """First receipt minus order date per PO, for POs no shutdown delayed."""
    delayed = store.purchase_lines_truth.filter(pl.col("shutdown_delay_days") > 0)[
        "po_number"
    ]
    return (
        store.purchase_orders.filter(
            pl.col("received_date").is_not_null(),
            ~pl.col("po_number").is_in(delayed.implode()),
        )
        .group_by("po_number", "supplier", "mode")
        .agg(
            days=(
                pl.col("received_date").min() - pl.col("ordered_date").first()
            ).dt.total_days()
        )
    )


def _truth_stats(written: dict[str, Path]) -> pl.DataFrame:
    truth = json.loads(written["truth_lead_times"].read_text(encoding="utf-8"))
    return pl.DataFrame(truth["distributions"]).select(
        "supplier", "mode", "mean", "std"
    )


def test_lead_time_means_match_the_truth(
    small_store: SimulatedStore, written: dict[str, Path]
) -> None:
    observed = _observed_lead_times(small_store).join(
        _truth_stats(written), on=["supplier", "mode"]
    )
    groups = (
        observed.group_by("supplier", "mode")
        .agg(
            n=pl.len(),
            mean=pl.col("days").mean(),
            truth=pl.col("mean").first(),
            std=pl.col("std").first(),
        )
        .filter(pl.col("n") >= 10)
    )
    z = observed.select((pl.col("days") - pl.col("mean")) / pl.col("std")).to_series()

    assert groups.height >= 5
    for n, mean, truth, std in groups.select("n", "mean", "truth", "std").iter_rows():
        assert abs(mean - truth) <= 4 * std / math.sqrt(n) + 0.5
    assert abs(z.mean()) <= 4 / math.sqrt(z.len())


def test_lead_time_truth_describes_its_distributions(written: dict[str, Path]) -> None:
    truth = json.loads(written["truth_lead_times"].read_text(encoding="utf-8"))
    records = truth["distributions"]

    assert len(records) == 2 * len(SUPPLIERS)
    for record in records:
        mu, sigma = record["parameters"]["mu"], record["parameters"]["sigma"]
        assert record["distribution"] == "lognormal"
        assert record["mean"] == pytest.approx(math.exp(mu + sigma**2 / 2), rel=1e-4)
        assert record["p50"] == pytest.approx(math.exp(mu), rel=1e-4)
        assert record["p50"] < record["mean"] < record["p90"]


def test_lognormal_parameters_reproduce_mean_and_std() -> None:
    dist = LeadTimeDistribution(42.0, 8.0)

    draws = np.random.default_rng(0).lognormal(dist.mu, dist.sigma, 400_000)

    assert draws.mean() == pytest.approx(42.0, abs=0.1)
    assert draws.std() == pytest.approx(8.0, abs=0.1)
    assert np.quantile(draws, 0.9) == pytest.approx(dist.p90, abs=0.1)


def test_lunar_new_year_shutdown_delays_orders(
    small_store: SimulatedStore, written: dict[str, Path]
) -> None:
    truth = json.loads(written["truth_lead_times"].read_text(encoding="utf-8"))
    delayed = small_store.purchase_lines_truth.filter(pl.col("shutdown_delay_days") > 0)

    assert truth["shutdowns"][0]["supplier"] == "Shenzhen Brightway Trading Co"
    assert truth["shutdowns"][0]["start"] == "2024-02-03"
    assert truth["shutdowns"][0]["end"] == "2024-02-24"
    assert delayed.height > 0
    assert set(delayed["supplier"]) == {"Shenzhen Brightway Trading Co"}
    assert (delayed["production_start_date"].cast(pl.String) == "2024-02-25").all()
