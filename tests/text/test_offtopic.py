"""The default intent model's off-topic threshold (issue 14)."""

from __future__ import annotations

from tradepilot.text.defaults import offtopic_threshold, raise_threshold
from tradepilot.text.intents import UNKNOWN, IntentModel

TRACK = [
    "where is my parcel",
    "my parcel has not arrived",
    "track my order",
    "where is my package",
    "has my order shipped",
    "tracking number please",
]
REFUND = ["i want my money back", "refund please", "give me a refund",
          "please refund my order", "money back now", "i demand a refund"]  # fmt: skip
OFFTOPIC = ["this dress fits perfectly and the colour is lovely",
            "the fabric is soft and the length is right for me",
            "i usually wear a medium and the small fit well",
            "love the pattern, runs a bit large in the chest",
            "comfortable for a long day at work"]  # fmt: skip


def test_offtopic_threshold_rejects_at_least_the_share_asked() -> None:
    confidence = [0.9, 0.3, 0.5, 0.7, 0.1, 0.6, 0.2, 0.8, 0.4, 0.55]
    for recall in (0.0, 0.3, 0.6, 0.95, 1.0):
        cut = offtopic_threshold(confidence, recall)
        assert sum(c < cut for c in confidence) >= recall * len(confidence)
        # the lowest such threshold: one step down rejects fewer than asked
        below = [c for c in confidence if c < cut]
        if below:
            lower = max(below)
            assert sum(c < lower for c in confidence) < recall * len(confidence)


def test_raise_threshold_makes_off_topic_text_unknown_and_never_lowers() -> None:
    texts = (TRACK + REFUND) * 4
    labels = (["track"] * 6 + ["refund"] * 6) * 4
    groups = ["en"] * len(texts)
    model = IntentModel().fit(texts, labels, groups=groups)
    seeds = model.thresholds_["en"]
    raise_threshold(model, OFFTOPIC, "en", 0.6)
    assert model.thresholds_["en"] >= seeds
    answers = model.predict(OFFTOPIC, ["en"] * len(OFFTOPIC))
    assert sum(label == UNKNOWN for label, _ in answers) >= 3  # 60% of 5
    assert model.offtopic_["threshold_from_seeds"] == round(seeds, 4)  # type: ignore[attr-defined]
    # a threshold already above the off-topic confidences stays where it is
    model.thresholds_["en"] = 1.0
    raise_threshold(model, OFFTOPIC, "en", 0.6)
    assert model.thresholds_["en"] == 1.0
