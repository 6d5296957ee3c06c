"""JSON records to typed DataFrames, through one declared schema per resource.

Modelled on google-cloud-bigquery's ``_pandas_helpers``: a frame is built column by column
from a declared schema (the values pulled out of the records in C, a chunk of records at a
time, then one dtype conversion per column), never one pydantic object per row. So an empty
result still has every column with its dtype, and ``df.groupby("status", observed=False)``
shows every known status.

Conventions (``docs/architecture.md``, "Conventions for DataFrames"):

- one row per API object; column names are the API's field names, nested objects flattened
  with ``_`` (``meeting_title``, ``start_reason_caller_name``);
- ``kind`` -> dtype: id/text -> ``string`` (``pd.NA`` when missing); category -> ``category``
  (with the API's known values as categories where it has an enum, values the server adds
  appended as extra categories); datetime -> ``datetime64[ns, UTC]`` (placeholders and
  malformed strings become ``NaT``); int -> ``Int64``; float -> ``float64``; bool ->
  ``boolean``; object -> python objects (lists); timedelta -> ``timedelta64[ns]`` (derived,
  ``_td`` suffix);
- tolerant of the server: fields it adds are kept as extra columns after the declared ones
  (flattened with ``_``, dtype inferred), missing fields are NA, values that do not parse are
  NA, records that are not JSON objects are skipped with a ``RuntimeWarning``;
- secrets the API returns (participant ``token``, livestream ``stream_key``, storage
  ``access_key``/``secret``/``password``/``private_key``, pre-signed links such as
  ``download_url``, and any URL whose query carries a signature or token) are masked unless
  ``reveal_secrets=True``, as :func:`rtk_notebook.secrets.mask_secrets` masks them.

Public: :class:`Column`, :data:`SCHEMAS`, :data:`DERIVATIONS`, :func:`to_frame`,
:func:`empty_frame`, :func:`describe_columns`, :func:`flatten`, :func:`daywise_records`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from rtk_notebook.secrets import (
    is_link_key,
    is_secret_key,
    mask,
    mask_secrets,
    mask_text,
    mask_url,
    may_hold_urls,
    reveal_flag,
)

__all__ = [
    "DERIVATIONS",
    "KINDS",
    "SCHEMAS",
    "Column",
    "daywise_records",
    "describe_columns",
    "empty_frame",
    "flatten",
    "to_frame",
]

KINDS = ("id", "text", "category", "datetime", "int", "float", "bool", "object", "timedelta")

# --------------------------------------------------------------------------------------------
# Schema declarations
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One declared column of a resource's frame.

    ``source`` is the dotted path of the value in a record (``"meeting.title"``); by default
    the column's own name as a top-level key. ``categories`` (category kind only) are the
    API's known enum values, in display order; ``None`` means "whatever values occur".
    ``derive`` names a function in :data:`DERIVATIONS` that computes the column from the
    frame's other columns (such a column has no ``source``).
    """

    name: str
    kind: str
    doc: str = ""
    source: str | None = None
    categories: tuple[str, ...] | None = None
    derive: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: unknown kind {self.kind!r} (one of {KINDS})")
        if self.categories is not None and self.kind != "category":
            raise ValueError(f"column {self.name!r}: categories given for kind {self.kind!r}")
        if self.derive is not None and self.source is not None:
            raise ValueError(f"column {self.name!r}: a derived column has no source")

    @property
    def path(self) -> tuple[str, ...] | None:
        """Keys leading to the value in a record (``None`` for a derived column)."""
        if self.derive is not None:
            return None
        return tuple(self.source.split(".")) if self.source else (self.name,)

    @property
    def dtype(self) -> Any:
        """The pandas dtype of this column (categories of an open enum depend on the data)."""
        if self.kind == "category":
            if self.categories is None:
                return pd.CategoricalDtype()
            return _categorical_dtype(self.categories)
        return _DTYPES[self.kind]


_DTYPES: dict[str, Any] = {
    "id": pd.StringDtype(na_value=pd.NA),  # what the "string" alias means
    "text": pd.StringDtype(na_value=pd.NA),
    "datetime": pd.DatetimeTZDtype("ns", "UTC"),
    "int": pd.Int64Dtype(),
    "float": np.dtype("float64"),
    "bool": pd.BooleanDtype(),
    "object": np.dtype("object"),
    "timedelta": np.dtype("timedelta64[ns]"),
}
_STRING = _DTYPES["text"]

_CATEGORICAL_CACHE: dict[tuple[str, ...], pd.CategoricalDtype] = {}


def _categorical_dtype(categories: tuple[str, ...]) -> pd.CategoricalDtype:
    """One shared (unordered) CategoricalDtype per set of known values."""
    dtype = _CATEGORICAL_CACHE.get(categories)
    if dtype is None:
        dtype = _CATEGORICAL_CACHE[categories] = pd.CategoricalDtype(list(categories))
    return dtype


# Derived columns: name -> function of the frame built so far (declared columns only).


def _elapsed(start: str, end: str) -> Callable[[pd.DataFrame], pd.Series]:
    def derive(frame: pd.DataFrame) -> pd.Series:
        return frame[end] - frame[start]

    derive.__doc__ = f"{end} - {start} (NaT while either is missing)"
    return derive


def _seconds(column: str) -> Callable[[pd.DataFrame], pd.Series]:
    def derive(frame: pd.DataFrame) -> pd.Series:
        seconds = frame[column].astype("float64")
        # Beyond about +-292 years a timedelta64[ns] overflows: treat such values as junk.
        seconds = seconds.where(np.isfinite(seconds) & (seconds.abs() < 9e9))
        return pd.to_timedelta(seconds, unit="s")

    derive.__doc__ = f"{column} (seconds) as a timedelta"
    return derive


