"""Import benchmark: the whole UCI Online Retail file into SQLite and PostgreSQL.

Prints, from one run on this machine: wall time and peak memory (max RSS of the
process doing the work) of a bare ``polars.read_csv`` of the file, of the first import
into SQLite and into PostgreSQL, and of a re-import; and the ratios to the bare read.
Each measurement runs in a fresh process so peak memory is its own.

Targets (issue 2): SQLite import <= 8x the bare read and < 45 s; re-import < 10 s
adding 0 rows; peak memory < 2 GB.

Usage: ``python bench/import_bench.py [--file PATH] [--postgres URL] [--json]``
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
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


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare_read(path: str) -> dict[str, Any]:
    import polars as pl

    started = time.perf_counter()
    frame = pl.read_csv(path, infer_schema=False)
    return {
        "seconds": time.perf_counter() - started,
        "rows": frame.height,
        "peak_mb": _peak_mb(),
    }


def do_import(path: str, home: str, url: str | None, times: int) -> dict[str, Any]:
    from tradepilot.config import Settings
    from tradepilot.ingest.service import import_file
    from tradepilot.workspace import init_workspace

    engine = init_workspace(Settings(home=Path(home), database_url=url))
    runs = []
    for _ in range(times):
        started = time.perf_counter()
        report = import_file(engine, fmt="online-retail", path=Path(path))
        runs.append(
            {
                "seconds": time.perf_counter() - started,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    path = str(args.file)
    results: dict[str, Any] = {"file": args.file.name}
    results["bare_read"] = in_child(bare_read, path)
    with tempfile.TemporaryDirectory() as home:
        results["sqlite"] = in_child(do_import, path, home, None, 2)
    schema, url = pg_schema(args.postgres)
    try:
        with tempfile.TemporaryDirectory() as home:
            results["postgresql"] = in_child(do_import, path, home, url, 2)
    finally:
        drop_schema(args.postgres, schema)
    report(results, as_json=args.json)


def report(results: dict[str, Any], *, as_json: bool) -> None:
    bare = results["bare_read"]["seconds"]
    for store in ("sqlite", "postgresql"):
        first, again = results[store]["runs"]
        results[store]["ratio_to_bare_read"] = first["seconds"] / bare
    if as_json:
        print(json.dumps(results, indent=2))
        return
    print(f"file: {results['file']} ({results['bare_read']['rows']:,} rows)")
    print(
        f"bare polars.read_csv      {bare:7.2f} s   peak {results['bare_read']['peak_mb']:7.0f} MB"
    )
    for store in ("sqlite", "postgresql"):
        first, again = results[store]["runs"]
        print(
            f"{store:<10} import        {first['seconds']:7.2f} s   peak"
            f" {results[store]['peak_mb']:7.0f} MB   {first['seconds'] / bare:5.1f}x bare read"
            f"   accepted {first['accepted']:,} quarantined {first['quarantined']:,}"
        )
        print(
            f"{store:<10} re-import     {again['seconds']:7.2f} s"
            f"   rows added {again['accepted'] + again['quarantined']}"
            f"   duplicates {again['duplicates']:,}"
        )
    print(
        "targets: SQLite <= 8x bare read and < 45 s; re-import < 10 s adding 0; peak < 2 GB"
    )


if __name__ == "__main__":
    main()
