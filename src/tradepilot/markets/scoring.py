"""Market-entry scoring: rank candidate countries from a few explainable signals.

Pure numeric core: a polars frame of signals in, a polars frame of ranked scores out,
no store, file or settings. Each of seven *components* turns one signal into a
normalised value in [0, 1] (higher is better); the score is the weighted sum on a
0-100 scale, and every component's points are reported so the score can be read.

==========  ====================  ==================================================
component   signal column         normalisation (null -> 0.5, "unknown")
==========  ====================  ==================================================
demand      ``revenue_base``      ``log1p(1000 r / r_max) / log1p(1000)``
growth      ``growth``            clip to [-50%, +100%], then -50% -> 0, +100% -> 1
peers       ``peer_revenue_base`` as demand, relative to the largest peer revenue
margin      ``margin_rate``       clip to [-20%, 60%], then -20% -> 0, 60% -> 1
delivery    ``delivery_days``     2 days or less -> 1, 30 days or more -> 0, linear
burden      ``burden``            ``1 - burden`` (0 = nothing to register)
returns     ``return_rate``       0% -> 1, 40% or more -> 0, linear
==========  ====================  ==================================================

Why these scales: revenue spans orders of magnitude between markets, so demand and
peers use a log scale relative to the largest market. The ``1000`` makes it
independent of the base currency and spans three decades: a market at 1/10 of the
largest scores 0.67, at 1/100 0.35, at 1/1000 0.10, with no sales 0; negative net
revenue (more refunds than sales) counts as none. The other signals are clipped to a
plausible range so one outlier (a +900% growth from a tiny base, a one-off margin)
cannot dominate. Growth, margin, delivery and returns may be unknown (null or NaN):
they score a neutral 0.5 and the explanation says so. Revenue, peer revenue and
burden are required.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import polars as pl

from tradepilot.domain.errors import DataValidationError
from tradepilot.markets.components import COMPONENTS, SIGNAL_COLUMNS, SIGNAL_OF
from tradepilot.markets.explain import explain
from tradepilot.markets.regions import peer_pairs, regions

_REQUIRED_VALUES = ("revenue_base", "peer_revenue_base", "burden")
_LOG_RANGE = 1000.0
# (signal worth 0, signal worth 1) of the linearly scaled components.
_LINEAR = {
    "growth": (-0.5, 1.0),
    "margin": (-0.2, 0.6),
    "delivery": (30.0, 2.0),
    "burden": (1.0, 0.0),
    "returns": (0.4, 0.0),
}
_NEUTRAL = 0.5


@dataclass(frozen=True)
class ScoreWeights:
    """Relative importance of each score component.

    Weights are non-negative and need not sum to 1: :meth:`shares` normalises them.

    Parameters
    ----------
    demand, growth, peers, margin, delivery, burden, returns : float
        Weight of each component (see the module docstring), >= 0, not all zero.

    Raises
    ------
    DataValidationError
        If a weight is negative, not a finite number, or all weights are zero.

    Examples
    --------
    >>> ScoreWeights().shares()["demand"]
    0.3
    >>> ScoreWeights.from_mapping({"margin": 2.0, "demand": 0.0}).margin
    2.0
    """

    demand: float = 0.30
    growth: float = 0.10
    peers: float = 0.15
    margin: float = 0.25
    delivery: float = 0.10
    burden: float = 0.05
    returns: float = 0.05

    def __post_init__(self) -> None:
        allowed = ", ".join(COMPONENTS)
        for name in COMPONENTS:
            value: Any = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                bad = True
            else:
                bad = not math.isfinite(value) or value < 0
            if bad:
                msg = f"score weight {name!r} must be a finite number >= 0; found {value!r} (weights: {allowed})"
                raise DataValidationError(msg)
        if sum(self.as_dict().values()) <= 0:
            msg = f"score weights are all zero; give at least one of {allowed} a weight > 0"
            raise DataValidationError(msg)

    @classmethod
    def from_mapping(cls, values: Mapping[str, float]) -> ScoreWeights:
        """Build weights from a name -> weight mapping; names left out keep defaults.

        Parameters
        ----------
        values : Mapping[str, float]
            Component names (see :data:`COMPONENTS`) to weights >= 0.

        Returns
        -------
        ScoreWeights

        Raises
        ------
        DataValidationError
            On a name that is not a component, a negative or non-numeric weight, or
            when every weight ends up zero.

        Examples
        --------
        >>> ScoreWeights.from_mapping({"speed": 1.0})
        Traceback (most recent call last):
        ...
        tradepilot.domain.errors.DataValidationError: unknown score weight 'speed'; allowed: demand, growth, peers, margin, delivery, burden, returns
        """
        unknown = sorted(set(values) - set(COMPONENTS))
        if unknown:
            names = ", ".join(repr(n) for n in unknown)
            s = "s" if len(unknown) > 1 else ""
            msg = f"unknown score weight{s} {names}; allowed: {', '.join(COMPONENTS)}"
            raise DataValidationError(msg)
        return cls(**values)

    def as_dict(self) -> dict[str, float]:
        """Return the raw weights by component name, in :data:`COMPONENTS` order."""
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}

    def shares(self) -> dict[str, float]:
        """Return the weights normalised to sum to 1, by component name."""
        raw = self.as_dict()
        total = sum(raw.values())
        return {name: value / total for name, value in raw.items()}


def _fail_on_missing_columns(
    frame: pl.DataFrame, required: tuple[str, ...], what: str
) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        msg = f"{what} is missing column(s) {', '.join(missing)}; found: {', '.join(frame.columns) or 'no columns'}"
        raise DataValidationError(msg)


def _fail_on_bad_countries(frame: pl.DataFrame, what: str) -> None:
    codes = frame.get_column("country")
    if codes.dtype != pl.String:
        msg = f"{what}: column 'country' must hold ISO2 strings; found {codes.dtype}"
        raise DataValidationError(msg)
    known = set(regions().get_column("country").to_list())
    unknown = sorted({str(c) for c in codes.to_list()} - known)
    if unknown:
        msg = f"{what}: {', '.join(unknown)} not ISO 3166-1 alpha-2 codes (expected e.g. DE, FR)"
        raise DataValidationError(msg)
    duplicated = sorted(codes.filter(codes.is_duplicated()).unique().to_list())
    if duplicated:
        msg = f"{what}: expected one row per country; found several for {', '.join(duplicated)}"
        raise DataValidationError(msg)


def _as_float(frame: pl.DataFrame, columns: tuple[str, ...], what: str) -> pl.DataFrame:
    for name in columns:
        dtype = frame.schema[name]
        if not (dtype.is_numeric() or dtype == pl.Null):
            msg = f"{what}: column {name!r} must be numeric; found {dtype}"
            raise DataValidationError(msg)
    return frame.with_columns(
        pl.col(c).cast(pl.Float64).fill_nan(None) for c in columns
    )


def _fail_on_nulls(frame: pl.DataFrame, columns: tuple[str, ...], what: str) -> None:
    for name in columns:
        empty = frame.filter(pl.col(name).is_null()).get_column("country").to_list()
        if empty:
            msg = f"{what}: column {name!r} needs a number for every country; found null for {', '.join(empty)}"
            raise DataValidationError(msg)


def peer_revenue(revenue: pl.DataFrame) -> pl.DataFrame:
    """Sum own revenue over each country's peers (see :func:`~.regions.peers_of`).

    Parameters
    ----------
    revenue : polars.DataFrame
        Columns ``country`` (ISO2, one row each) and ``revenue_base`` (net revenue
        in base currency, not null) of the countries sold to; others ignored.

    Returns
    -------
    polars.DataFrame
        Columns ``country`` and ``peer_revenue_base`` (float), one row per country
        of :func:`~.regions.regions`, sorted by code; 0.0 where no peer was sold to.

    Raises
    ------
    DataValidationError
        On a missing column, an unknown or repeated country, or a null revenue.

    Examples
    --------
    >>> sold = pl.DataFrame({"country": ["DE", "FR"], "revenue_base": [100.0, 50.0]})
    >>> peers = peer_revenue(sold)
    >>> peers.filter(pl.col("country").is_in(["AT", "DE", "ES", "JP"])).rows()
    [('AT', 150.0), ('DE', 50.0), ('ES', 50.0), ('JP', 0.0)]
    """
    what = "revenue frame"
    _fail_on_missing_columns(revenue, ("country", "revenue_base"), what)
    _fail_on_bad_countries(revenue, what)
    own = _as_float(revenue.select("country", "revenue_base"), ("revenue_base",), what)
    _fail_on_nulls(own, ("revenue_base",), what)
    summed = (
        peer_pairs()
        .join(own.rename({"country": "peer"}), on="peer", how="inner")
        .group_by("country")
        .agg(pl.col("revenue_base").sum().alias("peer_revenue_base"))
    )
    everyone = regions().select("country").join(summed, on="country", how="left")
    return everyone.with_columns(pl.col("peer_revenue_base").fill_null(0.0)).sort(
        "country"
    )


def _validated_signals(signals: pl.DataFrame) -> pl.DataFrame:
    what = "signals frame"
    _fail_on_missing_columns(signals, SIGNAL_COLUMNS, what)
    _fail_on_bad_countries(signals, what)
    numeric = tuple(c for c in SIGNAL_COLUMNS if c not in ("country", "burden_note"))
    frame = _as_float(signals.select(SIGNAL_COLUMNS), numeric, what)
    _fail_on_nulls(frame, _REQUIRED_VALUES, what)
    outside = frame.filter(~pl.col("burden").is_between(0.0, 1.0)).get_column("country")
    if outside.len():
        msg = f"{what}: column 'burden' must be within 0..1; found values outside for {', '.join(outside.to_list())}"
        raise DataValidationError(msg)
    return frame.with_columns(pl.col("burden_note").cast(pl.String).fill_null(""))


def _log_norm(column: str) -> pl.Expr:
    amount = pl.col(column).clip(lower_bound=0.0)
    scaled = (amount / amount.max() * _LOG_RANGE).log1p() / math.log1p(_LOG_RANGE)
    return pl.when(amount.max() > 0).then(scaled).otherwise(0.0)


def _linear_norm(column: str, worst: float, best: float) -> pl.Expr:
    scaled = ((pl.col(column) - worst) / (best - worst)).clip(0.0, 1.0)
    return scaled.fill_null(_NEUTRAL)


def _norm_expr(component: str) -> pl.Expr:
    column = SIGNAL_OF[component]
    if component in _LINEAR:
        return _linear_norm(column, *_LINEAR[component])
    return _log_norm(column)


def _left_sum(terms: list[pl.Expr]) -> pl.Expr:
    # Add left to right, as Python's sum() does, so the points of a row add up to
    # the score bit for bit (pl.sum_horizontal may add in another order).
    return functools.reduce(operator.add, terms)


def score_markets(
    signals: pl.DataFrame,
    weights: ScoreWeights = ScoreWeights(),
    *,
    currency: str | None = None,
) -> pl.DataFrame:
    """Score and rank candidate markets, best first, with a readable breakdown.

    Parameters
    ----------
    signals : polars.DataFrame
        One row per candidate country, columns :data:`SIGNAL_COLUMNS` (others are
        ignored): ``country`` (ISO2), ``revenue_base`` (own net revenue of the last
        12 months, base currency), ``growth`` (fraction vs the 12 months before, or
        null), ``peer_revenue_base`` (see :func:`peer_revenue`), ``margin_rate``
        (contribution margin / gross revenue, or null), ``delivery_days`` (days to
        deliver 90% on the best lane, or null), ``burden`` (0..1) and
        ``burden_note`` (str), ``return_rate`` (share of units returned, or null).
    weights : ScoreWeights, optional
        Component weights, normalised to sum to 1.
    currency : str, optional
        ISO-4217 code of the base currency, shown with amounts in the explanation.

    Returns
    -------
    polars.DataFrame
        One row per country sorted by score (ties by code): ``rank`` (1 = best),
        ``country``, ``name``, ``score`` (0-100), then per component ``<c>_value``
        (the raw signal), ``<c>_norm`` (0..1, higher is better) and ``<c>_points``
        (weight share x norm x 100; the points of a row add up to its score), then
        ``explanation`` (one sentence) and ``sold_before`` (own revenue > 0).

    Raises
    ------
    DataValidationError
        On a missing column, a non-numeric signal, an unknown or repeated country,
        a null revenue, peer revenue or burden, or a burden outside 0..1.

    Examples
    --------
    >>> signals = pl.DataFrame({
    ...     "country": ["DE", "AT"], "revenue_base": [41_000.0, 0.0],
    ...     "growth": [0.2, None], "peer_revenue_base": [9_000.0, 41_000.0],
    ...     "margin_rate": [0.38, 0.30], "delivery_days": [3.0, 12.0],
    ...     "burden": [0.0, 0.6], "burden_note": ["", "VAT registration"],
    ...     "return_rate": [0.05, None]})
    >>> ranked = score_markets(signals, currency="EUR")
    >>> ranked.select("rank", "country", pl.col("score").round(1)).rows()
    [(1, 'DE', 83.5), (2, 'AT', 46.6)]
    >>> print(ranked["explanation"][0])
    Strong own sales (EUR 41k, 30 pts) and high margin (38%, 18 pts); growth (+20%) costs the most.
    >>> print(ranked["explanation"][1])  # doctest: +NORMALIZE_WHITESPACE
    Margin (30%, 16 pts) and strong sales in peer markets (EUR 41k, 15 pts); no own
    sales yet costs the most; growth unknown, return rate unknown (scored neutral).
    """
    frame = _validated_signals(signals)
    shares = weights.shares()
    norms = [_norm_expr(c).alias(f"{c}_norm") for c in COMPONENTS]
    frame = frame.with_columns(norms).with_columns(
        (pl.col(f"{c}_norm") * (shares[c] * 100.0)).alias(f"{c}_points")
        for c in COMPONENTS
    )
    frame = frame.with_columns(
        _left_sum([pl.col(f"{c}_points") for c in COMPONENTS]).alias("score"),
        *(pl.col(SIGNAL_OF[c]).alias(f"{c}_value") for c in COMPONENTS),
        (pl.col("revenue_base") > 0).alias("sold_before"),
    )
    explanations = [
        explain(row, shares, currency) for row in frame.iter_rows(named=True)
    ]
    frame = frame.with_columns(pl.Series("explanation", explanations, dtype=pl.String))
    names = regions().select("country", "name")
    ranked = frame.join(names, on="country", how="left").sort(
        ["score", "country"], descending=[True, False]
    )
    per_component = [
        f"{c}_{part}" for c in COMPONENTS for part in ("value", "norm", "points")
    ]
    return ranked.with_row_index("rank", offset=1).select(
        pl.col("rank").cast(pl.Int64),
        "country",
        "name",
        "score",
        *per_component,
        "explanation",
        "sold_before",
    )
