"""Request-body models for every RealtimeKit operation that takes a JSON body.

The client checks a body here before sending it, and the demo backend checks what it receives
here to answer 400 with a message naming the field. Names, nesting, required-ness and enum
values follow the official SDK's ``cloudflare.types.realtime_kit.*_params`` TypedDicts
(``cloudflare`` 5.9.0); the one operation the SDK lacks (creating an independent livestream)
follows the API reference. ``tests/test_spec_bodies.py`` checks the models against the SDK.

Unknown fields are kept and passed on, since the live API may accept more than the SDK knows;
wrong types are rejected rather than coerced ("5" is not 5, 1 is not True).
"""

from __future__ import annotations

import json
import re
from types import UnionType
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    Tag,
    ValidationError,
    create_model,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticCustomError

__all__ = [
    "BODY_MODELS",
    "WEBHOOK_EVENTS",
    "ActiveSessionCreatePoll",
    "ActiveSessionKickParticipants",
    "AppPost",
    "BodyError",
    "LivestreamCreateIndependentLivestream",
    "LivestreamStartLivestreamingAMeeting",
    "MeetingAddParticipant",
    "MeetingCreate",
    "MeetingEditParticipant",
    "MeetingReplaceMeetingByID",
    "MeetingUpdateMeetingByID",
    "PresetCreate",
    "PresetReplacePresetByID",
    "PresetUpdate",
    "RecordingPauseResumeStopRecording",
    "RecordingStartRecordings",
    "RecordingStartTrackRecording",
    "RequestBody",
    "WebhookCreateWebhook",
    "WebhookEditWebhook",
    "WebhookReplaceWebhook",
    "validate_body",
]

_T = TypeVar("_T")


# --- Shared field types ---------------------------------------------------------------------


def _reject_null(value: _T | None) -> _T:
    # Runs only for an explicit null: defaults are not validated, so an omitted field stays None.
    if value is None:
        raise PydanticCustomError("not_nullable", "must not be null")
    return value


# A field the sender may leave out but not set to null: the SDK types it `T`, not `Optional[T]`.
# Fields the SDK types `Optional[T]` are written `T | None` instead.
Omittable = Annotated[_T | None, AfterValidator(_reject_null)]


def _strict_json_number(value: Any) -> float:
    # `type() in` rather than isinstance: bool is an int subclass but not a JSON number.
    if type(value) in (int, float):
        return value
    raise PydanticCustomError("float_type", "Input should be a valid number")


def _as_given(value: float) -> int | float:
    # Typed `int | float`, not `float`: pydantic would otherwise turn an int into a float again.
    return value


# The SDK's `float`: accepts an int too, and sends it back unchanged (30, not 30.0), because
# JSON has a single number type and the body should go out as the caller wrote it.
Number = Annotated[
    float,
    PlainValidator(_strict_json_number, json_schema_input_type=float),
    PlainSerializer(_as_given),
]


class RequestBody(BaseModel):
    """Base of every body model: strict scalars, unknown fields kept, aliases or names accepted."""

    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True, defer_build=True)


# --- Update bodies derived from create bodies -----------------------------------------------

# A docstring's subject: what comes before a ": remark", a " (remark)" or the final full stop.
_DOC_SUBJECT = re.compile(r"^(.*?)(?::| \(|\.$)", re.DOTALL)
# Each create model's partial, so a model nested twice (e.g. `PresetProduce`) is derived once.
_PARTIALS: dict[type[RequestBody], type[RequestBody]] = {}
# `Omittable` for a type computed at run time (mypy only lets a static type subscript it).
_OMITTABLE: Any = Omittable


def _partial_annotation(annotation: Any, prefix: str) -> Any:
    """`annotation` with each nested body model (alone or in a union) replaced by its partial."""
    if isinstance(annotation, type) and issubclass(annotation, RequestBody):
        return partial_model(annotation, prefix=prefix)
    if get_origin(annotation) in (Union, UnionType):
        members = tuple(_partial_annotation(member, prefix) for member in get_args(annotation))
        if members != get_args(annotation):
            return Union[members]  # noqa: UP007 (a runtime union of computed members)
    return annotation


