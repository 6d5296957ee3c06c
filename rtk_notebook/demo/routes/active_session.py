"""A meeting's live session: read it, remove participants from it, start a poll in it."""

from __future__ import annotations

from typing import Any

from rtk_notebook.demo.routes.common import Answer, ApiError, Call, created, handles, ok
from rtk_notebook.demo.routes.meetings import get_meeting
from rtk_notebook.demo.routes.sessions import active_session_index, session_record
from rtk_notebook.demo.world import Join, Meeting
from rtk_notebook.spec.endpoints import iso_z


def require_active(call: Call) -> tuple[Meeting, int]:
    """The meeting of the path and its live session's index (404 if none is live)."""
    meeting = get_meeting(call)
    index = active_session_index(call.app, meeting)
    if index is None:
        raise ApiError.not_found("Active session for meeting", call.path["meeting_id"])
    return meeting, index


@handles("active_session.get_active_session")
def read_active_session(call: Call) -> Answer:
    _, index = require_active(call)
    return ok(session_record(call.app, index))


def _kick_out(call: Call, index: int, joins: list[Join]) -> list[dict[str, Any]]:
    """Remove these joins from live session ``index`` now (ending it if nobody is left);
    the kicked participants as the API lists them."""
    app = call.app
    kicked = []
    for join in joins:
        app.kicked[join.peer_id] = call.now
        person = app.people[join.person]
        kicked.append(
            {
                "id": join.member_id,
                "created_at": iso_z(join.joined),
                "updated_at": iso_z(call.now),
                "email": person.custom_id,
                "name": person.name,
                "picture": None,
            }
        )
    app.end_if_empty(index, call.now)
    return kicked


@handles("active_session.kick_participants")
def kick(call: Call) -> Answer:
    app = call.app
    _, index = require_active(call)
    body = call.body or {}
    ids = set(body.get("participant_ids") or [])
    custom = set(body.get("custom_participant_ids") or [])
    if not ids and not custom:
        raise ApiError.bad_request(
            "give participant_ids or custom_participant_ids (both are empty)"
        )
    targets = [
        join
        for join in app.still_in(index)
        if join.member_id in ids
        or join.peer_id in ids
        or app.people[join.person].custom_id in custom
    ]
    if not targets:
        raise ApiError.not_found(
            "None of the given participants is in the active session of meeting",
            call.path["meeting_id"],
        )
    kicked = _kick_out(call, index, targets)
    return ok({"action": "kick", "participants": kicked})


@handles("active_session.kick_all_participants")
def kick_all(call: Call) -> Answer:
    _, index = require_active(call)
    kicked = _kick_out(call, index, call.app.still_in(index))
    return ok({"action": "kick-all", "kicked_participants_count": len(kicked)})


@handles("active_session.create_poll")
def create_poll(call: Call) -> Answer:
    meeting, _ = require_active(call)
    body = call.body or {}
    if len(body["options"]) < 2:
        raise ApiError.bad_request("body field 'options' needs at least 2 options")
    poll = {
        "id": call.world.next_created_id(call.app.index),
        "options": [{"count": 0, "text": text, "votes": []} for text in body["options"]],
        "question": body["question"],
        "anonymous": bool(body.get("anonymous", False)),
        "created_by": call.app.name,
        "hide_votes": bool(body.get("hide_votes", False)),
        "voted": [],
    }
    call.app.polls.setdefault(meeting.record["id"], []).append(poll)
    return created({"action": "poll-created", "poll": poll})
