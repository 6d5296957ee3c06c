"""An on-disk cache of API answers, so that re-running a notebook costs no requests.

What cannot change is kept for good: an ended session, the participants and peer reports of
people who left. Anything else is kept for a short while (``short_ttl_s``), and any write
through the same connection drops those short-lived entries for its app. Answers that carry
credentials (storage keys, participant tokens, stream keys, pre-signed links) are never kept
(:data:`CREDENTIAL_ANSWERS`).

Who may read an entry: only a connection with the token that filled it. An entry is found by
its key (a digest of the namespace, i.e. the API's host or the demo world, the account, the
method, the path, which holds the app id, and the sorted query) and by ``who``, an
HMAC-SHA256 of the API token under a random salt made with the file. Another token (revoked,
wrong, someone else's) finds nothing and gets the server's own 401/403. Only response bodies
are stored: never the token, never a header.

Where: ``default_cache_dir()`` (ours: kept 0700), or for ``cache=path`` a subdirectory
``path/rtk_notebook_cache`` made 0700 (``path`` itself keeps its permissions). The database
and its -wal/-shm files are 0600.

How much: the stored bodies are capped (``max_bytes``, 2 GB by default); past the cap the least
recently used entries go, down to 90 % of it, and the freed pages go back to the file system.

Writes go to a thread of their own (``_Writer``), so that the event loop never waits on
SQLite: what is queued when it wakes is written in one transaction. Until then, a read of an
entry on its way finds it (read-your-writes); ``stats``, ``len``, ``clear`` and ``close``
wait for every write first. A caller that gets more than ``queue_limit_bytes`` ahead of the
writer waits for it. What goes wrong in the writer comes back to the next caller: a warning
(as below) or, for anything else, the exception itself.

When something is wrong, the cache never stops a call. A file that is not this cache's
database (truncated, garbage, another schema or version, a directory, another user's) is
moved aside to ``responses.sqlite3.damaged-<time>`` with a warning and a fresh one is made,
when opening or when the damage shows later. A file locked by another process for more than
``busy_timeout_s`` is bypassed for a while (``PAUSE_S``), with one warning.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import hmac
import json
import os
import sqlite3
import stat
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from rtk_notebook._json import loads

FOREVER = float("inf")
SETTLE_S = 600  # a participant who left this long ago will not be updated any more
MAX_BYTES = 2 * 1024**3  # default cap on the bodies kept
BUSY_TIMEOUT_S = 3.0  # how long to wait for another process's lock before going without
PAUSE_S = 30.0  # after that, how long to go without the cache before waiting again
SUBDIRECTORY = "rtk_notebook_cache"  # what ``cache=path`` makes inside ``path``
FILE_NAME = "responses.sqlite3"
SCHEMA_VERSION = 2  # PRAGMA user_version; the first cache (one table, no version) was 1
KEEP_SHARE = 0.9  # eviction goes down to this share of the cap, so it runs once in a while
WAL_LIMIT_BYTES = 64 * 1024 * 1024  # the write-ahead log is truncated back to this
QUEUE_LIMIT_BYTES = 64 * 1024 * 1024  # writes waiting for the writer before the caller waits
PAGE_SIZE = 16 * 1024  # new files: a 0.5 MB report is 32 pages, not 128 (~30 % less CPU)
_FOREVER_AT = 1e18  # the expiry stored for FOREVER; short-lived entries are below 1e17
_TOUCH_BATCH = 512  # hits remembered before their use times are written
_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_DAMAGED = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})

_SCHEMA = (
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value NOT NULL)",
    # body last: reading the other columns (eviction, totals) never touches its pages
    "CREATE TABLE entries (key TEXT NOT NULL, who TEXT NOT NULL, namespace TEXT NOT NULL, "
    "account TEXT NOT NULL, app TEXT NOT NULL, expires REAL NOT NULL, used REAL NOT NULL, "
    "size INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (key, who))",
    "CREATE INDEX entries_by_use ON entries (used)",
    "CREATE INDEX entries_by_scope ON entries (namespace, account, app)",
    # Running totals, exact whichever process writes, so the cap never scans the table.
    "CREATE TRIGGER entries_added AFTER INSERT ON entries BEGIN "
    "UPDATE meta SET value = value + NEW.size WHERE name = 'bytes'; "
    "UPDATE meta SET value = value + 1 WHERE name = 'entries'; END",
    "CREATE TRIGGER entries_removed AFTER DELETE ON entries BEGIN "
    "UPDATE meta SET value = value - OLD.size WHERE name = 'bytes'; "
    "UPDATE meta SET value = value - 1 WHERE name = 'entries'; END",
)
# What the first version of this cache made: its entries were not keyed by token.
_FIRST_SCHEMA = frozenset(
    {
        (
            "table",
            "entries",
            "CREATE TABLE entries (key TEXT PRIMARY KEY, namespace TEXT, app TEXT, "
            "expires REAL, body TEXT)",
        ),
        ("index", "sqlite_autoindex_entries_1", None),
    }
)

T = TypeVar("T")


class CacheWarning(UserWarning):
    """Something was wrong with the on-disk cache; the call went on without it."""


class _Damaged(Exception):
    """The file at the cache's path is not a database this cache can trust."""


