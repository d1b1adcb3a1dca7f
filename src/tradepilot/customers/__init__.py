"""Customers: one profile per buyer, profile figures, segments, lifetime value, churn.

Pure cores (arrays and polars frames in, no store) and one ``service.py`` with the
use-case verbs that read the store:

* :mod:`~tradepilot.customers.bgnbd` and :mod:`~tradepilot.customers.gammagamma`:
  the BG/NBD purchase model and the Gamma-Gamma spend model, by maximum likelihood;
* :mod:`~tradepilot.customers.rfm`: purchase days, frequency / recency / T / monetary
  as the literature counts them, holdout counts and the naive baseline;
* :mod:`~tradepilot.customers.seasonality`: a calendar-month index of repeat
  purchases learnt from the calibration data, applied on top of the BG/NBD;
* :mod:`~tradepilot.customers.clv`: the calibration / holdout pipeline;
* :mod:`~tradepilot.customers.propensity`: the "buys in the next 90 days" model;
* :mod:`~tradepilot.customers.profiles` and :mod:`~tradepilot.customers.segments`:
  per-customer figures, RFM scores and named data-driven segments;
* :mod:`~tradepilot.customers.identity`: which customer records are one person.
"""
