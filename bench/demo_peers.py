"""The demo's peer-report route: CPU per peer, and kit.quality's own CPU on the in-process demo.

``python bench/demo_peers.py cpu`` prints, for this checkout, the CPU seconds
(``time.process_time``) per peer of the route ``GET sessions/peer-report/{peer_id}`` (nothing
kept: every peer simulated and written), over 300 peers of three worlds (seed 7 at scale 1,
seed 3 at scale 4, the 60-day seed 3 world with regressions), both apps; and the main
process's CPU per peer of ``kit.quality`` over ~500 peers with the in-process demo (its
worker processes not counted: that is the CPU that competes with the notebook).

``python bench/demo_peers.py compare OLD_CHECKOUT [ROUNDS]`` runs ``cpu`` for OLD_CHECKOUT and
for this checkout alternately (3 rounds by default; fresh processes, the same code measuring)
and prints the ratios old / new of the best of each, and of the medians: the machine is
shared, so only ratios from one run mean anything.
``python bench/demo_peers.py duel OLD_CHECKOUT [ROUNDS]`` measures the route alone more
finely: an old and a new process answer the same batches of 10 peers in turn, so that both
see the same load, and it prints the ratio of their total CPU.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

NOW = dt.datetime(2026, 11, 18, 15, 0, tzinfo=dt.UTC)
ROUTE_PEERS = 300
QUALITY_PEERS = 500


def _forget_simulations() -> None:
    from rtk_notebook.demo import world

    kept = getattr(world, "SIMULATED", None)  # this checkout's cache, or the older lru_cache
    if kept is not None:
        kept.clear()
    else:
        world._simulate_cached.cache_clear()  # type: ignore[attr-defined]


Requests = list[tuple[Any, str]]


def route_requests() -> Requests:
    """(backend, path) of ROUTE_PEERS peer reports: three worlds, both apps, nothing kept."""
    from rtk_notebook.demo import DemoBackend, DemoWorld

    worlds = [
        DemoWorld(seed=7, now=NOW),
        DemoWorld(seed=3, now=NOW, scale=4),
        DemoWorld(seed=3, now=NOW, days=60),
    ]
    requests = []
    share = ROUTE_PEERS // (2 * len(worlds))
    for demo in worlds:
        for app in demo.apps:
            joins = []
            for i in reversed(range(app.session_count)):
                if not app.is_live(i):
                    joins.extend(app.joins(i))
                if len(joins) >= share:
                    break
            root = f"/client/v4/accounts/{demo.account_id}/realtime/kit/{app.id}"
            backend = DemoBackend(demo, keep_bytes=0)
            requests += [(backend, f"{root}/sessions/peer-report/{j.peer_id}") for j in joins]
    return requests


def serve(requests: Requests) -> float:
    """CPU seconds of answering ``requests``, each simulated afresh."""
    import httpx

    headers = httpx.Headers({"Authorization": "Bearer any"})
    _forget_simulations()
    start = time.process_time()
    for backend, path in requests:
        reply = backend.handle("GET", path, [], headers, b"")
        assert reply.status == 200, reply.body[:200]
    return time.process_time() - start


def route_cpu_ms() -> float:
    requests = route_requests()
    serve(requests[:1])  # first-use imports and tables
    return 1000 * serve(requests) / len(requests)


def quality_cpu_ms() -> float:
    from run import NOW as RUN_NOW
    from run import sessions_holding  # bench/run.py, beside this script

    import rtk_notebook as rtk
    from rtk_notebook.demo import DemoWorld

    assert dt.datetime.fromisoformat(RUN_NOW) == NOW  # the same world, so the same sessions
    chosen, _ = sessions_holding(QUALITY_PEERS)
    demo = DemoWorld(now=NOW)
    with rtk.connect(demo=demo) as kit:
        kit.sessions(limit=1)
        kit.quality(chosen[-1:], progress=False)  # worker processes started, not counted
        start = time.process_time()
        rows = kit.quality(chosen, progress=False)
        spent = time.process_time() - start
    return 1000 * spent / len(rows)


def cpu() -> None:
    print(json.dumps({"route_ms": route_cpu_ms(), "quality_main_ms": quality_cpu_ms()}))


def compare(old: str, rounds: int = 3) -> None:
    here = Path(__file__).resolve().parent.parent
    runs: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    for _ in range(rounds):
        for name, checkout in (("old", Path(old).resolve()), ("new", here)):
            env = dict(os.environ, PYTHONPATH=str(checkout))
            out = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "cpu"],
                cwd=checkout,  # worker processes start from the checkout's own code
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            found = json.loads(out.strip().splitlines()[-1])
            for key, value in found.items():
                runs[name].setdefault(key, []).append(value)
            print(f"# {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in found.items()), flush=True)
    for key in runs["old"]:
        old_ms, new_ms = min(runs["old"][key]), min(runs["new"][key])
        mid_old, mid_new = statistics.median(runs["old"][key]), statistics.median(runs["new"][key])
        print(
            f"{key}: best old {old_ms:.3f} ms/peer, new {new_ms:.3f} ms/peer,"
            f" old/new {old_ms / new_ms:.2f}x (medians {mid_old / mid_new:.2f}x)"
        )


def batches() -> None:
    """For ``duel``: answer batch k of the requests on each line "k", print its CPU seconds."""
    requests = route_requests()
    serve(requests[:1])
    print("ready", len(requests), flush=True)
    for line in sys.stdin:
        k = int(line)
        print(serve(requests[k * DUEL_BATCH : (k + 1) * DUEL_BATCH]), flush=True)


DUEL_BATCH = 10


def duel(old: str, rounds: int = 3) -> None:
    """The route's CPU, old and new in two processes answering the same batches of 10 peers
    in turn: both see the same load on a shared machine, batch by batch."""
    here = Path(__file__).resolve().parent.parent
    procs = []
    for checkout in (Path(old).resolve(), here):
        procs.append(
            subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "batches"],
                cwd=checkout,
                env=dict(os.environ, PYTHONPATH=str(checkout)),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    counts = [int(p.stdout.readline().split()[1]) for p in procs if p.stdout]
    assert counts[0] == counts[1], counts
    spent = [0.0, 0.0]
    ratios = []
    for _ in range(rounds):
        for k in range(counts[0] // DUEL_BATCH):
            pair = []
            for proc in procs if k % 2 else procs[::-1]:
                assert proc.stdin and proc.stdout
                proc.stdin.write(f"{k}\n")
                proc.stdin.flush()
                pair.append(float(proc.stdout.readline()))
            old_s, new_s = pair if k % 2 else pair[::-1]
            spent[0] += old_s
            spent[1] += new_s
            ratios.append(old_s / new_s)
    for proc in procs:
        proc.kill()
    peers = rounds * (counts[0] // DUEL_BATCH) * DUEL_BATCH
    print(
        f"route_cpu: old {1000 * spent[0] / peers:.3f} ms/peer, new {1000 * spent[1] / peers:.3f}"
        f" ms/peer over {peers} peers each: old/new {spent[0] / spent[1]:.2f}x (median of"
        f" {len(ratios)} batch ratios {statistics.median(ratios):.2f}x)"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["compare"]:
        compare(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3)
    elif sys.argv[1:2] == ["duel"]:
        duel(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3)
    elif sys.argv[1:2] == ["batches"]:
        batches()
    else:
        cpu()
