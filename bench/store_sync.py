"""The store's benchmarks: ``kit.sync`` against the demo (``python bench/run.py store``).

    sync_vs_rate_bound    a sync against the loopback demo with its rate limit on, scaled
                          down to 60 requests per 15 s (the client paced to the same), against
                          the bound requests / rate                             goal <= 1.15x
    resync_requests       a second sync of the same, unchanged range: its requests
                                                                   goal: lists only
    resync_speedup        first sync / second sync of a range of several hundred peers
                                                                             goal >= 20x
    store_bytes_per_peer  all tables' bytes per peer, against the mean peer report's JSON
                          (the rate-limited sync's store and reports)        goal <= 1/8
    sync_peak_memory      peak RSS of a sync above its start, for about 1,250, 2,500 and
                          5,000 peers, each in a fresh process         goal <= 400 MB, flat

The resync and memory runs serve the demo in-process, each peer report answered from a pool
of real demo reports: simulating a report costs the demo some 0.15 s of CPU, which would be
most of the time of a long sync on this 2-core machine, and its caches (simulated peers, the
encoded answers) would count in the memory measured. The memory runs also answer each
pooled report's analysis from a memo (the same JSON a worker sends back, parsed anew for
every peer), so what they measure is the sync's own memory and pace: the analysis workers are
other processes, holding one report at a time.

``python bench/store_sync.py --memory-child PEERS`` is one memory run (one JSON line out).
"""

from __future__ import annotations

import argparse
import collections
import gc
import json
import subprocess
import sys
import tempfile
import time
import zlib
from typing import Any

import httpx

NOW = "2026-11-18T15:00:00Z"
END = "2026-11-18T00:00:00Z"  # syncs end here: the sessions still live at NOW started later
TOKEN = "bench-token"
RATE = (60, 15.0)  # the demo's limit, scaled down from Cloudflare's 1,200 per 300 s
PEERS_PER_SCALE = 2550  # about the peers of the demo world at scale 1 (any number of days)
PEERS_A_DAY = 150  # in the memory runs: the number of peers grows with the days, not per day
POOL_SIZE = 48


def line(name: str, value: str, goal: str) -> None:
    print(f"{name}: {value} (goal {goal})", flush=True)


# -- the demo, served in-process from a pool of real reports ---------------------------------


def request_kind(path: str) -> str:
    if "/peer-report/" in path:
        return "report"
    if path.endswith("/participants"):
        return "participants"
    if path.endswith("/sessions"):
        return "sessions list"
    if path.endswith("/recordings"):
        return "recordings list"
    if "analytics" in path:
        return "day-wise"
    return path.rsplit("/", 1)[-1]


REPORT_START = b'{"success":true,"data":{"participant":{"id":"'  # then the peer's id
ID_AT, ID_LENGTH = len(REPORT_START), 36