DERIVATIONS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "session_duration": _elapsed("started_at", "ended_at"),
    "participant_stay": _elapsed("joined_at", "left_at"),
    "recording_duration": _seconds("recording_duration"),
}


def _c(name: str, kind: str, doc: str, source: str | None = None, **kw: Any) -> Column:
    return Column(name, kind, doc, source, **kw)


def _created_updated(what: str) -> tuple[Column, ...]:
    return (
        _c("created_at", "datetime", f"when the {what} was created (UTC)"),
        _c("updated_at", "datetime", f"when the {what} was last updated (UTC)"),
    )


_MEETING_STATUS = ("ACTIVE", "INACTIVE")
_SESSION_STATUS = ("LIVE", "ENDED")
_SESSION_TYPE = ("meeting", "livestream", "participant")
_RECORDING_STATUS = ("INVOKED", "RECORDING", "PAUSED", "UPLOADING", "UPLOADED", "ERRORED")
_LIVESTREAM_STATUS = ("INVOKED", "LIVE", "IDLE", "ERRORED")
_START_REASON = ("API_CALL", "RECORD_ON_START")
_STOP_REASON = ("API_CALL", "ALL_PEERS_LEFT", "INTERNAL_ERROR")
_CALLER_TYPE = ("ORGANIZATION", "USER")
_STORAGE_TYPE = ("aws", "azure", "digitalocean", "gcs", "sftp")
_AUTH_METHOD = ("KEY", "PASSWORD")


def _meeting_settings(prefix: str = "", source: str = "") -> tuple[Column, ...]:
    """A meeting's settings, top-level (meetings) or under ``meeting`` (recordings)."""

    def c(name: str, kind: str, doc: str, **kw: Any) -> Column:
        return _c(prefix + name, kind, doc, f"{source}.{name}" if source else None, **kw)

    return (
        c("record_on_start", "bool", "recording starts as soon as someone joins"),
        c("live_stream_on_start", "bool", "livestreaming starts as soon as someone joins"),
        c("persist_chat", "bool", "chat is kept for a week after the session"),
        c("summarize_on_end", "bool", "a transcript summary is generated when a session ends"),
        c(
            "session_keep_alive_time_in_secs",
            "int",
            "seconds a session stays alive after the last participant left",
        ),
    )


def _reason(which: str, reasons: tuple[str, ...]) -> tuple[Column, ...]:
    verb = "started" if which == "start" else "stopped"
    src = f"{which}_reason"
    return (
        _c(
            f"{src}_reason",
            "category",
            f"why the recording {verb}",
            f"{src}.reason",
            categories=reasons,
        ),
        _c(
            f"{src}_caller_type",
            "category",
            f"who {verb} it: the app (ORGANIZATION) or a user",
            f"{src}.caller.type",
            categories=_CALLER_TYPE,
        ),
        _c(
            f"{src}_caller_name",
            "text",
            f"name of the app or user that {verb} it",
            f"{src}.caller.name",
        ),
        _c(
            f"{src}_caller_user_Id",
            "id",
            f"id of the app or user that {verb} it (API's casing)",
            f"{src}.caller.user_Id",
        ),
    )


