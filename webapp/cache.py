"""One small, thread-safe, bounded cache for immutable content built per worker.

What goes in is derived from content that never changes under its key (a version's id and
content hash, a rule set's digest), so nothing is ever invalidated in place: a changed input
has a new key, and old entries age out of the bounded, least-recently-used order.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class BoundedCache(Generic[V]):
    """A least-recently-used map of at most `size` entries, safe across threads.

    `get_or_build` builds outside the lock: two threads may build the same value at once,
    and the first stored wins, which is harmless for values derived from immutable content.
    """

    def __init__(self, size: int = 256) -> None:
        if size < 1:
            raise ValueError("a cache holds at least one entry")
        self.size = size
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> V:
        with self._lock:
            kept = self._entries.setdefault(key, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
            return kept

    def get_or_build(self, key: Hashable, build: Callable[[], V]) -> V:
        cached = self.get(key)
        if cached is not None:
            return cached
        return self.put(key, build())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
