"""An import interrupted by kill -9 or Ctrl-C leaves the store exactly as before."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tradepilot.config import Settings

HEADER = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
)
ROWS = 200_000


def big_file(path: Path) -> Path:
    """An Online Retail file of ROWS lines, 4 lines per invoice."""
    lines = [HEADER]
    for i in range(ROWS):
        order = i // 4  # one customer and country per invoice
        day = 1 + (i // 8000) % 28
        lines.append(
            f"{500_000 + order},SKU{i % 3000},ITEM {i % 3000},{1 + i % 7},"
            f"2011-02-{day:02d} 10:{i % 60:02d}:00,{1 + i % 9}.25,"
            f"{10000 + order % 4000}.0,{'France' if order % 5 else 'Germany'}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start_import(settings: Settings, path: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TRADEPILOT_HOME": str(settings.home)}
    if settings.database_url:
        env["TRADEPILOT_DATABASE_URL"] = settings.database_url
    command = [
        sys.executable,
        "-m",
        "tradepilot",
        "import",
        "online-retail",
        str(path),
        "--json",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def writing(engine: sa.Engine, settings: Settings) -> bool:
    """True while another process holds the store's write transaction open."""
    if settings.is_sqlite:
        probe = sqlite3.connect(settings.home / "tradepilot.db", timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            return "locked" in str(exc)
        finally:
            probe.close()
        return False
    # This store's order_lines only (resolved through the test schema's search_path):
    # another worker's import into its own schema must not count.
    with engine.connect() as conn:
        locks = conn.execute(
            sa.text(
                "SELECT count(*) FROM pg_locks l"
                " WHERE l.relation = 'order_lines'::regclass"
                " AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()"
            )
        ).scalar_one()
    return bool(locks)


def counts(engine: sa.Engine) -> tuple[int, int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("order_lines", "orders", "products", "import_runs")
        )


@pytest.mark.parametrize(
    "sig", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"]
)
def test_interrupted_import_leaves_store_unchanged_and_rerun_completes(
    store_settings, engine, tmp_path, sig
):
    path = big_file(tmp_path / "big.csv")
    before = counts(engine)
    log = tmp_path / "import.log"
    process = start_import(store_settings, path, log)
    deadline = time.monotonic() + 120
    while not writing(engine, store_settings):
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "import never started writing"
        time.sleep(0.02)
    time.sleep(0.3)  # into the bulk of the transaction
    assert writing(engine, store_settings), "the import committed before the signal"

    process.send_signal(sig)
    process.wait(timeout=60)

    expected = -signal.SIGKILL if sig == signal.SIGKILL else 130
    assert process.returncode == expected, log.read_text()
    engine.dispose()
    assert counts(engine) == before
    if store_settings.is_sqlite:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    rerun = start_import(store_settings, path, log)
    assert rerun.wait(timeout=300) == 0, log.read_text()
    assert counts(engine)[0] == ROWS
    assert counts(engine)[3] == 1


def test_a_killed_import_is_never_taken_for_an_import_of_the_file(
    store_settings, engine, tmp_path
):
    from tradepilot.ingest.service import import_file

    path = big_file(tmp_path / "big.csv")
    log = tmp_path / "import.log"
    process = start_import(store_settings, path, log)
    deadline = time.monotonic() + 120
    while not writing(engine, store_settings):
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "import never started writing"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    engine.dispose()

    first = import_file(engine, fmt="online-retail", path=path)
    again = import_file(engine, fmt="online-retail", path=path)

    assert first.same_file_as_run is None  # the killed run left nothing to recognise
    assert first.accepted == ROWS
    assert again.same_file_as_run == first.import_run_id
    assert (again.accepted, again.duplicates) == (0, ROWS)
    assert counts(engine)[0] == ROWS
    # A staging folder the killed import may have left is gone (SQLite).
    assert list(Path(store_settings.home).glob(".tp-stage-*")) == []
