"""``tradepilot init``, ``status`` and ``quality``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from tradepilot.cli.output import (
    JsonOption,
    WorkspaceOption,
    cell,
    emit_json,
    errors_as_messages,
    settings_for,
    stdout,
)
from tradepilot.domain.errors import DataValidationError
from tradepilot.domain.numbers import format_percent

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tradepilot.config import Settings


def init(
    workspace: WorkspaceOption = None,
    base_currency: Annotated[
        str | None,
        typer.Option(
            help="Reporting currency (default: the dominant one of your data)."
        ),
    ] = None,
    owner_email: Annotated[
        str | None, typer.Option(help="E-mail of the owner account to create.")
    ] = None,
    password_file: Annotated[
        Path | None,
        typer.Option(help="File holding the owner's password (first line)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a workspace (or upgrade an existing one).

    The owner account is created here when --owner-email and --password-file are
    given, or on the dashboard's first-run setup page otherwise. init never asks for
    input, so scripts can run it.
    """
    from tradepilot.workspace import init_workspace

    with errors_as_messages():
        settings = settings_for(workspace)
        engine = init_workspace(settings, base_currency=base_currency)
        try:
            owner = _create_owner(engine, owner_email, password_file)
        finally:
            engine.dispose()
    result = {
        "workspace": str(settings.home.resolve()),
        "database": "sqlite" if settings.is_sqlite else "external",
        "base_currency": base_currency,
        "owner": owner,
    }
    if as_json:
        emit_json(result)
    else:
        stdout.print(f"Workspace ready at [bold]{result['workspace']}[/]")
        if owner is None and not has_owner_account(settings):
            stdout.print("Create the owner account on the setup page: tradepilot serve")


def _create_owner(
    engine: Engine, email: str | None, password_file: Path | None
) -> str | None:
    from tradepilot.auth.service import create_owner

    if email is None and password_file is None:
        return None
    if email is None or password_file is None:
        raise DataValidationError("give both --owner-email and --password-file")
    if not password_file.is_file():
        raise DataValidationError(f"{password_file}: no such password file")
    lines = password_file.read_text(encoding="utf-8").splitlines()
    create_owner(engine, email=email, password=lines[0] if lines else "")
    return email.strip().lower()


def has_owner_account(settings: Settings) -> bool:
    """True when the workspace has its owner account."""
    from tradepilot.auth.service import has_owner
    from tradepilot.workspace import open_store

    engine = open_store(settings)
    try:
        return has_owner(engine)
    finally:
        engine.dispose()


def status(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Counts, date range, countries, currencies and revenue of the workspace."""
    from tradepilot.workspace import open_store, workspace_status

    with errors_as_messages():
        engine = open_store(settings_for(workspace))
        result = workspace_status(engine)
        engine.dispose()
    if as_json:
        emit_json(result)
        return
    stdout.print(
        _key_values("Workspace status", result, currency=result["base_currency"])
    )


def quality(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Data-quality report over everything imported."""
    from tradepilot.ingest.quality import workspace_quality
    from tradepilot.workspace import open_store

    with errors_as_messages():
        engine = open_store(settings_for(workspace))
        with engine.begin() as conn:
            result = workspace_quality(conn)
        engine.dispose()
    if as_json:
        emit_json(result)
        return
    stdout.print(_key_values("Data quality", result, percents=("cancellation_share",)))


def _key_values(
    title: str,
    data: dict[str, Any],
    *,
    percents: tuple[str, ...] = (),
    currency: str | None = None,
) -> Table:
    """Keys and values; floats are money in ``currency`` unless named in
    ``percents``."""
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for key, value in data.items():
        if isinstance(value, dict):
            text = ", ".join(f"{k}: {cell(v)}" for k, v in value.items())
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value) or "-"
        elif key in percents:
            text = format_percent(value)
        else:
            text = cell(value, currency=currency)
        table.add_row(key.replace("_", " "), text)
    return table


def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command()(init)
    app.command()(status)
    app.command()(quality)
