"""Every table the package returns, declared once: its columns, their kinds, dtypes and docs.

A :class:`Schema` is plain data: a name, a one-line doc and its :class:`Column` s, each with a
``kind`` (one of :data:`COLUMN_KINDS`) that fixes its pandas dtype. The builders of
:mod:`rtk_notebook.frames.build` make every frame from one of these, so an empty result still
has every column with its dtype; ``describe_columns(name)`` shows any of them, and whatever
writes or reads these tables elsewhere (a store of history) goes through the same declarations.

- :data:`SCHEMAS`: the API's resources, built from its JSON records by ``to_frame`` (the lists
  ``kit.sessions()``... and ``kit.daywise()``);
- :data:`TABLES`: every table, those and the ones the package computes: the per-peer
  ``quality`` rows, a peer's ``summary``, ``findings`` and ``timeseries``, its report's raw
  ``peer_samples`` and the per-minute ``quality_stats``.

Nothing here imports the rest of the package, nor pandas until a dtype is asked for (the
models import these declarations, and ``import rtk_notebook`` does not load pandas): the
quality layer imports its tables' schemas and category values (verdicts, severities, media
kinds...) from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COLUMN_KINDS",
    "COMPUTATIONS",
    "DEVICE_COLUMNS",
    "DIRECTIONS",
    "DIRECTION_LABELS",
    "FORMER_NAMES",
    "LIMITATIONS",
    "LIMITATION_LABELS",
    "MEDIA_KINDS",
    "METRIC_COLUMNS",
    "PEOPLE_NAMES",
    "RULE_IDS",
    "RULE_LABELS",
    "SCHEMAS",
    "SEVERITIES",
    "TABLES",
    "TRACK_KINDS",
    "VERDICTS",
    "Column",
    "Schema",
    "table",
]

COLUMN_KINDS = (
    "id",
    "text",
    "category",
    "datetime",
    "int",
    "float",
    "bool",
    "object",
    "timedelta",
)

# --------------------------------------------------------------------------------------------
# Columns and schemas
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One declared column of a table.

    ``source`` is the dotted path of the value in an API record (``"meeting.title"``); by
    default the column's own name as a top-level key. ``categories`` (category kind only) are
    the known values, in display order (``ordered``: they rank, ``unknown < good < fair <
    poor``); ``None`` means "whatever values occur". ``computed_by`` names a function in
    :data:`COMPUTATIONS` that computes the column from the frame's other columns (such a
    column has no ``source``).
    """

    name: str
    kind: str
    doc: str = ""
    source: str | None = None
    categories: tuple[str, ...] | None = None
    computed_by: str | None = None
    ordered: bool = False

    def __post_init__(self) -> None:
        if self.kind not in COLUMN_KINDS:
            raise ValueError(
                f"column {self.name!r}: unknown kind {self.kind!r} (one of {COLUMN_KINDS})"
            )
        if self.categories is not None and self.kind != "category":
            raise ValueError(f"column {self.name!r}: categories given for kind {self.kind!r}")
        if self.ordered and self.categories is None:
            raise ValueError(f"column {self.name!r}: only known categories can be ordered")
        if self.computed_by is not None and self.source is not None:
            raise ValueError(f"column {self.name!r}: a computed column has no source")

    @property
    def path(self) -> tuple[str, ...] | None:
        """Keys leading to the value in a record (``None`` for a computed column)."""
        if self.computed_by is not None:
            return None
        return tuple(self.source.split(".")) if self.source else (self.name,)

    @property
    def dtype(self) -> Any:
        """The pandas dtype of this column (categories of an open enum depend on the data)."""
        if self.kind == "category":
            if self.categories is None:
                import pandas as pd

                return pd.CategoricalDtype()
            return categorical_dtype(self.categories, self.ordered)
        return kind_dtypes()[self.kind]


