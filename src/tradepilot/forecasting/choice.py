"""Why a series got its model: the selection rule in words, from the stored scores.

:class:`~tradepilot.forecasting.selection.AutoForecaster` picks, per series, the
candidate with the lowest cross-validated RMSSE (MAE where RMSSE is undefined), but
a single model replaces the median ensemble only if it is :data:`ENSEMBLE_MARGIN`
lower (relative); ties go to the simpler model. :func:`explain_choice` applies that
rule to a series' stored candidate scores and returns, from the same computation,
the sentence a page shows and the flag of the chosen row, so the two cannot
disagree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from tradepilot.forecasting.launch import LAUNCH_MODEL
from tradepilot.forecasting.level_model import LEVEL_MODEL
from tradepilot.forecasting.models import ENSEMBLE

ENSEMBLE_MARGIN: Final = 0.4
"""How much lower (relative) a single model's CV score must be than the ensemble's
for it to be chosen instead (see :class:`~.selection.AutoForecaster`)."""
_RELATIVE_TIE: Final = 1e-9


@dataclass(frozen=True)
class ChoiceExplanation:
    """The sentence explaining a series' model, and its candidates with a flag.

    Attributes
    ----------
    text : str
        One or two sentences: the model, the rule that chose it and the numbers.
    candidates : list of dict
        The candidate rows (``model, cv_rmsse, cv_mae`` and whatever else they
        held), lowest compared score first, each with ``chosen`` (bool); empty for
        a series too short to cross-validate.
    """

    text: str
    candidates: list[dict[str, Any]] = field(default_factory=list)


def explain_choice(
    candidates: Sequence[Mapping[str, Any]],
    *,
    model: str,
    demand_class: str,
    n_windows: int,
    margin: float = ENSEMBLE_MARGIN,
) -> ChoiceExplanation:
    """Explain why ``model`` was chosen among ``candidates``, and flag its row.

    Parameters
    ----------
    candidates : sequence of mapping
        The series' cross-validated candidates: ``model``, ``cv_rmsse`` and
        ``cv_mae`` (None where undefined).
    model : str
        The model the run chose.
    demand_class : str
        The series' demand class (named for a class default).
    n_windows : int
        Cross-validation windows; 0 marks a series given its class default.
    margin : float, default ENSEMBLE_MARGIN
        The selection's ensemble margin.

    Returns
    -------
    ChoiceExplanation
        The sentence and the candidates, lowest score first, the chosen row flagged.

    Examples
    --------
    >>> rows = [{"model": "AutoETS", "cv_rmsse": 1.392, "cv_mae": 2.1},
    ...         {"model": "Ensemble", "cv_rmsse": 1.42, "cv_mae": 2.2}]
    >>> got = explain_choice(rows, model="Ensemble", demand_class="smooth",
    ...                      n_windows=3)
    >>> [(r["model"], r["chosen"]) for r in got.candidates]
    [('AutoETS', False), ('Ensemble', True)]
    >>> got.text.split(";")[0]
    "Ensemble chosen: AutoETS's CV RMSSE 1.392 is lower than the Ensemble's 1.420, but not by the required 40% margin (it needs < 0.852)"
    """
    if model == LAUNCH_MODEL:
        return ChoiceExplanation(
            f"{LAUNCH_MODEL}: a new series, forecast from the store's earlier"
            " launches: its mean so far times how they sold at the same ages"
            " against their first periods (intervals from their spread)."
        )
    if n_windows == 0 or not candidates:
        return ChoiceExplanation(
            f"{model}: the default of a{_n(demand_class)} {demand_class} series; its"
            " history is too short to cross-validate."
        )
    if model == LEVEL_MODEL:
        return _level_model_choice(candidates, demand_class, n_windows, margin)
    metric = (
        "cv_rmsse" if _value(candidates, model, "cv_rmsse") is not None else "cv_mae"
    )
    rows = sorted(
        ({**row, "chosen": row["model"] == model} for row in candidates),
        key=lambda row: _or_inf(row.get(metric)),
    )
    windows = f" Scored over {n_windows} cross-validation window{_s(n_windows)}."
    return ChoiceExplanation(_reason(rows, model, metric, margin) + windows, rows)


def _level_model_choice(
    candidates: Sequence[Mapping[str, Any]],
    demand_class: str,
    n_windows: int,
    margin: float,
) -> ChoiceExplanation:
    """The level model sets the point forecast; the rule's winner the intervals.

    Its own candidate row (no CV score: it is validated on whole panels) comes
    first and is the chosen one; the others are ranked as usual.
    """
    own = [row for row in candidates if row["model"] == LEVEL_MODEL]
    others = [row for row in candidates if row["model"] != LEVEL_MODEL]
    if not others:
        text = f"{LEVEL_MODEL}: one LightGBM fitted across every series."
        return ChoiceExplanation(text, [{**row, "chosen": True} for row in own])
    metric = "cv_rmsse"
    if all(row.get("cv_rmsse") is None for row in others):
        metric = "cv_mae"
    winner = min(others, key=lambda row: _rule_score(row, metric, margin))
    inner = explain_choice(
        others,
        model=str(winner["model"]),
        demand_class=demand_class,
        n_windows=n_windows,
        margin=margin,
    )
    text = (
        f"{LEVEL_MODEL}: one LightGBM fitted across every series forecasts this"
        " series' level (on validation cutoffs it beat every single model); its"
        f" intervals come from the per-series choice. {inner.text}"
    )
    rows = [{**row, "chosen": True} for row in own]
    rows += [{**row, "chosen": False} for row in inner.candidates]
    return ChoiceExplanation(text, rows)


def _reason(rows: list[dict[str, Any]], model: str, metric: str, margin: float) -> str:
    """The sentence for a cross-validated series (without the windows)."""
    label = "CV RMSSE" if metric == "cv_rmsse" else "CV MAE"
    scores = {row["model"]: _rule_score(row, metric, margin) for row in rows}
    best = min(scores.values())
    if not math.isclose(scores.get(model, math.inf), best, rel_tol=_RELATIVE_TIE):
        winner = min(scores, key=lambda name: scores[name])
        return (
            f"{model} was chosen by this run, but by the rule (lowest {label}; a"
            f" single model must beat the {ENSEMBLE} by {margin:.0%}) {winner} would"
            " be: the run may have used other settings."
        )
    mine = _or_inf(rows[[r["model"] for r in rows].index(model)].get(metric))
    ensemble = next((r for r in rows if r["model"] == ENSEMBLE), None)
    if ensemble is not None and model == ENSEMBLE:
        single = next((r for r in rows if r["model"] != ENSEMBLE), None)
        theirs = _or_inf(single.get(metric)) if single else math.inf
        if theirs < mine:
            assert single is not None
            return (
                f"{ENSEMBLE} chosen: {single['model']}'s {label} {theirs:.3f} is"
                f" lower than the {ENSEMBLE}'s {mine:.3f}, but not by the required"
                f" {margin:.0%} margin (it needs < {mine * (1 - margin):.3f}); a"
                " single model must beat the median of the candidates by that much"
                " to replace it."
            )
    elif ensemble is not None:
        theirs = _or_inf(ensemble.get(metric))
        return (
            f"{model} chosen: its {label} {mine:.3f} is more than {margin:.0%} below"
            f" the {ENSEMBLE}'s {theirs:.3f} (it needed < {theirs * (1 - margin):.3f})."
        )
    undefined = (
        " (RMSSE is undefined for a constant history)" if metric == "cv_mae" else ""
    )
    tied = [
        r["model"]
        for r in rows
        if r["model"] != model
        and math.isclose(scores[r["model"]], best, rel_tol=_RELATIVE_TIE)
    ]
    ties = (
        f", tied with {', '.join(tied)}; ties go to the simpler model" if tied else ""
    )
    return (
        f"{model} chosen: the lowest {label} ({mine:.3f}) of {len(rows)}"
        f" candidates{undefined}{ties}."
    )


def _rule_score(row: Mapping[str, Any], metric: str, margin: float) -> float:
    """The score the selection minimises: the ensemble's handicapped by ``margin``."""
    value = row.get(metric)
    if value is None:
        value = row.get("cv_mae")
    factor = 1 - margin if row["model"] == ENSEMBLE else 1.0
    return _or_inf(value) * factor


def _value(rows: Sequence[Mapping[str, Any]], model: str, column: str) -> Any:
    return next((r.get(column) for r in rows if r["model"] == model), None)


def _or_inf(value: float | None) -> float:
    return math.inf if value is None else float(value)


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _n(word: str) -> str:
    return "n" if word[:1] in "aeiou" else ""
