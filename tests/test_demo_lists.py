"""The demo's lists are built once per state of the world and kept: every page reads the kept
list, a write drops it, and what is served is what a fresh build would serve."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import httpx
import pytest

from rtk_notebook.demo import DemoBackend
from rtk_notebook.demo.lists import ListCache
from tests.factories import TOKEN, make_world

T = TypeVar("T")
HEADERS = httpx.Headers({"Authorization": f"Bearer {TOKEN}"})
Query = list[tuple[str, str]]


class NothingKept(ListCache):
    """A cache that keeps nothing: every list is built per request, as before the cache."""

    def list(self, state: tuple[Any, ...], key: Hashable, build: Callable[[], T]) -> T:
        return build()

    def record(self, state: tuple[Any, ...], key: Hashable, build: Callable[[], T]) -> T:
        return build()


def new_backend(*, keep: bool = True) -> DemoBackend:
    world = make_world(scale=2)
    if not keep:
        world.lists = NothingKept(world.lock)
    return DemoBackend(world, token=TOKEN)


def root(backend: DemoBackend, app: int = 0) -> str:
    world = backend.world
    return f"/client/v4/accounts/{world.account_id}/realtime/kit/{world.apps[app].id}"


def call(
    backend: DemoBackend, method: str, path: str, query: Query | None = None, body: Any = None
) -> tuple[int, bytes]:
    raw = b"" if body is None else json.dumps(body).encode()
    reply = backend.handle(method, root(backend) + path, query or [], HEADERS, raw)
    return reply.status, reply.body


def get(backend: DemoBackend, path: str, query: Query | None = None) -> Any:
    status, body = call(backend, "GET", path, query)
    assert status == 200, body[:300]
    return json.loads(body)


def every_page(backend: DemoBackend, path: str, query: Query, per_page: int) -> list[bytes]:
    """The bodies of every page of the list, and of the first page past its end."""
    pages = []
    for page in range(1, 1000):
        status, body = call(
            backend, "GET", path, [*query, ("page_no", str(page)), ("per_page", str(per_page))]
        )
        assert status == 200, body[:300]
        pages.append(body)
        total = json.loads(body)["paging"]["total_count"]
        if page * per_page >= total:
            break
    status, past = call(backend, "GET", path, [*query, ("page_no", str(page + 1))])
    return [*pages, past]


LISTS: list[tuple[str, Query, int]] = [
    ("/sessions", [], 100),
    ("/sessions", [("sort_order", "ASC")], 37),
    ("/sessions", [("sort_by", "minutesConsumed")], 100),
    ("/sessions", [("status", "LIVE")], 100),
    ("/sessions", [("search", "sync"), ("sort_order", "ASC")], 50),
    ("/recordings", [], 100),
    ("/recordings", [("sort_order", "ASC")], 41),
    ("/recordings", [("status", "UPLOADED"), ("status", "ERRORED")], 100),
    ("/recordings", [("status", "RECORDING"), ("status", "UPLOADING")], 100),
    ("/recordings", [("expired", "false")], 100),
    ("/meetings", [], 11),
    ("/meetings", [("search", "sync")], 100),
]


def live_meeting(backend: DemoBackend) -> str:
    live = get(backend, "/sessions", [("status", "LIVE")])["data"]["sessions"]
    return str(live[0]["associated_id"])


def writes(backend: DemoBackend) -> list[tuple[str, str, Any]]:
    """One of each kind of write that changes the lists (method, path, body)."""
    meeting = live_meeting(backend)
    return [
        ("POST", "/meetings", {"title": "Sync planning"}),
        ("PATCH", f"/meetings/{meeting}", {"title": "Renamed sync"}),
        ("POST", "/recordings", {"meeting_id": meeting, "allow_multiple_recordings": True}),
        ("POST", f"/meetings/{meeting}/active-session/kick-all", None),
    ]


def test_every_page_is_the_same_with_and_without_the_kept_lists() -> None:
    kept, rebuilt = new_backend(), new_backend(keep=False)
    plan = writes(kept)  # the same world in both: the same ids
    for step in range(len(plan) + 1):
        for path, query, per_page in LISTS:
            expected = every_page(rebuilt, path, query, per_page)
            assert every_page(kept, path, query, per_page) == expected, (step, path, query)
            # Read again: now from the kept list.
            assert every_page(kept, path, query, per_page) == expected, (step, path, query)
        if step < len(plan):
            for backend in (kept, rebuilt):
                method, path, body = plan[step]
                assert call(backend, method, path, body=body)[0] in (200, 201)
    assert kept.internal_errors == [] and rebuilt.internal_errors == []


def test_a_list_is_built_once_for_all_its_pages_and_again_after_a_write() -> None:
    backend = new_backend()
    meeting = live_meeting(backend)
    lists = backend.world.lists
    before = lists.builds
    pages = every_page(backend, "/recordings", [("status", "UPLOADED")], 20)
    assert len(pages) > 3
    built = lists.builds - before
    assert built == 2  # the app's recordings, then the query's list; every page reads it
    every_page(backend, "/recordings", [("status", "UPLOADED")], 50)  # another page size
    assert lists.builds - before == built
    body = {"meeting_id": meeting, "allow_multiple_recordings": True}
    assert call(backend, "POST", "/recordings", body=body)[0] == 201
    every_page(backend, "/recordings", [("status", "UPLOADED")], 20)
    assert lists.builds - before == 2 * built


def test_a_write_shows_in_the_lists_read_before_it() -> None:
    backend = new_backend()
    search = [("search", "zebra review")]
    assert get(backend, "/meetings", search)["paging"]["total_count"] == 0
    meeting = live_meeting(backend)
    recording_filter: Query = [("status", "RECORDING"), ("per_page", "100")]
    running = {r["id"] for r in get(backend, "/recordings", recording_filter)["data"]}
    live = [s["id"] for s in get(backend, "/sessions", [("status", "LIVE")])["data"]["sessions"]]

    status, body = call(backend, "POST", "/meetings", body={"title": "Zebra review"})
    assert status == 201
    listed = get(backend, "/meetings", search)["data"]
    assert [m["id"] for m in listed] == [json.loads(body)["data"]["id"]]

    body = {"meeting_id": meeting, "allow_multiple_recordings": True}
    status, body = call(backend, "POST", "/recordings", body=body)
    assert status == 201
    started = json.loads(body)["data"]["id"]
    now_running = {r["id"] for r in get(backend, "/recordings", recording_filter)["data"]}
    assert now_running == running | {started}

    status, _ = call(backend, "PUT", f"/recordings/{started}", body={"action": "stop"})
    assert status == 200
    uploading = [("status", "UPLOADING"), ("per_page", "100")]
    assert started in {r["id"] for r in get(backend, "/recordings", uploading)["data"]}
    # A GET that writes: the stopped recording reads UPLOADING once, then UPLOADED.
    assert get(backend, f"/recordings/{started}")["data"]["status"] == "UPLOADING"
    assert get(backend, f"/recordings/{started}")["data"]["status"] == "UPLOADED"
    assert started not in {r["id"] for r in get(backend, "/recordings", uploading)["data"]}
    uploaded = get(backend, "/recordings", [("status", "UPLOADED")])["data"]
    assert uploaded[0]["id"] == started  # the newest first

    status, _ = call(backend, "POST", f"/meetings/{meeting}/active-session/kick-all")
    assert status == 200
    still_live = get(backend, "/sessions", [("status", "LIVE")])["data"]["sessions"]
    assert len(still_live) == len(live) - 1
    assert all(s["associated_id"] != meeting for s in still_live)


def test_lists_kept_are_dropped_when_the_clock_moves() -> None:
    backend = new_backend()
    first = get(backend, "/sessions", [("status", "LIVE")])["paging"]["total_count"]
    assert first > 0
    world = backend.world
    with world.lock:
        world.now = world.now + (world.now - world.start)  # far on: every session has ended
    assert get(backend, "/sessions", [("status", "LIVE")])["paging"]["total_count"] == 0


def test_the_kept_lists_stay_bounded() -> None:
    backend = new_backend()
    for n in range(40):
        get(backend, "/meetings", [("search", f"{n}")])
    assert 0 < len(backend.world.lists) <= backend.world.lists.max_lists


@pytest.mark.parametrize("writers", [0, 1])
def test_pages_read_from_many_threads_are_consistent(writers: int) -> None:
    """Threads page through lists (while another creates meetings): each page is the page a
    lone reader gets, and each meetings page agrees with its own paging."""
    backend, alone = new_backend(), new_backend(keep=False)
    queries = [(path, query, per_page) for path, query, per_page in LISTS if path != "/meetings"]
    expected = {str(q): every_page(alone, *q) for q in queries}
    errors: list[str] = []
    made = 6

    def read(path: str, query: Query, per_page: int) -> None:
        for _ in range(2):
            got = every_page(backend, path, query, per_page)
            if got != expected[str((path, query, per_page))]:  # the writes change none
                errors.append(f"{path} {query} differs")

    def read_meetings() -> None:
        for _ in range(made * 3):
            body = get(backend, "/meetings", [("per_page", "100"), ("search", "zebra huddle")])
            if len(body["data"]) != body["paging"]["total_count"]:
                errors.append("a meetings page disagrees with its paging")

    def write() -> None:
        for n in range(made):
            call(backend, "POST", "/meetings", body={"title": f"Zebra huddle {n}"})

    threads = [threading.Thread(target=read, args=q) for q in queries]
    threads.append(threading.Thread(target=read_meetings))
    threads += [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and backend.internal_errors == []
    if writers:
        huddles = get(backend, "/meetings", [("search", "zebra huddle")])["paging"]["total_count"]
        assert huddles == made