@dataclass(frozen=True)
class Schema:
    """One table: its ``name``, what it is (``doc``) and its ``columns``, in order.

    Iterates, indexes and measures like the tuple of its columns (``schema[0]``,
    ``len(schema)``); ``schema["mos"]`` is the column of that name.
    """

    name: str
    doc: str
    columns: tuple[Column, ...]

    def __post_init__(self) -> None:
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"schema {self.name!r} has duplicate column names")
        for col in self.columns:
            if col.computed_by is not None and col.computed_by not in COMPUTATIONS:
                raise ValueError(f"{self.name}.{col.name}: unknown computation {col.computed_by!r}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def dtypes(self) -> dict[str, Any]:
        """Column name -> pandas dtype (what a writer of this table converts to)."""
        return {c.name: c.dtype for c in self.columns}

    def __iter__(self) -> Iterator[Column]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    @overload
    def __getitem__(self, key: int) -> Column: ...
    @overload
    def __getitem__(self, key: str) -> Column: ...
    def __getitem__(self, key: int | str) -> Column:
        if isinstance(key, str):
            col = self.get(key)
            if col is None:
                raise KeyError(f"{self.name} has no column {key!r}")
            return col
        return self.columns[key]

    def get(self, name: str) -> Column | None:
        """The column of that name, or None."""
        return next((col for col in self.columns if col.name == name), None)

    def __contains__(self, name: object) -> bool:
        return name in self.names


@cache
def kind_dtypes() -> dict[str, Any]:
    """Column kind -> pandas dtype (categories aside: see :meth:`Column.dtype`)."""
    import numpy as np
    import pandas as pd

    string = pd.StringDtype(na_value=pd.NA)  # what the "string" alias means
    return {
        "id": string,
        "text": string,
        "datetime": pd.DatetimeTZDtype("ns", "UTC"),
        "int": pd.Int64Dtype(),
        "float": np.dtype("float64"),
        "bool": pd.BooleanDtype(),
        "object": np.dtype("object"),
        "timedelta": np.dtype("timedelta64[ns]"),
    }


@cache
def categorical_dtype(categories: tuple[str, ...], ordered: bool = False) -> pd.CategoricalDtype:
    """One shared CategoricalDtype per set of known values (and order)."""
    import pandas as pd

    return pd.CategoricalDtype(list(categories), ordered=ordered)


# Computed columns: name -> function of the frame built so far (declared columns only).


def _elapsed(start: str, end: str) -> Callable[[pd.DataFrame], pd.Series]:
    def compute(frame: pd.DataFrame) -> pd.Series:
        return frame[end] - frame[start]

    compute.__doc__ = f"{end} - {start} (NaT while either is missing)"
    return compute


def _seconds(column: str) -> Callable[[pd.DataFrame], pd.Series]:
    def compute(frame: pd.DataFrame) -> pd.Series:
        import numpy as np
        import pandas as pd

        seconds = frame[column].astype("float64")
        # Beyond about +-292 years a timedelta64[ns] overflows: treat such values as junk.
        seconds = seconds.where(np.isfinite(seconds) & (seconds.abs() < 9e9))
        return pd.to_timedelta(seconds, unit="s")

    compute.__doc__ = f"{column} (seconds) as a timedelta"
    return compute


COMPUTATIONS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "session_duration": _elapsed("started_at", "ended_at"),
    "participant_stay": _elapsed("joined_at", "left_at"),
    "recording_duration": _seconds("recording_duration"),
}

# --------------------------------------------------------------------------------------------
# The API's resources
# --------------------------------------------------------------------------------------------


