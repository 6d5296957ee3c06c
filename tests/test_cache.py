"""The on-disk cache: re-runs on ended sessions cost nothing; nothing secret is stored."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import rtk_notebook as rtk
from rtk_notebook.api import cache as cache_module
from rtk_notebook.api.cache import (
    FILE_NAME,
    FOREVER,
    SUBDIRECTORY,
    CacheWarning,
    ResponseCache,
    lifetime,
)
from rtk_notebook.api.http import RateLimiter
from rtk_notebook.demo import DemoBackend, DemoServer, Faults
from tests.factories import TOKEN, FakeTime, connect_to, find_ids, make_world


def cached_kit(backend: DemoBackend, directory: Path, **kw: object) -> rtk.Kit:
    return connect_to(backend, cache=directory, **kw)


def cache_file(directory: Path) -> Path:
    """Where ``cache=directory`` keeps its database."""
    return directory / SUBDIRECTORY / FILE_NAME


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
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700  # made by the cache: private
    database = cache_file(directory)
    assert stat.S_IMODE(os.stat(database).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(database.parent).st_mode) == 0o700
    unsalted = hashlib.sha256(TOKEN.encode()).hexdigest().encode()
    for file in [f for f in directory.rglob("*") if f.is_file()]:
        content = file.read_bytes()
        assert TOKEN.encode() not in content and b"Authorization" not in content
        assert unsalted not in content  # only a salted digest of the token


def test_what_may_change_is_kept_briefly_and_a_write_drops_it(tmp_path: Path) -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    ids = find_ids(backend.world)
    kit = cached_kit(backend, tmp_path)
    live = kit.session(ids.live_session_id)
    assert live.status == "LIVE"
    kit.webhooks()
    sent = backend.request_count
    kit.webhooks()  # briefly cached
    assert backend.request_count == sent
    kit.api.webhooks.edit_webhook(ids.webhook_id, name="Renamed")
    renamed = kit.webhooks().set_index("id").loc[ids.webhook_id, "name"]
    assert renamed == "Renamed"  # the write dropped the stale copy
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
    # Answers with credentials (a pre-signed link, storage keys) never go to disk.
    assert lifetime("recordings.get_one_recording", uploaded, now, 60) == 0
    for key in ("meetings.get_meeting_by_id", "meetings.get_meeting_participants"):
        assert lifetime(key, {"success": True, "data": {}}, now, 60) == 0
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


def test_a_requests_slot_counts_from_its_answer() -> None:
    # The server counts a request when it arrives, after it was sent: a slot held from the
    # send would let the client's window run ahead of the server's (and draw 429s).
    fake = FakeTime()
    limiter = RateLimiter(requests=2, per_s=10.0, clock=fake, sleep=fake.sleep)
    sent_at: list[float] = []

    async def run() -> None:
        slots = [await limiter.acquire(), await limiter.acquire()]
        fake.now = 3.0  # both answered 3 s after they were sent
        for slot in slots:
            limiter.answered(slot)
        await limiter.acquire()
        sent_at.append(fake.now)

    asyncio.run(run())
    assert sent_at == [13.0] and fake.slept == [10.0]  # not at 10: the window counts from 3


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


# ---- the cache answers only the token that filled it ----------------------------------------


def kit_with_token(backend: DemoBackend, directory: Path, token: str, **kw: object) -> rtk.Kit:
    return connect_to(backend, token=token, cache=directory, **kw)


def test_a_wrong_token_gets_the_servers_refusal_not_cached_data(tmp_path: Path) -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    ids = find_ids(backend.world)
    kit = cached_kit(backend, tmp_path)
    notebook_run(kit, ids.ended_session_id)
    kit.close()
    wrong = kit_with_token(backend, tmp_path, "revoked-or-wrong-token")
    with pytest.raises(rtk.AuthError):
        wrong.session(ids.ended_session_id)
    with pytest.raises(rtk.AuthError):
        wrong.peer_report(ids.peer_id)
    assert wrong.cache is not None and wrong.cache.stats.hits == 0
    wrong.close()
    assert backend.statuses[403] == 2
    again = cached_kit(backend, tmp_path)  # the right token still finds its entries
    notebook_run(again, ids.ended_session_id)
    assert again.cache is not None and again.cache.stats.misses == 0
    again.close()


def test_each_token_has_its_own_entries(tmp_path: Path) -> None:
    backend = DemoBackend(make_world())  # accepts any token
    ids = find_ids(backend.world)
    first = kit_with_token(backend, tmp_path, "token-of-ann")
    result = notebook_run(first, ids.ended_session_id)
    first.close()
    sent = backend.request_count
    other = kit_with_token(backend, tmp_path, "token-of-bob")
    assert notebook_run(other, ids.ended_session_id) == result
    assert backend.request_count == 2 * sent  # nothing of Ann's was served to Bob
    other.close()
    database = cache_file(tmp_path)
    with sqlite3.connect(database) as db:
        whos = {who for (who,) in db.execute("SELECT DISTINCT who FROM entries")}
    assert len(whos) == 2
    content = database.read_bytes()
    for token in ("token-of-ann", "token-of-bob"):
        assert token.encode() not in content
        assert hashlib.sha256(token.encode()).hexdigest() not in whos


# ---- a damaged cache heals itself, with a warning ----------------------------------------------


def filled_cache(tmp_path: Path) -> tuple[DemoBackend, str, tuple[int, float], Path]:
    """A backend, an ended session, what a notebook run on it gives, and the database file
    that run filled (closed)."""
    backend = DemoBackend(make_world(), token=TOKEN)
    session_id = find_ids(backend.world).ended_session_id
    kit = cached_kit(backend, tmp_path)
    result = notebook_run(kit, session_id)
    kit.close()
    return backend, session_id, result, cache_file(tmp_path)


def truncate(database: Path) -> bytes:
    data = database.read_bytes()
    database.write_bytes(data[: len(data) // 2])
    return data[: len(data) // 2]


def garbage(database: Path) -> bytes:
    data = random.Random(1).randbytes(64 * 1024)
    database.write_bytes(data)
    return data


def other_schema(database: Path) -> bytes:
    database.unlink()
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
        db.execute("INSERT INTO notes VALUES ('not a cache')")
    db.close()
    return database.read_bytes()


def newer_version(database: Path) -> bytes:
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA user_version = 99")
    db.close()
    return database.read_bytes()


def a_directory(database: Path) -> bytes:
    database.unlink()
    database.mkdir()
    (database / "note").write_text("a directory where the database should be")
    return b""


def another_users(database: Path) -> bytes:
    os.chown(database, 65534, 65534)
    return database.read_bytes()


@pytest.mark.parametrize(
    "damage",
    [
        truncate,
        garbage,
        other_schema,
        newer_version,
        a_directory,
        pytest.param(
            another_users,
            marks=pytest.mark.skipif(os.geteuid() != 0, reason="only root can chown"),
        ),
    ],
)
def test_a_damaged_cache_is_moved_aside_and_made_afresh(
    tmp_path: Path, damage: Callable[[Path], bytes]
) -> None:
    backend, session_id, result, database = filled_cache(tmp_path)
    content = damage(database)
    with pytest.warns(CacheWarning, match="damaged .*moved it aside to responses.sqlite3.dam"):
        kit = cached_kit(backend, tmp_path)
    assert notebook_run(kit, session_id) == result  # from the server: nothing raised
    kit.close()
    aside = [p for p in database.parent.iterdir() if ".damaged-" in p.name]
    assert [p.name for p in aside if not p.name.endswith(("-wal", "-shm"))] == [
        f"{FILE_NAME}.damaged-{aside[0].name.split('.damaged-')[1][:15]}"
    ]
    if content:
        assert aside[0].read_bytes() == content  # kept as it was, for a look
    sent = backend.request_count
    again = cached_kit(backend, tmp_path)  # the fresh cache works
    assert notebook_run(again, session_id) == result
    assert backend.request_count == sent
    again.close()


def test_damage_found_while_reading_heals_the_same_way(tmp_path: Path) -> None:
    backend, session_id, result, database = filled_cache(tmp_path)
    with open(database, "r+b") as file:  # zero the second half: the reports' pages
        size = file.seek(0, os.SEEK_END)
        file.seek(size // 2 // 4096 * 4096)
        file.write(bytes(size - size // 2 // 4096 * 4096))
    kit = cached_kit(backend, tmp_path)  # the schema and salt are intact: it opens
    with pytest.warns(CacheWarning, match="malformed.*moved it aside") as caught:
        assert notebook_run(kit, session_id) == result
    assert len([w for w in caught if issubclass(w.category, CacheWarning)]) == 1
    kit.close()
    assert any(".damaged-" in p.name for p in database.parent.iterdir())
    for _ in range(2):  # the fresh cache fills with what was read before the damage showed
        again = cached_kit(backend, tmp_path)
        sent = backend.request_count
        assert notebook_run(again, session_id) == result
        again.close()
    assert backend.request_count == sent


def test_a_cache_of_the_first_version_is_replaced(tmp_path: Path) -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    ids = find_ids(backend.world)
    database = cache_file(tmp_path)
    database.parent.mkdir(mode=0o700)
    with sqlite3.connect(database) as db:  # as the first version made it: no token in keys
        db.execute(
            "CREATE TABLE entries (key TEXT PRIMARY KEY, namespace TEXT, app TEXT, "
            "expires REAL, body TEXT)"
        )
        db.execute("INSERT INTO entries VALUES ('k', 'n', 'a', 1e18, '{}')")
    db.close()
    with pytest.warns(CacheWarning, match="older version"):
        kit = cached_kit(backend, tmp_path)
    notebook_run(kit, ids.ended_session_id)
    kit.close()
    assert sorted(p.name for p in database.parent.iterdir()) == [FILE_NAME]
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
    db.close()


def test_an_unreadable_cache_file_of_ours_is_made_readable_again(tmp_path: Path) -> None:
    backend, session_id, result, database = filled_cache(tmp_path)
    os.chmod(database, 0)
    sent = backend.request_count
    kit = cached_kit(backend, tmp_path)
    assert notebook_run(kit, session_id) == result and backend.request_count == sent
    kit.close()
    assert stat.S_IMODE(os.stat(database).st_mode) == 0o600


def test_a_locked_cache_is_bypassed_with_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "BUSY_TIMEOUT_S", 0.05)  # no long wait in a test
    monkeypatch.setattr(cache_module, "PAUSE_S", 0.0)  # try again at once once released
    backend, session_id, result, database = filled_cache(tmp_path)
    ids = find_ids(backend.world)
    kit = cached_kit(backend, tmp_path)
    other = sqlite3.connect(database, isolation_level=None)  # another process, as it were
    other.execute("BEGIN EXCLUSIVE")  # holds the write lock
    sent = backend.request_count
    with pytest.warns(CacheWarning, match="locked by another process") as caught:
        assert notebook_run(kit, session_id) == result  # reads still answer...
        assert backend.request_count == sent
        kit.session(ids.live_session_id)  # ...what is new is fetched, not kept
        kit.presets()
        assert kit.cache is not None
        kit.cache.flush()  # the writer's failure comes back to the next caller, at the latest here
    assert len([w for w in caught if issubclass(w.category, CacheWarning)]) == 1
    assert kit.cache.stats.stored == 0
    other.execute("ROLLBACK")
    kit.session(ids.live_session_id)
    assert kit.cache.stats.stored == 1  # released: kept again
    kit.close()

    # Locked for reading too, when the other holds the whole file: connect and calls go on.
    other.execute("PRAGMA locking_mode = EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("COMMIT")  # in exclusive locking mode, the lock outlives the transaction
    sent = backend.request_count
    with pytest.warns(CacheWarning, match="locked by another process"):
        kit = cached_kit(backend, tmp_path)
        assert notebook_run(kit, session_id) == result
    assert backend.request_count > sent
    other.close()
    sent = backend.request_count
    assert notebook_run(kit, session_id) == result and backend.request_count == sent
    kit.close()


# ---- a cap, least recently used first -------------------------------------------------------


def body_of(size: int, n: int) -> bytes:
    """A JSON body of exactly ``size`` bytes."""
    head = f'{{"n":{n},"pad":"'.encode()
    return head + b"x" * (size - len(head) - 2) + b'"}'


def test_the_cap_evicts_the_least_recently_used(tmp_path: Path) -> None:
    fake = FakeTime(step=1.0)  # every reading of the clock is a second later
    cache = ResponseCache(tmp_path, namespace="t", max_bytes=100_000, clock=fake)
    for n in range(10):
        cache.store(f"k{n}", "app", 1e18, body_of(9_000, n))
    assert cache.get("k0")["n"] == 0  # k0 is now the most recently used
    cache.store("k10", "app", 1e18, body_of(9_000, 10))  # 99,000 bytes: under the cap
    assert cache.stats.evicted == 0
    cache.store("k11", "app", 1e18, body_of(9_000, 11))  # 108,000: down to 90 % of the cap
    stats = cache.stats
    assert (stats.evicted, stats.entries, stats.bytes) == (2, 10, 90_000)
    assert cache.get("k1") is None and cache.get("k2") is None  # the oldest used went
    assert cache.get("k0") is not None and cache.get("k3") is not None
    for n in range(12, 212):  # 1.8 MB more: the total, and the file, stay bounded
        cache.store(f"k{n}", "app", 1e18, body_of(9_000, n))
        assert cache.stats.bytes <= 100_000
    assert cache.get("k211") is not None
    cache.close()
    assert os.path.getsize(cache.path) < 300_000  # pages freed by eviction went back
    with pytest.raises(ValueError, match="max_bytes"):
        ResponseCache(tmp_path, namespace="t", max_bytes=0)


def test_connect_takes_a_cap_and_checks_its_arguments(tmp_path: Path) -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    ids = find_ids(backend.world)
    kit = cached_kit(backend, tmp_path, cache_max_bytes=1_000_000)
    notebook_run(kit, ids.ended_session_id)
    assert kit.cache is not None
    stats = kit.cache.stats
    assert stats.max_bytes == 1_000_000 and 0 < stats.bytes <= 1_000_000
    assert stats.evicted > 0 and stats.entries > 0
    assert "bytes=" in repr(stats)
    kit.close()
    assert connect_to(backend, cache=tmp_path).cache.max_bytes == 2 * 1024**3  # type: ignore[union-attr]
    for bad in (True, 0, -1, 1.5, "2GB"):
        with pytest.raises(rtk.ValidationError, match="cache_max_bytes"):
            cached_kit(backend, tmp_path, cache_max_bytes=bad)
    for bad_choice in (5, 1.0, "", ["dir"]):
        with pytest.raises(rtk.ValidationError, match="cache"):
            connect_to(backend, cache=bad_choice)


# ---- permissions: its own subdirectory, never the user's ----------------------------------


def test_a_chosen_directory_keeps_its_permissions(tmp_path: Path) -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    ids = find_ids(backend.world)
    chosen = tmp_path / "shared"
    chosen.mkdir()
    os.chmod(chosen, 0o755)
    previous = os.umask(0)  # files must be private whatever the umask
    try:
        kit = cached_kit(backend, chosen)
        notebook_run(kit, ids.ended_session_id)
        database = cache_file(chosen)
        files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
        assert all(stat.S_IMODE(os.stat(f).st_mode) == 0o600 for f in files)  # while open
        kit.close()
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(chosen).st_mode) == 0o755
    assert stat.S_IMODE(os.stat(chosen / SUBDIRECTORY).st_mode) == 0o700
    assert [p.name for p in chosen.iterdir()] == [SUBDIRECTORY]
    for file in (chosen / SUBDIRECTORY).iterdir():
        assert stat.S_IMODE(os.stat(file).st_mode) == 0o600


def test_a_loose_cache_directory_of_ours_is_made_private(tmp_path: Path) -> None:
    backend, session_id, result, database = filled_cache(tmp_path)
    os.chmod(database.parent, 0o755)  # readable by others: tightened, contents kept
    sent = backend.request_count
    with pytest.warns(CacheWarning, match="readable by other users"):
        kit = cached_kit(backend, tmp_path)
    assert notebook_run(kit, session_id) == result and backend.request_count == sent
    kit.close()
    assert stat.S_IMODE(os.stat(database.parent).st_mode) == 0o700
    os.chmod(database.parent, 0o500)  # too tight for us to write: ours, so made 0700 again
    cached_kit(backend, tmp_path).close()
    assert stat.S_IMODE(os.stat(database.parent).st_mode) == 0o700
    os.chmod(database.parent, 0o777)  # writable by others: anything could have been put in
    with pytest.warns(CacheWarning, match="writable by other users.*moved it aside"):
        kit = cached_kit(backend, tmp_path)
    assert notebook_run(kit, session_id) == result and backend.request_count > sent
    kit.close()
    assert stat.S_IMODE(os.stat(database.parent).st_mode) == 0o700


def test_a_cache_directory_that_is_a_link_is_not_used(tmp_path: Path) -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    ids = find_ids(backend.world)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    (chosen / SUBDIRECTORY).symlink_to(elsewhere)
    with pytest.warns(CacheWarning, match="cannot keep a cache"):
        kit = cached_kit(backend, chosen)
    notebook_run(kit, ids.ended_session_id)
    kit.close()
    assert list(elsewhere.iterdir()) == []


def test_answers_with_credentials_never_reach_the_disk(tmp_path: Path) -> None:
    """Storage keys, participant tokens, stream keys and pre-signed links stay off the disk,
    whatever is asked for, revealed or not."""
    backend = DemoBackend(make_world(), token=TOKEN)
    ids = find_ids(backend.world)
    kit = connect_to(backend, cache=tmp_path)
    bucket = next(  # a meeting that records to the customer's own bucket, with its keys
        m.record
        for m in backend.world.apps[0].meetings.values()
        if m.record["recording_config"].get("storage_config")
    )
    storage = bucket["recording_config"]["storage_config"]
    recording = kit.recording(ids.recording_id, reveal_secrets=True)
    kit.meeting(bucket["id"], reveal_secrets=True)
    kit.meetings(reveal_secrets=True)
    roster = kit.meeting_participants(ids.meeting_id, reveal_secrets=True)
    streams = kit.livestreams(reveal_secrets=True)
    kit.recordings(reveal_secrets=True)
    kit.session_quality(ids.ended_session_id, progress=False)  # what is worth keeping
    assert kit.cache is not None and kit.cache.stats.stored > 0
    kit.close()
    secrets = [str(recording.download_url).split("?", 1)[1], *roster["token"].dropna()]
    secrets += [k for k in streams["stream_key"].dropna() if k]
    secrets += [storage["access_key"], storage["secret"]]
    assert len(secrets) > 4
    on_disk = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert [s for s in secrets if s.encode() in on_disk] == []


# ---- the writer thread: the caller never waits on SQLite -----------------------------------


class Gate:
    """Holds the cache's writer thread at the start of each batch (before its transaction)
    until ``open`` is set; a flush or a stop opens it, as the caller then waits for the
    writer anyway. ``entered`` tells that the writer holds a batch."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered = threading.Event()
        self.open = threading.Event()
        writer = cache_module._Writer
        write, flush, stop = writer._write, writer.flush, writer.stop
        gate = self

        def held(self: Any, batch: Any, generation: int) -> None:
            if not gate.open.is_set():
                gate.entered.set()
                gate.open.wait()
            write(self, batch, generation)

        def opening(method: Callable[[Any], None]) -> Callable[[Any], None]:
            def opened(self: Any) -> None:
                gate.open.set()
                method(self)

            return opened

        monkeypatch.setattr(writer, "_write", held)
        monkeypatch.setattr(writer, "flush", opening(flush))
        monkeypatch.setattr(writer, "stop", opening(stop))


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    held = Gate(monkeypatch)
    yield held
    held.open.set()  # a failed test leaves no writer waiting


