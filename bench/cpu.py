"""CPU per peer: ``python bench/run.py cpu`` (about a minute), or ``python bench/cpu.py``.

    cpu_per_peer_vs_msgspec  what an analysis worker spends on one peer-report body (decode
                             and analyse it, the condensed analysis out as JSON: the worker's
                             loop without its pipes) against ``msgspec.json.decode`` of the
                             same bytes alone                               goal <= 2.5x
    cpu_split_ms             the same per peer, split: receive (plain httpx reading the body
                             over loopback from the demo server, the client's CPU alone),
                             decode (``read_body``: the samples into numpy, the rest through the
                             model), analyse (summary, rules, verdict, condensed to JSON); and
                             msgspec's decode for scale

The bodies are the demo's, fetched from its server (``python -m rtk_notebook.demo``, no added
latency) as ``bench/run.py``'s fan-out fetches them. Each figure is the sum over the bodies
of each body's least CPU time (``time.process_time``) over several rounds, the phases taking
turns in each round, so that the shared machine's slow spells touch them alike. Run it with another
checkout first on ``PYTHONPATH`` to time that checkout's analysis with the same bodies.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

NOW = "2026-11-18T15:00:00Z"


def line(name: str, value: str, goal: str) -> None:
    print(f"{name}: {value} (goal {goal})", flush=True)


def peer_ids(peers: int) -> list[str]:
    """Peers of the demo world's newest ended sessions, at least ``peers`` of them."""
    from rtk_notebook.demo import DemoWorld

    app = DemoWorld(now=NOW).apps[0]
    found: list[str] = []
    for i in reversed(range(app.session_count)):
        if not app.is_live(i):
            found += [join.peer_id for join in app.joins(i)]
            if len(found) >= peers:
                break
    return found


def _cpu(fn: Callable[[Any], Any], items: list[Any]) -> list[float]:
    """CPU seconds of ``fn`` on each item."""
    spent = []
    clock = time.process_time
    for item in items:
        start = clock()
        fn(item)
        spent.append(clock() - start)
    return spent


def _least(best: list[float] | None, spent: list[float]) -> list[float]:
    return spent if best is None else [min(a, b) for a, b in zip(best, spent, strict=True)]


def bench_cpu(server_cls: Any, peers: int, rounds: int = 5) -> None:
    import httpx
    import msgspec

    from rtk_notebook.quality.analysis import analyze, condense
    from rtk_notebook.quality.body import read_body
    from rtk_notebook.quality.parallel import condense_json

    ids = peer_ids(peers)
    server = server_cls(0)
    try:
        root = (
            f"{server.base_url}/accounts/{server.account_id}/realtime/kit/{server.app_id}"
            "/sessions/peer-report/"
        )
        with httpx.Client(headers={"Authorization": "Bearer bench-token"}) as client:

            def receive(peer: str) -> bytes:
                reply = client.get(root + peer)
                reply.raise_for_status()
                return reply.content

            bodies = [receive(peer) for peer in ids]  # the server encodes each report once
            least: list[float] | None = None
            for _ in range(rounds):
                least = _least(least, _cpu(receive, ids))
            assert least is not None
            receive_s = sum(least)
    finally:
        server.close()

    decode = msgspec.json.Decoder().decode

    def worker(raw: bytes) -> bytes:  # what a worker does with a body (serve, without pipes)
        return json.dumps(condense_json(raw)).encode()

    def analyse(parts: Any) -> bytes:
        return json.dumps(condense(analyze(*parts), jsonable=True)).encode()

    best: dict[str, list[float] | None] = dict.fromkeys(("msgspec", "worker", "decode", "analyse"))
    for _ in range(rounds):
        # Fresh readings each round (a reading keeps its merged tracks once analysed), made
        # before the timings; then what is kept here for the round is moved out of the
        # collector's sight: a worker holds one body at a time, and its passes cost that.
        read = [read_body(raw) for raw in bodies]
        assert all(r is not None for r in read)  # the demo's bodies take the fast path
        gc.collect()
        gc.freeze()
        for name, fn, items in (
            ("msgspec", decode, bodies),
            ("worker", worker, bodies),
            ("decode", read_body, bodies),
            ("analyse", analyse, read),
        ):
            best[name] = _least(best[name], _cpu(fn, items))
        del read
        gc.unfreeze()
    n = len(bodies)
    ms = {name: 1000 * sum(spent or ()) / n for name, spent in best.items()}
    receive_ms = 1000 * receive_s / n
    size_kb = sum(map(len, bodies)) / n / 1000
    print(
        f"# {n} demo peer reports, {size_kb:.0f} KB on average; CPU ms per peer (each body's "
        f"least of {rounds} rounds): worker {ms['worker']:.2f} (decode {ms['decode']:.2f}"
        f" + analyse {ms['analyse']:.2f}), msgspec.json.decode alone {ms['msgspec']:.2f}; "
        f"receive (httpx over loopback) {receive_ms:.2f}"
    )
    line("cpu_per_peer_vs_msgspec", f"{ms['worker'] / ms['msgspec']:.2f}x", "<= 2.5x")
    split = (
        f"receive {receive_ms:.2f}, decode {ms['decode']:.2f}, analyse {ms['analyse']:.2f}"
        f" (msgspec alone {ms['msgspec']:.2f})"
    )
    line("cpu_split_ms", split, "decode + analyse <= 2.5x msgspec")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # run.py's Server
    from run import Server

    bench_cpu(Server, int(sys.argv[1]) if sys.argv[1:] else 200)
