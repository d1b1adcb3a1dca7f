"""Imports through the API and the Imports page: --source, undo, the column preview
of a generic file, a mapping built from it, and refused uploads explained."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.app.test_web import csrf, login

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"
SHOP1 = FIXTURES / "shopify_orders.csv"
SHOP2 = FIXTURES / "shopify_orders_shop2.csv"
GENERIC = FIXTURES / "generic_orders.csv"
PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"


def upload(client: TestClient, path: Path, fmt: str, **data: str) -> dict:
    with path.open("rb") as handle:
        response = client.post(
            "/api/v1/imports",
            data={"format": fmt, **data},
            files={"file": (path.name, handle)},
        )
    assert response.status_code == 202, response.text
    job = response.json()
    assert client.app.state.tradepilot.jobs[job["id"]].wait(30)
    return client.get(f"/api/v1/imports/jobs/{job['id']}").json()


def test_second_shop_conflicts_then_undo_and_its_own_source(client):
    upload(client, SHOP1, "shopify")

    merged = upload(client, SHOP2, "shopify")["report"]
    undone = client.post(f"/api/v1/imports/{merged['import_run_id']}/undo")
    again = client.post(f"/api/v1/imports/{merged['import_run_id']}/undo")
    own = upload(client, SHOP2, "shopify", source="shopify-in")["report"]

    assert (merged["conflicts"], merged["quarantined"], merged["accepted"]) == (5, 5, 1)
    assert undone.status_code == 200
    assert undone.json()["removed"]["quarantine"] == 5
    assert again.status_code == 409
    assert "was already undone" in again.json()["detail"]
    assert (own["accepted"], own["source"]) == (6, "shopify-in")
    runs = client.get("/api/v1/imports").json()["data"]
    by_id = {r["id"]: r for r in runs}
    assert by_id[merged["import_run_id"]]["undone_at"] is not None
    assert by_id[merged["import_run_id"]]["undoable"] is False
    assert by_id[own["import_run_id"]]["undoable"] is True
    assert by_id[undone.json()["undo_run_id"]]["format"] == "undo"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        pytest.param("/api/v1/imports/999/undo", 404, id="unknown"),
        pytest.param("/api/v1/imports/0/undo", 422, id="not-a-run-id"),
    ],
)
def test_undo_of_no_run_is_a_problem(client, path, status):
    response = client.post(path)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


def test_bad_source_is_refused_before_uploading(client):
    response = client.post(
        "/api/v1/imports",
        data={"format": "inventory", "source": "shop2"},
        files={"file": ("a.csv", b"date,sku,warehouse,on_hand\n")},
    )

    assert response.status_code == 422
    assert "--source names the order numbers" in response.json()["detail"]


def test_preview_reads_header_rows_and_guesses_columns(client):
    with GENERIC.open("rb") as handle:
        response = client.post(
            "/api/v1/imports/preview", files={"file": ("orders.csv", handle)}
        )

    preview = response.json()
    assert response.status_code == 200
    assert preview["columns"] == [
        "order_id",
        "date",
        "item",
        "title",
        "qty",
        "price",
        "currency",
        "buyer",
        "country",
        "type",
    ]
    assert preview["rows"][0][:3] == ["W-1", "2024-03-05 14:07", "TP-MUG-01"]
    assert len(preview["rows"]) == 5
    guesses = {f["name"]: f["guess"] for f in preview["fields"]}
    assert guesses == {
        "order_number": "order_id",
        "ordered_at": "date",
        "sku": "item",
        "quantity": "qty",
        "unit_price": "price",
        "line_total": None,
        "description": "title",
        "customer": "buyer",
        "country": "country",
        "currency": "currency",
        "order_kind": None,
    }
    required = [f["name"] for f in preview["fields"] if f["required"]]
    assert required == ["order_number", "ordered_at", "sku", "quantity"]


# --- the page --------------------------------------------------------------------


@pytest.fixture
def browser(app, token) -> tuple[TestClient, str]:
    """A logged-in page client and its CSRF token."""
    page = TestClient(app)
    login(page)
    return page, csrf(page.get("/imports").text)


def test_page_offers_a_mapping_and_a_source_field(browser):
    page, _ = browser

    html = page.get("/imports").text

    assert 'id="mapping-fields"' in html
    assert 'name="mapping"' in html
    assert 'hx-post="/imports/preview"' in html
    assert 'name="source"' in html
    assert '<option value="generic" data-orders="yes">' in html
    assert '<option value="inventory">' in html


def test_page_preview_renders_a_select_per_field_with_the_guess(browser):
    page, token = browser

    with GENERIC.open("rb") as handle:
        response = page.post(
            "/imports/preview",
            files={"file": ("orders.csv", handle)},
            headers={"X-CSRF-Token": token},
        )

    assert response.status_code == 200
    html = response.text
    assert html.count('<select name="map_') == 11
    assert '<option value="order_id" selected>' in html
    assert "<td>W-1</td>" in html


def test_a_mapping_built_on_the_page_imports_the_file(app, browser):
    page, token = browser
    choices = {
        "map_order_number": "order_id",
        "map_ordered_at": "date",
        "map_sku": "item",
        "map_quantity": "qty",
        "map_unit_price": "price",
        "map_currency": "currency",
        "map_country": "country",
        "map_customer": "buyer",
        "map_order_kind": "",
        "map_date_format": "%Y-%m-%d %H:%M",
    }

    with GENERIC.open("rb") as handle:
        response = page.post(
            "/imports",
            data={"format": "generic", "source": "legacy-web", **choices},
            files={"file": ("orders.csv", handle)},
            headers={"X-CSRF-Token": token},
        )

    assert response.status_code == 200, response.text
    job_id = re.search(r'hx-get="/imports/jobs/([0-9a-f]+)"', response.text).group(1)
    job = app.state.tradepilot.jobs[job_id]
    assert job.wait(30)
    assert job.state == "done", job.error
    assert (job.result["rows_read"], job.result["source"]) == (10, "legacy-web")
    # W-4 (month 13) and W-5 (1,250.00 without decimal_comma) are quarantined
    assert (job.result["accepted"], job.result["quarantined"]) == (8, 2)


@pytest.mark.parametrize(
    ("data", "files", "status", "message"),
    [
        pytest.param(
            {"format": "shopify"},
            {"file": ("logo.png", PNG)},
            415,
            "logo.png was not imported. expected a .csv, .tsv, .txt, .xlsx, .gz"
            " file, got 'logo.png'",
            id="png",
        ),
        pytest.param(
            {"format": "ebay"},
            {"file": ("a.csv", b"x")},
            422,
            "a.csv was not imported. unknown import format 'ebay'; choose from"
            " online-retail, shopify, amazon, generic, purchase-orders, inventory,"
            " products, customers, fx, stripe, paypal, amazon-settlement,"
            " shopify-payments, bank",
            id="unknown-format",
        ),
        pytest.param(
            {"format": "generic"},
            {"file": ("a.csv", b"a,b\n1,2\n")},
            422,
            "a.csv was not imported. no mapping: upload a YAML mapping, or read the"
            " file's columns and choose which column holds each field",
            id="generic-without-mapping",
        ),
        pytest.param(
            {"format": "generic"},
            {"file": ("a.csv", b"a,b\n1,2\n"), "mapping": ("m.yaml", b"source: x\n")},
            422,
            "a.csv was not imported. m.yaml: invalid mapping: columns is required",
            id="bad-mapping",
        ),
    ],
)
def test_refused_uploads_answer_with_a_plain_message(
    browser, data, files, status, message
):
    page, token = browser

    response = page.post(
        "/imports", data=data, files=files, headers={"X-CSRF-Token": token}
    )

    assert response.status_code == status
    alert = re.search(r'role="alert"[^>]*>(.*?)</div>', response.text, re.S).group(1)
    assert " ".join(re.sub(r"<[^>]+>", "", alert).split()) == message.replace(
        "'", "&#39;"
    )


def test_undo_button_undoes_and_refreshes_the_lists(client, browser):
    page, token = browser
    report = upload(client, SHOP2, "shopify")["report"]
    run = report["import_run_id"]

    html = page.get("/imports").text
    undone = page.post(f"/imports/runs/{run}/undo", headers={"X-CSRF-Token": token})
    again = page.post(f"/imports/runs/{run}/undo", headers={"X-CSRF-Token": token})

    assert f'hx-post="/imports/runs/{run}/undo"' in html
    assert "hx-confirm=" in html
    assert undone.status_code == 200
    assert f"Undid import run {run} (shopify_orders_shop2.csv)." in undone.text
    assert 'hx-swap-oob="innerHTML"' in undone.text
    assert f'hx-post="/imports/runs/{run}/undo"' not in undone.text
    assert again.status_code == 409
    assert "Nothing was undone." in again.text


def test_quality_page_says_how_to_repair_merged_orders(app, client, browser):
    from tests.ingest.test_quality import SECOND_SHOP, damage

    page, _ = browser
    upload(client, SHOP1, "shopify")
    run = damage(app.state.tradepilot.engine, SECOND_SHOP, ["TP-MUG-01"])

    html = page.get("/quality").text

    assert 'id="merged-orders"' in html
    assert (
        f"undo it (tradepilot import undo {run}) and import shop2.csv again with a"
        " distinct --source" in html
    )


def test_a_cut_off_upload_reports_truncated(client, tmp_path):
    text = SHOP1.read_text(encoding="utf-8")
    path = tmp_path / "cut.csv"
    path.write_text(text[: text.rindex("Green")], encoding="utf-8")

    job = upload(client, path, "shopify")

    assert job["state"] == "done"
    report = job["report"]
    assert report["truncated"] is True
    assert (report["rows_read"], report["accepted"], report["quarantined"]) == (
        10,
        8,
        2,
    )
