"""An app on a fresh store (SQLite and PostgreSQL) with an owner and an API token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tradepilot.app import create_app
from tradepilot.auth.service import create_owner, create_token
from tradepilot.config import Settings

OWNER = "owner@shop.test"
PASSWORD = "correct horse battery"
HEADER = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
)
SAMPLE = "\n".join(
    [
        HEADER,
        "536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom",
        "536366,22633,WARMER,6,2010-12-01 08:28:00,1.85,12583.0,France",
        "536367,POST,POSTAGE,1,2010-12-01 08:28:00,18,12583.0,France",
        "C536368,22633,WARMER,-2,2010-12-02 09:00:00,1.85,12583.0,France",
        "536369,22139,,-24,2010-12-02 09:45:00,0,,United Kingdom",
    ]
)


@pytest.fixture
def app(store_settings: Settings) -> Iterator[FastAPI]:
    application = create_app(store_settings)
    yield application
    application.state.tradepilot.engine.dispose()


@pytest.fixture
def token(app: FastAPI) -> str:
    engine = app.state.tradepilot.engine
    create_owner(engine, email=OWNER, password=PASSWORD)
    return create_token(engine, name="tests")


@pytest.fixture
def client(app: FastAPI, token: str) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def sample_file(tmp_path: Path) -> Path:
    path = tmp_path / "retail.csv"
    path.write_text(SAMPLE)
    return path
