"""The demo's peer reports: the served bytes against a plain reference (dicts, json.dumps),
and the memory the in-process demo keeps for them (bounded by bytes, least recently used
first out)."""

from __future__ import annotations

import datetime as dt
import gc
import json
import random
import tracemalloc
import uuid
from typing import Any

import httpx
import pytest

from rtk_notebook.demo import DemoBackend, DemoWorld, world
from rtk_notebook.demo.ids import Address, IdCodec, Kind
from rtk_notebook.demo.netsim import PeerSim
from rtk_notebook.demo.world import AppWorld, Join, SizedCache, sim_bytes
from rtk_notebook.spec.endpoints import iso_z
from tests.factories import make_world

HEADERS = httpx.Headers({"Authorization": "Bearer any"})


def some_joins(demo: DemoWorld, count: int, app_index: int = 0) -> tuple[AppWorld, list[Join]]:
    """``count`` joins of ended sessions, from the newest back (several sessions, both
    short and long stays, some screen shares)."""
    app = demo.apps[app_index]
    joins: list[Join] = []
    for i in reversed(range(app.session_count)):
        if not app.is_live(i):
            joins.extend(app.joins(i))
        if len(joins) >= count:
            break
    return app, joins[:count]


def served(demo: DemoWorld, app: AppWorld, peer_id: str, **query: str) -> bytes:
    backend = DemoBackend(demo, keep_bytes=0)
    path = f"/client/v4/accounts/{demo.account_id}/realtime/kit/{app.id}"
    reply = backend.handle(
        "GET", f"{path}/sessions/peer-report/{peer_id}", list(query.items()), HEADERS, b""
    )
    assert reply.status == 200, reply.body[:300]
    return reply.body


def reference_body(app: AppWorld, join: Join, sim: PeerSim) -> bytes:
    """The peer report written the plain way: every sample a dict, the whole answer through
    json.dumps (what the route wrote before it wrote samples from columns)."""
    person = app.people[join.person]
    left = join.left or app.world.now
    record: dict[str, Any] = {
        "id": join.peer_id,
        "created_at": iso_z(join.joined),
        "custom_participant_id": person.custom_id,
        "display_name": person.name,
        "duration": round((left - join.joined).total_seconds() / 60, 4),
        "joined_at": iso_z(join.joined),
        "left_at": iso_z(left),
        "preset_name": join.preset_name,
        "updated_at": iso_z(left),
        "user_id": join.member_id,
        "peer_report": {"metadata": sim.metadata, "quality": sim.quality()},
        "peer_stats": sim.peer_stats_report,
        "quality_stats": sim.quality_stats_report,
        "role": join.preset_name,
    }
    body = {"success": True, "data": {"participant": record}}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def test_the_served_peer_reports_are_the_plain_bytes() -> None:
    # Several peers of two apps, short and long stays: the served body is, byte for byte,
    # the dicts of the report through json.dumps.
    demo = make_world()
    checked = 0
    for app_index, count in ((0, 10), (1, 4)):
        app, joins = some_joins(demo, count, app_index)
        for join in joins:
            body = served(demo, app, join.peer_id)
            assert body == reference_body(app, join, app.peer_sim(join)), join.peer_id
            checked += 1
    assert checked == 14


def test_sized_cache_drops_the_least_recently_used_to_stay_within_its_bytes() -> None:
    cache: SizedCache[str, bytes] = SizedCache(100, len)
    for key in "abcd":
        cache.put(key, b"x" * 30)
    assert cache.bytes == 90 and len(cache) == 3 and "a" not in cache
    assert cache.get("b") == b"x" * 30  # now the most recently used
    cache.put("e", b"y" * 30)
    assert "c" not in cache and "b" in cache and cache.bytes == 90
    cache.put("b", b"z" * 60)  # replacing a value counts its new size, once
    assert cache.bytes <= 100 and cache.get("b") == b"z" * 60
    cache.put("huge", b"h" * 101)  # more than the whole budget: not kept, nothing dropped
    assert "huge" not in cache and "b" in cache
    cache.clear()
    assert cache.bytes == 0 and len(cache) == 0 and cache.get("b") is None


def test_simulated_peers_are_kept_within_a_byte_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    budget = 2 * 1024 * 1024
    small: SizedCache[tuple[Any, ...], PeerSim] = SizedCache(budget, sim_bytes)
    monkeypatch.setattr(world, "SIMULATED", small)
    demo = make_world()
    app, joins = some_joins(demo, 40)
    first = {}
    for join in joins:
        first[join.peer_id] = served(demo, app, join.peer_id)
        assert 0 < small.bytes <= budget
    assert len(small) < len(joins)  # some were dropped ...
    evicted = [j for j in joins if not _kept(small, j)]
    assert evicted
    for join in evicted[:5]:  # ... and simulate again to the same bytes
        assert served(demo, app, join.peer_id) == first[join.peer_id]
    assert small.bytes <= budget