def report_pool(world: Any, size: int) -> list[bytes]:
    """The encoded reports of ``size`` peers spread over the world's ended sessions."""
    from rtk_notebook.demo import DemoBackend, DemoTransport

    app = world.apps[0]
    ended = [i for i in range(app.session_count) if not app.is_live(i)]
    step = max(1, len(ended) // size)
    peers = [app.joins(i)[0].peer_id for i in ended[::step] if app.joins(i)][:size]
    base = f"/client/v4/accounts/{world.account_id}/realtime/kit/{app.id}/sessions/peer-report"
    with httpx.Client(transport=DemoTransport(DemoBackend(world)), base_url="http://demo") as c:
        bodies = [
            c.get(f"{base}/{p}", headers={"Authorization": f"Bearer {TOKEN}"}).content
            for p in peers
        ]
    for peer, body in zip(peers, bodies, strict=True):
        assert body[ID_AT : ID_AT + ID_LENGTH].decode() == peer, body[:100]
    return bodies


def pooled_transport(world: Any, pool: list[bytes]) -> Any:
    """The demo in-process, every peer report answered from ``pool`` (by a hash of its
    path), as that peer's: its id in place of the pooled one. Counts requests by kind."""
    from rtk_notebook.demo import DemoBackend, DemoTransport

    class PooledReports(DemoTransport):
        def __init__(self) -> None:
            super().__init__(DemoBackend(world, keep_bytes=0))
            self.kinds: collections.Counter[str] = collections.Counter()

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            path = request.url.path
            self.kinds[request_kind(path)] += 1
            if "/peer-report/" not in path:
                return await super().handle_async_request(request)
            peer = path.rsplit("/", 1)[1].encode()
            pooled = pool[zlib.crc32(peer) % len(pool)]
            body = pooled.replace(pooled[ID_AT : ID_AT + ID_LENGTH], peer)
            headers = {"Content-Type": "application/json"}
            return httpx.Response(200, content=body, headers=headers, request=request)

    return PooledReports()


def memo_analyst(pool: list[bytes]) -> Any:
    """An analyst answering each pooled report with the JSON a worker would send back for
    it, parsed anew each time (as the workers' answers are), with the peer's id."""
    from rtk_notebook._json import loads
    from rtk_notebook.quality.parallel import Analyst, condense_json

    def key(raw: bytes) -> bytes:
        return raw[ID_AT + ID_LENGTH : ID_AT + ID_LENGTH + 400]  # the pooled peer's times

    answers = {key(raw): json.dumps(condense_json(raw, detail=True)).encode() for raw in pool}

    class MemoAnalyst(Analyst):
        async def condense(self, raw: bytes | str, *, detail: bool = False) -> dict[str, Any]:
            data = raw.encode() if isinstance(raw, str) else raw
            answer = loads(answers[key(data)])
            answer["peer_id"] = data[ID_AT : ID_AT + ID_LENGTH].decode()
            return answer

    return MemoAnalyst(0)


def sessions_between(world: Any, start: Any, end: Any) -> tuple[int, int]:
    """Sessions of the world's first app that started in ``[start, end)``, and their peers."""
    import pandas as pd

    app = world.apps[0]
    low, high = pd.Timestamp(start).timestamp(), pd.Timestamp(end).timestamp()
    chosen = [i for i in range(app.session_count) if low <= app.start_ts[i] < high]
    return len(chosen), sum(len(app.joins(i)) for i in chosen)


def range_with_requests(world: Any, requests: int) -> tuple[str, str]:
    """The latest range ending at :data:`END` whose first sync makes about ``requests``
    requests: the sessions list, a participants list per session, a report per peer, then
    the recordings and the day-wise usage."""
    import pandas as pd

    app = world.apps[0]
    high = pd.Timestamp(END).timestamp()
    made = 3
    for i in sorted(range(app.session_count), key=lambda i: -app.start_ts[i]):
        if app.start_ts[i] >= high:
            continue
        made += 1 + len(app.joins(i))
        if made >= requests:
            start = pd.Timestamp(app.start_ts[i], unit="s", tz="UTC").floor("min")
            return start.isoformat(), END
    raise ValueError(f"the world has fewer than {requests} requests' worth of sessions")


# -- sync against the rate limit ---------------------------------------------------------------


class ReportSizes(httpx.AsyncHTTPTransport):
    """HTTP, noting the size of every peer report's body."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if "/peer-report/" in request.url.path and response.status_code == 200:
            self.sizes.append(len(await response.aread()))
        return response


def bench_rate_limited(requests: int, server_class: Any, latency_ms: float) -> None:
    """A sync paced by the (scaled-down) rate limit; then the store's bytes per peer."""
    import rtk_notebook as rtk
    from rtk_notebook.demo import DemoWorld

    start, end = range_with_requests(DemoWorld(now=NOW), requests)
    limit = ["--rate-limit", "--rate-limit-requests", str(RATE[0])]
    server = server_class(latency_ms, *limit, "--rate-limit-window-s", str(RATE[1]))
    sizes = ReportSizes()
    try:
        kit = rtk.connect(
            token=TOKEN,
            account_id=server.account_id,
            app_id=server.app_id,
            base_url=server.base_url,
            cache=False,
            rate_limit=RATE,
            transport=sizes,
        )
        store = rtk.Store(tempfile.mkdtemp(prefix="rtk-bench-store-"))
        result = kit.sync(store, start, end, progress=False)
        limiter, stats = kit._core.http.rate_limiter, kit.stats
        kit.close()
    finally:
        server.close()
    assert result.peers_failed == 0 and result.requests == stats.requests
    per_s = RATE[0] / RATE[1]
    bound = result.requests / per_s
    least = max(0, result.requests - RATE[0]) / per_s  # the first window's burst is free
    print(
        f"# rate-limited sync: {result.sessions_listed} sessions, {result.peers_added} peers, "
        f"{result.requests} requests in {result.seconds:.1f} s at {RATE[0]} per {RATE[1]:g} s "
        f"({latency_ms:g} ms latency); bound requests / rate {bound:.1f} s; the least "
        f"possible ({RATE[0]} at once, then {per_s:g}/s) {least:.1f} s; the client's "
        f"limiter waited {limiter.waited_s:.0f} s in all requests; {stats.retries} retries "
        f"(429s and other)"
    )
    line("sync_vs_rate_bound", f"{result.seconds / bound:.2f}x", "<= 1.15x")
    tables = store.summary()["tables"]
    stored = sum(t["bytes"] for t in tables.values())
    peers = tables["quality"]["rows"]
    report = sum(sizes.sizes) / len(sizes.sizes)
    per_peer = stored / peers
    biggest = sorted(tables, key=lambda t: -tables[t]["bytes"])[:3]
    parts = ", ".join(f"{t} {tables[t]['bytes'] / 1e6:.2f} MB" for t in biggest)
    print(
        f"# store: {stored / 1e6:.2f} MB for {peers} peers ({per_peer / 1e3:.1f} KB a peer; "
        f"{parts}); "
        f"mean peer report {report / 1e3:.0f} KB of JSON"
    )
    line("store_bytes_per_peer", f"1/{report / per_peer:.1f}", "<= 1/8")


# -- a second sync of an unchanged range -------------------------------------------------------


def bench_resync(peers: int) -> None:
    import rtk_notebook as rtk
    from rtk_notebook.demo import DemoWorld

    world = DemoWorld(now=NOW)
    start, end = range_with_requests(world, int(peers * 1.13))  # a list per ~8 peers
    transport = pooled_transport(world, report_pool(world, POOL_SIZE))
    kit = rtk.connect(demo=world, transport=transport, cache=False)
    store = rtk.Store(tempfile.mkdtemp(prefix="rtk-bench-store-"))
    first = kit.sync(store, start, end, progress=False)
    first_kinds = dict(transport.kinds)
    transport.kinds.clear()
    second = kit.sync(store, start, end, progress=False)
    kit.close()
    assert first.peers_failed == 0 and second.requests == sum(transport.kinds.values())
    assert store.summary()["tables"]["quality"]["rows"] == first.peers_added  # a row per peer
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(transport.kinds.items()))
    only_lists = all(k.endswith(("list", "day-wise")) for k in transport.kinds)
    print(
        f"# first sync: {first.sessions_listed} sessions, {first.peers_added} peers, "
        f"{first.requests} requests ({first_kinds.get('report', 0)} reports) in "
        f"{first.seconds:.1f} s (reports from a pool of {POOL_SIZE} real ones, analysed in "
        f"the workers); second: {second.requests} requests ({kinds}), "
        f"{second.sessions_final} sessions final, {second.peers_added} peers added, in "
        f"{second.seconds:.2f} s"
    )
    verdict = "all lists" if only_lists else "NOT only lists"
    line("resync_requests", f"{second.requests} ({verdict})", "lists only")
    line("resync_speedup", f"{first.seconds / second.seconds:.0f}x", ">= 20x")


