"""Reviews: import (named formats, mapping, re-import), analysis, predict, report."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradepilot.domain.errors import DataValidationError, ImportFormatError
from tradepilot.reviews.analysis import analyse
from tradepilot.reviews.service import (
    import_reviews,
    predict_reviews_file,
    reviews_report,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reviews.example.csv"


def test_import_analyses_each_review_and_adds_nothing_twice(engine, tmp_path) -> None:
    first = import_reviews(engine, path=EXAMPLE, home=tmp_path)
    again = import_reviews(engine, path=EXAMPLE, home=tmp_path)

    assert first["format"] == "shopify"
    assert (first["rows"], first["imported"]) == (10, 10)
    assert set(first["languages"]) == {"de", "en", "fr", "es", "nl", "sv", "pl", "it"}
    assert first["sentiment"] == {"positive": 5, "negative": 4, "neutral": 1}
    assert (again["imported"], again["duplicates"]) == (0, 10)


def test_report_gives_trend_complaints_and_skus(engine, tmp_path) -> None:
    import_reviews(engine, path=EXAMPLE, home=tmp_path)

    everything = reviews_report(engine)
    shirt = reviews_report(engine, sku="linen-shirt", country="de")

    assert everything["reviews"] == 10
    assert [m["month"] for m in everything["trend"]] == [
        "2024-03", "2024-04", "2024-05", "2024-06"
    ]  # fmt: skip
    complained = {c["aspect"] for c in everything["complaints"]}
    assert {"quality", "size_fit"} <= complained
    assert shirt["reviews"] == 2
    assert shirt["country"] == "DE"
    assert any("return rates unavailable" in note for note in everything["notes"])


def test_stars_and_text_that_disagree_are_flagged() -> None:
    found = analyse(
        ["Terrible quality, broken after one day, very disappointed", "Great, love it"],
        [5, None],
    )

    assert found[0]["sentiment"] == "positive"
    assert found[0]["text_sentiment"] == "negative"
    assert found[0]["disagreement"] is True
    assert (found[1]["sentiment"], found[1]["sentiment_source"]) == ("positive", "text")


def test_generic_mapping_import(engine, tmp_path) -> None:
    data = tmp_path / "r.csv"
    data.write_text(
        "Produkt;Sterne;Text;Datum\nA1;1;Viel zu klein, leider;01.02.2024\n"
        "A1;5;Perfekt, danke;02.02.2024\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "source: shop\ncolumns:\n  sku: Produkt\n  rating: Sterne\n  text: Text\n"
        "  reviewed_at: Datum\ndate_format: '%d.%m.%Y'\n",
        encoding="utf-8",
    )

    found = import_reviews(engine, path=data, mapping=mapping)
    report = reviews_report(engine, sku="A1")

    assert (found["source"], found["imported"]) == ("shop", 2)
    assert report["complaints"][0]["aspect"] == "size_fit"


def test_a_mapping_naming_a_missing_column_is_refused(engine, tmp_path) -> None:
    data = tmp_path / "r.csv"
    data.write_text("Text,Stars\nnice,5\n", encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("source: s\ncolumns:\n  text: Body\n", encoding="utf-8")

    with pytest.raises(ImportFormatError, match="text: Body.*found: Text, Stars"):
        import_reviews(engine, path=data, mapping=mapping)


def test_a_bad_rating_names_its_row(engine, tmp_path) -> None:
    data = tmp_path / "r.csv"
    data.write_text("body,rating\nnice,5\nbad,seven\n", encoding="utf-8")

    with pytest.raises(DataValidationError, match="row 3: rating 'seven'"):
        import_reviews(engine, path=data, fmt="shopify")


def test_predict_keeps_rows_and_adds_language_sentiment_aspects(tmp_path) -> None:
    data = tmp_path / "in.csv"
    data.write_text(
        'id,text\n1,"Runs small, very disappointed"\n2,\n3,"Tolle Qualität, super!"\n',
        encoding="utf-8",
    )

    done = predict_reviews_file(
        tmp_path, path=data, text_col="text", out=tmp_path / "o.csv"
    )
    lines = (tmp_path / "o.csv").read_text(encoding="utf-8").splitlines()

    assert done["rows"] == 3
    assert lines[0] == "id,text,language,sentiment,aspects"
    assert lines[1].endswith("en,negative,size_fit:negative")
    assert lines[2] == '2,,und,neutral,""'
    assert lines[3].endswith("de,positive,quality:positive")
