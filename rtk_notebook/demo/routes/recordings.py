"""Recordings: the generated history (with its failures), and recordings started, paused,
resumed and stopped through the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from rtk_notebook.demo.ids import Kind
from rtk_notebook.demo.routes.common import (
    Answer,
    ApiError,
    Call,
    created,
    handles,
    ok,
    ok_paged,
    parse_time,
)
from rtk_notebook.demo.routes.links import WEEK_S, presigned
from rtk_notebook.demo.routes.meetings import get_meeting, meeting_summary
from rtk_notebook.demo.routes.sessions import active_session_index
from rtk_notebook.demo.world import (
    FRESH_UPLOAD,
    P_ERRORED,
    P_STUCK_INVOKED,
    P_STUCK_UPLOADING,
    AppWorld,
    DemoWorld,
    Meeting,
)
from rtk_notebook.spec.endpoints import iso_z

RUNNING = ("INVOKED", "RECORDING", "PAUSED")  # a recording in one of these has not stopped
TRANSITIONS = {
    "pause": ({"RECORDING"}, "PAUSED"),
    "resume": ({"PAUSED"}, "RECORDING"),
    "stop": ({"RECORDING", "PAUSED", "INVOKED"}, "UPLOADING"),
}


def _reason(app: AppWorld, reason: str) -> dict[str, Any]:
    """A start or stop reason: the app itself (an API call or its settings) as the caller."""
    return {
        "caller": {"name": app.name, "type": "ORGANIZATION", "user_Id": app.id},
        "reason": reason,
    }


def _generated_status(app: AppWorld, index: int, end: dt.datetime | None) -> str:
    """The status of session ``index``'s recording, from the outcome drawn for it."""
    draw = float(app.outcome[index])
    if end is None:
        return "PAUSED" if index == app.paused_live else "RECORDING"
    if draw < P_ERRORED:
        return "ERRORED"
    if draw < P_ERRORED + P_STUCK_UPLOADING:
        return "UPLOADING"  # stuck: still uploading hours or days after the session ended
    if draw < P_ERRORED + P_STUCK_UPLOADING + P_STUCK_INVOKED:
        return "INVOKED"  # stuck: the recorder never joined
    if app.world.now - end < FRESH_UPLOAD:
        return "UPLOADING"
    return "UPLOADED"


def generated_recording(app: AppWorld, index: int) -> dict[str, Any]:
    """The recording of session ``index`` (which the skeleton marked as recorded)."""
    world = app.world
    meeting = app.meeting_by_index(int(app.meeting_idx[index]))
    rec_id = world.ids.encode(Kind.RECORDING, app.index, index)
    started = dt.datetime.fromtimestamp(float(app.start_ts[index]), dt.UTC)
    auto = meeting.kind.record_on_start
    draw = float(app.outcome[index])
    offset = 5 + 30 * app.outcome[index] if auto else 60 + 600 * app.outcome[index]
    end = app.session_end(index)
    if end is not None:
        # A short call: the recorder still starts inside it, never after the session ended.
        offset = min(offset, 0.25 * (end - started).total_seconds())
    invoked = started + dt.timedelta(seconds=float(offset))
    status = _generated_status(app, index, end)
    rec_started = None if status == "INVOKED" else invoked + dt.timedelta(seconds=4)
    stopped = end if status not in RUNNING else None
    if status == "ERRORED" and end is not None and rec_started is not None:
        stopped = rec_started + (end - rec_started) * (0.2 + 0.6 * draw / P_ERRORED)
    duration = int((stopped - rec_started).total_seconds()) if stopped and rec_started else None
    title = meeting.record.get("title", "meeting")
    slug = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
    record = _new_recording(app, rec_id, meeting, index, invoked, f"{slug}_{_stamp(started)}.mp4")
    record.update(
        started_time=iso_z(rec_started) if rec_started else None,
        status=status,
        stopped_time=iso_z(stopped) if stopped else None,
        recording_duration=duration,
        start_reason=_reason(app, "RECORD_ON_START" if auto else "API_CALL"),
        storage_config=meeting.record.get("recording_config", {}).get("storage_config"),
    )
    if stopped is not None:
        record["stop_reason"] = _reason(
            app, "INTERNAL_ERROR" if status == "ERRORED" else "ALL_PEERS_LEFT"
        )
    if status == "UPLOADED" and duration is not None and end is not None:
        _uploaded(world, app, record, end)
        record["file_size"] = float(int(duration * 1_200_000 / 8 * (0.8 + 0.4 * draw)))
    return record


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _new_recording(
    app: AppWorld,
    rec_id: str,
    meeting: Meeting,
    index: int,
    invoked: dt.datetime,
    file_name: str,
) -> dict[str, Any]:
    """A recording just invoked for session ``index``: no recorder yet, no files."""
    return {
        "id": rec_id,
        "audio_download_url": None,
        "download_url": None,
        "download_url_expiry": None,
        "file_size": None,
        "invoked_time": iso_z(invoked),
        "output_file_name": file_name,
        "session_id": app.session_id(index),
        "started_time": None,
        "status": "INVOKED",
        "stopped_time": None,
        "meeting": meeting_summary(meeting),
        "recording_duration": None,
    }


