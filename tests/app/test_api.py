from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tradepilot.auth.service import revoke_token

PATHS = [
    "/api/v1/status",
    "/api/v1/kpis",
    "/api/v1/quarantine",
    "/api/v1/imports",
    "/api/v1/quality",
]


def upload(client: TestClient, path, fmt: str = "online-retail") -> dict:
    with path.open("rb") as handle:
        response = client.post(
            "/api/v1/imports", data={"format": fmt}, files={"file": (path.name, handle)}
        )
    assert response.status_code == 202, response.text
    job = response.json()
    client.app.state.tradepilot.jobs[job["id"]].wait(30)
    return client.get(f"/api/v1/imports/jobs/{job['id']}").json()


@pytest.mark.parametrize("path", PATHS)
def test_api_refuses_missing_and_wrong_tokens(app, token, path):
    anonymous = TestClient(app)
    wrong = TestClient(app, headers={"Authorization": "Bearer tp_not-a-token"})
    basic = TestClient(app, headers={"Authorization": "Basic dXNlcjpwYXNz"})

    for client in (anonymous, wrong, basic):
        response = client.get(path)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_token_stops_working(app, client):
    assert client.get("/api/v1/status").status_code == 200

    revoke_token(app.state.tradepilot.engine, name="tests")

    assert client.get("/api/v1/status").status_code == 401


def test_upload_reports_then_kpis_status_and_quarantine(client, sample_file):
    job = upload(client, sample_file)

    assert job["state"] == "done"
    report = job["report"]
    assert (report["rows_read"], report["accepted"], report["quarantined"]) == (5, 4, 1)
    status = client.get("/api/v1/status").json()
    assert (
        status["orders"],
        status["all_orders"],
        status["order_lines"],
        status["base_currency"],
    ) == (3, 4, 4, "GBP")
    kpis = client.get("/api/v1/kpis").json()
    # gross 6*2.55 + 6*1.85 + 18 = 44.40; returns 2*1.85 = 3.70
    assert kpis["totals"] == {
        "gross_sales": 44.4,
        "returns": 3.7,
        "revenue": 40.7,
        "orders": 3,
        "average_order_value": 14.8,
        "return_rate": 0.0833,
    }
    by_country = {r["country"]: r["revenue"] for r in kpis["by"]["country"]}
    assert by_country == {"GB": 15.3, "FR": 25.4}
    assert [
        r["month"] for r in client.get("/api/v1/kpis?by=month").json()["by"]["month"]
    ] == ["2010-12"]
    quarantine = client.get("/api/v1/quarantine?limit=10").json()
    assert quarantine["count"] == 1
    assert quarantine["data"][0]["raw"]["InvoiceNo"] == "536369"
    assert client.get("/api/v1/imports").json()["count"] == 1


def test_wrong_file_gives_a_failed_job_with_the_reason(client, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("amazon-order-id,sku\n1,A\n")

    job = upload(client, path)

    assert job["state"] == "failed"
    assert "missing column(s) 'InvoiceNo' or 'Invoice'" in job["error"]


@pytest.mark.parametrize(
    ("data", "files", "status"),
    [
        pytest.param(
            {"format": "ebay"}, {"file": ("a.csv", b"x")}, 422, id="unknown-format"
        ),
        pytest.param(
            {"format": "fx"}, {"file": ("a.exe", b"MZ")}, 415, id="wrong-type"
        ),
        pytest.param({"format": "fx"}, {}, 422, id="no-file"),
    ],
)
def test_bad_uploads_are_problems(client, data, files, status):
    response = client.post("/api/v1/imports", data=data, files=files or None)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


def test_upload_over_the_size_limit_is_refused_before_reading(app, client):
    app.state.tradepilot.max_upload_bytes = 1000

    response = client.post(
        "/api/v1/imports",
        data={"format": "fx"},
        files={"file": ("a.csv", b"x" * 200_000)},
    )

    assert response.status_code == 413


def test_unknown_job_is_404(client):
    response = client.get("/api/v1/imports/jobs/nope")

    assert response.status_code == 404
    assert response.json()["detail"] == "no import job 'nope'"


def test_openapi_schema_describes_the_api(app):
    schema = TestClient(app).get("/api/v1/openapi.json").json()

    assert {
        "/api/v1/status",
        "/api/v1/kpis",
        "/api/v1/imports",
        "/api/v1/quarantine",
    } <= set(schema["paths"])
    assert "HTTPBearer" in schema["components"]["securitySchemes"]


def test_an_unchanged_upload_is_recognised_unless_full_is_asked(client, sample_file):
    first = upload(client, sample_file)["report"]
    again = upload(client, sample_file)["report"]
    with sample_file.open("rb") as handle:
        response = client.post(
            "/api/v1/imports",
            data={"format": "online-retail", "full": "true"},
            files={"file": (sample_file.name, handle)},
        )
    job = response.json()
    client.app.state.tradepilot.jobs[job["id"]].wait(30)
    read = client.get(f"/api/v1/imports/jobs/{job['id']}").json()["report"]

    assert again["same_file_as_run"] == first["import_run_id"]
    assert read["same_file_as_run"] is None
    counts = ["rows_read", "accepted", "quarantined", "duplicates"]
    assert [again[k] for k in counts] == [read[k] for k in counts] == [5, 0, 0, 5]
