"""The double-entry ledger: chart of accounts, journal generation, hash chain,
Merkle proofs, reports and VAT returns."""