SCHEMAS: dict[str, tuple[Column, ...]] = {
    "apps": (
        _c("id", "id", "app id"),
        _c("name", "text", "app name"),
        _c("created_at", "datetime", "when the app was created (UTC)"),
    ),
    "meetings": (
        _c("id", "id", "meeting id"),
        _c("title", "text", "meeting title"),
        _c(
            "status",
            "category",
            "ACTIVE, or INACTIVE (nobody can join)",
            categories=_MEETING_STATUS,
        ),
        *_created_updated("meeting"),
        *_meeting_settings(),
    ),
    "meeting_participants": (
        _c("id", "id", "participant id (the roster entry; a session's user_id)"),
        _c("custom_participant_id", "id", "the caller's own id for this participant"),
        _c("name", "text", "participant name"),
        _c("preset_name", "category", "preset (role) the participant joins with"),
        _c("picture", "text", "URL of the participant's picture"),
        _c("token", "text", "auth token to join with (masked unless reveal_secrets=True)"),
        *_created_updated("participant"),
    ),
    "presets": (
        _c("id", "id", "preset id"),
        _c("name", "text", "preset name (the preset_name participants carry)"),
        *_created_updated("preset"),
    ),
    "sessions": (
        _c("id", "id", "session id"),
        _c("associated_id", "id", "id of the meeting this session belongs to"),
        _c("meeting_display_name", "text", "meeting title at the time of the session"),
        _c(
            "type",
            "category",
            "meeting, livestream or participant session",
            categories=_SESSION_TYPE,
        ),
        _c("status", "category", "LIVE while running, then ENDED", categories=_SESSION_STATUS),
        _c("started_at", "datetime", "when the session started (UTC)"),
        _c("ended_at", "datetime", "when the session ended (UTC; NaT while live)"),
        _c(
            "duration_td",
            "timedelta",
            "ended_at - started_at (NaT while live)",
            derive="session_duration",
        ),
        _c(
            "minutes_consumed",
            "float",
            "participant-minutes consumed so far (API's own; sum over participants, not wall time)",
        ),
        _c("live_participants", "int", "participants in the session now"),
        _c("max_concurrent_participants", "int", "most participants at once"),
        _c("organization_id", "id", "id of the app that hosted the session"),
        _c("breakout_rooms", "object", "breakout rooms (list, as sent)"),
        *_created_updated("session"),
    ),
    "session_participants": (
        _c("id", "id", "participant id in this session (the peer id of its peer report)"),
        _c("user_id", "id", "the meeting participant (roster entry) who joined"),
        _c("custom_participant_id", "id", "the caller's own id for this participant"),
        _c("display_name", "text", "name shown in the session"),
        _c("preset_name", "category", "preset (role) the participant joined with"),
        _c("joined_at", "datetime", "when the participant joined (UTC)"),
        _c("left_at", "datetime", "when the participant left (UTC; NaT while in the session)"),
        _c("duration", "float", "minutes the participant stayed (API's own)"),
        _c(
            "stay_td",
            "timedelta",
            "left_at - joined_at (NaT while in the session)",
            derive="participant_stay",
        ),
        *_created_updated("participant"),
    ),
    "recordings": (
        _c("id", "id", "recording id"),
        _c("session_id", "id", "the session recorded"),
        _c("meeting_id", "id", "the meeting recorded", "meeting.id"),
        _c("meeting_title", "text", "title of the meeting recorded", "meeting.title"),
        _c("status", "category", "recording lifecycle status", categories=_RECORDING_STATUS),
        _c("invoked_time", "datetime", "when the recording was asked for (UTC)"),
        _c("started_time", "datetime", "when recording actually started (UTC)"),
        _c("stopped_time", "datetime", "when recording stopped (UTC; NaT until it has)"),
        _c("recording_duration", "float", "seconds recorded (API's own)"),
        _c(
            "recording_duration_td",
            "timedelta",
            "recording_duration as a timedelta",
            derive="recording_duration",
        ),
        _c("file_size", "int", "size of the recording file, in bytes"),
        _c("output_file_name", "text", "file name of the recording"),
        _c("download_url", "text", "URL to download the recording"),
        _c("download_url_expiry", "datetime", "when download_url expires (UTC)"),
        _c("audio_download_url", "text", "URL to download the audio-only file, if any"),
        *_reason("start", _START_REASON),
        *_reason("stop", _STOP_REASON),
        _c(
            "meeting_status",
            "category",
            "status of the meeting recorded",
            "meeting.status",
            categories=_MEETING_STATUS,
        ),
        _c(
            "meeting_created_at",
            "datetime",
            "when the meeting was created (UTC)",
            "meeting.created_at",
        ),
        _c(
            "meeting_updated_at",
            "datetime",
            "when the meeting was last updated (UTC)",
            "meeting.updated_at",
        ),
        *_meeting_settings("meeting_", "meeting"),
        _c(
            "storage_config_type",
            "category",
            "own storage the file goes to, if any",
            "storage_config.type",
            categories=_STORAGE_TYPE,
        ),
        _c("storage_config_bucket", "text", "bucket of the own storage", "storage_config.bucket"),
        _c("storage_config_region", "text", "region of the own storage", "storage_config.region"),
        _c("storage_config_path", "text", "path in the bucket", "storage_config.path"),
        _c(
            "storage_config_auth_method",
            "category",
            "SFTP auth method",
            "storage_config.auth_method",
            categories=_AUTH_METHOD,
        ),
        _c("storage_config_host", "text", "SFTP host", "storage_config.host"),
        _c("storage_config_port", "int", "SFTP port", "storage_config.port"),
        _c("storage_config_username", "text", "SFTP user name", "storage_config.username"),
        _c(
            "storage_config_access_key",
            "text",
            "storage access key (masked)",
            "storage_config.access_key",
        ),
        _c("storage_config_secret", "text", "storage secret key (masked)", "storage_config.secret"),
        _c("storage_config_password", "text", "SFTP password (masked)", "storage_config.password"),
        _c(
            "storage_config_private_key",
            "text",
            "SFTP private key (masked)",
            "storage_config.private_key",
        ),
    ),
    "webhooks": (
        _c("id", "id", "webhook id"),
        _c("name", "text", "webhook name"),
        _c("url", "text", "URL the events are posted to"),
        _c("enabled", "bool", "whether events are being sent"),
        _c("events", "object", "event names subscribed to (list)"),
        *_created_updated("webhook"),
    ),
    "livestreams": (
        _c("id", "id", "livestream id"),
        _c("name", "text", "livestream name"),
        _c("meeting_id", "id", "the meeting streamed, if any"),
        _c("status", "category", "livestream status", categories=_LIVESTREAM_STATUS),
        _c("disabled", "bool", "whether the livestream is disabled (sent as a string)"),
        _c("ingest_server", "text", "RTMP(S) server the encoder sends to"),
        _c("stream_key", "text", "RTMP stream key (masked unless reveal_secrets=True)"),
        _c("playback_url", "text", "HLS playback URL"),
        *_created_updated("livestream"),
    ),
    "livestream_sessions": (
        _c("id", "id", "livestream session id"),
        _c("livestream_id", "id", "the livestream this session belongs to"),
        _c("invoked_time", "datetime", "when the session was asked for (UTC)"),
        _c("started_time", "datetime", "when streaming started (UTC)"),
        _c("stopped_time", "datetime", "when streaming stopped (UTC; NaT while live)"),
        _c("ingest_seconds", "float", "seconds of input streamed"),
        _c("viewer_seconds", "float", "seconds watched, summed over viewers"),
        _c("err_message", "text", "error message, if the session failed"),
        *_created_updated("livestream session"),
    ),
    "daywise": (
        _c("day", "datetime", "the day (UTC midnight)"),
        _c("total_sessions", "int", "sessions that day"),
        _c("total_session_minutes", "float", "session minutes that day (API's own)"),
        _c("total_recordings", "int", "recordings that day"),
        _c("total_recording_minutes", "float", "recording minutes that day (API's own)"),
    ),
}


