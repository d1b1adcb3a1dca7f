"""How commands talk: JSON or Rich tables on stdout, one-line errors on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tradepilot.domain.errors import TradePilotError
from tradepilot.domain.numbers import (
    MISSING,
    format_money,
    format_number,
    format_percent,
    format_units,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tradepilot.config import Settings

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace directory (default: $TRADEPILOT_HOME, else ./tradepilot-data).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]

stdout = Console()
stderr = Console(stderr=True)


def settings_for(workspace: Path | None) -> Settings:
    """Settings for a command's ``--workspace`` option."""
    from tradepilot.config import load_settings

    return load_settings(workspace)


def emit_json(data: Any) -> None:
    """Print ``data`` as one JSON object on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@contextmanager
def errors_as_messages() -> Iterator[None]:
    """Turn TradePilot errors into one line on stderr and a non-zero exit code.

    Ctrl-C exits 130; every import is one transaction, so the store is unchanged.
    """
    try:
        yield
    except TradePilotError as exc:
        # escape: a message may hold brackets (pip install 'fugue[ray]')
        message = escape(str(exc))
        stderr.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        _interrupted()
    except Exception as exc:
        if not _during_interrupt(exc):
            raise
        _interrupted()  # cleanup after Ctrl-C failed too (an aborted transaction)


def _interrupted() -> NoReturn:
    stderr.print("interrupted: the file being imported was not stored", highlight=False)
    raise typer.Exit(130) from None


def _during_interrupt(exc: BaseException) -> bool:
    """True when ``exc`` was raised while handling a Ctrl-C."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__context__
    return False


@contextmanager
def workspace_store(workspace: Path | None) -> Iterator[tuple[Engine, Path]]:
    """The store of a command's ``--workspace`` and its home, disposed after."""
    from tradepilot.workspace import open_store

    settings = settings_for(workspace)
    engine = open_store(settings)
    try:
        yield engine, settings.home
    finally:
        engine.dispose()


@contextmanager
def progress_reporter(enabled: bool) -> Iterator[Callable[[str], None]]:
    """A callback that shows each stage as a spinner line on stderr (when a terminal)."""
    if not enabled or not stderr.is_terminal:
        yield lambda _stage: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=True) as progress:
        task = progress.add_task("starting", total=None)
        yield lambda stage: progress.update(task, description=stage)


def rows_table(
    title: str,
    rows: list[dict[str, Any]],
    columns: list[str],
    *,
    units: Collection[str] = (),
    percents: Collection[str] = (),
    currency: str | None = None,
    currency_columns: Mapping[str, str] | None = None,
) -> Table:
    """A Rich table of ``columns`` of ``rows``, numbers written as on the pages.

    Columns in ``units`` are whole units, in ``percents`` shares as percentages;
    ``id`` and ``*_id`` columns are written as they are; other floats are money to
    the minor unit of ``currency`` (two decimals without one) and integers counts
    with thousands separators (see :mod:`tradepilot.domain.numbers`). A column named
    in ``currency_columns`` is money in the currency its row holds in the column
    mapped to (``{"unit_price": "price_currency"}``).
    """
    own_currency = currency_columns or {}

    def written(row: dict[str, Any], column: str) -> str:
        value = row.get(column)
        if column in units:
            return format_units(value)
        if column in percents:
            return format_percent(value)
        if column == "id" or column.endswith("_id"):  # identifiers: no separators
            return MISSING if value is None else str(value)
        if column in own_currency:
            return cell(value, currency=row.get(own_currency[column]))
        return cell(value, currency=currency)

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column.replace("_", " "), overflow="fold")
    for row in rows:
        table.add_row(*(written(row, c) for c in columns))
    return table


def cell(value: Any, *, currency: str | None = None) -> str:
    """A table cell: floats as money (see :func:`rows_table`), integers as counts,
    anything else as its text."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return format_number(value)
    if isinstance(value, float | Decimal):
        return format_money(value, currency)
    return str(value)


def show_report(
    workspace: Path | None,
    as_json: bool,
    compute: Callable[[Engine, Path], Any],
    render: Callable[[Any], None],
) -> None:
    """The body of a command over a workspace's store.

    ``compute(engine, home)`` runs with the store open and TradePilot errors turned
    into messages (:func:`errors_as_messages`); its result is printed as one JSON
    document with ``--json``, else by ``render``.
    """
    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        report = compute(engine, home)
    if as_json:
        emit_json(report)
    else:
        render(report)
