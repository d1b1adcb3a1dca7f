"""Settings and status of a purchase plan, and the array types of the optimiser.

See :mod:`~tradepilot.replenishment.optimizer` for the model these settings tune.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from tradepilot.domain.errors import DataValidationError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
PlanStatus = Literal["optimal", "feasible", "infeasible"]
#: Tolerance of the optimiser's comparisons (units, cases, money).
EPS = 1e-9


@dataclass(frozen=True, slots=True)
class PlanParams:
    """Settings of one purchase plan.

    Parameters
    ----------
    horizon_days : float
        Days of demand each purchase must cover after the slowest arrival (> 0).
    budget : float or None
        Cash for the purchase incl. freight, base currency; None = unlimited.
    warehouse_capacity : float or None
        Units the warehouse holds (position plus purchases); None = unlimited.
    stockout_penalty : float
        Extra cost per unit of lost demand on top of the lost margin (>= 0).
    service_level : float
        Quantile the sales curve's segments reach (0.5 < level < 1).
    n_segments : int
        Segments of each bucket's sales curve (>= 2).
    mip_gap : float
        Relative MIP gap at which HiGHS stops.
    time_limit : float
        Seconds HiGHS may run.
    threads : int
        HiGHS threads.
    poisson_floor : bool
        Floor each bucket's demand standard deviation at ``sqrt(mean)``.
    currency : str
        Code printed before amounts in explanations ("EUR"); empty prints none.
    """

    horizon_days: float
    budget: float | None = None
    warehouse_capacity: float | None = None
    stockout_penalty: float = 0.0
    service_level: float = 0.995
    n_segments: int = 6
    mip_gap: float = 0.01
    time_limit: float = 60.0
    threads: int = 2
    poisson_floor: bool = True
    currency: str = ""

    def __post_init__(self) -> None:
        checks = {
            "horizon_days > 0": self.horizon_days > 0,
            "budget >= 0 or None": self.budget is None or self.budget >= 0,
            "warehouse_capacity >= 0 or None": self.warehouse_capacity is None
            or self.warehouse_capacity >= 0,
            "stockout_penalty >= 0": self.stockout_penalty >= 0,
            "0.5 < service_level < 1": 0.5 < self.service_level < 1,
            "n_segments >= 2": self.n_segments >= 2,
            "mip_gap >= 0": self.mip_gap >= 0,
            "time_limit > 0": self.time_limit > 0,
            "threads >= 1": self.threads >= 1,
        }
        broken = [rule for rule, ok in checks.items() if not ok]
        if broken:
            raise DataValidationError(
                f"PlanParams needs {', '.join(broken)}; received {self!r}"
            )

    def money(self, amount: float) -> str:
        """Format ``amount`` with the currency code, e.g. ``"EUR 1,234.50"``."""
        return f"{self.currency} {amount:,.2f}".strip()
