"""The owner account, login sessions and API tokens."""