def rows_in_file(cache: ResponseCache) -> list[str]:
    """The keys committed to the cache's file, read as another process would."""
    db = sqlite3.connect(cache.path)
    try:
        return sorted(key for (key,) in db.execute("SELECT key FROM entries"))
    finally:
        db.close()


def test_a_write_is_read_back_before_it_is_committed(tmp_path: Path, gate: Gate) -> None:
    now = 1_000.0
    cache = ResponseCache(tmp_path, namespace="t", clock=lambda: now)
    gate.open.set()
    cache.store("old", "app", now + 60, body_of(500, 0))  # short-lived, committed
    cache.store("kept", "app", 1e18, body_of(500, 1))
    cache.flush()
    gate.open.clear()
    cache.store("k0", "app", 1e18, body_of(1_000, 2))
    gate.entered.wait()  # the writer holds k0's batch, not committed
    cache.store("k1", "app", now + 60, body_of(1_000, 3))  # queued behind it
    assert cache.get("k0")["n"] == 2 and cache.get("k1")["n"] == 3  # read your writes
    assert rows_in_file(cache) == ["kept", "old"]  # neither is in the file yet
    cache.forget_short_lived("app")  # a write: what may have changed is dropped at once...
    assert cache.get("k1") is None and cache.get("old") is None
    assert cache.get("k0")["n"] == 2 and cache.get("kept")["n"] == 1  # ...what cannot stays
    cache.store("k2", "app", now + 60, body_of(1_000, 4))  # after the write: kept again
    assert cache.get("k2")["n"] == 4
    gate.open.set()
    cache.flush()
    assert rows_in_file(cache) == ["k0", "k2", "kept"]
    assert cache.get("k2")["n"] == 4
    cache.close()


