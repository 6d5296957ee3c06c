"""Every RealtimeKit operation, declared once.

The table follows the official SDK's grouping and method names (``client.realtime_kit.<group>.
<name>``), and the API reference's paths and query parameters (with the SDK's extra ones).
Query parameters are typed here, so that the client can reject a bad value before sending it
(``encode_query``) and the demo server can answer 400 naming the parameter (``decode_query``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

PREFIX = "/accounts/{account_id}/realtime/kit"

ParamKind = Literal[
    "str",  # free text
    "int",  # page numbers and sizes
    "bool",  # sent as true/false
    "datetime",  # ISO 8601 instant; naive means UTC
    "date",  # YYYY-MM-DD
    "epoch_or_datetime",  # the SDK types some times as epoch seconds, the reference as ISO
    "enum",  # one of choices
    "enum_list",  # several of choices, sent as repeated parameters (comma-joined accepted too)
    "csv_enum",  # several of choices, sent comma-joined with no spaces (the API's `filters`)
]


class QueryError(ValueError):
    """A query parameter that the API would refuse; ``param`` names it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


@dataclass(frozen=True)
class Param:
    name: str
    kind: ParamKind = "str"
    choices: tuple[str, ...] = ()
    maximum: int | None = None  # for "int": the largest value the API takes


