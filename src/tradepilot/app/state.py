"""What the running app holds: settings, the engine, caches, import jobs, limits."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from tradepilot.config import Settings


@dataclass
class LoginLimiter:
    """At most ``attempts`` failed logins per client within ``window`` seconds."""

    attempts: int = 5
    window: float = 300.0
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def blocked(self, client: str) -> float:
        """Seconds until ``client`` may try again (0 if it may now)."""
        with self._lock:
            recent = self._recent(client)
            if len(recent) < self.attempts:
                return 0.0
            return max(recent[0] + self.window - time.monotonic(), 0.0)

    def failed(self, client: str) -> None:
        """Record a failed attempt."""
        with self._lock:
            self._recent(client).append(time.monotonic())

    def succeeded(self, client: str) -> None:
        """Forget the client's failures."""
        with self._lock:
            self._failures.pop(client, None)

    def _recent(self, client: str) -> deque[float]:
        queue = self._failures.setdefault(client, deque())
        while queue and queue[0] < time.monotonic() - self.window:
            queue.popleft()
        return queue


@dataclass
class Cache:
    """Results keyed by the store's data version, recomputed when it changes."""

    _values: dict[str, tuple[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, name: str, version: str) -> Any | None:
        """The value stored under ``name`` for ``version``, or None."""
        with self._lock:
            found = self._values.get(name)
        return found[1] if found and found[0] == version else None

    def put(self, name: str, version: str, value: Any) -> None:
        """Store ``value`` for ``version``."""
        with self._lock:
            self._values[name] = (version, value)


@dataclass
class AppState:
    """Everything a request handler may need; built once by ``create_app``."""

    settings: Settings
    engine: Engine
    max_upload_bytes: int = 256 * 1024 * 1024
    secure_cookies: bool = False
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    cache: Cache = field(default_factory=Cache)
    jobs: dict[str, Any] = field(default_factory=dict)