def partial_model(
    model: type[RequestBody], name: str | None = None, doc: str | None = None, *, prefix: str
) -> type[RequestBody]:
    """The update form of the create body `model`: every field may be left out, at any depth.

    A required field `x: T` becomes `x: Omittable[T] = None` (leave it out, never null); a
    field that was already optional keeps its type, null-ness and default. A nested body model
    becomes its own partial, named `prefix` + the model's name without its first word
    (`PresetChatPrivate` -> `PresetUpdateChatPrivate`); a model with nothing required and
    nothing nested is its own partial. Aliases, descriptions and validators (``Annotated``
    metadata such as `Number`'s) are kept; the config is `RequestBody`'s, as for every model
    here. Fields come in name order, as the SDK lists the keys of its update TypedDicts, which
    fixes the order of the errors and of the keys sent. The docstring is the create model's
    subject + ", in an update." unless `doc` is given.
    """
    if model in _PARTIALS:
        return _PARTIALS[model]
    if model.model_config != RequestBody.model_config:
        raise TypeError(f"{model.__name__} has its own config; derive its partial by hand")
    fields: dict[str, Any] = {}
    for field_name, field in sorted(model.model_fields.items()):
        annotation = _partial_annotation(field.annotation, prefix)
        if not field.is_required() and annotation is field.annotation:
            fields[field_name] = (annotation, field)  # already optional: kept as it is
            continue
        # The validators move into the type, under `Omittable`'s null check, not around it.
        typed = Annotated[(annotation, *field.metadata)] if field.metadata else annotation
        if field.is_required():
            typed, rebuilt = _OMITTABLE[typed], FieldInfo.merge_field_infos(field, default=None)
        else:
            rebuilt = FieldInfo.merge_field_infos(field)
        rebuilt.metadata = []
        fields[field_name] = (typed, rebuilt)
    if all(spec[1] is model.model_fields[key] for key, spec in fields.items()):
        _PARTIALS[model] = model  # nothing required, nothing nested: already partial
        return model
    subject = _DOC_SUBJECT.match((model.__doc__ or "").strip())
    partial = create_model(
        name or prefix + re.sub(r"^[A-Z][a-z]*", "", model.__name__),
        __base__=RequestBody,
        __module__=model.__module__,
        __doc__=doc or f"{subject.group(1) if subject else model.__name__}, in an update.",
        **fields,
    )
    _PARTIALS[model] = partial
    return partial


# --- Meetings -------------------------------------------------------------------------------

SummaryType = Literal[
    "general",
    "team_meeting",
    "sales_call",
    "client_check_in",
    "interview",
    "daily_standup",
    "one_on_one_meeting",
    "lecture",
    "code_review",
]
TranscriptionLanguage = Literal["en-US", "en-IN", "de", "hi", "sv", "ru", "pl", "el", "fr", "nl"]


class SummarizationConfig(RequestBody):
    """`ai_config.summarization`."""

    summary_type: Omittable[SummaryType] = None
    text_format: Omittable[Literal["plain_text", "markdown"]] = None
    word_limit: Omittable[int] = None


class TranscriptionConfig(RequestBody):
    """`ai_config.transcription`."""

    keywords: Omittable[list[str]] = None
    language: Omittable[TranscriptionLanguage] = None
    profanity_filter: Omittable[bool] = None


class AIConfig(RequestBody):
    """A meeting's `ai_config`: transcription and summary settings."""

    summarization: Omittable[SummarizationConfig] = None
    transcription: Omittable[TranscriptionConfig] = None


# --- Recording configuration (shared by meetings and recordings) -----------------------------


class RecordingAudioConfig(RequestBody):
    """`audio_config` of a recording."""

    channel: Omittable[Literal["mono", "stereo"]] = None
    codec: Omittable[Literal["MP3", "AAC"]] = None
    export_file: Omittable[bool] = None


class RtmpConfig(RequestBody):
    """`live_streaming_config` of a meeting's recording config, `rtmp_out_config` of a recording."""

    rtmp_url: Omittable[str] = None


class RealtimekitBucketConfig(RequestBody):
    """`realtimekit_bucket_config`: whether recordings also go to RealtimeKit's bucket."""

    enabled: bool


