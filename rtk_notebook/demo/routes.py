"""One handler per operation of the endpoint table, reading and writing the demo world.

A handler gets a ``Call`` (the world, the app, path parameters, typed query values, the
validated body) and returns ``(status, json)``; it raises ``ApiError`` for 4xx answers.
Response shapes follow the API reference; where the official SDK's types differ,
``docs/api-notes.md`` says which to serve, and the choices are noted here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rtk_notebook.demo.ids import Kind
from rtk_notebook.demo.world import AppWorld, DemoWorld, Join, Meeting, _secret
from rtk_notebook.spec.endpoints import Endpoint, iso_z

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
INGEST_SERVER = "rtmps://live.cloudflare.com:443/live/"


class ApiError(Exception):
    """An error answer: HTTP status, Cloudflare error code, message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# Cloudflare v4 error codes used by the demo (the first three are Cloudflare's own).
CODE_AUTH = 10000  # "Authentication error"
CODE_ACCOUNT = 9109  # "Unauthorized to access requested resource"
CODE_NO_ROUTE = 7003  # "Could not route to ..."
CODE_METHOD = 7000  # "No route for that URI"
CODE_RATE_LIMIT = 971  # "Please wait and consider throttling your request speed"
CODE_BAD_REQUEST = 10001
CODE_NOT_FOUND = 10002
CODE_CONFLICT = 10003
CODE_SERVER = 10500


def not_found(what: str, object_id: str) -> ApiError:
    return ApiError(404, CODE_NOT_FOUND, f"{what} {object_id} not found")


def bad_request(message: str) -> ApiError:
    return ApiError(400, CODE_BAD_REQUEST, message)


@dataclass
class Call:
    world: DemoWorld
    app: AppWorld | None
    endpoint: Endpoint
    path: dict[str, str]
    query: dict[str, Any]
    body: dict[str, Any] | None

    @property
    def now(self) -> dt.datetime:
        return self.world.now

    @property
    def a(self) -> AppWorld:
        assert self.app is not None  # the dispatcher resolves the app for app routes
        return self.app


Handler = Callable[[Call], tuple[int, Any]]
HANDLERS: dict[str, Handler] = {}


