"""Sessions, meetings, recordings (and the livestream and meeting-participant objects that
carry secrets), as the API returns them one at a time.

Field names are the API's. Every field is optional; timestamps are aware UTC datetimes (None when
the server sends a placeholder or malformed text); enum-like fields are plain ``str`` so values
the API adds later are accepted, with the known values listed in the field's docstring.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator

from rtk_notebook.models._base import RTKModel
from rtk_notebook.models._coerce import (
    Bool,
    Float,
    Int,
    Label,
    SecretText,
    Text,
    UtcDatetime,
)
from rtk_notebook.models._display import (
    fmt_bool,
    fmt_bytes,
    fmt_duration,
    fmt_number,
    fmt_seconds,
    fmt_time,
)

__all__ = [
    "AiConfig",
    "AudioConfig",
    "BucketConfig",
    "LiveStreamingConfig",
    "Livestream",
    "Meeting",
    "MeetingParticipant",
    "Recording",
    "RecordingCaller",
    "RecordingConfig",
    "RecordingReason",
    "Session",
    "StorageConfig",
    "SummarizationConfig",
    "TranscriptionConfig",
    "VideoConfig",
    "Watermark",
    "WatermarkSize",
]


def _text_list(value: Any) -> Any:
    """A list of text items (non-text items dropped); a lone string becomes a one-item list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return None


TextList = Annotated[list[str] | None, BeforeValidator(_text_list)]


# ---- storage and recording configuration ----------------------------------------------------


class StorageConfig(RTKModel):
    """Where recordings are uploaded. Its credentials are ``Secret``s, held masked unless the
    object was made with ``reveal_secrets=True``."""

    type: Label = None
    """Storage kind: ``aws``, ``azure``, ``digitalocean``, ``gcs``, ``sftp``."""
    access_key: SecretText = None
    auth_method: Label = None
    """For ``sftp``: ``KEY`` or ``PASSWORD``."""
    bucket: Text = None
    host: Text = None
    password: SecretText = None
    path: Text = None
    port: Int = None
    private_key: SecretText = None
    region: Text = None
    secret: SecretText = None
    username: Text = None

    def describe(self) -> str:
        """``aws · acme-recordings · us-east-1 · recordings/ · access_key ****369C``."""
        parts = [self.type, self.bucket or self.host, self.region, self.path]
        for name in ("access_key", "username"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name} {self._show(value, name)}")
        return " · ".join(str(p) for p in parts if p)


class AudioConfig(RTKModel):
    channel: Label = None
    """``mono`` or ``stereo``."""
    codec: Label = None
    """``MP3`` or ``AAC``."""
    export_file: Bool = None


class WatermarkSize(RTKModel):
    height: Int = None
    width: Int = None


class Watermark(RTKModel):
    position: Label = None
    """``left top``, ``right top``, ``left bottom``, ``right bottom``."""
    size: WatermarkSize | None = None
    url: Text = None


class VideoConfig(RTKModel):
    codec: Label = None
    """``H264`` or ``VP8``."""
    export_file: Bool = None
    height: Int = None
    width: Int = None
    watermark: Watermark | None = None


class LiveStreamingConfig(RTKModel):
    rtmp_url: Text = None


class BucketConfig(RTKModel):
    enabled: Bool = None


class RecordingConfig(RTKModel):
    audio_config: AudioConfig | None = None
    file_name_prefix: Text = None
    live_streaming_config: LiveStreamingConfig | None = None
    max_seconds: Float = None
    realtimekit_bucket_config: BucketConfig | None = None
    storage_config: StorageConfig | None = None
    video_config: VideoConfig | None = None

    def describe(self) -> str:
        """``H264 1280×720 · AAC stereo · max 4 h``."""
        parts = []
        video, audio = self.video_config, self.audio_config
        if video is not None:
            size = f" {video.width}×{video.height}" if video.width and video.height else ""
            parts.append(f"{video.codec or 'video'}{size}")
        if audio is not None and (audio.codec or audio.channel):
            parts.append(" ".join(p for p in (audio.codec, audio.channel) if p))
        if self.max_seconds:
            parts.append(f"max {fmt_seconds(self.max_seconds)}")
        if self.file_name_prefix:
            parts.append(f"prefix {self.file_name_prefix}")
        return " · ".join(parts)