class _Unusable(Exception):
    """The cache directory cannot be used safely."""


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
    """What the cache holds (``entries``, ``bytes`` of bodies against ``max_bytes``, the file's
    ``file_bytes``) and what this connection did with it (``commits``: the writer's
    transactions, each holding every write queued when it woke)."""

    hits: int = 0
    misses: int = 0
    stored: int = 0
    evicted: int = 0
    commits: int = 0
    entries: int = 0
    bytes: int = 0
    max_bytes: int = 0
    file_bytes: int = 0

    def __repr__(self) -> str:
        return (
            f"CacheStats(entries={self.entries}, bytes={self.bytes:,} of {self.max_bytes:,}, "
            f"file_bytes={self.file_bytes:,}, hits={self.hits}, misses={self.misses}, "
            f"stored={self.stored}, evicted={self.evicted}, commits={self.commits})"
        )


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


# Answers that carry credentials are never written to disk: storage keys in meetings' and
# recordings' configs, participant tokens in rosters, stream keys, pre-signed links to
# recordings, chat and transcripts. They are single, cheap requests; the fan-out's answers
# (sessions, participants, peer reports) carry none and are the ones worth keeping.
CREDENTIAL_ANSWERS = frozenset(
    {
        "meetings.get",
        "meetings.get_meeting_by_id",
        "meetings.get_meeting_participants",
        "meetings.get_meeting_participant",
        "recordings.get_recordings",
        "recordings.get_one_recording",
        "recordings.get_active_recordings",
        "sessions.get_session_chat",
        "sessions.get_session_transcripts",
        "livestreams.get_all_livestreams",
        "livestreams.get_meeting_active_livestreams",
        "livestreams.get_livestream_session_details_for_session_id",
        "livestreams.get_active_livestreams_for_livestream_id",
        "livestreams.get_livestream_session_for_livestream_id",
    }
)