class StorageConfigGcs(RequestBody):
    """`storage_config`, first SDK form: Google Cloud Storage, every field optional."""

    access_key: Omittable[str] = None
    auth_method: Omittable[Literal["KEY", "PASSWORD"]] = None
    bucket: Omittable[str] = None
    host: Omittable[str] = None
    password: Omittable[str] = None
    path: Omittable[str] = None
    port: Omittable[Number] = None
    private_key: Omittable[str] = None
    region: Omittable[str] = None
    secret: Omittable[str] = None
    type: Omittable[Literal["gcs"]] = None
    username: Omittable[str] = None


class StorageConfigCloud(RequestBody):
    """`storage_config`, second SDK form: AWS, Azure or DigitalOcean, keyed by access key."""

    # The SDK types these two `object`, so any JSON value (even null) is accepted.
    access_key: Any
    region: Any
    auth_method: Omittable[Literal["KEY", "PASSWORD"]] = None
    bucket: Omittable[str] = None
    host: Omittable[str] = None
    password: Omittable[str] = None
    path: Omittable[str] = None
    port: Omittable[Number] = None
    private_key: Omittable[str] = None
    secret: Omittable[str] = None
    type: Omittable[Literal["aws", "azure", "digitalocean"]] = None
    username: Omittable[str] = None


StorageType = Literal["aws", "azure", "digitalocean", "gcs", "sftp"]


class StorageConfigSshKey(RequestBody):
    """`storage_config`, third SDK form: authenticated with a private key (SFTP)."""

    # `type` first, so a bad storage type is the first problem reported.
    type: Omittable[StorageType] = None
    private_key: str
    access_key: Omittable[str] = None
    auth_method: Omittable[Literal["KEY"]] = None
    bucket: Omittable[str] = None
    host: Omittable[str] = None
    password: Omittable[str] = None
    path: Omittable[str] = None
    port: Omittable[Number] = None
    region: Omittable[str] = None
    secret: Omittable[str] = None
    username: Omittable[str] = None


class StorageConfigSshPassword(RequestBody):
    """`storage_config`, fourth SDK form: authenticated with a password (SFTP)."""

    type: Omittable[StorageType] = None
    password: str
    access_key: Omittable[str] = None
    auth_method: Omittable[Literal["PASSWORD"]] = None
    bucket: Omittable[str] = None
    host: Omittable[str] = None
    path: Omittable[str] = None
    port: Omittable[Number] = None
    private_key: Omittable[str] = None
    region: Omittable[str] = None
    secret: Omittable[str] = None
    username: Omittable[str] = None


# Tags of the tagged unions below. Pydantic puts the chosen tag into an error's location; these
# are dropped from the dotted field path, so they are spelt to never clash with a real key.
_STORAGE_MEMBERS: dict[str, type[RequestBody]] = {
    "<gcs>": StorageConfigGcs,
    "<cloud>": StorageConfigCloud,
    "<ssh-key>": StorageConfigSshKey,
    "<ssh-password>": StorageConfigSshPassword,
}
_PLUGINS_CONFIG_FORMS = ("<string>", "<map>")
_UNION_TAGS = frozenset(_STORAGE_MEMBERS) | frozenset(_PLUGINS_CONFIG_FORMS)


def _storage_member(value: Any) -> str | None:
    """Pick the `storage_config` form to validate against (None: not an object at all)."""
    for tag, member in _STORAGE_MEMBERS.items():
        if type(value) is member:  # a model instance, e.g. when serialising
            return tag
    if not isinstance(value, dict):
        return None
    # Accept the body if any SDK form accepts it, as a plain union would...
    for tag, member in _STORAGE_MEMBERS.items():
        try:
            member.model_validate(value)
        except ValidationError:
            continue
        return tag
    # ...but when none does, report against the one the sender most likely meant, rather than
    # four lists of errors (one per form).
    auth_method, storage_type = value.get("auth_method"), value.get("type")
    if auth_method == "PASSWORD":
        return "<ssh-password>"
    if auth_method == "KEY":
        return "<ssh-key>"
    if storage_type == "gcs":
        return "<gcs>"
    if storage_type in ("aws", "azure", "digitalocean"):
        return "<cloud>"
    if "password" in value and "private_key" not in value:
        return "<ssh-password>"
    return "<ssh-key>"


