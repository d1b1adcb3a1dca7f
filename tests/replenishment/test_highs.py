"""HiGHS prints nothing on stdout, not even the banner of a process's first instance."""

from __future__ import annotations

import subprocess
import sys

SOLVE_ONE = """
from tradepilot.replenishment.highs import silent_highs

h = silent_highs()
h.addVar(0.0, 4.0)
h.changeColCost(0, -1.0)
h.run()
print(h.getSolution().col_value)
"""


def test_a_first_highs_instance_and_its_solve_print_nothing_on_stdout():
    done = subprocess.run(
        [sys.executable, "-c", SOLVE_ONE], capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == "[4.0]\n"
    assert "HiGHS" not in done.stderr
