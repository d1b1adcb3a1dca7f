"""Importers: one small adapter per source format, one loader per canonical table.

An adapter turns a :class:`~tradepilot.ingest.files.RawTable` (every cell as text)
into a canonical frame with a ``_reason`` column; the loader quarantines the rows that
have a reason, skips the ones already stored, and writes the rest in one transaction.
"""
