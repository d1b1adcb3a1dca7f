"""Simulated product reviews with ground truth: language, stars and the aspects
each review is about.

About one delivered order line in twelve gets a review in the buyer's language
(German for DE/AT/CH, French for FR/BE, Spanish, Italian, Dutch, Polish, Swedish,
English elsewhere). A third of the SKUs have a true problem (sizes run small,
poor quality, slow delivery, damaged packaging or photos that flatter): their
reviews complain about it more often, with one or two stars. The others praise
an aspect with four or five stars. The text is built from phrases written for
each language, so the truth is exact: ``truth_aspects`` lists ``aspect:polarity``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

LANGUAGE_OF = {"DE": "de", "AT": "de", "CH": "de", "FR": "fr", "BE": "fr", "ES": "es",
               "IT": "it", "NL": "nl", "PL": "pl", "SE": "sv"}  # fmt: skip
PROBLEMS = ("size_fit", "quality", "delivery", "packaging", "description_accuracy")
PRAISE = ("quality", "delivery", "price", "packaging")

# (aspect, polarity) -> phrase per language
PHRASES: dict[tuple[str, str], dict[str, str]] = {
    ("size_fit", "negative"): {
        "en": "It runs small, I had to send it back.", "de": "Fällt viel zu klein aus, leider.",
        "fr": "Taille beaucoup trop petit, déçue.", "es": "La talla es muy pequeño, una pena.",
        "it": "La taglia è troppo piccola, purtroppo.", "nl": "De maat valt te klein, jammer.",
        "pl": "Rozmiar za mały, niestety.", "sv": "Storleken är för liten, tyvärr."},
    ("quality", "negative"): {
        "en": "Poor quality, the fabric ripped after one wash.", "de": "Schlechte Qualität, der Stoff ist nach einer Wäsche kaputt.",
        "fr": "Mauvaise qualité, le tissu est abîmé après un lavage.", "es": "Mala calidad, la tela se rompió.",
        "it": "Pessima qualità, il tessuto si è rotto.", "nl": "Slechte kwaliteit, de stof is kapot.",
        "pl": "Słaba jakość, materiał się zepsuł.", "sv": "Dålig kvalitet, tyget gick sönder."},
    ("delivery", "negative"): {
        "en": "Delivery took three weeks, far too late.", "de": "Die Lieferung kam drei Wochen zu spät.",
        "fr": "La livraison est arrivée avec trois semaines de retard.", "es": "El envío llegó tarde, tres semanas.",
        "it": "La consegna è arrivata in ritardo di tre settimane.", "nl": "De levering was drie weken te laat.",
        "pl": "Dostawa opóźniona o trzy tygodnie.", "sv": "Leveransen kom tre veckor sent."},
    ("packaging", "negative"): {
        "en": "The box was crushed and the packaging damaged.", "de": "Die Verpackung war beschädigt.",
        "fr": "L'emballage était abîmé.", "es": "El embalaje llegó dañado.",
        "it": "L'imballaggio era danneggiato.", "nl": "De verpakking was beschadigd.",
        "pl": "Opakowanie było uszkodzone.", "sv": "Förpackningen var skadad."},
    ("description_accuracy", "negative"): {
        "en": "Looks nothing like the picture, disappointed.", "de": "Sieht anders aus als abgebildet, enttäuscht.",
        "fr": "Ne ressemble pas à la photo, déçue.", "es": "No se parece a la foto, decepcionada.",
        "it": "Non assomiglia alla foto, delusa.", "nl": "Lijkt niet op de afbeelding, teleurgesteld.",
        "pl": "Nie wygląda jak na zdjęciu, rozczarowana.", "sv": "Ser inte ut som på bilden, besviken."},
    ("quality", "positive"): {
        "en": "Great quality, soft fabric.", "de": "Tolle Qualität, weicher Stoff.",
        "fr": "Excellente qualité, tissu doux.", "es": "Excelente calidad, tela suave.",
        "it": "Ottima qualità, tessuto morbido.", "nl": "Goede kwaliteit, fijne stof.",
        "pl": "Świetna jakość, miękki materiał.", "sv": "Utmärkt kvalitet, mjukt tyg."},
    ("delivery", "positive"): {
        "en": "Fast delivery, arrived in two days.", "de": "Schnelle Lieferung, nach zwei Tagen da.",
        "fr": "Livraison rapide, reçu en deux jours.", "es": "Envío rápido, llegó en dos días.",
        "it": "Consegna veloce, arrivato in due giorni.", "nl": "Snelle levering, binnen twee dagen.",
        "pl": "Szybka dostawa, dwa dni.", "sv": "Snabb leverans, kom på två dagar."},
    ("price", "positive"): {
        "en": "Good price for what you get.", "de": "Guter Preis, top.",
        "fr": "Bon prix, parfait.", "es": "Buen precio, perfecto.",
        "it": "Buon prezzo, perfetto.", "nl": "Goede prijs, top.",
        "pl": "Dobra cena, polecam.", "sv": "Bra pris, perfekt."},
    ("packaging", "positive"): {
        "en": "Lovely packaging, nicely wrapped.", "de": "Schöne Verpackung, liebevoll verpackt.",
        "fr": "Joli emballage, parfait.", "es": "Embalaje bonito, perfecto.",
        "it": "Imballaggio bello e perfetto.", "nl": "Mooie verpakking, top.",
        "pl": "Piękne opakowanie, polecam.", "sv": "Fin förpackning, perfekt."},
}  # fmt: skip
GENERIC = {"en": "Happy with it.", "de": "Bin zufrieden.", "fr": "Contente.",
           "es": "Contenta.", "it": "Contenta.", "nl": "Tevreden.", "pl": "Zadowolona.",
           "sv": "Nöjd."}  # fmt: skip


def simulate_reviews(
    orders: pl.DataFrame,
    order_lines: pl.DataFrame,
    *,
    seed: int = 0,
    rate: float = 0.08,
) -> pl.DataFrame:
    """Reviews of delivered order lines, in the Shopify review export's columns
    plus ``truth_language`` and ``truth_aspects``.

    Parameters
    ----------
    orders, order_lines : polars.DataFrame
        The simulated store's (``SimulatedStore.orders`` / ``.order_lines``).
    seed : int
    rate : float
        Share of delivered order lines that get a review.
    """
    rng = np.random.default_rng(seed)
    delivered = order_lines.join(
        orders.filter(pl.col("shipped_at").is_not_null()).select(
            "order_key", "country", "shipped_at", "first_name"
        ),
        on="order_key",
    ).sort("order_key", "line_no")
    skus = sorted(delivered["sku"].unique().to_list())
    problem = {
        sku: PROBLEMS[int(rng.integers(len(PROBLEMS)))]
        if rng.random() < 1 / 3
        else None
        for sku in skus
    }
    rows: list[dict[str, Any]] = []
    for line in delivered.iter_rows(named=True):
        if rng.random() >= rate:
            continue
        language = LANGUAGE_OF.get(line["country"], "en")
        issue = problem[line["sku"]]
        if rng.random() < (0.6 if issue else 0.08):
            aspect = issue or PROBLEMS[int(rng.integers(len(PROBLEMS)))]
            stars, truth = int(rng.integers(1, 3)), [(aspect, "negative")]
        else:
            aspect = PRAISE[int(rng.integers(len(PRAISE)))]
            stars, truth = int(rng.integers(4, 6)), [(aspect, "positive")]
        text = PHRASES[truth[0]][language]
        if stars >= 4 and rng.random() < 0.5:
            text = f"{text} {GENERIC[language]}"
        shipped: dt.datetime = line["shipped_at"]
        rows.append(
            {
                "id": len(rows) + 1,
                "product_handle": line["sku"],
                "rating": stars,
                "title": "",
                "author": line["first_name"] or "",
                "location": line["country"],
                "body": text,
                "created_at": (
                    shipped + dt.timedelta(days=int(rng.integers(4, 21)))
                ).isoformat(),
                "truth_language": language,
                "truth_aspects": ";".join(f"{a}:{p}" for a, p in truth),
            }
        )
    return pl.DataFrame(rows)


def write_reviews(reviews: pl.DataFrame, out_dir: Path) -> dict[str, Path]:
    """``reviews.csv`` (Shopify review export columns) and ``truth/reviews.csv``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "truth").mkdir(exist_ok=True)
    paths = {
        "reviews": out_dir / "reviews.csv",
        "truth_reviews": out_dir / "truth" / "reviews.csv",
    }
    reviews.drop("truth_language", "truth_aspects").write_csv(paths["reviews"])
    reviews.select("id", "truth_language", "truth_aspects").write_csv(
        paths["truth_reviews"]
    )
    return paths
