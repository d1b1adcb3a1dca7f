"""Listing localisation: a title and bullet points in another language, drafted by
the optional LLM from the catalogue description, with the local price point.

The price point is the catalogue price converted at the newest FX rate
(:class:`tradepilot.fx.service.LatestRates`) and rounded up to the market's
charm price (:func:`tradepilot.logistics.economics.price_point`, issue 6).
What a person must check is listed in ``check``: every draft is a draft.
Without an LLM the result says what it would need (a note, not an error).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from tradepilot.domain.errors import DataValidationError, ExternalServiceError
from tradepilot.store import tables

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tradepilot.llm.client import ChatClient

# language -> (market, currency) of the local price point
MARKETS = {
    "de": ("DE", "EUR"), "fr": ("FR", "EUR"), "es": ("ES", "EUR"),
    "it": ("IT", "EUR"), "nl": ("NL", "EUR"), "pl": ("PL", "PLN"),
    "sv": ("SE", "SEK"), "da": ("DK", "DKK"), "en": ("GB", "GBP"),
    "ja": ("JP", "JPY"), "cs": ("CZ", "CZK"), "pt": ("PT", "EUR"),
}  # fmt: skip
UNITS = re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:in|inch|inches|\"|oz|lb|lbs|ft)\b", re.I)


def parse_languages(text: str) -> list[str]:
    """``"de,fr"`` as ``["de", "fr"]``.

    Raises
    ------
    DataValidationError
        If a code is not one of :data:`MARKETS`.
    """
    codes = [c.strip().lower() for c in text.split(",") if c.strip()]
    unknown = [c for c in codes if c not in MARKETS]
    if not codes or unknown:
        raise DataValidationError(
            f"--to takes language codes among {', '.join(MARKETS)}; got {text!r}"
        )
    return codes


def localise_listing(
    engine: Engine,
    *,
    sku: str,
    languages: list[str],
    client: ChatClient | None = None,
    day: dt.date | None = None,
) -> dict[str, Any]:
    """Draft the listing of ``sku`` in each of ``languages``.

    Returns
    -------
    dict
        ``{"sku", "description", "listings": [{"language", "market", "price",
        "currency", "title", "bullets", "check", "flags"}], "notes", "llm"}``.

    Raises
    ------
    DataValidationError
        If the SKU is not in the catalogue.
    ExternalServiceError
        If the LLM endpoint fails or replies with something other than a listing.
    """
    product = _product(engine, sku)
    notes: list[str] = []
    listings = []
    for language in languages:
        price, currency, check = _price(engine, product, language, day, notes)
        entry: dict[str, Any] = {"language": language, "market": MARKETS[language][0],
                                 "price": price, "currency": currency}  # fmt: skip
        if client is not None:
            entry |= _drafted(client, product, language, price, currency)
        entry["check"] = check + _unit_checks(product["description"])
        listings.append(entry)
    if client is None:
        notes.append(
            "no LLM configured: set TRADEPILOT_LLM_URL (an OpenAI-compatible chat"
            " endpoint, e.g. a local llama.cpp or Ollama server) to draft titles and"
            " bullet points; the local price points above need no LLM"
        )
    return {"sku": product["sku"], "description": product["description"],
            "listings": listings, "notes": notes,
            "llm": client.model if client else None}  # fmt: skip


def _product(engine: Engine, sku: str) -> dict[str, Any]:
    products = tables.products
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(products).where(products.c.sku == sku.strip())
        ).first()
    if row is None:
        raise DataValidationError(
            f"no product {sku!r} in the catalogue (tradepilot import products FILE)"
        )
    return dict(row._mapping)


def _price(
    engine: Engine,
    product: dict[str, Any],
    language: str,
    day: dt.date | None,
    notes: list[str],
) -> tuple[float | None, str, list[str]]:
    from tradepilot.domain.errors import MissingRateError
    from tradepilot.fx.service import LatestRates
    from tradepilot.logistics.economics import price_point

    market, currency = MARKETS[language]
    source = product.get("price_currency")
    if product.get("list_price") is None or not source:
        notes.append(f"{product['sku']} has no catalogue list price: no price point")
        return None, currency, ["set the price: the catalogue has none"]
    day = day or dt.datetime.now(dt.UTC).date()
    try:
        with engine.connect() as conn:
            rate = LatestRates(conn, {source, currency}, day).rate(source, currency)
    except MissingRateError as exc:
        notes.append(f"no price point in {currency}: {exc}")
        return None, currency, [f"set the {currency} price: {exc}"]
    local = price_point(Decimal(str(product["list_price"])) * Decimal(repr(rate)),
                        currency)  # fmt: skip
    check = [f"price {local} {currency}: catalogue {product['list_price']} {source}"
             f" at {rate:.4f}, rounded up to the price point; check it against"
             f" {market} competitors and the margin (tradepilot margins)"]  # fmt: skip
    return float(local), currency, check


def _unit_checks(description: str | None) -> list[str]:
    found = UNITS.findall(description or "")
    return [f"size/unit conversion of {', '.join(found)}: check the metric values"] if found else []  # fmt: skip


def _drafted(
    client: ChatClient,
    product: dict[str, Any],
    language: str,
    price: float | None,
    currency: str,
) -> dict[str, Any]:
    from tradepilot.llm.grounding import unsupported_numbers

    facts = {"sku": product["sku"], "description": product["description"],
             "category": product.get("category"), "weight_kg": product.get("weight_kg"),
             "price": price, "currency": currency}  # fmt: skip
    prompt = (
        f"Write a product listing in the language with ISO code {language!r} for"
        " an online shop, from these facts only. Convert inches, ounces, pounds and"
        ' feet to metric units. Reply with JSON only: {"title": str, "bullets":'
        " [str, ...]} (at most 5 bullets).\nFacts: " + json.dumps(facts, default=str)
    )
    reply = client.chat([{"role": "user", "content": prompt}])
    draft = _listing_json(reply.content)
    text = "\n".join([draft["title"], *draft["bullets"]])
    unsupported = unsupported_numbers(text, [facts])
    flags = [f"numbers not in the catalogue (check them): {', '.join(unsupported)}"]
    return {"title": draft["title"], "bullets": draft["bullets"],
            "flags": flags if unsupported else []}  # fmt: skip


def _listing_json(content: str) -> dict[str, Any]:
    found = re.search(r"\{.*\}", content, re.S)
    try:
        data = json.loads(found.group(0)) if found else None
        title, bullets = data["title"], data["bullets"]  # type: ignore[index]
        if not isinstance(title, str) or not all(isinstance(b, str) for b in bullets):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise ExternalServiceError(
            "the LLM did not reply with a listing (JSON with title and bullets);"
            f" received {content[:120]!r}"
        ) from None
    return {"title": title.strip(), "bullets": [b.strip() for b in bullets][:5]}
