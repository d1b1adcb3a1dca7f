"""Engine factory and schema migrations.

:func:`create_engine` builds an engine from :class:`~tradepilot.config.Settings`;
SQLite gets WAL journaling and enforced foreign keys. :func:`migrate` brings the
schema to the newest Alembic revision; every command that opens a store calls it, so
an older workspace is upgraded in place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from tradepilot.config import Settings
from tradepilot.domain.errors import WorkspaceError

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # 64 MB page cache: the unique index of a 500k-line import fits, so bulk inserts
    # do not thrash (the default is 2 MB).
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def create_engine(settings: Settings, **kwargs: Any) -> Engine:
    """Create the engine for the workspace described by ``settings``.

    Raises
    ------
    WorkspaceError
        If the SQLite workspace directory does not exist.
    """
    url = settings.effective_database_url
    if (
        settings.is_sqlite
        and settings.database_url is None
        and not settings.home.is_dir()
    ):
        raise WorkspaceError(
            f"no workspace at {settings.home}; run 'tradepilot init' first"
        )
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs this package's migrations on ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest revision (a no-op when already there).

    Raises
    ------
    WorkspaceError
        If the database cannot be reached.
    """
    try:
        command.upgrade(alembic_config(engine), "head")
    except OperationalError as exc:
        raise WorkspaceError(
            f"cannot open the database {engine.url.render_as_string()}: {exc.orig}"
        ) from None
