"""What the demo's lists are built from, kept for one state of the world.

A list route (sessions, recordings, meetings, livestreams, analytics) used to rebuild,
filter and sort its whole list on every page request. Now each list, for one app and one
query (paging aside), is built once per state of the world and every page reads it.

The state is ``(world.version, world.now)``: ``DemoWorld.changed()`` bumps the version after
every write (the backend calls it after each non-GET handler, and the handlers that change
the world on a GET call it themselves), which drops everything kept here. Lists are kept
LRU, a few at a time; ``record`` keeps single objects (a session's list row) by key, at most
one per object of the world, shared by every list that shows it.

Everything here is called under ``world.lock`` (the backend holds it around each handler):
the lock is re-entrant, and taken again here for callers that do not hold it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_MAX_LISTS = 16


class ListCache:
    """Lists (LRU, ``max_lists`` at most) and records, valid for one state of the world."""

    def __init__(self, lock: threading.RLock, max_lists: int = DEFAULT_MAX_LISTS) -> None:
        self.lock = lock
        self.max_lists = max_lists
        self._lists: OrderedDict[Hashable, Any] = OrderedDict()
        self._records: dict[Hashable, Any] = {}
        self._state: tuple[int, dt.datetime] | None = None
        self.builds = 0  # lists built (not found), for tests and benchmarks

    def clear(self) -> None:
        with self.lock:
            self._lists.clear()
            self._records.clear()

    def _check(self, state: tuple[int, dt.datetime]) -> None:
        if state != self._state:  # a write, or the clock moved: nothing kept is valid
            self.clear()
            self._state = state

    def list(self, state: tuple[int, dt.datetime], key: Hashable, build: Callable[[], T]) -> T:
        """The list kept under ``key`` in this state, built by ``build()`` if not kept."""
        with self.lock:
            self._check(state)
            if key in self._lists:
                self._lists.move_to_end(key)
                kept: T = self._lists[key]
                return kept
            value = build()
            self.builds += 1
            self._lists[key] = value
            while len(self._lists) > self.max_lists:
                self._lists.popitem(last=False)
            return value

    def record(self, state: tuple[int, dt.datetime], key: Hashable, build: Callable[[], T]) -> T:
        """The record kept under ``key`` in this state, built by ``build()`` if not kept."""
        with self.lock:
            self._check(state)
            if key in self._records:
                kept: T = self._records[key]
                return kept
            value = build()
            self._records[key] = value
            return value

    def __len__(self) -> int:
        return len(self._lists)


def frozen(value: Any) -> Hashable:
    """A query value as part of a key: lists as tuples, with the type beside the value."""
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(frozen(v) for v in value))
    return (type(value).__name__, value)
