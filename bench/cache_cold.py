"""The cache's cost on a cold run: ``python bench/run.py warm`` prints it after the warm figures.

    cache_cold_ratio   a cold kit.quality with the cache on (a fresh cache directory), against
                       the same run with the cache off; rounds alternate which goes first,
                       the figure is the median of the rounds' ratios         goal <= 1.1x
    cache_writer_cpu   the cache writer thread's CPU seconds per cached run, against this
                       process's CPU (all its threads) in that run            informational

``python bench/cache_cold.py --compare OLD_TREE [--quick] [--rounds N]`` measures the same
with OLD_TREE's code (a checkout of main: ``git worktree add --detach /tmp/old main``) and
this tree's, in one run: one process per tree (each with its own demo server and analysis
workers, started once), their runs interleaved (old off, new off, old on, new on, the order
turned each round), so that the shared machine's slow spells fall on both alike.
``--idle-writer`` adds a third process of this tree whose writer thread writes nothing: what
the cache costs besides SQLite's own work.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

NOW = "2026-11-18T15:00:00Z"
TOKEN = "bench-token"


def line(name: str, value: str, goal: str) -> None:
    print(f"{name}: {value} (goal {goal})", flush=True)


def ended_sessions(peers: int) -> list[str]:
    """Ended sessions of the demo world, newest first, holding at least `peers` joins."""
    from run import sessions_holding  # bench/run.py, beside this script (same NOW)

    return sessions_holding(peers)[0]


def loop_cpu_s() -> float:
    """CPU seconds of the kit's event-loop thread(s) so far (Linux: a thread's CPU clock)."""
    total = 0.0
    for thread in threading.enumerate():
        if thread.name == "rtk-notebook-loop" and thread.ident is not None:
            with contextlib.suppress(OSError, AttributeError):
                total += time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
    return total


class ColdRuns:
    """A demo server and the sessions to score; ``run(cached)`` is one cold kit.quality."""

    def __init__(self, quick: bool, server_cls: Any, latency_ms: float) -> None:
        self.sessions = ended_sessions(100 if quick else 500)
        self.server = server_cls(latency_ms)
        self.run(False)  # the server computes each report once; the analysis workers start

    def run(self, cached: bool) -> dict[str, Any]:
        import rtk_notebook as rtk

        directory = tempfile.mkdtemp(prefix="rtk-bench-cold-") if cached else None
        try:
            kit = rtk.connect(
                token=TOKEN,
                account_id=self.server.account_id,
                app_id=self.server.app_id,
                base_url=self.server.base_url,
                cache=directory or False,
            )
            loop_start = loop_cpu_s()
            faults_start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            cpu_start = time.process_time()
            start = time.perf_counter()
            kit.quality(self.sessions, progress=False)
            out: dict[str, Any] = {}
            if kit.cache is not None:
                stats = kit.cache.stats  # every write of the run committed: part of its cost
                out.update(stored=stats.stored, commits=getattr(stats, "commits", stats.stored))
            out.update(elapsed=time.perf_counter() - start, cpu=time.process_time() - cpu_start)
            out["loop_cpu"] = loop_cpu_s() - loop_start
            out["faults"] = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_start
            writer = getattr(kit.cache, "_writer", None)  # None: the old code, or no cache
            out["writer_cpu"] = None if writer is None else writer.cpu_s
            kit.close()
            return out
        finally:
            if directory is not None:
                shutil.rmtree(directory, ignore_errors=True)

    def close(self) -> None:
        self.server.close()


def report(runs: list[dict[str, Any]], label: str = "") -> None:
    """The figures from runs of one tree, in order: off/on pairs by round."""
    off = [r for r in runs if "stored" not in r]
    on = [r for r in runs if "stored" in r]
    ratios = [a["elapsed"] / b["elapsed"] for a, b in zip(on, off, strict=True)]
    cpu_off = statistics.median(r["cpu"] for r in off)
    cpu_on = statistics.median(r["cpu"] for r in on)
    loop_off = statistics.median(r["loop_cpu"] for r in off)
    loop_on = statistics.median(r["loop_cpu"] for r in on)
    faults_off = statistics.median(r["faults"] for r in off)
    faults_on = statistics.median(r["faults"] for r in on)
    print(
        f"# {label}cold kit.quality: cache off {statistics.median(r['elapsed'] for r in off):.2f} s"
        f" (median), on {statistics.median(r['elapsed'] for r in on):.2f} s; per-round ratios "
        f"{', '.join(f'{x:.2f}' for x in ratios)}; this process's CPU {cpu_off:.2f} s off, "
        f"{cpu_on:.2f} s on (its event loop's {loop_off:.2f} s off, {loop_on:.2f} s on; "
        f"minor page faults {faults_off:,.0f} off, {faults_on:,.0f} on); "
        f"{on[-1]['stored']} entries stored in {on[-1]['commits']} commits",
        flush=True,
    )
    line(f"{label}cache_cold_ratio", f"{statistics.median(ratios):.2f}x", "<= 1.1x")
    writer = [r["writer_cpu"] for r in on if r["writer_cpu"] is not None]
    if writer:
        share = statistics.median(r["writer_cpu"] / r["cpu"] for r in on)
        line(
            f"{label}cache_writer_cpu",
            f"{statistics.median(writer):.2f} s per run, {share:.0%} of the process's CPU",
            "informational",
        )


def bench_cache_cold(quick: bool, server_cls: Any, latency_ms: float) -> None:
    cold = ColdRuns(quick, server_cls, latency_ms)
    runs = []
    try:
        for r in range(3 if quick else 5):
            for cached in (False, True) if r % 2 == 0 else (True, False):
                runs.append(cold.run(cached))
    finally:
        cold.close()
    print(f"# {len(cold.sessions)} sessions, fresh cache directory per cached run")
    report(runs)


def serve(quick: bool, idle_writer: bool) -> None:
    """For --compare: run what stdin asks ("off"/"on"), one JSON line each. ``idle_writer``:
    the writer thread takes every batch and writes nothing (what the cache costs besides
    SQLite's own work)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run import LATENCY_MS, Server

    if idle_writer:
        from rtk_notebook.api import cache

        cache._Writer._write = lambda self, batch, generation: None  # type: ignore[method-assign]

    cold = ColdRuns(quick, Server, LATENCY_MS)
    print(json.dumps({"ready": len(cold.sessions)}), flush=True)
    try:
        for request in sys.stdin:
            print(json.dumps(cold.run(request.strip() == "on")), flush=True)
    finally:
        cold.close()


def compare(old: Path, quick: bool, rounds: int, idle_writer: bool) -> None:
    new = Path(__file__).resolve().parent.parent
    trees = {"old": old, "new": new}
    if idle_writer:
        trees["idle-writer"] = new
    procs = {}
    for name, tree in trees.items():
        # cwd: the analysis workers start `python -m rtk_notebook.quality.parallel` there
        procs[name] = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve"]
            + (["--quick"] if quick else [])
            + (["--idle-writer"] if name == "idle-writer" else []),
            cwd=tree,
            env=dict(os.environ, PYTHONPATH=str(tree)),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
    try:
        for name, proc in procs.items():
            assert proc.stdout is not None
            print(f"# {name} ({trees[name]}): {proc.stdout.readline().strip()}", flush=True)
        order = [(name, mode) for mode in ("off", "on") for name in trees]
        for r in range(rounds):
            turn = r % len(order)
            for name, mode in order[turn:] + order[:turn]:
                proc = procs[name]
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.write(mode + "\n")
                proc.stdin.flush()
                runs[name].append(json.loads(proc.stdout.readline()))
        for name in trees:
            # pair each tree's off and on runs by round, whichever came first
            report(runs[name], f"{name} ")
    finally:
        for proc in procs.values():
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--compare", type=Path, help="an old tree to measure in turn with this")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument(
        "--idle-writer",
        action="store_true",
        help="with --compare: a third process whose cache writer writes nothing",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.quick, args.idle_writer)
    elif args.compare is not None:
        compare(args.compare.resolve(), args.quick, args.rounds, args.idle_writer)
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from run import LATENCY_MS, Server

        bench_cache_cold(args.quick, Server, LATENCY_MS)


if __name__ == "__main__":
    main()
