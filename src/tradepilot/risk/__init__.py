"""Risk radar: monitors that turn the store's state into alerts with money at stake,
and order-risk scoring with reasons (see ``docs/risk.md``)."""
