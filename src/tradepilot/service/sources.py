"""Where messages come from: ``.eml`` files, ``.mbox`` mailboxes, CSV exports with a
YAML column mapping, and an IMAP mailbox.

Each reader returns a :class:`Batch`: the messages it could read and, for the ones
it could not, a problem naming the message and why, so nothing is lost silently.
A file that is not what its name says (an mbox that does not start with a
``From`` line, a mapping naming a column the file lacks) is refused whole with
:class:`~tradepilot.domain.errors.ImportFormatError`.
"""

from __future__ import annotations

import datetime as dt
import imaplib
import mailbox
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from tradepilot.domain.errors import ExternalServiceError, ImportFormatError
from tradepilot.service.config import ImapConfig
from tradepilot.service.mail import IncomingMessage, message_key, parse_email

TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".gz")


@dataclass
class Batch:
    """Messages read from one source, and the ones that could not be read."""

    source: str  # eml, mbox, csv, imap
    name: str
    messages: list[IncomingMessage] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)


def source_kind(path: Path) -> str:
    """``eml``, ``mbox`` or ``csv`` from the file's name (a folder: its ``.eml``).

    Raises
    ------
    ImportFormatError
        If the path does not exist or its kind cannot be told.
    """
    if path.is_dir():
        return "eml"
    if not path.is_file():
        raise ImportFormatError(f"{path}: no such file or folder")
    suffix = path.suffix.lower()
    if suffix == ".eml":
        return "eml"
    if suffix in (".mbox", ".mbx", "") or path.name.lower() == "mbox":
        return "mbox"
    if suffix in TABLE_SUFFIXES:
        return "csv"
    raise ImportFormatError(
        f"{path.name}: cannot tell the kind of file from its name; expected .eml,"
        " .mbox, a folder of .eml files, or .csv/.tsv/.xlsx with --mapping"
    )


def read_eml(path: Path, *, now: dt.datetime) -> Batch:
    """One ``.eml`` file, or every ``*.eml`` of a folder (sorted by name)."""
    files = sorted(path.glob("*.eml")) if path.is_dir() else [path]
    batch = Batch("eml", path.name)
    if not files:
        raise ImportFormatError(f"{path}: the folder holds no .eml files")
    for file in files:
        raw = file.read_bytes()
        if not raw.strip():
            batch.problems.append({"message": file.name, "reason": "empty file"})
            continue
        batch.messages.append(parse_email(raw, default_time=now))
    return batch


def read_mbox(path: Path, *, now: dt.datetime) -> Batch:
    """Every message of an mbox mailbox.

    Raises
    ------
    ImportFormatError
        If the file does not begin with a ``From`` separator line.
    """
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip(b"\r\n")
    if not head.startswith(b"From "):
        first = head.split(b"\n", 1)[0][:60].decode("utf-8", "replace")
        raise ImportFormatError(
            f"{path.name} is not an mbox mailbox: it must begin with a 'From ' line;"
            f" found {first!r} (import a single message as a .eml file)"
        )
    batch = Batch("mbox", path.name)
    box = mailbox.mbox(path, create=False)
    try:
        for position, key in enumerate(box.iterkeys(), start=1):
            raw = box.get_bytes(key)
            if not raw.strip():
                batch.problems.append(
                    {"message": f"#{position}", "reason": "empty message in the mbox"}
                )
                continue
            batch.messages.append(parse_email(raw, default_time=now))
    finally:
        box.close()
    return batch


class CsvMapping(BaseModel):
    """Which column of a helpdesk or marketplace export holds what.

    ``body`` and ``received_at`` are required; the rest are optional. ``channel``
    is the channel of every row unless ``columns.channel`` names a column.
    """

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str]
    channel: str = "email"
    date_format: str | None = None
    timezone: str = "UTC"
    separator: str | None = None


REQUIRED_FIELDS = ("body", "received_at")


MAPPING_FIELDS = (
    "message_id", "received_at", "sender_email", "sender_name", "subject", "body",
    "order_number", "thread", "in_reply_to", "channel",
)  # fmt: skip


