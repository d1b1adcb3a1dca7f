"""Demand forecasting: panels, demand classes, models, selection, metrics, backtests.

A *panel* is a long frame with columns ``unique_id`` (str), ``ds`` (date, regular
frequency, no gaps: zero demand is an explicit row) and ``y`` (non-negative demand
units). :mod:`~tradepilot.forecasting.classify` validates panels and sorts series
into Syntetos-Boylan demand classes; :mod:`~tradepilot.forecasting.models` holds the
statsforecast candidates per class and runs them;
:mod:`~tradepilot.forecasting.selection` picks a model per series by rolling-origin
cross-validation (:class:`~tradepilot.forecasting.selection.AutoForecaster`), where
:mod:`~tradepilot.forecasting.global_model` adds an optional global LightGBM;
:mod:`~tradepilot.forecasting.metrics` scores forecasts and
:mod:`~tradepilot.forecasting.backtest` compares the selection with single-model
baselines on held-out time.
"""
