"""The approval queue: actions proposed by a job or the co-pilot wait for the owner.

Nothing that spends money or reaches a customer happens by itself: a job calls
:func:`propose`; the owner approves (the action runs, see
:mod:`tradepilot.automation.actions`) or rejects (who, when and why are kept). A
decided item cannot be decided again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.automation import actions
from tradepilot.domain.errors import DataValidationError
from tradepilot.store.tables_automation import approvals

STATUSES = ("pending", "approved", "rejected")
KEYS = ("id", "kind", "title", "payload", "money_base", "source", "status",
        "created_at", "decided_at")  # fmt: skip
Action = Callable[[Engine, dict[str, Any], Path, int, str], dict[str, Any]]
ACTIONS: dict[str, tuple[Callable[[dict[str, Any]], dict[str, Any]], Action]] = {
    "restock_plan": (actions.check_restock_payload, actions.write_purchase_order),
    "price_change": (actions.check_price_payload, actions.write_price_file),
}
CLAIM_TIMEOUT = dt.timedelta(minutes=10)
_SOURCE = re.compile(r"^[\w.:-]{1,64}$")


def propose(
    engine: Engine,
    *,
    kind: str,
    title: str,
    payload: dict[str, Any],
    money_base: float | None = None,
    source: str,
) -> int:
    """Queue an action for the owner's approval; return its id.

    Parameters
    ----------
    engine : Engine
        The workspace store.
    kind : str
        ``restock_plan`` (payload ``{"plan_id": N}`` or ``{"lines": [...]}``) or
        ``price_change`` (payload ``{"sku", "price", "currency"}``, optional
        ``"format"``: ``shopify`` or ``generic``, optional ``"handle"``).
    title : str
        One line the owner reads in the queue.
    payload : dict
        What approving acts on (checked here, so a bad one is refused at once).
    money_base : float, optional
        Money the action spends or moves, in the base currency.
    source : str
        What proposed it (a job name, ``assistant``, ``cli``).

    Raises
    ------
    DataValidationError
        If the kind is unknown or the payload does not fit it (nothing is queued).
    """
    if kind not in ACTIONS:
        raise DataValidationError(
            f"approval kind must be one of {', '.join(ACTIONS)}; received {kind!r}"
        )
    title = title.strip()
    if not title:
        raise DataValidationError("an approval needs a title; received an empty one")
    if not _SOURCE.match(source):
        raise DataValidationError(
            f"source must be a short name (letters, digits, . _ : -); got {source!r}"
        )
    checked = ACTIONS[kind][0](payload)
    with engine.begin() as conn:
        new_id = conn.execute(
            sa.insert(approvals).values(
                kind=kind,
                title=title[:300],
                payload=json.dumps(checked, default=str),
                money_base=None if money_base is None else round(money_base, 2),
                source=source,
                status="pending",
                created_at=dt.datetime.now(dt.UTC),
            )
        ).inserted_primary_key[0]  # type: ignore[index]
    return int(new_id)


def list_approvals(
    engine: Engine, *, status: str | None = "pending"
) -> list[dict[str, Any]]:
    """Approvals, newest first (``status`` None: all of them).

    Each is a dict with ``id, kind, title, payload, money_base, source, status,
    created_at, decided_at`` plus ``decided_by, reason, result``.

    Raises
    ------
    DataValidationError
        If ``status`` is not pending, approved, rejected or None.
    """
    if status is not None and status not in STATUSES:
        raise DataValidationError(
            f"status must be one of {', '.join(STATUSES)} or all; received {status!r}"
        )
    query = sa.select(approvals).order_by(approvals.c.id.desc())
    if status is not None:
        query = query.where(approvals.c.status == status)
    with engine.connect() as conn:
        return [_public(row) for row in conn.execute(query).mappings()]


def get_approval(conn: Connection, approval_id: int) -> dict[str, Any]:
    """One approval by id.

    Raises
    ------
    DataValidationError
        If there is no approval ``approval_id``.
    """
    row = (
        conn.execute(sa.select(approvals).where(approvals.c.id == approval_id))
        .mappings()
        .first()
    )
    if row is None:
        raise DataValidationError(
            f"no approval with id {approval_id} (see 'tradepilot approvals list')"
        )
    return _public(row)


def decide(
    engine: Engine,
    *,
    approval_id: int,
    approve: bool,
    home: Path,
    by: str = "owner",
    reason: str | None = None,
) -> dict[str, Any]:
    """Approve (run the action) or reject an approval; the approval as it now is.

    The item is claimed first (pending to deciding, one statement), so two owners
    clicking at once cannot both run it; when the action fails the item is pending
    again and nothing is recorded as done.

    Raises
    ------
    DataValidationError
        If there is no such approval or it was decided already.
    """
    now = dt.datetime.now(dt.UTC)
    _claim(engine, approval_id)
    try:
        result: dict[str, Any] = {}
        if approve:
            with engine.connect() as conn:
                item = get_approval(conn, approval_id)
            result = ACTIONS[item["kind"]][1](
                engine, item["payload"], home, approval_id, by
            )
    except BaseException:
        _release(engine, approval_id)
        raise
    values = {
        "status": "approved" if approve else "rejected",
        "decided_at": now,
        "decided_by": by,
        "reason": reason,
        "result": json.dumps(result, default=str) if approve else None,
    }
    with engine.begin() as conn:
        conn.execute(
            sa.update(approvals).where(approvals.c.id == approval_id).values(**values)
        )
        return get_approval(conn, approval_id)


def _claim(engine: Engine, approval_id: int) -> None:
    with engine.begin() as conn:
        now = dt.datetime.now(dt.UTC)
        # a claim older than CLAIM_TIMEOUT was left by a process that died
        claimable = sa.or_(
            approvals.c.status == "pending",
            sa.and_(
                approvals.c.status == "deciding",
                approvals.c.decided_at < now - CLAIM_TIMEOUT,
            ),
        )
        claimed = conn.execute(
            sa.update(approvals)
            .where(approvals.c.id == approval_id, claimable)
            .values(status="deciding", decided_at=now)
        ).rowcount
        if claimed == 1:
            return
        item = get_approval(conn, approval_id)  # raises for an unknown id
    if item["status"] == "deciding":
        raise DataValidationError(
            f"approval {approval_id} is being decided right now; try again"
        )
    raise DataValidationError(
        f"approval {approval_id} was already {item['status']} on "
        f"{str(item['decided_at'])[:16]} by {item['decided_by']}; "
        "a decided item cannot be decided again"
    )


def _release(engine: Engine, approval_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.update(approvals)
            .where(approvals.c.id == approval_id)
            .values(status="pending", decided_at=None)
        )


def _public(row: Any) -> dict[str, Any]:
    item = {key: row[key] for key in KEYS}
    item["payload"] = json.loads(row["payload"])
    for key in ("created_at", "decided_at"):
        item[key] = None if row[key] is None else row[key].isoformat()
    item["decided_by"] = row["decided_by"]
    item["reason"] = row["reason"]
    item["result"] = json.loads(row["result"]) if row["result"] else None
    return item
