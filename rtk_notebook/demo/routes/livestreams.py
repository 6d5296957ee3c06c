"""Livestreams: one per livestreamed meeting (its sessions are the stream's sessions), the
independent ones created through the API, and their analytics."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from rtk_notebook.demo.ids import Kind
from rtk_notebook.demo.routes.common import Answer, ApiError, Call, created, handles, ok, parse_time
from rtk_notebook.demo.routes.meetings import get_meeting
from rtk_notebook.demo.routes.sessions import active_session_index
from rtk_notebook.demo.world import AppWorld, Meeting, fake_secret
from rtk_notebook.spec.endpoints import iso_z

INGEST_SERVER = "rtmps://live.cloudflare.com:443/live/"
STREAMING = ("LIVE", "INVOKED")


def meeting_livestream_id(app: AppWorld, meeting: Meeting) -> str:
    return app.world.ids.encode(Kind.LIVESTREAM, app.index, meeting.index)


def all_livestreams(app: AppWorld) -> list[dict[str, Any]]:
    """The livestreams of generated livestreamed meetings, then those created through the API.

    Built once per state of the world (a new list each call; its records are shared: read
    them, do not change them).
    """
    world = app.world
    return list(world.lists.list(world.state, ("livestreams.all", app.index), lambda: _build(app)))


def _build(app: AppWorld) -> tuple[dict[str, Any], ...]:
    out = []
    for meeting in app.meetings.values():
        if meeting.kind.livestream and meeting.generated:
            ls_id = meeting_livestream_id(app, meeting)
            if ls_id in app.livestream_overrides:
                out.append(app.livestream_overrides[ls_id])
                continue
            live = active_session_index(app, meeting) is not None
            out.append(
                livestream_record(
                    app,
                    ls_id,
                    meeting.record["id"],
                    meeting.record.get("title", "") + " stream",
                    meeting.record["created_at"],
                    "LIVE" if live else "IDLE",
                )
            )
    out.extend(app.livestream_overrides[k] for k in app.created_livestreams)
    return tuple(out)


def livestream_record(
    app: AppWorld, ls_id: str, meeting_id: str | None, name: str, created_at: str, status: str
) -> dict[str, Any]:
    return {
        "id": ls_id,
        "created_at": created_at,
        "disabled": "false",
        "ingest_server": INGEST_SERVER,
        "meeting_id": meeting_id,
        "name": name,
        "playback_url": (
            f"https://customer-demo.cloudflarestream.invalid/{fake_secret(ls_id, length=32)}"
            "/manifest/video.m3u8"
        ),
        "status": status,
        "stream_key": fake_secret(app.world.seed, ls_id, "stream-key", length=64),
        "updated_at": created_at,
    }


def get_livestream(call: Call) -> dict[str, Any]:
    for livestream in all_livestreams(call.app):
        if livestream["id"] == call.path["livestream_id"]:
            return livestream
    raise ApiError.not_found("Livestream", call.path["livestream_id"])


def livestream_sessions(app: AppWorld, livestream: dict[str, Any]) -> list[dict[str, Any]]:
    """One livestream session per session of the livestream's meeting, oldest first."""
    meeting = app.meetings.get(livestream.get("meeting_id") or "")
    if meeting is None or not meeting.generated:
        return list(livestream.get("_sessions", []))
    return [
        livestream_session_record(app, livestream["id"], int(index))
        for index in np.nonzero(app.meeting_idx == meeting.index)[0]
    ]


def livestream_session_record(app: AppWorld, ls_id: str, index: int) -> dict[str, Any]:
    started = dt.datetime.fromtimestamp(float(app.start_ts[index]), dt.UTC)
    end = app.session_end(index)
    stop = end or app.world.now
    ingest = (stop - started).total_seconds()
    viewers = 20 + int(app.heads[index]) * 6
    errored = float(app.outcome[index]) > 0.95 and end is not None
    return {
        "id": app.world.ids.encode(Kind.LIVESTREAM_SESSION, app.index, index),
        "created_at": iso_z(started),
        "err_message": "RTMP ingest timed out: no media from the recorder for 30 s"
        if errored
        else None,
        "ingest_seconds": int(ingest),
        "invoked_time": iso_z(started - dt.timedelta(seconds=3)),
        "livestream_id": ls_id,
        "started_time": iso_z(started),
        "stopped_time": iso_z(end) if end else None,
        "updated_at": iso_z(stop),
        "viewer_seconds": int(ingest * viewers * 0.7),
    }


@handles("livestreams.create_independent_livestream")
def create_livestream(call: Call) -> Answer:
    app, body = call.app, call.body or {}
    ls_id = call.world.next_created_id(app.index)
    name = body.get("name") or "Livestream"
    livestream = livestream_record(app, ls_id, None, name, iso_z(call.now), "INVOKED")
    app.livestream_overrides[ls_id] = livestream
    app.created_livestreams.append(ls_id)
    shown = (
        "disabled",
        "id",
        "ingest_server",
        "meeting_id",
        "name",
        "playback_url",
        "status",
        "stream_key",
    )
    data = {k: livestream[k] for k in shown}
    data["disabled"] = False
    return created(data)


@handles("livestreams.get_all_livestreams")
def list_livestreams(call: Call) -> Answer:
    items, paging = call.page(call.kept("livestreams", lambda: _listed_livestreams(call)))
    # The reference and the SDK type `data` as ONE livestream with a `paging` inside. Serve a
    # superset that both accept: the page's first livestream flattened into `data`, `paging`,
    # and the whole page under `livestreams` (which a client should prefer).
    data: dict[str, Any] = dict(items[0]) if items else {}
    data["paging"] = paging
    data["livestreams"] = items
    return ok(data)


