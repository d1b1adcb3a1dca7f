"""/api/v1/settings/{trade,purchasing}: the workspace's settings files, read and
replaced (see :mod:`tradepilot.settings_files`)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tradepilot.app import problems
from tradepilot.app.security import State, require_token
from tradepilot.settings_files import SettingsError, read_settings, write_settings

router = APIRouter(
    prefix="/api/v1", dependencies=[Depends(require_token)], tags=["settings"]
)

SettingsName = Literal["trade", "purchasing"]


class SettingsUpdate(BaseModel):
    """The settings a file is to hold; the ones left out return to defaults."""

    values: dict[str, Any] = Field(
        description="Setting -> value, as GET returns them in ``values``."
    )


@router.get("/settings/{name}")
def get_settings(state: State, name: SettingsName) -> dict[str, Any]:
    """Every setting of ``trade.toml`` or ``purchasing.toml`` in effect, which ones
    the file sets (``chosen``) and which of the seller's choices are still at their
    default (``not_chosen``)."""
    return read_settings(state.settings.home, name)


@router.put("/settings/{name}", response_model=None)
def put_settings(
    state: State, name: SettingsName, update: SettingsUpdate
) -> dict[str, Any] | JSONResponse:
    """Replace the settings of the file after checking them; a mistake answers
    422 with one entry per setting in ``errors``, and nothing is written."""
    try:
        write_settings(state.settings.home, name, update.values)
    except SettingsError as exc:
        return problems.problem(
            422, exc.code, str(exc), code=exc.code, errors=exc.problems
        )
    return read_settings(state.settings.home, name)
