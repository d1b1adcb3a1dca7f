#!/usr/bin/env python3
"""Check a TradePilot ledger inclusion proof against a published Merkle root.

Standalone: the Python standard library only, no database, no TradePilot install.
Usage::

    tradepilot ledger proof 42 --json > proof.json
    python tools/verify_proof.py proof.json --root 3f1c...   # the root you published

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("proof", help="proof file (tradepilot ledger proof N --json)")
    parser.add_argument("--root", help="the published root (default: the proof's)")
    args = parser.parse_args(argv)
    with open(args.proof, encoding="utf-8") as handle:
        proof = json.load(handle)
    valid, reason = check(proof, args.root or proof["root"])
    print(("valid: " if valid else "INVALID: ") + reason)  # noqa: T201
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
