"""explain_choice: the selection rule in words, and the chosen row, from one table."""

from __future__ import annotations

import pytest

from tradepilot.forecasting.choice import ENSEMBLE_MARGIN, explain_choice

# A stored candidate table (forecast_scores of one series), as the Forecasts page
# read it: AutoETS has the lowest CV RMSSE, the ensemble is chosen by the margin.
STORED = [
    {"model": "AutoETS", "cv_rmsse": 1.392, "cv_mae": 2.10},
    {"model": "Ensemble", "cv_rmsse": 1.42, "cv_mae": 2.20},
    {"model": "AutoTheta", "cv_rmsse": 1.45, "cv_mae": 2.31},
    {"model": "MovingAverage8", "cv_rmsse": 1.51, "cv_mae": 2.40},
]


def flags(explained) -> list[tuple[str, bool]]:
    return [(row["model"], row["chosen"]) for row in explained.candidates]


def test_the_ensemble_chosen_by_the_margin_names_the_lower_model_and_the_bar():
    explained = explain_choice(
        STORED, model="Ensemble", demand_class="smooth", n_windows=3
    )

    assert explained.text == (
        "Ensemble chosen: AutoETS's CV RMSSE 1.392 is lower than the Ensemble's"
        " 1.420, but not by the required 40% margin (it needs < 0.852); a single"
        " model must beat the median of the candidates by that much to replace it."
        " Scored over 3 cross-validation windows."
    )
    assert flags(explained) == [
        ("AutoETS", False),
        ("Ensemble", True),
        ("AutoTheta", False),
        ("MovingAverage8", False),
    ]
    assert ENSEMBLE_MARGIN == 0.4


def test_a_single_model_beating_the_ensemble_by_the_margin_says_so():
    stored = [
        {"model": "Ensemble", "cv_rmsse": 1.5, "cv_mae": 2.0},
        {"model": "Naive", "cv_rmsse": 0.8, "cv_mae": 1.0},
    ]

    explained = explain_choice(
        stored, model="Naive", demand_class="erratic", n_windows=2
    )

    assert explained.text == (
        "Naive chosen: its CV RMSSE 0.800 is more than 40% below the Ensemble's 1.500"
        " (it needed < 0.900). Scored over 2 cross-validation windows."
    )
    assert flags(explained) == [("Naive", True), ("Ensemble", False)]


def test_the_ensemble_with_the_lowest_error_is_simply_the_lowest():
    stored = [
        {"model": "Ensemble", "cv_rmsse": 0.9, "cv_mae": 1.0},
        {"model": "TSB", "cv_rmsse": 0.95, "cv_mae": 1.1},
    ]

    explained = explain_choice(
        stored, model="Ensemble", demand_class="intermittent", n_windows=1
    )

    assert explained.text == (
        "Ensemble chosen: the lowest CV RMSSE (0.900) of 2 candidates."
        " Scored over 1 cross-validation window."
    )


def test_without_an_ensemble_the_lowest_wins_and_ties_go_to_the_simpler():
    stored = [
        {"model": "Zero", "cv_rmsse": None, "cv_mae": 0.5},
        {"model": "Naive", "cv_rmsse": None, "cv_mae": 0.5},
        {"model": "MovingAverage", "cv_rmsse": None, "cv_mae": 0.7},
    ]

    explained = explain_choice(stored, model="Zero", demand_class="dead", n_windows=3)

    assert explained.text == (
        "Zero chosen: the lowest CV MAE (0.500) of 3 candidates (RMSSE is undefined"
        " for a constant history), tied with Naive; ties go to the simpler model."
        " Scored over 3 cross-validation windows."
    )
    assert flags(explained) == [
        ("Zero", True),
        ("Naive", False),
        ("MovingAverage", False),
    ]


@pytest.mark.parametrize(
    ("n_windows", "stored"), [(0, []), (0, STORED[:1])], ids=["no-scores", "zero"]
)
def test_a_series_too_short_to_cross_validate_gets_the_class_default(n_windows, stored):
    explained = explain_choice(
        stored, model="MovingAverage", demand_class="new", n_windows=n_windows
    )

    assert explained.text == (
        "MovingAverage: the default of a new series; its history is too short to"
        " cross-validate."
    )
    assert explained.candidates == []


def test_a_stored_choice_the_rule_would_not_make_is_flagged_not_hidden():
    explained = explain_choice(
        STORED, model="AutoTheta", demand_class="smooth", n_windows=3
    )

    assert explained.text == (
        "AutoTheta was chosen by this run, but by the rule (lowest CV RMSSE; a single"
        " model must beat the Ensemble by 40%) Ensemble would be: the run may have"
        " used other settings. Scored over 3 cross-validation windows."
    )
    assert [m for m, chosen in flags(explained) if chosen] == ["AutoTheta"]
