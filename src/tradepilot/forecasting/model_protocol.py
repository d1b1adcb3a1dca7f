"""The protocol of a statsforecast model, apart from the models so that the cluster
backend (:mod:`~tradepilot.forecasting.distributed`) can name it without importing
them."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray


class StatsModel(Protocol):
    """A statsforecast model: anything ``StatsForecast(models=[...])`` accepts."""

    alias: str

    def forecast(self, y: NDArray[np.float64], h: int) -> dict[str, Any]:
        """Point forecast of ``h`` periods after ``y`` (key ``mean``)."""
