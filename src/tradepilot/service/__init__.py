"""Customer service: the inbox (``.eml``, ``.mbox``, CSV exports, IMAP), triage,
links to orders and customers, reply drafts from templates and sending (SMTP).

The text models (language, intent, sentiment) are :mod:`tradepilot.text`'s; this
package calls them through ``tradepilot.text.service`` and works without them (the
triage fields stay empty, with a note).
"""