def _kept(cache: SizedCache[tuple[Any, ...], PeerSim], join: Join) -> bool:
    return any(key[4] == join.peer_id for key in list(cache._entries))


def test_a_simulated_peers_size_is_estimated_near_what_it_holds() -> None:
    # The budget counts what sim_bytes estimates: it must be near the memory a peer holds.
    demo = make_world()
    app, joins = some_joins(demo, 6)
    for join in joins[:2]:
        app.peer_sim(join)  # imports and first-use caches, outside the count
    for join in joins[2:]:
        gc.collect()
        tracemalloc.start()
        sim = world._simulate(
            f"{demo.seed}:{join.peer_id}", join.profile, join.joined, join.left or demo.now,
            join.peer_id, join.video, join.screenshare, None,
        )  # fmt: skip
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        assert 0.7 * held <= sim_bytes(sim) <= 1.4 * held, (held, sim_bytes(sim))


def test_kept_answers_stay_within_the_backends_bytes() -> None:
    demo = make_world()
    app, joins = some_joins(demo, 12)
    backend = DemoBackend(demo, keep_bytes=1024 * 1024)
    path = f"/client/v4/accounts/{demo.account_id}/realtime/kit/{app.id}/sessions/peer-report"
    bodies = {}
    for join in joins:
        reply = backend.handle("GET", f"{path}/{join.peer_id}", [], HEADERS, b"")
        assert reply.status == 200
        bodies[join.peer_id] = reply.body
        assert backend._answers_bytes <= backend.keep_bytes
    assert 0 < len(backend._answers) < len(joins)
    for join in joins[:3]:  # dropped answers are made again, the same
        again = backend.handle("GET", f"{path}/{join.peer_id}", [], HEADERS, b"")
        assert again.body == bodies[join.peer_id]


def test_the_in_process_demo_keeps_a_smaller_share() -> None:
    from rtk_notebook.demo import DemoTransport
    from rtk_notebook.demo.backend import IN_PROCESS_KEPT_BYTES, KEPT_ANSWERS_BYTES
    from rtk_notebook.kit import _demo_transport

    transport = _demo_transport(make_world(), fallback=False)
    assert isinstance(transport, DemoTransport)
    assert transport.backend.keep_bytes == IN_PROCESS_KEPT_BYTES < KEPT_ANSWERS_BYTES


def test_ids_decode_what_encode_made_and_refuse_any_other() -> None:
    # decode checks an id with one hash (not a whole re-encode): every id encode makes comes
    # back, in any spelling uuid accepts, and no single flipped bit passes.
    codec = IdCodec(7)
    rng = random.Random(5)
    for _ in range(300):
        address = Address(
            rng.choice(list(Kind)), rng.randrange(4), rng.randrange(2**32), rng.randrange(2**16)
        )
        text = codec.encode(address.kind, address.app, address.index, address.sub)
        assert codec.decode(text) == address
        assert codec.decode(text.upper()) == address == codec.decode("{" + text + "}")
        assert IdCodec(8).decode(text) is None  # another world's id
        raw = uuid.UUID(text).bytes
        for bit in range(128):
            flipped = bytearray(raw)
            flipped[bit // 8] ^= 1 << (bit % 8)
            assert codec.decode(str(uuid.UUID(bytes=bytes(flipped)))) is None, bit
    assert codec.decode("not-a-uuid") is None and codec.decode(str(uuid.UUID(int=0))) is None


def test_iso_z_writes_what_strftime_writes() -> None:
    rng = random.Random(3)
    zones = [
        dt.UTC,
        dt.timezone(dt.timedelta(hours=5, minutes=30)),
        dt.timezone(-dt.timedelta(hours=8)),
    ]
    moments = [dt.datetime(year, 5, 6, 7, 8, 9, 999, tzinfo=dt.UTC) for year in (1, 99, 999, 1000)]
    for _ in range(2000):
        moments.append(
            dt.datetime(
                rng.randrange(1000, 9999), rng.randrange(1, 13), rng.randrange(1, 29),
                rng.randrange(24), rng.randrange(60), rng.randrange(60),
                rng.choice((0, 999, 1000, 999_999, rng.randrange(10**6))),
                tzinfo=rng.choice(zones),
            )
        )  # fmt: skip
    for moment in moments:
        expected = moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        assert iso_z(moment) == expected == iso_z(moment), moment  # and again, cached
