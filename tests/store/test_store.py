from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tradepilot.store import tables
from tradepilot.store.engine import (
    _revision_of,
    alembic_config,
    head_revisions,
    is_current,
    migrate,
)


def test_migrations_are_idempotent_and_create_every_table(engine):
    migrate(engine)

    names = set(sa.inspect(engine).get_table_names())

    assert set(tables.metadata.tables) <= names
    assert "alembic_version" in names


def test_decimal_and_aware_datetime_round_trip_exactly(engine):
    stamp = dt.datetime(2011, 7, 1, 14, 30, tzinfo=ZoneInfo("Europe/London"))
    with engine.begin() as conn:
        run = conn.execute(
            sa.insert(tables.import_runs).values(
                format="x",
                source_name="x",
                file_sha256="0",
                started_at=stamp,
                finished_at=stamp,
                rows_read=0,
                accepted=0,
                quarantined=0,
                duplicates=0,
                report="{}",
            )
        ).inserted_primary_key[0]
        conn.execute(
            sa.insert(tables.fx_rates).values(
                currency="JPY",
                date=dt.date(2024, 1, 5),
                per_eur=Decimal("158.480001"),
                import_run_id=run,
            )
        )
    with engine.connect() as conn:
        started = conn.execute(sa.select(tables.import_runs.c.started_at)).scalar_one()
        rate = conn.execute(sa.select(tables.fx_rates.c.per_eur)).scalar_one()

    assert started == stamp
    assert started.utcoffset() == dt.timedelta(0)
    assert started.hour == 13
    assert rate == Decimal("158.480001")


def test_naive_datetimes_are_refused(engine):
    with engine.begin() as conn, pytest.raises(sa.exc.StatementError, match="naive"):
        conn.execute(
            sa.insert(tables.import_runs).values(
                format="x",
                source_name="x",
                file_sha256="0",
                started_at=dt.datetime(2024, 1, 1),  # noqa: DTZ001
                finished_at=dt.datetime(2024, 1, 1),  # noqa: DTZ001
                rows_read=0,
                accepted=0,
                quarantined=0,
                duplicates=0,
                report="{}",
            )
        )


def test_sqlite_store_uses_wal_and_foreign_keys(sqlite_settings):
    from tradepilot.workspace import init_workspace

    engine = init_workspace(sqlite_settings)
    with engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar_one()
        fks = conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one()
    engine.dispose()

    assert (mode, fks) == ("wal", 1)


def test_head_revisions_read_from_the_files_are_alembics_heads(engine):
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))

    assert head_revisions() == frozenset(script.get_heads())


def test_migrate_upgrades_a_store_at_an_older_revision(engine):
    from alembic import command

    command.downgrade(alembic_config(engine), "-1")
    older = is_current(engine)

    migrate(engine)

    assert older is False
    assert is_current(engine) is True
    assert set(tables.metadata.tables) <= set(sa.inspect(engine).get_table_names())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('revision = "0002"\ndown_revision = "0001"\n', ("0002", ("0001",))),
        ('revision: str = "0001"\ndown_revision: str | None = None\n', ("0001", ())),
        (
            'revision = "0003"\ndown_revision = ("0001", "0002")\n',
            ("0003", ("0001", "0002")),
        ),
        ('revision = make_id()\ndown_revision = "0001"\n', None),
        ('revision = "0002"\n', None),
    ],
    ids=["plain", "annotated-first", "merge", "computed", "no-parent"],
)
def test_revision_of_reads_literal_assignments_only(tmp_path, text, expected):
    path = tmp_path / "0002_x.py"
    path.write_text(text)

    assert _revision_of(path) == expected
