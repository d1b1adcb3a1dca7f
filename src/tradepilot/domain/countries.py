"""Countries as ISO 3166-1 alpha-2 codes, with the names real exports use.

Resolution is exact and explicit, never fuzzy. A value is looked up, after
:func:`name_key` folds case, accents, curly apostrophes, dots, dashes, ``&`` and a
leading "the", among (highest priority first):

1. the aliases below (:data:`ALIASES`: ``EIRE``, ``USA``, former names such as
   ``Swaziland``, ``Burma`` or ``Zaire``, common English names such as ``Ivory
   Coast`` or ``DR Congo``) and, for a generic import, its mapping's
   ``country_aliases``;
2. alpha-2 and alpha-3 codes;
3. the ISO short, common and official names (pycountry), also with an inverted name
   turned round (``Congo, The Democratic Republic of the`` is also ``Democratic
   Republic of the Congo``);
4. the English territory names of the Unicode CLDR (Babel): ``Myanmar (Burma)``,
   ``Congo - Kinshasa``, ``St. Kitts & Nevis``, ``Côte d’Ivoire``, ...

A name that two countries claim at the same level (``Korea``) resolves to neither.
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
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pycountry

from tradepilot.domain.errors import DataValidationError

# Pseudo-codes for values that are not a single ISO country.
PSEUDO_COUNTRIES: dict[str, str] = {
    "EU": "European Union (member state not specified)",
    "XC": "Channel Islands (Jersey or Guernsey, not specified)",
    "ZZ": "Unspecified country",
}

# Aliases seen in real exports, former names and common English names that neither
# ISO nor the CLDR list (keys are folded by name_key before use).
ALIASES: dict[str, str] = {
    "eire": "IE",
    "republic of ireland": "IE",
    "rsa": "ZA",
    "usa": "US",
    "u.s.a.": "US",
    "u.s.": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
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
    "korea, south": "KR",
    "north korea": "KP",
    "korea, north": "KP",
    "vietnam": "VN",
    "taiwan": "TW",
    "turkey": "TR",
    "macedonia": "MK",
    "republic of macedonia": "MK",
    "former yugoslav republic of macedonia": "MK",
    "fyrom": "MK",
    "uae": "AE",
    "deutschland": "DE",
    # former names
    "swaziland": "SZ",
    "kingdom of swaziland": "SZ",
    "burma": "MM",
    "zaire": "CD",
    "east timor": "TL",
    "ceylon": "LK",
    "cape verde": "CV",
    "byelorussia": "BY",
    "belorussia": "BY",
    # common English names and spellings
    "democratic republic of the congo": "CD",
    "democratic republic of congo": "CD",
    "dr congo": "CD",
    "drc": "CD",
    "congo (drc)": "CD",
    "congo-kinshasa": "CD",
    "republic of the congo": "CG",
    "republic of congo": "CG",
    "congo-brazzaville": "CG",
    "congo (republic)": "CG",
    "ivory coast": "CI",
    "timor leste": "TL",
    "vatican": "VA",
    "vatican city": "VA",
    "holy see": "VA",
    "macau": "MO",
    "palestine": "PS",
    "brunei": "BN",
    "laos": "LA",
    "st maarten": "SX",
    "micronesia": "FM",
    "european community": "EU",
    "european union": "EU",
    "channel islands": "XC",
    "unspecified": "ZZ",
    "unknown": "ZZ",
}

# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l", "þ": "th",
     "ı": "i", "’": "'", "‘": "'", "`": "'", "´": "'", "&": " and "}
)  # fmt: skip
_DASHES = re.compile(r"[\u2010-\u2015\-]")


def name_key(value: str) -> str:
    """The folded form of a country name under which it is looked up.

    Case, accents, curly apostrophes, dots and dashes are folded, ``&`` reads
    ``and``, a leading "the" and spacing are dropped, ``St`` reads ``Saint``.

    Examples
    --------
    >>> name_key("Côte d’Ivoire"), name_key("  St. Kitts & Nevis ")
    ("cote d'ivoire", 'saint kitts and nevis')
    >>> name_key("U.S.A."), name_key("Congo - Kinshasa"), name_key("The Gambia")
    ('usa', 'congo kinshasa', 'gambia')
    """
    text = unicodedata.normalize("NFKD", value.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _DASHES.sub(" ", text.translate(_UNDECOMPOSED).replace(".", ""))
    words = text.split()
    if words[:1] == ["the"] and len(words) > 1:
        words = words[1:]
    return " ".join("saint" if w == "st" else w for w in words)


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
def _countries() -> dict[str, Country]:
    """Every ISO country and pseudo-country by code."""
    found = {
        c.alpha_2: Country(c.alpha_2, getattr(c, "common_name", c.name))
        for c in pycountry.countries
    }
    return found | {
        code: Country(code, name) for code, name in PSEUDO_COUNTRIES.items()
    }


@functools.cache
def _index() -> dict[str, Country]:
    """Folded name -> country; the highest level claiming a name decides, and a
    name two countries claim there resolves to neither (see the module docstring)."""
    countries = _countries()
    levels = [ALIASES.items(), _codes(), _iso_names(), _cldr_names(countries)]
    table: dict[str, Country] = {}
    for pairs in reversed(levels):
        claims: dict[str, set[str]] = {}
        for name, code in pairs:
            claims.setdefault(name_key(name), set()).add(code)
        for key, codes in claims.items():
            if len(codes) == 1:
                table[key] = countries[codes.pop()]
            else:
                table.pop(key, None)
    return table


def _codes() -> Iterable[tuple[str, str]]:
    for c in pycountry.countries:
        yield c.alpha_2, c.alpha_2
        yield c.alpha_3, c.alpha_2
    for code in PSEUDO_COUNTRIES:
        yield code, code


def _iso_names() -> Iterable[tuple[str, str]]:
    """ISO short, common and official names, and inverted ones turned round."""
    for c in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(c, attribute, None)
            if name is None:
                continue
            yield name, c.alpha_2
            head, comma, tail = name.partition(", ")
            if comma and tail.endswith((" of", " of the")):
                yield f"{tail} {head}", c.alpha_2


def _cldr_names(countries: Mapping[str, Country]) -> Iterable[tuple[str, str]]:
    """English territory names of the Unicode CLDR, for ISO countries only."""
    from babel import Locale  # its locale data loads on first use

    for code, name in Locale("en").territories.items():
        if code in countries and code not in PSEUDO_COUNTRIES:
            yield name, code


def resolve_country(
    value: str | None, *, aliases: Mapping[str, str] | None = None
) -> Country | None:
    """Resolve an export's country value exactly, or return ``None`` if unmapped.

    Parameters
    ----------
    value : str or None
        What the export wrote: a code, a name or an alias. Empty means ``ZZ``.
    aliases : mapping of str to str, optional
        Extra aliases that win over every built-in name: folded name (see
        :func:`fold_aliases`) -> ISO code.

    Examples
    --------
    >>> resolve_country("EIRE").code, resolve_country("usa").code
    ('IE', 'US')
    >>> resolve_country("Swaziland").code, resolve_country("Cote d'Ivoire").code
    ('SZ', 'CI')
    >>> resolve_country("Channel Islands").is_pseudo
    True
    >>> resolve_country("Narnia") is None
    True
    >>> resolve_country("Narnia", aliases=fold_aliases({"Narnia": "GB"})).code
    'GB'
    """
    if value is None or not value.strip():
        return _countries()["ZZ"]
    key = name_key(value)
    if aliases and key in aliases:
        return _countries().get(aliases[key])
    return _index().get(key)


def fold_aliases(aliases: Mapping[str, str]) -> dict[str, str]:
    """Check a seller's aliases (name -> code or known name) and fold their names.

    Raises
    ------
    DataValidationError
        If an alias points to something that is not a known country; the message
        names the alias and what it points to.

    Examples
    --------
    >>> fold_aliases({"Holland ": "NL", "U.K.": "United Kingdom"})
    {'holland': 'NL', 'uk': 'GB'}
    """
    folded: dict[str, str] = {}
    for name, target in aliases.items():
        country = resolve_country(str(target)) if str(target).strip() else None
        if country is None or not str(name).strip():
            raise DataValidationError(
                f"country alias {name!r}: {target!r} is not a known country; expected"
                " an ISO code such as DE (or ZZ for unknown)"
            )
        folded[name_key(str(name))] = country.code
    return folded


def require_country(code: str) -> str:
    """The upper-cased ISO 3166-1 alpha-2 code of one country, or an error.

    For a destination or origin the seller types (``landed-cost --country``), where
    an unknown code must be named as such, not reported as a missing lane.

    Raises
    ------
    DataValidationError
        If ``code`` is not an ISO country code, or is a pseudo-code (``EU``).

    Examples
    --------
    >>> require_country("fr")
    'FR'
    >>> require_country("XQ")
    Traceback (most recent call last):
    ...
    tradepilot.domain.errors.DataValidationError: country 'XQ' is not an ISO 3166-1 country code (such as DE, FR or US)
    """
    upper = code.strip().upper()
    country = _countries().get(upper)
    if country is None:
        raise DataValidationError(
            f"country {upper!r} is not an ISO 3166-1 country code (such as DE, FR or US)"
        )
    if country.is_pseudo:
        raise DataValidationError(
            f"country {upper!r} is not one country ({country.name}); give an ISO"
            " 3166-1 code such as DE"
        )
    return upper


def country_name(code: str) -> str:
    """Name of an alpha-2 code or pseudo-code; the code itself if unknown."""
    country = _countries().get(code.upper())
    return country.name if country else code
