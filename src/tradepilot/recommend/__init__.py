"""Recommendations: what each customer is likely to buy next, which products they
have never bought but should try, and which products are bought together.

Pure cores (no store, no web): :mod:`~tradepilot.recommend.data` (purchases as a
customer x item matrix), :mod:`~tradepilot.recommend.models` (popularity, P-TopFreq,
repurchase cycles), :mod:`~tradepilot.recommend.neighbours` (item-kNN and user-kNN
on time-decayed co-purchase), :mod:`~tradepilot.recommend.factors` (implicit-feedback
matrix factorisation), :mod:`~tradepilot.recommend.blend` (the weighted blend and its
choice on a validation period), :mod:`~tradepilot.recommend.metrics`,
:mod:`~tradepilot.recommend.evaluation`, :mod:`~tradepilot.recommend.together`
(frequently bought together) and :mod:`~tradepilot.recommend.reasons`.
:mod:`~tradepilot.recommend.service` reads the store and runs them.
"""
