"""Message text for analysis: HTML reduced to text, quoted history and signatures
stripped.

Pure functions over strings; the quote and sign-off markers cover the languages
replies are drafted in (en, de, fr, es, it, nl, pl, sv).

Examples
--------
>>> html_to_text("<p>Hello&nbsp;<b>there</b></p><p>Bye</p>")
'Hello there\\n\\nBye'
>>> strip_quoted("Where is it?\\n\\nOn Mon, Ann wrote:\\n> old text")
'Where is it?'
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

_BLOCKS = frozenset(
    "p div br tr li h1 h2 h3 h4 h5 h6 table ul ol blockquote pre hr section".split()
)
_SKIPPED = frozenset({"script", "style", "head", "title"})


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip += 1
        elif tag == "blockquote":
            self._quote += 1
        if tag in _BLOCKS:
            self.parts.append("\n\n" if tag == "p" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip = max(0, self._skip - 1)
        elif tag == "blockquote":
            self._quote = max(0, self._quote - 1)
        if tag in _BLOCKS and tag != "br":
            self.parts.append("\n\n" if tag == "p" else "\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        text = re.sub(r"\s+", " ", data)
        if self._quote:  # quoted history in HTML mail: mark it as a text quote
            text = "\n".join("> " + line for line in text.splitlines() if line)
        self.parts.append(text)


def html_to_text(html: str) -> str:
    """The readable text of an HTML body: paragraphs kept, tags, scripts and styles
    dropped, entities decoded, blockquotes marked as ``>`` quotes."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    text = unescape("".join(parser.parts)).replace("\xa0", " ")
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# "On <date>, <name> wrote:" and its translations; Outlook's header block.
_QUOTE_HEADERS = re.compile(
    r"^\s*("
    r"On .{0,200}wrote:?"
    r"|Am .{0,200}schrieb.{0,80}:?"
    r"|Le .{0,200}a [ée]crit\s*:?"
    r"|El .{0,200}escribi[óo]\s*:?"
    r"|Il .{0,200}ha scritto\s*:?"
    r"|Op .{0,200}schreef.{0,80}:?"
    r"|W dniu .{0,200}napisa[łl](a)?\s*:?"
    r"|Den .{0,200}skrev.{0,80}:?"
    r"|-{2,}\s*(Original Message|Urspr[üu]ngliche Nachricht|Message d'origine"
    r"|Mensaje original|Messaggio originale|Oorspronkelijk bericht"
    r"|Oryginalna wiadomo[śs][ćc]|Ursprungligt meddelande)\s*-{2,}"
    r"|_{10,}"
    r"|(From|Von|De|Da|Van|Od|Fr[åa]n)\s*:\s.*@.*"
    r")\s*$",
    re.IGNORECASE,
)
_SIGNATURE_DELIMITER = re.compile(r"^(--|—|__)\s*$")
_SENT_FROM = re.compile(
    r"^(Sent from my|Von meinem .* gesendet|Envoy[ée] de mon|Enviado desde mi"
    r"|Inviato da|Verzonden (met|vanaf) mijn|Wys[łl]ane z|Skickat fr[åa]n)\b",
    re.IGNORECASE,
)
_SIGN_OFFS = re.compile(
    r"^(best( regards)?|kind regards|regards|thanks?( you)?( so much)?|cheers"
    r"|sincerely|yours( sincerely| truly)?|many thanks"
    r"|mit freundlichen gr[üu][ßs]en|viele gr[üu][ßs]e|liebe gr[üu][ßs]e|gr[üu][ßs]e|lg|mfg"
    r"|danke( sch[öo]n)?|cordialement|bien [àa] vous|merci( beaucoup)?"
    r"|salutations( distingu[ée]es)?|un saludo|saludos( cordiales)?|atentamente"
    r"|gracias|cordiali saluti|distinti saluti|saluti|grazie( mille)?"
    r"|met vriendelijke groet(en)?|groet(en|jes)?|bedankt|dank je( wel)?"
    r"|z powa[żz]aniem|pozdrawiam|pozdrowienia|dzi[ęe]kuj[ęe]"
    r"|med v[äa]nliga h[äa]lsningar|v[äa]nliga h[äa]lsningar|mvh|h[äa]lsningar|tack)"
    r"[\s,.!]*$",
    re.IGNORECASE,
)
SIGN_OFF_TAIL_LINES = 4  # a sign-off is followed by at most a name and a few lines


def strip_quoted(text: str) -> str:
    """``text`` without the quoted history: ``>`` lines and everything from a
    reply header ("On ... wrote:", "Am ... schrieb", "-----Original Message-----",
    ...) on."""
    kept: list[str] = []
    for line in text.splitlines():
        if _QUOTE_HEADERS.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def strip_signature(text: str) -> str:
    """``text`` without its signature: from a ``-- `` line, a "Sent from my phone"
    line, or a sign-off ("Best regards", "Mit freundlichen Grüßen", ...) followed by
    at most :data:`SIGN_OFF_TAIL_LINES` lines.

    Examples
    --------
    >>> strip_signature("Wo ist mein Paket?\\n\\nViele Grüße\\nAnna Schmidt")
    'Wo ist mein Paket?'
    """
    lines = text.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if _SIGNATURE_DELIMITER.match(line) or _SENT_FROM.match(stripped):
            return "\n".join(lines[:i]).strip()
        tail = [x for x in lines[i + 1 :] if x.strip()]
        if i > 0 and _SIGN_OFFS.match(stripped) and len(tail) <= SIGN_OFF_TAIL_LINES:
            return "\n".join(lines[:i]).strip()
    return text.strip()


def clean_text(body: str) -> str:
    """The text triage reads: quoted history, then the signature, stripped."""
    return strip_signature(strip_quoted(body))
