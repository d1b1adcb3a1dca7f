"""The seller's intent model with in-wheel sentence embeddings (issue 14)."""

from __future__ import annotations

import pickle

from tradepilot.text.intents import IntentModel, StaticEmbeddings

TEXTS = [
    "where is my parcel",
    "my parcel has not arrived",
    "track my order",
    "i want my money back",
    "refund please",
    "give me a refund",
] * 4
LABELS = ["track", "track", "track", "refund", "refund", "refund"] * 4


def test_embeddings_load_from_the_wheel_and_are_not_pickled() -> None:
    block = StaticEmbeddings(2.0).fit_transform(["where is my parcel", "refund"])
    assert block.shape == (2, 256)
    model = IntentModel(embeddings=True).fit(TEXTS, LABELS)
    blob = pickle.dumps(model)
    assert len(blob) < 5_000_000  # the 16 MB of weights stay out of the model
    again = pickle.loads(blob)
    assert again.predict(["where is my parcel"])[0][0] == "track"
    assert again.predict(["give me a refund"])[0][0] == "refund"


def test_embeddings_are_dropped_where_they_do_not_win_out_of_fold() -> None:
    # TF-IDF alone already gets every example right out of fold: a tie keeps the
    # simpler model, and the fitted vectoriser then leaves the 256 columns out.
    model = IntentModel(embeddings=True).fit(TEXTS, LABELS)
    assert model.cv_accuracy_ == 1.0
    assert model.embeddings_used_ is False
    plain = IntentModel(embeddings=False).fit(TEXTS, LABELS)
    width = model.vectorizer_.transform(["track my order"]).shape[1]
    assert width == plain.vectorizer_.transform(["track my order"]).shape[1]
    assert model.predict(["track my order"])[0][0] == "track"
