"""Settings: where the workspace lives and which database holds it.

Read from the environment (``TRADEPILOT_HOME``, ``TRADEPILOT_DATABASE_URL``) when a
:class:`Settings` is created, never at import time; the CLI and the app build one and
pass it down.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from tradepilot.domain.errors import DataValidationError

DEFAULT_WORKSPACE = Path("tradepilot-data")
SQLITE_FILENAME = "tradepilot.db"

M = TypeVar("M", bound=BaseModel)


class Settings(BaseSettings):
    """Workspace settings.

    Attributes
    ----------
    home : Path
        Workspace directory (``TRADEPILOT_HOME``, default ``./tradepilot-data``).
    database_url : str or None
        SQLAlchemy URL (``TRADEPILOT_DATABASE_URL``); None means the embedded SQLite
        file ``tradepilot.db`` inside the workspace.
    cluster_address : str or None
        Scheduler of the cluster that ``tradepilot forecast run --engine dask|ray``
        uses (``TRADEPILOT_CLUSTER_ADDRESS``): ``tcp://10.0.0.5:8786`` for Dask,
        ``ray://10.0.0.5:10001`` for Ray. None starts a local cluster for the run.
    llm_url : str or None
        Base URL of an OpenAI-compatible chat API (``TRADEPILOT_LLM_URL``, e.g.
        ``http://127.0.0.1:8080/v1``); None (the default) means no LLM is used.
    llm_model, llm_api_key : str or None
        Model name and bearer key sent to it (``TRADEPILOT_LLM_MODEL``,
        ``TRADEPILOT_LLM_API_KEY``).
    llm_timeout : float
        Seconds to wait for a reply (``TRADEPILOT_LLM_TIMEOUT``, default 60).
    llm_redact : bool or None
        Replace personal data by placeholders before sending
        (``TRADEPILOT_LLM_REDACT``); None: only for endpoints off this machine.
    """

    model_config = SettingsConfigDict(env_prefix="TRADEPILOT_", extra="ignore")

    home: Path = Field(default=DEFAULT_WORKSPACE)
    database_url: str | None = None
    cluster_address: str | None = None
    llm_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = Field(default=None, repr=False)
    llm_timeout: float = Field(default=60.0, gt=0)
    llm_redact: bool | None = None

    @property
    def effective_database_url(self) -> str:
        """The URL actually used: ``database_url`` or the workspace's SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / SQLITE_FILENAME).resolve()}"

    @property
    def is_sqlite(self) -> bool:
        """True when the store is a SQLite database."""
        return self.effective_database_url.startswith("sqlite")


def load_settings(workspace: Path | None = None) -> Settings:
    """Build settings from the environment; ``workspace`` overrides ``TRADEPILOT_HOME``."""
    settings = Settings()
    if workspace is not None:
        settings = settings.model_copy(update={"home": workspace})
    return settings


def read_toml_settings(path: Path, model: type[M]) -> M:
    """Validate a seller-edited TOML settings file (``model()`` if it is absent).

    Raises
    ------
    DataValidationError
        If the file is not valid TOML or a setting is out of range; the message
        names the file, the setting, what is allowed and what was found.
    """
    if not path.exists():
        return model()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return model.model_validate(data)
    except tomllib.TOMLDecodeError as exc:
        raise DataValidationError(f"{path} is not valid TOML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']} (found {e['input']!r})"
            for e in exc.errors()
        )
        raise DataValidationError(f"{path}: {problems}") from None
