"""The demo's peer-report bodies, hashed and timed: a speed change to the simulator or to the
writing of its samples must give the same bytes.

``python bench/peer_reports.py hash OUT.json`` writes the sha256 of every body, peer by peer:
``DemoWorld(seed=7)``'s ended sessions of the last 7 days and a sample of a 60-day world with
regressions (``DemoWorld(seed=3, days=60)``), both at a fixed clock. Run it before and after
a change and compare the files (``cmp``). ``python bench/peer_reports.py time`` prints the
best of 3 ms/peer of ``simulate_peer``, of ``PeerSim.quality(sample_rows)`` and of the rest
of the body's JSON, and of the whole route (no cache).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import time
from collections.abc import Iterator

import httpx

from rtk_notebook.demo import DemoBackend, DemoWorld, world
from rtk_notebook.demo.netsim import simulate_peer
from rtk_notebook.demo.wire import sample_rows, to_json
from rtk_notebook.demo.world import AppWorld, Join

NOW = dt.datetime(2026, 11, 18, 15, 0, tzinfo=dt.UTC)


def ended_joins(demo: DemoWorld, days: int) -> tuple[AppWorld, list[Join]]:
    app = demo.apps[0]
    since = (demo.now - dt.timedelta(days=days)).timestamp()
    sessions = range(app.session_count)
    recent = [i for i in sessions if not app.is_live(i) and app.start_ts[i] >= since]
    return app, [join for i in recent for join in app.joins(i)]


def bodies(demo: DemoWorld, joins: list[Join]) -> Iterator[tuple[str, bytes]]:
    backend = DemoBackend(demo, keep_bytes=0)
    root = f"/client/v4/accounts/{demo.account_id}/realtime/kit/{demo.apps[0].id}"
    headers = httpx.Headers({"Authorization": "Bearer any"})
    for join in joins:
        path = f"{root}/sessions/peer-report/{join.peer_id}"
        reply = backend.handle("GET", path, [], headers, b"")
        assert reply.status == 200, reply.body[:200]
        yield join.peer_id, reply.body


def digests(demo: DemoWorld, joins: list[Join]) -> dict[str, str]:
    return {peer: hashlib.sha256(body).hexdigest() for peer, body in bodies(demo, joins)}


def hash_all(out: str) -> None:
    week = DemoWorld(seed=7, now=NOW)
    history = DemoWorld(seed=3, now=NOW, days=60)
    app, joins = ended_joins(history, 60)
    hits = [j for j in joins if app.regression_hit(j) is not None]
    found = {
        "seed7_week": digests(week, ended_joins(week, 7)[1]),
        "seed3_days60": digests(history, joins[::10] + hits[::3]),
    }
    with open(out, "w") as file:
        json.dump(found, file, indent=0, sort_keys=True)
    for name, peers in found.items():
        whole = hashlib.sha256("".join(peers[p] for p in sorted(peers)).encode())
        print(name, len(peers), "peers", whole.hexdigest()[:16])


def time_all(repeats: int = 3) -> None:
    demo = DemoWorld(seed=7, now=NOW)
    app, joins = ended_joins(demo, 7)
    best = [float("inf")] * 4
    for _ in range(repeats):
        spent = [0.0] * 4
        for join in joins:
            hit = app.regression_hit(join)
            t0 = time.perf_counter()
            sim = simulate_peer(
                f"{demo.seed}:{join.peer_id}",
                join.profile,
                join.joined,
                join.left or demo.now,
                peer_id=join.peer_id,
                video=join.video,
                screenshare=join.screenshare,
                path_profile=None if hit is None else hit.path,
            )
            t1 = time.perf_counter()
            quality = sim.quality(sample_rows)
            t2 = time.perf_counter()
            to_json({"metadata": sim.metadata, "quality": quality, **sim.peer_stats_report})
            t3 = time.perf_counter()
            for k, spell in enumerate((t1 - t0, t2 - t1, t3 - t2)):
                spent[k] += spell
        world.SIMULATED.clear()
        t0 = time.perf_counter()
        for _ in bodies(demo, joins):
            pass
        spent[3] = time.perf_counter() - t0
        world.SIMULATED.clear()
        best = [min(b, 1000 * s / len(joins)) for b, s in zip(best, spent, strict=True)]
    names = ("simulate_peer", "quality(sample_rows)", "rest_to_json", "route")
    print(
        json.dumps(
            {"peers": len(joins)} | {n: round(b, 3) for n, b in zip(names, best, strict=True)}
        )
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["hash"]:
        hash_all(sys.argv[2])
    else:
        time_all()
