"""Product reviews: import, per-review language, sentiment and aspects, reports."""
