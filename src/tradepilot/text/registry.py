"""Trained text models kept as files in the workspace.

``<workspace>/models/<kind>/<name>.joblib`` holds the fitted model and
``<name>.json`` its summary (classes, examples, cross-validated accuracy,
threshold); ``active.txt`` names the model that triage or review analysis uses.
The built-in default models are cached outside the workspace, in
``$XDG_CACHE_HOME/tradepilot`` (else ``~/.cache/tradepilot``), because they are
the same for every workspace on the machine.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from tradepilot.domain.errors import DataValidationError

KINDS = ("intents", "sentiment")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
ACTIVE_FILE = "active.txt"


def check_name(name: str) -> str:
    """A model name: letters, digits, ``_ . -``, at most 64 characters."""
    if not _NAME.match(name or "") or name == "default":
        raise DataValidationError(
            f"model name {name!r} is not allowed: use letters, digits, '_', '.' or "
            "'-' (at most 64 characters), and not 'default'"
        )
    return name


def models_dir(home: Path, kind: str) -> Path:
    """The folder of the workspace's models of ``kind``."""
    return home / "models" / kind


def cache_dir() -> Path:
    """The machine-wide cache of the built-in default models."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tradepilot"


def save_model(
    home: Path, kind: str, name: str, model: Any, summary: dict[str, Any]
) -> Path:
    """Write a fitted model and its summary; returns the model file."""
    import joblib

    folder = models_dir(home, kind)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{check_name(name)}.joblib"
    joblib.dump(model, path, compress=3)
    (folder / f"{name}.json").write_text(json.dumps(summary, indent=2), "utf-8")
    return path


def model_names(home: Path, kind: str) -> list[str]:
    """Names of the workspace's trained models of ``kind``."""
    folder = models_dir(home, kind)
    return sorted(p.stem for p in folder.glob("*.joblib")) if folder.is_dir() else []


def model_summary(home: Path, kind: str, name: str) -> dict[str, Any]:
    """The stored summary of a trained model."""
    path = models_dir(home, kind) / f"{name}.json"
    if not path.is_file():
        raise _unknown(home, kind, name)
    found: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return found


def load_model(home: Path, kind: str, name: str) -> Any:
    """A trained model of the workspace, loaded once per file version."""
    path = models_dir(home, kind) / f"{name}.joblib"
    if not path.is_file():
        raise _unknown(home, kind, name)
    return load_file(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def load_file(path: Path, _version: int) -> Any:
    """A model file (cached per path and modification time)."""
    import joblib

    return joblib.load(path)


def set_active(home: Path, kind: str, name: str) -> None:
    """Make ``name`` the model used by default (``default`` = the built-in one)."""
    if name != "default" and name not in model_names(home, kind):
        raise _unknown(home, kind, name)
    folder = models_dir(home, kind)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ACTIVE_FILE).write_text(name + "\n", "utf-8")


def active_name(home: Path, kind: str) -> str:
    """The model in use: the one set active, else ``default``."""
    path = models_dir(home, kind) / ACTIVE_FILE
    if path.is_file():
        name = path.read_text("utf-8").strip()
        if name == "default" or name in model_names(home, kind):
            return name
    return "default"


def _unknown(home: Path, kind: str, name: str) -> DataValidationError:
    known = ", ".join(model_names(home, kind)) or "none yet"
    return DataValidationError(
        f"no {kind} model named {name!r} in this workspace; trained: {known} "
        f"(train one with the `train` command)"
    )
