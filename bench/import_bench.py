"""Import benchmark: the whole UCI Online Retail file into SQLite and PostgreSQL.

Each run measures, on this machine: the best of three bare ``polars.read_csv`` reads
of the file (the baseline), then a first import, a re-import (the unchanged file,
recognised by its hash) and a re-read (``full=True``: every row read and checked
again, no target) into a new SQLite workspace and into a new PostgreSQL schema. An import's time is its report's
``seconds``, timed inside the process (reading, checking and writing, up to the
commit); the wall time around ``import_file`` (commit included) is printed beside it.
Peak memory is the max RSS of the process doing the work; each store's imports run
in a fresh process, so its peak is its own.

The machine is shared, so the ratios of a run are taken against the bare read of the
same run, and the bench repeats the whole run (``--runs``, default 3) and reports
the median of each ratio.

Targets (issue 11): SQLite import <= 15x the bare read; PostgreSQL import (COPY) <=
30x; re-import <= 5x (each store); peak memory < 2 GB; every row accounted for
(rows_read = accepted + quarantined + duplicates; a re-import adds no row, and the
recognised re-import reports the re-read's counts). CPU seconds are printed beside.

Usage: ``python bench/import_bench.py [--file PATH] [--postgres URL] [--runs N]
[--json]``
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

DEFAULT_FILE = (
    Path(__file__).resolve().parents[2]
    / "shared/data/online_retail/online_retail_2010_2011.csv.gz"
)
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STORES = ("sqlite", "postgresql")
# (label, key, limit): a ratio key of a run and the largest value that meets it.
TARGETS = [
    ("SQLite import", "sqlite_import", 15.0),
    ("PostgreSQL import (COPY)", "postgresql_import", 30.0),
    ("SQLite re-import", "sqlite_reimport", 5.0),
    ("PostgreSQL re-import", "postgresql_reimport", 5.0),
]
PEAK_LIMIT_MB = 2048
# The imports of each store, in order, and whether each is forced to read the file.
IMPORTS = {"import": False, "re-import": False, "re-read": True}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare_read(path: str) -> dict[str, Any]:
    """The best of three ``polars.read_csv`` reads of ``path``, every cell as text."""
    import polars as pl

    times, cpu, rows = [], [], 0
    for _ in range(3):
        started, used = time.perf_counter(), time.process_time()
        rows = pl.read_csv(path, infer_schema=False).height
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return {
        "seconds": min(times),
        "cpu_seconds": cpu[times.index(min(times))],
        "all": times,
        "rows": rows,
        "peak_mb": _peak_mb(),
    }


def do_import(path: str, home: str, url: str | None) -> dict[str, Any]:
    """Import the file three times: first, again (an unchanged file, recognised),
    and again with ``full`` (read and checked row by row, for comparison)."""
    from tradepilot.config import Settings
    from tradepilot.ingest.service import import_file
    from tradepilot.workspace import init_workspace

    engine = init_workspace(Settings(home=Path(home), database_url=url))
    runs = []
    for full in IMPORTS.values():
        started, cpu = time.perf_counter(), time.process_time()
        report = import_file(engine, fmt="online-retail", path=Path(path), full=full)
        runs.append(
            {
                "seconds": report.seconds,
                "wall_seconds": time.perf_counter() - started,
                "cpu_seconds": time.process_time() - cpu,
                "same_file_as_run": report.same_file_as_run,
                "rows_read": report.rows_read,
                "accepted": report.accepted,
                "quarantined": report.quarantined,
                "duplicates": report.duplicates,
            }
        )
    engine.dispose()
    return {"runs": runs, "peak_mb": _peak_mb()}


def in_child(target: Any, *args: Any) -> Any:
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(target, args)


def pg_schema(url: str) -> tuple[str, str]:
    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine.dispose()
    return schema, f"{url}?options=-csearch_path%3D{schema}"


def drop_schema(url: str, schema: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    engine.dispose()


def one_run(path: str, postgres: str) -> dict[str, Any]:
    """Bare reads, then first import and re-import into each store."""
    result: dict[str, Any] = {"bare_read": in_child(bare_read, path)}
    with tempfile.TemporaryDirectory() as home:
        result["sqlite"] = in_child(do_import, path, home, None)
    schema, url = pg_schema(postgres)
    try:
        with tempfile.TemporaryDirectory() as home:
            result["postgresql"] = in_child(do_import, path, home, url)
    finally:
        drop_schema(postgres, schema)
    bare = result["bare_read"]["seconds"]
    result["ratios"] = {}
    for store in STORES:
        first, again, full = result[store]["runs"]
        result["ratios"][f"{store}_import"] = first["seconds"] / bare
        result["ratios"][f"{store}_reimport"] = again["seconds"] / bare
        result["ratios"][f"{store}_reread"] = full["seconds"] / bare
    return result


def accounted(run: dict[str, Any], rows: int) -> bool:
    """Every row of the file is accounted for, the re-imports added nothing, and the
    recognised re-import reports what reading the file reports."""
    first, again, full = run["runs"]
    balanced = all(
        r["rows_read"] == r["accepted"] + r["quarantined"] + r["duplicates"] == rows
        for r in (first, again, full)
    )
    counts = ("rows_read", "accepted", "quarantined", "duplicates")
    same = all(again[k] == full[k] for k in counts)
    return balanced and same and again["accepted"] + again["quarantined"] == 0


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median ratios over the runs, peak memory and accounting, each with its target."""
    rows = runs[0]["bare_read"]["rows"]
    targets = []
    for label, key, limit in TARGETS:
        values = [r["ratios"][key] for r in runs]
        median = statistics.median(values)
        targets.append(
            {"target": label, "limit": limit, "median": median, "runs": values}
        )
    peak = max(r[s]["peak_mb"] for r in runs for s in STORES)
    ok = all(accounted(r[s], rows) for r in runs for s in STORES)
    return {
        "bare_read_seconds": statistics.median(r["bare_read"]["seconds"] for r in runs),
        "targets": targets,
        "peak_mb": peak,
        "accounted": ok,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runs = [one_run(str(args.file), args.postgres) for _ in range(args.runs)]
    results = {"file": args.file.name, "runs": runs, "summary": summary(runs)}
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        report(results)


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(results: dict[str, Any]) -> None:
    runs, total = results["runs"], results["summary"]
    print(f"file: {results['file']} ({runs[0]['bare_read']['rows']:,} rows)")
    for i, run in enumerate(runs, 1):
        bare = run["bare_read"]["seconds"]
        print(
            f"run {i}: bare polars.read_csv best of 3 {bare:6.2f} s"
            f" (cpu {run['bare_read']['cpu_seconds']:5.2f} s)"
            f"   peak {run['bare_read']['peak_mb']:5.0f} MB"
        )
        for store in STORES:
            for name, r in zip(IMPORTS, run[store]["runs"], strict=True):
                seen = r["same_file_as_run"]
                print(
                    f"  {store:<10} {name:<9} {r['seconds']:6.2f} s"
                    f" ({r['wall_seconds']:6.2f} s with commit,"
                    f" cpu {r['cpu_seconds']:5.2f} s)"
                    f" {r['seconds'] / bare:6.1f}x bare read"
                    f"   accepted {r['accepted']:,} quarantined {r['quarantined']:,}"
                    f" duplicates {r['duplicates']:,}"
                    + (f"   recognised as run {seen}" if seen else "")
                )
            print(f"  {store:<10} peak {run[store]['peak_mb']:5.0f} MB")
    print(
        f"targets (median of {len(runs)} runs; baseline: the bare read of the same"
        f" run, median {total['bare_read_seconds']:.2f} s):"
    )
    for t in total["targets"]:
        each = ", ".join(f"{v:.1f}" for v in t["runs"])
        print(
            f"  {t['target']:<26} <= {t['limit']:4.0f}x bare read:"
            f" {t['median']:6.1f}x ({each})   {_met(t['median'] <= t['limit'])}"
        )
    for store in STORES:
        values = [r["ratios"][f"{store}_reread"] for r in runs]
        each = ", ".join(f"{v:.1f}" for v in values)
        print(
            f"  {store + ' re-read (--full)':<26}   (no target):"
            f" {statistics.median(values):6.1f}x ({each})"
        )
    peak = total["peak_mb"]
    print(
        f"  {'peak memory':<26} < {PEAK_LIMIT_MB:,} MB:   {peak:6.0f} MB"
        f"   {_met(peak < PEAK_LIMIT_MB)}"
    )
    print(
        f"  {'every row accounted for':<26} rows_read = accepted + quarantined +"
        f" duplicates, re-import adds 0:   {_met(total['accounted'])}"
    )


if __name__ == "__main__":
    main()
