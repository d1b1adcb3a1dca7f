"""``tradepilot customers ...`` end to end: the CDNOW benchmark imported through
``generic``, the hand-made shop, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from tests.customers.conftest import (
    CDNOW_MAPPING,
    DATA,
    PUBLISHED_BGNBD,
    write_cdnow_csv,
)
from typer.testing import CliRunner

from tradepilot.cli.main import app

CONTRACT = {
    "model", "params", "spend_params", "log_likelihood", "customers",
    "calibration_end", "time_unit", "horizon", "holdout",
}  # fmt: skip


def run(*args: str) -> dict:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def refused(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 1, result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    return result.stderr


@pytest.fixture(scope="module")
def cdnow_home(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cdnow")
    home = folder / "ws"
    (folder / "cdnow.yaml").write_text(CDNOW_MAPPING, encoding="utf-8")
    orders = write_cdnow_csv(folder / "cdnow.csv")
    run("init", "-w", str(home), "--json")
    run("import", "generic", str(orders), "--mapping", str(folder / "cdnow.yaml"),
        "-w", str(home), "--json")  # fmt: skip
    return home


@pytest.fixture(scope="module")
def shop_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("shop") / "ws"
    run("init", "-w", str(home), "--json")
    for name in ("web", "wholesale"):
        run("import", "generic", str(DATA / f"{name}_orders.csv"), "--mapping",
            str(DATA / f"{name}_mapping.yaml"), "-w", str(home), "--json")  # fmt: skip
    run("import", "customers", str(DATA / "customers_export.csv"), "--channel", "web",
        "-w", str(home), "--json")  # fmt: skip
    return home


def test_clv_json_has_the_contract_keys_and_the_published_cdnow_fit(
    cdnow_home, tmp_path
):
    out = tmp_path / "clv.csv"
    found = run(
        "customers", "clv", "--calibration-end", "1997-09-30", "--time-unit", "W",
        "--horizon", "14.14", "--export", str(out), "-w", str(cdnow_home), "--json",
    )  # fmt: skip

    assert set(found) >= CONTRACT
    assert set(found["params"]) == {"r", "alpha", "a", "b"}
    assert set(found["spend_params"]) == {"p", "q", "v"}
    for name, published in PUBLISHED_BGNBD.items():
        assert found["params"][name] == pytest.approx(published, rel=0.02)
    assert (found["time_unit"], found["horizon"], found["customers"]) == (
        "W",
        14.14,
        2357,
    )
    assert found["holdout"]["customers"] == 2357
    exported = pl.read_csv(out, infer_schema_length=0)
    assert exported.columns[:9] == [
        "customer", "frequency", "recency", "T", "monetary", "p_alive",
        "expected_purchases", "expected_value", "segment",
    ]  # fmt: skip
    assert exported.height == 2357


def test_clv_in_days_scales_alpha_by_seven(cdnow_home):
    days = run("customers", "clv", "--calibration-end", "1997-09-30", "--time-unit", "D",
               "-w", str(cdnow_home), "--json")  # fmt: skip

    assert days["params"]["alpha"] == pytest.approx(
        7 * PUBLISHED_BGNBD["alpha"], rel=0.02
    )
    assert days["horizon"] == 273.0  # the holdout, 1997-10-01 to 1998-06-30


def test_segments_summary_and_propensity_print_one_json_document(cdnow_home):
    segments = run("customers", "segments", "-w", str(cdnow_home), "--json")
    summary = run("customers", "summary", "-w", str(cdnow_home), "--json")
    propensity = run("customers", "propensity", "--cutoff", "1997-12-31",
                     "-w", str(cdnow_home), "--json")  # fmt: skip

    assert {
        "name",
        "customers",
        "share_customers",
        "share_margin",
        "description",
    } <= set(segments["segments"][0])
    assert summary["customers"] == 2357
    assert summary["segments"]["run_id"] == segments["run_id"]
    assert 0.5 < propensity["auc"] <= 1
    assert 0.5 < propensity["rfm_auc"] <= 1


def test_show_merge_unmerge_forget_and_export_person(shop_home, tmp_path):
    ws = ("-w", str(shop_home))
    shown = run("customers", "show", "ben@example.org", *ws, "--json")
    merged = run("customers", "merge", "W-0042", "ben@example.org", *ws, "--json")
    unmerged = run("customers", "unmerge", "web:ben@example.org", *ws, "--json")
    out = tmp_path / "person.json"
    CliRunner().invoke(
        app, ["customers", "export-person", "carla@example.org", "--out", str(out), *ws]
    )
    forgotten = run("customers", "forget", "carla@example.org", *ws, "--json")

    assert shown["figures"]["orders"] == 2
    assert len(merged["records"]) == 2
    assert unmerged["now"]["customer"] == "ben@example.org"
    assert [o["order_number"] for o in json.loads(out.read_text())["orders"]] == [
        "W-8",
        "W-9",
    ]
    assert forgotten == forgotten | {"records": 1, "orders_kept": 2}
    assert "no customer 'carla@example.org'" in refused(
        "customers", "show", "carla@example.org", *ws
    )


def test_segment_export_for_marketing_writes_only_consenting_customers(
    shop_home, tmp_path
):
    segments = run("customers", "segments", "-w", str(shop_home), "--json")
    name = segments["segments"][0]["name"]
    out = tmp_path / "list.csv"

    found = run("customers", "segments", "--export", name, "--out", str(out),
                "--marketing", "-w", str(shop_home), "--json")  # fmt: skip

    assert found["export"]["rows"] == pl.read_csv(out).height
    assert found["export"]["marketing"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("show", "17850"), "no customer '17850'", id="unknown-customer"),
        pytest.param(
            ("clv", "--calibration-end", "2030-01-01"),
            "outside the data",
            id="calibration-end",
        ),
        pytest.param(
            ("clv", "--time-unit", "M"), "D (days) or W (weeks)", id="time-unit"
        ),
        pytest.param(
            ("clv", "--horizon", "0"), "positive number of periods", id="horizon"
        ),
        pytest.param(
            ("merge", "W-0042", "nobody"), "no customer 'nobody'", id="merge-unknown"
        ),
    ],
)
def test_bad_input_gets_one_clear_line(shop_home, args, message):
    assert message in refused("customers", *args, "-w", str(shop_home))


def test_a_store_without_repeat_buyers_says_so(tmp_path):
    home = tmp_path / "ws"
    orders = tmp_path / "once.csv"
    orders.write_text(
        "order,date,email,sku,qty,price,country\n"
        "1,2024-01-05,a@example.org,MUG,1,10.00,DE\n"
        "2,2024-02-05,b@example.org,MUG,1,10.00,DE\n",
        encoding="utf-8",
    )
    run("init", "-w", str(home), "--json")
    run("import", "generic", str(orders), "--mapping", str(DATA / "web_mapping.yaml"),
        "-w", str(home), "--json")  # fmt: skip

    assert "no customer has a repeat purchase" in refused(
        "customers", "clv", "-w", str(home)
    )


def test_an_empty_workspace_says_what_to_import(tmp_path):
    home = tmp_path / "ws"
    run("init", "-w", str(home), "--json")

    assert "import orders first" in refused("customers", "summary", "-w", str(home))
