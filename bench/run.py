"""Benchmarks: ``python bench/run.py`` (or ``--quick``), one line per figure.

Every figure is a ratio of two timings (or a count, or a size) measured in the same run, so
that the shared, noisy machine affects both sides alike. The network is the loopback demo
server in its own process, with injected latency.

    fanout_vs_sdk      kit.quality over N peers, against the same work written with the
                       official SDK (each session's participants, then each peer report,
                       one after another)                                   goal >= 12x
    fanout_vs_bound    kit.quality against N requests x latency / concurrency   goal <= 1.3x
    fetch_vs_bound     the same fan-out of requests without the analysis        goal <= 1.3x
    warm_requests      requests issued by a second run on the same cache       goal 0
    warm_quality_ratio first run / warm re-run of kit.quality, on the same cache  goal >= 20x
    warm_fetch_ratio   the same for fetching alone (participants, then every report as parsed
                       JSON: a warm run still parses 250-700 KB per report)   informational
    cache_cold_ratio   cold kit.quality, cache on vs off (bench/cache_cold.py)   goal <= 1.1x
    frames_vs_pydantic 100k sessions: JSON to a typed frame vs a model per row goal >= 5x
    frames_vs_normalize ... vs pd.json_normalize (untyped)                     goal >= 1x
    frames_peak_mb     peak memory of building the 100k-row frame
    import_ratio       import rtk_notebook vs import pandas, httpx, pydantic   goal <= 1.2x
    plot_json_mb       200 peers over an hour: heatmap + one peer's quality figure, JSON size
                                                                            goal < 2 MB each
    plot_build_s       building those figures

``python bench/run.py notebooks`` (``bench/notebook_runs.py``: about 3 minutes; quick, one run
each) times notebooks 02 and 05 as a new user runs them, each in fresh kernels:

    notebook_02_s      notebook 02's cells, top to bottom (min and median) goal <= 10 s
    notebook_05_s      the same for notebook 05                           goal <= 10 s

``python bench/run.py cpu`` (``bench/cpu.py``): CPU per peer vs msgspec alone, and its split.

``python bench/run.py limits`` (``bench/limits.py``: issue 15's figures at the limits: paging
84k sessions, a demo page's CPU, peak memory of a 1,000-peer fan-out, the explorer opening an
85-person session). ``python bench/run.py store`` (or any of the groups: fanout, warm, frames,
import, plots, store, limits, notebooks) runs those alone. The store group
(``bench/store_sync.py``, about 4 minutes; quick about 1.5):

    sync_vs_rate_bound    kit.sync with the demo's rate limit on (60 per 15 s) against
                          requests / rate                                      goal <= 1.15x
    resync_requests       a second sync of the unchanged range: requests   goal: lists only
    resync_speedup        first sync / second sync                              goal >= 20x
    store_bytes_per_peer  the store's bytes per peer vs a peer report's JSON    goal <= 1/8
    sync_peak_memory      peak RSS above the start, ~1,250 / 2,500 / 5,000 peers
                                                                      goal <= 400 MB, flat
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

NOW = "2026-11-18T15:00:00Z"
TOKEN = "bench-token"
LATENCY_MS = 100
CONCURRENCY = 16


def line(name: str, value: str, goal: str) -> None:
    print(f"{name}: {value} (goal {goal})", flush=True)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


class Server:
    """``python -m rtk_notebook.demo`` in its own process, on a free loopback port."""

    def __init__(self, latency_ms: float, *options: str) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rtk_notebook.demo",
                "--port",
                "0",
                "--now",
                NOW,
                "--latency-ms",
                str(latency_ms),
                "--token",
                TOKEN,
                "--keep-mb",
                "1024",  # every report of the run stays encoded: the server is not measured
                *options,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        banner = [self.proc.stdout.readline() for _ in range(3)]
        self.base_url = banner[0].split(" at ")[1].strip()
        self.account_id = banner[1].split(":")[1].strip()
        self.app_id = banner[2].split(":")[1].split()[0]

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def sessions_holding(peers: int) -> tuple[list[str], int]:
    """Ended sessions of the demo world, newest first, holding at least `peers` joins."""
    from rtk_notebook.demo import DemoWorld

    world = DemoWorld(now=NOW)
    app = world.apps[0]
    chosen, count = [], 0
    for i in reversed(range(app.session_count)):
        if app.is_live(i):
            continue
        chosen.append(app.session_id(i))
        count += len(app.joins(i))
        if count >= peers:
            break
    return chosen, count


def bench_fanout(peers: int) -> None:
    import rtk_notebook as rtk

    sessions, n_peers = sessions_holding(peers)
    server = Server(LATENCY_MS)
    try:

        def connect(**kw: Any) -> rtk.Kit:
            return rtk.connect(
                token=TOKEN,
                account_id=server.account_id,
                app_id=server.app_id,
                base_url=server.base_url,
                max_concurrency=CONCURRENCY,
                **kw,
            )

        # The analysis workers start once per Python process (as in a notebook's kernel):
        # time that here, then let the warm-up run use them.
        from rtk_notebook.quality import parallel

        start = time.perf_counter()
        workers = parallel.default_processes()
        if workers:
            pool = parallel._shared_pool(workers)
            list(pool.threads.map(lambda _: pool.run(b""), range(workers)))
        workers_s = time.perf_counter() - start

        warmup = connect(cache=False)  # the server computes each report once: do it now
        warmup.quality(sessions, progress=False)
        warmup.close()

        kit = connect(cache=False)
        ours_s, frame = timed(lambda: kit.quality(sessions, progress=False))
        requests = kit.stats.requests
        kit.close()
        assert len(frame) == n_peers and frame["error"].isna().all()

        async def fetch_only() -> int:
            fetch = connect(cache=False)
            lists = await asyncio.gather(*(fetch.aio.session_participants(s) for s in sessions))
            ids = [p for frame in lists for p in frame["id"]]
            await asyncio.gather(
                *(fetch.aio.api.sessions.get_participant_data_from_peer_id(p) for p in ids)
            )
            count = fetch.stats.requests
            fetch.close()
            return count

        fetch_s, fetch_requests = timed(lambda: asyncio.run(fetch_only()))

        from cloudflare import Cloudflare

        sdk = Cloudflare(api_token=TOKEN, base_url=server.base_url, max_retries=0)

        def as_a_user_would() -> int:
            count = 0
            for session_id in sessions:
                page = 1
                while True:
                    listed = sdk.realtime_kit.sessions.get_session_participants(
                        session_id,
                        account_id=server.account_id,
                        app_id=server.app_id,
                        page_no=page,
                        per_page=100,
                    )
                    people = listed.data.participants or []
                    for person in people:
                        sdk.realtime_kit.sessions.get_participant_data_from_peer_id(
                            person.id, account_id=server.account_id, app_id=server.app_id
                        )
                        count += 1
                    if len(people) < 100:
                        break
                    page += 1
            return count

        sdk_s, sdk_peers = timed(as_a_user_would)
        assert sdk_peers == n_peers
    finally:
        server.close()
    bound = requests * LATENCY_MS / 1000 / CONCURRENCY
    fetch_bound = fetch_requests * LATENCY_MS / 1000 / CONCURRENCY
    print(
        f"# {n_peers} peers in {len(sessions)} sessions, {LATENCY_MS} ms latency, "
        f"concurrency {CONCURRENCY}: kit.quality {ours_s:.1f} s ({requests} requests), "
        f"fetch only {fetch_s:.1f} s, official SDK {sdk_s:.1f} s, bound {bound:.1f} s; "
        f"{workers} analysis worker processes (started once per process, in {workers_s:.1f} s)"
    )
    line("fanout_vs_sdk", f"{sdk_s / ours_s:.1f}x", ">= 12x")
    line("fanout_vs_bound", f"{ours_s / bound:.2f}x", "<= 1.3x")
    line("fetch_vs_bound", f"{fetch_s / fetch_bound:.2f}x", "<= 1.3x")


def bench_warm(peers: int) -> None:
    import rtk_notebook as rtk

    sessions, _ = sessions_holding(peers)
    server = Server(LATENCY_MS)
    try:

        def connect(cache: Any) -> rtk.Kit:
            return rtk.connect(
                token=TOKEN,
                account_id=server.account_id,
                app_id=server.app_id,
                base_url=server.base_url,
                cache=cache,
            )

        def fetch_run(cache: Any) -> int:
            kit = connect(cache)

            async def run() -> None:
                lists = await asyncio.gather(*(kit.aio.session_participants(s) for s in sessions))
                ids = [p for frame in lists for p in frame["id"]]
                await asyncio.gather(
                    *(kit.aio.api.sessions.get_participant_data_from_peer_id(p) for p in ids)
                )

            asyncio.run(run())
            sent = kit.stats.requests
            kit.close()
            return sent

        def quality_run(cache: Any) -> int:
            kit = connect(cache)
            kit.quality(sessions, progress=False)
            sent = kit.stats.requests
            kit.close()
            return sent

        fetch_run(False)  # the server computes each report once: do it before timing
        quality_run(False)  # ...and the analysis workers start
        fetching = tempfile.mkdtemp(prefix="rtk-bench-cache-")
        cold_s, cold_requests = timed(lambda: fetch_run(fetching))
        warm_s, warm_requests = timed(lambda: fetch_run(fetching))
        analysing = tempfile.mkdtemp(prefix="rtk-bench-cache-")
        quality_cold_s, _ = timed(lambda: quality_run(analysing))
        quality_warm_s, quality_requests = timed(lambda: quality_run(analysing))
    finally:
        server.close()
    print(
        f"# warm re-run: kit.quality {quality_cold_s:.2f} s cold vs {quality_warm_s:.3f} s warm "
        f"({quality_requests} requests); fetching the parsed reports {cold_s:.2f} s cold "
        f"({cold_requests} requests) vs {warm_s:.3f} s warm"
    )
    line("warm_requests", str(warm_requests + quality_requests), "0")
    line("warm_quality_ratio", f"{quality_cold_s / quality_warm_s:.1f}x", ">= 20x")
    line("warm_fetch_ratio", f"{cold_s / warm_s:.1f}x", "informational")


def session_records(n: int) -> list[dict[str, Any]]:
    """n session records shaped as the API sends them: real demo records, varied."""
    import rtk_notebook as rtk
    from rtk_notebook.demo import DemoWorld

    kit = rtk.connect(demo=DemoWorld(now=NOW))
    seed = kit.api.sessions.get_sessions(per_page=100)["data"]["sessions"]
    kit.close()
    rng = random.Random(1)
    out = []
    for k in range(n):
        record = dict(rng.choice(seed))
        record["id"] = f"{k:08x}-0000-4000-8000-{rng.getrandbits(48):012x}"
        record["minutes_consumed"] = round(rng.uniform(1, 900), 2)
        out.append(record)
    return out


def bench_frames(n: int) -> None:
    import pandas as pd

    from rtk_notebook import frames
    from rtk_notebook.models import Session

    raw = json.dumps(session_records(n))

    def ours() -> Any:
        return frames.to_frame("sessions", json.loads(raw))

    def per_row() -> Any:
        models = [Session.from_record(r) for r in json.loads(raw)]
        return pd.DataFrame([m.model_dump() for m in models])

    def normalize() -> Any:
        return pd.json_normalize(json.loads(raw))

    ours_s = min(timed(ours)[0] for _ in range(3))
    pydantic_s = min(timed(per_row)[0] for _ in range(2))
    normalize_s = min(timed(normalize)[0] for _ in range(3))
    tracemalloc.start()
    frame = ours()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert str(frame["started_at"].dtype) == "datetime64[ns, UTC]"
    print(
        f"# {n:,} sessions: typed frame {ours_s:.2f} s, a model per row {pydantic_s:.2f} s, "
        f"json_normalize {normalize_s:.2f} s (object and str columns, no dtypes)"
    )
    line("frames_vs_pydantic", f"{pydantic_s / ours_s:.1f}x", ">= 5x")
    line("frames_vs_normalize", f"{normalize_s / ours_s:.2f}x", ">= 1x (no slower)")
    line("frames_peak_mb", f"{peak / 1e6:.0f}", "informational")


def bench_import(runs: int) -> None:
    def run(code: str) -> float:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    base = run("import pandas, httpx, pydantic")
    # The package's names load their modules when first used: time it with the client loaded.
    ours = run("import rtk_notebook; rtk_notebook.connect")
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, rtk_notebook; "
            "print(sorted(m for m in ('plotly', 'ipywidgets') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(
        f"# import (median of {runs}): rtk_notebook {ours:.2f} s, pandas+httpx+pydantic "
        f"{base:.2f} s; plotting/widget modules loaded by the import: {loaded}"
    )
    line("import_ratio", f"{ours / base:.2f}x", "<= 1.2x")


def synthetic_timeseries(peers: int, minutes: int = 60) -> Any:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    start = pd.Timestamp(NOW) - pd.Timedelta(minutes=minutes)
    stamps = pd.date_range(start, periods=minutes * 12, freq="5s")
    parts = []
    for p in range(peers):
        for kind, direction in (
            ("audio", "producer"),
            ("audio", "consumer"),
            ("video", "producer"),
            ("video", "consumer"),
        ):
            n = len(stamps)
            parts.append(
                pd.DataFrame(
                    {
                        "timestamp": stamps,
                        "kind": kind,
                        "direction": direction,
                        "mos": np.clip(rng.normal(4.2, 0.3, n), 1, 4.5),
                        "packets_lost": rng.poisson(1, n),
                        "loss_pct": np.abs(rng.normal(1, 1, n)),
                        "rtt_ms": np.abs(rng.normal(80, 30, n)),
                        "jitter_ms": np.abs(rng.normal(10, 5, n)),
                        "bitrate_kbps": rng.normal(800, 100, n),
                        "fps": np.full(n, 30.0),
                        "frame_width": 1280.0,
                        "frame_height": 720.0,
                        "frames_dropped": 0.0,
                        "limitation": "none",
                        "display_name": f"Peer {p:03d}",
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def bench_plots(peers: int) -> None:
    from rtk_notebook import plots

    ts = synthetic_timeseries(peers)
    heat_s, heat = timed(lambda: plots.session_heatmap(ts, value="mos"))
    one = ts[ts["display_name"] == "Peer 000"]
    over_s, over = timed(lambda: plots.quality_over_time(one))
    sizes = [len(heat.to_json()), len(over.to_json())]
    print(
        f"# {peers} peers over an hour ({len(ts):,} samples): heatmap {sizes[0] / 1e6:.2f} MB "
        f"in {heat_s:.2f} s, one peer's quality {sizes[1] / 1e6:.2f} MB in {over_s:.2f} s"
    )
    line("plot_json_mb", f"{max(sizes) / 1e6:.2f}", "< 2 MB")
    line("plot_build_s", f"{heat_s + over_s:.2f}", "informational")


GROUPS = ["fanout", "warm", "frames", "import", "plots", "store", "limits", "cpu", "notebooks"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes: about a minute")
    parser.add_argument("groups", nargs="*", help=f"some of {', '.join(GROUPS)} (default: all)")
    parser.add_argument("--only", nargs="*", default=None, choices=GROUPS)
    args = parser.parse_args(argv)
    unknown = set(args.groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown group {', '.join(sorted(unknown))}; the groups: {', '.join(GROUPS)}")
    quick = args.quick
    chosen = args.groups + (args.only or []) or GROUPS
    size = "quick" if quick else "full"
    print(f"# rtk_notebook benchmarks ({size}), python {sys.version.split()[0]}")
    if "fanout" in chosen:
        bench_fanout(100 if quick else 500)
    if "warm" in chosen:
        bench_warm(100 if quick else 500)
        __import__("cache_cold").bench_cache_cold(quick, Server, LATENCY_MS)  # bench/ on the path
    if "frames" in chosen:
        bench_frames(10_000 if quick else 100_000)
    if "import" in chosen:
        bench_import(3 if quick else 7)
    if "plots" in chosen:
        bench_plots(50 if quick else 200)
    if "store" in chosen:
        from store_sync import bench_store  # bench/ is on the path: this script's folder

        bench_store(quick, Server, LATENCY_MS)
    if "limits" in chosen:
        from limits import bench_limits

        bench_limits(quick, Server, LATENCY_MS)
    if "cpu" in chosen:  # bench/cpu.py: CPU per peer against msgspec alone, and its split
        __import__("cpu").bench_cpu(Server, 100 if quick else 300)
    if "notebooks" in chosen:
        from notebook_runs import bench_notebooks

        bench_notebooks(quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
