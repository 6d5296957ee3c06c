"""Performance at the limits: ``python bench/run.py limits`` (about 3 minutes; quick, 1).

    sessions_vs_bound   kit.sessions() over a big app (~84k sessions, loopback, 100 ms per
                        request) against pages x latency / max_concurrency  goal <= 1.5x;
                        then again, the server's sessions generated and their rows kept
    demo_page_cpu_ms    the demo server's CPU for one page of 100 recordings at scale=24
                        (median over pages, a warm world)                   goal < 10 ms
    quality_peak_mb     peak RSS of the client process above its start during kit.quality
                        with the in-process demo, at ~250, ~500 and ~1,000 peers (one fresh
                        process each)                              goal <= 300 MB, flat
    explorer_open_s     SessionExplorer opening its biggest session (~85 people): until
                        its timeline shows, its first peers are listed (the table fills in
                        as they are scored), and every peer is scored; the first open (the
                        workers start when the list shows, not waited for) and a later one
                                                                            goal <= 1 s

Each figure is measured in this run; ratios are of timings taken one after the other.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import textwrap
import time
from typing import Any

NOW = "2026-11-18T15:00:00Z"


def line(name: str, value: str, goal: str) -> None:
    print(f"{name}: {value} (goal {goal})", flush=True)


def bench_sessions(server_cls: Any, latency_ms: float, scale: float) -> None:
    import rtk_notebook as rtk

    server = server_cls(latency_ms, "--scale", str(scale))
    try:
        kit = rtk.connect(
            token="bench-token",
            account_id=server.account_id,
            app_id=server.app_id,
            base_url=server.base_url,
            cache=False,
        )
        kit.sessions(limit=1)  # the connection and the server's first list, not timed
        times = []
        for _ in range(2):  # the server generates each session on its first read; then kept
            before = kit.stats.requests
            start = time.perf_counter()
            frame = kit.sessions()
            times.append(time.perf_counter() - start)
            pages = kit.stats.requests - before
        bound = pages * latency_ms / 1000 / kit._core.http.max_concurrency
        kit.close()
    finally:
        server.close()
    elapsed, again = times
    print(
        f"# kit.sessions(): {len(frame):,} sessions, {pages} pages in {elapsed:.1f} s;"
        f" bound {bound:.1f} s ({pages} x {latency_ms:g} ms / 16); again (every session"
        f" generated and its row kept by the server) {again:.1f} s"
    )
    line("sessions_vs_bound", f"{elapsed / bound:.2f}x, again {again / bound:.2f}x", "<= 1.5x")


def bench_demo_page(scale: float, pages: int) -> None:
    import httpx

    from rtk_notebook.demo import DemoBackend, DemoWorld

    world = DemoWorld(now=NOW, scale=scale)
    backend = DemoBackend(world, keep_bytes=0)
    root = f"/client/v4/accounts/{world.account_id}/realtime/kit/{world.apps[0].id}"
    headers = httpx.Headers({"Authorization": "Bearer any"})

    def page(n: int) -> float:
        start = time.process_time()
        reply = backend.handle("GET", f"{root}/recordings", [("page_no", str(n)),
                               ("per_page", "100")], headers, b"")  # fmt: skip
        assert reply.status == 200, reply.body[:200]
        return (time.process_time() - start) * 1000

    first = page(1)
    spent = [page(n) for n in range(2, pages + 2)]
    total = json.loads(backend.handle("GET", f"{root}/recordings", [("per_page", "1")],
                                      headers, b"").body)["paging"]["total_count"]  # fmt: skip
    print(
        f"# demo recordings list at scale={scale:g} ({total:,} recordings): first page"
        f" {first:.0f} ms CPU, then median {statistics.median(spent):.1f} ms over {pages} pages"
    )
    line("demo_page_cpu_ms", f"{statistics.median(spent):.1f} ms", "< 10 ms")


PEAK_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import rtk_notebook as rtk

    def status_mb(field):  # this process's own: ru_maxrss would carry the parent's peak
        for row in open("/proc/self/status"):
            if row.startswith(field + ":"):
                return int(row.split()[1]) / 1024

    from rtk_notebook.demo import DemoWorld
    world = DemoWorld(now=sys.argv[2])
    app = world.apps[0]
    chosen, count = [], 0
    for i in reversed(range(app.session_count)):
        if not app.is_live(i):
            chosen.append(app.session_id(i))
            count += len(app.joins(i))
            if count >= int(sys.argv[1]):
                break
    kit = rtk.connect(demo=world)
    kit.sessions(limit=1)
    start = status_mb("VmRSS")  # the high-water mark at the end is at least the run's peak
    rows = kit.quality(chosen, progress=False)
    peak = status_mb("VmHWM")
    print(json.dumps({"peers": len(rows), "start_mb": start, "peak_mb": peak}))
    """
)


