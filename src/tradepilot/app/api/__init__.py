"""REST API under /api/v1 (bearer-token authenticated)."""
