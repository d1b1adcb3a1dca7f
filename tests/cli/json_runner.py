"""Run ``tradepilot`` commands one after another in one process, for the JSON test.

Each request on stdin (one JSON line: ``{"args": [...], "stdout": PATH, "stderr":
PATH}``) runs the command with file descriptors 1 and 2 pointed at those files, so
what C libraries (HiGHS, LightGBM) write to descriptor 1 directly is caught exactly
as a separate process would show it; the exit code goes back on this process's own
stdout as ``{"code": N}``. One interpreter with its imports made once instead of one
per command: the test's cost is the commands, not Python's start-up.

``sys.argv[1]`` is Python code run first (the small demo store's patch).
"""

from __future__ import annotations

import json
import os
import sys
import traceback

import click
import typer


def _run(command: click.Command, args: list[str]) -> int:
    try:
        result = command.main(args=args, prog_name="tradepilot", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        return 1
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - a traceback is what the test reports
        traceback.print_exc()
        return 1
    return result if isinstance(result, int) else 0


def main() -> None:
    prelude = sys.argv[1] if len(sys.argv) > 1 else ""
    exec(prelude, {})  # noqa: S102 - the test's own patch, in a namespace of its own
    from tradepilot.cli.main import app

    command = typer.main.get_command(app)
    replies = os.fdopen(os.dup(1), "w")
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        saved = os.dup(1), os.dup(2)
        out = os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        err = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(out, 1)
        os.dup2(err, 2)
        try:
            code = _run(command, request["args"])
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in (out, err, *saved):
                os.close(fd)
        replies.write(json.dumps({"code": code}) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