def _uploaded(world: DemoWorld, app: AppWorld, record: dict[str, Any], at: dt.datetime) -> None:
    """Fill in the download links of a recording whose upload finished ``at``."""
    base = f"https://recordings.demo.realtimekit.invalid/{app.id}/{record['id']}"
    record["download_url"] = presigned(world, f"{base}/{record['output_file_name']}", at, WEEK_S)
    record["audio_download_url"] = presigned(world, f"{base}/audio.aac", at, WEEK_S)
    record["download_url_expiry"] = iso_z(at + dt.timedelta(seconds=WEEK_S))


def all_recordings(app: AppWorld) -> list[dict[str, Any]]:
    """Every recording of the app, oldest invoked first (generated ones, then created ones).

    Built once per state of the world (a new list each call; its records are shared: read
    them, do not change them).
    """
    world = app.world
    return list(world.lists.list(world.state, ("recordings.all", app.index), lambda: _build(app)))


def _build(app: AppWorld) -> tuple[dict[str, Any], ...]:
    out = []
    for index in np.nonzero(app.recorded)[0]:
        rec_id = app.world.ids.encode(Kind.RECORDING, app.index, int(index))
        out.append(app.recording_overrides.get(rec_id) or generated_recording(app, int(index)))
    out.extend(app.recording_overrides[r] for r in app.created_recordings)
    return tuple(out)


def get_recording(call: Call, recording_id: str) -> dict[str, Any]:
    app = call.app
    if recording_id in app.recording_overrides:
        return app.recording_overrides[recording_id]
    address = call.world.ids.decode(recording_id)
    if (
        address is None
        or address.kind != Kind.RECORDING
        or address.app != app.index
        or address.index >= app.session_count
        or not app.recorded[address.index]
    ):
        raise ApiError.not_found("Recording", recording_id)
    return generated_recording(app, address.index)


def recording_detail(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "meeting"}


@handles("recordings.get_recordings")
def list_recordings(call: Call) -> Answer:
    return ok_paged(call, call.kept("recordings", lambda: _listed_recordings(call)))


def _listed_recordings(call: Call) -> list[dict[str, Any]]:
    """The recordings the call's query lists, in the list's order."""
    query = call.query
    rows = all_recordings(call.app)
    if query.get("meeting_id"):
        rows = [r for r in rows if r["meeting"]["id"] == query["meeting_id"]]
    if query.get("status"):
        rows = [r for r in rows if r["status"] in query["status"]]
    if "start_time" in query or "end_time" in query:
        rows = [r for r in rows if call.in_range(parse_time(r["invoked_time"]))]
    if "expired" in query:
        now = iso_z(call.now)
        rows = [
            r
            for r in rows
            if (r["download_url_expiry"] is not None and r["download_url_expiry"] < now)
            == query["expired"]
        ]
    search = (query.get("search") or "").lower()
    if search:
        rows = [
            r
            for r in rows
            if search in r["output_file_name"].lower()
            or search in r["meeting"].get("title", "").lower()
            or search in (r["id"], r["session_id"])
        ]
    rows.sort(key=lambda r: (r["invoked_time"], r["id"]), reverse=call.descending())
    return rows


