"""An on-disk cache of API answers, so that re-running a notebook costs no requests.

What cannot change is kept for good: an ended session, the participants and peer reports of
people who left, an uploaded recording's metadata (until its download link expires). Anything
else is kept for a short while (``short_ttl_s``), and any write through the same connection
drops those short-lived entries for its app.

Entries are keyed by a namespace (the API's host, or the demo world), the method, the path
(which holds account and app ids) and the sorted query. Only response bodies are stored:
never the token, never a header. The directory is created private (0700), the database
file 0600.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rtk_notebook._json import loads

FOREVER = float("inf")
SETTLE_S = 600  # a participant who left this long ago will not be updated any more


def default_cache_dir() -> Path:
    """The user's cache directory, as each platform names it."""
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "rtk_notebook"


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    stored: int = 0

    def __repr__(self) -> str:
        return f"CacheStats(hits={self.hits}, misses={self.misses}, stored={self.stored})"


def _parse_time(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def _left_long_ago(participant: Any, now: float) -> bool:
    if not isinstance(participant, dict):
        return False
    left = _parse_time(participant.get("left_at"))
    return left is not None and left < now - SETTLE_S


def lifetime(endpoint_key: str, body: Any, now: float, short_ttl_s: float) -> float:
    """How long this answer stays true: FOREVER, a number of seconds, or 0 (do not keep)."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(body, dict) or body.get("success") is False:
        return 0
    if endpoint_key == "sessions.get_session_details":
        session = data.get("session", data) if isinstance(data, dict) else None
        if isinstance(session, dict) and session.get("status") == "ENDED":
            return FOREVER
    elif endpoint_key in (
        "sessions.get_participant_data_from_peer_id",
        "sessions.get_session_participant_details",
    ):
        if isinstance(data, dict) and _left_long_ago(data.get("participant"), now):
            return FOREVER
    elif endpoint_key == "sessions.get_session_participants":
        people = data.get("participants") if isinstance(data, dict) else None
        if people and all(_left_long_ago(p, now) for p in people):
            return FOREVER
    elif endpoint_key == "recordings.get_one_recording" and isinstance(data, dict):
        if data.get("status") == "ERRORED":
            return FOREVER
        if data.get("status") == "UPLOADED":
            expiry = _parse_time(data.get("download_url_expiry"))
            return FOREVER if expiry is None else max(0.0, expiry - now)
    return short_ttl_s


def dumps(body: Any) -> bytes:
    """Compact JSON bytes, as the cache keeps what it did not receive as bytes."""
    return json.dumps(body, separators=(",", ":")).encode()


class ResponseCache:
    """A small SQLite store; used from the connection's one event-loop thread."""

    def __init__(self, directory: str | os.PathLike[str] | None = None, *,
                 namespace: str, short_ttl_s: float = 60.0) -> None:  # fmt: skip
        self.directory = Path(directory) if directory else default_cache_dir()
        self.namespace = namespace
        self.short_ttl_s = short_ttl_s
        self.stats = CacheStats()
        self._lock = threading.Lock()
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.directory, 0o700)  # also when it existed with looser rights
        self.path = self.directory / "responses.sqlite3"
        fresh = not self.path.exists()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if fresh:
            os.chmod(self.path, 0o600)
        self._db.execute("PRAGMA journal_mode=WAL")
        # No fsync per entry (WAL stays consistent; a crash can lose only the last entries,
        # which are refetched): a cold fan-out writes hundreds of 0.5 MB reports.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, namespace TEXT, "
            "app TEXT, expires REAL, body TEXT)"
        )

    def __repr__(self) -> str:
        return f"ResponseCache(path={str(self.path)!r}, {self.stats!r})"

    def key(self, method: str, path: str, params: Sequence[tuple[str, str]] | None) -> str:
        query = "&".join(f"{k}={v}" for k, v in sorted(params or ()))
        raw = f"{self.namespace}\n{method}\n{path}\n{query}"
        return hashlib.sha256(raw.encode()).hexdigest()

    def get(self, key: str) -> Any | None:
        """The parsed body kept under ``key``, or None."""
        hit = self.lookup(key)
        return None if hit is None else loads(hit[0])

    def lookup(self, key: str, *, count_miss: bool = True) -> tuple[bytes | str, float] | None:
        """The JSON kept under ``key`` and when it expires, or None (counted as a miss unless
        ``count_miss`` is False: a first look that another look will follow)."""
        with self._lock:
            row = self._db.execute(
                "SELECT expires, body FROM entries WHERE key = ?", (key,)
            ).fetchone()
        if row is None or row[0] < time.time():
            if count_miss:
                self.stats.misses += 1
            return None
        self.stats.hits += 1
        return row[1], row[0]

    def put(
        self, key: str, app: str | None, endpoint_key: str, body: Any, raw: bytes | None = None
    ) -> float | None:
        """Keep ``body`` as long as it stays true (``raw``: its JSON as received, if known);
        returns when the entry expires, or None when it is not kept."""
        now = time.time()
        ttl = lifetime(endpoint_key, body, now, self.short_ttl_s)
        if ttl <= 0:
            return None
        expires = 1e18 if ttl == FOREVER else now + ttl
        self.store(key, app, expires, raw if raw is not None else dumps(body))
        return expires

    def store(self, key: str, app: str | None, expires: float, raw: bytes) -> None:
        """Keep JSON ``raw`` under ``key`` until ``expires`` (e.g. a value derived from an
        entry, kept exactly as long as that entry)."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?)",
                (key, self.namespace, app or "", expires, raw),
            )
        self.stats.stored += 1

    def forget_short_lived(self, app: str | None) -> None:
        """After a write: what may have changed is dropped; what cannot change stays."""
        with self._lock:
            self._db.execute(
                "DELETE FROM entries WHERE namespace = ? AND app = ? AND expires < 1e17",
                (self.namespace, app or ""),
            )

    def clear(self) -> None:
        """Forget everything this namespace stored (other accounts' entries stay)."""
        with self._lock:
            self._db.execute("DELETE FROM entries WHERE namespace = ?", (self.namespace,))
        self.stats = CacheStats()

    def __len__(self) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM entries WHERE namespace = ?", (self.namespace,)
            ).fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
