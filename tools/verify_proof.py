#!/usr/bin/env python3
"""Check a TradePilot ledger inclusion proof against a published Merkle root.

Standalone: the Python standard library only, no database, no TradePilot install.
Usage::

    tradepilot ledger proof 42 --json > proof.json
    python tools/verify_proof.py proof.json --root 3f1c...   # the root you published
    python tools/verify_proof.py --audit audit.jsonl         # a whole audit file

It recomputes the entry's SHA-256 from the values in the proof (the entry's
columns, all its lines and the previous entry's hash), the RFC 6962 leaf, and the
path up to the root, and compares that with ``--root`` (default: the root the
proof names). Exit 0 and "valid" when they match, 1 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys


def entry_hash(prev_hash: str, entry: list, lines: list) -> str:
    text = json.dumps([entry, lines], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + "\n" + text).encode("utf-8")).hexdigest()


def root_from_path(entry_hex: str, path: list) -> str:
    node = hashlib.sha256(b"\x00" + bytes.fromhex(entry_hex)).digest()
    for step in path:
        sibling = bytes.fromhex(step["hash"])
        pair = node + sibling if step["side"] == "right" else sibling + node
        node = hashlib.sha256(b"\x01" + pair).digest()
    return node.hex()


def check(proof: dict, root: str) -> tuple[bool, str]:
    """(valid, reason) of ``proof`` against ``root``."""
    entry = proof["entry_values"]
    if entry[-1] != proof["prev_hash"]:
        return False, "the entry's previous hash differs from the proof's"
    recomputed = entry_hash(proof["prev_hash"], entry, proof["line_values"])
    if recomputed != proof["entry_hash"]:
        return False, (
            f"the entry's values give hash {recomputed}, not {proof['entry_hash']}:"
            " the entry was changed"
        )
    found = root_from_path(recomputed, proof["path"])
    if found != root:
        return False, f"the path leads to root {found}, not {root}"
    return True, f"entry {proof['entry']} is in {proof['period']} under root {root}"


def check_audit(path: str) -> tuple[bool, str]:
    """Recompute the whole chain of an audit file (tradepilot ledger audit-file)."""
    previous, count = "0" * 64, 0
    with open(path, encoding="utf-8") as handle:
        next(handle)  # the column names
        for number, text in enumerate(handle, start=1):
            record = json.loads(text)
            entry = record["entry"]
            if entry[0] != number:
                return False, f"entry {number} is missing (found entry {entry[0]})"
            if entry[-1] != previous:
                return (
                    False,
                    f"entry {number}: its previous hash is not entry {number - 1}'s",
                )
            if entry_hash(previous, entry, record["lines"]) != record["hash"]:
                return (
                    False,
                    f"entry {number}: its values do not give its hash (changed)",
                )
            previous, count = record["hash"], number
    return True, f"{count} entries chain to head {previous}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("proof", nargs="?", help="proof file (ledger proof N --json)")
    parser.add_argument("--root", help="the published root (default: the proof's)")
    parser.add_argument("--audit", help="recheck an audit file (ledger audit-file)")
    args = parser.parse_args(argv)
    if args.audit:
        valid, reason = check_audit(args.audit)
        print(("valid: " if valid else "INVALID: ") + reason)  # noqa: T201
        return 0 if valid else 1
    if not args.proof:
        parser.error("give a proof file or --audit FILE")
    with open(args.proof, encoding="utf-8") as handle:
        proof = json.load(handle)
    valid, reason = check(proof, args.root or proof["root"])
    print(("valid: " if valid else "INVALID: ") + reason)  # noqa: T201
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