def _listed_livestreams(call: Call) -> list[dict[str, Any]]:
    """The livestreams the call's query lists, in the list's order."""
    query = call.query
    rows = all_livestreams(call.app)
    if query.get("exclude_meetings"):
        rows = [r for r in rows if not r["meeting_id"]]
    if query.get("status"):
        rows = [r for r in rows if r["status"] == query["status"]]
    if "start_time" in query or "end_time" in query:
        rows = [r for r in rows if call.in_range(parse_time(r["created_at"]))]
    rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=call.descending())
    return rows


def _listed_sessions(app: AppWorld, livestream: dict[str, Any]) -> list[dict[str, Any]]:
    """The livestream's sessions, newest first."""
    sessions = livestream_sessions(app, livestream)
    sessions.sort(key=lambda s: s["created_at"], reverse=True)
    return sessions


def _meeting_livestream(call: Call) -> dict[str, Any]:
    """The livestream of the path's meeting (404 if it never streamed)."""
    meeting = get_meeting(call)
    ls_id = meeting_livestream_id(call.app, meeting)
    for livestream in all_livestreams(call.app):
        if livestream["id"] == ls_id or livestream.get("meeting_id") == meeting.record["id"]:
            return livestream
    raise ApiError.not_found("Livestream for meeting", call.path["meeting_id"])


@handles("livestreams.start_livestreaming_a_meeting")
def start_livestream(call: Call) -> Answer:
    app = call.app
    meeting = get_meeting(call)
    if active_session_index(app, meeting) is None:
        raise ApiError.bad_request(
            f"meeting {call.path['meeting_id']} has no active session to stream"
        )
    ls_id = meeting_livestream_id(app, meeting)
    existing = next((ls for ls in all_livestreams(app) if ls["id"] == ls_id), None)
    if existing and existing["status"] in STREAMING:
        raise ApiError.conflict("this meeting is already being livestreamed")
    body = call.body or {}
    livestream = livestream_record(
        app,
        ls_id,
        meeting.record["id"],
        body.get("name") or meeting.record.get("title", "") + " stream",
        existing["created_at"] if existing else iso_z(call.now),
        "LIVE",
    )
    livestream["updated_at"] = iso_z(call.now)
    app.livestream_overrides[ls_id] = livestream
    if existing is None and not meeting.generated:
        app.created_livestreams.append(ls_id)
    data = {k: livestream[k] for k in ("id", "ingest_server", "playback_url", "stream_key")}
    return created({**data, "status": "INVOKED"})


@handles("livestreams.stop_livestreaming_a_meeting")
def stop_livestream(call: Call) -> Answer:
    livestream = _meeting_livestream(call)
    if livestream["status"] not in STREAMING:
        raise ApiError.bad_request(f"meeting {call.path['meeting_id']} is not being livestreamed")
    stopped = {**livestream, "status": "IDLE", "updated_at": iso_z(call.now)}
    call.app.livestream_overrides[livestream["id"]] = stopped
    return ok({"message": "Stopped live stream successfully"})


@handles("livestreams.get_meeting_active_livestreams")
def read_meeting_active_livestream(call: Call) -> Answer:
    livestream = _meeting_livestream(call)
    if livestream["status"] != "LIVE":
        raise ApiError.not_found("Active livestream for meeting", call.path["meeting_id"])
    return ok(livestream)


@handles("livestreams.get_livestream_session_details_for_session_id")
def read_livestream_session(call: Call) -> Answer:
    app = call.app
    wanted = call.path["livestream_session_id"]
    address = call.world.ids.decode(wanted)
    if address and address.kind == Kind.LIVESTREAM_SESSION and address.app == app.index:
        index = address.index
        if index < app.session_count:
            meeting = app.meeting_by_index(int(app.meeting_idx[index]))
            if meeting.kind.livestream:
                ls_id = meeting_livestream_id(app, meeting)
                return ok(livestream_session_record(app, ls_id, index))
    raise ApiError.not_found("Livestream session", wanted)


@handles("livestreams.get_active_livestreams_for_livestream_id")
def read_active_livestream_session(call: Call) -> Answer:
    livestream = get_livestream(call)
    sessions = [s for s in livestream_sessions(call.app, livestream) if s["stopped_time"] is None]
    if livestream["status"] != "LIVE" or not sessions:
        raise ApiError.not_found("Active session of livestream", call.path["livestream_id"])
    # Here alone the reference and the SDK type the second counts as strings: serve them so.
    session = dict(sessions[-1])
    for key in ("ingest_seconds", "viewer_seconds"):
        session[key] = str(session[key])
    return ok({"livestream": livestream, "session": session})


@handles("livestreams.get_livestream_session_for_livestream_id")
def read_livestream(call: Call) -> Answer:
    livestream = get_livestream(call)
    sessions = call.kept(
        "livestream_sessions", lambda: _listed_sessions(call.app, livestream), livestream["id"]
    )
    items, paging = call.page(sessions)
    # As with the livestream list: `session` is the page's first (the typed shape), and
    # `sessions` the whole page.
    return ok(
        {
            "livestream": livestream,
            "paging": paging,
            "session": items[0] if items else None,
            "sessions": items,
        }
    )
