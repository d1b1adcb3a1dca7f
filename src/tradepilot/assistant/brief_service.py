"""Use-case verbs of the daily brief: build it, show the day's, send it by e-mail.

:func:`build_brief` reads the figures through the other capabilities' services
(:mod:`tradepilot.assistant.brief_inputs`), words them
(:mod:`tradepilot.assistant.brief`), compares them with the previous brief and saves
the brief as that day's snapshot (table ``assistant_briefs``). Plans waiting for
approval are passed in by the caller (the CLI, the app or the scheduler), so the
assistant never imports ``automation/``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.assistant import brief_inputs as inputs
from tradepilot.assistant.brief import (
    alert_index,
    changes_since,
    render_html,
    render_text,
    sales_summary,
    subject_line,
    top_alerts,
)
from tradepilot.domain.errors import DataValidationError, TradePilotError
from tradepilot.domain.money import minor_unit
from tradepilot.store.tables_assistant import assistant_briefs
from tradepilot.workspace import last_whole_day

SALES_DAYS = 14  # the week and the week before it
EARLIEST, LATEST = dt.date(1990, 1, 1), dt.date(2100, 12, 31)  # dates that make sense


def build_brief(
    engine: Engine,
    *,
    home: Path,
    date: dt.date | None = None,
    waiting: Sequence[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The daily brief as of ``date`` (default: the last whole day of orders), saved.

    Parameters
    ----------
    home : Path
        The workspace folder.
    date : datetime.date, optional
        The last day of data the brief reports on.
    waiting : sequence of dict, optional
        Plans waiting for approval (``id, kind, title, money_base, created_at``);
        None when approvals are not set up.

    Returns
    -------
    dict
        ``date, currency, sales, forecast, cash, alerts_open, alerts_money, alerts``
        (the largest open alerts), ``open_alerts`` (every open one, in short),
        ``waiting, changes, notes, text``.

    Raises
    ------
    DataValidationError
        If the workspace holds no orders yet.
    """
    day = brief_day(engine, date)
    brief = _compose(engine, day, waiting)
    with engine.begin() as conn:
        _save(conn, day, brief)
    return brief


def brief_day(engine: Engine, date: dt.date | None) -> dt.date:
    """``date``, checked, or the last whole day of orders (the newest order day,
    unless the data was imported before it ended: see
    :func:`~tradepilot.workspace.last_whole_day`).

    Raises
    ------
    DataValidationError
        If ``date`` is before 1990 or after 2100, or the workspace has no orders.
    """
    if date is None:
        return last_whole_day(engine)
    if not EARLIEST <= date <= LATEST:
        raise DataValidationError(
            f"the brief's date must be between {EARLIEST} and {LATEST}; got {date}"
        )
    return date


def _compose(
    engine: Engine, day: dt.date, waiting: Sequence[dict[str, Any]] | None
) -> dict[str, Any]:
    """The brief of ``day`` compared with the previous one, not saved yet."""
    notes: list[str] = []
    days = [day - dt.timedelta(days=n) for n in range(SALES_DAYS - 1, -1, -1)]
    sales = inputs.read_sales(engine, start=days[0], end=day)
    notes += sales.notes
    forecast = _noted(
        notes, "forecast", lambda: inputs.read_forecast(engine, days=days)
    )
    cash = _noted(notes, "cash", lambda: inputs.read_cash(engine, day=day))
    alerts = inputs.read_alerts(engine)
    money = sum(a["money_at_stake_base"] for a in alerts or [])
    brief: dict[str, Any] = {
        "date": day.isoformat(),
        "currency": sales.base,
        "sales": sales_summary(
            sales.rows,
            forecast["by_country"] if forecast else None,
            day=day,
            currency=sales.base,
        ),
        "forecast": _without(forecast, "by_country"),
        "cash": cash or [],
        "alerts_open": None if alerts is None else len(alerts),
        "alerts_money": round(money, minor_unit(sales.base)) + 0.0,
        "alerts": top_alerts(alerts or []),
        "open_alerts": alert_index(alerts or []),
        "waiting": None if waiting is None else [dict(w) for w in waiting],
        "notes": notes,
    }
    with engine.connect() as conn:
        brief["changes"] = changes_since(brief, _previous(conn, day))
    brief["text"] = render_text(brief)
    return brief


