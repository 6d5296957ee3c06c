"""The demo's peer-report route: CPU per peer, and kit.quality's own CPU on the in-process demo.

``python bench/demo_peers.py cpu`` prints, for this checkout, the CPU seconds
(``time.process_time``) per peer of the route ``GET sessions/peer-report/{peer_id}`` (nothing
kept: every peer simulated and written), over 300 peers of three worlds (seed 7 at scale 1,
seed 3 at scale 4, the 60-day seed 3 world with regressions), both apps; and the main
process's CPU per peer of ``kit.quality`` over ~500 peers with the in-process demo (its
worker processes not counted: that is the CPU that competes with the notebook).

``python bench/demo_peers.py compare OLD_CHECKOUT`` runs ``cpu`` for OLD_CHECKOUT and for this
checkout alternately (3 rounds, fresh processes, the same code measuring) and prints the
ratios old / new of the best of each: the machine is shared, so only ratios from one run mean
anything.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

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


def route_cpu_ms() -> float:
    import httpx

    from rtk_notebook.demo import DemoBackend, DemoWorld

    worlds = [
        DemoWorld(seed=7, now=NOW),
        DemoWorld(seed=3, now=NOW, scale=4),
        DemoWorld(seed=3, now=NOW, days=60),
    ]
    headers = httpx.Headers({"Authorization": "Bearer any"})
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
    backend0, path0 = requests[0]
    backend0.handle("GET", path0, [], headers, b"")  # first-use imports and tables
    _forget_simulations()
    start = time.process_time()
    for backend, path in requests:
        reply = backend.handle("GET", path, [], headers, b"")
        assert reply.status == 200, reply.body[:200]
    return 1000 * (time.process_time() - start) / len(requests)


def quality_cpu_ms() -> float:
    import rtk_notebook as rtk
    from rtk_notebook.demo import DemoWorld

    demo = DemoWorld(now=NOW)
    app = demo.apps[0]
    chosen, count = [], 0
    for i in reversed(range(app.session_count)):
        if not app.is_live(i):
            chosen.append(app.session_id(i))
            count += len(app.joins(i))
            if count >= QUALITY_PEERS:
                break
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
    best: dict[str, dict[str, float]] = {"old": {}, "new": {}}
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
                best[name][key] = min(value, best[name].get(key, float("inf")))
            print(f"# {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in found.items()), flush=True)
    for key in best["old"]:
        old_ms, new_ms = best["old"][key], best["new"][key]
        print(
            f"{key}: old {old_ms:.3f} ms/peer, new {new_ms:.3f} ms/peer,"
            f" old/new {old_ms / new_ms:.2f}x"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["compare"]:
        compare(sys.argv[2])
    else:
        cpu()