class SummarizationConfig(RTKModel):
    summary_type: Label = None
    """``general``, ``team_meeting``, ``sales_call``, ``client_check_in``, ``interview``,
    ``daily_standup``, ``one_on_one_meeting``, ``lecture``, ``code_review``."""
    text_format: Label = None
    """``plain_text`` or ``markdown``."""
    word_limit: Int = None


class TranscriptionConfig(RTKModel):
    keywords: TextList = None
    language: Label = None
    """``en-US``, ``en-IN``, ``de``, ``hi``, ``sv``, ``ru``, ``pl``, ``el``, ``fr``, ``nl``."""
    profanity_filter: Bool = None


class AiConfig(RTKModel):
    summarization: SummarizationConfig | None = None
    transcription: TranscriptionConfig | None = None


# ---- meeting --------------------------------------------------------------------------------


class Meeting(RTKModel):
    """A meeting (``kit.meeting(id)``): the room and its settings, not one occurrence of it."""

    id: Text = None
    created_at: UtcDatetime = None
    updated_at: UtcDatetime = None
    title: Text = None
    status: Label = None
    """``ACTIVE`` or ``INACTIVE`` (nobody can join an inactive meeting)."""
    preferred_region: Label = None
    record_on_start: Bool = None
    live_stream_on_start: Bool = None
    persist_chat: Bool = None
    summarize_on_end: Bool = None
    session_keep_alive_time_in_secs: Float = None
    ai_config: AiConfig | None = None
    recording_config: RecordingConfig | None = None

    _kind = "Meeting"

    def _summary(self) -> list[tuple[str, Any]]:
        return [
            ("id", self.id),
            ("title", self.title),
            ("status", self.status),
            ("created_at", self.created_at),
        ]

    def _card_title(self) -> str | None:
        return self.title or self.id

    def _card_status(self) -> str | None:
        return self.status

    def _card_rows(self) -> list[tuple[Any, ...]]:
        ai = self.ai_config
        summary = transcription = None
        if ai is not None and ai.summarization is not None:
            s = ai.summarization
            words = f"{s.word_limit} words" if s.word_limit else None
            summary = " · ".join(p for p in (s.summary_type, s.text_format, words) if p)
        if ai is not None and ai.transcription is not None:
            t = ai.transcription
            filt = "profanity filtered" if t.profanity_filter else None
            transcription = " · ".join(p for p in (t.language, filt) if p)
        rc = self.recording_config
        storage = rc.storage_config if rc is not None else None
        return [
            ("id", self.id, "id"),
            ("created", fmt_time(self.created_at)),
            ("updated", fmt_time(self.updated_at)),
            ("region", self.preferred_region),
            ("record on start", fmt_bool(self.record_on_start)),
            ("livestream on start", fmt_bool(self.live_stream_on_start)),
            ("persist chat", fmt_bool(self.persist_chat)),
            ("summarize on end", fmt_bool(self.summarize_on_end)),
            ("keep alive", fmt_seconds(self.session_keep_alive_time_in_secs)),
            ("transcription", transcription),
            ("summary", summary),
            ("recording", rc.describe() if rc is not None else None),
            ("storage", storage.describe() if storage is not None else None),
        ]


# ---- session --------------------------------------------------------------------------------


