"""The seller-edited settings files of a workspace, read and written back.

``trade.toml`` (:class:`~tradepilot.logistics.config.TradeConfig`) and
``purchasing.toml`` (:class:`~tradepilot.replenishment.config.PurchasingConfig`)
are plain files a seller may edit by hand; ``tradepilot init``, the dashboard's
setup and Settings pages and ``PUT /api/v1/settings/{name}`` change them too.

Writing keeps the file as the seller wrote it where that is simple: when only
top-level values change (origin, target margin, ...), each is replaced on its own
line, its comment kept, and the tables below are left as they are. When a table
changes (suppliers, modes, channels, ...), the file is written anew as clean TOML and
the previous one kept beside it as ``<name>.bak``. Either way the result is read back
and compared with what was meant before it replaces the file.

Values are checked by the file's model first; a mistake raises
:class:`SettingsError`, whose ``problems`` name each setting and say in plain words
what it must be.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ValidationError

from tradepilot.domain.errors import DataValidationError
from tradepilot.logistics.config import TradeConfig
from tradepilot.replenishment.config import PurchasingConfig


@dataclass(frozen=True)
class SettingsFile:
    """One settings file: its name, model, title and the values only the seller
    can choose (saving its form counts as choosing them)."""

    filename: str
    model: type[BaseModel]
    title: str
    choices: tuple[str, ...] = ()


SETTINGS_FILES: dict[str, SettingsFile] = {
    "trade": SettingsFile(
        "trade.toml",
        TradeConfig,
        "Landed cost, margins and markets",
        ("origin", "default_cost_share"),
    ),
    "purchasing": SettingsFile(
        "purchasing.toml", PurchasingConfig, "Purchasing and restocking"
    ),
}


class SettingsError(DataValidationError):
    """Settings that break their file's rules.

    Attributes
    ----------
    problems : list of dict
        ``{"setting": "target_margin", "message": "must be less than 1 (found
        1.5)"}``, one per mistake.
    """

    code = "invalid_settings"

    def __init__(self, filename: str, problems: list[dict[str, str]]) -> None:
        listed = "; ".join(f"{p['setting']}: {p['message']}" for p in problems)
        super().__init__(f"{filename}: {listed}")
        self.problems = problems


def settings_file(name: str) -> SettingsFile:
    """The settings file called ``name`` (``trade`` or ``purchasing``).

    Raises
    ------
    DataValidationError
        If there is no such settings file; the message lists them.
    """
    if name not in SETTINGS_FILES:
        raise DataValidationError(
            f"no settings file {name!r}; known: {', '.join(SETTINGS_FILES)}"
        )
    return SETTINGS_FILES[name]


def read_settings(home: Path, name: str) -> dict[str, Any]:
    """The settings of file ``name`` in workspace ``home``, JSON-ready.

    Returns
    -------
    dict
        ``file``, ``values`` (every setting in effect, defaults included),
        ``chosen`` (the settings the file sets) and ``not_chosen`` (the
        seller's choices still at their default).

    Raises
    ------
    DataValidationError
        If the file on disk is not valid TOML or breaks its rules.
    """
    spec = settings_file(name)
    path = home / spec.filename
    written = _read_toml(path)
    model = validate_settings(spec, written)
    chosen = sorted(written)
    return {
        "file": spec.filename,
        "values": model.model_dump(mode="json", exclude_none=True),
        "chosen": chosen,
        "not_chosen": [c for c in spec.choices if c not in chosen],
    }


def write_settings(home: Path, name: str, values: Mapping[str, Any]) -> BaseModel:
    """Replace the settings of file ``name`` by ``values`` (the settings not in it
    return to their defaults) after checking them; see the module docstring.

    Raises
    ------
    SettingsError
        If a value breaks the file's rules (nothing is written).
    """
    spec = settings_file(name)
    model = validate_settings(spec, values)
    dumped = model.model_dump(exclude_none=True)
    _write_toml(home / spec.filename, {k: dumped[k] for k in values if k in dumped})
    return model


def update_settings(home: Path, name: str, changes: Mapping[str, Any]) -> BaseModel:
    """Set ``changes`` in file ``name``, keeping the other settings it has.

    Raises
    ------
    SettingsError
        If a value breaks the file's rules (nothing is written).
    DataValidationError
        If the file on disk is not valid TOML.
    """
    spec = settings_file(name)
    current = _read_toml(home / spec.filename)
    return write_settings(home, name, {**current, **changes})


def save_settings(home: Path, name: str, values: Mapping[str, Any]) -> BaseModel:
    """Save a whole form of settings: the file keeps the settings it sets, gains
    those that differ from their default and the seller's choices (saving the
    form chooses them), so that defaults stay defaults.

    Raises
    ------
    SettingsError
        If a value breaks the file's rules (nothing is written).
    """
    spec = settings_file(name)
    dumped = validate_settings(spec, values).model_dump()
    defaults = spec.model().model_dump()
    current = _read_toml(home / spec.filename)
    keep = {
        k
        for k in dumped
        if k in current or k in spec.choices or dumped[k] != defaults.get(k)
    }
    return write_settings(home, name, {k: v for k, v in values.items() if k in keep})


def validate_settings(spec: SettingsFile, values: Mapping[str, Any]) -> BaseModel:
    """``values`` checked by the model of ``spec``.

    Raises
    ------
    SettingsError
        Naming each setting in error in plain words.
    """
    try:
        return spec.model.model_validate(dict(values))
    except ValidationError as exc:
        fields = ", ".join(spec.model.model_fields)
        problems = [_plain(error, fields) for error in exc.errors()]
        raise SettingsError(spec.filename, problems) from None


_MESSAGES = {
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "literal_error": "must be one of {expected}",
    "string_too_short": "must have at least {min_length} characters",
    "string_too_long": "must have at most {max_length} characters",
    "string_type": "must be text",
    "dict_type": "must be a table of names and values",
    "model_type": "must be a table of settings",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "date_from_datetime_parsing": "must be a date such as 2026-10-01",
    "date_parsing": "must be a date such as 2026-10-01",
    "date_type": "must be a date such as 2026-10-01",
    "missing": "is required",
}


def _plain(error: Any, fields: str) -> dict[str, str]:
    """One pydantic error as a setting and a sentence a seller can act on."""
    setting = ".".join(str(part) for part in error["loc"]) or "(file)"
    kind = error["type"]
    if kind == "extra_forbidden":
        return {"setting": setting, "message": f"is not a setting; known: {fields}"}
    template = _MESSAGES.get(kind)
    context = error.get("ctx", {})
    if template is None:
        message = str(error["msg"]).removeprefix("Value error, ")
    else:
        message = template.format(**{k: _plain_value(v) for k, v in context.items()})
    shown = kind not in ("missing", "value_error") and "input" in error
    if shown and not isinstance(error["input"], dict):
        message += f" (found {error['input']!r})"
    return {"setting": setting, "message": message}


def _plain_value(value: Any) -> str:
    text = str(value)
    return text.replace("'", "") if text.startswith("'") else text


# --- TOML on disk ----------------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DataValidationError(f"{path} is not valid TOML: {exc}") from None


def _write_toml(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path``, patching the file in place where simple."""
    wanted = _plain_types(data)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if not old.strip():
        old = f"# {path.name}: settings of this workspace, edit freely.\n"
    text = _patched(old, wanted)
    if text is None:
        if _has_comments(old):
            path.with_name(path.name + ".bak").write_text(old, encoding="utf-8")
        text = _clean(path.name, wanted)
    if not _reads_back(text, wanted):  # never write what would read back otherwise
        text = _clean(path.name, wanted)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _reads_back(text: str, wanted: dict[str, Any]) -> bool:
    try:
        return tomllib.loads(text) == wanted
    except tomllib.TOMLDecodeError:
        return False


