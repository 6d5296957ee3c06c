"""Analysing many peer reports next to the requests that fetch them.

A fan-out over hundreds of peers is CPU-bound in the client, not in the network: each report
is 250-700 KB of JSON to parse and about a thousand samples to judge, some 15 ms of Python.
On the connection's one event-loop thread that work would hold back the next requests, so a
big batch is analysed in worker processes while the loop keeps fetching. What crosses to a
worker is the body's bytes; what comes back is the peer's analysis condensed to what its row
needs (:func:`~rtk_notebook.quality.analysis.condense`: a small dict of JSON values), which the
cache can also keep, so that a re-run costs neither requests nor analysis.

- :func:`condense_json`: one body in, its condensed analysis out (or what went wrong); what a
  worker runs.
- :class:`Analyst`: runs it in-process for a few peers, in worker processes for many.
- :data:`ANALYSIS_VERSION`: names the condensed analyses in the cache; it changes whenever the
  analysis code does, so results of older rules are never reused.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rtk_notebook._json import loads
from rtk_notebook.quality.analysis import analyze, condense, condense_detail
from rtk_notebook.quality.body import read_body

__all__ = ["ANALYSIS_VERSION", "MIN_BATCH", "Analyst", "PeerAnalysisError", "condense_json"]

MIN_BATCH = 32  # below this, starting worker processes costs more than it saves
MAX_PROCESSES = 4  # each worker holds numpy, pandas and pydantic: about 100 MB


def _analysis_version() -> str:
    # Every module the analysis reads from (models, the frames' schemas and builder, the
    # quality layer, secrets), so a change to any of them, a threshold included, never serves
    # rows analysed by older code.
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    parts = sorted(
        [*root.glob("models/*.py"), *root.glob("quality/*.py"), *root.glob("frames/*.py")]
        + [root / "secrets.py"]
    )
    if not parts:  # not installed as files: the version stands in for the code
        from importlib.metadata import version

        digest.update(version("rtk_notebook").encode())
    for part in parts:
        digest.update(part.relative_to(root).as_posix().encode())
        digest.update(part.read_bytes())
    return "quality-condensed-" + digest.hexdigest()[:16]


ANALYSIS_VERSION = _analysis_version()


class PeerAnalysisError(Exception):
    """Analysing one peer's report failed (perhaps in a worker): ``kind`` names the original
    exception's type, the message is its message."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def condense_json(raw: bytes | str, *, detail: bool = False) -> dict[str, Any]:
    """Parse, analyse and condense one peer-report body (``detail``: with its findings and
    samples, :func:`~rtk_notebook.quality.analysis.condense_detail`); a failure comes back as
    ``{"error": ...}`` (an exception's own class may not survive the trip back from a worker)."""
    try:
        # The samples straight into numpy, the rest through the model (masked); a body of
        # another shape is read whole. Either way, the same analysis.
        read = read_body(raw)
        pq = analyze(loads(raw)) if read is None else analyze(*read)
        return condense_detail(pq) if detail else condense(pq, jsonable=True)
    except Exception as exc:  # noqa: BLE001 - the peer's failure, reported in its row
        return {"error": type(exc).__name__, "message": str(exc)}


CGROUP_CPU_FILES: tuple[tuple[str, str | None], ...] = (
    ("/sys/fs/cgroup/cpu.max", None),  # cgroup v2: "quota period", or "max period"
    ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us"),  # v1
)


def usable_cpus() -> float:
    """The CPUs this process may use: its affinity, capped by a container's CPU quota
    (Binder and most notebook hosts run in a cgroup with fewer CPUs than the machine has)."""
    try:
        cpus: float = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows
        cpus = os.cpu_count() or 1
    for quota_file, period_file in CGROUP_CPU_FILES:
        try:
            quota, *rest = Path(quota_file).read_text().split()
            period = rest[0] if period_file is None else Path(period_file).read_text().strip()
        except (OSError, IndexError):
            continue
        if quota not in ("max", "-1") and quota.isdigit() and period.isdigit():
            cpus = min(cpus, int(quota) / int(period))
        break
    return cpus


def default_processes() -> int:
    """One worker per usable CPU, at most :data:`MAX_PROCESSES`; none with a single CPU (the
    fetching needs it, and the workers would only take turns with it)."""
    cpus = int(usable_cpus())
    return min(MAX_PROCESSES, cpus) if cpus > 1 else 0


