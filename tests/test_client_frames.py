"""Every list as a typed DataFrame, paged to the end; single objects as models."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

import rtk_notebook as rtk
from rtk_notebook import frames
from rtk_notebook.demo import DemoBackend, DemoServer, DemoTransport
from rtk_notebook.kit import LISTS
from tests.factories import TOKEN, Ids, find_ids, make_world


@pytest.fixture(scope="module")
def setup() -> Iterator[tuple[rtk.Kit, DemoBackend, Ids]]:
    world = make_world()
    backend = DemoBackend(world, token=TOKEN)
    with DemoServer(backend) as server:
        kit = rtk.connect(token=TOKEN, account_id=world.account_id, app_id=world.apps[0].id,
                          base_url=server.base_url)  # fmt: skip
        yield kit, backend, find_ids(world)
        kit.close()


def assert_schema(df: pd.DataFrame, resource: str) -> None:
    declared = [c.name for c in frames.SCHEMAS[resource]]
    assert [c for c in df.columns if c in declared] == declared  # all there, in order
    empty = frames.empty_frame(resource)
    for column in empty.columns:
        want, got = empty[column].dtype, df[column].dtype
        if isinstance(want, pd.CategoricalDtype):  # categories grow with what the data holds
            assert isinstance(got, pd.CategoricalDtype), (resource, column, got)
            assert set(want.categories) <= set(got.categories), (resource, column)
        else:
            assert got == want, (resource, column, got)


def list_args(name: str, ids: Ids) -> tuple:
    key = LISTS[name].key
    return {
        None: (),
        "meeting_id": (ids.meeting_id,),
        "session_id": (ids.ended_session_id,),
        "livestream_id": (ids.livestream_id,),
    }[key]


@pytest.mark.parametrize("name", list(LISTS))
def test_every_list_gives_a_typed_frame(name: str, setup) -> None:
    kit, _, ids = setup
    df = getattr(kit, name)(*list_args(name, ids))
    assert isinstance(df, pd.DataFrame) and len(df) > 0
    assert_schema(df, LISTS[name].resource)
    assert df["id"].is_unique


@pytest.mark.parametrize("name", list(LISTS))
def test_every_list_through_aio(name: str, setup) -> None:
    kit, _, ids = setup
    df = asyncio.run(getattr(kit.aio, name)(*list_args(name, ids), limit=2))
    assert 0 < len(df) <= 2
    assert_schema(df, LISTS[name].resource)


def test_sessions_page_to_the_end(setup) -> None:
    kit, backend, _ = setup
    total = kit.api.sessions.get_sessions(per_page=1)["paging"]["total_count"]
    before = backend.calls["sessions.get_sessions"]
    df = kit.sessions()
    assert len(df) == total > 300  # at least 4 pages of 100
    assert backend.calls["sessions.get_sessions"] - before == -(-total // 100)
    assert df["started_at"].is_monotonic_decreasing  # the API's order is kept
    assert df["started_at"].dt.tz is not None


def test_limit_stops_early(setup) -> None:
    kit, backend, _ = setup
    before = backend.calls["sessions.get_sessions"]
    df = kit.sessions(limit=150)
    assert len(df) == 150
    assert backend.calls["sessions.get_sessions"] - before == 2
    # limit=0 asks for no rows: refused like -1 and "5" (tests/test_safety_inputs.py).


def test_filters_as_keywords_with_dates_of_every_kind(setup) -> None:
    kit, _, ids = setup
    start = dt.datetime(2026, 11, 9)  # naive means UTC
    end = "2026-11-10T00:00:00Z"
    by_iso = kit.sessions(start_time="2026-11-09", end_time=end)
    by_datetime = kit.sessions(start_time=start, end_time=pd.Timestamp(end))
    by_date = kit.sessions(start_time=dt.date(2026, 11, 9), end_time=end)
    assert len(by_iso) > 0
    assert by_iso["id"].tolist() == by_datetime["id"].tolist() == by_date["id"].tolist()
    lo, hi = pd.Timestamp("2026-11-09", tz="UTC"), pd.Timestamp(end)
    assert by_iso["started_at"].between(lo, hi).all()
    live = kit.sessions(status="LIVE")
    assert (live["status"] == "LIVE").all() and live["ended_at"].isna().all()
    one_meeting = kit.sessions(associated_id=ids.meeting_id)
    assert (one_meeting["associated_id"] == ids.meeting_id).all()
    recs = kit.recordings(status=["ERRORED", "PAUSED"])
    assert set(recs["status"].astype(str)) == {"ERRORED", "PAUSED"}


def test_empty_result_keeps_every_column_and_dtype(setup) -> None:
    kit, backend, _ = setup
    df = kit.sessions(search="no meeting has this title")
    assert df.empty
    assert_schema(df, "sessions")
    assert df.groupby("status", observed=False).size().sum() == 0


def test_participants_carry_their_session_id(setup) -> None:
    kit, _, ids = setup
    df = kit.session_participants(ids.ended_session_id)
    assert (df["session_id"] == ids.ended_session_id).all()
    assert df["duration"].sum() == pytest.approx(
        kit.session(ids.ended_session_id).minutes_consumed, abs=0.05
    )


def test_secrets_are_masked_unless_revealed(setup) -> None:
    kit, _, _ = setup
    masked = kit.livestreams()
    revealed = kit.livestreams(reveal_secrets=True)
    assert masked["stream_key"].str.startswith("****").all()
    assert not revealed["stream_key"].str.startswith("****").any()
    recs = kit.recordings(reveal_secrets=False)
    secrets = recs.filter(like="storage_config_secret").stack().dropna()
    assert len(secrets) and all(str(v).startswith("****") for v in secrets)


def test_daywise(setup) -> None:
    kit, _, _ = setup
    df = kit.daywise(start_date="2026-11-01", end_date=dt.date(2026, 11, 18))
    assert len(df) == 18
    assert_schema(df, "daywise")
    sessions = kit.sessions(start_time="2026-11-01", end_time="2026-11-18T23:59:59.999Z")
    assert df["total_sessions"].sum() == len(sessions)


def test_single_objects(setup) -> None:
    kit, _, ids = setup
    session = kit.session(ids.ended_session_id)
    assert session.id == ids.ended_session_id and session.status == "ENDED"
    assert "<" in session._repr_html_()
    meeting = kit.meeting(ids.meeting_id)
    assert meeting.id == ids.meeting_id
    recording = kit.recording(ids.recording_id)
    assert recording.status == "UPLOADED"
    peer = kit.peer_report(ids.peer_id)
    tracks = peer.tracks_frame()
    assert len(tracks) > 10 and tracks["mos_quality"].between(1, 4.5).all()
    participant = kit.participant(ids.ended_session_id, ids.peer_id)
    assert participant.id == ids.peer_id
    with pytest.raises(rtk.NotFoundError):
        kit.session("182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e")


# -- tolerant of the server ------------------------------------------------------------------


class Reshaping(httpx.AsyncBaseTransport):
    """The demo, with each JSON answer passed through `change` (another server's habits)."""

    def __init__(self, inner: DemoTransport, change) -> None:
        self.inner, self.change = inner, change

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = self.change(request, json.loads(response.content))
        return httpx.Response(response.status_code, json=body, request=request)


def reshaped_kit(change) -> tuple[rtk.Kit, DemoBackend]:
    world = make_world()
    backend = DemoBackend(world, token=TOKEN)
    kit = rtk.connect(token=TOKEN, account_id=world.account_id, app_id=world.apps[0].id,
                      base_url="https://x/client/v4",
                      transport=Reshaping(DemoTransport(backend), change))  # fmt: skip
    return kit, backend


class Counting(httpx.AsyncBaseTransport):
    """Counts the requests in flight at once; each lets the others start before it answers."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.in_flight, self.most, self.pages = inner, 0, 0, []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        self.pages.append(int(request.url.params.get("page_no", 1)))
        await asyncio.sleep(0)  # every request gathered with this one gets in first
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.in_flight -= 1


def test_sessions_without_any_paging_page_in_rounds_to_the_end() -> None:
    """No total (the reference's sessions list): rounds of 16 pages at once, in page order,
    and at most one round past the end."""

    def strip(request: httpx.Request, body: dict) -> dict:
        body.pop("paging", None)  # the reference's sessions list has none
        return body

    world = make_world()
    backend = DemoBackend(world, token=TOKEN)
    counting = Counting(Reshaping(DemoTransport(backend), strip))
    kit = rtk.connect(token=TOKEN, account_id=world.account_id, app_id=world.apps[0].id,
                      base_url="https://x/client/v4", transport=counting, cache=False,
                      max_concurrency=4)  # fmt: skip
    df = kit.sessions()
    total = world.apps[0].session_count
    assert len(df) == total and df["id"].is_unique
    assert df["started_at"].is_monotonic_decreasing  # the API's order is kept
    full = -(-total // 100)  # pages that hold the list
    assert counting.most == 4  # pages asked for 4 at a time, as the connection allows
    assert full <= len(counting.pages) <= full + 4  # at most one round past the end
    assert sorted(counting.pages) == list(range(1, len(counting.pages) + 1))

    counting.pages.clear()
    assert kit.sessions(limit=250)["id"].tolist() == df["id"].iloc[:250].tolist()
    assert sorted(counting.pages) == [1, 2, 3]  # only the pages the limit needs
    kit.close()


def test_session_details_in_the_sdks_shape_too() -> None:
    def flatten(request: httpx.Request, body: dict) -> dict:
        data = body.get("data")
        if isinstance(data, dict) and set(data) == {"session"}:
            body["data"] = data["session"]
        return body

    kit, backend = reshaped_kit(flatten)
    session_id = backend.world.apps[0].session_id(5)
    assert kit.session(session_id).id == session_id
    kit.close()


def test_reference_example_responses_parse_without_a_crash() -> None:
    """The reference's own examples, placeholders and all, through the whole client."""
    examples = json.loads(
        Path(__file__).with_name("data").joinpath("reference_examples.json").read_text()
    )
    # Most literal path first, as a router does (peer-report before {session_id}).
    examples.sort(key=lambda e: -len(re.sub(r"\{[^}]+\}", "", e["path"])))

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/client/v4")
        for example in examples:
            pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", example["path"]) + "$"
            if example["method"] == request.method and re.match(pattern, path):
                return httpx.Response(200, json=example["response"] or {"success": True})
        return httpx.Response(404, json={"success": False, "errors": [{"code": 1, "message": "?"}]})

    kit = rtk.connect(token="t", account_id="acc", app_id="app", base_url="https://x/client/v4",
                      transport=httpx.MockTransport(answer))  # fmt: skip
    for name in LISTS:
        args = {None: ()}.get(LISTS[name].key, ("some-id",))
        df = getattr(kit, name)(*args)
        assert_schema(df, LISTS[name].resource)
        assert len(df) >= 1, name
    sessions = kit.sessions()
    assert sessions["created_at"].isna().all()  # "created_at": "created_at" is a placeholder
    participants = kit.session_participants("s")
    assert participants["joined_at"].isna().sum() == 1  # the example's stray quote
    assert kit.daywise().shape[0] >= 1
    assert kit.session("s").id == "id"
    assert kit.peer_report("p").id == "id"
    assert kit.participant("s", "p").id == "id"
    assert kit.recording("r").id and kit.meeting("m").id
    kit.close()
