"""The on-disk cache: re-runs on ended sessions cost nothing; nothing secret is stored."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

import rtk_notebook as rtk
from rtk_notebook.api.cache import FOREVER, ResponseCache, lifetime
from rtk_notebook.api.http import RateLimiter
from rtk_notebook.demo import DemoBackend, DemoServer, Faults
from tests.conftest import TOKEN, connect_to, find_ids, make_world


def cached_kit(backend: DemoBackend, directory: Path, **kw: object) -> rtk.Kit:
    return connect_to(backend, cache=directory, **kw)


def notebook_run(kit: rtk.Kit, session_id: str) -> tuple[int, float]:
    """What a troubleshooting notebook does with one ended session."""
    session = kit.session(session_id)
    people = kit.session_participants(session_id)
    reports = [kit.peer_report(peer) for peer in people["id"]]
    return len(people), session.minutes_consumed + sum(r.sample_count for r in reports)


def test_a_rerun_on_an_ended_session_costs_no_requests(tmp_path: Path) -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    ids = find_ids(backend.world)
    kit = cached_kit(backend, tmp_path)
    first = notebook_run(kit, ids.ended_session_id)
    sent = backend.request_count
    assert sent >= 3
    kit.close()
    again = cached_kit(backend, tmp_path)  # a new kernel: a new connection, the same cache
    assert notebook_run(again, ids.ended_session_id) == first
    assert backend.request_count == sent  # not one request
    assert again.cache.stats.hits >= 3 and again.cache.stats.misses == 0
    again.cache.clear()
    notebook_run(again, ids.ended_session_id)
    assert backend.request_count > sent
    again.close()


def test_the_cache_is_private_and_holds_no_token(tmp_path: Path) -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    ids = find_ids(backend.world)
    directory = tmp_path / "cache"
    kit = cached_kit(backend, directory)
    notebook_run(kit, ids.ended_session_id)
    kit.close()
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    database = directory / "responses.sqlite3"
    assert stat.S_IMODE(os.stat(database).st_mode) == 0o600
    for file in directory.iterdir():
        content = file.read_bytes()
        assert TOKEN.encode() not in content and b"Authorization" not in content


def test_what_may_change_is_kept_briefly_and_a_write_drops_it(tmp_path: Path) -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    ids = find_ids(backend.world)
    kit = cached_kit(backend, tmp_path)
    live = kit.session(ids.live_session_id)
    assert live.status == "LIVE"
    kit.meeting(ids.meeting_id)
    sent = backend.request_count
    kit.meeting(ids.meeting_id)  # briefly cached
    assert backend.request_count == sent
    kit.api.meetings.update_meeting_by_id(ids.meeting_id, title="Renamed")
    assert kit.meeting(ids.meeting_id).title == "Renamed"  # the write dropped the stale copy
    kit.close()
    short = ResponseCache(tmp_path / "other", namespace="x", short_ttl_s=0)
    body = {"success": True, "data": {"session": {"status": "LIVE"}}}
    short.put("k", "app", "sessions.get_session_details", body)
    assert short.get("k") is None  # live: not kept at all with a zero short TTL
    short.close()


def test_lifetimes() -> None:
    now = 2_000_000_000.0
    ended = {"success": True, "data": {"session": {"status": "ENDED"}}}
    assert lifetime("sessions.get_session_details", ended, now, 60) == FOREVER
    flat = {"success": True, "data": {"status": "ENDED"}}  # the SDK's shape
    assert lifetime("sessions.get_session_details", flat, now, 60) == FOREVER
    left = {"success": True, "data": {"participant": {"left_at": "2020-01-01T00:00:00Z"}}}
    staying = {"success": True, "data": {"participant": {"joined_at": "2020-01-01T00:00:00Z"}}}
    assert lifetime("sessions.get_participant_data_from_peer_id", left, now, 60) == FOREVER
    assert lifetime("sessions.get_participant_data_from_peer_id", staying, now, 60) == 60
    uploaded = {
        "success": True,
        "data": {"status": "UPLOADED", "download_url_expiry": "2033-05-18T03:34:20Z"},
    }
    assert 0 < lifetime("recordings.get_one_recording", uploaded, now, 60) < FOREVER
    assert lifetime("sessions.get_sessions", {"success": True, "data": {}}, now, 60) == 60
    assert lifetime("sessions.get_sessions", {"success": False}, now, 60) == 0


def test_keys_separate_accounts_apps_paths_and_queries(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path, namespace="https://api.example/client/v4")
    keys = {
        cache.key("GET", "/accounts/a/realtime/kit/x/sessions", [("page_no", "1")]),
        cache.key("GET", "/accounts/a/realtime/kit/x/sessions", [("page_no", "2")]),
        cache.key("GET", "/accounts/a/realtime/kit/y/sessions", [("page_no", "1")]),
        cache.key("GET", "/accounts/b/realtime/kit/x/sessions", [("page_no", "1")]),
    }
    assert len(keys) == 4
    same = cache.key("GET", "/p", [("b", "2"), ("a", "1")]) == cache.key(
        "GET", "/p", [("a", "1"), ("b", "2")]
    )
    assert same
    other = ResponseCache(tmp_path, namespace="https://other.example/client/v4")
    assert other.key("GET", "/p", None) != cache.key("GET", "/p", None)
    cache.close()
    other.close()


def test_cache_defaults() -> None:
    assert rtk.connect(demo=True).cache is None  # the demo is in-process: nothing to save
    assert rtk.connect(demo=True, cache=False).cache is None


class FakeTime:
    """A clock that moves only when told: by a sleep, or by a fixed step on each reading."""

    def __init__(self, step: float = 0.0) -> None:
        self.now, self.step, self.slept = 0.0, step, []  # type: list[float]

    def __call__(self) -> float:
        now = self.now
        self.now += self.step
        return now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_client_paces_itself_to_the_rate_limit() -> None:
    fake = FakeTime()
    limiter = RateLimiter(requests=5, per_s=0.25, clock=fake, sleep=fake.sleep)
    sent_at: list[float] = []

    async def burst() -> None:
        for _ in range(12):
            await limiter.acquire()
            sent_at.append(fake.now)

    asyncio.run(burst())
    assert sent_at == [0.0] * 5 + [0.25] * 5 + [0.5] * 2  # five per window, never six
    assert fake.slept == [0.25, 0.25] and limiter.waited_s == 0.5


def test_with_the_servers_limit_on_the_client_slows_instead_of_failing() -> None:
    # The server's window is measured by a clock that moves a quarter of the window on each
    # request, whatever the machine's speed: the 4th request finds 3 in the window and gets a
    # 429 (Retry-After: 1); the client waits and retries, by then the window has moved on.
    faults = Faults(rate_limit=True, rate_limit_requests=3, rate_limit_window_s=1.0)
    world = make_world()
    backend = DemoBackend(world, token=TOKEN, faults=faults, clock=FakeTime(step=0.25))
    with DemoServer(backend) as server:
        kit = rtk.connect(
            token=TOKEN,
            account_id=world.account_id,
            app_id=world.apps[0].id,
            base_url=server.base_url,
            max_retries=10,
        )
        frames = [kit.webhooks() for _ in range(6)]
        kit.close()
    assert all(len(f) == 3 for f in frames)
    assert backend.statuses[429] == 1  # the server did push back...
    assert backend.statuses[200] == 6  # ...and every call still succeeded
    assert [status for *_, status in backend.log] == [200, 200, 200, 429, 200, 200, 200]


@pytest.mark.parametrize("choice", [True])
def test_cache_true_uses_the_users_cache_directory(choice, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    kit = rtk.connect(demo=make_world(), cache=choice)
    assert kit.cache is not None and kit.cache.path.parent == tmp_path / "rtk_notebook"
    kit.close()
