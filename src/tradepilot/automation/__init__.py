"""Automation: the scheduler and its jobs, job runs, the watched inbox folder, the
approval queue and notifications (e-mail, webhook).

The verbs other packages and the edges call live in :mod:`.service`. Automation
calls the other capabilities' services; no service calls automation.
"""
