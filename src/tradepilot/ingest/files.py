"""Reading a source file into a table of text cells, with clear errors.

Every importer starts here: the file is sniffed (CSV/TSV, XLSX, gzip), decoded
(UTF-8, UTF-8 with BOM, or Windows-1252), parsed with every cell kept as text, and its
header checked against what the importer needs. Anything else — an empty file, a PDF,
a ZIP that is not a workbook, a header without the required columns — raises
:class:`~tradepilot.domain.errors.ImportFormatError` with a message that names what
was expected and what was found.

A file cut off mid-row (a download or copy that stopped early: the last row has
fewer fields than the header, or ends inside a quoted field; or a gzip stream that
stops before its end) is read up to the cut: :attr:`RawTable.truncated` is set, and
the partial last row is kept as the table's last row and named by
:attr:`RawTable.partial_row`, for the import to quarantine rather than parse.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import fastexcel
import polars as pl

from tradepilot.domain.errors import ImportFormatError

ROW = "_row"  # 1-based row number as a spreadsheet shows it (the header is row 1)
_BOM = b"\xef\xbb\xbf"

_SIGNATURES = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"SQLite format 3": "a SQLite database",
    b"\xd0\xcf\x11\xe0": "an old Excel 97-2003 (.xls) workbook; save it as .xlsx or CSV",
}


@dataclass(frozen=True)
class RawTable:
    """A source file's rows, every cell as text.

    Attributes
    ----------
    frame : polars.DataFrame
        One String column per source column (header names stripped) plus ``_row``.
    name : str
        File name, as recorded in import runs and quarantine.
    sha256 : str
        Hash of the file's bytes.
    encoding : str
        ``utf-8``, ``utf-8-sig``, ``windows-1252`` or ``xlsx``.
    truncated : bool
        The file was cut off: it ends in the middle of a row, or its gzip stream
        stops before its end.
    partial_row : int or None
        ``_row`` of the cut-off last row (its cells as far as the file goes), or
        None when every row is whole.
    partial_detail : str
        How the partial row is cut (``3 of 47 fields``, ``inside a quoted field``).
    """

    frame: pl.DataFrame
    name: str
    sha256: str
    encoding: str
    truncated: bool = False
    partial_row: int | None = None
    partial_detail: str = ""

    @property
    def columns(self) -> list[str]:
        """Source column names, without ``_row``."""
        return [c for c in self.frame.columns if c != ROW]

    def complete(self) -> RawTable:
        """This table without its partial row (itself when every row is whole)."""
        if self.partial_row is None:
            return self
        whole = self.frame.filter(pl.col(ROW) != self.partial_row)
        return replace(self, frame=whole, partial_row=None, partial_detail="")


def read_table(path: Path, *, separator: str | None = None) -> RawTable:
    """Read ``path`` (CSV, TSV, XLSX, optionally gzipped) as text cells.

    Parameters
    ----------
    path : Path
        The file.
    separator : str, optional
        Field separator; sniffed from the header line when omitted.

    Raises
    ------
    ImportFormatError
        If the file is missing, empty, of another format, or cannot be parsed.
    """
    if not path.is_file():
        raise ImportFormatError(f"{path}: no such file")
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    cut = False
    detail = ""
    fast = _read_whole_gzip_csv(path, data, separator)
    if fast is not None:
        frame, encoding = fast
    else:
        if data[:2] == b"\x1f\x8b":
            data, cut = _gunzip(path, data)
        frame, encoding, detail = _read_bytes(path, data, separator)
    if frame.height == 0:
        raise ImportFormatError(f"{path.name}: the file has a header but no data rows")
    frame = frame.rename({c: c.strip() for c in frame.columns})
    frame = frame.with_columns(
        pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(ROW)
    )
    return RawTable(
        frame=frame,
        name=path.name,
        sha256=sha,
        encoding=encoding,
        truncated=cut or bool(detail),
        partial_row=frame.height + 1 if detail else None,
        partial_detail=detail,
    )


def _read_bytes(
    path: Path, data: bytes, separator: str | None
) -> tuple[pl.DataFrame, str, str]:
    """The rows of an uncompressed file, its encoding, and how its last row is cut
    ("" if it is whole)."""
    if not data or data.isspace():
        raise ImportFormatError(f"{path.name}: the file is empty")
    if data[:2] == b"PK":
        return _read_xlsx(path, data), "xlsx", ""
    _refuse_binary(path, data)
    utf8, encoding = _decode(data)
    frame, detail = _read_text(path, utf8, separator or _sniff_separator(utf8))
    return frame, encoding, detail


def _read_whole_gzip_csv(
    path: Path, data: bytes, separator: str | None
) -> tuple[pl.DataFrame, str] | None:
    """The rows of a gzipped UTF-8 CSV that is certainly whole, and its encoding;
    None for anything else, which the careful path reads (and names what is wrong).

    polars inflates the file itself, several times faster than :mod:`zlib`, and
    refuses a stream that stops early or fails its checksum, text that is not
    UTF-8 and a quote left open. A last row with fewer fields than the header would
    read with empty cells, so a table whose last cell is empty is left to the
    careful path too, which looks at the text.
    """
    if data[:2] != b"\x1f\x8b":
        return None
    try:
        head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, 65536)
    except zlib.error:
        return None
    if not head or head.isspace() or head[:2] == b"PK":
        return None
    _refuse_binary(path, head)
    encoding = "utf-8-sig" if head.startswith(_BOM) else "utf-8"
    try:
        frame = pl.read_csv(
            data,
            separator=separator or _sniff_separator(head.removeprefix(_BOM)),
            infer_schema=False,
        )
    except (pl.exceptions.PolarsError, OSError):
        return None
    if frame.height == 0 or frame[-1, frame.width - 1] is None:
        return None
    return frame, encoding


def _gunzip(path: Path, data: bytes) -> tuple[bytes, bool]:
    """The decompressed bytes, and whether the stream stops before its end (a file
    cut off: what it holds is returned, to be read up to the cut)."""
    parts = []
    rest = data
    while rest[:2] == b"\x1f\x8b":
        member = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            parts.append(member.decompress(rest))
        except zlib.error as exc:
            raise ImportFormatError(
                f"{path.name}: a damaged gzip file ({exc})"
            ) from None
        if not member.eof:
            data = b"".join(parts)
            if not data:
                raise ImportFormatError(
                    f"{path.name}: a damaged gzip file (it stops before any data)"
                )
            return data, True
        rest = member.unused_data
    if rest.strip(b"\x00"):
        raise ImportFormatError(
            f"{path.name}: a damaged gzip file (unexpected bytes after its end)"
        )
    return b"".join(parts), False


def _refuse_binary(path: Path, data: bytes) -> None:
    for signature, what in _SIGNATURES.items():
        if data.startswith(signature):
            raise ImportFormatError(
                f"{path.name}: expected a CSV or XLSX file, found {what}"
            )
    if b"\x00" in data[:8192]:
        raise ImportFormatError(
            f"{path.name}: expected a CSV or XLSX file, found binary data"
            " (or UTF-16 text: save it as UTF-8)"
        )


def _decode(data: bytes) -> tuple[bytes, str]:
    """The file as UTF-8 bytes, and the encoding it was found in."""
    bom = data.startswith(_BOM)
    body = data[3:] if bom else data
    encoding = "utf-8-sig" if bom else "utf-8"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":  # cut off inside a character
            return body[: exc.start], encoding
        # Windows-1252 is what Excel on Windows writes; it decodes all but 5 bytes.
        return body.decode("windows-1252", errors="replace").encode(), "windows-1252"
    return body, encoding


def _sniff_separator(data: bytes) -> str:
    end = data.find(b"\n")
    header = data[: end if end >= 0 else len(data)].decode(errors="replace")
    counts = {sep: header.count(sep) for sep in (",", "\t", ";", "|")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def _read_text(path: Path, data: bytes, separator: str) -> tuple[pl.DataFrame, str]:
    """The rows of a CSV/TSV text, and how its last row is cut ("" if it is whole).

    A cut-off last row is parsed on its own, as far as it goes, and appended: the
    parser would refuse the whole file for its unterminated quote, or read its
    missing fields as empty cells.
    """
    body, tail = _last_record(data)
    if tail is None:
        return _read_csv(path, data, separator), ""
    frame = _read_csv(path, body, separator)
    fields = next(csv.reader(io.StringIO(tail.decode()), delimiter=separator), [])
    if tail.count(b'"') % 2 == 1:
        detail = "inside a quoted field"
    elif len(fields) < frame.width:
        detail = f"{len(fields)} of {frame.width} fields"
    else:  # a whole last row, only without a line break after it
        return _read_csv(path, data, separator), ""
    cells = [value or None for value in fields[: frame.width]]
    cells += [None] * (frame.width - len(cells))
    partial = pl.DataFrame([cells], schema=frame.schema, orient="row")
    return pl.concat([frame, partial]), detail


def _last_record(data: bytes) -> tuple[bytes, bytes | None]:
    """Split off the last record of a text unless it certainly ends whole.

    A text that ends with a line break, outside quotes, ends whole: returns
    ``(data, None)``. Otherwise returns the text up to the last line break outside
    quotes, and the record after it (the header alone is never split off).
    """
    quotes = data.count(b'"')
    if quotes % 2 == 0 and data.endswith(b"\n"):
        return data, None
    end = len(data)
    while (newline := data.rfind(b"\n", 0, end)) >= 0:
        if (quotes - data.count(b'"', newline)) % 2 == 0:
            return data[: newline + 1], data[newline + 1 :]
        end = newline
    return data, None


def _read_csv(path: Path, data: bytes, separator: str) -> pl.DataFrame:
    try:
        return pl.read_csv(data, separator=separator, infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ImportFormatError(
            f"{path.name}: not a readable CSV file ({first})"
        ) from None


def _read_xlsx(path: Path, data: bytes) -> pl.DataFrame:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        raise ImportFormatError(f"{path.name}: a damaged ZIP/XLSX file") from None
    if "xl/workbook.xml" not in names:
        raise ImportFormatError(
            f"{path.name}: expected a CSV or XLSX file, found a ZIP archive"
            f" holding {', '.join(names[:5])}"
        )
    try:
        frame = pl.read_excel(io.BytesIO(data), infer_schema_length=0)
    except (fastexcel.FastExcelError, pl.exceptions.PolarsError) as exc:
        raise ImportFormatError(f"{path.name}: unreadable workbook ({exc})") from None
    assert isinstance(frame, pl.DataFrame)
    return frame.select(pl.all().cast(pl.String))


def require_columns(
    table: RawTable, required: Mapping[str, Sequence[str]], *, what: str
) -> dict[str, str]:
    """Map each canonical field to the source column that carries it.

    Parameters
    ----------
    table : RawTable
        The file as read.
    required : mapping of str to sequence of str
        Canonical field -> accepted header names, in order of preference.
    what : str
        Name of the expected format, used in the message.

    Returns
    -------
    dict
        Canonical field -> the header name found.

    Raises
    ------
    ImportFormatError
        Naming every missing column and listing the columns found.
    """
    found: dict[str, str] = {}
    missing: list[str] = []
    lowered = {c.lower(): c for c in table.columns}
    for field, names in required.items():
        match = next((lowered[n.lower()] for n in names if n.lower() in lowered), None)
        if match is None:
            missing.append(" or ".join(repr(n) for n in names))
        else:
            found[field] = match
    if missing:
        raise ImportFormatError(
            f"{table.name} is not {what}: missing column(s) {', '.join(missing)};"
            f" found: {', '.join(table.columns[:30])}"
        )
    return found


def optional_columns(table: RawTable, names: Iterable[str]) -> dict[str, str]:
    """Map each of ``names`` found in the header, in any case, to its header name.

    Parameters
    ----------
    table : RawTable
        The file as read.
    names : iterable of str
        Optional column names; those absent from the header are left out.

    Returns
    -------
    dict
        Name as given -> the header name found, in the order of ``names``.

    Examples
    --------
    >>> frame = pl.DataFrame({"SKU": ["A"], "Mode": ["sea"]})
    >>> table = RawTable(frame=frame, name="po.csv", sha256="", encoding="utf-8")
    >>> optional_columns(table, ["mode", "warehouse"])
    {'mode': 'Mode'}
    """
    lowered = {c.lower(): c for c in table.columns}
    return {name: lowered[name.lower()] for name in names if name.lower() in lowered}
