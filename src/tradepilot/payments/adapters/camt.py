"""Bank statements as ISO 20022 CAMT.053 XML (``BkToCstmrStmt``), read with the
standard library and turned into the same bank lines as the CSV import.

``tradepilot import bank statement.xml`` reads a file that starts with ``<``
(an XML declaration or ``<Document``) this way; a CSV goes through
:mod:`tradepilot.payments.adapters.bank`, which parses both tables. Per ``Stmt/Ntry`` (one bank line each):

======================================  =========================================
``Amt`` and its ``Ccy`` attribute       amount and currency
``CdtDbtInd``                           ``CRDT`` money in (+), ``DBIT`` out (-)
``Sts`` (or ``Sts/Cd``)                 only ``BOOK`` entries are lines; pending
                                        (``PDNG``) and information (``INFO``) ones
                                        are quarantined with the reason
``BookgDt/Dt`` (or ``DtTm``)            booking date
``ValDt/Dt``                            value date
``NtryDtls/TxDtls/RltdPties``           counterparty: the debtor's ``Nm`` of a
                                        credit, the creditor's of a debit
``NtryDtls/TxDtls/RmtInf/Ustrd``        description (every one, joined), else
                                        ``AddtlNtryInf``
``Refs/EndToEndId``, ``AcctSvcrRef``    reference (``NOTPROVIDED`` ignored)
======================================  =========================================

Namespaces are ignored (``camt.053.001.02`` to ``.13`` share these paths). A file
with a DOCTYPE is refused (no entity expansion).
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import polars as pl

from tradepilot.domain.errors import ImportFormatError
from tradepilot.ingest.files import ROW, RawTable, read_table

COLUMNS = ("Booking Date", "Value Date", "Amount", "Currency", "Counterparty",
           "Description", "Reference", "Status", "Account")  # fmt: skip


def is_xml(data: bytes) -> bool:
    """Whether the bytes look like an XML document (not a CSV)."""
    head = data[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<")


def read_statement(path: Path) -> RawTable:
    """A CAMT.053 file as a table of :data:`COLUMNS` (one row per entry), or any
    other file as CSV/TSV/XLSX.

    Raises
    ------
    ImportFormatError
        If the XML is malformed, has a DOCTYPE, or holds no statement entries.
    """
    if not path.is_file():
        raise ImportFormatError(f"{path}: no such file")
    data = path.read_bytes()
    if not is_xml(data):
        return read_table(path)
    if b"<!DOCTYPE" in data[:4096].upper():
        raise ImportFormatError(f"{path.name}: an XML file with a DOCTYPE is refused")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ImportFormatError(f"{path.name} is not well-formed XML: {exc}") from None
    rows = [
        _entry(entry, _account(stmt))
        for stmt in _all(root, "Stmt")
        for entry in _children(stmt, "Ntry")
    ]
    if not rows:
        raise ImportFormatError(
            f"{path.name} is XML but not a CAMT.053 bank statement with entries:"
            f" expected Document/BkToCstmrStmt/Stmt/Ntry, found root"
            f" {_local(root.tag)!r} with {', '.join(sorted({_local(c.tag) for c in root}))}"
        )
    frame = pl.DataFrame(rows, schema=dict.fromkeys(COLUMNS, pl.String), orient="row")
    frame = frame.with_columns(
        pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias(ROW)
    )
    return RawTable(frame=frame, name=path.name,
                    sha256=hashlib.sha256(data).hexdigest(), encoding="xml")  # fmt: skip


def split_booked(table: RawTable) -> tuple[RawTable, list[tuple[int, str]]]:
    """The table of a CAMT file's booked entries, and the others with why."""
    status = pl.col("Status")
    booked = table.frame.filter(status == "BOOK")
    others = table.frame.filter(status.is_null() | (status != "BOOK"))
    bad = [
        (int(number), f"entry status {value!r} is not BOOK (booked)")
        for number, value in others.select(ROW, "Status").iter_rows()
    ]
    return replace(table, frame=booked), bad


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(node: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in node if _local(c.tag) == name]


def _all(node: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in node.iter() if _local(c.tag) == name]


def _find(node: ET.Element | None, *path: str) -> ET.Element | None:
    for name in path:
        if node is None:
            return None
        node = next(iter(_children(node, name)), None)
    return node


def _text(node: ET.Element | None, *path: str) -> str | None:
    found = _find(node, *path)
    text = None if found is None or found.text is None else found.text.strip()
    return text or None


def _account(stmt: ET.Element) -> str | None:
    return _text(stmt, "Acct", "Id", "IBAN") or _text(stmt, "Acct", "Id", "Othr", "Id")


def _day(entry: ET.Element, name: str) -> str | None:
    when = _text(entry, name, "Dt") or _text(entry, name, "DtTm")
    return when[:10] if when else None


def _entry(entry: ET.Element, account: str | None) -> list[str | None]:
    amount = _find(entry, "Amt")
    value = _text(entry, "Amt")
    debit = _text(entry, "CdtDbtInd") == "DBIT"
    if value is not None and debit:
        value = f"-{value}"
    details = _all(entry, "TxDtls")
    party = "Dbtr" if not debit else "Cdtr"
    counterparty = next(
        (n for d in details
         if (n := _text(d, "RltdPties", party, "Nm") or _text(d, "RltdPties", party, "Pty", "Nm"))),
        None,
    )  # fmt: skip
    texts = [u.text.strip() for d in details for u in _all(d, "Ustrd") if u.text]
    description = " ".join(texts) or _text(entry, "AddtlNtryInf")
    refs = [_text(d, "Refs", "EndToEndId") for d in details]
    refs.append(_text(entry, "AcctSvcrRef"))
    reference = next((r for r in refs if r and r.upper() != "NOTPROVIDED"), None)
    status = _text(entry, "Sts", "Cd") or _text(entry, "Sts")
    currency = None if amount is None else amount.get("Ccy")
    return [_day(entry, "BookgDt"), _day(entry, "ValDt"), value, currency,
            counterparty, description, reference, status, account]  # fmt: skip