@dataclass(frozen=True)
class Endpoint:
    """One operation. ``group``/``name`` are the SDK's; ``path`` is the reference's."""

    group: str
    name: str
    method: str
    path: str
    title: str
    query: tuple[Param, ...] = ()
    in_sdk: bool = True
    path_params: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = tuple(re.findall(r"{([^}]+)}", self.path))
        object.__setattr__(self, "path_params", names)

    @property
    def key(self) -> str:
        return f"{self.group}.{self.name}"

    @property
    def has_body(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH")

    def param(self, name: str) -> Param | None:
        for p in self.query:
            if p.name == name:
                return p
        return None


# Query parameters shared by many operations.
PAGE = (Param("page_no", "int"), Param("per_page", "int", maximum=100))  # 100: the API's largest
TIME_RANGE = (Param("start_time", "datetime"), Param("end_time", "datetime"))
SORT_ORDER = Param("sort_order", "enum", ("ASC", "DESC"))
PEER_FILTERS = Param(
    "filters",
    "csv_enum",
    ("device_info", "ip_information", "precall_network_information", "events", "quality_stats"),
)
RECORDING_STATUSES = ("INVOKED", "RECORDING", "UPLOADING", "UPLOADED", "ERRORED", "PAUSED")
LIVESTREAM_STATUSES = ("LIVE", "IDLE", "ERRORED", "INVOKED")


def _endpoint(
    group: str, name: str, method: str, path: str, title: str, *query: Param, in_sdk: bool = True
) -> Endpoint:
    """One row of the table: ``path`` is below ``PREFIX``, the query parameters follow."""
    return Endpoint(group, name, method, PREFIX + path, title, tuple(query), in_sdk=in_sdk)


# fmt: off
ENDPOINTS: tuple[Endpoint, ...] = (
    # Apps
    _endpoint("apps", "get", "GET", "/apps", "Fetch all apps",
       *PAGE, Param("search"), SORT_ORDER),
    _endpoint("apps", "post", "POST", "/apps", "Create App"),
    # Meetings
    _endpoint("meetings", "get", "GET", "/{app_id}/meetings", "Fetch all meetings for an App",
       *PAGE, Param("search"), *TIME_RANGE, Param("status", "enum", ("ACTIVE", "INACTIVE"))),
    _endpoint("meetings", "create", "POST", "/{app_id}/meetings", "Create a meeting"),
    _endpoint("meetings", "get_meeting_by_id", "GET", "/{app_id}/meetings/{meeting_id}",
       "Fetch a meeting for an App", Param("name")),
    _endpoint("meetings", "update_meeting_by_id", "PATCH", "/{app_id}/meetings/{meeting_id}",
       "Update a meeting"),
    _endpoint("meetings", "replace_meeting_by_id", "PUT", "/{app_id}/meetings/{meeting_id}",
       "Replace a meeting"),
    _endpoint("meetings", "get_meeting_participants", "GET",
       "/{app_id}/meetings/{meeting_id}/participants", "Fetch all participants of a meeting",
       *PAGE),
    _endpoint("meetings", "add_participant", "POST", "/{app_id}/meetings/{meeting_id}/participants",
       "Add a participant"),
    _endpoint("meetings", "get_meeting_participant", "GET",
       "/{app_id}/meetings/{meeting_id}/participants/{participant_id}",
       "Fetch a participant's detail"),
    _endpoint("meetings", "edit_participant", "PATCH",
       "/{app_id}/meetings/{meeting_id}/participants/{participant_id}",
       "Edit a participant's detail"),
    _endpoint("meetings", "delete_meeting_participant", "DELETE",
       "/{app_id}/meetings/{meeting_id}/participants/{participant_id}", "Delete a participant"),
    _endpoint("meetings", "refresh_participant_token", "POST",
       "/{app_id}/meetings/{meeting_id}/participants/{participant_id}/token",
       "Refresh participant's authentication token"),
    # Presets
    _endpoint("presets", "get", "GET", "/{app_id}/presets", "Fetch all presets",
       *PAGE, Param("search")),
    _endpoint("presets", "create", "POST", "/{app_id}/presets", "Create a preset"),
    _endpoint("presets", "get_preset_by_id", "GET", "/{app_id}/presets/{preset_id}",
       "Fetch details of a preset"),
    _endpoint("presets", "delete", "DELETE", "/{app_id}/presets/{preset_id}", "Delete a preset"),
    _endpoint("presets", "update", "PATCH", "/{app_id}/presets/{preset_id}", "Update a preset"),
    _endpoint("presets", "replace_preset_by_id", "PUT", "/{app_id}/presets/{preset_id}",
       "Replace a preset (in the SDK, not in the reference)"),
    # Sessions
    _endpoint("sessions", "get_sessions", "GET", "/{app_id}/sessions", "Fetch all sessions of an App",
       Param("associated_id"), *TIME_RANGE, *PAGE, Param("participants"), Param("search"),
       Param("sort_by", "enum", ("minutesConsumed", "createdAt")), SORT_ORDER,
       Param("status", "enum", ("LIVE", "ENDED"))),
    _endpoint("sessions", "get_session_details", "GET", "/{app_id}/sessions/{session_id}",
       "Fetch details of a session", Param("include_breakout_rooms", "bool")),
    _endpoint("sessions", "get_session_participants", "GET",
       "/{app_id}/sessions/{session_id}/participants", "Fetch participants list of a session",
       Param("include_peer_events", "bool"), *PAGE, Param("search"),
       Param("sort_by", "enum", ("joinedAt", "duration")), SORT_ORDER,
       Param("view", "enum", ("raw", "consolidated"))),
    _endpoint("sessions", "get_session_participant_details", "GET",
       "/{app_id}/sessions/{session_id}/participants/{participant_id}",
       "Fetch details of a participant", PEER_FILTERS, Param("include_peer_events", "bool")),
    _endpoint("sessions", "get_session_chat", "GET", "/{app_id}/sessions/{session_id}/chat",
       "Fetch all chat messages of a session"),
    _endpoint("sessions", "get_session_transcripts", "GET", "/{app_id}/sessions/{session_id}/transcript",
       "Fetch the complete transcript for a session",
       Param("format", "enum", ("SRT", "VTT", "JSON", "CSV"))),
    _endpoint("sessions", "get_session_summary", "GET", "/{app_id}/sessions/{session_id}/summary",
       "Fetch summary of transcripts for a session"),
    _endpoint("sessions", "generate_summary_of_transcripts", "POST",
       "/{app_id}/sessions/{session_id}/summary", "Generate summary of Transcripts for the session"),
    _endpoint("sessions", "get_participant_data_from_peer_id", "GET",
       "/{app_id}/sessions/peer-report/{peer_id}", "Fetch details of peer",
       PEER_FILTERS, Param("include_peer_events", "bool")),
    # Recordings
    _endpoint("recordings", "get_recordings", "GET", "/{app_id}/recordings",
       "Fetch all recordings for an App",
       *TIME_RANGE, Param("expired", "bool"), Param("meeting_id"), *PAGE, Param("search"),
       Param("sort_by", "enum", ("invokedTime",)), SORT_ORDER,
       Param("status", "enum_list", RECORDING_STATUSES)),
    _endpoint("recordings", "start_recordings", "POST", "/{app_id}/recordings", "Start recording a meeting"),
    _endpoint("recordings", "get_active_recordings", "GET",
       "/{app_id}/recordings/active-recording/{meeting_id}", "Fetch active recording"),
    _endpoint("recordings", "get_one_recording", "GET", "/{app_id}/recordings/{recording_id}",
       "Fetch details of a recording"),
    _endpoint("recordings", "pause_resume_stop_recording", "PUT", "/{app_id}/recordings/{recording_id}",
       "Pause/Resume/Stop recording"),
    _endpoint("recordings", "start_track_recording", "POST", "/{app_id}/recordings/track",
       "Start recording audio and video tracks"),
    # Webhooks
    _endpoint("webhooks", "get_webhooks", "GET", "/{app_id}/webhooks", "Fetch all webhooks details"),
    _endpoint("webhooks", "create_webhook", "POST", "/{app_id}/webhooks", "Add a webhook"),
    _endpoint("webhooks", "get_webhook_by_id", "GET", "/{app_id}/webhooks/{webhook_id}",
       "Fetch details of a webhook"),
    _endpoint("webhooks", "replace_webhook", "PUT", "/{app_id}/webhooks/{webhook_id}", "Replace a webhook"),
    _endpoint("webhooks", "edit_webhook", "PATCH", "/{app_id}/webhooks/{webhook_id}", "Edit a webhook"),
    _endpoint("webhooks", "delete_webhook", "DELETE", "/{app_id}/webhooks/{webhook_id}",
       "Delete a webhook"),
    # Active session
    _endpoint("active_session", "get_active_session", "GET",
       "/{app_id}/meetings/{meeting_id}/active-session", "Fetch details of an active session"),
    _endpoint("active_session", "kick_participants", "POST",
       "/{app_id}/meetings/{meeting_id}/active-session/kick",
       "Kick participants from an active session"),
    _endpoint("active_session", "kick_all_participants", "POST",
       "/{app_id}/meetings/{meeting_id}/active-session/kick-all", "Kick all participants"),
    _endpoint("active_session", "create_poll", "POST", "/{app_id}/meetings/{meeting_id}/active-session/poll",
       "Create a poll"),
    # Livestreams
    _endpoint("livestreams", "create_independent_livestream", "POST", "/{app_id}/livestreams",
       "Create an independent livestream (in the reference, not in the SDK)", in_sdk=False),
    _endpoint("livestreams", "get_all_livestreams", "GET", "/{app_id}/livestreams", "Fetch all livestreams",
       *TIME_RANGE, Param("exclude_meetings", "bool"), *PAGE,
       # The SDK spells descending "DSC"; the server accepts both.
       Param("sort_order", "enum", ("ASC", "DESC", "DSC")),
       Param("status", "enum", LIVESTREAM_STATUSES)),
    _endpoint("livestreams", "stop_livestreaming_a_meeting", "POST",
       "/{app_id}/meetings/{meeting_id}/active-livestream/stop", "Stop livestreaming a meeting"),
    _endpoint("livestreams", "start_livestreaming_a_meeting", "POST",
       "/{app_id}/meetings/{meeting_id}/livestreams", "Start livestreaming a meeting"),
    _endpoint("livestreams", "get_livestream_analytics_complete", "GET",
       "/{app_id}/analytics/livestreams/overall",
       "Fetch complete analytics data for your livestreams",
       Param("start_time", "epoch_or_datetime"), Param("end_time", "epoch_or_datetime"),
       Param("filters")),
    _endpoint("livestreams", "get_livestream_analytics_daywise", "GET",
       "/{app_id}/analytics/livestreams/daywise",
       "Fetch day-wise livestream analytics (in the SDK, not in the reference)",
       Param("start_time", "epoch_or_datetime"), Param("end_time", "epoch_or_datetime"),
       Param("filters")),
    _endpoint("livestreams", "get_org_analytics", "GET", "/{app_id}/analytics/daywise",
       "Fetch day-wise session and recording analytics data for an App",
       Param("start_date", "date"), Param("end_date", "date")),
    _endpoint("livestreams", "get_meeting_active_livestreams", "GET",
       "/{app_id}/meetings/{meeting_id}/active-livestream", "Fetch active livestreams for a meeting"),
    _endpoint("livestreams", "get_livestream_session_details_for_session_id", "GET",
       "/{app_id}/livestreams/sessions/{livestream_session_id}",
       "Fetch livestream session details using livestream session ID"),
    _endpoint("livestreams", "get_active_livestreams_for_livestream_id", "GET",
       "/{app_id}/livestreams/{livestream_id}/active-livestream-session",
       "Fetch active livestream session details"),
    _endpoint("livestreams", "get_livestream_session_for_livestream_id", "GET",
       "/{app_id}/livestreams/{livestream_id}", "Fetch livestream details using livestream ID",
       *PAGE),
    # Analytics (the same operation as livestreams.get_org_analytics, as the SDK has it twice)
    _endpoint("analytics", "get_org_analytics", "GET", "/{app_id}/analytics/daywise",
       "Fetch day-wise session and recording analytics data for an App",
       Param("start_date", "date"), Param("end_date", "date")),
)
# fmt: on

# The reference writes this one path parameter with a dash; the SDK and this table use
# `livestream_session_id`. The URL is the same either way.
REFERENCE_PATH_ALIASES = {"{livestream-session-id}": "{livestream_session_id}"}


def body_path(path: str) -> str:
    """``path`` spelt as the request-body models are registered (``spec.bodies.BODY_MODELS``):
    with this table's parameter names where the reference spells one otherwise."""
    for reference, ours in REFERENCE_PATH_ALIASES.items():
        path = path.replace(reference, ours)
    return path


BY_KEY: dict[str, Endpoint] = {e.key: e for e in ENDPOINTS}


def _path_regex(path: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\{([^}]+)\\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", re.escape(path))
    return re.compile(pattern + "$")


# Literal segments must win over parameters (`sessions/peer-report/{peer_id}` over
# `sessions/{session_id}/...`, `recordings/track` over `recordings/{recording_id}`), so match
# the paths with more literal characters first.
_ROUTES: list[tuple[re.Pattern[str], Endpoint]] = sorted(
    ((_path_regex(e.path), e) for e in ENDPOINTS if e.group != "analytics"),
    key=lambda pe: -len(re.sub(r"{[^}]+}", "", pe[1].path)),
)


def find_endpoint(method: str, path: str) -> tuple[Endpoint, dict[str, str]] | None:
    """The operation that serves ``method path`` (a concrete path), and its path parameters."""
    for regex, endpoint in _ROUTES:
        if endpoint.method != method:
            continue
        m = regex.match(path)
        if m:
            return endpoint, m.groupdict()
    return None


def path_exists(path: str) -> bool:
    """Whether some operation has this path under another method (for a 405 rather than 404)."""
    return any(regex.match(path) for regex, _ in _ROUTES)


# ---------------------------------------------------------------------------------------------
# Query values: encoding on the client side, decoding on the server side.


def to_utc(value: Any, name: str) -> dt.datetime:
    """An aware UTC datetime from a datetime, date, pandas Timestamp or ISO string."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise QueryError(
                name, f"parameter '{name}' must be an ISO 8601 date or time (got {value!r})"
            ) from None
    else:
        to_pydatetime = getattr(value, "to_pydatetime", None)  # pandas.Timestamp, without pandas
        if to_pydatetime is None:
            raise QueryError(
                name, f"parameter '{name}' must be a datetime, date or ISO string (got {value!r})"
            )
        moment = to_pydatetime()
    if moment.tzinfo is None:  # naive means UTC, as documented
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def iso_z(moment: dt.datetime) -> str:
    """The API's timestamp format: UTC, milliseconds, `Z`."""
    if moment.tzinfo is dt.UTC:  # the demo writes the same few instants again and again
        return _iso_z_utc(moment)
    return _iso_z(moment)


@functools.lru_cache(maxsize=8192)
def _iso_z_utc(moment: dt.datetime) -> str:
    # Only for tzinfo UTC: there, equal datetimes are one instant (fold plays no part).
    return _iso_z(moment)


def _iso_z(moment: dt.datetime) -> str:
    utc = moment.astimezone(dt.UTC)
    if utc.year < 1000:  # strftime writes such a year unpadded, isoformat pads it
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    # isoformat truncates to milliseconds as the slice of %f does, at half strftime's cost.
    return utc.isoformat(timespec="milliseconds")[:-6] + "Z"


def _choices_text(choices: Iterable[str]) -> str:
    return ", ".join(repr(c) for c in choices)


def encode_query(endpoint: Endpoint, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Validate and serialise query arguments; raises QueryError naming the bad one."""
    out: list[tuple[str, str]] = []
    for name, value in values.items():
        if value is None:
            continue
        param = endpoint.param(name)
        if param is None:
            known = ", ".join(p.name for p in endpoint.query) or "none"
            raise QueryError(name, f"{endpoint.key} has no parameter '{name}' (it takes: {known})")
        out.extend((name, text) for text in _encode_value(param, value))
    return out


def _encode_value(param: Param, value: Any) -> list[str]:
    name, kind = param.name, param.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise QueryError(name, f"parameter '{name}' must be True or False (got {value!r})")
        return ["true" if value else "false"]
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise QueryError(name, f"parameter '{name}' must be a positive integer (got {value!r})")
        if param.maximum is not None and value > param.maximum:
            raise QueryError(
                name, f"parameter '{name}' must be between 1 and {param.maximum} (got {value})"
            )
        return [str(value)]
    if kind in ("datetime", "epoch_or_datetime"):
        return [iso_z(to_utc(value, name))]
    if kind == "date":
        if isinstance(value, str):
            try:
                return [dt.date.fromisoformat(value.strip()[:10]).isoformat()]
            except ValueError:
                raise QueryError(
                    name, f"parameter '{name}' must be a date like 2026-11-01 (got {value!r})"
                ) from None
        return [to_utc(value, name).date().isoformat()]
    if kind == "enum":
        _check_choice(param, value)
        return [value]
    if kind in ("enum_list", "csv_enum"):
        items = [value] if isinstance(value, str) else list(value)
        if isinstance(value, str) and kind == "csv_enum":
            items = [v for v in value.split(",") if v]
        for item in items:
            _check_choice(param, item)
        return list(items) if kind == "enum_list" else [",".join(items)]
    if not isinstance(value, str):
        raise QueryError(name, f"parameter '{name}' must be a string (got {type(value).__name__})")
    return [value]


def _check_choice(param: Param, value: Any) -> None:
    if value not in param.choices:
        raise QueryError(
            param.name,
            f"parameter '{param.name}' must be one of {_choices_text(param.choices)} "
            f"(got {value!r})",
        )


def decode_query(endpoint: Endpoint, items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Parse a request's query string into typed values, as the server reads it.

    Unknown parameters are ignored, as HTTP APIs do; known ones with bad values raise
    QueryError. Repeated parameters are kept only for list kinds.
    """
    raw: dict[str, list[str]] = {}
    for name, text in items:
        raw.setdefault(name, []).append(text)
    out: dict[str, Any] = {}
    for name, texts in raw.items():
        param = endpoint.param(name)
        if param is None:
            continue
        out[name] = _decode_value(param, texts)
    return out


def _decode_value(param: Param, texts: list[str]) -> Any:
    name, kind, text = param.name, param.kind, texts[-1]
    if kind == "bool":
        if text.lower() not in ("true", "false", "1", "0"):
            raise QueryError(name, f"'{name}' must be true or false")
        return text.lower() in ("true", "1")
    if kind == "int":
        try:
            number = float(text)
        except ValueError:
            raise QueryError(name, f"'{name}' must be a number") from None
        if number != int(number) or number < 1:
            raise QueryError(name, f"'{name}' must be a positive integer")
        return int(number)
    if kind == "datetime":
        return to_utc(text, name)
    if kind == "epoch_or_datetime":
        if re.fullmatch(r"\d+(\.\d+)?", text):
            seconds = float(text)
            seconds = seconds / 1000 if seconds > 1e11 else seconds  # milliseconds, by size
            return dt.datetime.fromtimestamp(seconds, dt.UTC)
        return to_utc(text, name)
    if kind == "date":
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            raise QueryError(name, f"'{name}' must be a date in YYYY-MM-DD format") from None
    if kind == "enum":
        _check_choice(param, text)
        return text
    if kind in ("enum_list", "csv_enum"):
        values = [v for t in texts for v in t.split(",") if v]
        for v in values:
            _check_choice(param, v)
        return values
    return text
