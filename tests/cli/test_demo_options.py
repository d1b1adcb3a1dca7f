"""What ``tradepilot demo --help`` and ``make demo`` promise about where the demo lives
and where it is served."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import typer
from tests.conftest import skip_or_fail
from typer.testing import CliRunner

from tradepilot.cli.main import app
from tradepilot.demo import DEFAULT_DEMO_HOME

REPO = Path(__file__).resolve().parents[2]


def test_demo_help_names_the_workspace_the_demo_uses():
    demo = typer.main.get_command(app).commands["demo"]
    option = next(p for p in demo.params if "--workspace" in p.opts)

    shown = CliRunner().invoke(app, ["demo", "--help"])

    assert f"default: ./{DEFAULT_DEMO_HOME};" in option.help
    assert "tradepilot-data" not in shown.stdout
    assert "TRADEPILOT_HOME" in option.help  # and says it is not used


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, "tradepilot demo --host 127.0.0.1 --port 8000"),
        ({"PORT": "8001"}, "tradepilot demo --host 127.0.0.1 --port 8001"),
        (
            {"HOST": "0.0.0.0", "PORT": "9000"},
            "tradepilot demo --host 0.0.0.0 --port 9000",
        ),
    ],
    ids=["default", "port", "host-and-port"],
)
def test_make_demo_serves_where_the_environment_says(variables, expected):
    make = shutil.which("make")
    if make is None:
        skip_or_fail("make is not installed")
    # Under `make test` the parent make's variables would make this one a sub-make
    # that prints "Entering/Leaving directory" lines.
    inherited = ("HOST", "PORT", "MAKELEVEL", "MAKEFLAGS", "MFLAGS")
    env = {k: v for k, v in os.environ.items() if k not in inherited}

    done = subprocess.run(
        [make, "--no-print-directory", "--dry-run", "demo"],
        cwd=REPO,
        env={**env, **variables},
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].endswith(expected)
