"""The Settings page's forms of ``trade.toml`` and ``purchasing.toml``.

One form per file, one field per setting, built from the file's model: a choice
list for fixed values, yes/no, numbers and text as typed (checked by the server, so
every mistake is explained in words), lists as comma-separated text, and tables
(suppliers, modes, channels, ...) as TOML text. Saving goes through
:func:`tradepilot.settings_files.save_settings`.
"""

from __future__ import annotations

import tomllib
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import tomli_w
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic.fields import FieldInfo

from tradepilot.app.security import CsrfSession, State
from tradepilot.app.web.pages import render
from tradepilot.auth.service import list_tokens
from tradepilot.settings_files import (
    SETTINGS_FILES,
    SettingsError,
    SettingsFile,
    read_settings,
    save_settings,
    update_settings,
    validate_settings,
)

router = APIRouter(include_in_schema=False)


@dataclass
class FieldView:
    """One input of a settings form."""

    name: str
    label: str
    help: str
    kind: str  # choice, bool, number, text, list or table
    value: str
    options: tuple[str, ...] = ()
    optional: bool = False
    error: str = ""


@dataclass
class FormView:
    """A settings file as a form, with what went wrong on the last save."""

    name: str
    file: str
    title: str
    fields: list[FieldView]
    not_chosen: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    saved: bool = False


def settings_forms(
    home: Path,
    *,
    saved: str = "",
    failed: str = "",
    submitted: dict[str, str] | None = None,
    problems: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Template context of the Settings page's forms: the file ``failed`` shows
    what was ``submitted`` with its ``problems``; the others show the files."""
    forms = []
    for name, spec in SETTINGS_FILES.items():
        if name == failed:
            forms.append(_form(spec, name, submitted or {}, problems or []))
            continue
        try:
            current = read_settings(home, name)
        except SettingsError as exc:  # a hand-edited file with a mistake
            forms.append(_form(spec, name, _texts(spec, {}), exc.problems))
            continue
        view = _form(spec, name, _texts(spec, current["values"]), [])
        view.not_chosen = current["not_chosen"]
        view.saved = name == saved
        forms.append(view)
    return {"settings_forms": forms}


def _form(
    spec: SettingsFile,
    name: str,
    texts: dict[str, str],
    problems: list[dict[str, str]],
) -> FormView:
    errors = {p["setting"].split(".")[0]: p["message"] for p in problems}
    fields = []
    for key, info in spec.model.model_fields.items():
        kind, options, optional = _kind(info)
        fields.append(
            FieldView(
                name=key,
                label=key.replace("_", " "),
                help=info.description or "",
                kind=kind,
                value=texts.get(key, ""),
                options=options,
                optional=optional,
                error=errors.get(key, ""),
            )
        )
    labelled = [p | {"label": p["setting"].replace("_", " ")} for p in problems]
    return FormView(name, spec.filename, spec.title, fields, errors=labelled)


def _kind(info: FieldInfo) -> tuple[str, tuple[str, ...], bool]:
    """The input a setting takes: kind, the options of a choice, optional."""
    annotation = info.annotation
    optional = False
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        optional, annotation = True, args[0]
    if get_origin(annotation) is Literal:
        return "choice", tuple(str(a) for a in get_args(annotation)), optional
    if annotation is bool:
        return "bool", (), optional
    if annotation in (int, float):
        return "number", (), optional
    if annotation is str:
        return "text", (), optional
    if get_origin(annotation) is tuple and get_args(annotation)[:1] == (str,):
        return "list", (), optional
    return "table", (), optional


def _texts(spec: SettingsFile, values: dict[str, Any]) -> dict[str, str]:
    """Each setting's value as its input shows it."""
    texts = {}
    for key, info in spec.model.model_fields.items():
        value = values.get(key)
        kind = _kind(info)[0]
        if value is None:
            texts[key] = ""
        elif kind == "bool":
            texts[key] = "true" if value else "false"
        elif kind == "list":
            texts[key] = ", ".join(str(v) for v in value)
        elif kind == "table":
            texts[key] = tomli_w.dumps(_dates(value)) if value else ""
        else:
            texts[key] = f"{value:g}" if isinstance(value, float) else str(value)
    return texts


def _dates(value: Any) -> Any:
    """JSON dates (``"2026-10-01"``) back to dates, so TOML writes them bare."""
    if isinstance(value, dict):
        return {k: _dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates(v) for v in value]
    if isinstance(value, str) and len(value) == 10 and value[4] == value[7] == "-":
        try:
            return tomllib.loads(f"d = {value}")["d"]
        except tomllib.TOMLDecodeError:
            return value
    return value


def parse_form(
    spec: SettingsFile, form: dict[str, str]
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The values of a submitted form, and the inputs that could not be read."""
    values: dict[str, Any] = {}
    problems = []
    for key, info in spec.model.model_fields.items():
        kind, _, optional = _kind(info)
        text = form.get(key, "").strip()
        if not text and (optional or kind in ("table", "list")):
            if kind in ("table", "list"):
                values[key] = {} if kind == "table" else []
            continue
        if kind == "bool":
            values[key] = text == "true"
        elif kind == "list":
            values[key] = [part.strip() for part in text.split(",") if part.strip()]
        elif kind == "table":
            try:
                values[key] = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                message = f"is not valid TOML ({exc})"
                problems.append({"setting": key, "message": message})
        else:
            values[key] = text
    return values, problems


def country_choices() -> list[tuple[str, str]]:
    """(code, name) of every ISO country, by name, for the setup page."""
    import pycountry

    found = [
        (c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries
    ]
    return sorted(found, key=lambda pair: pair[1])


def save_first_choices(home: Path, *, origin: str, cost_percent: str) -> None:
    """Save what the setup page asked (either may be left empty for later): the
    origin to ``trade.toml``, the cost share to both settings files.

    Raises
    ------
    SettingsError
        If a value is not acceptable; nothing is written then.
    """
    choices: dict[str, Any] = {}
    if origin.strip():
        choices["origin"] = origin.strip()
    if cost_percent.strip():
        text = cost_percent.strip().removesuffix("%")
        try:
            choices["default_cost_share"] = float(text) / 100
        except ValueError:
            message = f"must be a percentage such as 35 (found {cost_percent!r})"
            raise SettingsError(
                "trade.toml", [{"setting": "product cost", "message": message}]
            ) from None
    if not choices:
        return
    validate_settings(SETTINGS_FILES["trade"], choices)
    update_settings(home, "trade", choices)
    if "default_cost_share" in choices:
        share = {"default_cost_share": choices["default_cost_share"]}
        update_settings(home, "purchasing", share)


@router.post("/settings/files/{name}")
async def save_settings_form(
    request: Request, state: State, session: CsrfSession, name: str
) -> Response:
    """Check and save one settings file; show its mistakes in words (422)."""
    spec = SETTINGS_FILES.get(name)
    if spec is None:
        return RedirectResponse("/settings", status_code=303)
    form = {k: str(v) for k, v in (await request.form()).items()}
    values, problems = parse_form(spec, form)
    home = state.settings.home
    try:
        if problems:  # nothing is saved; the other values are checked all the same
            validate_settings(spec, values)
        else:
            save_settings(home, name, values)
    except SettingsError as exc:
        problems += exc.problems
    if not problems:
        target = f"/settings?saved={name}#{name}-settings"
        return RedirectResponse(target, status_code=303)
    context = settings_forms(home, failed=name, submitted=form, problems=problems)
    return render(
        request,
        "settings.html",
        status=422,
        session=session,
        tokens=list_tokens(state.engine),
        **context,
    )
