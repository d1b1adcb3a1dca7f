"""``listings localise``: the local price point without an LLM, drafts with one
(a local fake OpenAI-compatible server)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine
from tests.llm.fake_llm import completion, fake_llm

from tradepilot.domain.errors import DataValidationError, ExternalServiceError
from tradepilot.llm.client import ChatClient, LlmSettings
from tradepilot.service.listings import localise_listing, parse_languages
from tradepilot.store import tables

DAY = dt.date(2025, 3, 1)


@pytest.fixture
def catalogue(engine: Engine) -> Engine:
    with engine.begin() as conn:
        conn.execute(tables.products.insert().values(
            sku="MUG-1", description="Stoneware mug, 12 oz, 4 in tall", kind="product",
            list_price=Decimal("12.30"), price_currency="EUR"))  # fmt: skip
        at = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
        run = conn.execute(tables.import_runs.insert().values(
            format="ecb", source_name="rates.csv", file_sha256="0" * 64,
            started_at=at, finished_at=at, rows_read=1, accepted=1, quarantined=0,
            duplicates=0, report="{}")).inserted_primary_key[0]  # fmt: skip
        conn.execute(tables.fx_rates.insert().values(
            currency="SEK", date=DAY, per_eur=Decimal("11.5"), import_run_id=run))  # fmt: skip
    return engine


def test_without_an_llm_the_price_points_and_what_it_needs(catalogue: Engine) -> None:
    result = localise_listing(catalogue, sku="MUG-1", languages=["de", "sv", "pl"],
                              day=DAY)  # fmt: skip
    prices = [(x["language"], x["price"], x["currency"]) for x in result["listings"]]
    # 12.30 EUR -> 12.99; 12.30 x 11.5 = 141.45 SEK -> 149; no PLN rate
    assert prices == [("de", 12.99, "EUR"), ("sv", 149.0, "SEK"), ("pl", None, "PLN")]
    assert "title" not in result["listings"][0]
    assert any("TRADEPILOT_LLM_URL" in n for n in result["notes"])
    assert any("no price point in PLN" in n for n in result["notes"])
    assert "12 oz, 4 in" in result["listings"][0]["check"][-1]


def test_the_llm_drafts_and_invented_numbers_are_flagged(catalogue: Engine) -> None:
    draft = {"title": "Steingut-Becher, 355 ml", "bullets": ["10 cm hoch", "12,99 EUR"]}
    with fake_llm([completion(json.dumps(draft)), completion("Sorry!")]) as server:
        client = ChatClient(LlmSettings(url=server.url, model="fake"))
        result = localise_listing(catalogue, sku="MUG-1", languages=["de"],
                                  client=client, day=DAY)  # fmt: skip
        with pytest.raises(ExternalServiceError, match="did not reply with a listing"):
            localise_listing(catalogue, sku="MUG-1", languages=["de"], client=client,
                             day=DAY)  # fmt: skip
    [entry] = result["listings"]
    assert (entry["title"], entry["bullets"]) == (draft["title"], draft["bullets"])
    # converted units are not in the catalogue: a person checks them
    assert entry["flags"] == ["numbers not in the catalogue (check them): 355, 10"]
    assert "MUG-1" in server.requests[0]["messages"][0]["content"]


@pytest.mark.parametrize("text", ["xx", "", "de,zz"])
def test_unknown_languages_are_refused(text: str) -> None:
    with pytest.raises(DataValidationError, match="--to takes language codes"):
        parse_languages(text)


def test_an_unknown_sku_is_refused(catalogue: Engine) -> None:
    with pytest.raises(DataValidationError, match="no product 'NOPE'"):
        localise_listing(catalogue, sku="NOPE", languages=["de"])
