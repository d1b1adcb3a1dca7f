"""The optional LLM: an OpenAI-compatible chat client, PII placeholders for
endpoints off this machine, and the grounding check of answers and drafts.

Off by default: nothing here is used unless ``TRADEPILOT_LLM_URL`` is set.
"""