def test_stats_len_and_close_wait_for_every_write(tmp_path: Path, gate: Gate) -> None:
    cache = ResponseCache(tmp_path, namespace="t")
    for n in range(10):
        cache.store(f"k{n}", "app", 1e18, body_of(1_000, n))
    stats = cache.stats  # the writer held every write until here
    assert (stats.entries, stats.bytes, stats.stored) == (10, 10_000, 10)
    gate.open.clear()
    cache.store("k10", "app", 1e18, body_of(1_000, 10))
    assert len(cache) == 11
    gate.open.clear()
    cache.store("k11", "app", 1e18, body_of(1_000, 11))
    cache.store("k12", "app", 1e18, body_of(1_000, 12))
    writer = cache._writer._thread
    assert writer is not None and writer.is_alive()
    cache.close()
    assert len(rows_in_file(cache)) == 13  # close wrote what was queued
    assert not writer.is_alive()  # and ended the writer thread
    cache.clear()  # a closed cache: nothing happens, nothing starts
    assert cache._writer._thread is None


def test_writes_queued_while_the_writer_works_share_one_commit(tmp_path: Path, gate: Gate) -> None:
    cache = ResponseCache(tmp_path, namespace="t")
    cache.store("k0", "app", 1e18, body_of(1_000, 0))
    gate.entered.wait()  # the first batch: k0 alone
    for n in range(1, 50):
        cache.store(f"k{n}", "app", 1e18, body_of(1_000, n))
    stats = cache.stats
    assert (stats.stored, stats.entries, stats.commits) == (50, 50, 2)
    cache.close()