def bench_peak_memory(sizes: list[int]) -> None:
    found = []
    for peers in sizes:
        out = subprocess.run(
            [sys.executable, "-c", PEAK_SCRIPT, str(peers), NOW],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        found.append(json.loads(out.strip().splitlines()[-1]))
    above = [f["peak_mb"] - f["start_mb"] for f in found]
    print(
        "# kit.quality, in-process demo: "
        + ", ".join(f"{f['peers']} peers +{a:.0f} MB" for f, a in zip(found, above, strict=True))
        + f" (start {found[0]['start_mb']:.0f} MB)"
    )
    line("quality_peak_mb", f"{max(above):.0f} MB above the start", "<= 300 MB, flat")


EXPLORER_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    import rtk_notebook as rtk
    from rtk_notebook.demo import DemoWorld
    from rtk_notebook.widgets import SessionExplorer
    kit = rtk.connect(demo=DemoWorld(now=sys.argv[1]))
    import plotly.io._renderers  # a notebook has shown a figure before: not counted
    explorer = SessionExplorer(kit, days=35)  # the whole history: its biggest sessions
    big = explorer.sessions.sort_values("max_concurrent_participants").iloc[::-1]
    marks = {}
    draw, fill = explorer._draw_timeline, explorer._show_scored_so_far

    def drawn(*args):
        marks.setdefault("timeline", time.perf_counter())
        draw(*args)

    def filled(*args):
        marks.setdefault("peers", time.perf_counter())
        fill(*args)

    explorer._draw_timeline, explorer._show_scored_so_far = drawn, filled
    opened = []
    for session_id in big["id"].iloc[:2]:
        marks.clear()
        start = time.perf_counter()
        explorer.open_session(session_id)  # a script: both fetches are done when it returns
        end = time.perf_counter()
        assert explorer.error is None, explorer.error
        opened.append({
            "timeline": marks["timeline"] - start,
            "peers": marks.get("peers", end) - start,
            "all": end - start,
        })
    people = [int(n) for n in big["max_concurrent_participants"].iloc[:2]]
    print(json.dumps({"opened": opened, "people": people}))
    """
)


def bench_explorer() -> None:
    out = subprocess.run(
        [sys.executable, "-c", EXPLORER_SCRIPT, NOW], capture_output=True, text=True, check=True
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    (first, later), people = found["opened"], found["people"]
    for what, times, n in (("first", first, people[0]), ("later", later, people[1])):
        print(
            f"# SessionExplorer, {what} open ({n} people): timeline {times['timeline']:.2f} s,"
            f" first peers listed {times['peers']:.2f} s, every peer scored {times['all']:.2f} s"
        )
    line(
        "explorer_open_s",
        f"timeline {first['timeline']:.2f} s, every peer {first['all']:.2f} s first"
        f" and {later['all']:.2f} s later",
        "<= 1 s",
    )


def bench_limits(quick: bool, server_cls: Any, latency_ms: float) -> None:
    bench_sessions(server_cls, latency_ms, scale=24 if quick else 240)
    bench_demo_page(scale=24, pages=5 if quick else 20)
    bench_peak_memory([250] if quick else [250, 500, 1000])
    bench_explorer()
