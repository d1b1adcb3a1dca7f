"""The ``tradepilot`` command."""

from __future__ import annotations

import typer

from tradepilot.cli import (
    approvals,
    automation,
    brief,
    customers,
    demo,
    forecast,
    imports,
    inbox,
    ledger,
    payments,
    plan,
    recommend,
    reviews,
    risk,
    serve,
    support,
    trade,
    workspace,
)
from tradepilot.cli import ask as ask_command
from tradepilot.cli import listings as listings_command

app = typer.Typer(
    name="tradepilot",
    help="TradePilot: the operations co-pilot of a one-person cross-border shop.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
workspace.register(app)
imports.register(app)
demo.register(app)
serve.register(app)
forecast.register(app)
plan.register(app)
trade.register(app)
recommend.register(app)
customers.register(app)
ledger.register(app)
payments.register(app)
inbox.register(app)
support.register(app)
reviews.register(app)
risk.register(app)
approvals.register(app)
ask_command.register(app)
listings_command.register(app)
automation.register(app)
brief.register(app)


def main() -> None:
    """Entry point of the ``tradepilot`` script."""
    app()
