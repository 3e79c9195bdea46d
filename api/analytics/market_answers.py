"""The admin's market answers remembered per published marts version.

A market answer (price index, search terms) depends only on the served marts version and
the request's parameters, and a version never changes once published. So the answer
computed for one admin's request is kept, keyed by its parameters, until a new version is
served (then all are dropped at once) or it is among the least recently used beyond
``size``. Seller answers are not kept: each is cheap and there is one per seller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

from cachetools import LRUCache

Answer = TypeVar("Answer")
_NOT_KEPT = object()


class MarketAnswers:
    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._version: Path | None = None
        self._answers: LRUCache[Hashable, object] = LRUCache(max(size, 1))

    def answer(self, version: Path, key: Hashable, compute: Callable[[], Answer]) -> Answer:
        """The answer for ``key`` on ``version``: the one kept, else ``compute()`` (kept).
        ``size`` 0 keeps nothing."""
        with self._lock:
            if version != self._version:
                self._version = version
                self._answers.clear()
            kept = self._answers.get(key, _NOT_KEPT)
            if kept is not _NOT_KEPT:
                return kept  # type: ignore[return-value]
        found = compute()  # outside the lock: two first askers may both compute; same answer
        with self._lock:
            if version == self._version and self.size > 0:
                self._answers[key] = found
        return found
