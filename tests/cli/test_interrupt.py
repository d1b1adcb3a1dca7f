"""Ctrl-C exits 130 with one line, also when the cleanup it triggers fails (an
aborted transaction that refuses further statements)."""

from __future__ import annotations

import pytest
import typer

from tradepilot.cli.output import errors_as_messages


def test_ctrl_c_exits_130():
    with pytest.raises(typer.Exit) as exit_info, errors_as_messages():
        raise KeyboardInterrupt

    assert exit_info.value.exit_code == 130


def test_an_error_raised_while_handling_ctrl_c_still_exits_130():
    def cleanup_after_interrupt() -> None:
        try:
            raise KeyboardInterrupt
        finally:
            raise RuntimeError(
                "Can't reconnect until invalid transaction is rolled back"
            )

    with pytest.raises(typer.Exit) as exit_info, errors_as_messages():
        cleanup_after_interrupt()

    assert exit_info.value.exit_code == 130


def test_other_errors_are_not_taken_for_an_interrupt():
    def cleanup_after_error() -> None:
        try:
            raise ValueError("first")
        finally:
            raise RuntimeError("second")

    with pytest.raises(RuntimeError), errors_as_messages():
        cleanup_after_error()
