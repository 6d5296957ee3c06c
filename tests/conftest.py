"""Shared fixtures: a fixed demo world, its backend, a loopback server, and clients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

import rtk_notebook as rtk
from rtk_notebook.demo import DemoBackend, DemoServer, DemoTransport, DemoWorld
from rtk_notebook.demo.routes import active_session_index

NOW = dt.datetime(2026, 11, 18, 15, 0, tzinfo=dt.UTC)  # a Wednesday afternoon
SEED = 7
TOKEN = "test-token-not-a-secret"


def make_world(**kw: object) -> DemoWorld:
    return DemoWorld(seed=SEED, now=NOW, **kw)  # type: ignore[arg-type]


def connect_to(
    backend: DemoBackend,
    *,
    token: str = TOKEN,
    transport: httpx.AsyncBaseTransport | None = None,
    **kw: object,
) -> rtk.Kit:
    """A kit on the in-process transport of `backend` (the real-API code path otherwise);
    ``transport`` wraps or replaces that transport, ``token`` is the one the kit sends."""
    world = backend.world
    return rtk.connect(
        token=token,
        account_id=world.account_id,
        app_id=world.apps[0].id,
        base_url="https://demo.invalid/client/v4",
        transport=transport or DemoTransport(backend),
        **kw,  # type: ignore[arg-type]
    )


@dataclass
class Ids:
    """Real ids from the world, for calls that need them."""

    account_id: str
    app_id: str
    meeting_id: str  # a meeting with a live session
    ended_session_id: str  # an ended session of a transcribed meeting
    live_session_id: str
    peer_id: str  # a peer of the ended session
    member_id: str  # a roster member of `meeting_id`
    recording_id: str  # an uploaded recording
    active_recording_id: str  # the recording running in `meeting_id`'s live session
    preset_id: str
    webhook_id: str
    livestream_meeting_id: str  # a livestream meeting (live if possible)
    livestream_id: str
    livestream_session_id: str


def find_ids(world: DemoWorld) -> Ids:
    from rtk_notebook.demo.ids import Kind
    from rtk_notebook.demo.routes import all_recordings

    app = world.apps[0]
    live = [i for i in range(app.session_count) if app.is_live(i)]
    assert live, "the demo world must have live sessions"
    recording = next(r for r in all_recordings(app) if r["status"] == "RECORDING")
    live_meeting = app.meetings[recording["meeting"]["id"]]
    ended = next(
        i
        for i in range(app.session_count)
        if not app.is_live(i)
        and app.meeting_by_index(int(app.meeting_idx[i])).record["summarize_on_end"]
    )
    uploaded = next(r for r in all_recordings(app) if r["status"] == "UPLOADED")
    ls_meetings = [m for m in app.meetings.values() if m.kind.livestream]
    ls_meeting = next(
        (m for m in ls_meetings if active_session_index(app, m) is not None), ls_meetings[0]
    )
    ls_session = next(
        i for i in range(app.session_count) if int(app.meeting_idx[i]) == ls_meeting.index
    )
    return Ids(
        account_id=world.account_id,
        app_id=app.id,
        meeting_id=live_meeting.record["id"],
        ended_session_id=app.session_id(ended),
        live_session_id=recording["session_id"],
        peer_id=app.joins(ended)[1].peer_id,
        member_id=next(iter(live_meeting.roster)),
        recording_id=uploaded["id"],
        active_recording_id=recording["id"],
        preset_id=next(iter(app.presets)),
        webhook_id=next(iter(app.webhooks)),
        livestream_meeting_id=ls_meeting.record["id"],
        livestream_id=world.ids.encode(Kind.LIVESTREAM, 0, ls_meeting.index),
        livestream_session_id=world.ids.encode(Kind.LIVESTREAM_SESSION, 0, ls_session),
    )


@pytest.fixture(scope="session")
def shared_world() -> DemoWorld:
    """A world that tests only read (writes go to `fresh_backend`)."""
    return make_world()


@pytest.fixture(scope="session")
def ids(shared_world: DemoWorld) -> Ids:
    return find_ids(shared_world)


@pytest.fixture(scope="session")
def server(shared_world: DemoWorld) -> Iterator[DemoServer]:
    with DemoServer(DemoBackend(shared_world, token=TOKEN)) as running:
        yield running


@pytest.fixture
def http(server: DemoServer) -> Iterator[httpx.Client]:
    """httpx over loopback to the read-only server, authenticated."""
    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
    ) as client:
        yield client


@pytest.fixture
def fresh_backend() -> DemoBackend:
    """A backend over a new world of its own, for tests that write."""
    return DemoBackend(make_world(), token=TOKEN)


@pytest.fixture
def fresh_http(fresh_backend: DemoBackend) -> Iterator[httpx.Client]:
    """httpx in-process to `fresh_backend`, authenticated."""
    with httpx.Client(
        transport=DemoTransport(fresh_backend),
        base_url="https://demo.invalid/client/v4",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as client:
        yield client