def _plain_types(value: Any) -> Any:
    """Tuples as lists, without None, as tomllib reads them back."""
    if isinstance(value, Mapping):
        return {str(k): _plain_types(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain_types(v) for v in value]
    return value


def _clean(filename: str, data: dict[str, Any]) -> str:
    today = dt.datetime.now(dt.UTC).date()
    header = f"# {filename}, written by TradePilot on {today}.\n\n"
    return header + tomli_w.dumps(data)


_KEY_LINE = re.compile(r"^(?P<key>[A-Za-z0-9_-]+)\s*=")
_TABLE_LINE = re.compile(r"^\s*\[")


def _patched(old: str, wanted: dict[str, Any]) -> str | None:
    """``old`` with its top-level values set to ``wanted``'s, comments kept; None
    when that is not simple (a table changes, a value spans lines)."""
    current = tomllib.loads(old) if old.strip() else {}
    tables = {k for k, v in {**current, **wanted}.items() if isinstance(v, dict)}
    if any(current.get(k) != wanted.get(k) for k in tables):
        return None
    lines = old.splitlines()
    head = next((i for i, line in enumerate(lines) if _TABLE_LINE.match(line)), None)
    top = lines if head is None else lines[:head]
    rest = [] if head is None else lines[head:]
    scalars = {k: v for k, v in wanted.items() if k not in tables}
    out: list[str] = []
    done: set[str] = set()
    for line in top:
        match = _KEY_LINE.match(line)
        if match is None:
            out.append(line)
            continue
        key = match["key"]
        if key in tables:  # an inline table, unchanged
            out.append(line)
            continue
        comment = _comment(line)
        if comment is None:
            return None
        if key in scalars:
            out.append(f"{key} = {_value_text(scalars[key])}{comment}")
            done.add(key)
    new = [f"{k} = {_value_text(v)}" for k, v in scalars.items() if k not in done]
    while out and not out[-1].strip():
        out.pop()
    blank = [""] if rest else []
    return "\n".join([*out, *new, *blank, *rest]) + "\n"


def _comment(line: str) -> str | None:
    """The trailing comment of a ``key = value`` line ('' if none), None when the
    value does not end on this line."""
    for at in [i for i, c in enumerate(line) if c == "#"] + [len(line)]:
        try:
            tomllib.loads(line[:at])
        except tomllib.TOMLDecodeError:
            continue
        head = line[:at]
        return line[len(head.rstrip()) :] if at < len(line) else ""
    return None


def _value_text(value: Any) -> str:
    """A value as TOML on one line."""
    if isinstance(value, list):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


def _has_comments(text: str) -> bool:
    return any(
        line.lstrip().startswith("#") or " #" in line for line in text.splitlines()
    )
