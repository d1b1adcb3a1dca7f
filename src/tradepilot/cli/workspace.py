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
    origin: Annotated[
        str | None,
        typer.Option(help="Country your goods ship from (ISO code, e.g. CN)."),
    ] = None,
    cost_ratio: Annotated[
        str | None,
        typer.Option(
            help="Cost of a product without a known cost, as a share of its price"
            " (0.35 or 35%)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a workspace (or upgrade an existing one).

    The owner account is created here when --owner-email and --password-file are
    given, or on the dashboard's first-run setup page otherwise. --origin and
    --cost-ratio go to trade.toml (the cost ratio to purchasing.toml too); until
    they are set, margins and markets say which defaults they assume. init never
    asks for input, so scripts can run it.
    """
    from tradepilot.workspace import init_workspace

    with errors_as_messages():
        choices = _trade_choices(origin, cost_ratio)
        settings = settings_for(workspace)
        engine = init_workspace(settings, base_currency=base_currency)
        try:
            owner = _create_owner(engine, owner_email, password_file)
        finally:
            engine.dispose()
        chosen = _save_choices(settings.home, choices)
    result = {
        "workspace": str(settings.home.resolve()),
        "database": "sqlite" if settings.is_sqlite else "external",
        "base_currency": base_currency,
        "owner": owner,
        **chosen,
    }
    if as_json:
        emit_json(result)
        return
    stdout.print(f"Workspace ready at [bold]{result['workspace']}[/]")
    if owner is None and not has_owner_account(settings):
        stdout.print("Create the owner account on the setup page: tradepilot serve")
    for note in chosen["not_chosen"]:
        stdout.print(f"Not chosen yet: {note}")


def _trade_choices(origin: str | None, cost_ratio: str | None) -> dict[str, Any]:
    """The trade.toml values of --origin and --cost-ratio, checked."""
    from tradepilot.domain.countries import require_country

    choices: dict[str, Any] = {}
    if origin is not None:
        choices["origin"] = require_country(origin)
    if cost_ratio is not None:
        choices["default_cost_share"] = _share(cost_ratio)
    return choices


def _share(text: str) -> float:
    """``0.35``, ``35%`` or ``35`` as the share 0.35."""
    cleaned = text.strip().removesuffix("%").strip()
    try:
        value = float(cleaned)
    except ValueError:
        value = -1.0
    share = value / 100 if text.strip().endswith("%") or value >= 1 else value
    if not 0 < share < 1:
        raise DataValidationError(
            "--cost-ratio must be a share of the price between 0 and 1 (0.35) or a"
            f" percentage (35%); received {text!r}"
        )
    return share


def _save_choices(home: Path, choices: dict[str, Any]) -> dict[str, Any]:
    """Write the choices to trade.toml (the cost share to purchasing.toml too) and
    say which choices are still the defaults."""
    from tradepilot.settings_files import read_settings, update_settings

    if choices:
        update_settings(home, "trade", choices)
    if "default_cost_share" in choices:
        share = {"default_cost_share": choices["default_cost_share"]}
        update_settings(home, "purchasing", share)
    trade = read_settings(home, "trade")
    values = trade["values"]
    defaults = {
        "origin": f"--origin (goods ship from {values['origin']} until you choose)",
        "default_cost_share": "--cost-ratio (products without a cost cost"
        f" {values['default_cost_share']:.0%} of their price until you choose)",
    }
    return {
        "origin": values["origin"],
        "cost_ratio": values["default_cost_share"],
        "not_chosen": [defaults[c] for c in trade["not_chosen"]],
    }


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
