"""The approval queue as the edges (CLI, app) hand it to the daily brief.

The brief shows the plans waiting for approval, but the assistant must not import
``automation/``; the CLI and the app look the queue up here and pass it in. A build
without the automation capability has no queue: None, and the brief says so.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

APPROVALS = "tradepilot.automation.service"


def waiting_approvals(engine: Engine) -> list[dict[str, Any]] | None:
    """Pending approvals (``id, kind, title, money_base, created_at``), or None when
    the automation capability is absent."""
    try:
        module = importlib.import_module(APPROVALS)
    except ModuleNotFoundError as exc:
        if exc.name and APPROVALS.startswith(exc.name):
            return None
        raise
    found: list[dict[str, Any]] = module.list_approvals(engine, status="pending")
    return found