def _check_schemas() -> None:
    for resource, columns in SCHEMAS.items():
        names = [c.name for c in columns]
        if len(set(names)) != len(names):
            raise ValueError(f"schema {resource!r} has duplicate column names")
        for col in columns:
            if col.derive is not None and col.derive not in DERIVATIONS:
                raise ValueError(f"{resource}.{col.name}: unknown derivation {col.derive!r}")


_check_schemas()


def _schema(resource: str) -> tuple[Column, ...]:
    try:
        return SCHEMAS[resource]
    except KeyError:
        known = ", ".join(SCHEMAS)
        raise ValueError(f"unknown resource {resource!r}; known: {known}") from None


# A trie of each schema's declared paths, to tell declared fields from the ones the server adds.
# node: key -> (declared as a leaf?, children)
_Node = dict[str, tuple[bool, "_Node"]]
_TRIES: dict[str, _Node] = {}


def _trie(resource: str) -> _Node:
    trie = _TRIES.get(resource)
    if trie is None:
        trie = {}
        for col in SCHEMAS[resource]:
            if col.path is None:
                continue
            node = trie
            for i, key in enumerate(col.path):
                leaf, children = node.get(key, (False, {}))
                last = i == len(col.path) - 1
                node[key] = (leaf or last, children)
                node = children
        _TRIES[resource] = trie
    return trie


# --------------------------------------------------------------------------------------------
# Flattening and the discovery of fields the schema does not declare
# --------------------------------------------------------------------------------------------


def flatten(record: Mapping[str, Any], sep: str = "_") -> dict[str, Any]:
    """``{"a": {"b": 1}, "c": [..]}`` -> ``{"a_b": 1, "c": [..]}``.

    Nested dicts are flattened with ``sep``; an empty dict contributes no key (as in
    ``pd.json_normalize``); lists and every other value are kept as they are.
    """
    out: dict[str, Any] = {}

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        for key, value in node.items():
            name = f"{prefix}{key}"
            if isinstance(value, Mapping):
                walk(value, name + sep)
            else:
                out[name] = value

    walk(record, "")
    return out


_NONE = type(None)
_TEXT_TYPES = frozenset({str, _NONE})

# A column's values on their way to a typed array: a list, or a 1-d object array (what
# :func:`_values` extracts).
_Values = list[Any] | np.ndarray


def _types(values: Iterable[Any]) -> set[type]:
    """The types of ``values`` (C speed: a set of ``map(type, ...)``)."""
    return set(map(type, values))


def _has_containers(types: set[type]) -> bool:
    return any(issubclass(t, (dict, list)) for t in types)


def _ordered_keys(dicts: Sequence[dict[str, Any]] | np.ndarray) -> list[str]:
    """Union of the keys of ``dicts``, in first-seen order.

    Cheap: the union is taken in C; records are walked in Python only until every key of
    the union has been seen, and records whose keys are all known are passed over in C.
    """
    if len(dicts) == 0:
        return []
    union = set().union(*dicts)
    ordered = dict.fromkeys(dicts[0])
    if len(ordered) < len(union):
        for d in dicts:
            if not d.keys() <= ordered.keys():
                ordered.update(dict.fromkeys(d))
                if len(ordered) == len(union):
                    break
    return list(ordered)


def _values(
    records: list[dict[str, Any]], path: tuple[str, ...], cache: dict[tuple[str, ...], np.ndarray]
) -> np.ndarray:
    """The value at ``path`` in every record (``None`` where absent), cached per path.

    An object array, filled by ``np.fromiter`` from a C-level ``map``: no list in between,
    whose filling, copying and freeing would each be one more pass over values scattered
    in memory.
    """
    values = cache.get(path)
    if values is None:
        key = path[-1]
        if len(path) == 1:
            values = np.fromiter(map(dict.get, records, repeat(key)), object, len(records))
        else:
            parents = _values(records, path[:-1], cache)
            try:
                values = np.fromiter(map(dict.get, parents, repeat(key)), object, len(parents))
            except TypeError:  # some parents are not dicts (None, mostly)
                values = _object_array(
                    [p.get(key) if isinstance(p, dict) else None for p in parents]
                )
        cache[path] = values
    return values


def _fill_top_level(
    records: list[dict[str, Any]],
    keys: Iterable[str],
    cache: dict[tuple[str, ...], np.ndarray],
    known_types: dict[tuple[str, ...], set[type]],
    *,
    plain: bool,
    scan: Iterable[str] = (),
) -> set[tuple[str, ...]]:
    """Put the values of top-level ``keys`` in ``cache``, as :func:`_values` would, faster,
    and the types of each column in ``known_types``. Returns the paths of the ``scan`` keys
    whose text holds no ``://``, so holds no URL to mask (read while the chunk is in cache).

    A chunk of records at a time, all keys: the chunk's records and values stay in the
    CPU's cache from one key to the next and while their types are read. Key by key over
    all the records, every pass would fetch them from memory again (the records are
    scattered in it): that, more than the lookups, is the cost. Within a chunk, plain dicts
    give the keys every record so far has had with one ``itemgetter`` call each; other keys
    (and other dicts: a ``defaultdict`` would grow the keys it lacks) are read with
    ``dict.get``.
    """
    n = len(records)
    columns = {key: np.empty(n, dtype=object) for key in keys}
    types: dict[str, set[type]] = {key: set() for key in columns}
    common = list(columns) if plain else []  # every record seen so far has them
    sparse = [] if plain else list(columns)
    scanned = set(scan)
    linked: set[str] = set()  # scanned keys with ``://`` in some text
    for start in range(0, n, _CHUNK):
        rows = records[start : start + _CHUNK]
        parts: list[tuple[str, np.ndarray]] = []
        while len(common) > 1:
            try:
                parts = list(zip(common, _rows_of(rows, common).T, strict=True))
                break
            except KeyError as error:  # ``ended_at`` of a live session, say: a key to get
                common.remove(error.args[0])
                sparse.append(error.args[0])
        if len(common) == 1:  # itemgetter of one key gives a value, not a tuple
            sparse.append(common.pop())
        for key in sparse:
            parts.append((key, np.fromiter(map(dict.get, rows, repeat(key)), object, len(rows))))
        for key, part in parts:
            columns[key][start : start + len(rows)] = part
            values = part.tolist()  # a list iterates faster
            seen = set(map(type, values))
            types[key].update(seen)
            scan_it = str in seen and key in scanned and key not in linked
            if scan_it and _has_link_text(values, seen):
                linked.add(key)
    for key, column in columns.items():
        cache[(key,)] = column
        known_types[(key,)] = types[key]
    return {(key,) for key in scanned - linked}


