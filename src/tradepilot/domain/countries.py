"""Countries as ISO 3166-1 alpha-2 codes, with the aliases real exports use.

Resolution is exact and explicit, never fuzzy: a name is looked up as an alpha-2 or
alpha-3 code, an ISO short, common or official name, or one of the aliases below.
Three values that real exports carry but that are not one country are mapped to
explicit pseudo-codes, so they are kept and reported rather than guessed:

=====================  =====  ==================================================
export value           code   meaning
=====================  =====  ==================================================
``European Community`` ``EU`` the European Union, member state unknown (ISO
                              3166-1 reserves ``EU`` exceptionally for it)
``Channel Islands``    ``XC`` Jersey (JE) or Guernsey (GG), which one unknown
                              (user-assigned code)
``Unspecified``        ``ZZ`` country not given (user-assigned code for unknown)
=====================  =====  ==================================================

Anything else that does not resolve is *unmapped*: importers quarantine the row with a
reason naming the value, and the fix is an alias, not a guess.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pycountry

# Pseudo-codes for values that are not a single ISO country.
PSEUDO_COUNTRIES: dict[str, str] = {
    "EU": "European Union (member state not specified)",
    "XC": "Channel Islands (Jersey or Guernsey, not specified)",
    "ZZ": "Unspecified country",
}

# Aliases seen in real exports (lower-cased keys).
ALIASES: dict[str, str] = {
    "eire": "IE",
    "republic of ireland": "IE",
    "rsa": "ZA",
    "usa": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "holland": "NL",
    "the netherlands": "NL",
    "czech republic": "CZ",
    "russia": "RU",
    "south korea": "KR",
    "republic of korea": "KR",
    "vietnam": "VN",
    "taiwan": "TW",
    "turkey": "TR",
    "macedonia": "MK",
    "uae": "AE",
    "deutschland": "DE",
    "european community": "EU",
    "european union": "EU",
    "channel islands": "XC",
    "unspecified": "ZZ",
    "unknown": "ZZ",
}


@dataclass(frozen=True, slots=True)
class Country:
    """A resolved country or pseudo-country.

    Attributes
    ----------
    code : str
        ISO 3166-1 alpha-2 code, or one of :data:`PSEUDO_COUNTRIES`.
    name : str
        Human-readable name.
    """

    code: str
    name: str

    @property
    def is_pseudo(self) -> bool:
        """True for ``EU``, ``XC`` and ``ZZ``: kept, but not one country."""
        return self.code in PSEUDO_COUNTRIES


@functools.cache
def _index() -> dict[str, Country]:
    table: dict[str, Country] = {}
    for c in pycountry.countries:
        country = Country(c.alpha_2, getattr(c, "common_name", c.name))
        names = [c.alpha_2, c.alpha_3, c.name]
        names += [
            getattr(c, a) for a in ("common_name", "official_name") if hasattr(c, a)
        ]
        for name in names:
            table[name.lower()] = country
    for code, name in PSEUDO_COUNTRIES.items():
        table[code.lower()] = Country(code, name)
    for alias, code in ALIASES.items():
        table[alias] = table[code.lower()]
    return table


def resolve_country(value: str | None) -> Country | None:
    """Resolve an export's country value exactly, or return ``None`` if unmapped.

    Parameters
    ----------
    value : str or None
        What the export wrote: a code, a name or an alias. Empty means ``ZZ``.

    Examples
    --------
    >>> resolve_country("EIRE").code, resolve_country("usa").code
    ('IE', 'US')
    >>> resolve_country("Channel Islands").is_pseudo
    True
    >>> resolve_country("Narnia") is None
    True
    """
    if value is None or not value.strip():
        return _index()["zz"]
    return _index().get(" ".join(value.split()).lower())


def country_name(code: str) -> str:
    """Name of an alpha-2 code or pseudo-code; the code itself if unknown."""
    country = _index().get(code.lower())
    return country.name if country else code