class Session(RTKModel):
    """One occurrence of a meeting (``kit.session(id)``).

    ``minutes_consumed`` is participant-minutes (the billing unit), not the wall-clock length;
    ``duration`` is ``ended_at - started_at``.
    """

    id: Text = None
    associated_id: Text = None
    """The meeting's id."""
    created_at: UtcDatetime = None
    updated_at: UtcDatetime = None
    started_at: UtcDatetime = None
    ended_at: UtcDatetime = None
    live_participants: Int = None
    max_concurrent_participants: Int = None
    meeting_display_name: Text = None
    minutes_consumed: Float = None
    """Participant-minutes consumed so far."""
    organization_id: Text = None
    """The app that hosted the session."""
    status: Label = None
    """``LIVE`` or ``ENDED``."""
    type: Label = None
    """``meeting``, ``livestream`` or ``participant``."""
    breakout_rooms: list[Any] | None = None
    meta: Any = None

    _kind = "Session"

    @classmethod
    def _locate(cls, data: Any) -> Any:
        # The reference nests the session under data.session; the official SDK's type (and the
        # active-session endpoint) put it directly under data. Accept both.
        if isinstance(data, dict) and isinstance(data.get("session"), dict):
            return data["session"]
        return data

    @property
    def is_live(self) -> bool:
        return (self.status or "").upper() == "LIVE"

    @property
    def duration(self) -> timedelta | None:
        """``ended_at - started_at``; None while live or when either is unknown."""
        if self.started_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.started_at

    def _summary(self) -> list[tuple[str, Any]]:
        return [
            ("id", self.id),
            ("meeting", self.meeting_display_name),
            ("status", self.status),
            ("started_at", self.started_at),
            ("minutes_consumed", self.minutes_consumed),
        ]

    def _card_title(self) -> str | None:
        return self.meeting_display_name or self.id

    def _card_status(self) -> str | None:
        return self.status

    def _card_rows(self) -> list[tuple[Any, ...]]:
        meta = self.meta
        if isinstance(meta, dict):
            shown = self.model_dump(include={"meta"}).get("meta") or {}
            meta = ", ".join(f"{k}={v}" for k, v in shown.items()) or None
        elif meta is not None:
            meta = str(meta)
        minutes = fmt_number(self.minutes_consumed)
        rooms = fmt_number(len(self.breakout_rooms)) if self.breakout_rooms else None
        return [
            ("id", self.id, "id"),
            ("meeting id", self.associated_id, "id"),
            ("type", self.type),
            ("started", fmt_time(self.started_at)),
            ("ended", fmt_time(self.ended_at) or ("still live" if self.is_live else None)),
            ("duration", fmt_duration(self.duration)),
            ("minutes consumed", f"{minutes} participant-min" if minutes else None),
            ("peak participants", fmt_number(self.max_concurrent_participants)),
            ("live participants", fmt_number(self.live_participants) if self.is_live else None),
            ("breakout rooms", rooms),
            ("app id", self.organization_id, "id"),
            ("meta", meta),
        ]


# ---- recording ------------------------------------------------------------------------------


class RecordingCaller(RTKModel):
    name: Text = None
    type: Label = None
    """``ORGANIZATION`` or ``USER``."""
    user_Id: Text = None  # noqa: N815 - the API's spelling


class RecordingReason(RTKModel):
    caller: RecordingCaller | None = None
    reason: Label = None
    """Start: ``API_CALL``, ``RECORD_ON_START``; stop: ``API_CALL``, ``INTERNAL_ERROR``,
    ``ALL_PEERS_LEFT``."""

    def describe(self) -> str:
        who = self.caller.name if self.caller is not None else None
        return " · ".join(p for p in (self.reason, who) if p)