StorageConfig = Annotated[
    Annotated[StorageConfigGcs, Tag("<gcs>")]
    | Annotated[StorageConfigCloud, Tag("<cloud>")]
    | Annotated[StorageConfigSshKey, Tag("<ssh-key>")]
    | Annotated[StorageConfigSshPassword, Tag("<ssh-password>")],
    Discriminator(
        _storage_member,
        custom_error_type="storage_config_type",
        custom_error_message="must be an object",
    ),
]


class WatermarkSize(RequestBody):
    """`video_config.watermark.size`, in pixels."""

    height: Omittable[int] = None
    width: Omittable[int] = None


class Watermark(RequestBody):
    """`video_config.watermark`."""

    position: Omittable[Literal["left top", "right top", "left bottom", "right bottom"]] = None
    size: Omittable[WatermarkSize] = None
    url: Omittable[str] = None


class RecordingVideoConfig(RequestBody):
    """`video_config` of a recording."""

    codec: Omittable[Literal["H264", "VP8", "VP9"]] = None
    export_file: Omittable[bool] = None
    height: Omittable[int] = None
    watermark: Omittable[Watermark] = None
    width: Omittable[int] = None


class RecordingConfig(RequestBody):
    """A meeting's `recording_config`, taking precedence over the App's recording settings."""

    audio_config: Omittable[RecordingAudioConfig] = None
    file_name_prefix: Omittable[str] = None
    live_streaming_config: Omittable[RtmpConfig] = None
    max_seconds: Omittable[Number] = None  # a float here, an int when starting a recording
    realtimekit_bucket_config: Omittable[RealtimekitBucketConfig] = None
    storage_config: StorageConfig | None = None
    video_config: Omittable[RecordingVideoConfig] = None


class MeetingCreate(RequestBody):
    """POST .../meetings."""

    ai_config: Omittable[AIConfig] = None
    live_stream_on_start: bool | None = None
    persist_chat: Omittable[bool] = None
    record_on_start: bool | None = None
    recording_config: Omittable[RecordingConfig] = None
    session_keep_alive_time_in_secs: Omittable[Number] = None
    summarize_on_end: Omittable[bool] = None
    title: str | None = None
    transcribe_on_end: Omittable[bool] = None


class MeetingReplaceMeetingByID(MeetingCreate):
    """PUT .../meetings/{meeting_id}: the same body as creating one."""


class MeetingUpdateMeetingByID(RequestBody):
    """PATCH .../meetings/{meeting_id}: as create, plus `status`, and nothing may be null."""

    ai_config: Omittable[AIConfig] = None
    live_stream_on_start: Omittable[bool] = None
    persist_chat: Omittable[bool] = None
    record_on_start: Omittable[bool] = None
    recording_config: Omittable[RecordingConfig] = None
    session_keep_alive_time_in_secs: Omittable[Number] = None
    status: Omittable[Literal["ACTIVE", "INACTIVE"]] = None
    summarize_on_end: Omittable[bool] = None
    title: Omittable[str] = None
    transcribe_on_end: Omittable[bool] = None


class MeetingAddParticipant(RequestBody):
    """POST .../meetings/{meeting_id}/participants."""

    custom_participant_id: str
    preset_name: str
    name: str | None = None
    picture: str | None = None


class MeetingEditParticipant(RequestBody):
    """PATCH .../meetings/{meeting_id}/participants/{participant_id}."""

    name: str | None = None
    picture: str | None = None
    preset_name: str | None = None


# --- Presets --------------------------------------------------------------------------------
# Create and replace require the whole tree; update (PATCH) takes any part of it, so its models
# are the all-optional copies of these that `partial_model` derives (`PresetUpdate...`).

MediaQuality = Literal["hd", "vga", "qvga", "fhd", "uhd"]
ViewType = Literal["GROUP_CALL", "WEBINAR", "AUDIO_ROOM", "LIVESTREAM"]
ProduceAccess = Literal["ALLOWED", "NOT_ALLOWED", "CAN_REQUEST"]
RecorderType = Literal["RECORDER", "LIVESTREAMER", "NONE"]
WaitingRoomType = Literal["SKIP", "ON_PRIVILEGED_USER_ENTRY", "SKIP_ON_ACCEPT"]
BorderRadius = Literal["sharp", "rounded", "extra-rounded", "circular"]
BorderWidth = Literal["none", "thin", "fat"]
Theme = Literal["darkest", "dark", "light"]


