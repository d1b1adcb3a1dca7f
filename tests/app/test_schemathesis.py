"""Property tests from the OpenAPI schema: no request makes the API fail with a 5xx.

Schemathesis generates requests for every operation of the schema, both valid ones
(positive mode) and ones that break the schema (negative mode); each is sent with a
valid token.
"""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tradepilot.app import create_app
from tradepilot.auth.service import create_owner, create_token


@pytest.fixture
def api(sqlite_settings, sample_file):
    app = create_app(sqlite_settings)
    engine = app.state.tradepilot.engine
    create_owner(engine, email="owner@shop.test", password="correct horse battery")
    token = create_token(engine, name="schemathesis")
    from tradepilot.ingest.service import import_file

    import_file(engine, fmt="online-retail", path=sample_file)  # data to page through
    yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", app), token
    for job in list(app.state.tradepilot.jobs.values()):  # forecast runs it started
        assert job.wait(timeout=120)
    engine.dispose()


def test_no_request_causes_a_server_error(api):
    schema, token = api
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7

    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=30,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            assert response.status_code < 500, (case.method, case.path, response.text)

        check()