class Analyst:
    """Turns peer-report bodies into condensed analyses: in-process, or in worker processes
    once a batch of at least :data:`MIN_BATCH` peers asks for it (``processes=0``: never).

    The workers are shared by every connection in this Python process: they start on the
    first big batch (in the background, while the first reports are fetched) and stay until
    the interpreter exits.
    """

    def __init__(self, processes: int | None = None) -> None:
        if processes is not None and processes < 0:
            raise ValueError(f"workers must be 0 or more (got {processes})")
        self.processes = default_processes() if processes is None else processes
        self._pool: _WorkerPool | None = None

    def __repr__(self) -> str:
        where = f"{self.processes} worker processes" if self.processes else "in-process"
        return f"Analyst({where})"

    def prepare(self, batch: int) -> None:
        """Use (and start) the workers if a batch this big is worth it."""
        if self._pool is None and self.processes > 0 and batch >= MIN_BATCH:
            self._pool = _shared_pool(self.processes)

    async def condense(self, raw: bytes | str, *, detail: bool = False) -> dict[str, Any]:
        """One body's condensed analysis (``detail``: with findings and samples, for a store);
        raises :class:`PeerAnalysisError` when it cannot be analysed."""
        if self._pool is None:
            result = condense_json(raw, detail=detail)
        else:
            loop = asyncio.get_running_loop()
            pool = self._pool
            result = await loop.run_in_executor(pool.threads, pool.run, raw, detail)
        if "error" in result:
            raise PeerAnalysisError(result["error"], result["message"])
        return result


# ---- the workers ---------------------------------------------------------------------------
# A worker is fed over a pair of pipes: a 4-byte length, then one byte (R: the row's analysis,
# D: with findings and samples) and a body; it answers the same way with the condensed analysis
# as JSON (an empty body is a ping, answered ``{}``). Plain pipes rather than
# ``multiprocessing``: its spawned workers re-import the user's script (running it again unless
# guarded by ``if __name__ == "__main__"``, failing when it came from stdin), and forking a
# process with threads (a kernel has several) can deadlock. So one fresh process is started,
# ``python -m rtk_notebook.quality.parallel``, on its stdin and stdout; where the system can
# fork, it imports the analysis once and then forks the other workers, each on its own pair of
# pipes made by the parent: one import instead of one per worker (about a second of CPU each,
# while the first reports wait), and their memory pages shared. It has no thread of its own
# to fork with. One thread per worker in the parent does the blocking pipe I/O, which lets go
# of the GIL, so the event loop is never blocked and any loop can use the same workers.


_ROW, _DETAIL = b"R", b"D"
_OWN_GROUP: dict[str, Any] = {"process_group": 0} if os.name == "posix" else {}
# The analysis is single-threaded numpy: math libraries' thread pools would only compete with
# the other workers and the event loop for the same cores.
_ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class _Worker:
    """One worker, seen from the parent: its pipes, and the process to stop if it will not."""

    def __init__(self, requests: Any, answers: Any, proc: subprocess.Popen[bytes]) -> None:
        self.requests, self.answers, self.proc = requests, answers, proc

    def call(self, raw: bytes, detail: bool = False) -> bytes:
        """``raw`` analysed in the worker; an empty ``raw`` is a ping."""
        message = (_DETAIL if detail else _ROW) + raw if raw else b""
        self.requests.write(len(message).to_bytes(4, "big") + message)
        self.requests.flush()
        size = int.from_bytes(_read_exactly(self.answers, 4), "big")
        return _read_exactly(self.answers, size)

    def close(self) -> None:
        """End of input: the worker ends (its started process reaps it)."""
        for stream in (self.requests, self.answers):
            with contextlib.suppress(OSError):
                stream.close()


