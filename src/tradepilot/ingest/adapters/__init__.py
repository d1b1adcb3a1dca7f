"""One adapter per source format: raw text cells -> a canonical frame."""
