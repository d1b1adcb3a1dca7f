"""Reference data by date: which VAT rate, import regime, duty and fee is in force.

:class:`ReferenceData` holds the rows of the four tables and answers "which row is in
force for this key on this day": the row with the latest ``effective_from <= day``;
for two rows with the same key and date the later one in the tuple wins, which is
how workspace overrides and what-ifs take precedence. Lookups use per-key sorted
dates and :func:`bisect.bisect_right`, built once per instance.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from tradepilot.domain.errors import ReferenceDataError
from tradepilot.reference.rows import DutyRate, FeeSchedule, ImportRegime, VatRate

__all__ = [
    "EU_MEMBERS",
    "DutyRate",
    "FeeSchedule",
    "ImportRegime",
    "ReferenceData",
    "VatRate",
    "hs_chapter",
    "is_eu_member",
]

# Accession dates; members before 1995 are treated as members since 1958.
_ACCESSION: dict[str, dt.date] = {
    **dict.fromkeys(
        ("BE", "DE", "FR", "IT", "LU", "NL", "DK", "IE", "GR", "ES", "PT"),
        dt.date(1958, 1, 1),
    ),
    **dict.fromkeys(("AT", "FI", "SE"), dt.date(1995, 1, 1)),
    **dict.fromkeys(
        ("CY", "CZ", "EE", "HU", "LT", "LV", "MT", "PL", "SI", "SK"),
        dt.date(2004, 5, 1),
    ),
    **dict.fromkeys(("BG", "RO"), dt.date(2007, 1, 1)),
    "HR": dt.date(2013, 7, 1),
}
_GB_LEFT = dt.date(2021, 1, 1)  # end of the Brexit transition period

EU_MEMBERS: frozenset[str] = frozenset(_ACCESSION)
"""The 27 EU member states (ISO 3166-1 alpha-2; Greece is ``GR``, not ``EL``)."""


def is_eu_member(country: str, day: dt.date) -> bool:
    """Tell whether ``country`` is in the EU VAT and customs union on ``day``.

    Parameters
    ----------
    country : str
        ISO 3166-1 alpha-2 code.
    day : datetime.date
        Day of the question.

    Returns
    -------
    bool
        True for a member on that day; GB counts as one before 2021-01-01.

    Examples
    --------
    >>> is_eu_member("GB", dt.date(2020, 12, 31)), is_eu_member("GB", dt.date(2021, 1, 1))
    (True, False)
    >>> is_eu_member("HR", dt.date(2013, 6, 30)), is_eu_member("HR", dt.date(2013, 7, 1))
    (False, True)
    """
    if country == "GB":
        return day < _GB_LEFT
    joined = _ACCESSION.get(country)
    return joined is not None and day >= joined


def hs_chapter(hs_code: str | None) -> str | None:
    """Return the 2-digit HS chapter of an HS code of 2 to 10 digits.

    Dots and spaces are ignored (``"6109.10"``).

    Raises
    ------
    ReferenceDataError
        If the code is not 2 to 10 digits.

    Examples
    --------
    >>> hs_chapter("6109.10.00"), hs_chapter(None)
    ('61', None)
    """
    if hs_code is None:
        return None
    digits = hs_code.replace(".", "").replace(" ", "")
    if not (digits.isdigit() and 2 <= len(digits) <= 10):
        raise ReferenceDataError(
            f"HS code must be 2 to 10 digits (dots and spaces allowed); found {hs_code!r}"
        )
    return digits[:2]


Row = TypeVar("Row", VatRate, ImportRegime, DutyRate, FeeSchedule)


class _Timeline(Generic[Row]):
    """Rows of one table grouped by key, each group sorted by ``effective_from``."""

    def __init__(self, rows: Iterable[Row], key: Callable[[Row], Hashable]) -> None:
        latest: dict[tuple[Hashable, dt.date], Row] = {}
        for row in rows:  # a later row with the same key and date wins
            latest[(key(row), row.effective_from)] = row
        groups: dict[Hashable, list[Row]] = {}
        for (k, _day), row in sorted(latest.items(), key=lambda kv: kv[0][1]):
            groups.setdefault(k, []).append(row)
        self.rows: dict[Hashable, list[Row]] = groups
        self.days: dict[Hashable, list[dt.date]] = {
            k: [r.effective_from for r in g] for k, g in groups.items()
        }

    def at(self, key: Hashable, day: dt.date) -> Row | None:
        days = self.days.get(key)
        if days is None:
            return None
        i = bisect_right(days, day)
        return self.rows[key][i - 1] if i else None


@dataclass(frozen=True)
class ReferenceData:
    """The four reference tables, with lookups by key and date.

    Parameters
    ----------
    vat, regimes, duties, fees : tuple
        Rows of each table, in load order (later rows win ties).

    Examples
    --------
    >>> from decimal import Decimal
    >>> src = "https://example.org"
    >>> ref = ReferenceData(vat=(
    ...     VatRate("EE", "standard", Decimal("0.22"), dt.date(2024, 1, 1), src),
    ...     VatRate("EE", "standard", Decimal("0.24"), dt.date(2025, 7, 1), src)))
    >>> ref.vat_rate("EE", dt.date(2025, 6, 30)).rate
    Decimal('0.22')
    >>> ref.vat_rate("EE", dt.date(2025, 7, 1)).rate
    Decimal('0.24')
    """

    vat: tuple[VatRate, ...] = ()
    regimes: tuple[ImportRegime, ...] = ()
    duties: tuple[DutyRate, ...] = ()
    fees: tuple[FeeSchedule, ...] = ()
    _index: _Index = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", _Index(self))

    def vat_rate(
        self, country: str, day: dt.date, rate_type: str = "standard"
    ) -> VatRate:
        """Return the VAT rate of ``country`` in force on ``day``.

        Raises
        ------
        ReferenceDataError
            If no row of that type is in force; the message names the country, the
            date and the countries covered.
        """
        row = self._index.vat.at((country, rate_type), day)
        if row is None:
            raise ReferenceDataError(self._no_vat_message(country, day, rate_type))
        return row

    def _no_vat_message(self, country: str, day: dt.date, rate_type: str) -> str:
        own = [r for r in self.vat if r.country == country]
        starts = [r.effective_from for r in own if r.rate_type == rate_type]
        if starts:
            why = f"its first row starts {min(starts).isoformat()}"
        elif own:
            types = sorted({r.rate_type for r in own})
            why = f"{country} has rate types: {', '.join(types)}"
        else:
            covered = sorted({r.country for r in self.vat})
            why = f"countries covered: {', '.join(covered)}"
        return f"no {rate_type} VAT rate for {country!r} on {day.isoformat()}; {why}"

    def regime(self, country: str, day: dt.date) -> ImportRegime | None:
        """Return the import regime of ``country`` in force on ``day``.

        Returns
        -------
        ImportRegime or None
            ``None`` when no row of that country is in force (the caller decides).

        Examples
        --------
        >>> ReferenceData().regime("US", dt.date(2025, 8, 29)) is None
        True
        """
        return self._index.regimes.at(country, day)

    def duty_rate(
        self, destination: str, hs_code: str | None, day: dt.date
    ) -> DutyRate:
        """Return the duty rate for goods of ``hs_code`` entering ``destination``.

        The first row in force wins along: (destination, chapter), (EU, chapter) if
        the destination is an EU member on ``day``, (destination, ``*``), (EU,
        ``*``), (``*``, chapter), (``*``, ``*``).

        Parameters
        ----------
        destination : str
            ISO 3166-1 alpha-2 code.
        hs_code : str or None
            HS code of 2 to 10 digits; ``None`` skips the chapter rows.
        day : datetime.date
            Day of import.

        Raises
        ------
        ReferenceDataError
            If the HS code is malformed or no row matches, not even ``("*", "*")``.
        """
        chapter = hs_chapter(hs_code)
        for key in self._duty_keys(destination, chapter, day):
            row = self._index.duties.at(key, day)
            if row is not None:
                return row
        raise ReferenceDataError(
            f"no duty rate for {destination!r}, HS {hs_code!r} on {day.isoformat()}, "
            "not even a ('*', '*') default row"
        )

    @staticmethod
    def _duty_keys(
        destination: str, chapter: str | None, day: dt.date
    ) -> list[tuple[str, str]]:
        regions = [destination] + (["EU"] if is_eu_member(destination, day) else [])
        keys = [(r, chapter) for r in regions] if chapter else []
        keys += [(r, "*") for r in regions]
        keys += [("*", chapter)] if chapter else []
        return [*keys, ("*", "*")]

    def fees_of(self, channel: str, day: dt.date) -> tuple[FeeSchedule, ...]:
        """Return the fee rows of ``channel`` in force on ``day``, one per kind.

        Returns
        -------
        tuple of FeeSchedule
            Sorted by kind; empty when the channel has no row in force.
        """
        kinds = self._index.kinds.get(channel, ())
        found = (self._index.fees.at((channel, kind), day) for kind in kinds)
        return tuple(row for row in found if row is not None)

    def countries(self) -> frozenset[str]:
        """Return every country with a VAT or an import-regime row."""
        return self._index.countries

    def row_in_force(self, table: str, key: tuple[str, ...], day: dt.date) -> object:
        """Return the row of ``table`` with exactly ``key`` in force on ``day``.

        ``table`` is ``"vat"`` (key: country, rate_type), ``"regimes"``
        (country), ``"duties"`` (destination, hs_chapter) or ``"fees"`` (channel,
        kind); no fallback. ``None`` when no row is in force.
        """
        timeline = getattr(self._index, table)
        return timeline.at(key[0] if table == "regimes" else key, day)

    def with_rows(
        self,
        *,
        vat: Iterable[VatRate] = (),
        regimes: Iterable[ImportRegime] = (),
        duties: Iterable[DutyRate] = (),
        fees: Iterable[FeeSchedule] = (),
    ) -> ReferenceData:
        """Return new reference data with rows appended (they win ties).

        Examples
        --------
        >>> from decimal import Decimal
        >>> row = VatRate("DE", "standard", Decimal("0.21"), dt.date(2027, 1, 1), "x")
        >>> ReferenceData().with_rows(vat=[row]).vat_rate("DE", dt.date(2027, 1, 1)).rate
        Decimal('0.21')
        """
        return ReferenceData(
            vat=self.vat + tuple(vat),
            regimes=self.regimes + tuple(regimes),
            duties=self.duties + tuple(duties),
            fees=self.fees + tuple(fees),
        )


class _Index:
    """Timelines of one :class:`ReferenceData`, built once."""

    def __init__(self, data: ReferenceData) -> None:
        self.vat = _Timeline(data.vat, lambda r: (r.country, r.rate_type))
        self.regimes = _Timeline(data.regimes, lambda r: r.country)
        self.duties = _Timeline(data.duties, lambda r: (r.destination, r.hs_chapter))
        self.fees = _Timeline(data.fees, lambda r: (r.channel, r.kind))
        kinds: dict[str, set[str]] = {}
        for fee in data.fees:
            kinds.setdefault(fee.channel, set()).add(fee.kind)
        self.kinds = {channel: tuple(sorted(k)) for channel, k in kinds.items()}
        self.countries = frozenset(
            {r.country for r in data.vat} | {r.country for r in data.regimes}
        )