def _noted(
    notes: list[str], what: str, read: Callable[[], tuple[Any, list[str]]]
) -> Any:
    """What ``read`` returns, its notes added to ``notes``; a TradePilot error is a
    note too (the brief goes on without that part)."""
    try:
        value, found = read()
    except TradePilotError as exc:
        notes.append(f"{what}: skipped, {exc}")
        return None
    notes.extend(found)
    return value


def _without(found: dict[str, Any] | None, key: str) -> dict[str, Any] | None:
    return None if found is None else {k: v for k, v in found.items() if k != key}


def _previous(conn: Connection, day: dt.date) -> dict[str, Any] | None:
    """The newest brief of a day before ``day``."""
    t = assistant_briefs
    row = conn.execute(
        sa.select(t.c.brief).where(t.c.day < day).order_by(t.c.day.desc()).limit(1)
    ).scalar()
    return None if row is None else dict(json.loads(row))


def _save(conn: Connection, day: dt.date, brief: dict[str, Any]) -> None:
    """Keep ``brief`` as the snapshot of ``day`` (replacing an earlier one)."""
    t = assistant_briefs
    conn.execute(t.delete().where(t.c.day == day))
    conn.execute(
        t.insert().values(
            day=day,
            created_at=dt.datetime.now(dt.UTC),
            brief=json.dumps(brief, sort_keys=True, default=str),
        )
    )


def saved_brief(engine: Engine, *, date: dt.date) -> dict[str, Any] | None:
    """The snapshot of ``date`` with its ``created_at``, or None."""
    t = assistant_briefs
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(t.c.brief, t.c.created_at).where(t.c.day == date)
        ).first()
    if row is None:
        return None
    brief = dict(json.loads(row.brief))
    brief["created_at"] = row.created_at.isoformat()
    return brief


def todays_brief(
    engine: Engine,
    *,
    home: Path,
    date: dt.date | None = None,
    waiting: Sequence[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The day's saved brief, or a new one when that day has none (the Today page:
    reading a snapshot takes milliseconds, building one a second or more)."""
    day = brief_day(engine, date)
    found = saved_brief(engine, date=day)
    if found is not None:
        return found
    return build_brief(engine, home=home, date=day, waiting=waiting)


def send_brief(
    engine: Engine,
    *,
    home: Path,
    date: dt.date | None = None,
    waiting: Sequence[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Build the brief and e-mail it (text and HTML) to ``brief_to`` of
    ``service.toml``, through its SMTP settings. The scheduler calls this.

    Returns
    -------
    dict
        The brief (see :func:`build_brief`) and ``email``: ``to, subject,
        message_id``.

    Raises
    ------
    DataValidationError
        If ``brief_to`` (or the sender address) is not set in ``service.toml``.
    ExternalServiceError
        If the SMTP server cannot be reached or refuses the message.
    """
    from tradepilot.service.config import CONFIG_FILENAME, load_service_config
    from tradepilot.service.sending import send_mail

    config = load_service_config(home)
    if not config.brief_to:
        raise DataValidationError(
            f"{CONFIG_FILENAME}: set brief_to (the address the daily brief is sent"
            " to) before sending it"
        )
    config.sender_address()  # checked first: a clear message, not an SMTP error
    day = brief_day(engine, date)
    brief = _compose(engine, day, waiting)  # saved once sent: the next brief
    subject = subject_line(brief)
    page = f"<!doctype html><html><body>{render_html(brief)}</body></html>"
    message_id = send_mail(
        config, to=config.brief_to, subject=subject, body=brief["text"], html=page
    )
    with engine.begin() as conn:
        _save(conn, day, brief)  # says what changed since this one
    brief["email"] = {
        "to": config.brief_to,
        "subject": subject,
        "message_id": message_id,
    }
    return brief
