"""Notifications: e-mail over SMTP and a webhook (a Slack-compatible JSON POST).

Every delivery is a row in ``notifications`` before it is attempted: sent, or
retried with exponential backoff (``backoff_seconds`` doubled per attempt) until
``max_attempts``, after which it is ``failed`` and reported by ``jobs list`` and
``notifications list``; never dropped. E-mail uses the SMTP settings of
``service.toml`` (:mod:`tradepilot.service.sending`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.automation.config import NotifySettings
from tradepilot.domain.errors import ExternalServiceError, TradePilotError
from tradepilot.store.tables_automation import notifications

CHANNELS = ("email", "webhook")
STATUSES = ("pending", "sent", "failed")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def queue_notification(
    engine: Engine, settings: NotifySettings, *, subject: str, text: str
) -> list[int]:
    """One pending delivery per configured e-mail address and webhook; their ids
    (none when nothing is configured)."""
    targets = [("email", a) for a in settings.email]
    if settings.webhook:
        targets.append(("webhook", settings.webhook))
    payload = json.dumps({"subject": subject, "text": text})
    now = _now()
    with engine.begin() as conn:
        return [
            int(
                conn.execute(
                    sa.insert(notifications).values(
                        channel=channel, target=target, payload=payload, attempts=0,
                        status="pending", next_attempt_at=now, created_at=now,
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            )
            for channel, target in targets
        ]  # fmt: skip


def deliver_due(
    engine: Engine, settings: NotifySettings, *, home: Path
) -> dict[str, int]:
    """Attempt every pending delivery that is due; counts ``sent, retrying,
    failed``."""
    now = _now()
    query = sa.select(notifications).where(
        notifications.c.status == "pending", notifications.c.next_attempt_at <= now
    )
    with engine.connect() as conn:
        due = conn.execute(query.order_by(notifications.c.id)).mappings().all()
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    for row in due:
        payload = json.loads(row["payload"])
        try:
            _send(row["channel"], row["target"], payload, settings, home)
        except TradePilotError as exc:
            status = _record_failure(engine, row, str(exc), settings)
            counts["failed" if status == "failed" else "retrying"] += 1
            continue
        with engine.begin() as conn:
            conn.execute(
                sa.update(notifications)
                .where(notifications.c.id == row["id"])
                .values(status="sent", attempts=row["attempts"] + 1, sent_at=_now(),
                        next_attempt_at=None)
            )  # fmt: skip
        counts["sent"] += 1
    return counts


def _record_failure(
    engine: Engine, row: Any, error: str, settings: NotifySettings
) -> str:
    attempts = int(row["attempts"]) + 1
    failed = attempts >= settings.max_attempts
    delay = dt.timedelta(seconds=settings.backoff_seconds * 2 ** (attempts - 1))
    status = "failed" if failed else "pending"
    with engine.begin() as conn:
        conn.execute(
            sa.update(notifications)
            .where(notifications.c.id == row["id"])
            .values(status=status, attempts=attempts, last_error=error[:2000],
                    next_attempt_at=None if failed else _now() + delay)
        )  # fmt: skip
    return status


def _send(
    channel: str, target: str, payload: dict[str, str], settings: NotifySettings,
    home: Path,
) -> None:  # fmt: skip
    if channel == "email":
        from tradepilot.service.config import load_service_config
        from tradepilot.service.sending import send_mail

        send_mail(load_service_config(home), to=target, subject=payload["subject"],
                  body=payload["text"])  # fmt: skip
        return
    post_webhook(target, payload, timeout=settings.timeout_s)


def post_webhook(url: str, payload: dict[str, str], *, timeout: float) -> None:
    """POST ``{"text": subject + text}`` (Slack's incoming-webhook body) to ``url``.

    Raises
    ------
    ExternalServiceError
        If the receiver is unreachable or answers other than 2xx.
    """
    import httpx

    body = {"text": f"{payload['subject']}\n{payload['text']}".strip()}
    try:
        response = httpx.post(url, json=body, timeout=timeout)
    except httpx.HTTPError as exc:
        raise ExternalServiceError(f"webhook {url}: not delivered ({exc})") from None
    if not response.is_success:
        raise ExternalServiceError(
            f"webhook {url}: not delivered (HTTP {response.status_code} "
            f"{response.text[:200]!r})"
        )


def list_notifications(
    engine: Engine, *, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Deliveries, newest first: ``id, channel, target, subject, attempts, status,
    last_error, next_attempt_at, created_at, sent_at``."""
    query = sa.select(notifications).order_by(notifications.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(notifications.c.status == status)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        {
            "id": row["id"],
            "channel": row["channel"],
            "target": row["target"],
            "subject": json.loads(row["payload"])["subject"],
            "attempts": row["attempts"],
            "status": row["status"],
            "last_error": row["last_error"],
            **{k: _iso(row[k]) for k in ("next_attempt_at", "created_at", "sent_at")},
        }
        for row in rows
    ]


def notification_counts(engine: Engine) -> dict[str, int]:
    """Deliveries by status: ``pending, sent, failed``."""
    query = sa.select(notifications.c.status, sa.func.count()).group_by(
        notifications.c.status
    )
    with engine.connect() as conn:
        found = {str(s): int(n) for s, n in conn.execute(query).all()}
    return {status: found.get(status, 0) for status in STATUSES}


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()
