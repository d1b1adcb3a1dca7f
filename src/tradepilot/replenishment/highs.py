"""HiGHS solver instances that print nothing.

HiGHS writes its banner ("Running HiGHS 1.16.0 ...: Copyright ...") from C++ to file
descriptor 1 when the first instance of a process is created, before ``output_flag``
can be turned off (HiGHS issues 1702 and 1932). On stdout it would precede the one
JSON document of ``tradepilot plan restock --json``, so the instance is created while
descriptor 1 points at the null device, then silenced with ``output_flag``.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import highspy

# Descriptor 1 belongs to the whole process: one redirection at a time.
_REDIRECTING = threading.Lock()


def silent_highs() -> highspy.Highs:
    """A new HiGHS instance with its output off and no banner printed.

    Examples
    --------
    >>> h = silent_highs()
    >>> h.getOptionValue("output_flag")[1]
    False
    """
    with _c_stdout_silenced():
        h = highspy.Highs()  # type: ignore[no-untyped-call]
        h.setOptionValue("output_flag", False)
    return h


@contextmanager
def _c_stdout_silenced() -> Iterator[None]:
    """Within the block, what C code writes to descriptor 1 is discarded."""
    with _REDIRECTING:
        if sys.stdout is not None:
            sys.stdout.flush()  # Python's pending output keeps its place on stdout
        saved = _point_stdout_at_null()
        try:
            yield
        finally:
            if saved is not None:
                os.dup2(saved, 1)
                os.close(saved)


def _point_stdout_at_null() -> int | None:
    """Point descriptor 1 at the null device and return a copy of the old one; None
    (nothing changed) when the process has no descriptor 1."""
    try:
        saved = os.dup(1)
    except OSError:
        return None
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
    finally:
        os.close(null)
    return saved
