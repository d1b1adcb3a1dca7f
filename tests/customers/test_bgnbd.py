import math

import numpy as np
import pytest
from scipy.special import roots_jacobi
from tests.customers.conftest import CDNOW_END, PUBLISHED_BGNBD

from tradepilot.customers.bgnbd import (
    BetaGeoModel,
    CustomerData,
    log_likelihood,
    sample_customers,
)
from tradepilot.customers.rfm import purchase_days, summarise
from tradepilot.domain.errors import DataValidationError, NotFittedError

ONES = [1.0, 1.0, 1.0, 1.0]


def _expected_by_quadrature(params, t, x, t_x, T, nodes=64):
    """E[Y(t) | x, t_x, T] = P(alive) E_p[(1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p],
    p ~ Beta(a, b + x): the expectation integrated over the drop-out probability by
    Gauss-Jacobi quadrature, independently of the 2F1 closed form."""
    r, alpha, a, b = params
    u, w = roots_jacobi(nodes, b + x - 1.0, a - 1.0)
    p = (1.0 + u) / 2.0
    inner = (1.0 - ((alpha + T) / (alpha + T + p * t)) ** (r + x)) / p
    beta = math.exp(math.lgamma(a) + math.lgamma(b + x) - math.lgamma(a + b + x))
    mean = float(np.sum(w * inner)) / (2.0 ** (a + b + x - 1.0)) / beta
    odds = 0.0
    if x > 0:
        odds = a / (b + x - 1.0) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    return mean / (1.0 + odds)


def test_log_likelihood_of_a_customer_without_repeats_is_hand_computed():
    # r = alpha = a = b = 1, x = 0, T = 1: only A3 = -(r + x) ln(alpha + T) = -ln 2
    data = CustomerData.of([0], [0.0], [1.0])

    assert log_likelihood(ONES, data)[0] == pytest.approx(-math.log(2), abs=1e-12)


def test_log_likelihood_of_a_repeat_buyer_is_hand_computed():
    # x = 1, t_x = 1, T = 2: A2 = -ln 2, exp(A3) = 1/9, exp(A4) = 1/4
    data = CustomerData.of([1], [1.0], [2.0])
    expected = -math.log(2) + math.log(1 / 9 + 1 / 4)

    assert log_likelihood(ONES, data)[0] == pytest.approx(expected, abs=1e-12)


def test_published_cdnow_parameters_give_the_published_log_likelihood(cdnow):
    days = purchase_days(cdnow.select("customer", "day", "amount"))
    s = summarise(days, calibration_end=CDNOW_END, unit_days=7)
    data = CustomerData.of(s["frequency"], s["recency"], s["T"])
    params = [PUBLISHED_BGNBD[k] for k in ("r", "alpha", "a", "b")]

    assert log_likelihood(params, data).sum() == pytest.approx(-9582.4, abs=0.5)


def test_fit_on_cdnow_reproduces_the_published_parameters(cdnow):
    days = purchase_days(cdnow.select("customer", "day", "amount"))
    s = summarise(days, calibration_end=CDNOW_END, unit_days=7)

    model = BetaGeoModel().fit(s["frequency"], s["recency"], s["T"])

    for name, published in PUBLISHED_BGNBD.items():
        assert model.params_[name] == pytest.approx(published, rel=0.005), name
    assert model.log_likelihood_ == pytest.approx(-9582.4, abs=0.1)
    assert model.n_customers_ == 2357


def test_fit_recovers_parameters_of_a_synthetic_sample_within_sampling_error():
    rng = np.random.default_rng(12)
    T = rng.uniform(27.0, 39.0, 6000)  # first purchases over 12 weeks, as CDNOW
    x, t_x = sample_customers(rng, params=PUBLISHED_BGNBD, T=T)

    model = BetaGeoModel().fit(x, t_x, T)

    for name, truth in PUBLISHED_BGNBD.items():
        error = model.standard_errors_[name]
        assert math.isfinite(error), name
        assert abs(model.params_[name] - truth) < 3 * error, (name, model.params_)


@pytest.mark.parametrize(
    ("params", "t", "x", "t_x", "T"),
    [
        pytest.param((0.243, 4.414, 0.793, 2.426), 39.0, 2, 30.43, 38.86, id="cdnow"),
        pytest.param((0.243, 4.414, 0.793, 2.426), 39.0, 0, 0.0, 38.86, id="one-off"),
        pytest.param((0.72, 9.36, 1.3e-4, 800.0), 14.14, 40, 36.0, 39.0, id="no-drop"),
        pytest.param((0.72, 65.6, 0.002, 251.0), 99.0, 150, 270.0, 274.0, id="daily"),
        pytest.param((2.0, 0.5, 3.0, 5.0), 500.0, 8, 20.0, 30.0, id="long-horizon"),
        pytest.param((0.5, 1.0, 1.0, 2.0), 10.0, 3, 4.0, 9.0, id="a-equals-1"),
    ],
)
def test_expected_purchases_match_direct_integration(params, t, x, t_x, T):
    r, alpha, a, b = params
    model = BetaGeoModel.from_params(r=r, alpha=alpha, a=a, b=b)
    a_used = a + 1e-7 if a == 1.0 else a

    closed = model.expected_purchases(t, [x], [t_x], [T])[0]
    direct = _expected_by_quadrature((r, alpha, a_used, b), t, x, t_x, T)

    assert closed == pytest.approx(direct, rel=1e-6)


def test_expected_purchases_of_a_new_customer_equal_those_of_a_zero_history():
    model = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)

    new = model.expected_purchases_new([0.0, 39.0, 78.0])
    zero = model.expected_purchases(
        np.array([0.0, 39.0, 78.0]), [0] * 3, [0] * 3, [0] * 3
    )

    np.testing.assert_allclose(new, zero, rtol=1e-10)
    assert new[0] == 0.0


def test_p_alive_is_one_without_repeats_and_falls_with_silence():
    model = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)

    alive = model.p_alive([0, 3, 3], [0.0, 30.0, 5.0], [38.0, 38.0, 38.0])

    assert alive[0] == 1.0
    assert alive[1] > alive[2]


def test_using_an_unfitted_model_raises_not_fitted():
    with pytest.raises(NotFittedError, match="not fitted"):
        BetaGeoModel().p_alive([1], [1.0], [2.0])


def test_a_store_without_repeat_buyers_is_refused_with_a_clear_message():
    with pytest.raises(DataValidationError, match="no customer has a repeat purchase"):
        BetaGeoModel().fit([0, 0, 0], [0.0, 0.0, 0.0], [5.0, 3.0, 1.0])


@pytest.mark.parametrize(
    ("x", "t_x", "T", "message"),
    [
        pytest.param([1, 2], [1.0], [2.0], "one value per customer", id="lengths"),
        pytest.param([1.5], [1.0], [2.0], "whole number", id="fractional"),
        pytest.param([1], [3.0], [2.0], "between 0 and T", id="recency>T"),
        pytest.param([0], [1.0], [2.0], "recency must be 0", id="recency-no-repeat"),
        pytest.param([1], [float("nan")], [2.0], "finite", id="nan"),
    ],
)
def test_bad_input_names_the_rule(x, t_x, T, message):
    with pytest.raises(DataValidationError, match=message):
        BetaGeoModel().fit(x, t_x, T)
