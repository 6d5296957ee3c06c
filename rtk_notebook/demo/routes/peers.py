"""Session participants: one join each, whose id is its peer id; their details and peer
reports (the simulated call quality, from ``demo/netsim``)."""

from __future__ import annotations

from typing import Any

from rtk_notebook.demo.routes.common import Answer, ApiError, Call, handles, ok
from rtk_notebook.demo.routes.sessions import session_index_in_path
from rtk_notebook.demo.wire import sample_rows
from rtk_notebook.demo.world import AppWorld, Join
from rtk_notebook.spec.endpoints import iso_z

# The parts of peer_stats a `filters` query may leave out (quality_stats is a key of its own).
OPTIONAL_SECTIONS = ("device_info", "ip_information", "precall_network_information", "events")


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
def list_session_participants(call: Call) -> Answer:
    app, query = call.app, call.query
    joins = app.joins(session_index_in_path(call))
    rows = [participant_record(app, join) for join in joins]
    if query.get("include_peer_events"):
        for row, join in zip(rows, joins, strict=True):
            row["peer_events"] = peer_events(join)
    if query.get("view") == "consolidated":
        rows = _consolidate(rows)
    search = (query.get("search") or "").lower()
    if search:
        rows = [
            r
            for r in rows
            if search in r["display_name"].lower() or search in r["custom_participant_id"]
        ]
    key = "duration" if query.get("sort_by") == "duration" else "joined_at"
    rows.sort(key=lambda r: (r[key], r["id"]), reverse=call.descending(default=False))
    items, paging = call.page(rows)
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


@handles("sessions.get_session_participant_details")
def read_session_participant(call: Call) -> Answer:
    index = session_index_in_path(call)
    for join in call.app.joins(index):
        if join.peer_id == call.path["participant_id"]:
            return _peer_details(call, join, report=False)
    raise ApiError.not_found("Participant", call.path["participant_id"])


@handles("sessions.get_participant_data_from_peer_id")
def read_peer_report(call: Call) -> Answer:
    found = call.app.find_join(call.path["peer_id"])
    if found is None:
        raise ApiError.not_found("Peer", call.path["peer_id"])
    return _peer_details(call, found[1], report=True)


def _peer_details(call: Call, join: Join, *, report: bool) -> Answer:
    """A participant with its stats: as the peer-report endpoint answers (``report``, with
    the full time series and the role) or as the participant-details endpoint does."""
    app = call.app
    sim = app.peer_sim(join)
    sections = set(call.query.get("filters") or (*OPTIONAL_SECTIONS, "quality_stats"))
    record = participant_record(app, join)
    if report:  # the samples go out as JSON written from their columns
        record["peer_report"] = {"metadata": sim.metadata, "quality": sim.quality(sample_rows)}
    stats = sim.peer_stats_report if report else sim.peer_stats_participant
    record["peer_stats"] = {
        k: v for k, v in stats.items() if k not in OPTIONAL_SECTIONS or k in sections
    }
    if "quality_stats" in sections:
        record["quality_stats"] = (
            sim.quality_stats_report if report else sim.quality_stats_participant
        )
    if report:
        record["role"] = join.preset_name
    if call.query.get("include_peer_events"):
        record["peer_events"] = peer_events(join)
    return ok({"participant": record})
