"""``python -m rtk_notebook.demo``: serve the demo RealtimeKit API on loopback."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from rtk_notebook.demo.backend import API_ROOT, KEPT_ANSWERS_BYTES, DemoBackend, Faults
from rtk_notebook.demo.server import make_server
from rtk_notebook.demo.world import DAYS, DEFAULT_ACCOUNT_ID, DEFAULT_SEED, DemoWorld


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"a rate must be between 0 and 1 (got {text})")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m rtk_notebook.demo",
        description="Serve an emulated Cloudflare RealtimeKit API with a deterministic world.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    p.add_argument("--port", type=int, default=8787, help="port (0 picks a free one)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--now", default=None, help="the world's clock, ISO 8601 (default: this hour)")
    p.add_argument(
        "--scale", type=float, default=1.0, help="multiply the sessions (1: ~420, 240: ~100k)"
    )
    p.add_argument("--days", type=int, default=DAYS, help="days of history (default: %(default)s)")
    p.add_argument("--token", default=None, help="accept only this bearer token (default: any)")
    p.add_argument("--account-id", default=DEFAULT_ACCOUNT_ID)
    p.add_argument("--latency-ms", type=float, default=0.0)
    p.add_argument("--jitter-ms", type=float, default=0.0)
    p.add_argument("--rate-429", type=_rate, default=0.0)
    p.add_argument("--rate-5xx", type=_rate, default=0.0)
    p.add_argument("--rate-drop", type=_rate, default=0.0)
    p.add_argument("--rate-malformed", type=_rate, default=0.0)
    p.add_argument(
        "--rate-404", type=_rate, default=0.0, help="this share of GET paths answer 404 every time"
    )
    p.add_argument(
        "--rate-limit",
        action="store_true",
        help="enforce Cloudflare's limit: 1,200 requests per 5 minutes per token",
    )
    p.add_argument(
        "--rate-limit-requests",
        type=int,
        default=None,
        help="with --rate-limit: requests allowed per window (default: 1200)",
    )
    p.add_argument(
        "--rate-limit-window-s",
        type=float,
        default=None,
        help="with --rate-limit: the window, seconds (default: 300)",
    )
    p.add_argument(
        "--keep-mb",
        type=float,
        default=KEPT_ANSWERS_BYTES / 2**20,
        help="encoded peer reports kept in memory, MB (default: %(default)g)",
    )
    p.add_argument("--verbose", action="store_true", help="log every request")
    p.add_argument(
        "--show",
        action="store_true",
        help="once serving, call a few endpoints over HTTP and print what they answer",
    )
    p.add_argument("--once", action="store_true", help="with --show: stop after showing")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    import signal

    # "Press Ctrl-C to stop" must hold even when started from a shell that ignores SIGINT
    # for background jobs (Python keeps an inherited SIG_IGN).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    args = parse_args(argv)
    world = DemoWorld(
        seed=args.seed, now=args.now, scale=args.scale, account_id=args.account_id, days=args.days
    )
    backend = DemoBackend(
        world, token=args.token, faults=_faults(args), keep_bytes=int(args.keep_mb * 2**20)
    )
    try:
        server = make_server(backend, args.host, args.port, verbose=args.verbose)
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    host, port = server.server_address[:2]
    base_url = f"http://{host!s}:{port}{API_ROOT}"
    _print_banner(base_url, world, args.token)
    if not args.show:
        try:
            _serve_until_ctrl_c(server.serve_forever)
        finally:
            server.server_close()
        return 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        show(base_url, world, args.token or "demo-token")
        if not args.once:
            _serve_until_ctrl_c(thread.join)
    finally:
        server.shutdown()
        server.server_close()
    return 0


def _faults(args: argparse.Namespace) -> Faults:
    limit = {
        name: value
        for name, value in (
            ("rate_limit_requests", args.rate_limit_requests),
            ("rate_limit_window_s", args.rate_limit_window_s),
        )
        if value is not None
    }
    return Faults(
        **limit,
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        rate_429=args.rate_429,
        rate_5xx=args.rate_5xx,
        rate_drop=args.rate_drop,
        rate_malformed=args.rate_malformed,
        rate_404=args.rate_404,
        rate_limit=args.rate_limit,
    )


def _print_banner(base_url: str, world: DemoWorld, token: str | None) -> None:
    print(f"RealtimeKit demo API at {base_url}")
    print(f"  account id: {world.account_id}")
    for app in world.apps:
        print(f"  app id:     {app.id}  ({app.name}, {app.session_count} sessions)")
    print(f"  clock:      {world.now.isoformat()}   seed: {world.seed}")
    print("  token:      " + ("the one given with --token" if token else "any non-empty"))


def _serve_until_ctrl_c(wait: Callable[[], None]) -> None:
    """Run ``wait`` (the server's loop, or a join on its thread) until Ctrl-C."""
    print("Press Ctrl-C to stop.", flush=True)
    try:
        wait()
    except KeyboardInterrupt:
        print("\nstopping", flush=True)


def show(base_url: str, world: DemoWorld, token: str) -> None:
    """Call the server as any HTTP client would, and print a short tour of its answers."""

    def get(path: str, **query: object) -> dict:
        url = f"{base_url}/accounts/{world.account_id}/realtime/kit{path}"
        if query:
            url += "?" + urlencode(query)
        request = Request(url, headers={"Authorization": f"Bearer {token}"})
        with urlopen(request, timeout=30) as response:
            return json.load(response)

    app_id = get("/apps")["data"][0]["id"]
    listed = get(f"/{app_id}/sessions", per_page=3)
    print(f"GET /{app_id[:8]}…/sessions -> {listed['paging']['total_count']} sessions; newest:")
    for s in listed["data"]["sessions"]:
        print(
            f"  {s['started_at']}  {s['status']:<5}  {s['meeting_display_name']:<34}"
            f"  {s['minutes_consumed']:>8.1f} participant-min"
        )
    session = listed["data"]["sessions"][-1]
    people = get(f"/{app_id}/sessions/{session['id']}/participants", per_page=100)
    participants = people["data"]["participants"]
    print(f"GET …/sessions/{session['id'][:8]}…/participants -> {len(participants)} joins")
    worst = None
    for person in participants:
        peer = get(f"/{app_id}/sessions/peer-report/{person['id']}")["data"]["participant"]
        audio = peer["peer_report"]["quality"]["audio_producer_cumulative"]
        mos = audio.get("quality_mos", {}).get("avg")
        if mos is not None and (worst is None or mos < worst[0]):
            worst = (mos, person["display_name"], audio)
    if worst:
        mos, name, audio = worst
        print(
            f"GET …/sessions/peer-report/… -> lowest audio MOS: {name}, MOS {mos:.2f}, "
            f"loss {audio['packet_loss']['avg']:.1f}%, RTT {audio['rtt']['avg']:.0f} ms"
        )
    print("The demo API answers over HTTP, as the real one would.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
