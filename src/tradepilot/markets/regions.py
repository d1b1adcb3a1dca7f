"""Countries grouped by UN M49 region, with their trade neighbours.

The table lives in ``data/regions.csv`` (one row per ISO 3166-1 alpha-2 code; sources
and conventions in ``data/README.md``). A country's *peers* are the markets whose
sales say something about demand there: its land or close-sea neighbours and every
country of its UN M49 sub-region.
"""

from __future__ import annotations

import functools
import io
from importlib import resources

import polars as pl

from tradepilot.domain.errors import DataValidationError

_COLUMNS = ("country", "name", "region", "subregion", "neighbours")


@functools.cache
def _load_regions() -> pl.DataFrame:
    raw = (
        resources.files("tradepilot.markets").joinpath("data/regions.csv").read_bytes()
    )
    # infer_schema=False keeps every value a string ("NA" is Namibia, not a null).
    table = pl.read_csv(io.BytesIO(raw), infer_schema=False)
    if tuple(table.columns) != _COLUMNS:
        msg = f"regions.csv must have columns {', '.join(_COLUMNS)}; found: {', '.join(table.columns)}"
        raise DataValidationError(msg)
    split = pl.col("neighbours").fill_null("").str.split(" ")
    return table.with_columns(split.list.eval(pl.element().filter(pl.element() != "")))


def regions() -> pl.DataFrame:
    """Return every ISO 3166-1 country with its UN M49 region and neighbours.

    Returns
    -------
    polars.DataFrame
        One row per country, sorted by code, columns ``country`` (ISO2), ``name``,
        ``region``, ``subregion`` (str) and ``neighbours`` (list[str] of ISO2 codes).
        Read once and cached; each call returns a cheap copy, so a caller renaming
        columns in place cannot change what others see.

    Examples
    --------
    >>> row = regions().filter(country="AT").row(0, named=True)
    >>> row["region"], row["subregion"], row["neighbours"][:3]
    ('Europe', 'Western Europe', ['CH', 'CZ', 'DE'])
    """
    return _load_regions().clone()


@functools.cache
def _neighbour_map() -> dict[str, frozenset[str]]:
    rows = regions().select("country", "neighbours").iter_rows()
    return {code: frozenset(neighbours) for code, neighbours in rows}


@functools.cache
def _subregion_members() -> dict[str, frozenset[str]]:
    grouped = regions().group_by("subregion").agg(pl.col("country"))
    return {sub: frozenset(codes) for sub, codes in grouped.iter_rows()}


@functools.cache
def _subregion_of() -> dict[str, str]:
    return dict(regions().select("country", "subregion").iter_rows())


def _check_country(country: str) -> None:
    if country not in _neighbour_map():
        msg = f"country {country!r} is not an ISO 3166-1 alpha-2 code (expected e.g. 'DE', 'FR')"
        raise DataValidationError(msg)


def neighbours_of(country: str) -> frozenset[str]:
    """Return the countries sharing a land border or a close sea link with one.

    Parameters
    ----------
    country : str
        ISO 3166-1 alpha-2 code, upper case.

    Returns
    -------
    frozenset of str
        ISO2 codes; empty for an island without a listed sea link.

    Raises
    ------
    DataValidationError
        If ``country`` is not an ISO2 code.

    Examples
    --------
    >>> sorted(neighbours_of("IE"))
    ['GB']
    >>> sorted(neighbours_of("IS"))
    []
    """
    _check_country(country)
    return _neighbour_map()[country]


def peers_of(country: str) -> frozenset[str]:
    """Return a country's peer markets: neighbours and its UN M49 sub-region.

    Parameters
    ----------
    country : str
        ISO 3166-1 alpha-2 code, upper case.

    Returns
    -------
    frozenset of str
        ISO2 codes of the neighbours and of every country in the same sub-region,
        never ``country`` itself.

    Raises
    ------
    DataValidationError
        If ``country`` is not an ISO2 code.

    Examples
    --------
    >>> sorted(peers_of("NZ"))
    ['AU', 'CC', 'CX', 'HM', 'NF']
    >>> "PL" in peers_of("DE"), "LU" in peers_of("DE"), "IT" in peers_of("DE")
    (True, True, False)
    """
    _check_country(country)
    same_subregion = _subregion_members()[_subregion_of()[country]]
    return (_neighbour_map()[country] | same_subregion) - {country}


def peer_pairs() -> pl.DataFrame:
    """Return every (country, peer) pair of :func:`peers_of` as a long frame.

    Returns
    -------
    polars.DataFrame
        Columns ``country`` and ``peer`` (ISO2), sorted, one row per pair.

    Examples
    --------
    >>> peer_pairs().filter(country="IE")["peer"].to_list()
    ['AX', 'DK', 'EE', 'FI', 'FO', 'GB', 'GG', 'IM', 'IS', 'JE', 'LT', 'LV', 'NO', 'SE', 'SJ']
    """
    pairs = [(c, p) for c in _neighbour_map() for p in peers_of(c)]
    frame = pl.DataFrame(pairs, schema=["country", "peer"], orient="row")
    return frame.sort("country", "peer")
