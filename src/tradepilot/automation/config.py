"""Automation settings: ``automation.toml`` in the workspace.

Every value has a default, so a workspace without the file runs the default
schedule (``tradepilot worker``). Schedules are crontab expressions (minute hour
day-of-month month day-of-week) read by APScheduler's ``CronTrigger.from_crontab``;
``"off"`` switches a job off. Example (the defaults)::

    timezone = "UTC"

    [schedule]
    inbox = "*/5 * * * *"          # the watched inbox/ folder, every 5 minutes
    forecast = "0 2 * * *"         # nightly forecast refresh
    restock = "0 6 * * mon"        # weekly restock proposal (to the approval queue)
    monitors = "15 * * * *"        # monitors every hour; new high alerts notified
    brief = "30 7 * * *"           # the daily brief
    notifications = "*/10 * * * *" # retry failed deliveries

    [inbox]
    folder = "inbox"               # relative to the workspace
    settle_seconds = 10            # skip files changed more recently (still copying)

    [restock]
    budget = 5000.0                # optional cash limit of the proposal, base currency

    [notify]
    email = ["owner@shop.example"] # SMTP settings: service.toml's [smtp]
    webhook = "https://hooks.slack.com/services/..."
    min_severity = "high"          # alerts of this severity or higher are notified
    max_attempts = 8               # retries with backoff, then reported as failed
    backoff_seconds = 60           # first retry after this; doubled each time
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from tradepilot.config import read_toml_settings
from tradepilot.domain.errors import DataValidationError

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

CONFIG_FILENAME = "automation.toml"
JOBS = ("inbox", "forecast", "restock", "monitors", "brief", "notifications")
OFF = "off"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Schedule(_Strict):
    """A crontab expression per job, or ``off``."""

    inbox: str = "*/5 * * * *"
    forecast: str = "0 2 * * *"
    restock: str = "0 6 * * mon"
    monitors: str = "15 * * * *"
    brief: str = "30 7 * * *"
    notifications: str = "*/10 * * * *"


class InboxSettings(_Strict):
    """The watched folder."""

    folder: str = "inbox"
    settle_seconds: float = Field(10.0, ge=0)


class RestockSettings(_Strict):
    """The weekly restock proposal."""

    budget: float | None = Field(None, ge=0)


class NotifySettings(_Strict):
    """Where notifications go and how failed deliveries are retried."""

    email: list[str] = []
    webhook: str | None = None
    min_severity: Literal["low", "medium", "high"] = "high"
    max_attempts: int = Field(8, ge=1, le=50)
    backoff_seconds: float = Field(60.0, ge=0)
    timeout_s: float = Field(10.0, gt=0)


class AutomationConfig(_Strict):
    """``automation.toml``; see the module docstring."""

    timezone: str = "UTC"
    schedule: Schedule = Schedule()
    inbox: InboxSettings = InboxSettings()
    restock: RestockSettings = RestockSettings()
    notify: NotifySettings = NotifySettings()

    def expression(self, job: str) -> str:
        """The schedule of ``job`` as written (``off`` when switched off)."""
        return str(getattr(self.schedule, job)).strip()

    def trigger(self, job: str) -> CronTrigger | None:
        """The cron trigger of ``job``; None when it is off.

        Raises
        ------
        DataValidationError
            If the expression or the time zone is malformed (naming the job and
            the expression).
        """
        from apscheduler.triggers.cron import CronTrigger

        expression = self.expression(job)
        if expression.lower() == OFF:
            return None
        try:
            zone = ZoneInfo(self.timezone)
        except (ValueError, LookupError):
            raise DataValidationError(
                f"{CONFIG_FILENAME}: timezone must be an IANA name (Europe/Berlin); "
                f"got {self.timezone!r}"
            ) from None
        try:
            return CronTrigger.from_crontab(expression, timezone=zone)
        except ValueError as exc:
            raise DataValidationError(
                f"{CONFIG_FILENAME}: the schedule of job '{job}' is malformed: "
                f"{expression!r} ({exc}); expected five crontab fields "
                "'minute hour day month weekday' (e.g. '0 2 * * *') or 'off'"
            ) from None

    def next_run(self, job: str, now: dt.datetime) -> dt.datetime | None:
        """When ``job`` runs next after ``now`` (None when off)."""
        trigger = self.trigger(job)
        return None if trigger is None else trigger.get_next_fire_time(None, now)


def load_automation_config(home: Path) -> AutomationConfig:
    """Read ``automation.toml`` from the workspace ``home`` and check every schedule.

    Raises
    ------
    DataValidationError
        If the file is not valid TOML, a setting is out of range, or a schedule is
        malformed.
    """
    config = read_toml_settings(home / CONFIG_FILENAME, AutomationConfig)
    for job in JOBS:
        config.trigger(job)
    return config


def has_config(home: Path) -> bool:
    """True when the workspace has an ``automation.toml`` (``serve`` then starts
    the scheduler by default)."""
    return (home / CONFIG_FILENAME).is_file()
