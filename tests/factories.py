"""Builders shared by the tests: the fixed demo world, kits on it, real ids, request helpers.

Test modules import these from here (and fixtures come from conftest.py); no test module
imports another, so each can be read, run and moved on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pandas as pd

import rtk_notebook as rtk
from rtk_notebook.demo import DemoBackend, DemoTransport, DemoWorld
from rtk_notebook.demo.catalog import preset_body
from rtk_notebook.demo.routes import active_session_index

NOW = dt.datetime(2026, 11, 18, 15, 0, tzinfo=dt.UTC)  # a Wednesday afternoon
SEED = 7
TOKEN = "test-token-not-a-secret"


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


# -- requests to the demo's REST paths ---------------------------------------------------


def ended_peer_with_profile(world: DemoWorld, profile: str) -> str:
    """The peer id of the first join, in an ended session of the first app, whose network
    profile is ``profile`` (``"relay_tcp"``, ...)."""
    app = world.apps[0]
    return next(
        j.peer_id
        for i in range(app.session_count)
        if not app.is_live(i)
        for j in app.joins(i)
        if j.profile == profile
    )


def session_of_peer(world: DemoWorld, peer_id: str) -> str:
    """The id of the session (of the first app) that ``peer_id`` joined."""
    app = world.apps[0]
    found = app.find_join(peer_id)
    assert found is not None, peer_id
    return app.session_id(found[0])


def ended_session_with_rejoin(world: DemoWorld) -> tuple[str, str, str]:
    """(session id, first peer id, rejoin peer id) of the first ended session of the first app
    where a person left and came back (a second join of the same person: a new peer)."""
    app = world.apps[0]
    for i in range(app.session_count):
        if app.is_live(i):
            continue
        joins = app.joins(i)
        for rejoin in (j for j in joins if j.rejoin):
            first = next(j for j in joins if j.person == rejoin.person and not j.rejoin)
            return app.session_id(i), first.peer_id, rejoin.peer_id
    raise AssertionError("the demo world must have an ended session with a rejoin")


def kit_path(ids: Ids, rest: str) -> str:
    """The path of an app-scoped endpoint, e.g. ``kit_path(ids, "/sessions")``."""
    return f"/accounts/{ids.account_id}/realtime/kit/{ids.app_id}{rest}"


def error_of(response: httpx.Response) -> tuple[int, int, str]:
    """Status, error code and message of an error answer (checking its envelope)."""
    body = response.json()
    assert body["success"] is False and body["result"] is None and body["messages"] == []
    (error,) = body["errors"]
    return response.status_code, error["code"], error["message"]


# -- calling each operation through the official SDK with real ids ----------------------

Call = Callable[[Ids], tuple[tuple[Any, ...], dict[str, Any]]]

WEBHOOK = {
    "name": "Test hook",
    "url": "https://hooks.acme.example/test",
    "events": ["meeting.started", "recording.statusUpdate"],
}
PRESET = {**preset_body("group_call_participant"), "name": "sdk_test_preset"}


def app_scoped(**extra: Any) -> Call:
    return lambda i: ((i.app_id,), {"account_id": i.account_id, **extra})


def scoped(first: str, **extra: Any) -> Call:
    def call(i: Ids) -> tuple[tuple[Any, ...], dict[str, Any]]:
        kwargs = {"account_id": i.account_id, "app_id": i.app_id}
        for key, value in extra.items():
            kwargs[key] = (
                getattr(i, value) if isinstance(value, str) and hasattr(i, value) else value
            )
        return (getattr(i, first),), kwargs

    return call


# How to call each operation with real ids (the SDK's arguments; `kit.api` takes the same).
CALLS: dict[str, Call] = {
    "apps.get": lambda i: ((), {"account_id": i.account_id}),
    "apps.post": lambda i: ((), {"account_id": i.account_id, "name": "sdk-test-app"}),
    "meetings.get": app_scoped(per_page=5, search="sync"),
    "meetings.create": app_scoped(title="SDK test meeting", record_on_start=False),
    "meetings.get_meeting_by_id": scoped("meeting_id"),
    "meetings.update_meeting_by_id": scoped("meeting_id", title="Renamed by the SDK test"),
    "meetings.replace_meeting_by_id": scoped("meeting_id", title="Replaced by the SDK test"),
    "meetings.get_meeting_participants": scoped("meeting_id", per_page=3),
    "meetings.add_participant": scoped(
        "meeting_id",
        custom_participant_id="sdk.test@acme.example",
        preset_name="group_call_participant",
        name="SDK Test",
    ),
    "meetings.get_meeting_participant": scoped("member_id", meeting_id="meeting_id"),
    "meetings.edit_participant": scoped("member_id", meeting_id="meeting_id", name="Edited"),
    "meetings.delete_meeting_participant": scoped("member_id", meeting_id="meeting_id"),
    "meetings.refresh_participant_token": scoped("member_id", meeting_id="meeting_id"),
    "presets.get": app_scoped(per_page=2),
    "presets.create": app_scoped(**PRESET),
    "presets.get_preset_by_id": scoped("preset_id"),
    "presets.delete": scoped("preset_id"),
    "presets.update": scoped("preset_id", name="renamed_preset"),
    "presets.replace_preset_by_id": scoped("preset_id", **PRESET),
    "sessions.get_sessions": app_scoped(per_page=10, status="ENDED", sort_by="minutesConsumed"),
    "sessions.get_session_details": scoped("ended_session_id", include_breakout_rooms=True),
    "sessions.get_session_participants": scoped(
        "ended_session_id", per_page=5, include_peer_events=True, sort_by="duration"
    ),
    # The SDK lacks the reference's `filters` here: pass it as an extra query parameter.
    "sessions.get_session_participant_details": scoped(
        "peer_id", session_id="ended_session_id", extra_query={"filters": "quality_stats"}
    ),
    "sessions.get_session_chat": scoped("ended_session_id"),
    "sessions.get_session_transcripts": scoped("ended_session_id"),
    "sessions.get_session_summary": scoped("ended_session_id"),
    "sessions.generate_summary_of_transcripts": scoped("ended_session_id"),
    "sessions.get_participant_data_from_peer_id": scoped("peer_id"),
    "recordings.get_recordings": app_scoped(per_page=10, status=["UPLOADED", "ERRORED"]),
    "recordings.start_recordings": app_scoped(meeting_id="", allow_multiple_recordings=True),
    "recordings.get_active_recordings": scoped("meeting_id"),
    "recordings.get_one_recording": scoped("recording_id"),
    "recordings.pause_resume_stop_recording": scoped("active_recording_id", action="pause"),
    "recordings.start_track_recording": app_scoped(
        meeting_id="",
        layers={"default": {"file_name_prefix": "t", "outputs": [{"type": "REALTIMEKIT_BUCKET"}]}},
    ),
    "webhooks.get_webhooks": app_scoped(),
    "webhooks.create_webhook": app_scoped(**WEBHOOK),
    "webhooks.get_webhook_by_id": scoped("webhook_id"),
    "webhooks.replace_webhook": scoped("webhook_id", **WEBHOOK),
    "webhooks.edit_webhook": scoped("webhook_id", enabled=False),
    "webhooks.delete_webhook": scoped("webhook_id"),
    "active_session.get_active_session": scoped("meeting_id"),
    "active_session.kick_participants": scoped("meeting_id", participant_ids=[]),
    "active_session.kick_all_participants": scoped("meeting_id"),
    "active_session.create_poll": scoped("meeting_id", question="Ship it?", options=["yes", "no"]),
    "livestreams.get_all_livestreams": app_scoped(per_page=5),
    "livestreams.stop_livestreaming_a_meeting": scoped("livestream_meeting_id"),
    "livestreams.start_livestreaming_a_meeting": scoped("livestream_meeting_id", name="SDK live"),
    "livestreams.get_livestream_analytics_complete": app_scoped(),
    "livestreams.get_livestream_analytics_daywise": app_scoped(),
    "livestreams.get_org_analytics": app_scoped(start_date="2026-11-01", end_date="2026-11-18"),
    "analytics.get_org_analytics": app_scoped(start_date="2026-11-01", end_date="2026-11-18"),
    "livestreams.get_meeting_active_livestreams": scoped("livestream_meeting_id"),
    "livestreams.get_livestream_session_details_for_session_id": scoped("livestream_session_id"),
    "livestreams.get_active_livestreams_for_livestream_id": scoped("livestream_id"),
    "livestreams.get_livestream_session_for_livestream_id": scoped("livestream_id", per_page=3),
}


# -- sessions for quality fan-outs ----------------------------------------------------------


def sessions_holding(world: DemoWorld, peers: int) -> tuple[list[str], set[str]]:
    """Ended sessions, newest first, until they hold at least `peers` joins; and those peers."""
    app = world.apps[0]
    chosen: list[str] = []
    expected: set[str] = set()
    for i in reversed(range(app.session_count)):
        if app.is_live(i):
            continue
        joins = app.joins(i)
        chosen.append(app.session_id(i))
        expected |= {j.peer_id for j in joins}
        if len(expected) >= peers:
            break
    return chosen, expected


# -- the history store ----------------------------------------------------------------------


class PathLog(DemoTransport):
    """The demo's in-process transport, logging each request's path; ``fail`` (a predicate on
    the path) answers 500 instead, to make a report fail for good (retries included)."""

    def __init__(self, backend: DemoBackend, fail: Callable[[str], bool] | None = None) -> None:
        super().__init__(backend)
        self.paths: list[str] = []
        self.fail = fail

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.paths.append(path)
        if self.fail is not None and self.fail(path):
            body = {"success": False, "errors": [{"code": 500, "message": "injected failure"}]}
            return httpx.Response(500, json=body, request=request)
        return await super().handle_async_request(request)

    def kinds(self) -> dict[str, int]:
        """Requests per kind: lists (sessions, recordings, day-wise), participants, reports."""
        counts: dict[str, int] = {}
        for path in self.paths:
            if "/peer-report/" in path or "/participant/" in path:
                kind = "report"
            elif path.endswith("/participants"):
                kind = "participants"
            else:
                kind = "list"
            counts[kind] = counts.get(kind, 0) + 1
        return counts


def store_kit(world: DemoWorld, transport: PathLog | None = None, **kw: object) -> rtk.Kit:
    """A kit on ``world`` through a :class:`PathLog` (its own backend unless given)."""
    transport = transport or PathLog(DemoBackend(world, token=TOKEN))
    return connect_to(transport.backend, transport=transport, **kw)


# -- the store's computed tables (trend, comparison, changes), made to their schemas ---------


def wilson(count: int, peers: int, z: float = 1.959964) -> tuple[float, float]:
    """The 95 % Wilson score interval of ``count / peers`` (NaN, NaN for no peers)."""
    if peers == 0:
        return float("nan"), float("nan")
    p = count / peers
    centre = (p + z * z / (2 * peers)) / (1 + z * z / peers)
    half = z / (1 + z * z / peers) * (p * (1 - p) / peers + z * z / (4 * peers * peers)) ** 0.5
    return max(0.0, centre - half), min(1.0, centre + half)


TREND_FREQ = {"D": "D", "W": "W-MON", "M": "MS"}


def trend_frame(
    shares: Mapping[str, Sequence[float]],
    peers: Mapping[str, Sequence[int]] | int = 100,
    *,
    start: str = "2026-09-07",
    freq: str = "W",
) -> pd.DataFrame:
    """A ``trend`` frame: per segment, its poor share per period (``start`` on, ``freq``),
    ``peers`` peers in each (one number, or a list per segment); the other metrics follow the
    share (MOS down, RTT and loss up as it rises), not-good peers are twice the poor ones."""
    from rtk_notebook.frames import from_rows

    rows = []
    for segment, values in shares.items():
        counts = [peers] * len(values) if isinstance(peers, int) else list(peers[segment])
        periods = pd.date_range(start, periods=len(values), freq=TREND_FREQ[freq], tz="UTC")
        for period, share, n in zip(periods, values, counts, strict=True):
            poor = round(share * n)
            not_good = min(n, 2 * poor)
            rows.append(
                {
                    "period": period,
                    "segment": segment,
                    "peers": n,
                    "poor": poor,
                    "poor_share": poor / n if n else None,
                    "poor_low": wilson(poor, n)[0] if n else None,
                    "poor_high": wilson(poor, n)[1] if n else None,
                    "not_good": not_good,
                    "not_good_share": not_good / n if n else None,
                    "not_good_low": wilson(not_good, n)[0] if n else None,
                    "not_good_high": wilson(not_good, n)[1] if n else None,
                    "mos_median": 4.3 - 2 * share,
                    "mos_p10": 3.6 - 2 * share,
                    "rtt_p90_ms": 120 + 600 * share,
                    "loss_avg_pct": 0.4 + 8 * share,
                }
            )
    return from_rows("trend", rows)


#: A segment's counts on each side: (segment, peers before, of them poor, peers after, poor).
Counts = tuple[str, int, int, int, int]


def _difference(row: Counts) -> dict[str, Any]:
    """Shares, their difference and its 95 % interval (Newcombe's hybrid score)."""
    _, n1, k1, n2, k2 = row
    p1, p2 = k1 / n1, k2 / n2
    (l1, u1), (l2, u2) = wilson(k1, n1), wilson(k2, n2)
    diff = p2 - p1
    low = diff - ((p2 - l2) ** 2 + (u1 - p1) ** 2) ** 0.5
    high = diff + ((u2 - p2) ** 2 + (p1 - l1) ** 2) ** 0.5
    return {"p1": p1, "p2": p2, "diff": diff, "diff_low": low, "diff_high": high}


def comparison_frame(rows: Sequence[Counts]) -> pd.DataFrame:
    """A ``comparison`` frame (``store.compare()``) from each segment's counts."""
    from rtk_notebook.frames import from_rows

    out = []
    for row in rows:
        d = _difference(row)
        out.append(
            {
                "segment": row[0],
                "peers_before": row[1],
                "count_before": row[2],
                "share_before": d["p1"],
                "peers_after": row[3],
                "count_after": row[4],
                "share_after": d["p2"],
                "diff": d["diff"],
                "diff_low": d["diff_low"],
                "diff_high": d["diff_high"],
                "significant": d["diff_low"] > 0 or d["diff_high"] < 0,
                "sentence": f"Poor calls on {row[0]} went from {d['p1']:.0%} to {d['p2']:.0%}.",
            }
        )
    return from_rows("comparison", out)


def changes_frame(rows: Sequence[tuple[str, Counts]], q_values: Sequence[float]) -> pd.DataFrame:
    """A ``changes`` frame (``store.changes()``) from (column, counts) rows and their q-values
    (significant below 0.05)."""
    from rtk_notebook.frames import from_rows

    out = []
    for (column, counts), q in zip(rows, q_values, strict=True):
        d = _difference(counts)
        out.append(
            {
                "column": column,
                "segment": counts[0],
                "peers_baseline": counts[1],
                "share_baseline": d["p1"],
                "peers_recent": counts[3],
                "share_recent": d["p2"],
                "diff": d["diff"],
                "diff_low": d["diff_low"],
                "diff_high": d["diff_high"],
                "p_value": q / 2,
                "q_value": q,
                "direction": "worse" if d["diff"] > 0 else "better",
                "significant": q < 0.05,
                "sentence": f"Poor calls on {counts[0]} went from {d['p1']:.0%} to "
                f"{d['p2']:.0%} lately.",
            }
        )
    return from_rows("changes", out)


# -- synthetic quality rows, stored as the store lays them out -------------------------------

# (browser_major, browser, os, device_type) and how often each occurs.
SYNTHETIC_BROWSERS = (
    ("Chrome 142", "Chrome", "Windows", "desktop", 0.33),
    ("Chrome 141", "Chrome", "macOS", "desktop", 0.20),
    ("Chrome 131", "Chrome", "Android", "mobile", 0.12),
    ("Firefox 140", "Firefox", "Linux", "desktop", 0.10),
    ("Safari 18", "Safari", "iOS", "mobile", 0.15),
    ("Edge 142", "Edge", "Windows", "desktop", 0.10),
)
SYNTHETIC_COUNTRIES = (
    ("US", "California", 0.4),
    ("IN", "Maharashtra", 0.3),
    ("DE", "Bavaria", 0.3),
)
SYNTHETIC_NETWORKS = (("wifi", 0.6), ("4g", 0.3), (None, 0.1))  # None: not reported
SYNTHETIC_START = dt.date(2026, 9, 1)


@dataclass(frozen=True)
class Rise:
    """An injected regression: peers with ``column == value`` from ``start`` on are rated
    poor with probability ``poor`` (instead of the base rate)."""

    column: str
    value: str
    start: dt.date
    poor: float


def synthetic_quality(
    seed: int = 0,
    *,
    days: int = 60,
    peers_per_day: int = 80,
    start: dt.date = SYNTHETIC_START,
    base_poor: float = 0.06,
    rise: Rise | None = None,
) -> Any:
    """A ``quality`` frame of ``days * peers_per_day`` peers from a seeded generator: browsers,
    places and networks drawn from the tables above, verdicts good/fair/poor (3 % unknown, 2 %
    failed with an error), metrics that follow the verdict; ``joined_at`` on each day."""
    import numpy as np
    import pandas as pd

    from rtk_notebook.frames import from_columns

    rng = np.random.default_rng(seed)
    n = days * peers_per_day
    day_index = np.repeat(np.arange(days), peers_per_day)
    day = np.array([start + dt.timedelta(days=int(i)) for i in range(days)])[day_index]

    def pick(table: tuple[tuple[Any, ...], ...]) -> np.ndarray:
        weights = np.array([row[-1] for row in table])
        return rng.choice(len(table), size=n, p=weights / weights.sum())

    browser = pick(SYNTHETIC_BROWSERS)
    place = pick(SYNTHETIC_COUNTRIES)
    network = pick(SYNTHETIC_NETWORKS)

    def column(table: tuple[tuple[Any, ...], ...], which: np.ndarray, at: int) -> list[Any]:
        return [table[i][at] for i in which]

    values = {
        "browser_major": column(SYNTHETIC_BROWSERS, browser, 0),
        "browser": column(SYNTHETIC_BROWSERS, browser, 1),
        "os": column(SYNTHETIC_BROWSERS, browser, 2),
        "device_type": column(SYNTHETIC_BROWSERS, browser, 3),
        "country": column(SYNTHETIC_COUNTRIES, place, 0),
        "region": column(SYNTHETIC_COUNTRIES, place, 1),
        "network": column(SYNTHETIC_NETWORKS, network, 0),
    }
    poor_p = np.full(n, base_poor)
    if rise is not None:
        hit = (np.array(values[rise.column], dtype=object) == rise.value) & (day >= rise.start)
        poor_p[hit] = rise.poor
    draw = rng.random(n)
    verdict = np.where(draw < poor_p, "poor", np.where(draw < poor_p + 0.2, "fair", "good"))
    verdict = verdict.astype(object)
    verdict[rng.random(n) < 0.03] = "unknown"
    error = np.where(rng.random(n) < 0.02, "ReportError: 500", None)
    mos_centre = {"good": 4.2, "fair": 3.6, "poor": 2.8, "unknown": 3.9}
    mos = np.array([mos_centre[v] for v in verdict]) + rng.normal(0, 0.25, n)
    mos[rng.random(n) < 0.05] = np.nan  # no audio
    joined = pd.to_datetime(day.astype("datetime64[D]")).tz_localize("UTC") + pd.to_timedelta(
        rng.integers(0, 86_400, n), unit="s"
    )
    return from_columns(
        "quality",
        {
            **values,
            "session_id": [f"s-{i // 4:06d}" for i in range(n)],
            "peer_id": [f"p-{i:06d}" for i in range(n)],
            "joined_at": joined,
            "is_mobile": np.array(values["device_type"], dtype=object) == "mobile",
            "connection_type": rng.choice(["host/udp", "relay/udp", "relay/tcp"], n),
            "sdk_version": rng.choice(["1.2.0", "1.3.1"], n),
            "preset_name": rng.choice(["host", "guest"], n),
            "mos_avg": mos,
            "rtt_avg_ms": rng.lognormal(4.0, 0.5, n),
            "loss_avg_pct": rng.exponential(0.8, n),
            "verdict": verdict,
            "error": error,
        },
    )


def write_quality_hive(frame: Any, root: str, fs: Any = None) -> list[str]:
    """``frame`` (quality rows) written as the store lays it out: one zstd Parquet file per
    UTC day of ``joined_at`` under ``<root>/quality/date=YYYY-MM-DD/``, categoricals as Arrow
    dictionaries, no ``date`` column in the files. Returns the files' paths."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from fsspec.implementations.local import LocalFileSystem

    fs = fs or LocalFileSystem()
    days = frame["joined_at"].dt.strftime("%Y-%m-%d")
    paths = []
    for number, day in enumerate(sorted(days.unique())):
        directory = f"{root}/quality/date={day}"
        fs.makedirs(directory, exist_ok=True)
        path = f"{directory}/part-000001-{number:06x}.parquet"
        part = frame[(days == day).to_numpy()]
        with fs.open(path, "wb") as handle:
            pq.write_table(
                pa.Table.from_pandas(part, preserve_index=False), handle, compression="zstd"
            )
        paths.append(path)
    return paths


# -- reports ---------------------------------------------------------------------------------


def heaviest_session(world: DemoWorld, joins: int = 10) -> str:
    """The ended session of ``joins`` joins whose peers on degraded networks stayed longest:
    the most figures and samples a report of a call that size draws (its size bound's case)."""
    from rtk_notebook.demo.netsim import HEALTHY_PROFILES

    app = world.apps[0]

    def degraded_seconds(i: int) -> float:
        return sum(
            (j.left - j.joined).total_seconds()
            for j in app.joins(i)
            if j.profile not in HEALTHY_PROFILES and j.left is not None
        )

    ended = [
        i for i in range(app.session_count) if not app.is_live(i) and len(app.joins(i)) == joins
    ]
    return app.session_id(max(ended, key=degraded_seconds))