def test_a_caller_too_far_ahead_of_the_writer_waits_for_it(tmp_path: Path, gate: Gate) -> None:
    cache = ResponseCache(tmp_path, namespace="t", queue_limit_bytes=5_000)
    producer = threading.current_thread()
    waiting = threading.Event()
    seen: list[tuple[int, list[str]]] = []

    class Watched(threading.Condition):
        def wait(self, timeout: float | None = None) -> bool:
            if threading.current_thread() is producer:
                waiting.set()
            return super().wait(timeout)

    cache._writer.cv = Watched()

    def drain_when_the_producer_waits() -> None:
        waiting.wait()
        seen.append((cache._writer.queued_bytes, rows_in_file(cache)))
        gate.open.set()

    opener = threading.Thread(target=drain_when_the_producer_waits, daemon=True)
    opener.start()
    cache.store("k0", "app", 1e18, body_of(1_000, 0))
    gate.entered.wait()
    assert not waiting.is_set()  # 1,000 bytes queued: under the limit, no wait
    for n in range(1, 6):  # the sixth 1,000 bytes pass the limit
        cache.store(f"k{n}", "app", 1e18, body_of(1_000, n))
    assert waiting.is_set()  # the producer waited...
    opener.join()
    assert seen == [(6_000, [])]  # ...with 6,000 bytes queued and nothing written yet
    assert cache._writer.queued_bytes <= 5_000  # and went on once the writer drained
    assert cache.stats.stored == 6 and all(cache.get(f"k{n}") for n in range(6))
    cache.close()


