import datetime as dt

import numpy as np
import polars as pl
import pytest
from tests.customers.conftest import CDNOW_END, PUBLISHED_BGNBD
from tests.customers.synthetic import seasonal_purchases

from tradepilot.customers.clv import ClvSettings, predict_clv
from tradepilot.domain.errors import DataValidationError

D = dt.date


def _purchases(rows):
    return pl.DataFrame(rows, schema=["customer", "day", "amount"], orient="row")


def test_cdnow_pipeline_gives_the_published_fit_and_a_holdout(cdnow):
    result = predict_clv(
        cdnow.select("customer", "day", "amount"),
        settings=ClvSettings(calibration_end=CDNOW_END, time_unit="W"),
    )

    for name, published in PUBLISHED_BGNBD.items():
        assert result.model.params_[name] == pytest.approx(published, rel=0.02)
    assert result.customers.height == 2357
    assert result.holdout is not None
    assert result.holdout["periods"] == 39.0  # to 1998-06-30
    assert result.holdout["customers"] == 2357
    assert result.horizon == 39.0


def test_expected_purchases_cover_the_horizon_and_value_is_discounted(cdnow):
    settings = ClvSettings(calibration_end=CDNOW_END, horizon=14.14)
    undiscounted = ClvSettings(
        calibration_end=CDNOW_END, horizon=14.14, discount_rate=0
    )

    result = predict_clv(cdnow.select("customer", "day", "amount"), settings=settings)
    flat = predict_clv(cdnow.select("customer", "day", "amount"), settings=undiscounted)

    c = result.customers
    # no season learnt on CDNOW: the plain model's expectation over 14.14 weeks
    np.testing.assert_allclose(c["expected_purchases"], c["plain_expected_purchases"])
    np.testing.assert_allclose(
        flat.customers["expected_value"],
        c["expected_purchases"] * c["expected_spend"],
        rtol=1e-9,
    )
    assert (c["expected_value"] < flat.customers["expected_value"]).all()


def test_churn_risk_flags_repeat_buyers_unlikely_to_be_alive():
    rows = [("gone", D(2024, 1, 1 + k), 10.0) for k in range(0, 20, 2)]
    rows += [
        ("loyal", D(2024, 1, 1) + dt.timedelta(days=7 * k), 10.0) for k in range(26)
    ]
    rows += [("once", D(2024, 3, 1), 10.0)]

    result = predict_clv(
        _purchases(rows), settings=ClvSettings(calibration_end=D(2024, 6, 24))
    )

    risk = dict(result.customers.select("customer", "churn_risk").iter_rows())
    assert risk == {"gone": True, "loyal": False, "once": False}


def test_a_small_store_still_fits_with_a_note_on_uncertainty():
    purchases = seasonal_purchases(
        11, n=50, start=D(2024, 1, 1), days=182, factors=[1.0] * 12, alpha=20.0
    )

    result = predict_clv(purchases, settings=ClvSettings())

    assert result.customers.height == 50
    assert result.notes
    assert result.notes[0].startswith("small store: fitted on 50 customers")
    assert result.customers["expected_value"].is_finite().all()


def test_a_calibration_end_outside_the_data_is_refused():
    purchases = _purchases([("a", D(2024, 1, 1), 1.0), ("a", D(2024, 2, 1), 1.0)])

    with pytest.raises(DataValidationError, match="outside the data"):
        predict_clv(purchases, settings=ClvSettings(calibration_end=D(2023, 6, 1)))


def test_a_store_without_repeat_buyers_is_refused():
    purchases = _purchases([("a", D(2024, 1, 1), 1.0), ("b", D(2024, 2, 1), 1.0)])

    with pytest.raises(DataValidationError, match="no customer has a repeat purchase"):
        predict_clv(purchases, settings=ClvSettings())


@pytest.mark.parametrize("horizon", [0.0, -3.0, float("inf")])
def test_a_horizon_must_be_a_positive_number(horizon):
    purchases = _purchases([("a", D(2024, 1, 1), 1.0), ("a", D(2024, 2, 1), 1.0)])

    with pytest.raises(DataValidationError, match="positive number of periods"):
        predict_clv(purchases, settings=ClvSettings(horizon=horizon))
