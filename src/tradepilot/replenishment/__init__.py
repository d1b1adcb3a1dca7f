"""Replenishment and purchasing: lead times, reorder policies, the purchase optimiser
and policy simulation (pure cores), with :mod:`~tradepilot.replenishment.service`
and the ``*_service`` modules it lists reading the store and saving plans."""
