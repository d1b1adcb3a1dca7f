"""The watched ``inbox/`` folder: export files dropped there are imported.

A file directly in the folder is imported in the format its columns show
(:func:`tradepilot.ingest.detect.detect_format`); a file in a sub-folder named
after a format (``inbox/stripe/``) in that format. An imported file moves to
``inbox/done/``; a refused one to ``inbox/failed/`` with ``<name>.reason.txt``
beside it. Nothing is deleted, and a name already taken gets a time prefix.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from tradepilot.domain.errors import TradePilotError

DONE, FAILED = "done", "failed"


def waiting_files(
    folder: Path, *, settle_seconds: float
) -> list[tuple[Path, str | None]]:
    """Files to import, oldest first, with the format their sub-folder names (None:
    detect it). Files changed within ``settle_seconds`` may still be copying."""
    from tradepilot.ingest.registry import formats

    if not folder.is_dir():
        return []
    known = formats()
    newest = time.time() - settle_seconds
    found: list[tuple[Path, str | None]] = []
    for path in folder.iterdir():
        if path.is_file():
            found.append((path, None))
        elif path.is_dir() and path.name in known:
            found.extend((p, path.name) for p in path.iterdir() if p.is_file())
    ready = [(p, f) for p, f in found if not _hidden(p) and p.stat().st_mtime <= newest]
    return sorted(ready, key=lambda pf: (pf[0].stat().st_mtime, pf[0].name))


def _hidden(path: Path) -> bool:
    return path.name.startswith(".") or path.name.endswith((".part", ".tmp"))


def import_waiting(
    engine: Engine, folder: Path, *, settle_seconds: float
) -> dict[str, Any]:
    """Import every waiting file; ``{"imported": [...], "failed": [...],
    "settling": n}`` (files left for the next run: changed too recently)."""
    from tradepilot.ingest.detect import detect_format
    from tradepilot.ingest.service import import_file

    imported: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    waiting = waiting_files(folder, settle_seconds=0)
    ready = waiting_files(folder, settle_seconds=settle_seconds)
    for path, fmt in ready:
        try:
            chosen = fmt or detect_format(path)
            report = import_file(engine, fmt=chosen, path=path)
        except TradePilotError as exc:
            moved = _move(path, folder / FAILED)
            moved.with_name(moved.name + ".reason.txt").write_text(
                f"{exc}\n", encoding="utf-8"
            )
            failed.append(
                {"file": path.name, "moved_to": str(moved), "reason": str(exc)}
            )
            continue
        moved = _move(path, folder / DONE)
        imported.append({"file": path.name, "format": chosen, "moved_to": str(moved),
                         "accepted": report.accepted,
                         "quarantined": report.quarantined,
                         "duplicates": report.duplicates})  # fmt: skip
    return {
        "imported": imported,
        "failed": failed,
        "settling": len(waiting) - len(ready),
    }


def _move(path: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    destination = target / path.name
    if destination.exists():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        destination = target / f"{stamp}-{path.name}"
    return path.replace(destination)
