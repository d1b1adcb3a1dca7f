"""The ``tradepilot`` command starts at once: no heavy library at import time.

Each check runs in a fresh interpreter, so modules imported by other tests do not
count. The timings themselves are in ``bench/cli_startup_bench.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tradepilot.config import Settings
from tradepilot.ingest.service import import_file
from tradepilot.workspace import init_workspace

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"

# Libraries that take from a tenth of a second to seconds to import; a command
# that needs one imports it inside the function that uses it.
HEAVY = (
    "statsforecast",
    "statsmodels",
    "mlforecast",
    "lightgbm",
    "sklearn",
    "highspy",
    "plotly",
    "scipy",
    "networkx",
    "dask",
    "pandas",
    "fastapi",
    "uvicorn",
)
# --help, the import itself and status need no data library either.
DATA = ("polars", "numpy")
REPORT_HEAVY = (
    "import json, sys\n"
    f"heavy = {(*HEAVY, *DATA)!r}\n"
    "loaded = {m.split('.')[0] for m in sys.modules} & set(heavy)\n"
    "sys.__stdout__.write(json.dumps(sorted(loaded)))\n"
)


def heavy_modules_after(code: str) -> list[str]:
    """The heavy libraries loaded in a fresh interpreter after running ``code``."""
    done = subprocess.run(
        [sys.executable, "-c", code + "\n" + REPORT_HEAVY],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_importing_the_cli_loads_no_heavy_library():
    loaded = heavy_modules_after("import tradepilot.cli.main")

    assert loaded == []


def test_help_loads_no_heavy_library():
    loaded = heavy_modules_after(
        "from tradepilot.cli.main import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
    )

    assert loaded == []


def test_status_loads_no_heavy_library(tmp_path: Path):
    home = tmp_path / "ws"
    engine = init_workspace(Settings(home=home, database_url=None))
    import_file(engine, fmt="shopify", path=FIXTURES / "shopify_orders.csv")
    engine.dispose()

    loaded = heavy_modules_after(
        "from tradepilot.cli.main import app\n"
        "try:\n"
        f"    app(['status', '-w', {str(home)!r}, '--json'])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
    )

    assert loaded == []  # totals in plain Python (tradepilot.reporting.totals)
