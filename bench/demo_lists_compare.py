"""The demo's lists, byte for byte, against another checkout: ``python
bench/demo_lists_compare.py OLD_CHECKOUT`` (about a minute; run from this checkout's root).

Runs the same script of requests against the demo backend of OLD_CHECKOUT and of this one
(each in its own process, its code first on the path): every page of the sessions,
recordings, meetings and livestreams lists, a livestream's sessions, and the analytics, for
several queries, sorts and filters, in both apps; then writes (a meeting created and renamed,
a recording started, stopped and read until uploaded, a live session emptied, a livestream
started, stopped and created, an app created), with every list read again after each one.
Prints how many answers were compared and the first that differ; exits 1 if any does.

``--dump FILE`` writes this checkout's answers (request, status, sha256 of the body) alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

NOW = "2026-11-18T15:00:00Z"
Query = list[tuple[str, str]]


def script(out: Callable[[str], None]) -> None:
    """Every request of the comparison, against two worlds (a 35-day and a 60-day history)."""
    import httpx

    from rtk_notebook.demo import DemoBackend, DemoWorld

    for world in (DemoWorld(now=NOW, scale=3), DemoWorld(seed=11, now=NOW, scale=1, days=60)):
        Run(DemoBackend(world, keep_bytes=0), httpx.Headers({"Authorization": "Bearer t"}), out)()


class Run:
    def __init__(self, backend: Any, headers: Any, out: Callable[[str], None]) -> None:
        self.backend, self.headers, self.out = backend, headers, out
        self.world = backend.world
        self.root = f"/client/v4/accounts/{self.world.account_id}/realtime/kit"

    def call(self, method: str, path: str, query: Query | None = None, body: Any = None) -> Any:
        query = query or []
        raw = b"" if body is None else json.dumps(body).encode()
        reply = self.backend.handle(method, self.root + path, query, self.headers, raw)
        digest = hashlib.sha256(reply.body).hexdigest()[:20]
        self.out(json.dumps([method, path, list(query), reply.status, len(reply.body), digest]))
        try:
            return json.loads(reply.body)
        except ValueError:
            return None

    def pages(self, path: str, query: Query, per_page: int = 100) -> list[Any]:
        """Every page of the list, then one past its end; the answers in order."""
        answers, page = [], 1
        while True:
            got = self.call(
                "GET", path, [*query, ("page_no", str(page)), ("per_page", str(per_page))]
            )
            answers.append(got)
            if not got or not got.get("success") or page > 400:
                return answers
            items = got["data"]
            if isinstance(items, dict):
                items = items.get("sessions") or items.get("livestreams") or []
            if len(items) < per_page:
                return answers
            page += 1

    def __call__(self) -> None:
        self.lists("start")
        for step, write in enumerate(self.writes()):
            self.hot(f"before write {step}")
            write()
            self.hot(f"just after write {step}")  # what was kept before the write, read again
            self.lists(f"after write {step}")

    def app_ids(self) -> list[str]:
        return [app.id for app in self.world.apps]

    def lists(self, tag: str) -> None:
        self.out(json.dumps(["#", tag]))
        for app_id in self.app_ids():
            self.app_lists(f"/{app_id}")

    def hot(self, tag: str) -> None:
        """A few lists of the app written to (fewer than the demo keeps), two pages each."""
        self.out(json.dumps(["#", tag]))
        for app_id in self.app_ids()[:1]:
            a = f"/{app_id}"
            for path, query in (
                ("sessions", []),
                ("sessions", [("status", "LIVE")]),
                ("recordings", []),
                ("recordings", [("status", "UPLOADED")]),
                ("recordings", [("status", "UPLOADING")]),
                ("meetings", [("search", "sync")]),
                ("livestreams", [("status", "LIVE")]),
            ):
                for page in ("1", "2"):
                    self.call("GET", f"{a}/{path}", [*query, ("page_no", page)])

    def app_lists(self, a: str) -> None:
        first = self.call("GET", f"{a}/sessions", [("per_page", "100")])["data"]["sessions"]
        meeting = first[-1]["associated_id"] if first else "none"
        session = first[len(first) // 2]["id"] if first else "none"
        now = dt.datetime.fromisoformat(NOW.replace("Z", "+00:00"))
        week = (now - dt.timedelta(days=7)).isoformat()
        day = (now - dt.timedelta(days=1)).isoformat()
        for query in (
            [],
            [("sort_order", "ASC")],
            [("sort_by", "minutesConsumed")],
            [("sort_by", "minutesConsumed"), ("sort_order", "ASC")],
            [("status", "LIVE")],
            [("status", "ENDED"), ("sort_order", "ASC")],
            [("associated_id", meeting)],
            [("search", "sync")],
            [("search", session)],
            [("participants", self.someone())],
            [("start_time", week), ("end_time", day)],
        ):
            self.pages(f"{a}/sessions", query)
        self.pages(f"{a}/sessions", [], per_page=37)
        for n in (3, 1, 2, 9999):  # out of order, and far past the end
            self.call("GET", f"{a}/sessions", [("page_no", str(n)), ("per_page", "50")])
        self.call("GET", f"{a}/sessions", [("per_page", "101")])  # refused
        recordings = self.call("GET", f"{a}/recordings", [("per_page", "1")])["data"]
        rec_meeting = recordings[0]["meeting"]["id"] if recordings else "none"
        for query in (
            [],
            [("sort_order", "ASC")],
            [("status", "UPLOADED")],
            [("status", "ERRORED"), ("status", "UPLOADING"), ("sort_order", "ASC")],
            [("status", "RECORDING"), ("status", "PAUSED"), ("status", "INVOKED")],
            [("meeting_id", rec_meeting)],
            [("expired", "true")],
            [("expired", "false")],
            [("search", "sync")],
            [("start_time", week), ("end_time", day)],
        ):
            self.pages(f"{a}/recordings", query)
        self.pages(f"{a}/recordings", [], per_page=23)
        for query in (
            [],
            [("search", "sync")],
            [("status", "INACTIVE")],
            [("start_time", week)],
        ):
            self.pages(f"{a}/meetings", query)
        self.pages(f"{a}/meetings", [], per_page=7)
        streams: list[str] = []
        for query in (
            [],
            [("sort_order", "ASC")],
            [("sort_order", "DSC")],
            [("exclude_meetings", "true")],
            [("status", "LIVE")],
            [("start_time", week)],
        ):
            for got in self.pages(f"{a}/livestreams", query, per_page=5):
                if got and got.get("success"):
                    streams += [ls["id"] for ls in got["data"]["livestreams"]]
        for ls_id in sorted(set(streams))[:4]:
            self.pages(f"{a}/livestreams/{ls_id}", [], per_page=40)
        for query in ([], [("start_date", "2026-10-20"), ("end_date", "2026-11-18")]):
            self.call("GET", f"{a}/analytics/daywise", query)
        for query in ([], [("start_time", week), ("end_time", day)]):
            self.call("GET", f"{a}/analytics/livestreams/overall", query)
            self.call("GET", f"{a}/analytics/livestreams/daywise", query)

    def someone(self) -> str:
        app = self.world.apps[0]
        return app.people[0].custom_id

    def live_meetings(self, a: str) -> list[str]:
        live = self.call("GET", f"{a}/sessions", [("status", "LIVE")])["data"]["sessions"]
        return [s["associated_id"] for s in live]

    def writes(self) -> Iterator[Callable[[], None]]:
        a = f"/{self.world.apps[0].id}"
        created: dict[str, Any] = {}

        def create_meeting() -> None:
            created["meeting"] = self.call("POST", f"{a}/meetings", body={"title": "Sync planning"})

        def rename_meeting() -> None:
            live = self.live_meetings(a)
            self.call("PATCH", f"{a}/meetings/{live[0]}", body={"title": "Renamed sync"})

        def start_recording() -> None:
            live = self.live_meetings(a)
            got = self.call(
                "POST",
                f"{a}/recordings",
                body={"meeting_id": live[0], "allow_multiple_recordings": True},
            )
            created["recording"] = got["data"]["id"] if got and got.get("success") else "none"

        def stop_recording() -> None:
            rec = created["recording"]
            self.call("PUT", f"{a}/recordings/{rec}", body={"action": "stop"})

        def read_recording() -> None:  # a GET that writes: UPLOADING once, then UPLOADED
            self.call("GET", f"{a}/recordings/{created['recording']}")

        def kick_all() -> None:
            live = self.live_meetings(a)
            self.call("POST", f"{a}/meetings/{live[-1]}/active-session/kick-all")

        def livestreams() -> None:
            for meeting in self.live_meetings(a):
                self.call("POST", f"{a}/meetings/{meeting}/livestreams", body={})
                self.call("POST", f"{a}/meetings/{meeting}/active-livestream/stop")
            self.call("POST", f"{a}/livestreams", body={"name": "Town hall"})

        def create_app() -> None:
            self.call("POST", "/apps", body={"name": "acme-extra"})

        yield from (
            create_meeting,
            rename_meeting,
            start_recording,
            stop_recording,
            read_recording,
            read_recording,
            kick_all,
            livestreams,
            create_app,
        )


def run_in(checkout: str) -> list[str]:
    """This script's answers with ``checkout``'s code first on the path."""
    env = {**os.environ, "PYTHONPATH": checkout}
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--dump", "-"],
        env=env,
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.splitlines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", nargs="?", help="the other checkout's root")
    parser.add_argument("--dump", help="write this checkout's answers to FILE ('-': stdout)")
    args = parser.parse_args()
    if args.dump:
        lines: list[str] = []
        script(lines.append)
        text = "\n".join(lines) + "\n"
        if args.dump == "-":
            sys.stdout.write(text)
        else:
            with open(args.dump, "w") as f:
                f.write(text)
        return
    if not args.old:
        parser.error("give the other checkout's root (or --dump FILE)")
    old, new = run_in(os.path.abspath(args.old)), run_in(os.getcwd())
    answers = sum(1 for line in new if not line.startswith('["#"'))
    differ = [(a, b) for a, b in zip(old, new, strict=False) if a != b]
    if len(old) != len(new):
        differ.append((f"{len(old)} lines", f"{len(new)} lines"))
    statuses: dict[int, int] = {}
    for line in new:
        row = json.loads(line)
        if row[0] != "#":
            statuses[row[3]] = statuses.get(row[3], 0) + 1
    print(f"{answers:,} answers compared (statuses {statuses}): {len(differ)} differ")
    for a, b in differ[:5]:
        print(f"  old {a}\n  new {b}")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
