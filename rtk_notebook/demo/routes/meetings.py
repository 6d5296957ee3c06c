"""Meetings and their rosters (the meeting participants, with their join tokens)."""

from __future__ import annotations

from typing import Any

from rtk_notebook.demo.catalog import MEETING_KINDS
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
from rtk_notebook.demo.world import CREATED_MEETING_BASE, DemoWorld, Meeting, fake_secret
from rtk_notebook.spec.endpoints import iso_z

MEETING_LIST_FIELDS = (
    "id",
    "created_at",
    "updated_at",
    "live_stream_on_start",
    "persist_chat",
    "record_on_start",
    "session_keep_alive_time_in_secs",
    "status",
    "summarize_on_end",
    "title",
)

MEETING_DEFAULTS = {
    "live_stream_on_start": False,
    "persist_chat": False,
    "record_on_start": False,
    "session_keep_alive_time_in_secs": 60,
    "status": "ACTIVE",
    "summarize_on_end": False,
}


def meeting_summary(meeting: Meeting) -> dict[str, Any]:
    """The meeting as lists show it (and as recordings embed it)."""
    return {k: meeting.record[k] for k in MEETING_LIST_FIELDS if k in meeting.record}


def get_meeting(call: Call) -> Meeting:
    return call.look_up(call.app.meetings, "meeting_id", "Meeting")


@handles("meetings.get")
def list_meetings(call: Call) -> Answer:
    return ok_paged(call, call.kept("meetings", lambda: _listed_meetings(call)))


def _listed_meetings(call: Call) -> list[dict[str, Any]]:
    """The meetings the call's query lists, newest first."""
    search = (call.query.get("search") or "").lower()
    status = call.query.get("status")
    rows = []
    for meeting in call.app.meetings.values():
        record = meeting.record
        if search and search not in record["title"].lower() and search != record["id"]:
            continue
        if status and record["status"] != status:
            continue
        if not call.in_range(parse_time(record["created_at"])):
            continue
        rows.append(meeting_summary(meeting))
    rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
    return rows


@handles("meetings.create")
def create_meeting(call: Call) -> Answer:
    app = call.app
    meeting_id = call.world.next_created_id(app.index)
    stamp = iso_z(call.now)
    record = {
        "id": meeting_id,
        "created_at": stamp,
        "updated_at": stamp,
        **MEETING_DEFAULTS,
        "title": None,
        **(call.body or {}),
    }
    if record["title"] is None:
        del record["title"]
    index = CREATED_MEETING_BASE + call.world.created_count
    # A created meeting has no history: a team-sync kind, an empty roster, no sessions.
    app.meetings[meeting_id] = Meeting(index, MEETING_KINDS[2], record, {}, [], 0.0)
    return created(record)


@handles("meetings.get_meeting_by_id")
def read_meeting(call: Call) -> Answer:
    return ok(get_meeting(call).record)


@handles("meetings.update_meeting_by_id")
def update_meeting(call: Call) -> Answer:
    meeting = get_meeting(call)
    meeting.record.update(call.body or {})
    meeting.record["updated_at"] = iso_z(call.now)
    return ok(meeting.record)


@handles("meetings.replace_meeting_by_id")
def replace_meeting(call: Call) -> Answer:
    meeting = get_meeting(call)
    keep = {k: meeting.record[k] for k in ("id", "created_at")}
    meeting.record.clear()
    meeting.record.update(
        {**keep, "updated_at": iso_z(call.now), **MEETING_DEFAULTS, **(call.body or {})}
    )
    return ok(meeting.record)


# -- the roster --------------------------------------------------------------------------------


def get_member(call: Call) -> tuple[Meeting, dict[str, Any]]:
    meeting = get_meeting(call)
    return meeting, call.look_up(meeting.roster, "participant_id", "Participant")


def auth_token(world: DemoWorld, member_id: str, generation: int = 0) -> str:
    """A JWT-shaped participant token. Deterministic, and never a working credential."""
    return "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + fake_secret(
        world.seed, member_id, generation, length=64
    )


@handles("meetings.get_meeting_participants")
def list_members(call: Call) -> Answer:
    return ok_paged(call, list(get_meeting(call).roster.values()))


@handles("meetings.add_participant")
def add_member(call: Call) -> Answer:
    meeting = get_meeting(call)
    body = call.body or {}
    preset_names = {p["name"] for p in call.app.presets.values()}
    if body["preset_name"] not in preset_names:
        raise ApiError.bad_request(
            f"body field 'preset_name': no preset named {body['preset_name']!r} in this app"
        )
    for member in meeting.roster.values():
        if member["custom_participant_id"] == body["custom_participant_id"]:
            raise ApiError.conflict(
                f"a participant with custom_participant_id "
                f"{body['custom_participant_id']!r} already exists in this meeting"
            )
    member_id = call.world.next_created_id(call.app.index)
    stamp = iso_z(call.now)
    member = {"id": member_id, "created_at": stamp, "updated_at": stamp, **body}
    meeting.roster[member_id] = member
    return created({**member, "token": auth_token(call.world, member_id)})


@handles("meetings.get_meeting_participant")
def read_member(call: Call) -> Answer:
    return ok(get_member(call)[1])


@handles("meetings.edit_participant")
def edit_member(call: Call) -> Answer:
    _, member = get_member(call)
    member.update(call.body or {})
    member["updated_at"] = iso_z(call.now)
    return ok({**member, "token": auth_token(call.world, member["id"])})


@handles("meetings.delete_meeting_participant")
def delete_member(call: Call) -> Answer:
    meeting, member = get_member(call)
    del meeting.roster[member["id"]]
    preset_id = next(
        (p["id"] for p in call.app.presets.values() if p["name"] == member["preset_name"]),
        None,
    )
    return ok(
        {
            "created_at": member["created_at"],
            "custom_participant_id": member["custom_participant_id"],
            "preset_id": preset_id,
            "updated_at": iso_z(call.now),
        }
    )


@handles("meetings.refresh_participant_token")
def refresh_token(call: Call) -> Answer:
    _, member = get_member(call)
    generation = call.app.token_generations.get(member["id"], 0) + 1
    call.app.token_generations[member["id"]] = generation
    return ok({"token": auth_token(call.world, member["id"], generation)})
