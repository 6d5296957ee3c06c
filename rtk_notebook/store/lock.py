"""One writer at a time: the lock a sync (or a prune) holds on a store.

On a local disk it is an ``fcntl`` lock on ``.sync.lock``: the operating system releases it
when the holder dies, ``kill -9`` included, so a crash never leaves the store locked. An
object store has no such lock: there the lock is a lease object (holder, expiry) that the
holder renews while it works; an expired lease is taken over. The lease is best effort (two
writers starting within the same second could both believe they won); run one syncing
process per store on object storage.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from rtk_notebook.errors import RTKError
from rtk_notebook.store.files import is_local, read_json, write_atomic
from rtk_notebook.store.layout import LOCK

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

LEASE_S = 120.0
POLL_S = 0.2
# One process's locks on memory:// stores (which live only in this process).
_memory_locks: dict[str, threading.Lock] = {}


class StoreBusyError(RTKError):
    """Another sync is writing this store."""


def _holder() -> dict[str, Any]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "token": uuid.uuid4().hex,
    }


def _busy(root: str, holder: Any, waited: float) -> StoreBusyError:
    who = ""
    if isinstance(holder, dict):
        who = f" (pid {holder.get('pid')} on {holder.get('host')}, since {holder.get('since')})"
    waited_text = f" after waiting {waited:g} s" if waited else ""
    return StoreBusyError(
        f"another sync is writing the store at {root}{who}{waited_text}; wait for it to "
        "finish, or pass lock_timeout= (seconds) to wait"
    )


class StoreLock:
    """``with StoreLock(fs, root, timeout): ...``; raises :class:`StoreBusyError` after
    ``timeout`` seconds (0: at once) if another writer holds it."""

    def __init__(self, fs: AbstractFileSystem, root: str, timeout: float = 0.0) -> None:
        self.fs, self.root, self.timeout = fs, root, timeout
        self.path = f"{root}/{LOCK}"
        self._file: Any = None
        self._lease: dict[str, Any] | None = None
        self._memory: threading.Lock | None = None
        self._renewing: threading.Thread | None = None
        self._stop = threading.Event()

    def __enter__(self) -> StoreLock:
        self.fs.makedirs(self.root, exist_ok=True)
        if is_local(self.fs):
            self._lock_file()
        else:
            self._take_lease()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    # -- a local disk: fcntl ------------------------------------------------------------------

    def _lock_file(self) -> None:
        import fcntl

        handle = open(self.path, "a+")  # noqa: SIM115 - held until release()
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = _parse(handle.read())
                    handle.close()
                    raise _busy(self.root, holder, self.timeout) from None
                time.sleep(POLL_S)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(_holder()))
        handle.flush()
        self._file = handle

    # -- an object store: a lease -------------------------------------------------------------

    def _take_lease(self) -> None:
        protocol = self.fs.protocol if isinstance(self.fs.protocol, str) else self.fs.protocol[0]
        if protocol == "memory":
            self._memory = _memory_locks.setdefault(self.root, threading.Lock())
            if not self._memory.acquire(timeout=self.timeout if self.timeout > 0 else -1):
                self._memory = None
                raise _busy(self.root, read_json(self.fs, self.path), self.timeout)
        deadline = time.monotonic() + self.timeout
        mine = {**_holder(), "expires": 0.0}
        while True:
            current = read_json(self.fs, self.path)
            free = not isinstance(current, dict) or float(current.get("expires", 0)) < time.time()
            if free:
                mine["expires"] = time.time() + LEASE_S
                write_atomic(self.fs, self.path, json.dumps(mine).encode())
                time.sleep(POLL_S)  # a writer racing us overwrites within this; read back
                back = read_json(self.fs, self.path)
                if isinstance(back, dict) and back.get("token") == mine["token"]:
                    break
            if time.monotonic() >= deadline:
                if self._memory is not None:
                    self._memory.release()
                raise _busy(self.root, current, self.timeout)
            time.sleep(POLL_S)
        self._lease = mine
        self._renewing = threading.Thread(target=self._renew, daemon=True, name="rtk-store-lease")
        self._renewing.start()

    def _renew(self) -> None:
        while not self._stop.wait(LEASE_S / 4):
            lease = self._lease
            if lease is None:
                return
            lease["expires"] = time.time() + LEASE_S
            # A failed renewal is tried again next time; the lease lasts LEASE_S.
            with contextlib.suppress(OSError):
                write_atomic(self.fs, self.path, json.dumps(lease).encode())

    def release(self) -> None:
        self._stop.set()
        if self._file is not None:
            import fcntl

            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._lease is not None:
            self._lease = None
            with contextlib.suppress(FileNotFoundError):
                self.fs.rm(self.path)
        if self._memory is not None:
            self._memory.release()
            self._memory = None


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
