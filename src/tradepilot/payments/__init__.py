"""Payments: provider and bank imports, payout reconciliation, FX spread, exposure.

Other capabilities use :mod:`tradepilot.payments.service` only.
"""
