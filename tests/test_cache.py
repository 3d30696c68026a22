"""BoundedCache: bounded, least recently used first out, first stored value wins."""

from __future__ import annotations

import threading

import pytest

from webapp.cache import BoundedCache


def test_oldest_unused_entry_leaves_first():
    cache: BoundedCache[int] = BoundedCache(size=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert cache.get("b") is None
    assert cache.get("a") == 1
    assert cache.get("c") == 3
    assert len(cache) == 2


def test_get_or_build_builds_once_per_key():
    cache: BoundedCache[list[int]] = BoundedCache(size=4)
    calls: list[str] = []

    def build() -> list[int]:
        calls.append("x")
        return [1]

    first = cache.get_or_build("k", build)
    assert cache.get_or_build("k", build) is first
    assert calls == ["x"]


def test_first_value_stored_wins_under_threads():
    cache: BoundedCache[object] = BoundedCache(size=4)
    seen: list[object] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        seen.append(cache.get_or_build("k", object))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(v) for v in seen}) == 1


def test_a_cache_holds_something():
    with pytest.raises(ValueError, match="at least one"):
        BoundedCache(size=0)