# -- peak memory, each size in a fresh process -------------------------------------------------


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for row in status:
            if row.startswith(field + ":"):
                return int(row.split()[1]) / 1024
    raise KeyError(field)


def world_of(peers: int) -> tuple[Any, str, tuple[int, int]]:
    """A demo world with about ``peers`` peers before :data:`END`, as many a day whatever
    their number (:data:`PEERS_A_DAY`), the start of its first day, and its sessions and
    peers; the demo's session cache filled."""
    import pandas as pd

    from rtk_notebook.demo import DemoWorld

    days = max(2, round(peers / PEERS_A_DAY))
    scale, best = peers / PEERS_PER_SCALE, None
    for _ in range(4):  # the peers are not quite proportional to the scale: the closest
        world = DemoWorld(now=NOW, days=days, scale=scale)
        start = pd.Timestamp(world.start).floor("D").isoformat()
        counts = sessions_between(world, start, END)
        if best is None or abs(counts[1] - peers) < abs(best[2][1] - peers):
            best = (world, start, counts)
        scale *= peers / max(1, counts[1])
    return best


def memory_child(peers: int) -> dict[str, Any]:
    """One sync of about ``peers`` peers in this fresh process; its peak RSS above the RSS
    it started from (the world built, the kit connected)."""
    import rtk_notebook as rtk
    import rtk_notebook.demo  # noqa: F401 - imported before the first reading

    at_import = _status_mb("VmRSS")
    world, start, (sessions, expected) = world_of(peers)
    pool = report_pool(world, POOL_SIZE)
    kit = rtk.connect(demo=world, transport=pooled_transport(world, pool), cache=False)
    kit._core.analyst = memo_analyst(pool)
    store = rtk.Store(tempfile.mkdtemp(prefix="rtk-bench-store-"))
    gc.collect()
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # the peak RSS starts again from here
    before = _status_mb("VmRSS")
    result = kit.sync(store, start, END, progress=False)
    peak = _status_mb("VmHWM")
    kit.close()
    assert result.peers_added == expected and result.peers_failed == 0
    assert store.summary()["tables"]["quality"]["rows"] == expected  # a row per peer
    return {
        "peers": result.peers_added,
        "sessions": sessions,
        "seconds": result.seconds,
        "at_import_mb": at_import,
        "before_mb": before,
        "peak_mb": peak,
        "samples": store.summary()["tables"]["samples"]["rows"],
    }