class PresetMediaAudio(RequestBody):
    """`config.media.audio` (optional fields in every preset operation)."""

    enable_high_bitrate: Omittable[bool] = None
    enable_stereo: Omittable[bool] = None


class PluginConfig(RequestBody):
    """One plugin's entry in `permissions.plugins.config`, keyed by plugin id."""

    access_control: Omittable[Literal["FULL_ACCESS", "VIEW_ONLY"]] = None
    handles_view_only: Omittable[bool] = None


def _plugins_config_form(value: Any) -> str | None:
    if isinstance(value, str):
        return "<string>"
    if isinstance(value, dict):
        return "<map>"
    return None


# The SDK types `permissions.plugins.config` as a map from plugin id to `PluginConfig`; the API
# reference shows a plain string, so both are accepted.
PluginsConfig = Annotated[
    Annotated[str, Tag("<string>")] | Annotated[dict[str, PluginConfig], Tag("<map>")],
    Discriminator(
        _plugins_config_form,
        custom_error_type="plugins_config_type",
        custom_error_message="must be a string or an object mapping plugin ids to settings",
    ),
]


class PresetMaxVideoStreams(RequestBody):
    """`config.max_video_streams`."""

    desktop: Number
    mobile: Number


class PresetMediaScreenshare(RequestBody):
    """`config.media.screenshare`."""

    frame_rate: Number
    quality: MediaQuality


class PresetMediaVideo(RequestBody):
    """`config.media.video`."""

    frame_rate: Number
    quality: MediaQuality
    simulcast: Omittable[bool] = None


class PresetMedia(RequestBody):
    """`config.media`."""

    screenshare: PresetMediaScreenshare
    video: PresetMediaVideo
    audio: Omittable[PresetMediaAudio] = None


class PresetConfig(RequestBody):
    """A preset's `config`."""

    max_screenshare_count: Number
    max_video_streams: PresetMaxVideoStreams
    media: PresetMedia
    view_type: ViewType
    livestream_viewer_qualities: list[int] | None = None


class PresetChatPrivate(RequestBody):
    """`permissions.chat.private`."""

    can_receive: bool
    can_send: bool
    files: bool
    text: bool


class PresetChatPublic(RequestBody):
    """`permissions.chat.public`."""

    can_send: bool
    files: bool
    text: bool


class PresetChat(RequestBody):
    """`permissions.chat`."""

    private: PresetChatPrivate
    public: PresetChatPublic


class PresetConnectedMeetings(RequestBody):
    """`permissions.connected_meetings`."""

    can_alter_connected_meetings: bool
    can_switch_connected_meetings: bool
    can_switch_to_parent_meeting: bool


class PresetProduce(RequestBody):
    """`permissions.media.audio`, `.screenshare` and `.video` (three identical SDK types)."""

    can_produce: ProduceAccess


class PresetMediaPermissions(RequestBody):
    """`permissions.media`."""

    audio: PresetProduce
    screenshare: PresetProduce
    video: PresetProduce


class PresetPlugins(RequestBody):
    """`permissions.plugins`."""

    can_close: bool
    can_edit_config: bool
    can_start: bool
    config: PluginsConfig


class PresetPolls(RequestBody):
    """`permissions.polls`."""

    can_create: bool
    can_view: bool
    can_vote: bool


class PresetPermissions(RequestBody):
    """A preset's `permissions`."""

    accept_waiting_requests: bool
    can_accept_production_requests: bool
    can_change_participant_permissions: bool
    can_edit_display_name: bool
    can_livestream: bool
    can_record: bool
    can_spotlight: bool
    chat: PresetChat
    connected_meetings: PresetConnectedMeetings
    disable_participant_audio: bool
    disable_participant_screensharing: bool
    disable_participant_video: bool
    hidden_participant: bool
    kick_participant: bool
    media: PresetMediaPermissions
    pin_participant: bool
    plugins: PresetPlugins
    polls: PresetPolls
    recorder_type: RecorderType
    show_participant_list: bool
    waiting_room_type: WaitingRoomType
    accept_stage_requests: Omittable[bool] = None
    is_recorder: Omittable[bool] = None
    stage_access: Omittable[ProduceAccess] = None
    stage_enabled: Omittable[bool] = None
    transcription_enabled: Omittable[bool] = None


