"""Sessions: the list and one session, and the files made from one (chat, transcript,
summary).

Session participants and their peer reports are in ``peers.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import numpy as np

from rtk_notebook.demo.routes.common import Answer, ApiError, Call, handles, ok
from rtk_notebook.demo.routes.links import download_link
from rtk_notebook.demo.wire import to_json
from rtk_notebook.demo.world import AppWorld, Meeting
from rtk_notebook.spec.endpoints import iso_z


def session_record(app: AppWorld, index: int) -> dict[str, Any]:
    meeting = app.meeting_by_index(int(app.meeting_idx[index]))
    minutes, peak, live = app.session_summary(index)
    started = dt.datetime.fromtimestamp(float(app.start_ts[index]), dt.UTC)
    end = app.session_end(index)
    record: dict[str, Any] = {
        "id": app.session_id(index),
        "associated_id": meeting.record["id"],
        "created_at": iso_z(started),
        "live_participants": live,
        "max_concurrent_participants": peak,
        "meeting_display_name": meeting.record.get("title", ""),
        "minutes_consumed": minutes,
        "organization_id": app.id,
        "started_at": iso_z(started),
        "status": "LIVE" if end is None else "ENDED",
        "type": "livestream" if meeting.kind.livestream else "meeting",
        "updated_at": iso_z(end or app.world.now),
        "breakout_rooms": [],
        "meta": {"region": meeting.record.get("preferred_region")},
    }
    if end is not None:
        record["ended_at"] = iso_z(end)
    return record


def session_index_in_path(call: Call) -> int:
    """The index of the session named in the path; 404 if the app has no such session."""
    index = call.app.session_index(call.path["session_id"])
    if index is None:
        raise ApiError.not_found("Session", call.path["session_id"])
    return index


def active_session_index(app: AppWorld, meeting: Meeting) -> int | None:
    """The meeting's live session (the latest, if several), or None."""
    live = np.nonzero(app.live_mask() & (app.meeting_idx == meeting.index))[0]
    return int(live[-1]) if len(live) else None


@handles("sessions.get_sessions")
def list_sessions(call: Call) -> Answer:
    app = call.app
    chosen = call.kept("sessions", lambda: _chosen_sessions(call))
    first, stop, paging = call.page_bounds(len(chosen))
    sessions = [kept_session_row(app, int(i)) for i in chosen[first:stop]]
    # The SDK reads a top-level `paging`; the reference has none. Serve it (docs/api-notes.md).
    return ok({"sessions": sessions}, paging=paging)


def _chosen_sessions(call: Call) -> np.ndarray:
    """The indices of the sessions the call's query lists, in the list's order."""
    app, query = call.app, call.query
    chosen = np.nonzero(_session_mask(app, query))[0]
    if query.get("participants"):
        wanted = {p.strip() for p in query["participants"].split(",") if p.strip()}
        chosen = np.array([i for i in chosen if _has_participant(app, int(i), wanted)], dtype=int)
    if query.get("sort_by") == "minutesConsumed":
        minutes = np.array([app.session_summary(int(i))[0] for i in chosen])
        chosen = chosen[np.argsort(minutes, kind="stable")]
    if call.descending():
        chosen = chosen[::-1]
    return chosen


def kept_session_row(app: AppWorld, index: int) -> msgspec.Raw:
    """``session_record`` as JSON, made once per state of the world and shared by every list
    and page that shows the session (kept encoded: half the memory of the dict, and a page
    is then written without encoding its rows again)."""
    world = app.world
    return world.lists.record(
        world.state,
        ("session", app.index, index),
        lambda: msgspec.Raw(to_json(session_record(app, index))),
    )


def _session_mask(app: AppWorld, query: dict[str, Any]) -> np.ndarray:
    """Which of the app's sessions (in start order) pass the list's filters."""
    mask = np.ones(app.session_count, dtype=bool)
    if "start_time" in query:
        mask &= app.start_ts >= query["start_time"].timestamp()
    if "end_time" in query:
        mask &= app.start_ts <= query["end_time"].timestamp()
    if "status" in query:
        live = app.live_mask()
        mask &= live if query["status"] == "LIVE" else ~live
    if "associated_id" in query:
        meeting = app.meetings.get(query["associated_id"])
        mask &= app.meeting_idx == (meeting.index if meeting else -1)
    if query.get("search"):
        mask &= _search_sessions(app, query["search"])
    return mask


def _search_sessions(app: AppWorld, text: str) -> np.ndarray:
    needle = text.lower()
    matching = [
        m.index
        for m in app.meetings.values()
        if needle in m.record.get("title", "").lower() or needle == m.record["id"]
    ]
    mask = np.isin(app.meeting_idx, matching)
    index = app.session_index(text.strip())
    if index is not None:
        mask[index] = True
    return mask


def _has_participant(app: AppWorld, index: int, wanted: set[str]) -> bool:
    for join in app.joins(index):
        person = app.people[join.person]
        if wanted & {join.peer_id, join.member_id, person.custom_id}:
            return True
    return False


@handles("sessions.get_session_details")
def read_session(call: Call) -> Answer:
    # The reference nests the session under data.session (the SDK expects it under data):
    # serve the reference's shape, as docs/api-notes.md says.
    return ok({"session": session_record(call.app, session_index_in_path(call))})


# -- files made from a session -----------------------------------------------------------------


@handles("sessions.get_session_chat")
def session_chat(call: Call) -> Answer:
    index = session_index_in_path(call)
    url, expiry = download_link(call, "chat.csv", call.app.session_id(index))
    return ok({"chat_download_url": url, "chat_download_url_expiry": expiry})


def ended_session_index(call: Call) -> int:
    """The session of the path, which must have ended (409 while it is live)."""
    index = session_index_in_path(call)
    if call.app.is_live(index):
        raise ApiError.conflict(
            f"session {call.path['session_id']} is still live; try after it ends"
        )
    return index


# The transcript and the summary: one link each, whose keys the API spells differently.
_TRANSCRIPT_KEYS = ("transcript_download_url", "transcript_download_url_expiry")
_SUMMARY_KEYS = ("summaryDownloadUrl", "summaryDownloadUrlExpiry")


@handles("sessions.get_session_transcripts", "sessions.get_session_summary")
def session_transcript_or_summary(call: Call) -> Answer:
    """A link to an ended session's transcript or summary.

    Both exist for meetings that summarize on end; a summary also exists once one was asked
    for (``generate_summary``).
    """
    app, session_id = call.app, call.path["session_id"]
    index = ended_session_index(call)
    summary = call.endpoint.key == "sessions.get_session_summary"
    if not (summary and session_id in app.summaries_requested):
        meeting = app.meeting_by_index(int(app.meeting_idx[index]))
        if not meeting.record.get("summarize_on_end"):
            raise ApiError.not_found("Transcript for session", session_id)
    if summary:
        file_name, (url_key, expiry_key) = "summary.txt", _SUMMARY_KEYS
    else:
        file_format = (call.query.get("format") or "CSV").lower()
        file_name, (url_key, expiry_key) = f"transcript.{file_format}", _TRANSCRIPT_KEYS
    url, expiry = download_link(call, file_name, session_id)
    return ok({"sessionId": session_id, url_key: url, expiry_key: expiry})


@handles("sessions.generate_summary_of_transcripts")
def generate_summary(call: Call) -> Answer:
    ended_session_index(call)
    call.app.summaries_requested.add(call.path["session_id"])
    return 202, {
        "success": True,
        "data": {"session_id": call.path["session_id"], "status": "IN_PROGRESS"},
    }