def active_recording(app: AppWorld, meeting: Meeting) -> dict[str, Any] | None:
    """The meeting's running recording in a live session, if any (the latest)."""
    for record in reversed(all_recordings(app)):
        if record["meeting"]["id"] == meeting.record["id"] and record["status"] in RUNNING:
            index = app.session_index(record["session_id"] or "")
            if index is not None and app.is_live(index):
                return record
    return None


def _meeting_to_record(call: Call) -> tuple[Meeting, int]:
    """The meeting of the body and its live session's index (400 if none is live)."""
    body = call.body or {}
    meeting = call.app.meetings.get(body["meeting_id"])
    if meeting is None:
        raise ApiError.not_found("Meeting", body["meeting_id"])
    index = active_session_index(call.app, meeting)
    if index is None:
        raise ApiError.bad_request(f"meeting {body['meeting_id']} has no active session to record")
    return meeting, index


@handles("recordings.start_recordings")
def start_recording(call: Call) -> Answer:
    app, body = call.app, call.body or {}
    meeting, index = _meeting_to_record(call)
    if active_recording(app, meeting) and not body.get("allow_multiple_recordings"):
        raise ApiError.conflict(
            "a recording is already running for this meeting "
            "(set allow_multiple_recordings to start another)"
        )
    rec_id = call.world.next_created_id(app.index)
    prefix = body.get("file_name_prefix") or "recording"
    file_name = f"{prefix}_{_stamp(call.now)}.mp4"
    record = _new_recording(app, rec_id, meeting, index, call.now, file_name)
    record["start_reason"] = _reason(app, "API_CALL")
    record["storage_config"] = body.get("storage_config")
    app.recording_overrides[rec_id] = record
    app.created_recordings.append(rec_id)
    response = recording_detail(record)
    # The recorder joins right after it is invoked: the next read finds it recording.
    record["status"] = "RECORDING"
    record["started_time"] = iso_z(call.now)
    return created(response)


@handles("recordings.start_track_recording")
def start_track_recording(call: Call) -> Answer:
    app = call.app
    meeting, index = _meeting_to_record(call)
    rec_id = call.world.next_created_id(app.index)
    file_name = f"tracks_{_stamp(call.now)}"
    record = _new_recording(app, rec_id, meeting, index, call.now, file_name)
    app.recording_overrides[rec_id] = record
    app.created_recordings.append(rec_id)
    return created({"recording": recording_detail(record)})


@handles("recordings.get_active_recordings")
def read_active_recording(call: Call) -> Answer:
    record = active_recording(call.app, get_meeting(call))
    if record is None:
        raise ApiError.not_found("Active recording for meeting", call.path["meeting_id"])
    data = recording_detail(record)
    for k in ("start_reason", "stop_reason", "storage_config"):
        data.pop(k, None)
    return ok(data)


@handles("recordings.get_one_recording")
def read_recording(call: Call) -> Answer:
    app = call.app
    record = get_recording(call, call.path["recording_id"])
    # A recording stopped through the API reads as UPLOADING once, then as UPLOADED:
    # status moves without a clock. (Generated recordings stuck in UPLOADING stay stuck.)
    if record["id"] in app.finishing:
        app.finishing.discard(record["id"])
        record["status"] = "UPLOADED"
        _uploaded(call.world, app, record, call.now)
        record["file_size"] = float(int((record["recording_duration"] or 0) * 150_000))
        call.world.changed()  # a GET that writes: the lists showing this recording are stale
    elif record["status"] == "UPLOADING" and record["id"] in app.recording_overrides:
        app.finishing.add(record["id"])
    return ok(recording_detail(record))


@handles("recordings.pause_resume_stop_recording")
def change_recording(call: Call) -> Answer:
    app = call.app
    record = dict(get_recording(call, call.path["recording_id"]))
    action = (call.body or {})["action"]
    allowed, target = TRANSITIONS[action]
    if record["status"] not in allowed:
        raise ApiError.bad_request(
            f"cannot {action} a recording that is {record['status']} "
            f"(it must be {' or '.join(sorted(allowed))})"
        )
    record["status"] = target
    if action == "stop":
        record["stopped_time"] = iso_z(call.now)
        started = parse_time(record["started_time"])
        record["recording_duration"] = int((call.now - started).total_seconds()) if started else 0
        record["stop_reason"] = _reason(app, "API_CALL")
    app.recording_overrides[record["id"]] = record
    return ok(recording_detail(record))