def lifetime(endpoint_key: str, body: Any, now: float, short_ttl_s: float) -> float:
    """How long this answer stays true: FOREVER, a number of seconds, or 0 (do not keep)."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(body, dict) or body.get("success") is False:
        return 0
    if endpoint_key in CREDENTIAL_ANSWERS:
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
    return short_ttl_s


def dumps(body: Any) -> bytes:
    """Compact JSON bytes, as the cache keeps what it did not receive as bytes."""
    return json.dumps(body, separators=(",", ":")).encode()


@dataclass(eq=False)
class _Entry:
    """An entry on its way to the file: what a read finds until it is committed."""

    expires: float
    raw: bytes
    app: str


@dataclass(eq=False)
class _Op:
    """One write for the writer thread: ``write(db)`` runs in its batch's transaction and
    returns how many entries it evicted."""

    write: Callable[[sqlite3.Connection], int]
    size: int  # bytes it holds in memory until committed (what back-pressure counts)
    generation: int  # the file it was meant for: a file healed since is not written to
    key: str = ""  # the entry it stores (with ``entry``), dropped from ``pending`` once written
    entry: _Entry | None = None
    forgets: str | None = None  # the app whose short-lived entries it drops


class _Writer:
    """The thread that writes a cache's entries, on a connection of its own, so that the
    callers (the event loop) never wait on SQLite: everything queued when it wakes goes in
    one transaction. It holds no reference to its cache (only queued writes do), so a cache
    that is not closed can still be collected."""

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        after_eviction: Callable[[sqlite3.Connection], None],
        limit: int,
    ) -> None:
        self.cv = threading.Condition()
        self.limit = limit
        self.queue: list[_Op] = []
        self.queued_bytes = 0  # of the queue and of the batch being written
        self.pending: dict[str, _Entry] = {}  # key -> entry not yet committed
        self.forgetting: dict[str, int] = {}  # app -> forgets not yet committed
        self.writing = False
        self.failure: Exception | None = None  # for the next caller (ResponseCache._surface)
        self.failed_forgets: list[str] = []
        self.generation = 0  # the cache's file: bumped when the cache lets go of it
        self.commits = self.stored = self.evicted = 0  # read by the cache after a flush
        self.cpu_s = 0.0  # the thread's CPU time (bench/cache_cold.py)
        self._connect = connect
        self._after_eviction = after_eviction
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._db: sqlite3.Connection | None = None
        self._db_generation = -1

    def submit(self, ops: list[_Op]) -> None:
        """Queue ``ops``; past the limit, wait until the writer has drained below it."""
        with self.cv:
            for op in ops:
                self.queue.append(op)
                self.queued_bytes += op.size
                if op.entry is not None:
                    self.pending[op.key] = op.entry
                if op.forgets is not None:
                    app = op.forgets
                    self.forgetting[app] = self.forgetting.get(app, 0) + 1
                    stale = [
                        k for k, e in self.pending.items() if e.app == app and e.expires < 1e17
                    ]
                    for k in stale:
                        del self.pending[k]
            if self._thread is None:
                self._stopping = False
                self._thread = threading.Thread(
                    target=self._work, name="rtk_notebook-cache-writer", daemon=True
                )  # daemon: at exit, the finalizer flushes it (non-daemon threads are joined
                # before atexit runs, and this one would wait for work forever)
                self._thread.start()
            self.cv.notify_all()
            while self.queued_bytes > self.limit and self.failure is None:
                self.cv.wait()

    def flush(self) -> None:
        """Wait until everything queued so far is committed (or failed)."""
        with self.cv:
            while self.queue or self.writing:
                self.cv.wait()

    def stop(self) -> None:
        """Write what is queued, then end the thread."""
        with self.cv:
            thread, self._thread = self._thread, None
            self._stopping = True
            self.cv.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _work(self) -> None:
        while True:
            with self.cv:
                while not self.queue and not self._stopping:
                    self.cv.wait()
                if not self.queue:
                    break
                batch, self.queue = self.queue, []
                self.writing = True
                generation = self.generation
            start = time.thread_time()
            failed: Exception | None = None
            try:
                self._write(batch, generation)
            except Exception as exc:  # noqa: BLE001 - the next caller gets it
                failed = exc
            self.cpu_s += time.thread_time() - start
            with self.cv:
                if failed is not None:
                    # What is queued behind a failed batch is dropped too (the cache pauses
                    # or heals when it sees the failure); the first failure is the one told.
                    batch += self.queue
                    self.queue = []
                    self.failure = self.failure or failed
                    self._close()
                for op in batch:
                    self.queued_bytes -= op.size
                    if op.entry is not None and self.pending.get(op.key) is op.entry:
                        del self.pending[op.key]
                    if op.forgets is not None:
                        if failed is not None:
                            # stays in ``forgetting`` until the cache has paused its reads
                            self.failed_forgets.append(op.forgets)
                        else:
                            self._forgotten(op.forgets)
                self.writing = False
                self.cv.notify_all()
        self._close()

    def _write(self, batch: list[_Op], generation: int) -> None:
        ops = [op for op in batch if op.generation == generation]
        if not ops:
            return
        if self._db is None or self._db_generation != generation:
            self._close()
            self._db = self._connect()
            self._db_generation = generation
        db = self._db
        evicted = 0
        with _transaction(db):
            for op in ops:
                evicted += op.write(db)
        self.commits += 1
        self.stored += sum(op.entry is not None for op in ops)
        self.evicted += evicted
        if evicted:
            self._after_eviction(db)

    def _forgotten(self, app: str) -> None:
        left = self.forgetting.get(app, 0) - 1
        if left > 0:
            self.forgetting[app] = left
        else:
            self.forgetting.pop(app, None)

    def _close(self) -> None:
        if self._db is not None:
            with suppress(sqlite3.Error):
                self._db.close()
            self._db = None


def _finish(cache: weakref.ref[ResponseCache], writer: _Writer) -> None:
    """At interpreter exit, close the cache (its queued writes are written); when it was
    collected unclosed, end its writer."""
    alive = cache()
    if alive is not None:
        alive.close()
    else:
        writer.stop()


class ResponseCache:
    """A small SQLite store; read from the connection's event-loop thread (under a lock),
    written by a thread of its own.

    ``directory``: None for ``default_cache_dir()``, else the files go in its subdirectory
    ``rtk_notebook_cache``. ``token``: whose entries these are (only a salted digest is
    stored). ``clock``: the wall clock entries expire and age by. ``queue_limit_bytes``: how
    far writes may run ahead of the writer before the caller waits.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        namespace: str,
        account: str | None = None,
        token: str | None = None,
        short_ttl_s: float = 60.0,
        max_bytes: int = MAX_BYTES,
        busy_timeout_s: float | None = None,
        clock: Callable[[], float] = time.time,
        queue_limit_bytes: int = QUEUE_LIMIT_BYTES,
    ) -> None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise ValueError(f"max_bytes must be a positive whole number (got {max_bytes!r})")
        self.directory = (
            default_cache_dir() if directory is None else Path(directory) / SUBDIRECTORY
        )
        self.path = self.directory / FILE_NAME
        self.namespace = namespace
        self.account = account or ""
        self.short_ttl_s = short_ttl_s
        self.max_bytes = max_bytes
        self.busy_timeout_s = BUSY_TIMEOUT_S if busy_timeout_s is None else busy_timeout_s
        self._token = token or ""  # in memory only, to digest again under a new file's salt
        self._clock = clock
        self._counts = CacheStats()  # hits and misses; the writer counts what it wrote
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._who = ""
        self._file_id: tuple[int, int] | None = None
        self._touched: dict[str, float] = {}  # hits whose use time is not written yet
        self._paused_until = 0.0  # time.monotonic() before which the cache is not used
        self._writes_paused_until = 0.0
        self._warned: set[str] = set()
        self._closed = False
        self._writer = _Writer(
            functools.partial(_connect_writer, self.path, self.busy_timeout_s),
            functools.partial(_shrink, max_bytes=max_bytes),
            queue_limit_bytes,
        )
        self._finalizer = weakref.finalize(self, _finish, weakref.ref(self), self._writer)
        with self._lock:
            try:
                untrusted = _private_directory(self.directory, directory is not None)
            except (OSError, _Unusable) as exc:
                self._closed = True
                self._warn(f"cannot keep a cache in {self.directory} ({exc}); going without one")
                return
            if untrusted and os.path.lexists(self.path):
                self._heal(untrusted)
            else:
                self._open()

    def __repr__(self) -> str:
        return f"ResponseCache(path={str(self.path)!r}, {self.stats!r})"

    # ---- what the HTTP core calls --------------------------------------------------------

    def key(self, method: str, path: str, params: Sequence[tuple[str, str]] | None) -> str:
        query = "&".join(f"{k}={v}" for k, v in sorted(params or ()))
        raw = f"{self.namespace}\n{self.account}\n{method}\n{path}\n{query}"
        return hashlib.sha256(raw.encode()).hexdigest()

    def get(self, key: str) -> Any | None:
        """The parsed body kept under ``key``, or None."""
        hit = self.lookup(key)
        if hit is None:
            return None
        try:
            return loads(hit[0])
        except ValueError:  # damage SQLite could not see: drop the entry and ask again
            where = self._where("DELETE", key)
            self._enqueue(lambda db: _no_eviction(db.execute(*where)))
            self._counts.hits -= 1
            self._counts.misses += 1
            return None

    def lookup(self, key: str, *, count_miss: bool = True) -> tuple[bytes | str, float] | None:
        """The JSON kept under ``key`` and when it expires, or None (counted as a miss unless
        ``count_miss`` is False: a first look that another look will follow)."""
        self._surface()
        now = self._clock()
        writer = self._writer
        forgetting = writer.forgetting

        def read(db: sqlite3.Connection) -> tuple[float, bytes | str] | None:
            entry = writer.pending.get(key)  # written, not yet committed: read your writes
            if entry is not None:
                row: tuple[float, bytes | str] | None = (entry.expires, entry.raw)
            else:
                found = db.execute(*self._where("SELECT expires, body, app", key)).fetchone()
                if found is not None and found[0] < 1e17 and found[2] in forgetting:
                    found = None  # short-lived, and a forget for its app is on its way
                row = None if found is None else (found[0], found[1])
            if row is not None and row[0] >= now:
                self._touched[key] = now
            return row

        row = self._run(read, write=False, default=None)
        if row is None or row[0] < now:
            if count_miss:
                self._counts.misses += 1
            return None
        self._counts.hits += 1
        if len(self._touched) >= _TOUCH_BATCH:
            self._enqueue(None)
        return row[1], row[0]

    def put(
        self, key: str, app: str | None, endpoint_key: str, body: Any, raw: bytes | None = None
    ) -> float | None:
        """Keep ``body`` as long as it stays true (``raw``: its JSON as received, if known);
        returns when the entry expires, or None when it is not kept."""
        now = self._clock()
        ttl = lifetime(endpoint_key, body, now, self.short_ttl_s)
        if ttl <= 0:
            return None
        expires = _FOREVER_AT if ttl == FOREVER else now + ttl
        kept = self._store(key, app, expires, raw if raw is not None else dumps(body))
        return expires if kept else None

    def store(self, key: str, app: str | None, expires: float, raw: bytes) -> None:
        """Keep JSON ``raw`` under ``key`` until ``expires`` (e.g. a value derived from an
        entry, kept exactly as long as that entry; the cap may drop either first)."""
        self._store(key, app, expires, raw)

    def forget_short_lived(self, app: str | None) -> None:
        """After a write: what may have changed is dropped (for every token: all of them are
        stale now); what cannot change stays."""
        scope = (self.namespace, self.account, app or "")

        def drop(db: sqlite3.Connection) -> int:
            db.execute(
                "DELETE FROM entries WHERE namespace = ? AND account = ? AND app = ? "
                "AND expires < 1e17",
                scope,
            )
            return 0

        if not self._enqueue(drop, forgets=app or "") and not self._closed:
            with self._lock:
                self._pause_reads()

    def flush(self) -> None:
        """Wait until every write made so far is committed; what went wrong in the writer
        comes back here (a CacheWarning, or the exception itself)."""
        self._writer.flush()
        self._surface()

    def clear(self) -> None:
        """Forget everything this account stored here (with any token; other accounts' and
        hosts' entries stay)."""
        self.flush()

        def drop(db: sqlite3.Connection) -> None:
            db.execute(
                "DELETE FROM entries WHERE namespace = ? AND account = ?",
                (self.namespace, self.account),
            )
            _shrink(db, self.max_bytes)

        self._run(drop, write=True, default=None)
        self._touched.clear()
        self._counts = CacheStats()
        writer = self._writer
        with writer.cv:
            writer.commits = writer.stored = writer.evicted = 0

    @property
    def stats(self) -> CacheStats:
        """Hits, misses, stored and evicted by this connection, and the writer's commits;
        entries and bytes in the file. Every write made so far is committed first."""
        self.flush()
        totals: dict[str, Any] = self._run(
            lambda db: dict(
                db.execute("SELECT name, value FROM meta WHERE name IN ('bytes', 'entries')")
            ),
            write=False,
            default={},
        )
        file_bytes = 0
        for suffix in ("", "-wal"):
            with suppress(OSError):
                file_bytes += os.path.getsize(f"{self.path}{suffix}")
        writer = self._writer
        return dataclasses.replace(
            self._counts,
            stored=writer.stored,
            evicted=writer.evicted,
            commits=writer.commits,
            entries=int(totals.get("entries", 0)),
            bytes=int(totals.get("bytes", 0)),
            max_bytes=self.max_bytes,
            file_bytes=file_bytes,
        )

    def __len__(self) -> int:
        """How many entries this connection (its host, account and token) can read."""
        self.flush()
        row = self._run(
            lambda db: db.execute(
                "SELECT COUNT(*) FROM entries WHERE namespace = ? AND account = ? AND who = ?",
                (self.namespace, self.account, self._who),
            ).fetchone(),
            write=False,
            default=(0,),
        )
        return int(row[0])

    def close(self) -> None:
        """Write what is queued (and the use times of recent hits), end the writer thread and
        close the file."""
        self._finalizer.detach()
        if self._touched:
            self._enqueue(None)
        with self._lock:
            self._closed = True  # nothing more is queued (nor a writer started again)
        self._writer.stop()
        try:
            self._surface()
        finally:
            with self._lock:
                self._close_db()

    # ---- storing and evicting ------------------------------------------------------------

    def _store(self, key: str, app: str | None, expires: float, raw: bytes) -> bool:
        size = len(raw)
        if size > self.max_bytes:
            return False  # alone it would break the cap
        now = self._clock()
        row = (key, self._who, self.namespace, self.account, app or "", expires, now, size, raw)
        where = self._where("DELETE", key)

        def write(db: sqlite3.Connection) -> int:
            db.execute(*where)
            inserted = db.execute("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            return self._evict(db, keep=inserted.lastrowid or 0)

        return self._enqueue(write, size, key=key, entry=_Entry(expires, raw, app or ""))

    def _enqueue(
        self,
        write: Callable[[sqlite3.Connection], int] | None,
        size: int = 0,
        *,
        key: str = "",
        entry: _Entry | None = None,
        forgets: str | None = None,
    ) -> bool:
        """Hand ``write`` (None: only the use times of recent hits) to the writer thread, with
        those use times first; False when the cache cannot be written now."""
        self._surface()
        with self._lock:
            if not self._usable(write=True):
                return False
            generation = self._writer.generation
            ops = []
            if self._touched:
                ops.append(_Op(self._touches(), 0, generation))
            if write is not None:
                ops.append(_Op(write, size, generation, key, entry, forgets))
        if ops:
            self._writer.submit(ops)  # outside the lock: it may wait for the writer
        return True

    def _surface(self) -> None:
        """What went wrong in the writer, told to this caller: an SQLite error is handled as
        if it had happened here (a warning; a pause; a damaged file healed); anything else is
        raised."""
        writer = self._writer
        if writer.failure is None:
            return
        with self._lock, writer.cv:
            failure, writer.failure = writer.failure, None
            forgets, writer.failed_forgets = writer.failed_forgets, []
        if failure is None:
            return
        try:
            if not isinstance(failure, sqlite3.DatabaseError):
                raise failure
            with self._lock:
                self._failed(failure, write=True)
                if forgets and not self._closed:
                    self._pause_reads()  # the stale copies may still be there
        finally:
            with writer.cv:
                for app in forgets:
                    writer._forgotten(app)

    def _pause_reads(self) -> None:
        """Read nothing until the short-lived entries a failed forget left have expired."""
        until = time.monotonic() + max(PAUSE_S, self.short_ttl_s)
        self._paused_until = max(self._paused_until, until)

    def _evict(self, db: sqlite3.Connection, keep: int) -> int:
        """Drop the least recently used entries (never row ``keep``, just written) once the
        bodies pass the cap, down to KEEP_SHARE of it; returns how many went."""
        total = _meta(db, "bytes")
        if total <= self.max_bytes:
            return 0
        target = int(self.max_bytes * KEEP_SHARE)
        dropped = 0
        while total > target:
            rows = db.execute(
                "SELECT rowid, size FROM entries WHERE rowid != ? ORDER BY used, rowid LIMIT 256",
                (keep,),
            ).fetchall()
            if not rows:
                break
            victims = []
            for rowid, size in rows:
                victims.append((rowid,))
                total -= size
                if total <= target:
                    break
            db.executemany("DELETE FROM entries WHERE rowid = ?", victims)
            dropped += len(victims)
        return dropped

    def _touches(self) -> Callable[[sqlite3.Connection], int]:
        """The write of the use times of recent hits (batched: a hit costs no write of its
        own); under the lock."""
        rows = [(used, key, self._who) for key, used in self._touched.items()]
        self._touched.clear()

        def write(db: sqlite3.Connection) -> int:
            db.executemany("UPDATE entries SET used = ? WHERE key = ? AND who = ?", rows)
            return 0

        return write

    def _where(self, action: str, key: str) -> tuple[str, tuple[str, str]]:
        return f"{action} FROM entries WHERE key = ? AND who = ?", (key, self._who)

    # ---- opening, failing, healing -------------------------------------------------------

    def _run(self, op: Callable[[sqlite3.Connection], T], *, write: bool, default: T) -> T:
        """``op(db)``, or ``default`` when the cache cannot be used now: never an sqlite3
        error for the caller."""
        with self._lock:
            if not self._usable(write=write):
                return default
            assert self._db is not None
            try:
                return op(self._db)
            except sqlite3.DatabaseError as exc:
                self._failed(exc, write=write)
                return default

    def _usable(self, *, write: bool) -> bool:
        """Whether the file may be used now (opened if need be); under the lock."""
        if self._closed or time.monotonic() < self._paused_until:
            return False
        if write and not self._writable():
            return False
        if self._db is None:
            self._open()
        return self._db is not None

    def _writable(self) -> bool:
        return time.monotonic() >= self._writes_paused_until

    def _open(self) -> None:
        self._file_id = None  # damage found while opening is this file's, whoever made it
        try:
            self._db = self._connect()
        except _Damaged as exc:
            self._heal(str(exc))
        except sqlite3.DatabaseError as exc:
            self._failed(exc, write=False)
        except OSError as exc:
            self._give_up_for_now(exc)

    def _failed(self, exc: sqlite3.DatabaseError, *, write: bool) -> None:
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        if code in _BUSY:
            until = time.monotonic() + PAUSE_S
            if write:
                self._writes_paused_until = until
            else:
                self._paused_until = until
            self._touched.clear()
            self._warn_once(
                "locked",
                f"the cache {self.path} is locked by another process; answers are fetched "
                "and not kept while it is",
            )
        elif code in _DAMAGED:
            self._heal(str(exc))
        else:  # the disk is full, read-only, failing...: not the file's fault, so keep it
            self._give_up_for_now(exc)

    def _give_up_for_now(self, exc: Exception) -> None:
        self._close_db()
        self._paused_until = time.monotonic() + PAUSE_S
        self._warn_once("unusable", f"the cache {self.path} cannot be used now ({exc})")

    def _heal(self, reason: str) -> None:
        """Move the damaged file aside (unless another process already replaced it) and
        start a fresh one; if even that fails, go without the cache."""
        self._close_db()
        self._touched.clear()
        try:
            if self._file_id is None or self._file_id == _file_id(self.path):
                moved = _move_aside(self.path)
                self._warn(
                    f"the cache {self.path} was damaged ({reason}); moved it aside to "
                    f"{moved.name} and started a fresh one"
                )
            self._db = self._connect()
        except (OSError, sqlite3.Error, _Damaged) as exc:
            self._close_db()
            self._closed = True
            self._warn(f"cannot make a fresh cache in {self.directory} ({exc}); going without one")

    def _connect(self) -> sqlite3.Connection:
        """Open the file, checked to be this cache's, made when missing."""
        for suffix in ("", "-wal", "-shm"):
            _own_file(Path(f"{self.path}{suffix}"))
        if not os.path.lexists(self.path):
            _create_private_file(self.path)
        db = sqlite3.connect(
            self.path, timeout=self.busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        try:
            db.execute("PRAGMA trusted_schema = OFF")
            state = _schema_state(db)
            if state == "first":  # the first version's entries, not keyed by token: dropped
                db.close()
                _remove(self.path)
                self._warn(f"the cache {self.path} was an older version's; started a fresh one")
                _create_private_file(self.path)
                db = sqlite3.connect(
                    self.path, timeout=self.busy_timeout_s, isolation_level=None,
                    check_same_thread=False,
                )  # fmt: skip
                state = _schema_state(db)
            if state == "empty":
                _create_schema(db)
                if _schema_state(db) != "current":
                    raise _Damaged("another process made it with another schema")
            db.execute("PRAGMA synchronous = NORMAL")  # no fsync per entry; see _create_schema
            db.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}")
            salt = _meta(db, "salt")
            if not isinstance(salt, bytes) or len(salt) < 16:
                raise _Damaged("it has no salt")
        except BaseException:
            db.close()
            raise
        self._who = hmac.new(salt, self._token.encode(), hashlib.sha256).hexdigest()
        self._file_id = _file_id(self.path)
        return db

    def _close_db(self) -> None:
        if self._db is not None:
            with suppress(sqlite3.Error):
                self._db.close()
            self._db = None
        with self._writer.cv:  # the writer lets go of this file too; what it has queued
            self._writer.generation += 1  # for it is not written (the salt may change)

    def _warn(self, message: str) -> None:
        warnings.warn(f"rtk_notebook: {message}", CacheWarning, stacklevel=3)

    def _warn_once(self, kind: str, message: str) -> None:
        if kind not in self._warned:
            self._warned.add(kind)
            self._warn(message)


# ---- the file and its directory ------------------------------------------------------------


def _private_directory(directory: Path, inside_chosen: bool) -> str | None:
    """Make ``directory`` (ours) if missing, 0700; check it if it exists. Returns why what is
    in it cannot be trusted, or None. The directory above it is never chmod-ed."""
    parent = directory.parent
    if inside_chosen:
        parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # 0700 only when we make it
    else:
        parent.mkdir(parents=True, exist_ok=True)  # ~/.cache: the user's, left as it is
    try:
        os.mkdir(directory, 0o700)
    except FileExistsError:
        pass
    else:
        os.chmod(directory, 0o700)  # ours: 0700 whatever the umask
        return None
    info = os.lstat(directory)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise _Unusable("it is not a directory, or is a symbolic link")
    if os.name != "posix":
        return None
    if info.st_uid != os.geteuid():
        raise _Unusable("it belongs to another user")
    if stat.S_IMODE(info.st_mode) == 0o700:
        return None
    os.chmod(directory, 0o700)  # ours, so ours to make private (and usable) again
    loose = stat.S_IMODE(info.st_mode) & 0o077
    if not loose:
        return None
    if loose & 0o022:
        return "its directory was writable by other users, so it is not trusted"
    warnings.warn(
        f"rtk_notebook: the cache directory {directory} was readable by other users; made it "
        "private (0700)",
        CacheWarning,
        stacklevel=4,
    )
    return None


def _own_file(path: Path) -> None:
    """A file of the cache must be a regular file of ours; made 0600 if it is not."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        raise _Damaged(f"{path.name} is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise _Damaged(f"{path.name} is not a regular file")
    if os.name == "posix":
        if info.st_uid != os.geteuid():
            raise _Damaged(f"{path.name} belongs to another user")
        if stat.S_IMODE(info.st_mode) != 0o600:
            os.chmod(path, 0o600)


def _create_private_file(path: Path) -> None:
    """Create ``path`` 0600 before SQLite writes a byte to it (its -wal and -shm files get
    the same mode from SQLite)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        return  # another process made it first
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # whatever the umask
    finally:
        os.close(fd)


def _move_aside(path: Path) -> Path:
    """Rename the database and its -wal/-shm to ``<name>.damaged-<time>[-wal|-shm]``."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while any(os.path.lexists(f"{target}{s}") for s in ("", "-wal", "-shm")):
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    for suffix in ("", "-wal", "-shm"):
        if os.path.lexists(f"{path}{suffix}"):
            os.replace(f"{path}{suffix}", f"{target}{suffix}")
    return target


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with suppress(FileNotFoundError):
            os.remove(f"{path}{suffix}")


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


# ---- the schema ----------------------------------------------------------------------------


def _connect_writer(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    """The writer thread's connection to a file the cache has opened and checked (mode=rw:
    it never makes one)."""
    db = sqlite3.connect(
        f"{path.absolute().as_uri()}?mode=rw",
        uri=True,
        timeout=busy_timeout_s,
        isolation_level=None,
        check_same_thread=False,
    )
    try:
        db.execute("PRAGMA trusted_schema = OFF")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}")
    except BaseException:
        db.close()
        raise
    return db


def _shrink(db: sqlite3.Connection, max_bytes: int) -> None:
    """Give free pages back to the file system once they are a quarter of the cap. Not after
    every eviction: the next entries reuse those pages, and giving them back moves pages
    around (as slow as writing them again)."""
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    if free * db.execute("PRAGMA page_size").fetchone()[0] > max_bytes // 4:
        db.executescript("PRAGMA incremental_vacuum;")  # executescript: it runs to the end


def _no_eviction(_: object) -> int:
    return 0


@functools.cache
def _expected_schema() -> frozenset[tuple[str, str, str | None]]:
    db = sqlite3.connect(":memory:")
    for statement in _SCHEMA:
        db.execute(statement)
    objects = frozenset(db.execute("SELECT type, name, sql FROM sqlite_master"))
    db.close()
    return objects


def _schema_state(db: sqlite3.Connection) -> str:
    """'current', 'empty', 'first' (the first version's); raises _Damaged for anything else
    (sqlite3.DatabaseError for what SQLite cannot read)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    objects = frozenset(db.execute("SELECT type, name, sql FROM sqlite_master"))
    if version == SCHEMA_VERSION and objects == _expected_schema():
        return "current"
    if version == 0 and not objects:
        return "empty"
    if version == 0 and objects == _FIRST_SCHEMA:
        return "first"
    raise _Damaged(f"it is not this cache's database (schema version {version})")


def _create_schema(db: sqlite3.Connection) -> None:
    db.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # these two take only before the first table
    db.execute("PRAGMA auto_vacuum = INCREMENTAL")
    # WAL: readers never wait for a writer. With synchronous=NORMAL there is no fsync per
    # entry (a cold fan-out writes hundreds of 0.5 MB reports); a crash can lose only the
    # last entries, which are fetched again.
    db.execute("PRAGMA journal_mode = WAL")
    with _transaction(db):
        if db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
            return  # another process made it meanwhile
        for statement in _SCHEMA:
            db.execute(statement)
        db.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("salt", os.urandom(32)), ("bytes", 0), ("entries", 0)],
        )
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _meta(db: sqlite3.Connection, name: str) -> Any:
    row = db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
    return None if row is None else row[0]


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    # IMMEDIATE: take the write lock up front, so waiting for it honours the busy timeout.
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            with suppress(sqlite3.Error):
                db.execute("ROLLBACK")
        raise
