import datetime as dt

import pytest

from tradepilot.domain.errors import DataValidationError
from tradepilot.simulate import SimulationConfig


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"n_days": 30}, id="span-too-short"),
        pytest.param({"n_skus": 5}, id="too-few-skus"),
        pytest.param({"demand_scale": 0.0}, id="zero-demand"),
        pytest.param({"cancel_rate": 0.9}, id="cancel-rate-too-high"),
    ],
)
def test_invalid_config_is_rejected(changes: dict[str, float]) -> None:
    with pytest.raises(DataValidationError):
        SimulationConfig(**changes)  # type: ignore[arg-type]


def test_defaults_describe_a_two_year_demo() -> None:
    config = SimulationConfig()

    assert (config.seed, config.n_days, config.n_skus) == (7, 730, 300)
    assert config.start == dt.date(2024, 1, 1)
    assert config.end == dt.date(2025, 12, 30)
    assert config.to_dict()["start"] == "2024-01-01"