def _spawn(siblings: int) -> list[_Worker]:
    """Start one worker process that forks ``siblings`` more; all of them, imports done."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)  # import as we do
    for name in _ONE_THREAD:
        env.setdefault(name, "1")
    pipes = [(os.pipe(), os.pipe()) for _ in range(siblings)]  # (requests, answers) each
    theirs = [fd for (req_r, _), (_, ans_w) in pipes for fd in (req_r, ans_w)]
    try:
        # A process group of its own (the siblings inherit it): Jupyter's Stop (and Ctrl-C in
        # a terminal) signals the kernel's whole group, and a worker must not die mid-report
        # printing a traceback into the cell. Its parent stops it instead (end of input).
        proc = subprocess.Popen(
            [sys.executable, "-m", "rtk_notebook.quality.parallel", *map(str, theirs)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            pass_fds=theirs,
            **_OWN_GROUP,
        )
    finally:
        for fd in theirs:
            os.close(fd)
    assert proc.stdin is not None and proc.stdout is not None
    workers = [_Worker(proc.stdin, proc.stdout, proc)]
    for (_, req_w), (ans_r, _) in pipes:
        workers.append(_Worker(os.fdopen(req_w, "wb"), os.fdopen(ans_r, "rb"), proc))
    for worker in workers:
        worker.call(b"")  # waits for its imports
    return workers


def start_workers(processes: int) -> list[_Worker]:
    """``processes`` workers: one started process and its forks, or (without ``fork``) a
    process each."""
    if hasattr(os, "fork"):
        return _spawn(processes - 1)
    return [worker for _ in range(processes) for worker in _spawn(0)]


def _read_exactly(stream: Any, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("the analysis worker stopped")
    return data


class _WorkerPool:
    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.threads = ThreadPoolExecutor(processes, thread_name_prefix="rtk-analysis")
        # Each slot holds a worker, or None: analyse in this process (no worker, or it died).
        self._slots: queue.SimpleQueue[_Worker | None] = queue.SimpleQueue()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        self.ready = threading.Event()
        self.busy = 0  # reports being analysed right now
        self.analysed = 0  # reports analysed since the pool started
        # Start them now, while the first reports are fetched.
        threading.Thread(target=self._start, name="rtk-analysis-start", daemon=True).start()

    def _start(self) -> None:
        try:
            workers = start_workers(self.processes)
        except (OSError, EOFError, ValueError):  # no worker: this process analyses
            workers = []
        with self._lock:
            if self._closed:
                for worker in workers:
                    worker.close()
                workers = []
            self._workers.extend(workers)
        for slot in [*workers, *[None] * (self.processes - len(workers))]:
            self._slots.put(slot)
        self.ready.set()

    def workers(self) -> list[_Worker]:
        """The workers started (after waiting for them)."""
        self.ready.wait()
        with self._lock:
            return list(self._workers)

    def run(self, raw: bytes | str, detail: bool = False) -> dict[str, Any]:
        """Analyse in a free worker; in this process if there is none."""
        data = raw.encode() if isinstance(raw, str) else bytes(raw)
        worker = self._slots.get()  # one slot per thread: never waits for long
        with self._lock:
            self.busy += 1
        try:
            if worker is not None:
                try:
                    return loads(worker.call(data, detail))
                except (OSError, EOFError, ValueError):
                    # A worker that died: this slot analyses by itself from now on (slower,
                    # as it shares this process's GIL, but every peer still gets its row).
                    worker.close()
                    worker = None
            return condense_json(data, detail=detail)
        finally:
            self._slots.put(worker)
            with self._lock:
                self.busy -= 1
                self.analysed += 1

    def close(self) -> None:
        self.threads.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.close()
        for proc in {id(w.proc): w.proc for w in workers}.values():
            _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Reap the started process (its input has ended); kill its group if it will not stop."""
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            if _OWN_GROUP:
                os.killpg(proc.pid, signal.SIGKILL)  # it and its forks
            else:
                proc.kill()


_pools: dict[int, _WorkerPool] = {}
_pools_lock = threading.Lock()


def _shared_pool(processes: int) -> _WorkerPool:
    with _pools_lock:
        if processes not in _pools:
            if not _pools:
                atexit.register(_close_pools)
            _pools[processes] = _WorkerPool(processes)
        return _pools[processes]


def _close_pools() -> None:
    with _pools_lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()


def serve(stdin: Any, stdout: Any) -> None:
    """A worker's loop: a body in, its condensed analysis out, until the input ends."""
    while True:
        head = stdin.read(4)
        if len(head) < 4:
            return
        message = _read_exactly(stdin, int.from_bytes(head, "big"))
        mode, raw = message[:1], message[1:]
        try:
            out = json.dumps(condense_json(raw, detail=mode == _DETAIL) if raw else {}).encode()
        except Exception as exc:  # noqa: BLE001 - a result that will not encode: say so, go on
            out = json.dumps({"error": type(exc).__name__, "message": str(exc)}).encode()
        stdout.write(len(out).to_bytes(4, "big") + out)
        stdout.flush()


def _fork_siblings(fds: list[int]) -> None:
    """Fork one worker per pair of pipe ends (requests read, answers write); this process goes
    on with its stdin and stdout. A fork takes its pair as its stdin and stdout, and closes
    every other worker's ends, so that each pipe ends when its own worker does."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the forks are reaped as they end
    pairs = list(zip(fds[::2], fds[1::2], strict=True))
    for requests, answers in pairs:
        if os.fork() == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.dup2(requests, 0)
            os.dup2(answers, 1)
            for fd in fds:
                os.close(fd)
            return
    for fd in fds:
        os.close(fd)


def main() -> None:
    # The parent stops a worker (end of input); an interrupt meant for the kernel is not ours.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _fork_siblings([int(fd) for fd in sys.argv[1:]])
    channel = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the answers
    try:
        serve(sys.stdin.buffer, channel)
    except (BrokenPipeError, EOFError):
        # The parent went away mid-answer: nothing to say, and nothing left to flush at exit
        # (the recipe in Python's docs on SIGPIPE).
        os.dup2(os.open(os.devnull, os.O_WRONLY), channel.fileno())
    _wait_for_forks()


def _wait_for_forks() -> None:
    """Return once every fork of this process has ended, so that none outlives it unreaped."""
    if not hasattr(os, "fork"):
        return
    with contextlib.suppress(ChildProcessError):  # no fork left (or none made)
        while True:
            os.wait()


if __name__ == "__main__":
    main()
