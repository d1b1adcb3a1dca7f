"""Pure text tools: language id, intents, sentiment, aspects, topics.

Callers use :mod:`tradepilot.text.service`; the modules below it hold the cores.
"""
