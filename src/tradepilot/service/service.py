"""Customer-service use cases: import and triage messages, the queue, one message,
reply drafts, approval and sending.

The verbs other capabilities (automation, the assistant) and the CLI, API and
pages call. Reading sources is :mod:`~tradepilot.service.sources`, storing and
triage :mod:`~tradepilot.service.inbox`, replies :mod:`~tradepilot.service.replies`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from tradepilot.domain.errors import ImportFormatError
from tradepilot.service.config import load_service_config
from tradepilot.service.corrections import correct_intent
from tradepilot.service.inbox import (
    list_messages,
    now_utc,
    show_message,
    store_batch,
    triage_messages,
)
from tradepilot.service.intent_corrections import training_examples
from tradepilot.service.replies import (
    approve_draft,
    draft_reply,
    edit_draft,
    send_reply,
)
from tradepilot.service.sources import (
    load_mapping,
    read_csv,
    read_eml,
    read_imap,
    read_mbox,
    source_kind,
)

__all__ = [
    "approve_draft",
    "correct_intent",
    "draft_reply",
    "edit_draft",
    "import_messages",
    "list_messages",
    "retriage",
    "send_reply",
    "show_message",
    "training_examples",
]


def import_messages(
    engine: Engine,
    *,
    home: Path,
    path: Path | None = None,
    mapping: Path | None = None,
    imap: bool = False,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Import support messages from a file (``.eml``, folder of ``.eml``,
    ``.mbox``, CSV with ``mapping``) or the IMAP mailbox of ``service.toml``,
    then triage the new ones.

    Raises
    ------
    ImportFormatError
        If the file is of another kind than its name says, a CSV comes without a
        mapping, or the mapping names a column the file lacks.
    ExternalServiceError
        If the IMAP server cannot be reached or refuses the login.
    """
    at = now or now_utc()
    if imap:
        batch = read_imap(load_service_config(home).imap, now=at)
    elif path is None:
        raise ImportFormatError("give a file or folder to import, or --imap")
    else:
        kind = source_kind(path)
        if kind == "csv":
            if mapping is None:
                raise ImportFormatError(
                    f"{path.name}: a CSV export needs --mapping (a YAML file naming"
                    " the columns body, received_at and optional sender_email,"
                    " subject, order_number, ...; see docs/inbox-mapping.md)"
                )
            batch = read_csv(path, load_mapping(mapping), now=at)
        elif kind == "mbox":
            batch = read_mbox(path, now=at)
        else:
            batch = read_eml(path, now=at)
    return store_batch(engine, batch, home=home, now=at)


def retriage(engine: Engine, *, home: Path) -> dict[str, Any]:
    """Triage every stored message again (after a new intent model, say)."""
    with engine.begin() as conn:
        notes = triage_messages(conn, None, home=home)
    listed = list_messages(engine)
    return {"triaged": listed["count"], "notes": notes}