def load_mapping(path: Path) -> CsvMapping:
    """Read a YAML column mapping.

    Raises
    ------
    ImportFormatError
        If the file is missing, not YAML, or names an unknown field.
    """
    if not path.is_file():
        raise ImportFormatError(f"{path}: no such mapping file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        mapping = CsvMapping.model_validate(data)
    except yaml.YAMLError as exc:
        raise ImportFormatError(f"{path.name} is not valid YAML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ImportFormatError(f"{path.name}: {problems}") from None
    unknown = sorted(set(mapping.columns) - set(MAPPING_FIELDS))
    missing = [f for f in REQUIRED_FIELDS if f not in mapping.columns]
    if unknown or missing:
        raise ImportFormatError(
            f"{path.name}: "
            + "; ".join(
                [f"unknown field {u!r}" for u in unknown]
                + [f"columns.{m} is required" for m in missing]
            )
            + f" (fields: {', '.join(MAPPING_FIELDS)})"
        )
    return mapping


def read_csv(path: Path, mapping: CsvMapping, *, now: dt.datetime) -> Batch:
    """Rows of a helpdesk or marketplace message export, one message per row.

    Raises
    ------
    ImportFormatError
        If the mapping names a column the file does not have (all are listed).
    """
    from zoneinfo import ZoneInfo

    from tradepilot.ingest.files import read_table

    table = read_table(path, separator=mapping.separator)
    absent = {f: c for f, c in mapping.columns.items() if c not in table.columns}
    if absent:
        named = ", ".join(f"{c!r} (for {f})" for f, c in absent.items())
        raise ImportFormatError(
            f"{path.name}: the mapping names columns the file does not have: {named};"
            f" found: {', '.join(table.columns)}"
        )
    zone = ZoneInfo(mapping.timezone)
    batch = Batch("csv", path.name)
    for row in table.complete().frame.to_dicts():
        cells = {f: (row.get(c) or "").strip() for f, c in mapping.columns.items()}
        when = _when(cells["received_at"], mapping.date_format, zone)
        if when is None:
            batch.problems.append(
                {
                    "message": f"row {row['_row']}",
                    "reason": f"unreadable date {cells['received_at']!r}",
                }
            )
            continue
        batch.messages.append(_row_message(cells, when, mapping.channel))
    if table.partial_row is not None:
        batch.problems.append(
            {"message": f"row {table.partial_row}", "reason": table.partial_detail}
        )
    return batch


def _row_message(cells: dict[str, str], when: dt.datetime, channel: str) -> Any:
    sender = cells.get("sender_email", "").lower() or None
    subject = cells.get("subject", "")
    body = cells.get("body", "").replace("\r\n", "\n")
    thread = cells.get("thread") or None
    parent = cells.get("in_reply_to") or None
    references = tuple(x for x in (thread, parent) if x)
    return IncomingMessage(
        key=(cells.get("message_id") or message_key(sender, when, subject, body))[:255],
        received_at=when,
        sender_email=sender,
        sender_name=cells.get("sender_name") or None,
        subject=subject,
        body=body,
        in_reply_to=parent,
        references=references,
        channel=(cells.get("channel") or channel).lower(),
        order_hint=cells.get("order_number") or None,
    )


def _when(text: str, fmt: str | None, zone: dt.tzinfo) -> dt.datetime | None:
    try:
        when = (
            dt.datetime.strptime(text, fmt)  # noqa: DTZ007 - zone added below
            if fmt
            else dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        )
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    return when.astimezone(dt.UTC)


def read_imap(config: ImapConfig, *, now: dt.datetime) -> Batch:
    """Every message of the configured IMAP folder (read-only: flags unchanged).

    Raises
    ------
    ExternalServiceError
        If the server cannot be reached or refuses the login; the message names
        the server.
    """
    if not config.host or not config.user:
        raise ExternalServiceError(
            "service.toml [imap] needs host and user (and the password in the"
            f" environment variable {config.password_env}) to read a mailbox"
        )
    port = config.port or (993 if config.ssl else 143)
    where = f"imap {config.host}:{port}"
    batch = Batch("imap", f"{config.user}@{config.host}/{config.folder}")
    try:
        client: imaplib.IMAP4 = (
            imaplib.IMAP4_SSL(config.host, port, timeout=30)
            if config.ssl
            else imaplib.IMAP4(config.host, port, timeout=30)
        )
    except OSError as exc:
        raise ExternalServiceError(f"{where}: cannot connect ({exc})") from None
    try:
        client.login(config.user, config.password() or "")
        status, _ = client.select(_quoted(config.folder), readonly=True)
        if status != "OK":
            raise ExternalServiceError(f"{where}: no folder {config.folder!r}")
        _, found = client.uid("SEARCH", "ALL")
        for uid in (found[0] or b"").split():
            _, parts = client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if not raw:
                batch.problems.append(
                    {"message": f"uid {uid.decode()}", "reason": "empty message"}
                )
                continue
            batch.messages.append(parse_email(raw, default_time=now))
    except imaplib.IMAP4.error as exc:
        raise ExternalServiceError(f"{where}: {exc}") from None
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass  # the connection is going away anyway
    return batch


def _quoted(folder: str) -> str:
    return f'"{folder}"' if " " in folder else folder