class PresetColorsBackground(RequestBody):
    """`ui.design_tokens.colors.background`: shades keyed "600" to "1000"."""

    shade_1000: str = Field(alias="1000")
    shade_600: str = Field(alias="600")
    shade_700: str = Field(alias="700")
    shade_800: str = Field(alias="800")
    shade_900: str = Field(alias="900")


class PresetColorsBrand(RequestBody):
    """`ui.design_tokens.colors.brand`: shades keyed "300" to "700"."""

    shade_300: str = Field(alias="300")
    shade_400: str = Field(alias="400")
    shade_500: str = Field(alias="500")
    shade_600: str = Field(alias="600")
    shade_700: str = Field(alias="700")


class PresetColors(RequestBody):
    """`ui.design_tokens.colors`."""

    background: PresetColorsBackground
    brand: PresetColorsBrand
    danger: str
    success: str
    text: str
    text_on_brand: str
    video_bg: str
    warning: str


class PresetDesignTokens(RequestBody):
    """`ui.design_tokens`."""

    border_radius: BorderRadius
    border_width: BorderWidth
    colors: PresetColors
    spacing_base: Number
    theme: Theme
    font_family: Omittable[str] = None
    google_font: Omittable[str] = None
    logo: Omittable[str] = None


class PresetUI(RequestBody):
    """A preset's `ui`."""

    design_tokens: PresetDesignTokens


class PresetCreate(RequestBody):
    """POST .../presets."""

    config: PresetConfig
    name: str
    permissions: PresetPermissions
    ui: PresetUI


class PresetReplacePresetByID(PresetCreate):
    """PUT .../presets/{preset_id} (in the SDK, not in the API reference): as create."""


# The update (PATCH) tree is derived from the create tree rather than written out again.
_UPDATE_DOC = "PATCH .../presets/{preset_id}: any part of a preset, at any depth."
PresetUpdate = partial_model(PresetCreate, "PresetUpdate", _UPDATE_DOC, prefix="PresetUpdate")
# One nested update model under its own name, for validating that part alone (the others are
# reached through `PresetUpdate`'s fields; `partial_model` returns the same class for each).
PresetUpdateColorsBrand = partial_model(PresetColorsBrand, prefix="PresetUpdate")


# --- Recordings -----------------------------------------------------------------------------


class InteractiveConfig(RequestBody):
    """`interactive_config`: timed ID3 metadata in the recording."""

    type: Omittable[Literal["ID3"]] = None


class RecordingStartRecordings(RequestBody):
    """POST .../recordings (the meeting to record is named in the body)."""

    meeting_id: str
    allow_multiple_recordings: Omittable[bool] = None
    audio_config: Omittable[RecordingAudioConfig] = None
    file_name_prefix: Omittable[str] = None
    interactive_config: Omittable[InteractiveConfig] = None
    max_seconds: Omittable[int] = None
    realtimekit_bucket_config: Omittable[RealtimekitBucketConfig] = None
    rtmp_out_config: Omittable[RtmpConfig] = None
    storage_config: StorageConfig | None = None
    url: Omittable[str] = None
    video_config: Omittable[RecordingVideoConfig] = None


class RecordingPauseResumeStopRecording(RequestBody):
    """PUT .../recordings/{recording_id}."""

    action: Literal["stop", "pause", "resume"]


class TrackRecordingLayer(RequestBody):
    """One entry of a track recording's `layers`, keyed by layer name (e.g. "default")."""

    file_name_prefix: Omittable[str] = None
    media_kind: Omittable[Literal["audio"]] = None


class RecordingStartTrackRecording(RequestBody):
    """POST .../recordings/track."""

    meeting_id: str
    layers: Omittable[dict[str, TrackRecordingLayer]] = None
    user_ids: Omittable[list[str]] = None


