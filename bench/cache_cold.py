"""The cache's cost on a cold run: ``python bench/run.py warm`` prints it after the warm figures.

    cache_cold_ratio   a cold kit.quality with the cache on (a fresh cache directory), against
                       the same run with the cache off; rounds alternate the two  goal <= 1.1x
    cache_writer_cpu   the cache writer thread's CPU seconds during the cached runs, against
                       their wall time and this process's CPU             informational

``python bench/cache_cold.py --compare OLD_TREE [--quick]`` measures the same in OLD_TREE (a
checkout of main, e.g. ``git worktree add --detach /tmp/old main``) and in this tree, one
after the other, each in its own process with that tree's code, twice in turn.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

NOW = "2026-11-18T15:00:00Z"
TOKEN = "bench-token"


def line(name: str, value: str, goal: str) -> None:
    print(f"{name}: {value} (goal {goal})", flush=True)


def ended_sessions(peers: int) -> list[str]:
    """Ended sessions of the demo world, newest first, holding at least `peers` joins."""
    from rtk_notebook.demo import DemoWorld

    app = DemoWorld(now=NOW).apps[0]
    chosen, count = [], 0
    for i in reversed(range(app.session_count)):
        if app.is_live(i):
            continue
        chosen.append(app.session_id(i))
        count += len(app.joins(i))
        if count >= peers:
            break
    return chosen


def writer_cpu_s(cache: Any) -> float | None:
    """CPU seconds of the cache's writer thread so far (None where there is none: old code)."""
    writer = getattr(cache, "_writer", None)
    return None if writer is None else float(writer.cpu_s)


def bench_cache_cold(quick: bool, server_cls: Any, latency_ms: float) -> None:
    import rtk_notebook as rtk

    sessions = ended_sessions(100 if quick else 500)
    rounds = 2 if quick else 3
    server = server_cls(latency_ms)
    off: list[float] = []
    on: list[float] = []
    writer: list[float] = []
    cpu: list[float] = []
    commits: list[int] = []
    stored: list[int] = []
    try:

        def run(cache: Any) -> float:
            kit = rtk.connect(
                token=TOKEN,
                account_id=server.account_id,
                app_id=server.app_id,
                base_url=server.base_url,
                cache=cache,
            )
            cpu_start = time.process_time()
            start = time.perf_counter()
            kit.quality(sessions, progress=False)
            if kit.cache is not None:
                stats = kit.cache.stats  # every write of the run committed: part of its cost
                commits.append(getattr(stats, "commits", stats.stored))
                stored.append(stats.stored)
            elapsed = time.perf_counter() - start
            if kit.cache is not None:
                cpu.append(time.process_time() - cpu_start)
                spent = writer_cpu_s(kit.cache)
                if spent is not None:
                    writer.append(spent)
            kit.close()
            return elapsed

        run(False)  # the server computes each report once, and the analysis workers start
        for r in range(rounds):
            directory = tempfile.mkdtemp(prefix="rtk-bench-cold-")
            try:
                # Alternate which goes first, so a slow spell of the machine falls on both.
                if r % 2:
                    on.append(run(directory))
                    off.append(run(False))
                else:
                    off.append(run(False))
                    on.append(run(directory))
            finally:
                shutil.rmtree(directory, ignore_errors=True)
    finally:
        server.close()
    ratios = [a / b for a, b in zip(on, off, strict=True)]
    print(
        f"# cold kit.quality over {len(sessions)} sessions: cache off "
        f"{', '.join(f'{s:.2f}' for s in off)} s, on {', '.join(f'{s:.2f}' for s in on)} s "
        f"(per-round ratios {', '.join(f'{x:.2f}' for x in ratios)}); "
        f"{stored[-1]} entries stored in {commits[-1]} commits"
    )
    line("cache_cold_ratio", f"{statistics.median(ratios):.2f}x", "<= 1.1x")
    if writer:
        print(
            f"# writer thread CPU {statistics.median(writer):.2f} s per cached run, "
            f"against {statistics.median(on):.2f} s wall and {statistics.median(cpu):.2f} s "
            "of this process's CPU (all its threads; the analysis workers are other processes)"
        )
        share = statistics.median(w / c for w, c in zip(writer, cpu, strict=True))
        line("cache_writer_cpu", f"{share:.0%} of the process's CPU", "informational")


def compare(old: Path, quick: bool) -> None:
    """This file run by OLD's code and by this tree's, each in its own process, in turn."""
    new = Path(__file__).resolve().parent.parent
    order = [("old", old), ("new", new)]
    for turn in range(2):
        for name, tree in order if turn == 0 else order[::-1]:
            env = dict(os.environ, PYTHONPATH=str(tree))
            print(f"## {name}: {tree}", flush=True)
            # cwd: the analysis workers start `python -m rtk_notebook.quality.parallel` there
            args = [sys.executable, str(Path(__file__).resolve())] + (["--quick"] if quick else [])
            subprocess.run(args, cwd=tree, env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--compare", type=Path, help="an old tree to measure in turn with this")
    args = parser.parse_args()
    if args.compare is not None:
        compare(args.compare.resolve(), args.quick)
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run import LATENCY_MS, Server

    bench_cache_cold(args.quick, Server, LATENCY_MS)


if __name__ == "__main__":
    main()
