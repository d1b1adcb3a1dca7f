"""CLI start-up bench: how long ``tradepilot`` takes before it does any work.

Prints, in one run, the median wall time of fresh processes (each command run
``--runs`` times, the commands interleaved so that a busy machine slows all alike):

- the baseline ``python -c "import typer, sqlalchemy"``;
- ``tradepilot --help``;
- ``tradepilot status`` on a small initialised workspace (``init``, then three orders
  in one currency imported);
- ``tradepilot status`` on an empty initialised workspace;
- for information, ``tradepilot status`` on the small simulated store of the tests
  (20 SKUs, 19 currencies: revenue is converted at daily rates, which needs polars).

Target (issue 10): ``--help`` and ``status`` on the small workspace within 2x the
baseline.

Run: ``uv run python bench/cli_startup_bench.py [--runs 7] [--skip-simulated]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 2.0
ORDERS = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    "1,A,x,2,2010-12-01 08:26:00,2.50,1.0,France\n"
    "2,B,y,1,2010-12-01 09:00:00,10,2.0,France\n"
    "3,A,x,1,2010-12-02 10:00:00,2.50,3.0,Germany\n"
)


def tradepilot() -> list[str]:
    """The ``tradepilot`` script of this environment."""
    beside = Path(sys.executable).with_name("tradepilot")
    found = str(beside) if beside.exists() else shutil.which("tradepilot")
    if found is None:
        sys.exit("the tradepilot script is not installed (uv sync)")
    return [found]


def run(command: list[str]) -> None:
    """Run ``command``, failing the bench if it fails."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")


def prepare(root: Path, *, simulated: bool) -> dict[str, Path]:
    """Workspaces to run ``status`` on, made through the CLI (and the simulator)."""
    cli = tradepilot()
    small, empty = root / "small", root / "empty"
    orders = root / "orders.csv"
    orders.write_text(ORDERS, encoding="utf-8")
    run([*cli, "init", "-w", str(empty), "--json"])
    run([*cli, "init", "-w", str(small), "--json"])
    run([*cli, "import", "online-retail", str(orders), "-w", str(small), "--json"])
    spaces = {"small": small, "empty": empty}
    if simulated:
        spaces["simulated"] = simulated_store(root / "simulated")
    return spaces


def simulated_store(home: Path) -> Path:
    """The tests' small simulated store (tests/simstore.py), imported."""
    from tradepilot.config import Settings
    from tradepilot.demo import IMPORTS
    from tradepilot.ingest.service import import_file
    from tradepilot.simulate import SimulationConfig, simulate_store, write_store
    from tradepilot.workspace import init_workspace

    config = SimulationConfig(
        seed=3, n_days=420, n_skus=20, n_customers=800, demand_scale=2.0
    )
    files = write_store(simulate_store(config), home.parent / "simulated-files")
    engine = init_workspace(Settings(home=home, database_url=None), base_currency="EUR")
    for key, fmt in IMPORTS:
        import_file(engine, fmt=fmt, path=files[key])
    engine.dispose()
    return home


def timed(command: list[str]) -> float:
    """Wall seconds of one run of ``command`` (output discarded)."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr.decode()}")
    return seconds


def medians(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Median wall time of each command, the commands interleaved run by run."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # warm the file cache once
        timed(command)
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(timed(command))
    return {name: statistics.median(found) for name, found in times.items()}


def main() -> None:
    """Measure and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--skip-simulated", action="store_true")
    args = parser.parse_args()
    cli = tradepilot()
    with tempfile.TemporaryDirectory(prefix="tp-startup-") as tmp:
        spaces = prepare(Path(tmp), simulated=not args.skip_simulated)
        commands = {
            'python -c "import typer, sqlalchemy"': [
                sys.executable,
                "-c",
                "import typer, sqlalchemy",
            ],
            "tradepilot --help": [*cli, "--help"],
            **{
                f"tradepilot status ({name} workspace)": [
                    *cli,
                    "status",
                    "-w",
                    str(home),
                    "--json",
                ]  # fmt: skip
                for name, home in spaces.items()
            },
        }
        found = medians(commands, args.runs)
    baseline = found.pop('python -c "import typer, sqlalchemy"')
    print(f"# CLI start-up, median of {args.runs} runs each (fresh processes)")
    print(f"{'baseline: import typer, sqlalchemy':<48} {baseline:6.2f} s  1.00x")
    for name, seconds in found.items():
        ratio = seconds / baseline
        if "simulated" in name:
            verdict = "(information: converts 19 currencies)"
        else:
            verdict = (
                f"target <= {TARGET:.0f}x: {'met' if ratio <= TARGET else 'NOT met'}"
            )
        print(f"{name:<48} {seconds:6.2f} s  {ratio:4.2f}x  {verdict}")


if __name__ == "__main__":
    main()