class Recording(RTKModel):
    """A recording (``kit.recording(id)``). ``recording_duration`` is in seconds,
    ``file_size`` in bytes. ``storage_config`` credentials and the pre-signed
    ``download_url``/``audio_download_url`` (``https://host/path?…(masked)``) are held masked
    unless fetched with ``reveal_secrets=True``."""

    id: Text = None
    audio_download_url: Text = None
    download_url: Text = None
    download_url_expiry: UtcDatetime = None
    file_size: Int = None
    invoked_time: UtcDatetime = None
    output_file_name: Text = None
    session_id: Text = None
    started_time: UtcDatetime = None
    status: Label = None
    """``INVOKED``, ``RECORDING``, ``PAUSED``, ``UPLOADING``, ``UPLOADED``, ``ERRORED``."""
    stopped_time: UtcDatetime = None
    recording_duration: Float = None
    """Seconds recorded."""
    meeting: Meeting | None = None
    start_reason: RecordingReason | None = None
    stop_reason: RecordingReason | None = None
    storage_config: StorageConfig | None = None

    _kind = "Recording"

    @property
    def duration(self) -> timedelta | None:
        if self.recording_duration is None:
            return None
        return timedelta(seconds=self.recording_duration)

    def _summary(self) -> list[tuple[str, Any]]:
        return [
            ("id", self.id),
            ("status", self.status),
            ("session_id", self.session_id),
            ("invoked_time", self.invoked_time),
            ("recording_duration", self.recording_duration),
            ("file_size", self.file_size),
        ]

    def _card_title(self) -> str | None:
        return self.output_file_name or self.id

    def _card_status(self) -> str | None:
        return self.status

    def _card_rows(self) -> list[tuple[Any, ...]]:
        # Download URLs are pre-signed: a working link is a capability, so the card says
        # whether there is one and until when, and leaves the URL itself to the data.
        download = None
        if self.download_url:
            expiry = fmt_time(self.download_url_expiry)
            download = f"available until {expiry}" if expiry else "available"
        return [
            ("id", self.id, "id"),
            ("session id", self.session_id, "id"),
            ("meeting", self.meeting.title if self.meeting is not None else None),
            ("invoked", fmt_time(self.invoked_time)),
            ("started", fmt_time(self.started_time)),
            ("stopped", fmt_time(self.stopped_time)),
            ("duration", fmt_seconds(self.recording_duration)),
            ("size", fmt_bytes(self.file_size)),
            ("download", download),
            ("audio download", "available" if self.audio_download_url else None),
            ("started by", self.start_reason.describe() if self.start_reason else None),
            ("stopped by", self.stop_reason.describe() if self.stop_reason else None),
            ("storage", self.storage_config.describe() if self.storage_config else None),
        ]


# ---- the other objects that carry secrets ---------------------------------------------------


class Livestream(RTKModel):
    """A livestream. ``stream_key`` is a ``Secret`` (held masked unless fetched with
    ``reveal_secrets=True``): anyone holding it can stream as you."""

    id: Text = None
    name: Text = None
    meeting_id: Text = None
    status: Label = None
    """``LIVE``, ``IDLE``, ``ERRORED``, ``INVOKED``."""
    disabled: Bool = None
    ingest_server: Text = None
    stream_key: SecretText = None
    playback_url: Text = None
    created_at: UtcDatetime = None
    updated_at: UtcDatetime = None

    _kind = "Livestream"

    @classmethod
    def _locate(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("livestream"), dict):
            return data["livestream"]
        return data

    def _summary(self) -> list[tuple[str, Any]]:
        return [
            ("id", self.id),
            ("name", self.name),
            ("status", self.status),
            ("stream_key", self.stream_key),
        ]

    def _card_title(self) -> str | None:
        return self.name or self.id

    def _card_status(self) -> str | None:
        return self.status

    def _card_rows(self) -> list[tuple[Any, ...]]:
        return [
            ("id", self.id, "id"),
            ("meeting id", self.meeting_id, "id"),
            ("ingest server", self.ingest_server, True),
            ("stream key", self._show(self.stream_key, "stream_key"), True),
            ("playback", self.playback_url, True),
            ("disabled", fmt_bool(self.disabled)),
            ("created", fmt_time(self.created_at)),
        ]


class MeetingParticipant(RTKModel):
    """A meeting's participant as added or edited; ``token`` (its join token) is a ``Secret``."""

    id: Text = None
    name: Text = None
    picture: Text = None
    custom_participant_id: Text = None
    preset_name: Label = None
    preset_id: Text = None
    token: SecretText = None
    created_at: UtcDatetime = None
    updated_at: UtcDatetime = None

    _kind = "Meeting participant"

    def _summary(self) -> list[tuple[str, Any]]:
        return [
            ("id", self.id),
            ("name", self.name),
            ("preset_name", self.preset_name),
            ("token", self.token),
        ]

    def _card_title(self) -> str | None:
        return self.name or self.id

    def _card_rows(self) -> list[tuple[Any, ...]]:
        return [
            ("id", self.id, "id"),
            ("custom id", self.custom_participant_id),
            ("preset", self.preset_name),
            ("token", self._show(self.token, "token"), True),
            ("created", fmt_time(self.created_at)),
        ]