def _has_link_text(values: list[Any], types: set[type]) -> bool:
    if types == {str}:
        return "://" in "".join(values)
    if types <= _TEXT_TYPES:
        return may_hold_urls(values)
    return any("://" in v for v in values if isinstance(v, str))


_NO_SCAN = frozenset({"id", "category", "datetime", "int", "float", "bool", "timedelta"})
_CHUNK = 1024  # records at a time: a few MB of records and values, kept in the CPU's cache


def _rows_of(rows: list[dict[str, Any]], keys: list[str]) -> np.ndarray:
    """The values of ``keys`` (two or more, which every row has): a row of them per row."""
    flat = chain.from_iterable(map(itemgetter(*keys), rows))  # lists stay elements
    values = np.fromiter(flat, dtype=object, count=len(rows) * len(keys))
    return values.reshape(len(rows), len(keys))


def _extra_columns(
    records: list[dict[str, Any]],
    keys: list[str],
    trie: _Node,
    cache: dict[tuple[str, ...], np.ndarray],
    known_types: dict[tuple[str, ...], set[type]],
) -> list[tuple[tuple[str, ...], _Values, set[type] | None]]:
    """The fields the schema does not declare, in first-seen order: ``(path, values, types)``
    (``types`` of the values, when known). ``keys``: the records' keys, in first-seen order.

    Only key sets are scanned, except under keys the schema does not know or declares as a
    parent (``meeting`` in recordings), where the values are looked at to find nested dicts.
    As in :func:`flatten`, a dict value goes to its children's columns: a key holding dicts
    in some records and scalars in others gives a column of the scalars (NA where a dict was)
    besides the children's; a key holding only dicts and nulls gives no column of its own.
    """
    found: list[tuple[tuple[str, ...], _Values, set[type] | None]] = []
    _walk_extra(records, cache, known_types, found, keys, trie, ())
    return found


def _walk_extra(
    records: list[dict[str, Any]],
    cache: dict[tuple[str, ...], np.ndarray],
    known_types: dict[tuple[str, ...], set[type]],
    found: list[tuple[tuple[str, ...], _Values, set[type] | None]],
    keys: list[str],
    node: _Node,
    prefix: tuple[str, ...],
) -> None:
    """:func:`_extra_columns` under ``prefix``, whose dict values have ``keys``.

    A module-level function, not a closure: a closure that calls itself is a reference
    cycle, which would keep the records and every extracted column alive until the next
    garbage collection.
    """
    for key in keys:
        path = (*prefix, key)
        leaf, children = node.get(key, (False, None))
        if leaf and not children:
            continue  # a declared field
        values = _values(records, path, cache)
        types = known_types.get(path)
        if types is None:
            types = _types(values)
        has_dict = any(issubclass(t, dict) for t in types)
        if has_dict:
            # Empty dicts add no keys, so a column of dicts alone needs no filtering.
            below = values if types == {dict} else [v for v in values if isinstance(v, dict)]
            below_keys = _ordered_keys(below)
            _walk_extra(records, cache, known_types, found, below_keys, children or {}, path)
        if children is not None:
            continue  # a declared parent: its scalars, if any, have no column
        if not has_dict:
            found.append((path, values, types))
        elif any(t is not _NONE and not issubclass(t, dict) for t in types):
            found.append((path, [None if isinstance(v, dict) else v for v in values], None))


