"""Names, cities and postal codes used to make customers and addresses.

Postal-code patterns use ``#`` for a random digit and ``@`` for a random capital
letter; every other character is kept as is.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "de": ("Anna", "Lukas", "Lena", "Jonas", "Marie", "Felix", "Sophie", "Jürgen"),
    "fr": ("Camille", "Louis", "Léa", "Hugo", "Chloé", "Jules", "Manon", "Élodie"),
    "en": ("Emma", "Oliver", "Olivia", "James", "Amelia", "Jack", "Grace", "Liam"),
    "nl": ("Sanne", "Daan", "Femke", "Bram", "Lotte", "Sem", "Eva", "Thijs"),
    "it": (
        "Giulia",
        "Marco",
        "Chiara",
        "Luca",
        "Francesca",
        "Matteo",
        "Sara",
        "Nicolò",
    ),
    "es": ("Lucía", "Hugo", "María", "Pablo", "Carmen", "Javier", "Sofía", "Álvaro"),
    "nordic": ("Astrid", "Erik", "Ingrid", "Lars", "Sofie", "Mikkel", "Aino", "Björn"),
    "pl": ("Zofia", "Jakub", "Anna", "Piotr", "Katarzyna", "Michał", "Magda", "Łukasz"),
    "ja": ("Yuki", "Haruto", "Sakura", "Ren", "Aoi", "Sota", "Hina", "Daiki"),
}

LAST_NAMES: dict[str, tuple[str, ...]] = {
    "de": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Wagner"),
    "fr": ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard"),
    "en": ("Smith", "Jones", "Taylor", "Brown", "Williams", "O'Connor", "Wilson"),
    "nl": ("de Jong", "Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit"),
    "it": ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo"),
    "es": ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Ruiz"),
    "nordic": ("Andersson", "Nielsen", "Hansen", "Johansson", "Virtanen", "Larsen"),
    "pl": ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski"),
    "ja": ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto"),
}

CITIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "DE": (
        ("Berlin", "", "10###"),
        ("Hamburg", "", "2####"),
        ("München", "", "80###"),
        ("Köln", "", "50###"),
        ("Leipzig", "", "04###"),
    ),
    "FR": (
        ("Paris", "", "750##"),
        ("Lyon", "", "6900#"),
        ("Marseille", "", "130##"),
        ("Toulouse", "", "310##"),
        ("Bordeaux", "", "330##"),
    ),
    "GB": (
        ("London", "", "SW# #@@"),
        ("Manchester", "", "M# #@@"),
        ("Birmingham", "", "B# #@@"),
        ("Leeds", "", "LS# #@@"),
        ("Edinburgh", "", "EH# #@@"),
    ),
    "US": (
        ("New York", "NY", "100##"),
        ("Los Angeles", "CA", "900##"),
        ("Chicago", "IL", "606##"),
        ("Houston", "TX", "770##"),
        ("Seattle", "WA", "981##"),
    ),
    "NL": (
        ("Amsterdam", "", "10## @@"),
        ("Rotterdam", "", "30## @@"),
        ("Utrecht", "", "35## @@"),
        ("Den Haag", "", "25## @@"),
    ),
    "IT": (
        ("Roma", "", "001##"),
        ("Milano", "", "201##"),
        ("Torino", "", "101##"),
        ("Napoli", "", "801##"),
    ),
    "ES": (
        ("Madrid", "", "280##"),
        ("Barcelona", "", "080##"),
        ("Valencia", "", "460##"),
        ("Sevilla", "", "410##"),
    ),
    "AT": (
        ("Wien", "", "1##0"),
        ("Graz", "", "80##"),
        ("Linz", "", "40##"),
        ("Salzburg", "", "50##"),
    ),
    "BE": (
        ("Bruxelles", "", "10##"),
        ("Antwerpen", "", "20##"),
        ("Gent", "", "90##"),
        ("Liège", "", "40##"),
    ),
    "CH": (
        ("Zürich", "", "80##"),
        ("Genève", "", "12##"),
        ("Basel", "", "40##"),
        ("Bern", "", "30##"),
    ),
    "SE": (
        ("Stockholm", "", "11# ##"),
        ("Göteborg", "", "41# ##"),
        ("Malmö", "", "21# ##"),
    ),
    "AU": (
        ("Sydney", "NSW", "20##"),
        ("Melbourne", "VIC", "30##"),
        ("Brisbane", "QLD", "40##"),
        ("Perth", "WA", "60##"),
    ),
    "CA": (
        ("Toronto", "ON", "M#@ #@#"),
        ("Vancouver", "BC", "V#@ #@#"),
        ("Montréal", "QC", "H#@ #@#"),
        ("Calgary", "AB", "T#@ #@#"),
    ),
    "DK": (("København", "", "1###"), ("Aarhus", "", "80##"), ("Odense", "", "50##")),
    "PL": (
        ("Warszawa", "", "0#-###"),
        ("Kraków", "", "3#-###"),
        ("Wrocław", "", "5#-###"),
        ("Gdańsk", "", "80-###"),
    ),
    "IE": (
        ("Dublin", "", "D0# @###"),
        ("Cork", "", "T12 @###"),
        ("Galway", "", "H91 @###"),
    ),
    "JP": (
        ("Tokyo", "Tokyo", "1##-####"),
        ("Osaka", "Osaka", "5##-####"),
        ("Yokohama", "Kanagawa", "22#-####"),
        ("Sapporo", "Hokkaido", "06#-####"),
    ),
    "NO": (("Oslo", "", "0###"), ("Bergen", "", "50##"), ("Trondheim", "", "70##")),
    "FI": (("Helsinki", "", "00###"), ("Espoo", "", "02###"), ("Tampere", "", "33###")),
}

EMAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "gmx.net")

_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


@dataclass(frozen=True, slots=True)
class Addresses:
    """Person names and postal addresses, one entry per requested person."""

    first_name: list[str]
    last_name: list[str]
    city: list[str]
    region: list[str]
    postal_code: list[str]


def draw_addresses(
    rng: np.random.Generator, countries: list[str], languages: list[str]
) -> Addresses:
    """Draw a name and an address in each given country.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    countries : list of str
        ISO alpha-2 country of each person.
    languages : list of str
        Name pool of each person (same length as ``countries``).

    Returns
    -------
    Addresses
        Lists as long as ``countries``.
    """
    n = len(countries)
    picks = rng.integers(0, 1 << 30, size=(n, 3))
    digits = rng.integers(0, 10, size=(n, 8))
    letters = rng.integers(0, len(_LETTERS), size=(n, 8))
    out = Addresses([], [], [], [], [])
    for i, (country, language) in enumerate(zip(countries, languages, strict=True)):
        firsts, lasts, cities = (
            FIRST_NAMES[language],
            LAST_NAMES[language],
            CITIES[country],
        )
        city, region, pattern = cities[picks[i, 2] % len(cities)]
        out.first_name.append(firsts[picks[i, 0] % len(firsts)])
        out.last_name.append(lasts[picks[i, 1] % len(lasts)])
        out.city.append(city)
        out.region.append(region)
        out.postal_code.append(fill_pattern(pattern, digits[i], letters[i]))
    return out


def fill_pattern(pattern: str, digits: np.ndarray, letters: np.ndarray) -> str:
    """Replace ``#`` and ``@`` in a postal-code pattern.

    Parameters
    ----------
    pattern : str
        Pattern such as ``"SW# #@@"``.
    digits, letters : numpy.ndarray
        Random digits (0-9) and letter indices, at least as many as placeholders.

    Returns
    -------
    str
        The filled code.

    Examples
    --------
    >>> import numpy as np
    >>> fill_pattern("SW# #@@", np.array([1, 2]), np.array([0, 1]))
    'SW1 2AB'
    """
    chars: list[str] = []
    n_digits = n_letters = 0
    for char in pattern:
        if char == "#":
            chars.append(str(int(digits[n_digits])))
            n_digits += 1
        elif char == "@":
            chars.append(_LETTERS[int(letters[n_letters])])
            n_letters += 1
        else:
            chars.append(char)
    return "".join(chars)


def email_address(first: str, last: str, number: int, domain: str) -> str:
    """Build a plausible ASCII e-mail address from a name.

    Examples
    --------
    >>> email_address("Jürgen", "O'Connor", 7, "gmx.net")
    'jurgen.oconnor7@gmx.net'
    """
    local = f"{_ascii(first)}.{_ascii(last)}{number}"
    return f"{local}@{domain}"


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in folded if c.isascii() and c.isalnum()).lower()
