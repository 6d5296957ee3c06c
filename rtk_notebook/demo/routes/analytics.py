"""Analytics: livestream totals (overall and per day), and the app's sessions and recordings
per day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import numpy as np

from rtk_notebook.demo.routes.common import Answer, ApiError, Call, handles, ok, parse_time
from rtk_notebook.demo.routes.livestreams import all_livestreams, livestream_sessions
from rtk_notebook.demo.routes.recordings import all_recordings

DAY_S = 86400


def _livestream_window(call: Call) -> tuple[dt.datetime, dt.datetime]:
    start = call.query.get("start_time") or (call.now - dt.timedelta(days=30))
    end = call.query.get("end_time") or call.now
    if end < start:
        raise ApiError.bad_request("end_time must not be before start_time")
    return start, end


def _livestream_sessions_between(
    call: Call, start: dt.datetime, end: dt.datetime
) -> list[dict[str, Any]]:
    out = []
    for livestream in all_livestreams(call.app):
        for session in livestream_sessions(call.app, livestream):
            began = parse_time(session["started_time"])
            if began is not None and start <= began <= end:
                out.append(session)
    return out


def _seconds_totals(sessions: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "total_ingest_seconds": int(sum(s["ingest_seconds"] for s in sessions)),
        "total_viewer_seconds": int(sum(s["viewer_seconds"] for s in sessions)),
    }


@handles("livestreams.get_livestream_analytics_complete")
def livestream_overall(call: Call) -> Answer:
    window = _livestream_window(call)
    return ok(call.kept("analytics.livestreams", lambda: _livestream_overall(call, *window)))


def _livestream_overall(call: Call, start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    sessions = _livestream_sessions_between(call, start, end)
    return {"count": len(sessions), **_seconds_totals(sessions)}


@handles("livestreams.get_livestream_analytics_daywise")
def livestream_daywise(call: Call) -> Answer:
    window = _livestream_window(call)
    return ok(call.kept("analytics.livestreams_daywise", lambda: _livestream_days(call, *window)))


def _livestream_days(call: Call, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    days: dict[str, list[dict[str, Any]]] = {}
    day = start.date()
    while day <= end.date():
        days[day.isoformat()] = []
        day += dt.timedelta(days=1)
    for session in _livestream_sessions_between(call, start, end):
        days.setdefault(session["started_time"][:10], []).append(session)
    return [
        {"count": len(sessions), "date": date, **_seconds_totals(sessions)}
        for date, sessions in days.items()
    ]


@handles("livestreams.get_org_analytics", "analytics.get_org_analytics")
def org_daywise(call: Call) -> Answer:
    """Sessions and recordings per day, with their minutes, over start_date .. end_date
    (default: the last 30 days)."""
    query = call.query
    end_date = query.get("end_date") or call.now.date()
    start_date = query.get("start_date") or (end_date - dt.timedelta(days=29))
    if end_date < start_date:
        raise ApiError.bad_request("end_date must not be before start_date")
    return ok(call.kept("analytics.org", lambda: _org_days(call, start_date, end_date)))


def _org_days(call: Call, start_date: dt.date, end_date: dt.date) -> dict[str, Any]:
    app = call.app
    first = dt.datetime.combine(start_date, dt.time(), dt.UTC).timestamp()
    stop = dt.datetime.combine(end_date + dt.timedelta(days=1), dt.time(), dt.UTC).timestamp()
    day_count = (end_date - start_date).days + 1
    chosen = np.nonzero((app.start_ts >= first) & (app.start_ts < stop))[0]
    session_days = _per_day(
        day_count,
        first,
        ((float(app.start_ts[i]), app.session_summary(int(i))[0]) for i in chosen),
    )
    recording_days = _per_day(day_count, first, _recording_minutes(call, first, stop))
    labels = [(start_date + dt.timedelta(days=d)).isoformat() for d in range(day_count)]
    return {
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


def _recording_minutes(call: Call, first: float, stop: float) -> Iterable[tuple[float, float]]:
    """(invoked timestamp, minutes recorded) of each recording invoked in first .. stop."""
    for record in all_recordings(call.app):
        invoked = parse_time(record["invoked_time"])
        assert invoked is not None
        if first <= invoked.timestamp() < stop:
            yield invoked.timestamp(), (record["recording_duration"] or 0) / 60


def _per_day(
    day_count: int, first: float, items: Iterable[tuple[float, float]]
) -> list[tuple[int, float]]:
    """(count, summed minutes) per day from first, of (timestamp, minutes) items."""
    days = [[0, 0.0] for _ in range(day_count)]
    for timestamp, minutes in items:
        day = days[int((timestamp - first) // DAY_S)]
        day[0] += 1
        day[1] += minutes
    return [(int(n), float(m)) for n, m in days]
