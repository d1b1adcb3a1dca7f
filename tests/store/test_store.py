from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tradepilot.store import tables
from tradepilot.store.engine import migrate


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