# --------------------------------------------------------------------------------------------
# Conversions: a column of JSON values (list or object array) -> one typed array
# --------------------------------------------------------------------------------------------


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _as_text(value: Any, reveal: bool) -> str | None:
    if isinstance(value, str):
        return value
    if _is_missing(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(mask_secrets(value, reveal=reveal), default=str, ensure_ascii=False)
    return str(value)


def _mask_links(values: _Values) -> _Values:
    """Text values (or None) with their signed URLs masked; ``values`` itself when none may
    hold a URL, which one search in C over the joined text tells (the usual case)."""
    if not may_hold_urls(values):
        return values
    return [mask_text(v) if v and "://" in v else v for v in values]


def _to_string(values: _Values, types: set[type], reveal: bool, url_free: bool = False) -> Any:
    """A ``string`` array; ``url_free``: the text is known to hold no URL (nothing to mask
    but in the dicts and lists dumped to JSON text)."""
    if not types <= _TEXT_TYPES:
        values = [_as_text(v, reveal) for v in values]
    if not reveal and not url_free:
        values = _mask_links(values)
    # From an object array pandas builds the column about twice as fast as from a list, and
    # with copy=False it keeps the array (ours, used once) when it holds no None to replace.
    return pd.array(_object_array(values), dtype=_STRING, copy=False)


def _to_category(values: _Values, categories: tuple[str, ...] | None, reveal: bool) -> Any:
    # The distinct values are few: checking their types spares a pass over every value.
    try:
        present = set(values)
        text = _types(present) <= _TEXT_TYPES
    except TypeError:  # unhashable: dicts or lists, to be dumped to JSON text
        text = False
    if not text:
        values = [_as_text(v, reveal) for v in values]
        present = set(values)
    present.discard(None)
    if not reveal and may_hold_urls(present):  # a few distinct values: cheap to check
        masked = {v: mask_text(v) for v in present}
        values = [masked.get(v, v) for v in values]
        present = set(masked.values())
    if categories is None:
        dtype = pd.CategoricalDtype(sorted(present))
    elif present.issubset(categories):
        dtype = _categorical_dtype(categories)
    else:
        # Values the server added: kept, as extra categories after the known ones.
        dtype = pd.CategoricalDtype([*categories, *sorted(present.difference(categories))])
    # Codes straight from a dict lookup (C speed; None and absent -> -1, i.e. NaN).
    code_of = {value: code for code, value in enumerate(dtype.categories)}
    codes = np.fromiter(map(code_of.get, values, repeat(-1)), dtype=np.int32, count=len(values))
    return pd.Categorical.from_codes(codes, dtype=dtype)


_NS_MIN = pd.Timestamp.min.tz_localize("UTC")
_NS_MAX = pd.Timestamp.max.tz_localize("UTC")


def _timestamp_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return None  # numbers, objects: not a timestamp the API sends


def _to_datetime(values: _Values, types: set[type]) -> Any:
    if not types <= _TEXT_TYPES:
        values = [_timestamp_text(v) for v in values]
    # cache=False: pandas' cache (unique values, then a lookup per value) costs more than it
    # saves unless most values repeat, and API timestamps rarely do.
    parsed = pd.to_datetime(
        _object_array(values), utc=True, errors="coerce", format="ISO8601", cache=False
    )
    # min/max first: two reductions cost less than masks over every value.
    if len(parsed) and parsed.unit != "ns" and (parsed.min() < _NS_MIN or parsed.max() > _NS_MAX):
        parsed = parsed.where((parsed >= _NS_MIN) & (parsed <= _NS_MAX))
    return parsed.as_unit("ns").array


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _as_int(value: Any) -> int | None:
    kind = type(value)
    if kind is int:
        return value if _INT64_MIN <= value <= _INT64_MAX else None
    if kind is float:
        return _as_int(int(value)) if value.is_integer() else None
    if kind is str:
        text = value.strip()
        try:
            return _as_int(int(text))
        except ValueError:
            try:
                return _as_int(float(text))
            except ValueError:
                return None
    if isinstance(value, (np.integer, np.floating)):
        return _as_int(value.item())
    return None  # None, bools, objects


def _to_int(values: _Values, types: set[type]) -> Any:
    if types <= {int, _NONE}:
        try:
            # From a list: pandas is several times slower from an object array.
            return pd.array(_as_list(values), dtype="Int64")
        except (OverflowError, TypeError, ValueError):
            pass
    return pd.array([_as_int(v) for v in values], dtype="Int64")


def _as_float(value: Any) -> float:
    kind = type(value)
    if kind is float:
        return value
    if kind is int:
        try:
            return float(value)
        except OverflowError:
            return math.nan
    if kind is str:
        try:
            return float(value.strip())
        except ValueError:
            return math.nan
    if isinstance(value, (np.integer, np.floating)):
        return float(value)
    return math.nan  # None, bools, objects


def _to_float(values: _Values, types: set[type]) -> Any:
    if types <= {float, int, _NONE}:
        try:
            return np.array(values, dtype="float64")
        except (OverflowError, TypeError, ValueError):
            pass
    return np.array([_as_float(v) for v in values], dtype="float64")


_BOOL_TEXT = {"true": True, "false": False}


def _as_bool(value: Any) -> bool | None:
    if type(value) is bool:
        return value
    if isinstance(value, str):
        return _BOOL_TEXT.get(value.strip().lower())
    if isinstance(value, np.bool_):
        return bool(value)
    if type(value) is int and value in (0, 1):
        return bool(value)
    return None


def _to_bool(values: _Values, types: set[type]) -> Any:
    if not types <= {bool, _NONE}:
        values = [_as_bool(v) for v in values]
    return pd.array(_as_list(values), dtype="boolean")


def _as_list(values: _Values) -> list[Any]:
    return values.tolist() if isinstance(values, np.ndarray) else values


def _object_array(values: _Values) -> np.ndarray:
    """``values`` as a 1-d object array (lists stay elements, unlike with ``np.array``).

    An object array is passed through, not copied: every one that reaches a conversion was
    made by this module for that column alone (a path is converted once).
    """
    if isinstance(values, np.ndarray):
        return values
    return np.fromiter(values, dtype=object, count=len(values))


def _to_object(values: _Values, types: set[type], reveal: bool) -> np.ndarray:
    if not reveal and _has_containers(types):
        # Empty containers hold no secret: only non-empty ones go through mask_secrets.
        values = [mask_secrets(v) if v and isinstance(v, (dict, list)) else v for v in values]
    if not reveal and str in types:  # text among other values (numbers, lists...)
        values = [mask_text(v) if isinstance(v, str) else v for v in values]
    return _object_array(values)


def _as_timedelta(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return pd.Timedelta(seconds=value) if math.isfinite(value) and abs(value) < 9e9 else None
    return value if isinstance(value, (str, dt.timedelta)) else None


def _to_timedelta(values: _Values) -> Any:
    """Timedeltas from ``timedelta``s, strings pandas understands, or numbers of seconds."""
    cleaned = [_as_timedelta(v) for v in values]
    return (
        pd.to_timedelta(pd.Series(cleaned, dtype=object), errors="coerce")
        .astype("timedelta64[ns]")
        .array
    )


def _convert(
    kind: str,
    values: _Values,
    categories: tuple[str, ...] | None,
    reveal: bool,
    types: set[type] | None = None,
    url_free: bool = False,
) -> Any:
    """``values`` as an array of ``kind``; ``types``, the types of the values, if known;
    ``url_free``: their text is known to hold no URL."""
    if kind == "category":
        return _to_category(values, categories, reveal)  # looks at its distinct values only
    if kind == "timedelta":
        return _to_timedelta(values)
    if types is None:
        types = _types(values)
    if kind in ("id", "text"):
        return _to_string(values, types, reveal, url_free)
    if kind == "datetime":
        return _to_datetime(values, types)
    if kind == "int":
        return _to_int(values, types)
    if kind == "float":
        return _to_float(values, types)
    if kind == "bool":
        return _to_bool(values, types)
    return _to_object(values, types, reveal)


def _mask_column(values: _Values, key: str) -> _Values:
    """What ``mask_secrets`` does to these values by their key, had it walked the whole record.

    Masking record by record costs more than building the frame (about a second per 100k
    sessions), so it is done column by column, with the same result (tests check it; but
    declared ``id`` columns are not searched for URLs, which costs a pass over each): a
    scalar under a secret key is masked here, and so is the query of text under a download
    link key; dicts and lists, wherever they are, go through ``mask_secrets`` exactly once, in
    the conversion that meets them (objects kept as they are, or dumped to JSON text), or are
    dropped (numbers, timestamps); signed URLs in any other text are masked by the text,
    category and object conversions.
    """
    if is_secret_key(key):
        return [v if isinstance(v, (dict, list)) else mask(v) for v in values]
    if is_link_key(key):
        return [mask_url(v) if isinstance(v, str) else v for v in values]
    return values


def _masked_by_key(key: str) -> bool:
    """Whether :func:`_mask_column` masked the whole text of this key's values (a secret is
    ``****`` and four characters; a download link is cut at its first ``?``), so no signed
    URL is left in it to search for."""
    return is_secret_key(key) or is_link_key(key)


def _infer_kind(types: set[type]) -> str:
    """Kind of a column the schema does not declare, from the types of its values."""
    types = types - {_NONE}
    if not types:
        return "object"
    if types == {str}:
        return "text"
    if types == {bool}:
        return "bool"
    if types == {int}:
        return "int"
    if types <= {int, float}:
        return "float"
    return "object"


def _constant_kind(value: Any) -> str:
    if value is None or isinstance(value, str):
        return "text"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    if isinstance(value, (dt.datetime, dt.date)):
        return "datetime"
    if isinstance(value, dt.timedelta):
        return "timedelta"
    return "object"


# --------------------------------------------------------------------------------------------
# Frames
# --------------------------------------------------------------------------------------------


def to_frame(
    resource: str,
    records: Iterable[Mapping[str, Any]] | None,
    *,
    reveal_secrets: bool = False,
    extra: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """A typed DataFrame of ``records`` (JSON objects as the API sends them) of ``resource``.

    Columns: ``extra``'s constant columns first (e.g. ``{"session_id": sid}`` on a
    participants frame; a ``str`` gives a ``string`` column, a name the schema declares gets
    the declared dtype and replaces the record's field), then the schema's columns in order
    (see :func:`describe_columns`), then the fields the server sent that the schema does not
    declare, flattened with ``_`` in first-seen order (strings as ``string``, ints as
    ``Int64``, numbers as ``float64``, booleans as ``boolean``, anything else as objects).

    Tolerance: a missing field is NA. A value of the wrong type is NA in a number, boolean or
    timestamp column (ints accept ``3.0`` and ``"3"``, floats numeric strings, booleans
    ``"true"``/``"false"``; placeholders like ``"created_at"`` become NaT) and becomes text
    in a text or category column (``str()`` of a scalar, JSON of an object). A record that is
    not a JSON object is skipped, with a ``RuntimeWarning`` saying how many (a row of NA would
    only be noise). A single dict is taken as one record; ``None`` as no records.

    Secrets (participant tokens, stream keys, storage credentials, pre-signed download links
    and any URL whose query carries a signature or token) are masked like
    :func:`rtk_notebook.secrets.mask_secrets` does, unless ``reveal_secrets=True`` (a bool:
    anything else raises ``rtk_notebook.ValidationError``). One difference, for speed: the
    declared ``id`` columns (the API's ids) are not searched for URLs.

    ``df.attrs["rtk_resource"]`` is ``resource``.
    """
    reveal = reveal_flag(reveal_secrets)
    schema = _schema(resource)
    if records is None:
        records = []
    elif isinstance(records, Mapping):
        records = [records if isinstance(records, dict) else dict(records)]
    elif not isinstance(records, list):
        records = list(records)
    # Plain dicts, as json.loads gives (checked in C): nothing to filter, and itemgetter may
    # read them (see _fill_top_level).
    plain = _types(records) <= {dict}
    rows = records if plain else [r for r in records if isinstance(r, dict)]
    if len(rows) != len(records):
        warnings.warn(
            f"to_frame({resource!r}): skipped {len(records) - len(rows)} record(s) "
            "that are not JSON objects",
            RuntimeWarning,
            stacklevel=2,
        )
    n = len(rows)
    constants = dict(extra or {})
    declared = {c.name for c in schema}
    cache: dict[tuple[str, ...], np.ndarray] = {}  # values by path
    known_types: dict[tuple[str, ...], set[type]] = {}  # their types, where already read
    top_keys = _ordered_keys(rows)  # every top-level key of the records, in first-seen order
    top = [c.path[0] for c in schema if c.path is not None and c.name not in constants]
    keys = dict.fromkeys([*top, *top_keys])
    # Text that may hold a signed URL is looked for while _fill_top_level has it in the CPU's
    # cache (a pass of its own would fetch every string from memory again); not the API's ids,
    # nor text that becomes numbers or timestamps, nor categories (their distinct values are
    # checked, a few at most).
    unscanned = {c.path[0] for c in schema if c.path and len(c.path) == 1 and c.kind in _NO_SCAN}
    scan = [] if reveal else [k for k in keys if k not in unscanned]
    url_free = _fill_top_level(rows, keys, cache, known_types, plain=plain, scan=scan)
    data: dict[str, Any] = {}

    # 1. Constant columns the caller prepends.
    by_name = {c.name: c for c in schema}
    for name, value in constants.items():
        if not reveal and not isinstance(value, (dict, list)):  # containers: the conversion
            value = _mask_column([value], name)[0]
            value = mask_text(value) if isinstance(value, str) else value
        col = by_name.get(name)
        kind = col.kind if col is not None else _constant_kind(value)
        categories = col.categories if col is not None else None
        # url_free: the one value is masked already, no need to search n copies of it
        data[name] = _convert(kind, [value] * n, categories, reveal, url_free=True)

    # 2. Declared columns (derived ones once the others exist).
    derived: list[Column] = []
    for col in schema:
        if col.derive is not None:
            derived.append(col)
            continue
        if col.name in constants:
            continue
        path = col.path
        assert path is not None
        values: _Values = _values(rows, path, cache)
        secret = not reveal and is_secret_key(path[-1])
        if not reveal:
            values = _mask_column(values, path[-1])
        types = None if secret else known_types.get(path)  # masking secrets changes them
        # ids: the API's, never links; a masked column: nothing left to find
        free = col.kind == "id" or path in url_free or _masked_by_key(path[-1])
        data[col.name] = _convert(col.kind, values, col.categories, reveal, types, url_free=free)
    if derived:
        base = pd.DataFrame(
            {c.name: data[c.name] for c in schema if c.derive is None},
            index=pd.RangeIndex(n),
            copy=False,
        )
        for col in derived:
            if col.name in constants:
                continue
            result = DERIVATIONS[col.derive](base)  # type: ignore[index]
            data[col.name] = pd.Series(result).astype(col.dtype).array

    # 3. Fields the server sent that the schema does not declare.
    taken = declared | set(constants)
    for path, values, types in _extra_columns(rows, top_keys, _trie(resource), cache, known_types):
        name = "_".join(map(str, path))
        if name in taken:
            continue  # a declared column (or a constant) of that name wins
        taken.add(name)
        secret = not reveal and is_secret_key(path[-1])
        if not reveal:
            values = _mask_column(values, path[-1])
        if secret or types is None:
            types = _types(values)
        kind = _infer_kind(types)
        free = path in url_free or _masked_by_key(path[-1])
        data[name] = _convert(kind, values, None, reveal, types, url_free=free)

    order = dict.fromkeys([*constants, *(c.name for c in schema), *data])
    # copy=False: every array in ``data`` was built here for this frame alone.
    frame = pd.DataFrame({name: data[name] for name in order}, index=pd.RangeIndex(n), copy=False)
    frame.attrs["rtk_resource"] = resource
    return frame


def empty_frame(resource: str) -> pd.DataFrame:
    """A frame with no rows and every declared column with its dtype."""
    return to_frame(resource, [])


def describe_columns(resource: str) -> pd.DataFrame:
    """What each declared column of ``resource``'s frame is: ``name``, ``dtype``, ``doc``."""
    schema = _schema(resource)
    frame = pd.DataFrame(
        {
            "name": pd.array([c.name for c in schema], dtype=_STRING),
            "dtype": pd.array([str(c.dtype) for c in schema], dtype=_STRING),
            "doc": pd.array([c.doc for c in schema], dtype=_STRING),
        }
    )
    frame.attrs["rtk_resource"] = resource
    return frame


def daywise_records(data: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """One record per day from ``GET .../analytics/daywise``'s ``data``, sorted by day.

    Merges ``session_stats.day_stats`` (``total_sessions``, ``total_session_minutes``) with
    ``recording_stats.day_stats`` (``total_recordings``, ``total_recording_minutes``) on
    ``day``. Either list may be missing (its fields are then NA in the frame); a whole
    response envelope (``{"data": {...}}``) is accepted too. Entries without a ``day`` are
    kept as rows of their own.
    """
    if not isinstance(data, Mapping):
        return []
    if "session_stats" not in data and "recording_stats" not in data:
        inner = data.get("data")
        if isinstance(inner, Mapping):
            data = inner
    merged: dict[Any, dict[str, Any]] = {}
    undated: list[dict[str, Any]] = []
    for group in ("session_stats", "recording_stats"):
        stats = data.get(group)
        days = stats.get("day_stats") if isinstance(stats, Mapping) else None
        if not isinstance(days, list):
            continue
        for entry in days:
            if not isinstance(entry, dict):
                continue
            day = entry.get("day")
            if day is None or not isinstance(day, str):
                undated.append(dict(entry))
            else:
                merged.setdefault(day, {"day": day}).update(entry)
    return [*(merged[day] for day in sorted(merged)), *undated]
