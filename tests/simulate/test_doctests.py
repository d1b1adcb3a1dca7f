import doctest
import importlib

import pytest

MODULES = [
    "tradepilot.simulate",
    "tradepilot.simulate.amazon",
    "tradepilot.simulate.config",
    "tradepilot.simulate.demand",
    "tradepilot.simulate.exports",
    "tradepilot.simulate.fx",
    "tradepilot.simulate.markets",
    "tradepilot.simulate.people",
    "tradepilot.simulate.pricing",
    "tradepilot.simulate.store",
    "tradepilot.simulate.suppliers",
    "tradepilot.simulate.timeline",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))

    assert result.failed == 0