# --- Webhooks -------------------------------------------------------------------------------

WebhookEvent = Literal[
    "meeting.started",
    "meeting.ended",
    "meeting.participantJoined",
    "meeting.participantLeft",
    "meeting.chatSynced",
    "recording.statusUpdate",
    "livestreaming.statusUpdate",
    "meeting.transcript",
    "meeting.summary",
]
# The same names as a tuple, for code that lists them (the demo's "all events" webhook).
WEBHOOK_EVENTS: tuple[WebhookEvent, ...] = get_args(WebhookEvent)


class WebhookCreateWebhook(RequestBody):
    """POST .../webhooks."""

    events: list[WebhookEvent]
    name: str
    url: str
    enabled: Omittable[bool] = None


class WebhookReplaceWebhook(WebhookCreateWebhook):
    """PUT .../webhooks/{webhook_id}: the same body as adding one."""


# Every field of adding one, each optional. (The other PATCH bodies are not such copies:
# `MeetingUpdateMeetingByID` adds `status` and refuses nulls the create body allows, and
# `MeetingEditParticipant` drops `custom_participant_id` and lets `preset_name` be null.)
WebhookEditWebhook = partial_model(
    WebhookCreateWebhook,
    "WebhookEditWebhook",
    "PATCH .../webhooks/{webhook_id}.",
    prefix="WebhookEdit",
)


# --- Active sessions, livestreams, apps -----------------------------------------------------


class ActiveSessionKickParticipants(RequestBody):
    """POST .../meetings/{meeting_id}/active-session/kick."""

    custom_participant_ids: Omittable[list[str]] = None
    participant_ids: Omittable[list[str]] = None


class ActiveSessionCreatePoll(RequestBody):
    """POST .../meetings/{meeting_id}/active-session/poll."""

    options: list[str]
    question: str
    anonymous: Omittable[bool] = None
    hide_votes: Omittable[bool] = None


class LivestreamVideoConfig(RequestBody):
    """`video_config` of a livestream, in pixels."""

    height: Omittable[int] = None
    width: Omittable[int] = None


class LivestreamStartLivestreamingAMeeting(RequestBody):
    """POST .../meetings/{meeting_id}/livestreams."""

    name: str | None = None
    video_config: Omittable[LivestreamVideoConfig] = None


class LivestreamCreateIndependentLivestream(RequestBody):
    """POST .../livestreams. Not in the SDK: from the API reference, whose only field is `name`.

    `name` may be null, as in the SDK's sibling operation (starting a meeting's livestream).
    """

    name: str | None = None


class AppPost(RequestBody):
    """POST .../apps."""

    name: str


# --- Lookup and validation ------------------------------------------------------------------

_APP = "/accounts/{account_id}/realtime/kit/{app_id}"

BODY_MODELS: dict[tuple[str, str], type[RequestBody]] = {
    ("POST", "/accounts/{account_id}/realtime/kit/apps"): AppPost,
    ("POST", f"{_APP}/meetings"): MeetingCreate,
    ("PATCH", f"{_APP}/meetings/{{meeting_id}}"): MeetingUpdateMeetingByID,
    ("PUT", f"{_APP}/meetings/{{meeting_id}}"): MeetingReplaceMeetingByID,
    ("POST", f"{_APP}/meetings/{{meeting_id}}/participants"): MeetingAddParticipant,
    (
        "PATCH",
        f"{_APP}/meetings/{{meeting_id}}/participants/{{participant_id}}",
    ): MeetingEditParticipant,
    ("POST", f"{_APP}/presets"): PresetCreate,
    ("PATCH", f"{_APP}/presets/{{preset_id}}"): PresetUpdate,
    ("PUT", f"{_APP}/presets/{{preset_id}}"): PresetReplacePresetByID,
    ("POST", f"{_APP}/recordings"): RecordingStartRecordings,
    ("PUT", f"{_APP}/recordings/{{recording_id}}"): RecordingPauseResumeStopRecording,
    ("POST", f"{_APP}/recordings/track"): RecordingStartTrackRecording,
    ("POST", f"{_APP}/webhooks"): WebhookCreateWebhook,
    ("PUT", f"{_APP}/webhooks/{{webhook_id}}"): WebhookReplaceWebhook,
    ("PATCH", f"{_APP}/webhooks/{{webhook_id}}"): WebhookEditWebhook,
    (
        "POST",
        f"{_APP}/meetings/{{meeting_id}}/active-session/kick",
    ): ActiveSessionKickParticipants,
    ("POST", f"{_APP}/meetings/{{meeting_id}}/active-session/poll"): ActiveSessionCreatePoll,
    ("POST", f"{_APP}/livestreams"): LivestreamCreateIndependentLivestream,
    (
        "POST",
        f"{_APP}/meetings/{{meeting_id}}/livestreams",
    ): LivestreamStartLivestreamingAMeeting,
}