def handles(*keys: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for key in keys:
            HANDLERS[key] = fn
        return fn

    return register


def ok(data: Any, **extra: Any) -> tuple[int, Any]:
    return 200, {"success": True, "data": data, **extra}


# -- paging ------------------------------------------------------------------------------------


def page_bounds(call: Call, total: int) -> tuple[int, int, dict[str, int]]:
    """(first index, stop index, paging object) for the call's page_no/per_page."""
    page_no = call.query.get("page_no", 1)
    per_page = call.query.get("per_page", DEFAULT_PER_PAGE)
    if per_page > MAX_PER_PAGE:
        raise bad_request(f"per_page must be between 1 and {MAX_PER_PAGE} (got {per_page})")
    first = (page_no - 1) * per_page
    stop = min(first + per_page, total)
    count = max(0, stop - first)
    paging = {"end_offset": first + count, "start_offset": first + 1, "total_count": total}
    return first, max(first, stop), paging


def paged(call: Call, items: Sequence[Any]) -> tuple[list[Any], dict[str, int]]:
    first, stop, paging = page_bounds(call, len(items))
    return list(items[first:stop]), paging


def descending(call: Call, default: bool = True) -> bool:
    order = call.query.get("sort_order")
    return default if order is None else order in ("DESC", "DSC")


def in_range(call: Call, moment: dt.datetime | None) -> bool:
    start, end = call.query.get("start_time"), call.query.get("end_time")
    if moment is None:
        return start is None and end is None
    return (start is None or moment >= start) and (end is None or moment <= end)


def parse_time(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


# -- apps --------------------------------------------------------------------------------------


def app_record(app: AppWorld) -> dict[str, Any]:
    return {"created_at": iso_z(app.created_at), "id": app.id, "name": app.name}


@handles("apps.get")
def list_apps(call: Call) -> tuple[int, Any]:
    apps = [app_record(a) for a in call.world.apps]
    search = call.query.get("search")
    if search:
        apps = [a for a in apps if search.lower() in a["name"].lower() or search == a["id"]]
    apps.sort(key=lambda a: a["created_at"], reverse=descending(call, default=False))
    items, paging = paged(call, apps)
    return ok(items, paging=paging)


@handles("apps.post")
def create_app(call: Call) -> tuple[int, Any]:
    assert call.body is not None
    world = call.world
    index = len(world.apps)
    app = AppWorld(world, index, call.body["name"], 0.02)
    app.created_at = call.now
    world.apps.append(app)
    return 201, {"success": True, "data": {"app": app_record(app)}}


# -- meetings ----------------------------------------------------------------------------------

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


def meeting_summary(meeting: Meeting) -> dict[str, Any]:
    return {k: meeting.record[k] for k in MEETING_LIST_FIELDS if k in meeting.record}


def get_meeting(call: Call, key: str = "meeting_id") -> Meeting:
    meeting = call.a.meetings.get(call.path[key])
    if meeting is None:
        raise not_found("Meeting", call.path[key])
    return meeting


@handles("meetings.get")
def list_meetings(call: Call) -> tuple[int, Any]:
    meetings = list(call.a.meetings.values())
    search = (call.query.get("search") or "").lower()
    status = call.query.get("status")
    rows = []
    for meeting in meetings:
        record = meeting.record
        if search and search not in record["title"].lower() and search != record["id"]:
            continue
        if status and record["status"] != status:
            continue
        if not in_range(call, parse_time(record["created_at"])):
            continue
        rows.append(meeting_summary(meeting))
    rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
    items, paging = paged(call, rows)
    return ok(items, paging=paging)


MEETING_DEFAULTS = {
    "live_stream_on_start": False,
    "persist_chat": False,
    "record_on_start": False,
    "session_keep_alive_time_in_secs": 60,
    "status": "ACTIVE",
    "summarize_on_end": False,
}


@handles("meetings.create")
def create_meeting(call: Call) -> tuple[int, Any]:
    from rtk_notebook.demo.catalog import MEETING_KINDS

    app = call.a
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
    index = 10_000 + call.world.created_count
    app.meetings[meeting_id] = Meeting(index, MEETING_KINDS[2], record, {}, [], 0.0)
    return 201, {"success": True, "data": record}


@handles("meetings.get_meeting_by_id")
def read_meeting(call: Call) -> tuple[int, Any]:
    return ok(get_meeting(call).record)


@handles("meetings.update_meeting_by_id")
def update_meeting(call: Call) -> tuple[int, Any]:
    meeting = get_meeting(call)
    meeting.record.update(call.body or {})
    meeting.record["updated_at"] = iso_z(call.now)
    return ok(meeting.record)


@handles("meetings.replace_meeting_by_id")
def replace_meeting(call: Call) -> tuple[int, Any]:
    meeting = get_meeting(call)
    keep = {k: meeting.record[k] for k in ("id", "created_at")}
    meeting.record.clear()
    meeting.record.update(
        {**keep, "updated_at": iso_z(call.now), **MEETING_DEFAULTS, **(call.body or {})}
    )
    return ok(meeting.record)


def get_member(call: Call) -> tuple[Meeting, dict[str, Any]]:
    meeting = get_meeting(call)
    member = meeting.roster.get(call.path["participant_id"])
    if member is None:
        raise not_found("Participant", call.path["participant_id"])
    return meeting, member


def auth_token(world: DemoWorld, member_id: str, generation: int = 0) -> str:
    """A JWT-shaped participant token. Deterministic, and never a working credential."""
    return "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + _secret(
        world.seed, member_id, generation, length=64
    )


@handles("meetings.get_meeting_participants")
def list_members(call: Call) -> tuple[int, Any]:
    meeting = get_meeting(call)
    items, paging = paged(call, list(meeting.roster.values()))
    return ok(items, paging=paging)


@handles("meetings.add_participant")
def add_member(call: Call) -> tuple[int, Any]:
    meeting = get_meeting(call)
    body = call.body or {}
    preset_names = {p["name"] for p in call.a.presets.values()}
    if body["preset_name"] not in preset_names:
        raise bad_request(
            f"body field 'preset_name': no preset named {body['preset_name']!r} in this app"
        )
    for member in meeting.roster.values():
        if member["custom_participant_id"] == body["custom_participant_id"]:
            raise ApiError(
                409,
                CODE_CONFLICT,
                f"a participant with custom_participant_id "
                f"{body['custom_participant_id']!r} already exists in this meeting",
            )
    member_id = call.world.next_created_id(call.a.index)
    stamp = iso_z(call.now)
    member = {"id": member_id, "created_at": stamp, "updated_at": stamp, **body}
    meeting.roster[member_id] = member
    return 201, {"success": True, "data": {**member, "token": auth_token(call.world, member_id)}}


@handles("meetings.get_meeting_participant")
def read_member(call: Call) -> tuple[int, Any]:
    return ok(get_member(call)[1])


@handles("meetings.edit_participant")
def edit_member(call: Call) -> tuple[int, Any]:
    _, member = get_member(call)
    member.update(call.body or {})
    member["updated_at"] = iso_z(call.now)
    return ok({**member, "token": auth_token(call.world, member["id"])})


@handles("meetings.delete_meeting_participant")
def delete_member(call: Call) -> tuple[int, Any]:
    meeting, member = get_member(call)
    del meeting.roster[member["id"]]
    preset_id = next(
        (p["id"] for p in call.a.presets.values() if p["name"] == member["preset_name"]),
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
def refresh_token(call: Call) -> tuple[int, Any]:
    _, member = get_member(call)
    generation = call.a.token_generations.get(member["id"], 0) + 1
    call.a.token_generations[member["id"]] = generation
    return ok({"token": auth_token(call.world, member["id"], generation)})


# -- presets -----------------------------------------------------------------------------------


def get_preset(call: Call) -> dict[str, Any]:
    preset = call.a.presets.get(call.path["preset_id"])
    if preset is None:
        raise not_found("Preset", call.path["preset_id"])
    return preset


@handles("presets.get")
def list_presets(call: Call) -> tuple[int, Any]:
    rows = [
        {k: p[k] for k in ("id", "created_at", "name", "updated_at")}
        for p in call.a.presets.values()
    ]
    search = (call.query.get("search") or "").lower()
    rows = [r for r in rows if search in r["name"].lower()]
    items, paging = paged(call, rows)
    return ok(items, paging=paging)


@handles("presets.create")
def create_preset(call: Call) -> tuple[int, Any]:
    body = call.body or {}
    if any(p["name"] == body["name"] for p in call.a.presets.values()):
        raise ApiError(409, CODE_CONFLICT, f"a preset named {body['name']!r} already exists")
    preset_id = call.world.next_created_id(call.a.index)
    stamp = iso_z(call.now)
    preset = {"id": preset_id, **body, "created_at": stamp, "updated_at": stamp}
    call.a.presets[preset_id] = preset
    return 201, {"success": True, "data": preset}


@handles("presets.get_preset_by_id")
def read_preset(call: Call) -> tuple[int, Any]:
    return ok(get_preset(call))


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


@handles("presets.update")
def update_preset(call: Call) -> tuple[int, Any]:
    preset = get_preset(call)
    merged = _merge(preset, call.body or {})
    merged["updated_at"] = iso_z(call.now)
    call.a.presets[preset["id"]] = merged
    return ok(merged)


@handles("presets.replace_preset_by_id")
def replace_preset(call: Call) -> tuple[int, Any]:
    preset = get_preset(call)
    replaced = {
        "id": preset["id"],
        **(call.body or {}),
        "created_at": preset["created_at"],
        "updated_at": iso_z(call.now),
    }
    call.a.presets[preset["id"]] = replaced
    return ok(replaced)


@handles("presets.delete")
def delete_preset(call: Call) -> tuple[int, Any]:
    preset = get_preset(call)
    del call.a.presets[preset["id"]]
    return ok(preset)


# -- sessions ----------------------------------------------------------------------------------


def session_record(app: AppWorld, i: int) -> dict[str, Any]:
    meeting = app.meeting_by_index(int(app.meeting_idx[i]))
    minutes, peak, live = app.session_summary(i)
    started = dt.datetime.fromtimestamp(float(app.start_ts[i]), dt.UTC)
    end = app.session_end(i)
    record: dict[str, Any] = {
        "id": app.session_id(i),
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


def get_session_index(call: Call) -> int:
    i = call.a.session_index(call.path["session_id"])
    if i is None:
        raise not_found("Session", call.path["session_id"])
    return i


@handles("sessions.get_sessions")
def list_sessions(call: Call) -> tuple[int, Any]:
    app, q = call.a, call.query
    candidates = np.ones(app.session_count, dtype=bool)
    if "start_time" in q:
        candidates &= app.start_ts >= q["start_time"].timestamp()
    if "end_time" in q:
        candidates &= app.start_ts <= q["end_time"].timestamp()
    if "status" in q:
        live = app.live_mask()
        candidates &= live if q["status"] == "LIVE" else ~live
    if "associated_id" in q:
        meeting = app.meetings.get(q["associated_id"])
        index = meeting.index if meeting else -1
        candidates &= app.meeting_idx == index
    if q.get("search"):
        candidates &= _search_sessions(app, q["search"])
    chosen = np.nonzero(candidates)[0]
    if q.get("participants"):
        wanted = {p.strip() for p in q["participants"].split(",") if p.strip()}
        chosen = np.array([i for i in chosen if _has_participant(app, int(i), wanted)], dtype=int)
    if q.get("sort_by") == "minutesConsumed":
        minutes = np.array([app.session_summary(int(i))[0] for i in chosen])
        chosen = chosen[np.argsort(minutes, kind="stable")]
        if descending(call):
            chosen = chosen[::-1]
    elif descending(call):
        chosen = chosen[::-1]
    first, stop, paging = page_bounds(call, len(chosen))
    sessions = [session_record(app, int(i)) for i in chosen[first:stop]]
    # The SDK reads a top-level `paging`; the reference has none. Serve it (docs/api-notes.md).
    return ok({"sessions": sessions}, paging=paging)


def _search_sessions(app: AppWorld, text: str) -> np.ndarray:
    needle = text.lower()
    matching = [
        m.index
        for m in app.meetings.values()
        if needle in m.record.get("title", "").lower() or needle == m.record["id"]
    ]
    mask = np.isin(app.meeting_idx, matching)
    i = app.session_index(text.strip())
    if i is not None:
        mask[i] = True
    return mask


def _has_participant(app: AppWorld, i: int, wanted: set[str]) -> bool:
    for join in app.joins(i):
        person = app.people[join.person]
        if wanted & {join.peer_id, join.member_id, person.custom_id}:
            return True
    return False


@handles("sessions.get_session_details")
def read_session(call: Call) -> tuple[int, Any]:
    # The reference nests the session under data.session (the SDK expects it under data):
    # serve the reference's shape, as docs/api-notes.md says.
    return ok({"session": session_record(call.a, get_session_index(call))})


def participant_record(app: AppWorld, join: Join) -> dict[str, Any]:
    person = app.people[join.person]
    left = join.left or app.world.now
    record = {
        "id": join.peer_id,
        "created_at": iso_z(join.joined),
        "custom_participant_id": person.custom_id,
        "display_name": person.name,
        "duration": round((left - join.joined).total_seconds() / 60, 4),
        "joined_at": iso_z(join.joined),
        "left_at": iso_z(join.left) if join.left else None,
        "preset_name": join.preset_name,
        "updated_at": iso_z(left),
        "user_id": join.member_id,
    }
    if join.left is None:
        del record["left_at"]
    return record


def peer_events(join: Join) -> list[dict[str, Any]]:
    events = [{"type": "peer_joined", "timestamp": iso_z(join.joined)}]
    if join.left is not None:
        events.append({"type": "peer_left", "timestamp": iso_z(join.left)})
    return events


@handles("sessions.get_session_participants")
def list_session_participants(call: Call) -> tuple[int, Any]:
    app, q = call.a, call.query
    i = get_session_index(call)
    joins = app.joins(i)
    rows = [participant_record(app, j) for j in joins]
    if q.get("include_peer_events"):
        for row, join in zip(rows, joins, strict=True):
            row["peer_events"] = peer_events(join)
    if q.get("view") == "consolidated":
        rows = _consolidate(rows)
    search = (q.get("search") or "").lower()
    if search:
        rows = [
            r
            for r in rows
            if search in r["display_name"].lower() or search in r["custom_participant_id"]
        ]
    key = "duration" if q.get("sort_by") == "duration" else "joined_at"
    rows.sort(key=lambda r: (r[key], r["id"]), reverse=descending(call, default=False))
    items, paging = paged(call, rows)
    # Here the reference puts paging under data (unlike the other lists).
    return ok({"paging": paging, "participants": items})


def _consolidate(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per user: first join, last leave, summed minutes (the API's `consolidated`)."""
    by_user: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen = by_user.get(row["user_id"])
        if seen is None:
            by_user[row["user_id"]] = dict(row)
            continue
        seen["duration"] = round(seen["duration"] + row["duration"], 4)
        if "left_at" not in row:
            seen.pop("left_at", None)
        elif "left_at" in seen:
            seen["left_at"] = max(seen["left_at"], row["left_at"])
        seen["updated_at"] = max(seen["updated_at"], row["updated_at"])
    return list(by_user.values())


def _filters(call: Call) -> set[str]:
    chosen = call.query.get("filters")
    return (
        set(chosen)
        if chosen
        else {
            "device_info",
            "ip_information",
            "precall_network_information",
            "events",
            "quality_stats",
        }
    )


def _find_join_in_session(call: Call) -> tuple[int, Join]:
    i = get_session_index(call)
    for join in call.a.joins(i):
        if join.peer_id == call.path["participant_id"]:
            return i, join
    raise not_found("Participant", call.path["participant_id"])


@handles("sessions.get_session_participant_details")
def read_session_participant(call: Call) -> tuple[int, Any]:
    _, join = _find_join_in_session(call)
    app = call.a
    sim = app.peer_sim(join)
    wanted = _filters(call)
    record = participant_record(app, join)
    stats = sim.peer_stats_participant
    record["peer_stats"] = {k: v for k, v in stats.items() if k not in _SECTION_KEYS or k in wanted}
    if "quality_stats" in wanted:
        record["quality_stats"] = sim.quality_stats_participant
    if call.query.get("include_peer_events"):
        record["peer_events"] = peer_events(join)
    return ok({"participant": record})


_SECTION_KEYS = {"device_info", "ip_information", "precall_network_information", "events"}


@handles("sessions.get_participant_data_from_peer_id")
def read_peer_report(call: Call) -> tuple[int, Any]:
    app = call.a
    found = app.find_join(call.path["peer_id"])
    if found is None:
        raise not_found("Peer", call.path["peer_id"])
    _, join = found
    sim = app.peer_sim(join)
    wanted = _filters(call)
    record = participant_record(app, join)
    record["peer_report"] = sim.peer_report
    record["peer_stats"] = {
        k: v for k, v in sim.peer_stats_report.items() if k not in _SECTION_KEYS or k in wanted
    }
    if "quality_stats" in wanted:
        record["quality_stats"] = sim.quality_stats_report
    record["role"] = join.preset_name
    if call.query.get("include_peer_events"):
        record["peer_events"] = peer_events(join)
    return ok({"participant": record})


def presigned(world: DemoWorld, url: str, signed_at: dt.datetime, expires_in: int) -> str:
    """``url`` pre-signed as R2 and S3 sign a GET (SigV4 in the query): deterministic, shaped
    like the real thing, and never a working link (the host does not resolve)."""
    key_id = _secret(world.seed, "r2-access-key-id", length=32)
    stamp = signed_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    signature = _secret(world.seed, url, stamp, expires_in, length=64)
    return (
        f"{url}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Credential={key_id}%2F{stamp[:8]}%2Fauto%2Fs3%2Faws4_request"
        f"&X-Amz-Date={stamp}&X-Amz-Expires={expires_in}"
        f"&X-Amz-SignedHeaders=host&X-Amz-Signature={signature}"
    )


_WEEK = 7 * 24 * 3600  # seconds: the longest a SigV4 pre-signed link may live


def _download(app: AppWorld, kind: str, session_id: str, call: Call) -> tuple[str, str]:
    base = f"https://downloads.demo.realtimekit.invalid/{app.id}/{session_id}/{kind}"
    url = presigned(app.world, base, call.now, 3600)
    return url, iso_z(call.now + dt.timedelta(hours=1))


def _ended_session(call: Call) -> int:
    i = get_session_index(call)
    if call.a.is_live(i):
        raise ApiError(
            409,
            CODE_CONFLICT,
            f"session {call.path['session_id']} is still live; try after it ends",
        )
    return i


@handles("sessions.get_session_chat")
def session_chat(call: Call) -> tuple[int, Any]:
    i = get_session_index(call)
    url, expiry = _download(call.a, "chat.csv", call.a.session_id(i), call)
    return ok({"chat_download_url": url, "chat_download_url_expiry": expiry})


def _transcribed(call: Call, i: int) -> Meeting:
    meeting = call.a.meeting_by_index(int(call.a.meeting_idx[i]))
    if not meeting.record.get("summarize_on_end"):
        raise not_found("Transcript for session", call.path["session_id"])
    return meeting


@handles("sessions.get_session_transcripts")
def session_transcript(call: Call) -> tuple[int, Any]:
    i = _ended_session(call)
    _transcribed(call, i)
    fmt = (call.query.get("format") or "CSV").lower()
    url, expiry = _download(call.a, f"transcript.{fmt}", call.path["session_id"], call)
    return ok(
        {
            "sessionId": call.path["session_id"],
            "transcript_download_url": url,
            "transcript_download_url_expiry": expiry,
        }
    )


@handles("sessions.get_session_summary")
def session_summary(call: Call) -> tuple[int, Any]:
    i = _ended_session(call)
    if call.path["session_id"] not in call.a.summaries_requested:
        _transcribed(call, i)
    url, expiry = _download(call.a, "summary.txt", call.path["session_id"], call)
    return ok(
        {
            "sessionId": call.path["session_id"],
            "summaryDownloadUrl": url,
            "summaryDownloadUrlExpiry": expiry,
        }
    )


@handles("sessions.generate_summary_of_transcripts")
def generate_summary(call: Call) -> tuple[int, Any]:
    _ended_session(call)
    call.a.summaries_requested.add(call.path["session_id"])
    return 202, {
        "success": True,
        "data": {"session_id": call.path["session_id"], "status": "IN_PROGRESS"},
    }


# -- recordings --------------------------------------------------------------------------------


def generated_recording(app: AppWorld, i: int) -> dict[str, Any]:
    """The recording of session i (which the skeleton marked as recorded)."""
    world = app.world
    meeting = app.meeting_by_index(int(app.meeting_idx[i]))
    rec_id = world.ids.encode(Kind.RECORDING, app.index, i)
    started = dt.datetime.fromtimestamp(float(app.start_ts[i]), dt.UTC)
    auto = meeting.kind.record_on_start
    offset = 5 + 30 * app.outcome[i] if auto else 60 + 600 * app.outcome[i]
    invoked = started + dt.timedelta(seconds=float(offset))
    end = app.session_end(i)
    u = float(app.outcome[i])
    if end is None:
        status = "PAUSED" if i == app.paused_live else "RECORDING"
    elif u < 0.06:
        status = "ERRORED"
    elif u < 0.11:
        status = "UPLOADING"  # stuck: still uploading hours or days after the session ended
    elif u < 0.14:
        status = "INVOKED"  # stuck: the recorder never joined
    elif world.now - end < dt.timedelta(minutes=10):
        status = "UPLOADING"
    else:
        status = "UPLOADED"
    rec_started = None if status == "INVOKED" else invoked + dt.timedelta(seconds=4)
    stopped = end if status not in ("INVOKED", "RECORDING", "PAUSED") else None
    if status == "ERRORED" and end is not None and rec_started is not None:
        stopped = rec_started + (end - rec_started) * (0.2 + 0.6 * u / 0.06)
    duration = int((stopped - rec_started).total_seconds()) if stopped and rec_started else None
    title = meeting.record.get("title", "meeting")
    slug = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
    file_name = f"{slug}_{started.strftime('%Y%m%dT%H%M%SZ')}.mp4"
    record: dict[str, Any] = {
        "id": rec_id,
        "audio_download_url": None,
        "download_url": None,
        "download_url_expiry": None,
        "file_size": None,
        "invoked_time": iso_z(invoked),
        "output_file_name": file_name,
        "session_id": app.session_id(i),
        "started_time": iso_z(rec_started) if rec_started else None,
        "status": status,
        "stopped_time": iso_z(stopped) if stopped else None,
        "meeting": meeting_summary(meeting),
        "recording_duration": duration,
        "start_reason": {
            "caller": {"name": app.name, "type": "ORGANIZATION", "user_Id": app.id},
            "reason": "RECORD_ON_START" if auto else "API_CALL",
        },
        "storage_config": meeting.record.get("recording_config", {}).get("storage_config"),
    }
    if stopped is not None:
        record["stop_reason"] = {
            "caller": {"name": app.name, "type": "ORGANIZATION", "user_Id": app.id},
            "reason": "INTERNAL_ERROR" if status == "ERRORED" else "ALL_PEERS_LEFT",
        }
    if status == "UPLOADED" and duration is not None and end is not None:
        base = f"https://recordings.demo.realtimekit.invalid/{app.id}/{rec_id}"
        record["download_url"] = presigned(world, f"{base}/{file_name}", end, _WEEK)
        record["audio_download_url"] = presigned(world, f"{base}/audio.aac", end, _WEEK)
        record["download_url_expiry"] = iso_z(end + dt.timedelta(seconds=_WEEK))
        record["file_size"] = float(int(duration * 1_200_000 / 8 * (0.8 + 0.4 * u)))
    return record


def all_recordings(app: AppWorld) -> list[dict[str, Any]]:
    """Every recording of the app, oldest invoked first (generated ones, then created ones)."""
    out = []
    for i in np.nonzero(app.recorded)[0]:
        rec_id = app.world.ids.encode(Kind.RECORDING, app.index, int(i))
        out.append(app.recording_overrides.get(rec_id) or generated_recording(app, int(i)))
    out.extend(app.recording_overrides[r] for r in app.created_recordings)
    return out


def get_recording(call: Call, recording_id: str) -> dict[str, Any]:
    app = call.a
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
        raise not_found("Recording", recording_id)
    return generated_recording(app, address.index)


def recording_detail(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "meeting"}


@handles("recordings.get_recordings")
def list_recordings(call: Call) -> tuple[int, Any]:
    app, q = call.a, call.query
    rows = all_recordings(app)
    if q.get("meeting_id"):
        rows = [r for r in rows if r["meeting"]["id"] == q["meeting_id"]]
    if q.get("status"):
        rows = [r for r in rows if r["status"] in q["status"]]
    if "start_time" in q or "end_time" in q:
        rows = [r for r in rows if in_range(call, parse_time(r["invoked_time"]))]
    if "expired" in q:
        now = iso_z(call.now)
        rows = [
            r
            for r in rows
            if (r["download_url_expiry"] is not None and r["download_url_expiry"] < now)
            == q["expired"]
        ]
    search = (q.get("search") or "").lower()
    if search:
        rows = [
            r
            for r in rows
            if search in r["output_file_name"].lower()
            or search in r["meeting"].get("title", "").lower()
            or search in (r["id"], r["session_id"])
        ]
    rows.sort(key=lambda r: (r["invoked_time"], r["id"]), reverse=descending(call))
    items, paging = paged(call, rows)
    return ok(items, paging=paging)


def active_session_index(app: AppWorld, meeting: Meeting) -> int | None:
    live = np.nonzero(app.live_mask() & (app.meeting_idx == meeting.index))[0]
    return int(live[-1]) if len(live) else None


def active_recording(app: AppWorld, meeting: Meeting) -> dict[str, Any] | None:
    for record in reversed(all_recordings(app)):
        if record["meeting"]["id"] == meeting.record["id"] and record["status"] in (
            "INVOKED",
            "RECORDING",
            "PAUSED",
        ):
            i = app.session_index(record["session_id"] or "")
            if i is not None and app.is_live(i):
                return record
    return None


@handles("recordings.start_recordings")
def start_recording(call: Call) -> tuple[int, Any]:
    app, body = call.a, call.body or {}
    meeting = app.meetings.get(body["meeting_id"])
    if meeting is None:
        raise not_found("Meeting", body["meeting_id"])
    i = active_session_index(app, meeting)
    if i is None:
        raise bad_request(f"meeting {body['meeting_id']} has no active session to record")
    if active_recording(app, meeting) and not body.get("allow_multiple_recordings"):
        raise ApiError(
            409,
            CODE_CONFLICT,
            "a recording is already running for this meeting "
            "(set allow_multiple_recordings to start another)",
        )
    rec_id = call.world.next_created_id(app.index)
    prefix = body.get("file_name_prefix") or "recording"
    record = {
        "id": rec_id,
        "audio_download_url": None,
        "download_url": None,
        "download_url_expiry": None,
        "file_size": None,
        "invoked_time": iso_z(call.now),
        "output_file_name": f"{prefix}_{call.now.strftime('%Y%m%dT%H%M%SZ')}.mp4",
        "session_id": app.session_id(i),
        "started_time": None,
        "status": "INVOKED",
        "stopped_time": None,
        "meeting": meeting_summary(meeting),
        "recording_duration": None,
        "start_reason": {
            "caller": {"name": app.name, "type": "ORGANIZATION", "user_Id": app.id},
            "reason": "API_CALL",
        },
        "storage_config": body.get("storage_config"),
    }
    app.recording_overrides[rec_id] = record
    app.created_recordings.append(rec_id)
    response = recording_detail(record)
    # The recorder joins right after it is invoked: the next read finds it recording.
    record["status"] = "RECORDING"
    record["started_time"] = iso_z(call.now)
    return 201, {"success": True, "data": response}


@handles("recordings.get_active_recordings")
def read_active_recording(call: Call) -> tuple[int, Any]:
    meeting = get_meeting(call)
    record = active_recording(call.a, meeting)
    if record is None:
        raise not_found("Active recording for meeting", call.path["meeting_id"])
    data = recording_detail(record)
    for k in ("start_reason", "stop_reason", "storage_config"):
        data.pop(k, None)
    return ok(data)


@handles("recordings.get_one_recording")
def read_recording(call: Call) -> tuple[int, Any]:
    app = call.a
    record = get_recording(call, call.path["recording_id"])
    # A recording stopped through the API reads as UPLOADING once, then as UPLOADED:
    # status moves without a clock. (Generated recordings stuck in UPLOADING stay stuck.)
    if record["id"] in app.finishing:
        app.finishing.discard(record["id"])
        _finish_upload(call, record)
    elif record["status"] == "UPLOADING" and record["id"] in app.recording_overrides:
        app.finishing.add(record["id"])
    return ok(recording_detail(record))


def _finish_upload(call: Call, record: dict[str, Any]) -> None:
    base = f"https://recordings.demo.realtimekit.invalid/{call.a.id}/{record['id']}"
    record["status"] = "UPLOADED"
    record["download_url"] = presigned(
        call.world, f"{base}/{record['output_file_name']}", call.now, _WEEK
    )
    record["audio_download_url"] = presigned(call.world, f"{base}/audio.aac", call.now, _WEEK)
    record["download_url_expiry"] = iso_z(call.now + dt.timedelta(seconds=_WEEK))
    record["file_size"] = float(int((record["recording_duration"] or 0) * 150_000))


TRANSITIONS = {
    "pause": ({"RECORDING"}, "PAUSED"),
    "resume": ({"PAUSED"}, "RECORDING"),
    "stop": ({"RECORDING", "PAUSED", "INVOKED"}, "UPLOADING"),
}


@handles("recordings.pause_resume_stop_recording")
def change_recording(call: Call) -> tuple[int, Any]:
    app = call.a
    record = dict(get_recording(call, call.path["recording_id"]))
    action = (call.body or {})["action"]
    allowed, target = TRANSITIONS[action]
    if record["status"] not in allowed:
        raise bad_request(
            f"cannot {action} a recording that is {record['status']} "
            f"(it must be {' or '.join(sorted(allowed))})"
        )
    record["status"] = target
    if action == "stop":
        record["stopped_time"] = iso_z(call.now)
        started = parse_time(record["started_time"])
        record["recording_duration"] = int((call.now - started).total_seconds()) if started else 0
        record["stop_reason"] = {
            "caller": {"name": app.name, "type": "ORGANIZATION", "user_Id": app.id},
            "reason": "API_CALL",
        }
    app.recording_overrides[record["id"]] = record
    return ok(recording_detail(record))


@handles("recordings.start_track_recording")
def start_track_recording(call: Call) -> tuple[int, Any]:
    app, body = call.a, call.body or {}
    meeting = app.meetings.get(body["meeting_id"])
    if meeting is None:
        raise not_found("Meeting", body["meeting_id"])
    i = active_session_index(app, meeting)
    if i is None:
        raise bad_request(f"meeting {body['meeting_id']} has no active session to record")
    rec_id = call.world.next_created_id(app.index)
    record = {
        "id": rec_id,
        "audio_download_url": None,
        "download_url": None,
        "download_url_expiry": None,
        "file_size": None,
        "invoked_time": iso_z(call.now),
        "output_file_name": f"tracks_{call.now.strftime('%Y%m%dT%H%M%SZ')}",
        "session_id": app.session_id(i),
        "started_time": None,
        "status": "INVOKED",
        "stopped_time": None,
        "meeting": meeting_summary(meeting),
        "recording_duration": None,
    }
    app.recording_overrides[rec_id] = record
    app.created_recordings.append(rec_id)
    return 201, {"success": True, "data": {"recording": recording_detail(record)}}


# -- webhooks ----------------------------------------------------------------------------------


def get_webhook(call: Call) -> dict[str, Any]:
    hook = call.a.webhooks.get(call.path["webhook_id"])
    if hook is None:
        raise not_found("Webhook", call.path["webhook_id"])
    return hook


@handles("webhooks.get_webhooks")
def list_webhooks(call: Call) -> tuple[int, Any]:
    return ok(list(call.a.webhooks.values()))


@handles("webhooks.create_webhook")
def create_webhook(call: Call) -> tuple[int, Any]:
    hook_id = call.world.next_created_id(call.a.index)
    stamp = iso_z(call.now)
    hook = {"id": hook_id, "created_at": stamp, "enabled": True, **(call.body or {})}
    hook["updated_at"] = stamp
    call.a.webhooks[hook_id] = hook
    return 201, {"success": True, "data": hook}


@handles("webhooks.get_webhook_by_id")
def read_webhook(call: Call) -> tuple[int, Any]:
    return ok(get_webhook(call))


@handles("webhooks.replace_webhook")
def replace_webhook(call: Call) -> tuple[int, Any]:
    hook = get_webhook(call)
    replaced = {"id": hook["id"], "created_at": hook["created_at"], "enabled": True}
    replaced.update(call.body or {})
    replaced["updated_at"] = iso_z(call.now)
    call.a.webhooks[hook["id"]] = replaced
    return ok(replaced)


@handles("webhooks.edit_webhook")
def edit_webhook(call: Call) -> tuple[int, Any]:
    hook = get_webhook(call)
    hook.update(call.body or {})
    hook["updated_at"] = iso_z(call.now)
    return ok(hook)


@handles("webhooks.delete_webhook")
def delete_webhook(call: Call) -> tuple[int, Any]:
    hook = get_webhook(call)
    del call.a.webhooks[hook["id"]]
    return ok(hook)


# -- active session ----------------------------------------------------------------------------


def require_active(call: Call) -> tuple[Meeting, int]:
    meeting = get_meeting(call)
    i = active_session_index(call.a, meeting)
    if i is None:
        raise not_found("Active session for meeting", call.path["meeting_id"])
    return meeting, i


@handles("active_session.get_active_session")
def read_active_session(call: Call) -> tuple[int, Any]:
    _, i = require_active(call)
    return ok(session_record(call.a, i))


def _kick(call: Call, joins: list[Join]) -> list[dict[str, Any]]:
    app = call.a
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
    return kicked


def _still_in(app: AppWorld, i: int) -> list[Join]:
    return [j for j in app.joins(i) if j.left is None]


def _end_if_empty(app: AppWorld, i: int, when: dt.datetime) -> None:
    if not _still_in(app, i):
        app.ended[i] = when
    app._summary.pop(i, None)


@handles("active_session.kick_participants")
def kick(call: Call) -> tuple[int, Any]:
    app = call.a
    _, i = require_active(call)
    body = call.body or {}
    ids = set(body.get("participant_ids") or [])
    custom = set(body.get("custom_participant_ids") or [])
    if not ids and not custom:
        raise bad_request("give participant_ids or custom_participant_ids (both are empty)")
    targets = [
        j
        for j in _still_in(app, i)
        if j.member_id in ids or j.peer_id in ids or app.people[j.person].custom_id in custom
    ]
    if not targets:
        raise not_found(
            "None of the given participants is in the active session of meeting",
            call.path["meeting_id"],
        )
    kicked = _kick(call, targets)
    _end_if_empty(app, i, call.now)
    return ok({"action": "kick", "participants": kicked})


@handles("active_session.kick_all_participants")
def kick_all(call: Call) -> tuple[int, Any]:
    app = call.a
    _, i = require_active(call)
    kicked = _kick(call, _still_in(app, i))
    _end_if_empty(app, i, call.now)
    return ok({"action": "kick-all", "kicked_participants_count": len(kicked)})


@handles("active_session.create_poll")
def create_poll(call: Call) -> tuple[int, Any]:
    meeting, _ = require_active(call)
    body = call.body or {}
    if len(body["options"]) < 2:
        raise bad_request("body field 'options' needs at least 2 options")
    poll = {
        "id": call.world.next_created_id(call.a.index),
        "options": [{"count": 0, "text": text, "votes": []} for text in body["options"]],
        "question": body["question"],
        "anonymous": bool(body.get("anonymous", False)),
        "created_by": call.a.name,
        "hide_votes": bool(body.get("hide_votes", False)),
        "voted": [],
    }
    call.a.polls.setdefault(meeting.record["id"], []).append(poll)
    return 201, {"success": True, "data": {"action": "poll-created", "poll": poll}}


# -- livestreams -------------------------------------------------------------------------------


def seeded_livestreams(app: AppWorld) -> list[dict[str, Any]]:
    out = []
    for meeting in app.meetings.values():
        if meeting.kind.livestream and meeting.index < 10_000:
            ls_id = app.world.ids.encode(Kind.LIVESTREAM, app.index, meeting.index)
            if ls_id in app.livestream_overrides:
                out.append(app.livestream_overrides[ls_id])
                continue
            live = active_session_index(app, meeting) is not None
            out.append(
                _livestream(
                    app,
                    ls_id,
                    meeting.record["id"],
                    meeting.record.get("title", "") + " stream",
                    meeting.record["created_at"],
                    "LIVE" if live else "IDLE",
                )
            )
    out.extend(app.livestream_overrides[k] for k in app.created_livestreams)
    return out


def _livestream(
    app: AppWorld, ls_id: str, meeting_id: str | None, name: str, created: str, status: str
) -> dict[str, Any]:
    key = _secret(app.world.seed, ls_id, "stream-key", length=64)
    return {
        "id": ls_id,
        "created_at": created,
        "disabled": "false",
        "ingest_server": INGEST_SERVER,
        "meeting_id": meeting_id,
        "name": name,
        "playback_url": (
            f"https://customer-demo.cloudflarestream.invalid/{_secret(ls_id, length=32)}"
            "/manifest/video.m3u8"
        ),
        "status": status,
        "stream_key": key,
        "updated_at": created,
    }


def get_livestream(call: Call) -> dict[str, Any]:
    for ls in seeded_livestreams(call.a):
        if ls["id"] == call.path["livestream_id"]:
            return ls
    raise not_found("Livestream", call.path["livestream_id"])


def livestream_sessions(app: AppWorld, ls: dict[str, Any]) -> list[dict[str, Any]]:
    """One livestream session per session of the livestream's meeting, oldest first."""
    meeting = app.meetings.get(ls.get("meeting_id") or "")
    if meeting is None or meeting.index >= 10_000:
        return list(ls.get("_sessions", []))
    out = []
    for i in np.nonzero(app.meeting_idx == meeting.index)[0]:
        out.append(livestream_session_record(app, ls["id"], int(i)))
    return out


def livestream_session_record(app: AppWorld, ls_id: str, i: int) -> dict[str, Any]:
    started = dt.datetime.fromtimestamp(float(app.start_ts[i]), dt.UTC)
    end = app.session_end(i)
    stop = end or app.world.now
    ingest = (stop - started).total_seconds()
    viewers = 20 + int(app.heads[i]) * 6
    errored = float(app.outcome[i]) > 0.95 and end is not None
    return {
        "id": app.world.ids.encode(Kind.LIVESTREAM_SESSION, app.index, i),
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
def create_livestream(call: Call) -> tuple[int, Any]:
    app, body = call.a, call.body or {}
    ls_id = call.world.next_created_id(app.index)
    ls = _livestream(app, ls_id, None, body.get("name") or "Livestream", iso_z(call.now), "INVOKED")
    app.livestream_overrides[ls_id] = ls
    app.created_livestreams.append(ls_id)
    data = {
        k: ls[k]
        for k in (
            "disabled",
            "id",
            "ingest_server",
            "meeting_id",
            "name",
            "playback_url",
            "status",
            "stream_key",
        )
    }
    data["disabled"] = False
    return 201, {"success": True, "data": data}


@handles("livestreams.get_all_livestreams")
def list_livestreams(call: Call) -> tuple[int, Any]:
    q = call.query
    rows = [ls for ls in seeded_livestreams(call.a)]
    if q.get("exclude_meetings"):
        rows = [r for r in rows if not r["meeting_id"]]
    if q.get("status"):
        rows = [r for r in rows if r["status"] == q["status"]]
    if "start_time" in q or "end_time" in q:
        rows = [r for r in rows if in_range(call, parse_time(r["created_at"]))]
    rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=descending(call))
    items, paging = paged(call, rows)
    # The reference and the SDK type `data` as ONE livestream with a `paging` inside. Serve a
    # superset that both accept: the page's first livestream flattened into `data`, `paging`,
    # and the whole page under `livestreams` (which a client should prefer).
    data: dict[str, Any] = dict(items[0]) if items else {}
    data["paging"] = paging
    data["livestreams"] = items
    return ok(data)


def _require_meeting_livestream(call: Call) -> tuple[Meeting, dict[str, Any]]:
    meeting = get_meeting(call)
    app = call.a
    ls_id = app.world.ids.encode(Kind.LIVESTREAM, app.index, meeting.index)
    for ls in seeded_livestreams(app):
        if ls["id"] == ls_id or (ls.get("meeting_id") == meeting.record["id"]):
            return meeting, ls
    raise not_found("Livestream for meeting", call.path["meeting_id"])


@handles("livestreams.start_livestreaming_a_meeting")
def start_livestream(call: Call) -> tuple[int, Any]:
    app = call.a
    meeting = get_meeting(call)
    if active_session_index(app, meeting) is None:
        raise bad_request(f"meeting {call.path['meeting_id']} has no active session to stream")
    ls_id = app.world.ids.encode(Kind.LIVESTREAM, app.index, meeting.index)
    existing = next((ls for ls in seeded_livestreams(app) if ls["id"] == ls_id), None)
    if existing and existing["status"] in ("LIVE", "INVOKED"):
        raise ApiError(409, CODE_CONFLICT, "this meeting is already being livestreamed")
    body = call.body or {}
    ls = _livestream(
        app,
        ls_id,
        meeting.record["id"],
        body.get("name") or meeting.record.get("title", "") + " stream",
        existing["created_at"] if existing else iso_z(call.now),
        "LIVE",
    )
    ls["updated_at"] = iso_z(call.now)
    app.livestream_overrides[ls_id] = ls
    if existing is None and meeting.index >= 10_000:
        app.created_livestreams.append(ls_id)
    data = {k: ls[k] for k in ("id", "ingest_server", "playback_url", "stream_key")}
    return 201, {"success": True, "data": {**data, "status": "INVOKED"}}


@handles("livestreams.stop_livestreaming_a_meeting")
def stop_livestream(call: Call) -> tuple[int, Any]:
    meeting, ls = _require_meeting_livestream(call)
    if ls["status"] not in ("LIVE", "INVOKED"):
        raise bad_request(f"meeting {call.path['meeting_id']} is not being livestreamed")
    stopped = {**ls, "status": "IDLE", "updated_at": iso_z(call.now)}
    call.a.livestream_overrides[ls["id"]] = stopped
    return ok({"message": "Stopped live stream successfully"})


@handles("livestreams.get_meeting_active_livestreams")
def read_meeting_active_livestream(call: Call) -> tuple[int, Any]:
    _, ls = _require_meeting_livestream(call)
    if ls["status"] != "LIVE":
        raise not_found("Active livestream for meeting", call.path["meeting_id"])
    return ok(ls)


@handles("livestreams.get_livestream_session_details_for_session_id")
def read_livestream_session(call: Call) -> tuple[int, Any]:
    app = call.a
    wanted = call.path["livestream_session_id"]
    address = call.world.ids.decode(wanted)
    if address and address.kind == Kind.LIVESTREAM_SESSION and address.app == app.index:
        i = address.index
        if i < app.session_count:
            meeting = app.meeting_by_index(int(app.meeting_idx[i]))
            if meeting.kind.livestream:
                ls_id = app.world.ids.encode(Kind.LIVESTREAM, app.index, meeting.index)
                return ok(livestream_session_record(app, ls_id, i))
    raise not_found("Livestream session", wanted)


@handles("livestreams.get_active_livestreams_for_livestream_id")
def read_active_livestream_session(call: Call) -> tuple[int, Any]:
    ls = get_livestream(call)
    sessions = [s for s in livestream_sessions(call.a, ls) if s["stopped_time"] is None]
    if ls["status"] != "LIVE" or not sessions:
        raise not_found("Active session of livestream", call.path["livestream_id"])
    # Here alone the reference and the SDK type the second counts as strings: serve them so.
    session = dict(sessions[-1])
    for key in ("ingest_seconds", "viewer_seconds"):
        session[key] = str(session[key])
    return ok({"livestream": ls, "session": session})


@handles("livestreams.get_livestream_session_for_livestream_id")
def read_livestream(call: Call) -> tuple[int, Any]:
    ls = get_livestream(call)
    sessions = sorted(livestream_sessions(call.a, ls), key=lambda s: s["created_at"], reverse=True)
    items, paging = paged(call, sessions)
    # As with the livestream list: `session` is the page's first (the typed shape), and
    # `sessions` the whole page.
    return ok(
        {
            "livestream": ls,
            "paging": paging,
            "session": items[0] if items else None,
            "sessions": items,
        }
    )


def _livestream_window(call: Call) -> tuple[dt.datetime, dt.datetime]:
    start = call.query.get("start_time") or (call.now - dt.timedelta(days=30))
    end = call.query.get("end_time") or call.now
    if end < start:
        raise bad_request("end_time must not be before start_time")
    return start, end


def _livestream_sessions_between(
    call: Call, start: dt.datetime, end: dt.datetime
) -> list[dict[str, Any]]:
    out = []
    for ls in seeded_livestreams(call.a):
        for s in livestream_sessions(call.a, ls):
            began = parse_time(s["started_time"])
            if began is not None and start <= began <= end:
                out.append(s)
    return out


@handles("livestreams.get_livestream_analytics_complete")
def livestream_overall(call: Call) -> tuple[int, Any]:
    start, end = _livestream_window(call)
    sessions = _livestream_sessions_between(call, start, end)
    return ok(
        {
            "count": len(sessions),
            "total_ingest_seconds": int(sum(s["ingest_seconds"] for s in sessions)),
            "total_viewer_seconds": int(sum(s["viewer_seconds"] for s in sessions)),
        }
    )


@handles("livestreams.get_livestream_analytics_daywise")
def livestream_daywise(call: Call) -> tuple[int, Any]:
    start, end = _livestream_window(call)
    days: dict[str, list[dict[str, Any]]] = {}
    day = start.date()
    while day <= end.date():
        days[day.isoformat()] = []
        day += dt.timedelta(days=1)
    for s in _livestream_sessions_between(call, start, end):
        days.setdefault(s["started_time"][:10], []).append(s)
    return ok(
        [
            {
                "count": len(items),
                "date": date,
                "total_ingest_seconds": int(sum(s["ingest_seconds"] for s in items)),
                "total_viewer_seconds": int(sum(s["viewer_seconds"] for s in items)),
            }
            for date, items in days.items()
        ]
    )


@handles("livestreams.get_org_analytics", "analytics.get_org_analytics")
def daywise(call: Call) -> tuple[int, Any]:
    app, q = call.a, call.query
    end_date = q.get("end_date") or call.now.date()
    start_date = q.get("start_date") or (end_date - dt.timedelta(days=29))
    if end_date < start_date:
        raise bad_request("end_date must not be before start_date")
    first = dt.datetime.combine(start_date, dt.time(), dt.UTC).timestamp()
    stop = dt.datetime.combine(end_date + dt.timedelta(days=1), dt.time(), dt.UTC).timestamp()
    chosen = np.nonzero((app.start_ts >= first) & (app.start_ts < stop))[0]
    n_days = (end_date - start_date).days + 1
    session_days = [[0, 0.0] for _ in range(n_days)]
    for i in chosen:
        d = int((app.start_ts[i] - first) // 86400)
        session_days[d][0] += 1
        session_days[d][1] += app.session_summary(int(i))[0]
    recording_days = [[0, 0.0] for _ in range(n_days)]
    for record in all_recordings(app):
        invoked = parse_time(record["invoked_time"])
        assert invoked is not None
        if first <= invoked.timestamp() < stop:
            d = int((invoked.timestamp() - first) // 86400)
            recording_days[d][0] += 1
            recording_days[d][1] += (record["recording_duration"] or 0) / 60
    labels = [(start_date + dt.timedelta(days=d)).isoformat() for d in range(n_days)]
    return ok(
        {
            "recording_stats": {
                "day_stats": [
                    # Whole minutes per day (the SDK types this one as an integer).
                    {"day": label, "total_recording_minutes": round(m), "total_recordings": n}
                    for label, (n, m) in zip(labels, recording_days, strict=True)
                ],
                "recording_count": sum(n for n, _ in recording_days),
                "recording_minutes_consumed": round(sum(m for _, m in recording_days), 2),
            },
            "session_stats": {
                "day_stats": [
                    {"day": label, "total_session_minutes": round(m, 2), "total_sessions": n}
                    for label, (n, m) in zip(labels, session_days, strict=True)
                ],
                "sessions_count": sum(n for n, _ in session_days),
                "sessions_minutes_consumed": round(sum(m for _, m in session_days), 2),
            },
        }
    )
