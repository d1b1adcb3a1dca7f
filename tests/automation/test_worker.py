"""Crash safety, for real: a worker killed with SIGKILL during a job, started again."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from tradepilot.automation.jobs import BLOCK_HOOK
from tradepilot.automation.service import list_jobs, run_job_now
from tradepilot.config import Settings
from tradepilot.store.engine import create_engine
from tradepilot.workspace import init_workspace

# everything off: only the jobs the test starts run
CONFIG = """
[schedule]
inbox = "*/5 * * * *"
forecast = "off"
restock = "off"
monitors = "off"
brief = "off"
notifications = "off"

[inbox]
settle_seconds = 0
"""


def _worker(home, *args, env=None):
    return subprocess.Popen(
        [sys.executable, "-m", "tradepilot", "worker", "-w", str(home), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _wait_for(engine, sql, *, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            row = conn.execute(sa.text(sql)).first()
        if row is not None:
            return row
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for: {sql}")


def _stopped(process):
    try:
        return process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"the worker did not stop on Ctrl-C:\n{out}\n{err}")


def _runs(engine):
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT id, job, outcome, error FROM job_runs ORDER BY id")
        ).all()


def test_a_killed_worker_leaves_the_run_failed_and_it_is_run_again_at_start(
    tmp_path,
):
    home = tmp_path / "ws"
    init_workspace(Settings(home=home, database_url=None), base_currency="EUR")
    (home / "automation.toml").write_text(CONFIG)
    engine = create_engine(Settings(home=home, database_url=None))

    # given a worker blocked in the middle of the inbox job
    first = _worker(home, "--run", "inbox", env={BLOCK_HOOK: "inbox"})
    try:
        _wait_for(engine, "SELECT job FROM job_leases WHERE job = 'inbox'")
        # then a second run of the same job meanwhile is skipped, not run twice
        twice = run_job_now(engine, home=home, name="inbox")
        running = list_jobs(engine, home=home)["jobs"][0]["running"]
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)

    assert twice["outcome"] == "skipped"
    assert twice["detail"]["note"] == f"already running in {running}"
    assert running.endswith(f":{first.pid}")
    assert [r.outcome for r in _runs(engine)] == ["running", "skipped"]

    # when the worker starts again
    second = _worker(home)
    try:
        assert "runs the scheduled jobs" in second.stdout.readline()
        _wait_for(
            engine, "SELECT id FROM job_runs WHERE id > 2 AND outcome <> 'running'"
        )
    finally:
        second.send_signal(signal.SIGINT)  # Ctrl-C
        out, err = _stopped(second)

    # then the killed run is recorded as interrupted and the job was run again
    runs = _runs(engine)
    assert runs[0].outcome == "failed"
    assert runs[0].error.startswith("interrupted")
    assert [(r.job, r.outcome) for r in runs[2:]] == [("inbox", "skipped")]
    with engine.connect() as conn:  # run for real: nothing new, not "already running"
        detail = conn.execute(
            sa.text("SELECT detail FROM job_runs WHERE id = :id"), {"id": runs[2].id}
        ).scalar_one()
    assert json.loads(detail)["note"] == f"no new files in {home / 'inbox'}"
    assert second.returncode == 0, err
    assert "worker stopped" in out
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM job_leases")).scalar() == 0
    engine.dispose()