def bench_memory(sizes: list[int]) -> None:
    runs = []
    for peers in sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(peers)],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    for run in runs:
        print(
            f"# {run['peers']:,} peers ({run['sessions']} sessions, {run['samples']:,} "
            f"samples) in {run['seconds']:.0f} s: RSS {run['before_mb']:.0f} MB before the "
            f"sync (imports {run['at_import_mb']:.0f} MB, then the demo world), peak "
            f"{run['peak_mb']:.0f} MB"
        )
    above = " / ".join(f"{r['peak_mb'] - r['before_mb']:.0f}" for r in runs)
    counts = " / ".join(f"{r['peers']:,}" for r in runs)
    line("sync_peak_memory", f"{above} MB above the start for {counts} peers", "<= 400 MB, flat")


def bench_store(quick: bool, server_class: Any, latency_ms: float) -> None:
    began = time.perf_counter()
    bench_rate_limited(120 if quick else 240, server_class, latency_ms)
    bench_resync(150 if quick else 450)
    bench_memory([300, 600, 1200] if quick else [1250, 2500, 5000])
    print(f"# the store group took {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="one memory run of bench/run.py store")
    parser.add_argument("--memory-child", type=int, required=True, metavar="PEERS")
    print(json.dumps(memory_child(parser.parse_args().memory_child)))