def _created_updated(what: str) -> tuple[Column, ...]:
    return (
        Column("created_at", "datetime", f"when the {what} was created (UTC)"),
        Column("updated_at", "datetime", f"when the {what} was last updated (UTC)"),
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

    def setting(name: str, kind: str, doc: str) -> Column:
        return Column(prefix + name, kind, doc, f"{source}.{name}" if source else None)

    return (
        setting("record_on_start", "bool", "recording starts as soon as someone joins"),
        setting("live_stream_on_start", "bool", "livestreaming starts as soon as someone joins"),
        setting("persist_chat", "bool", "chat is kept for a week after the session"),
        setting(
            "summarize_on_end", "bool", "a transcript summary is generated when a session ends"
        ),
        setting(
            "session_keep_alive_time_in_secs",
            "int",
            "seconds a session stays alive after the last participant left",
        ),
    )


# Columns named for people where the API's flattened name is not (``stop_reason_reason``,
# ``..._caller_user_Id``): the API's field path -> the column's name. The builders read the
# path (a column's ``source``), so the API's fields still land in these columns, and
# ``describe_columns`` names the API's field in the column's doc.
PEOPLE_NAMES: dict[str, str] = {
    "start_reason.reason": "start_reason",
    "start_reason.caller.type": "started_by",
    "start_reason.caller.name": "started_by_name",
    "start_reason.caller.user_Id": "started_by_id",
    "stop_reason.reason": "stop_reason",
    "stop_reason.caller.type": "stopped_by",
    "stop_reason.caller.name": "stopped_by_name",
    "stop_reason.caller.user_Id": "stopped_by_id",
    "err_message": "error_message",
}

#: What those columns were called before (the API's path flattened with ``_``) -> their name:
#: files written then (a store's recordings) are read back under the new names.
FORMER_NAMES: dict[str, str] = {
    source.replace(".", "_"): name for source, name in PEOPLE_NAMES.items()
}


def _renamed(source: str, kind: str, doc: str, **options: Any) -> Column:
    """The column of the API's field ``source``, under its name in :data:`PEOPLE_NAMES`."""
    return Column(PEOPLE_NAMES[source], kind, f"{doc} (the API's {source})", source, **options)


def _reason(which: str, reasons: tuple[str, ...]) -> tuple[Column, ...]:
    verb = "started" if which == "start" else "stopped"
    key = f"{which}_reason"
    return (
        _renamed(f"{key}.reason", "category", f"why the recording {verb}", categories=reasons),
        _renamed(
            f"{key}.caller.type",
            "category",
            f"who {verb} it: the app (ORGANIZATION) or a user",
            categories=_CALLER_TYPE,
        ),
        _renamed(f"{key}.caller.name", "text", f"name of the app or user that {verb} it"),
        _renamed(f"{key}.caller.user_Id", "id", f"id of the app or user that {verb} it"),
    )


_API_SCHEMAS: tuple[Schema, ...] = (
    Schema(
        "apps",
        "The account's apps (``kit.apps()``).",
        (
            Column("id", "id", "app id"),
            Column("name", "text", "app name"),
            Column("created_at", "datetime", "when the app was created (UTC)"),
        ),
    ),
    Schema(
        "meetings",
        "The app's meetings (``kit.meetings()``).",
        (
            Column("id", "id", "meeting id"),
            Column("title", "text", "meeting title"),
            Column(
                "status",
                "category",
                "ACTIVE, or INACTIVE (nobody can join)",
                categories=_MEETING_STATUS,
            ),
            *_created_updated("meeting"),
            *_meeting_settings(),
        ),
    ),
    Schema(
        "meeting_participants",
        "A meeting's roster (``kit.meeting_participants(meeting_id)``).",
        (
            Column("id", "id", "participant id (the roster entry; a session's user_id)"),
            Column("custom_participant_id", "id", "the caller's own id for this participant"),
            Column("name", "text", "participant name"),
            Column("preset_name", "category", "preset (role) the participant joins with"),
            Column("picture", "text", "URL of the participant's picture"),
            Column("token", "text", "auth token to join with (masked unless reveal_secrets=True)"),
            *_created_updated("participant"),
        ),
    ),
    Schema(
        "presets",
        "The app's presets (``kit.presets()``).",
        (
            Column("id", "id", "preset id"),
            Column("name", "text", "preset name (the preset_name participants carry)"),
            *_created_updated("preset"),
        ),
    ),
    Schema(
        "sessions",
        "The app's sessions (``kit.sessions()``).",
        (
            Column("id", "id", "session id"),
            Column("associated_id", "id", "id of the meeting this session belongs to"),
            Column("meeting_display_name", "text", "meeting title at the time of the session"),
            Column(
                "type",
                "category",
                "meeting, livestream or participant session",
                categories=_SESSION_TYPE,
            ),
            Column(
                "status", "category", "LIVE while running, then ENDED", categories=_SESSION_STATUS
            ),
            Column("started_at", "datetime", "when the session started (UTC)"),
            Column("ended_at", "datetime", "when the session ended (UTC; NaT while live)"),
            Column(
                "duration_td",
                "timedelta",
                "ended_at - started_at (NaT while live)",
                computed_by="session_duration",
            ),
            Column(
                "minutes_consumed",
                "float",
                "participant-minutes consumed so far "
                "(API's own; sum over participants, not wall time)",
            ),
            Column("live_participants", "int", "participants in the session now"),
            Column("max_concurrent_participants", "int", "most participants at once"),
            Column("organization_id", "id", "id of the app that hosted the session"),
            Column("breakout_rooms", "object", "breakout rooms (list, as sent)"),
            *_created_updated("session"),
        ),
    ),
    Schema(
        "session_participants",
        "Every join of a session (``kit.session_participants(session_id)``).",
        (
            Column("id", "id", "participant id in this session (the peer id of its peer report)"),
            Column("user_id", "id", "the meeting participant (roster entry) who joined"),
            Column("custom_participant_id", "id", "the caller's own id for this participant"),
            Column("display_name", "text", "name shown in the session"),
            Column("preset_name", "category", "preset (role) the participant joined with"),
            Column("joined_at", "datetime", "when the participant joined (UTC)"),
            Column(
                "left_at", "datetime", "when the participant left (UTC; NaT while in the session)"
            ),
            Column("duration", "float", "minutes the participant stayed (API's own)"),
            Column(
                "stay_td",
                "timedelta",
                "left_at - joined_at (NaT while in the session)",
                computed_by="participant_stay",
            ),
            *_created_updated("participant"),
        ),
    ),
    Schema(
        "recordings",
        "The app's recordings (``kit.recordings()``).",
        (
            Column("id", "id", "recording id"),
            Column("session_id", "id", "the session recorded"),
            Column("meeting_id", "id", "the meeting recorded", "meeting.id"),
            Column("meeting_title", "text", "title of the meeting recorded", "meeting.title"),
            Column(
                "status", "category", "recording lifecycle status", categories=_RECORDING_STATUS
            ),
            Column("invoked_time", "datetime", "when the recording was asked for (UTC)"),
            Column("started_time", "datetime", "when recording actually started (UTC)"),
            Column("stopped_time", "datetime", "when recording stopped (UTC; NaT until it has)"),
            Column("recording_duration", "float", "seconds recorded (API's own)"),
            Column(
                "recording_duration_td",
                "timedelta",
                "recording_duration as a timedelta",
                computed_by="recording_duration",
            ),
            Column("file_size", "int", "size of the recording file, in bytes"),
            Column("output_file_name", "text", "file name of the recording"),
            Column("download_url", "text", "URL to download the recording"),
            Column("download_url_expiry", "datetime", "when download_url expires (UTC)"),
            Column("audio_download_url", "text", "URL to download the audio-only file, if any"),
            *_reason("start", _START_REASON),
            *_reason("stop", _STOP_REASON),
            Column(
                "meeting_status",
                "category",
                "status of the meeting recorded",
                "meeting.status",
                categories=_MEETING_STATUS,
            ),
            Column(
                "meeting_created_at",
                "datetime",
                "when the meeting was created (UTC)",
                "meeting.created_at",
            ),
            Column(
                "meeting_updated_at",
                "datetime",
                "when the meeting was last updated (UTC)",
                "meeting.updated_at",
            ),
            *_meeting_settings("meeting_", "meeting"),
            Column(
                "storage_config_type",
                "category",
                "own storage the file goes to, if any",
                "storage_config.type",
                categories=_STORAGE_TYPE,
            ),
            Column(
                "storage_config_bucket",
                "text",
                "bucket of the own storage",
                "storage_config.bucket",
            ),
            Column(
                "storage_config_region",
                "text",
                "region of the own storage",
                "storage_config.region",
            ),
            Column("storage_config_path", "text", "path in the bucket", "storage_config.path"),
            Column(
                "storage_config_auth_method",
                "category",
                "SFTP auth method",
                "storage_config.auth_method",
                categories=_AUTH_METHOD,
            ),
            Column("storage_config_host", "text", "SFTP host", "storage_config.host"),
            Column("storage_config_port", "int", "SFTP port", "storage_config.port"),
            Column("storage_config_username", "text", "SFTP user name", "storage_config.username"),
            Column(
                "storage_config_access_key",
                "text",
                "storage access key (masked)",
                "storage_config.access_key",
            ),
            Column(
                "storage_config_secret",
                "text",
                "storage secret key (masked)",
                "storage_config.secret",
            ),
            Column(
                "storage_config_password",
                "text",
                "SFTP password (masked)",
                "storage_config.password",
            ),
            Column(
                "storage_config_private_key",
                "text",
                "SFTP private key (masked)",
                "storage_config.private_key",
            ),
        ),
    ),
    Schema(
        "webhooks",
        "The app's webhooks (``kit.webhooks()``).",
        (
            Column("id", "id", "webhook id"),
            Column("name", "text", "webhook name"),
            Column("url", "text", "URL the events are posted to"),
            Column("enabled", "bool", "whether events are being sent"),
            Column("events", "object", "event names subscribed to (list)"),
            *_created_updated("webhook"),
        ),
    ),
    Schema(
        "livestreams",
        "The app's livestreams (``kit.livestreams()``).",
        (
            Column("id", "id", "livestream id"),
            Column("name", "text", "livestream name"),
            Column("meeting_id", "id", "the meeting streamed, if any"),
            Column("status", "category", "livestream status", categories=_LIVESTREAM_STATUS),
            Column("disabled", "bool", "whether the livestream is disabled (sent as a string)"),
            Column("ingest_server", "text", "RTMP(S) server the encoder sends to"),
            Column("stream_key", "text", "RTMP stream key (masked unless reveal_secrets=True)"),
            Column("playback_url", "text", "HLS playback URL"),
            *_created_updated("livestream"),
        ),
    ),
    Schema(
        "livestream_sessions",
        "A livestream's sessions (``kit.livestream_sessions(livestream_id)``).",
        (
            Column("id", "id", "livestream session id"),
            Column("livestream_id", "id", "the livestream this session belongs to"),
            Column("invoked_time", "datetime", "when the session was asked for (UTC)"),
            Column("started_time", "datetime", "when streaming started (UTC)"),
            Column("stopped_time", "datetime", "when streaming stopped (UTC; NaT while live)"),
            Column("ingest_seconds", "float", "seconds of input streamed"),
            Column("viewer_seconds", "float", "seconds watched, summed over viewers"),
            _renamed("err_message", "text", "error message, if the session failed"),
            *_created_updated("livestream session"),
        ),
    ),
    Schema(
        "daywise",
        "Sessions and recordings per day (``kit.daywise()``).",
        (
            Column("day", "datetime", "the day (UTC midnight)"),
            Column("total_sessions", "int", "sessions that day"),
            Column("total_session_minutes", "float", "session minutes that day (API's own)"),
            Column("total_recordings", "int", "recordings that day"),
            Column("total_recording_minutes", "float", "recording minutes that day (API's own)"),
        ),
    ),
)

SCHEMAS: dict[str, Schema] = {schema.name: schema for schema in _API_SCHEMAS}

# --------------------------------------------------------------------------------------------
# Call quality: the tables the package computes
# --------------------------------------------------------------------------------------------

# "unknown": the report has no samples to judge (and nothing else is wrong). Ordered so that
# ``df.verdict >= "fair"`` selects the degraded peers and a descending sort shows the worst first.
VERDICTS: tuple[str, ...] = ("unknown", "good", "fair", "poor")
SEVERITIES: tuple[str, ...] = ("info", "warning", "critical")
# The time series' media: screen-share audio and video are both "screenshare".
MEDIA_KINDS: tuple[str, ...] = ("audio", "video", "screenshare")
# The peer report's own track kinds (its samples as sent).
TRACK_KINDS: tuple[str, ...] = ("audio", "video", "screenshare_audio", "screenshare_video")
DIRECTIONS: tuple[str, ...] = ("producer", "consumer")
LIMITATIONS: tuple[str, ...] = ("none", "bandwidth", "cpu", "other")
# What a person reads for them: the API's producer/consumer mean nothing to a newcomer, and a
# figure's legend must use the findings' words.
DIRECTION_LABELS: dict[str, str] = {"producer": "sent", "consumer": "received"}
LIMITATION_LABELS: dict[str, str] = {
    "bandwidth": "bandwidth-limited",
    "cpu": "CPU-limited",
    "other": "limited (other)",
}
# The diagnosis rules' ids in priority order (``rtk_notebook.quality.rules.RULES``; a test keeps
# the two equal), each with the words a person reads for it.
RULE_LABELS: dict[str, str] = {
    "transport": "TURN relay or TCP path",
    "loss_burst": "packet loss bursts",
    "high_loss": "high packet loss",
    "rtt_spike": "round-trip time spikes",
    "high_rtt": "high round-trip time",
    "high_jitter": "high jitter",
    "reconnection": "reconnections and media gaps",
    "video": "video limited by bandwidth or CPU",
    "low_mos": "low audio quality (MOS)",
    "mos_dip": "audio quality dips",
    "device_switch": "device switches",
    "weak_device": "low-end device",
    "precall": "poor pre-call test",
    "no_data": "no quality samples",
}
RULE_IDS: tuple[str, ...] = tuple(RULE_LABELS)


def _floats(*names_and_docs: tuple[str, str]) -> tuple[Column, ...]:
    return tuple(Column(name, "float", doc) for name, doc in names_and_docs)


_DIRECTION = Column(
    "direction",
    "category",
    "sent or received: producer (the API's word) is media this peer sent, consumer media it "
    "received",
    categories=DIRECTIONS,
)

_TIMESERIES = Schema(
    "timeseries",
    "A peer's samples as the analysis reads them (``PeerQuality.timeseries``): one row per "
    "sample and track, in time order; measures named with their units, loss % and bitrate "
    "computed, screen-share audio and video one kind. What the rules judge and plots draw.",
    (
        Column("timestamp", "datetime", "when the sample was taken (UTC)"),
        Column(
            "kind",
            "category",
            "audio, video or screenshare (screen-share audio and video alike)",
            categories=MEDIA_KINDS,
        ),
        _DIRECTION,
        *_floats(
            ("mos", "mean opinion score, 1 to 5"),
            ("packets_lost", "packets lost in the sample's interval"),
            (
                "loss_pct",
                "packets_lost / packets_sent x 100 (where packets_sent is missing: "
                "/ (packets_received + packets_lost))",
            ),
            ("rtt_ms", "round-trip time, ms"),
            ("jitter_ms", "jitter, ms"),
            (
                "bitrate_kbps",
                "the sample's bitrate, kbps; where missing, bytes received or sent over the "
                "time since the track's previous sample",
            ),
            ("fps", "video frames per second"),
            ("frame_width", "video frame width, pixels"),
            ("frame_height", "video frame height, pixels"),
            ("frames_dropped", "video frames dropped in the sample's interval"),
        ),
        Column(
            "limitation",
            "category",
            "what limited the video: none, bandwidth, cpu or other (NaN where the track "
            "reports nothing, e.g. audio)",
            categories=LIMITATIONS,
        ),
    ),
)

_PEER_SAMPLES = Schema(
    "peer_samples",
    "A peer report's samples as the API sends them (``PeerReport.tracks_frame()``): one row "
    "per sample of each of the report's tracks, in time order, with the API's field names and "
    "raw counters and nothing computed; for checking what the API said. The analysed form of "
    "the same samples is ``timeseries``.",
    (
        Column("timestamp", "datetime", "when the sample was taken (UTC)"),
        Column(
            "kind",
            "category",
            "the report's track kind: audio, video, screenshare_audio or screenshare_video",
            categories=TRACK_KINDS,
        ),
        _DIRECTION,
        *_floats(
            ("mos_quality", "mean opinion score, 1 to 5"),
            ("packets_lost", "packets lost in the sample's interval"),
            ("packets_sent", "packets sent in the sample's interval"),
            ("rtt", "round-trip time, ms"),
            ("jitter", "jitter, ms"),
            ("bytes_sent", "bytes sent in the sample's interval"),
            ("bitrate", "bitrate, kbps (as sent; often missing)"),
            ("frames_per_second", "video frames per second"),
            ("frame_width", "video frame width, pixels"),
            ("frame_height", "video frame height, pixels"),
            ("frames_dropped", "video frames dropped in the sample's interval"),
            ("packets_received", "packets received in the sample's interval"),
            ("bytes_received", "bytes received in the sample's interval"),
        ),
        Column(
            "quality_limitation_reason",
            "category",
            "what limited the video, as sent (none, cpu, bandwidth, other...)",
        ),
    ),
)

_QUALITY_STATS = Schema(
    "quality_stats",
    "A participant's per-minute quality samples (``quality_stats_frame()`` of a "
    "``SessionParticipant`` or ``PeerReport``), in time order.",
    (
        Column("timestamp", "datetime", "when the sample was taken (UTC)"),
        Column("kind", "category", "audio or video", categories=("audio", "video")),
        Column("peer_id", "id", "the peer the stats are about"),
        *_floats(
            ("quality", "mean opinion score, 1 to 5"),
            ("jitter", "jitter, ms"),
            ("packets_lost", "packets lost in the minute"),
            ("concealment_events", "audio concealment events in the minute"),
            ("frames_per_second", "video frames per second"),
            ("frame_width", "video frame width, pixels"),
            ("frame_height", "video frame height, pixels"),
            ("frames_dropped", "video frames dropped in the minute"),
        ),
    ),
)

_STAY = (
    Column("joined_at", "datetime", "when the peer joined (UTC)"),
    Column("left_at", "datetime", "when the peer left (UTC)"),
    Column("stay_min", "float", "left_at - joined_at in minutes (else the API's duration)"),
)
# Audio from what the peer sent, else what it received; video from the camera sent (else
# received). Percentiles interpolate linearly. RTT and jitter are judged on their median (p50):
# cards and findings quote the median and p90, the mean is kept for the E-model.
_METRICS = _floats(
    ("mos_avg", "mean MOS of the peer's audio"),
    ("mos_p50", "median MOS"),
    ("mos_p10", "10th percentile of MOS (the bad tail)"),
    ("loss_avg_pct", "mean of the per-sample loss % (as the API's packet_loss.avg)"),
    ("loss_share_over_5", "share of samples with loss >= 5 % (the API's band)"),
    ("loss_share_over_10", "share of samples with loss >= 10 %"),
    ("loss_share_over_25", "share of samples with loss >= 25 %"),
    ("rtt_avg_ms", "mean round-trip time, ms"),
    ("rtt_p50_ms", "median round-trip time, ms (what the rules judge)"),
    ("rtt_p90_ms", "90th percentile of round-trip time, ms"),
    ("jitter_avg_ms", "mean jitter, ms"),
    ("jitter_p50_ms", "median jitter, ms (what the rules judge)"),
    ("jitter_p90_ms", "90th percentile of jitter, ms"),
    ("video_fps_p50", "median frames per second of the video"),
    ("video_height_p50", "median frame height of the video, pixels"),
)
_DEVICE = (
    Column("connection_type", "category", "media path: relay/tcp, host/udp..."),
    Column("device", "text", "the device, readable (Android 10 · mobile · 2 cores · 2 GB)"),
    Column("os", "category", "operating system"),
    Column("browser", "category", "browser"),
    Column("browser_major", "category", "browser and its major version (Chrome 142)"),
    Column("is_mobile", "bool", "a phone or tablet"),
    Column("device_type", "category", "mobile or desktop (from is_mobile)"),
    Column("cpus", "int", "CPU cores (when reported)"),
    Column("memory_gb", "float", "device memory, GB (when reported)"),
    Column("network", "category", "effective network type (4g, wifi...)"),
    Column("city", "text", "city of the peer's IP"),
    Column("country", "category", "country of the peer's IP"),
    Column("region", "category", "region (state, province) of the peer's IP"),
    Column("location", "text", "city, country (Mumbai, IN)"),
    Column("asn_org", "text", "the network's owner (or its AS number)"),
    Column("sdk_version", "category", "the RealtimeKit SDK's version"),
)

# The summary's measures and its device and network columns, by name (the quality rows take
# both from a peer's summary).
METRIC_COLUMNS: tuple[str, ...] = tuple(c.name for c in _METRICS)
DEVICE_COLUMNS: tuple[str, ...] = tuple(c.name for c in _DEVICE)

_SUMMARY = Schema(
    "summary",
    "One row about a peer (``PeerQuality.summary``): who, when, how the call went, on what "
    "device and network.",
    (
        Column("peer_id", "id", "the peer's id"),
        Column("display_name", "text", "name shown in the session"),
        *_STAY,
        *_METRICS,
        *_DEVICE,
    ),
)

_QUALITY = Schema(
    "quality",
    "One row per peer (``kit.quality()``, ``kit.session_quality()``): identity, the "
    "summary's device, network and metrics, the verdict; a peer whose report failed has the "
    "error instead.",
    (
        Column("session_id", "id", "the session"),
        Column("peer_id", "id", "the peer's id (the session participant's id)"),
        Column("display_name", "text", "name shown in the session"),
        Column("preset_name", "category", "preset (role) the peer joined with"),
        Column("user_id", "id", "the meeting participant (roster entry) who joined"),
        *_STAY,
        *_DEVICE,
        *_METRICS,
        Column(
            "verdict",
            "category",
            "unknown < good < fair < poor (ordered)",
            categories=VERDICTS,
            ordered=True,
        ),
        Column(
            "verdict_reason",
            "text",
            "why the verdict is what it is, one sentence (poor: TURN relay over TCP, loss "
            "bursts 14 % of the call)",
        ),
        Column(
            "top_rule",
            "category",
            "the rule of the most severe finding (transport, loss_burst...; NA: no findings)",
            categories=RULE_IDS,
        ),
        Column(
            "top_severity",
            "category",
            "that finding's severity: info < warning < critical (ordered)",
            categories=SEVERITIES,
            ordered=True,
        ),
        Column("top_finding", "text", "the most severe finding's message"),
        Column("findings", "int", "how many findings"),
        Column("error", "text", "why the peer could not be analysed (NA when it was)"),
    ),
)

_FINDINGS = Schema(
    "findings",
    "A peer's findings, most severe first (``PeerQuality.findings``).",
    (
        Column("rule", "id", "the rule that found it"),
        Column(
            "severity",
            "category",
            "info < warning < critical (ordered)",
            categories=SEVERITIES,
            ordered=True,
        ),
        Column("start", "datetime", "start of the window it is about (UTC)"),
        Column("end", "datetime", "end of the window it is about (UTC)"),
        Column("evidence", "object", "the numbers behind it (a dict)"),
        Column("message", "text", "one sentence with a suggested action"),
    ),
)

# -- the history store (rtk_notebook.store) ----------------------------------------------------

_KEYS = (
    Column("session_id", "id", "the session"),
    Column("peer_id", "id", "the peer (the session participant's id)"),
)

_STORED_FINDINGS = Schema(
    "stored_findings",
    "Findings as the store keeps them (``store.findings()``): one row per finding of each "
    "peer, with its session and peer.",
    (*_KEYS, *_FINDINGS.columns),
)

_STORED_SAMPLES = Schema(
    "stored_samples",
    "Samples as the store keeps them (``store.samples()``): a peer's ``timeseries`` rows with "
    "its session and peer.",
    (*_KEYS, *_TIMESERIES.columns),
)

_SYNC_ERRORS = Schema(
    "sync_errors",
    "What a sync could not fetch or analyse (``store.errors()``); the next sync retries each.",
    (
        Column("session_id", "id", "the session"),
        Column("peer_id", "id", "the peer whose report failed (NA: the session's list did)"),
        Column(
            "stage",
            "category",
            "what failed: the session's participants list or a peer's report",
            categories=("participants", "report"),
        ),
        Column("error", "text", "the error, one line (``RateLimitError: ...``)"),
        Column("attempts", "int", "syncs that tried and failed"),
        Column("first_failed_at", "datetime", "when it first failed (UTC)"),
        Column("last_failed_at", "datetime", "when it last failed (UTC)"),
    ),
)

_SHARE_DOC = "share of rated peers ({what}), 0 to 1"
_TREND = Schema(
    "trend",
    "Quality per period and segment (``store.trend()``): peers, the poor and not-good shares "
    "with 95 % Wilson intervals, MOS median and 10th percentile, RTT p90, mean loss.",
    (
        Column("period", "datetime", "start of the period (UTC day, Monday of the week, 1st)"),
        Column("segment", "text", "the segment's value ('all' without ``by``)"),
        Column("peers", "int", "peers rated (a verdict other than unknown, no error)"),
        Column("poor", "int", "peers rated poor"),
        Column("poor_share", "float", _SHARE_DOC.format(what="poor")),
        Column("poor_low", "float", "95 % Wilson interval of poor_share, lower bound"),
        Column("poor_high", "float", "95 % Wilson interval of poor_share, upper bound"),
        Column("not_good", "int", "peers rated fair or poor"),
        Column("not_good_share", "float", _SHARE_DOC.format(what="fair or poor")),
        Column("not_good_low", "float", "95 % Wilson interval of not_good_share, lower bound"),
        Column("not_good_high", "float", "95 % Wilson interval of not_good_share, upper bound"),
        Column("mos_median", "float", "median of the peers' mean MOS"),
        Column("mos_p10", "float", "10th percentile of the peers' mean MOS (the bad tail)"),
        Column("rtt_p90_ms", "float", "90th percentile of the peers' mean RTT, ms"),
        Column("loss_avg_pct", "float", "mean of the peers' mean loss, %"),
    ),
)

_DIFF = (
    Column("diff", "float", "after (recent) share minus before (baseline) share, -1 to 1"),
    Column("diff_low", "float", "95 % interval of diff (Newcombe's hybrid score), lower"),
    Column("diff_high", "float", "95 % interval of diff (Newcombe's hybrid score), upper"),
)

_COMPARISON = Schema(
    "comparison",
    "Before against after, per segment (``store.compare()``): peers and the share of the "
    "metric (poor, or not good) in each, the difference with its 95 % interval, and a "
    "sentence.",
    (
        Column("segment", "text", "the segment's value ('all' without ``by``)"),
        Column("peers_before", "int", "peers rated in the before range"),
        Column("count_before", "int", "of those, peers with the metric (poor...)"),
        Column("share_before", "float", "count_before / peers_before"),
        Column("peers_after", "int", "peers rated in the after range"),
        Column("count_after", "int", "of those, peers with the metric"),
        Column("share_after", "float", "count_after / peers_after"),
        *_DIFF,
        Column("significant", "bool", "the interval of diff excludes 0"),
        Column("sentence", "text", "the comparison in one plain sentence"),
    ),
)

_CHANGES = Schema(
    "changes",
    "What changed lately (``store.changes()``): each segment's recent share against its "
    "baseline, ranked, with Benjamini-Hochberg q-values across all segments tested.",
    (
        Column("column", "text", "the quality column segmented by (browser_major...)"),
        Column("segment", "text", "the segment's value"),
        Column("peers_baseline", "int", "peers rated in the baseline window"),
        Column("share_baseline", "float", "share with the metric in the baseline window"),
        Column("peers_recent", "int", "peers rated in the recent window"),
        Column("share_recent", "float", "share with the metric in the recent window"),
        *_DIFF,
        Column("p_value", "float", "two-sided p-value of the difference (two-proportion z)"),
        Column("q_value", "float", "Benjamini-Hochberg adjusted p-value across the segments"),
        Column(
            "direction",
            "category",
            "worse or better (recent against baseline)",
            categories=("worse", "better"),
        ),
        Column("significant", "bool", "q_value below the false discovery rate asked for"),
        Column("sentence", "text", "the change in one plain sentence"),
    ),
)

STORE_OUTPUTS: tuple[Schema, ...] = (
    _STORED_FINDINGS,
    _STORED_SAMPLES,
    _SYNC_ERRORS,
    _TREND,
    _COMPARISON,
    _CHANGES,
)

TABLES: dict[str, Schema] = {
    **SCHEMAS,
    **{
        schema.name: schema
        for schema in (
            _QUALITY,
            _SUMMARY,
            _FINDINGS,
            _TIMESERIES,
            _PEER_SAMPLES,
            _QUALITY_STATS,
            *STORE_OUTPUTS,
        )
    },
}


def table(name: str) -> Schema:
    """The schema of table ``name`` (a ``ValueError`` naming the known ones otherwise)."""
    try:
        return TABLES[name]
    except KeyError:
        known = ", ".join(TABLES)
        raise ValueError(f"unknown resource {name!r}; known: {known}") from None
