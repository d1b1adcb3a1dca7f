"""Engine factory and schema migrations.

:func:`create_engine` builds an engine from :class:`~tradepilot.config.Settings`;
SQLite gets WAL journaling and enforced foreign keys. :func:`migrate` brings the
schema to the newest Alembic revision; every command that opens a store calls it, so
an older workspace is upgraded in place. Alembic is imported only when there is
something to upgrade: importing it costs a third of a second of every command.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from tradepilot.config import Settings
from tradepilot.domain.errors import WorkspaceError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"


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


# Prefix of the names under which store.bulk's staged inserts attach their files.
STAGE_ALIAS = "tp_stage_"


def detach_stage(dbapi_connection: Any, _record: Any) -> None:
    """Detach a staging file from a SQLite connection going back to the pool (SQLite
    refuses to detach one inside the transaction that used it)."""
    if dbapi_connection is None:  # invalidated
        return
    names = [row[1] for row in dbapi_connection.execute("PRAGMA database_list")]
    for name in names:
        if name.startswith(STAGE_ALIAS):
            dbapi_connection.execute(f"DETACH DATABASE {name}")


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
        sa.event.listen(engine, "checkin", detach_stage)
    return engine


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs this package's migrations on ``engine``."""
    from alembic.config import Config

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
        if is_current(engine):
            return
        from alembic import command

        command.upgrade(alembic_config(engine), "head")
    except OperationalError as exc:
        raise WorkspaceError(
            f"cannot open the database {engine.url.render_as_string()}: {exc.orig}"
        ) from None


def is_current(engine: Engine) -> bool:
    """True when the store is at the newest revision (so :func:`migrate` has nothing
    to do); False when it is older, empty, or the newest revision is unknown."""
    heads = head_revisions()
    if heads is None:
        return False
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(VERSION_TABLE):
            return False
        found = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}"))
        return frozenset(str(v) for v in found.scalars()) == heads


@functools.cache
def head_revisions() -> frozenset[str] | None:
    """The newest revision(s) of the migrations, read from their files.

    Reads each file's ``revision`` and ``down_revision`` assignments without
    importing Alembic or the migrations. None when a file does not state them as
    literals, and :func:`migrate` then asks Alembic.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        found = _revision_of(path)
        if found is None:
            return None
        revision, down = found
        revisions.add(revision)
        parents.update(down)
    heads = frozenset(revisions - parents)
    return heads or None


def _revision_of(path: Path) -> tuple[str, tuple[str, ...]] | None:
    """The ``revision`` of a migration file and its parents (``down_revision``), or
    None when either is not stated as a literal."""
    values: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            try:
                values[target.id] = ast.literal_eval(value)
            except ValueError:
                return None
    revision, down = values.get("revision"), values.get("down_revision", ...)
    parents = (down,) if isinstance(down, str) else () if down is None else down
    if not isinstance(revision, str) or not isinstance(parents, tuple | list):
        return None
    if not all(isinstance(p, str) for p in parents):
        return None
    return revision, tuple(str(p) for p in parents)
