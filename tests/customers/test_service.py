"""The customer verbs on a real store (SQLite and PostgreSQL)."""

import datetime as dt

import polars as pl
import pytest
from tests.customers.conftest import (
    CDNOW_END,
    PUBLISHED_BGNBD,
    PUBLISHED_GG,
    import_cdnow,
    import_shop,
)

from tradepilot.customers.clv import ClvSettings
from tradepilot.customers.overview import export_segment, show_customer
from tradepilot.customers.service import (
    EXPORT_COLUMNS,
    customer_clv,
    customer_segments,
    customer_summary,
    read_customer_data,
)
from tradepilot.domain.errors import DataValidationError


@pytest.fixture
def cdnow_store(engine, tmp_path):
    import_cdnow(engine, tmp_path)
    return engine


def test_cdnow_imported_through_generic_gives_the_published_fit(cdnow_store, tmp_path):
    report = customer_clv(
        cdnow_store,
        home=tmp_path,
        settings=ClvSettings(calibration_end=CDNOW_END, time_unit="W"),
    )
    result = report.as_dict()

    for name, published in PUBLISHED_BGNBD.items():
        assert result["params"][name] == pytest.approx(published, rel=0.02), name
    for name, published in PUBLISHED_GG.items():
        assert result["spend_params"][name] == pytest.approx(published, rel=0.02), name
    assert result["log_likelihood"] == pytest.approx(-9582.4, abs=0.5)
    assert result["customers"] == 2357
    assert result["calibration_end"] == "1997-09-30"
    assert result["holdout"]["end"] == "1998-06-30"


def test_the_export_writes_the_source_ids_and_the_contract_columns(
    cdnow_store, tmp_path
):
    report = customer_clv(
        cdnow_store,
        home=tmp_path,
        settings=ClvSettings(calibration_end=CDNOW_END, horizon=14.14),
    )

    written = report.export(tmp_path / "clv.csv")
    frame = pl.read_csv(tmp_path / "clv.csv", infer_schema_length=0)

    assert written == 2357
    assert tuple(frame.columns) == EXPORT_COLUMNS
    assert sorted(frame["customer"].cast(pl.Int64).to_list()) == list(range(1, 2358))
    assert frame["segment"].null_count() == 0


def test_segments_are_named_shared_and_saved(cdnow_store, tmp_path):
    report = customer_segments(cdnow_store, home=tmp_path, as_of=CDNOW_END)

    segments = report["segments"]
    assert sum(s["customers"] for s in segments) == report["customers"] == 2357
    assert sum(s["share_customers"] for s in segments) == pytest.approx(1, abs=0.002)
    assert sum(s["share_margin"] for s in segments) == pytest.approx(1, abs=0.002)
    assert len({s["name"] for s in segments}) == len(segments)
    assert all(s["description"] for s in segments)
    assert "BIC" in report["method"]


def test_a_calibration_end_outside_the_data_is_refused(cdnow_store, tmp_path):
    with pytest.raises(DataValidationError, match="outside the data"):
        customer_clv(
            cdnow_store,
            home=tmp_path,
            settings=ClvSettings(calibration_end=dt.date(2001, 1, 1)),
        )


def test_profile_figures_follow_the_kpi_definitions(engine, tmp_path):
    import_shop(engine)

    data = read_customer_data(engine, home=tmp_path)
    figures = data.figures().filter(pl.col("customer") == "Anna.Mueller+shop@Gmail.com")
    row = figures.to_dicts()[0]

    # web: 2 x 12.50 + 4.90 postage, 8.90, 12.50; wholesale: 24 x 9.00, 12 x 6.50
    assert row["orders"] == 5
    assert row["purchase_days"] == 4  # W-2 and W-3 on one day
    gross = 29.9 + 8.9 + 12.5 + 216 + 78
    assert row["gross_sales"] == pytest.approx(gross)
    assert row["returns"] == 0
    assert sorted(row["channels"]) == ["web", "wholesale"]
    assert row["favourite_products"] == ["MUG", "TEA"]
    # no unit costs in the catalogue: 40% of the product price (trade.toml default)
    assert row["margin"] == pytest.approx(gross - 0.4 * (gross - 4.9))


def test_summary_and_show_describe_the_shop(engine, tmp_path):
    import_shop(engine)
    customer_segments(engine, home=tmp_path)

    summary = customer_summary(engine, home=tmp_path)
    shown = show_customer(engine, home=tmp_path, ref="carla@example.org")

    assert summary["customers"] == 5  # Anna M., Ben, Anna S., Carla, W-0042
    assert summary["records"] == 7
    assert summary["segments"]["segments"]
    assert shown["customer"] == "carla@example.org"
    assert shown["contact"]["accepts_marketing"] is True
    assert [o["order_number"] for o in shown["recent_orders"]] == ["W-9", "W-8"]


def test_marketing_exports_respect_consent(engine, tmp_path):
    import_shop(engine)
    report = customer_segments(engine, home=tmp_path)
    frames, excluded = [], 0
    for k, segment in enumerate(report["segments"]):
        out = tmp_path / f"segment-{k}.csv"
        result = export_segment(engine, name=segment["name"], out=out, marketing=True)
        excluded += result["excluded_without_consent"]
        frames.append(pl.read_csv(out, schema_overrides={"email": pl.String}))
    exported = pl.concat(frames)

    assert sorted(exported["email"].to_list()) == [
        "anna.mueller+shop@gmail.com",
        "anna.schmidt@example.org",
        "carla@example.org",
    ]
    assert excluded == 2  # Ben said no; W-0042 never said


def test_plain_exports_carry_no_contact_data(engine, tmp_path):
    import_shop(engine)
    report = customer_segments(engine, home=tmp_path)
    name = report["segments"][0]["name"]

    result = export_segment(
        engine, name=name, out=tmp_path / "plain.csv", marketing=False
    )

    assert pl.read_csv(tmp_path / "plain.csv").columns == [
        "customer",
        "country",
        "segment",
    ]
    assert result["rows"] == report["segments"][0]["customers"]


def test_an_unknown_segment_lists_the_saved_ones(engine, tmp_path):
    import_shop(engine)
    customer_segments(engine, home=tmp_path)

    with pytest.raises(DataValidationError, match="no segment 'vip'; |segments: "):
        export_segment(engine, name="vip", out=tmp_path / "x.csv", marketing=False)