def test_what_fails_in_the_writer_comes_back_to_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ResponseCache(tmp_path, namespace="t")
    writer = cache_module._Writer
    write = writer._write

    def broken(self: Any, batch: Any, generation: int) -> None:
        raise RuntimeError("the writer broke")

    monkeypatch.setattr(writer, "_write", broken)
    cache.store("k0", "app", 1e18, body_of(1_000, 0))
    with pytest.raises(RuntimeError, match="the writer broke"):
        cache.flush()
    cache.flush()  # told once
    monkeypatch.setattr(writer, "_write", write)
    cache.store("k1", "app", 1e18, body_of(1_000, 1))
    assert len(cache) == 1 and cache.get("k1") is not None and cache.get("k0") is None

    def disk_full(self: Any, batch: Any, generation: int) -> None:
        error = sqlite3.OperationalError("database or disk is full")
        error.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
        raise error

    monkeypatch.setattr(writer, "_write", disk_full)
    cache.store("k2", "app", 1e18, body_of(1_000, 2))
    with pytest.warns(CacheWarning, match="cannot be used now"):  # as if it had happened here
        cache.flush()
    thread = cache._writer._thread
    cache.close()
    assert thread is not None and not thread.is_alive()


def test_caches_sharing_a_file_write_at_once(tmp_path: Path) -> None:
    caches = [ResponseCache(tmp_path, namespace="t", token=TOKEN) for _ in range(3)]

    def fill(i: int) -> None:
        for n in range(40):
            caches[i].store(f"c{i}-{n}", "app", 1e18, body_of(2_000, n))

    threads = [threading.Thread(target=fill, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for cache in caches:
        cache.flush()
    for cache in caches:  # each reads what the others wrote
        assert len(cache) == 120 and cache.get("c2-39")["n"] == 39
        assert cache.stats.entries == 120 and cache.stats.bytes == 240_000
        cache.close()


def test_what_is_queued_at_exit_is_written(tmp_path: Path) -> None:
    script = (
        "import sys; from rtk_notebook.api.cache import ResponseCache\n"
        "cache = ResponseCache(sys.argv[1], namespace='t')\n"
        "for n in range(200):\n"
        "    cache.store(f'k{n}', 'app', 1e18, b'{\"n\":%d}' % n)\n"
    )  # no close: the interpreter's exit closes it
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, env=env)
    cache = ResponseCache(tmp_path, namespace="t")
    assert len(rows_in_file(cache)) == 200 and cache.get("k199") == {"n": 199}
    cache.close()