class BodyError(ValueError):
    """A request body the API would refuse.

    `field` is the dotted path of the first offending field (`None` when the body as a whole is
    wrong), `message` one readable line for a 400 answer or an exception, and `problems` every
    `(field, message)` found.
    """

    def __init__(
        self,
        field: str | None,
        message: str,
        problems: list[tuple[str | None, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.problems = problems if problems is not None else [(field, message)]


# More than this many problems in one line stops being readable; the rest are counted.
_MAX_LISTED = 3

_PROBLEMS: dict[str, str] = {
    "string_type": "must be a string",
    "bool_type": "must be a boolean",
    "int_type": "must be an integer",
    "float_type": "must be a number",
    "list_type": "must be an array",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
}
# The tagged unions' own error types (a value that is not even the right kind of JSON).
_UNION_ERRORS = frozenset({"storage_config_type", "plugins_config_type"})


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _shown(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    if value is None or isinstance(value, bool | int | float):
        return json.dumps(value)
    return _type_name(value)


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part not in _UNION_TAGS:
            path += f".{part}" if path else part
    return path


def _problem(error: ErrorDetails) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return "is required"
    if kind == "not_nullable":
        return "must not be null"
    if kind == "literal_error":
        expected = str(error.get("ctx", {}).get("expected", ""))
        choices = re.findall(r"'(?:[^'\\]|\\.)*'", expected)
        wanted = f"one of {', '.join(choices)}" if len(choices) > 1 else expected
        return f"must be {wanted} (got {_shown(value)})"
    if kind in _PROBLEMS:
        return f"{_PROBLEMS[kind]} (got {_type_name(value)})"
    if kind in _UNION_ERRORS:  # raised with a message that is already a phrase
        return f"{error['msg']} (got {_type_name(value)})"
    message = error["msg"]
    return message[:1].lower() + message[1:]


def _body_error(exc: ValidationError) -> BodyError:
    problems: list[tuple[str | None, str]] = []
    for error in exc.errors(include_url=False):
        field = _field_path(error["loc"])
        problems.append((field, f"body field '{field}' {_problem(error)}"))
    lines = [message for _, message in problems[:_MAX_LISTED]]
    if len(problems) > _MAX_LISTED:
        more = len(problems) - _MAX_LISTED
        lines.append(f"and {more} more problem{'s' if more > 1 else ''}")
    return BodyError(problems[0][0], "; ".join(lines), problems)


def validate_body(method: str, path_template: str, body: object) -> dict[str, Any]:
    """Check `body` for the operation `method path_template` and return the JSON to send.

    `path_template` is spelt as in the API reference, e.g.
    `/accounts/{account_id}/realtime/kit/{app_id}/meetings`. Unknown fields are kept; fields
    left out stay out. Raises `BodyError` naming the first offending field.
    """
    model = BODY_MODELS.get((method.upper(), path_template))
    if model is None:
        if body is None or (isinstance(body, dict) and not body):
            return {}
        raise BodyError(
            None,
            f"body must be empty: {method.upper()} {path_template} takes no body "
            f"(got {_type_name(body)})",
        )
    if body is None:  # no body at all reads as an empty object
        body = {}
    if not isinstance(body, dict):
        raise BodyError(None, f"body must be a JSON object (got {_type_name(body)})")
    try:
        parsed = model.model_validate(body)
    except ValidationError as exc:
        raise _body_error(exc) from None
    return parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
