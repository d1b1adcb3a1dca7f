import pytest
from tests.customers.conftest import CDNOW_END, PUBLISHED_GG

from tradepilot.customers.gammagamma import GammaGammaModel
from tradepilot.customers.rfm import purchase_days, summarise
from tradepilot.domain.errors import DataValidationError, NotFittedError


def test_fit_on_cdnow_reproduces_the_published_spend_parameters(cdnow):
    days = purchase_days(cdnow.select("customer", "day", "amount"))
    s = summarise(days, calibration_end=CDNOW_END, unit_days=7)

    model = GammaGammaModel().fit(s["frequency"], s["monetary"])

    for name, published in PUBLISHED_GG.items():
        assert model.params_[name] == pytest.approx(published, rel=0.005), name
    assert model.n_customers_ == 946  # repeat buyers in the calibration period


def test_expected_spend_is_the_hand_computed_weighted_mean():
    model = GammaGammaModel.from_params(p=2.0, q=3.0, v=10.0)

    spend = model.expected_spend([0, 4], [0.0, 25.0])

    # x = 0: p v / (q - 1) = 10; x = 4: p (v + 4 * 25) / (4 p + q - 1) = 220 / 10
    assert spend.tolist() == pytest.approx([10.0, 22.0])


def test_spend_model_needs_two_repeat_buyers():
    with pytest.raises(DataValidationError, match="at least 2 customers"):
        GammaGammaModel().fit([0, 1, 0], [0.0, 12.0, 0.0])


def test_unfitted_spend_model_raises_not_fitted():
    with pytest.raises(NotFittedError):
        GammaGammaModel().expected_spend([1], [10.0])
