"""Request-body models: the reference's examples, readable errors, and agreement with the SDK.

The official SDK (`cloudflare` 5.9.0, a test-only dependency) is the source of truth: its
`cloudflare.types.realtime_kit.*_params` TypedDicts are walked and compared with the models.
"""

from __future__ import annotations

import collections.abc
import copy
import importlib
import json
import subprocess
import sys
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, NotRequired, Required, Union, get_args, get_origin

import pytest
import typing_extensions
from pydantic import AfterValidator, BaseModel, PlainValidator

from rtk_notebook.spec import bodies as rq
from rtk_notebook.spec.bodies import BODY_MODELS, BodyError, RequestBody, validate_body

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES: list[dict[str, Any]] = json.loads(
    (ROOT / "tests" / "data" / "reference_examples.json").read_text()
)
APP = "/accounts/{account_id}/realtime/kit/{app_id}"
ROUTE: dict[type[RequestBody], tuple[str, str]] = {model: key for key, model in BODY_MODELS.items()}

# The only body operation that is not in the API reference (so has no example there).
SDK_ONLY = ("PUT", f"{APP}/presets/{{preset_id}}")
# The only body operation that is not in the SDK (so is not cross-checked against it).
REFERENCE_ONLY = rq.LivestreamCreateIndependentLivestream

SDK_PARAMS: dict[type[RequestBody], str] = {
    rq.AppPost: "app_post_params.AppPostParams",
    rq.MeetingCreate: "meeting_create_params.MeetingCreateParams",
    rq.MeetingUpdateMeetingByID: (
        "meeting_update_meeting_by_id_params.MeetingUpdateMeetingByIDParams"
    ),
    rq.MeetingReplaceMeetingByID: (
        "meeting_replace_meeting_by_id_params.MeetingReplaceMeetingByIDParams"
    ),
    rq.MeetingAddParticipant: "meeting_add_participant_params.MeetingAddParticipantParams",
    rq.MeetingEditParticipant: "meeting_edit_participant_params.MeetingEditParticipantParams",
    rq.PresetCreate: "preset_create_params.PresetCreateParams",
    rq.PresetUpdate: "preset_update_params.PresetUpdateParams",
    rq.PresetReplacePresetByID: "preset_replace_preset_by_id_params.PresetReplacePresetByIDParams",
    rq.RecordingStartRecordings: "recording_start_recordings_params.RecordingStartRecordingsParams",
    rq.RecordingPauseResumeStopRecording: (
        "recording_pause_resume_stop_recording_params.RecordingPauseResumeStopRecordingParams"
    ),
    rq.RecordingStartTrackRecording: (
        "recording_start_track_recording_params.RecordingStartTrackRecordingParams"
    ),
    rq.WebhookCreateWebhook: "webhook_create_webhook_params.WebhookCreateWebhookParams",
    rq.WebhookReplaceWebhook: "webhook_replace_webhook_params.WebhookReplaceWebhookParams",
    rq.WebhookEditWebhook: "webhook_edit_webhook_params.WebhookEditWebhookParams",
    rq.ActiveSessionKickParticipants: (
        "active_session_kick_participants_params.ActiveSessionKickParticipantsParams"
    ),
    rq.ActiveSessionCreatePoll: "active_session_create_poll_params.ActiveSessionCreatePollParams",
    rq.LivestreamStartLivestreamingAMeeting: (
        "livestream_start_livestreaming_a_meeting_params.LivestreamStartLivestreamingAMeetingParams"
    ),
}
ALL_MODELS = [*SDK_PARAMS, REFERENCE_ONLY]


def _id(model: type[RequestBody]) -> str:
    return model.__name__


def _example(method: str, path: str) -> dict[str, Any]:
    return next(e for e in EXAMPLES if e["method"] == method and e["path"] == path)


# A complete preset: the reference's example (which leaves out `permissions`) plus permissions.
PERMISSIONS: dict[str, Any] = {
    "accept_waiting_requests": True,
    "can_accept_production_requests": True,
    "can_change_participant_permissions": True,
    "can_edit_display_name": True,
    "can_livestream": False,
    "can_record": True,
    "can_spotlight": True,
    "chat": {
        "private": {"can_receive": True, "can_send": True, "files": True, "text": True},
        "public": {"can_send": True, "files": True, "text": True},
    },
    "connected_meetings": {
        "can_alter_connected_meetings": False,
        "can_switch_connected_meetings": False,
        "can_switch_to_parent_meeting": False,
    },
    "disable_participant_audio": True,
    "disable_participant_screensharing": True,
    "disable_participant_video": True,
    "hidden_participant": False,
    "kick_participant": True,
    "media": {
        "audio": {"can_produce": "ALLOWED"},
        "screenshare": {"can_produce": "ALLOWED"},
        "video": {"can_produce": "CAN_REQUEST"},
    },
    "pin_participant": True,
    "plugins": {
        "can_close": True,
        "can_edit_config": True,
        "can_start": True,
        "config": {"4a5b6c7d": {"access_control": "FULL_ACCESS", "handles_view_only": False}},
    },
    "polls": {"can_create": True, "can_view": True, "can_vote": True},
    "recorder_type": "NONE",
    "show_participant_list": True,
    "waiting_room_type": "SKIP",
}
FULL_PRESET: dict[str, Any] = {
    **_example("POST", f"{APP}/presets")["request_body"],
    "permissions": PERMISSIONS,
}
WEBHOOK = {"events": ["meeting.started"], "name": "hook", "url": "https://example.com/hook"}

# A valid body for each model, for the error tests to break in exactly one place.
VALID: dict[type[RequestBody], dict[str, Any]] = {
    rq.AppPost: {"name": "my-app"},
    rq.MeetingCreate: {},
    rq.MeetingUpdateMeetingByID: {},
    rq.MeetingReplaceMeetingByID: {},
    rq.MeetingAddParticipant: {"custom_participant_id": "u-1", "preset_name": "host"},
    rq.MeetingEditParticipant: {},
    rq.PresetCreate: FULL_PRESET,
    rq.PresetUpdate: {},
    rq.PresetReplacePresetByID: FULL_PRESET,
    rq.RecordingStartRecordings: {"meeting_id": "m-1"},
    rq.RecordingPauseResumeStopRecording: {"action": "pause"},
    rq.RecordingStartTrackRecording: {"meeting_id": "m-1"},
    rq.WebhookCreateWebhook: WEBHOOK,
    rq.WebhookReplaceWebhook: WEBHOOK,
    rq.WebhookEditWebhook: {},
    rq.ActiveSessionKickParticipants: {},
    rq.ActiveSessionCreatePoll: {"options": ["yes", "no"], "question": "Lunch?"},
    rq.LivestreamStartLivestreamingAMeeting: {},
    rq.LivestreamCreateIndependentLivestream: {},
}

DELETE = object()


def _changed(body: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of `body` with each dotted path set to a value, or removed (`DELETE`)."""
    body = copy.deepcopy(body)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = body
        for key in parents:
            node = node.setdefault(key, {})
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return body


def _reject(model: type[RequestBody], body: object) -> BodyError:
    with pytest.raises(BodyError) as caught:
        validate_body(*ROUTE[model], body)
    return caught.value


# --- (a) the reference's own example bodies -------------------------------------------------

# Examples the SDK's types refuse: the reference marks these fields optional, the SDK requires
# them (and the models follow the SDK).
INVALID_EXAMPLES: dict[tuple[str, str], str] = {
    ("POST", f"{APP}/presets"): "permissions",
    ("POST", f"{APP}/recordings"): "meeting_id",
}
BODY_EXAMPLES = [e for e in EXAMPLES if (e["method"], e["path"]) in BODY_MODELS]


def test_every_body_operation_of_the_reference_has_a_model() -> None:
    with_body = {(e["method"], e["path"]) for e in EXAMPLES if e["request_body"] is not None}
    assert with_body == set(BODY_MODELS) - {SDK_ONLY}
    assert len(BODY_MODELS) == len(set(BODY_MODELS.values())) == len(ALL_MODELS)


@pytest.mark.parametrize(
    "example", BODY_EXAMPLES, ids=[f"{e['method']} {e['path']}" for e in BODY_EXAMPLES]
)
def test_reference_example_body(example: dict[str, Any]) -> None:
    key = (example["method"], example["path"])
    body = example["request_body"]
    if key in INVALID_EXAMPLES:
        error = _reject(BODY_MODELS[key], body)
        assert error.field == INVALID_EXAMPLES[key]
        assert error.message == f"body field '{INVALID_EXAMPLES[key]}' is required"
    else:
        # Sent as written: unknown fields (e.g. track recording's `outputs`) and aliases kept.
        assert validate_body(*key, body) == body


def test_invalid_examples_only_lack_what_the_sdk_requires() -> None:
    assert validate_body("POST", f"{APP}/presets", FULL_PRESET) == FULL_PRESET
    assert validate_body("POST", f"{APP}/recordings", {"meeting_id": "m-1"}) == {
        "meeting_id": "m-1"
    }


@pytest.mark.parametrize("model", ALL_MODELS, ids=_id)
def test_valid_body_round_trips(model: type[RequestBody]) -> None:
    assert validate_body(*ROUTE[model], VALID[model]) == VALID[model]


# --- (b) missing required fields, wrong types, bad enum values ------------------------------

# (model, changes to its valid body, the field the error must name). Models with no required
# field at any depth (MeetingEditParticipant, PresetUpdate, WebhookEditWebhook,
# ActiveSessionKickParticipants, both livestream bodies) have no MISSING case, and those
# without an enum (AppPost, the participant bodies, ActiveSessionKickParticipants,
# ActiveSessionCreatePoll, both livestream bodies) have no BAD_ENUM case.
MISSING = [
    (rq.AppPost, {"name": DELETE}, "name"),
    (
        rq.MeetingCreate,
        {"recording_config": {"realtimekit_bucket_config": {}}},
        "recording_config.realtimekit_bucket_config.enabled",
    ),
    (
        rq.MeetingUpdateMeetingByID,
        {"recording_config.realtimekit_bucket_config": {}},
        "recording_config.realtimekit_bucket_config.enabled",
    ),
    (
        rq.MeetingReplaceMeetingByID,
        {"recording_config.storage_config": {"type": "aws", "region": "eu"}},
        "recording_config.storage_config.access_key",
    ),
    (rq.MeetingAddParticipant, {"preset_name": DELETE}, "preset_name"),
    (rq.PresetCreate, {"permissions": DELETE}, "permissions"),
    (
        rq.PresetReplacePresetByID,
        {"ui.design_tokens.colors.background.1000": DELETE},
        "ui.design_tokens.colors.background.1000",
    ),
    (rq.RecordingStartRecordings, {"meeting_id": DELETE}, "meeting_id"),
    (rq.RecordingPauseResumeStopRecording, {"action": DELETE}, "action"),
    (rq.RecordingStartTrackRecording, {"meeting_id": DELETE}, "meeting_id"),
    (rq.WebhookCreateWebhook, {"url": DELETE}, "url"),
    (rq.WebhookReplaceWebhook, {"events": DELETE}, "events"),
    (rq.ActiveSessionCreatePoll, {"question": DELETE}, "question"),
]
WRONG_TYPE = [
    (rq.AppPost, {"name": 5}, "name", "must be a string (got int)"),
    (rq.MeetingCreate, {"record_on_start": "true"}, "record_on_start", "must be a boolean"),
    (rq.MeetingUpdateMeetingByID, {"persist_chat": 1}, "persist_chat", "must be a boolean"),
    (
        rq.MeetingReplaceMeetingByID,
        {"session_keep_alive_time_in_secs": "60"},
        "session_keep_alive_time_in_secs",
        "must be a number (got str)",
    ),
    (rq.MeetingAddParticipant, {"name": ["Ann"]}, "name", "must be a string (got list)"),
    (rq.MeetingEditParticipant, {"preset_name": 5}, "preset_name", "must be a string"),
    (
        rq.PresetCreate,
        {"config.max_screenshare_count": "2"},
        "config.max_screenshare_count",
        "must be a number",
    ),
    (
        rq.PresetUpdate,
        {"permissions.chat.public.can_send": "yes"},
        "permissions.chat.public.can_send",
        "must be a boolean",
    ),
    (
        rq.PresetReplacePresetByID,
        {"ui.design_tokens.spacing_base": True},
        "ui.design_tokens.spacing_base",
        "must be a number (got bool)",
    ),
    (rq.RecordingStartRecordings, {"max_seconds": 60.5}, "max_seconds", "must be an integer"),
    (rq.RecordingPauseResumeStopRecording, {"action": ["stop"]}, "action", "(got list)"),
    (rq.RecordingStartTrackRecording, {"user_ids": "u-1"}, "user_ids", "must be an array"),
    (rq.WebhookCreateWebhook, {"enabled": "yes"}, "enabled", "must be a boolean"),
    (rq.WebhookReplaceWebhook, {"name": None}, "name", "must be a string (got null)"),
    (rq.WebhookEditWebhook, {"events": "meeting.started"}, "events", "must be an array"),
    (
        rq.ActiveSessionKickParticipants,
        {"participant_ids": ["p-1", 2]},
        "participant_ids[1]",
        "must be a string (got int)",
    ),
    (rq.ActiveSessionCreatePoll, {"anonymous": "no"}, "anonymous", "must be a boolean"),
    (
        rq.LivestreamStartLivestreamingAMeeting,
        {"video_config.height": "720"},
        "video_config.height",
        "must be an integer (got str)",
    ),
    (rq.LivestreamCreateIndependentLivestream, {"name": 5}, "name", "must be a string"),
]
BAD_ENUM = [
    (
        rq.MeetingCreate,
        {"recording_config.audio_config.codec": "OGG"},
        "recording_config.audio_config.codec",
    ),
    (rq.MeetingUpdateMeetingByID, {"status": "PAUSED"}, "status"),
    (
        rq.MeetingReplaceMeetingByID,
        {"ai_config.transcription.language": "xx"},
        "ai_config.transcription.language",
    ),
    (rq.PresetCreate, {"config.view_type": "BOGUS"}, "config.view_type"),
    (rq.PresetUpdate, {"ui.design_tokens.theme": "neon"}, "ui.design_tokens.theme"),
    (
        rq.PresetReplacePresetByID,
        {"permissions.media.video.can_produce": "MAYBE"},
        "permissions.media.video.can_produce",
    ),
    (rq.RecordingStartRecordings, {"video_config.codec": "AV1"}, "video_config.codec"),
    (rq.RecordingPauseResumeStopRecording, {"action": "rewind"}, "action"),
    (
        rq.RecordingStartTrackRecording,
        {"layers": {"default-video": {"media_kind": "video"}}},
        "layers.default-video.media_kind",
    ),
    (rq.WebhookCreateWebhook, {"events": ["meeting.started", "meeting.exploded"]}, "events[1]"),
    (rq.WebhookReplaceWebhook, {"events": ["nope"]}, "events[0]"),
    (rq.WebhookEditWebhook, {"events": ["meeting.summary", "nope"]}, "events[1]"),
]


def _case_id(case: tuple[Any, ...]) -> str:
    return f"{case[0].__name__}-{case[2]}"


@pytest.mark.parametrize("case", MISSING, ids=_case_id)
def test_missing_required_field(case: tuple[Any, ...]) -> None:
    model, changes, field = case
    error = _reject(model, _changed(VALID[model], changes))
    assert (error.field, error.message) == (field, f"body field '{field}' is required")


@pytest.mark.parametrize("case", WRONG_TYPE, ids=_case_id)
def test_wrong_type(case: tuple[Any, ...]) -> None:
    model, changes, field, problem = case
    error = _reject(model, _changed(VALID[model], changes))
    assert error.field == field
    assert error.message.startswith(f"body field '{field}' must ")
    assert problem in error.message
    assert len(error.problems) == 1


@pytest.mark.parametrize("case", BAD_ENUM, ids=_case_id)
def test_bad_enum_value(case: tuple[Any, ...]) -> None:
    model, changes, field = case
    error = _reject(model, _changed(VALID[model], changes))
    assert error.field == field
    assert error.message.startswith(f"body field '{field}' must be ")
    assert "(got '" in error.message
    assert len(error.problems) == 1


def test_every_model_has_error_cases() -> None:
    covered = {case[0] for case in WRONG_TYPE}
    assert covered == set(ALL_MODELS)


# --- Messages, nulls, numbers, unknown fields, aliases --------------------------------------


@pytest.mark.parametrize(
    ("model", "body", "message"),
    [
        (
            rq.MeetingAddParticipant,
            {"custom_participant_id": "u-1"},
            "body field 'preset_name' is required",
        ),
        (
            rq.MeetingUpdateMeetingByID,
            {"status": "PAUSED"},
            "body field 'status' must be one of 'ACTIVE', 'INACTIVE' (got 'PAUSED')",
        ),
        (
            rq.MeetingCreate,
            {"record_on_start": "true"},
            "body field 'record_on_start' must be a boolean (got str)",
        ),
        (rq.MeetingCreate, [], "body must be a JSON object (got list)"),
        (rq.AppPost, "my-app", "body must be a JSON object (got str)"),
        (rq.AppPost, None, "body field 'name' is required"),  # no body reads as {}
        (
            rq.RecordingPauseResumeStopRecording,
            {"action": 1},
            "body field 'action' must be one of 'stop', 'pause', 'resume' (got 1)",
        ),
        (
            rq.RecordingStartTrackRecording,
            {"meeting_id": "m", "layers": {"default": {"media_kind": "video"}}},
            "body field 'layers.default.media_kind' must be 'audio' (got 'video')",
        ),
    ],
)
def test_messages(model: type[RequestBody], body: object, message: str) -> None:
    error = _reject(model, body)
    assert error.message == str(error) == message


def test_several_problems_in_one_line() -> None:
    error = _reject(rq.PresetCreate, {"name": 1})
    assert error.field == "config"
    assert [field for field, _ in error.problems] == ["config", "name", "permissions", "ui"]
    assert error.message == (
        "body field 'config' is required; body field 'name' must be a string (got int); "
        "body field 'permissions' is required; and 1 more problem"
    )
    assert "\n" not in error.message


def test_null_only_where_the_sdk_allows_it() -> None:
    meetings = f"{APP}/meetings"
    # `title` and `record_on_start` are Optional[...] in the SDK's create, plain in its update.
    assert validate_body("POST", meetings, {"title": None, "record_on_start": None}) == {
        "title": None,
        "record_on_start": None,
    }
    error = _reject(rq.MeetingUpdateMeetingByID, {"title": None})
    assert error.message == "body field 'title' must not be null"
    error = _reject(rq.MeetingCreate, {"persist_chat": None})
    assert error.message == "body field 'persist_chat' must not be null"
    assert validate_body("POST", f"{APP}/recordings", {"meeting_id": "m", "storage_config": None})


def test_numbers() -> None:
    # A float field takes an int and sends it unchanged; an int field refuses a float.
    body = {"session_keep_alive_time_in_secs": 60, "recording_config": {"max_seconds": 90.5}}
    sent = validate_body("POST", f"{APP}/meetings", body)
    assert sent == body
    assert type(sent["session_keep_alive_time_in_secs"]) is int
    assert _reject(rq.RecordingStartRecordings, {"meeting_id": "m", "max_seconds": 60.0}).message
    error = _reject(rq.MeetingCreate, {"session_keep_alive_time_in_secs": False})
    assert error.message.endswith("must be a number (got bool)")


def test_no_coercion() -> None:
    for body in ({"persist_chat": 1}, {"persist_chat": "true"}, {"title": 5}):
        _reject(rq.MeetingCreate, body)
    _reject(rq.RecordingStartRecordings, {"meeting_id": "m", "max_seconds": "60"})
    _reject(rq.ActiveSessionCreatePoll, {"options": ("a", "b"), "question": "q"})


def test_unknown_fields_are_passed_through() -> None:
    body = {
        "title": "Standup",
        "future_flag": {"any": ["json", 1]},
        "recording_config": {"video_config": {"codec": "VP9", "fps": 30}},
    }
    assert validate_body("POST", f"{APP}/meetings", body) == body


def test_numeric_colour_keys_use_aliases() -> None:
    update = f"{APP}/presets/{{preset_id}}"
    body = {"ui": {"design_tokens": {"colors": {"brand": {"500": "#2160FD", "shade_300": "#f"}}}}}
    assert validate_body("PATCH", update, body) == {
        "ui": {"design_tokens": {"colors": {"brand": {"500": "#2160FD", "300": "#f"}}}}
    }
    brand = rq.PresetUpdateColorsBrand.model_validate({"500": "#2160FD"})
    assert brand.shade_500 == "#2160FD"


def test_plugin_config_is_a_map_or_a_string() -> None:
    update = f"{APP}/presets/{{preset_id}}"
    for config in ("plugin-config", {}, {"p-1": {"access_control": "VIEW_ONLY", "x": 1}}):
        body = {"permissions": {"plugins": {"config": config}}}
        assert validate_body("PATCH", update, body) == body
    error = _reject(rq.PresetUpdate, {"permissions": {"plugins": {"config": 3}}})
    assert error.field == "permissions.plugins.config"
    assert error.message.endswith("(got int)")
    error = _reject(
        rq.PresetUpdate,
        {"permissions": {"plugins": {"config": {"p-1": {"access_control": "ALL"}}}}},
    )
    assert error.field == "permissions.plugins.config.p-1.access_control"


@pytest.mark.parametrize(
    "storage",
    [
        {"type": "gcs", "bucket": "b", "access_key": "k", "secret": "s"},
        {"type": "aws", "access_key": "k", "region": "us-east-1", "bucket": "b", "secret": "s"},
        {"type": "sftp", "auth_method": "KEY", "private_key": "----", "host": "h", "port": 22},
        {"type": "sftp", "auth_method": "PASSWORD", "password": "pw", "username": "u"},
        {"type": "azure", "private_key": "----"},  # the SDK's third form takes any type
    ],
)
def test_storage_config_accepts_each_sdk_form(storage: dict[str, Any]) -> None:
    body = {"meeting_id": "m", "storage_config": storage}
    assert validate_body("POST", f"{APP}/recordings", body) == body
    meeting = {"recording_config": {"storage_config": storage}}
    assert validate_body("PUT", f"{APP}/meetings/{{meeting_id}}", meeting) == meeting


@pytest.mark.parametrize(
    ("storage", "field", "problem"),
    [
        ("s3://bucket", "storage_config", "must be an object (got str)"),
        ({"type": "aws", "access_key": "k"}, "storage_config.region", "is required"),
        ({"type": "sftp", "auth_method": "KEY"}, "storage_config.private_key", "is required"),
        ({"type": "sftp", "auth_method": "PASSWORD"}, "storage_config.password", "is required"),
        ({"type": "gcs", "port": "22"}, "storage_config.port", "must be a number (got str)"),
        ({"type": "s3", "private_key": "k"}, "storage_config.type", "must be one of 'aws', "),
    ],
)
def test_storage_config_errors_name_one_field(storage: object, field: str, problem: str) -> None:
    error = _reject(rq.RecordingStartRecordings, {"meeting_id": "m", "storage_config": storage})
    assert error.field == field
    assert error.message.startswith(f"body field '{field}' {problem}")


def test_operations_without_a_body() -> None:
    assert validate_body("GET", f"{APP}/meetings", None) == {}
    assert validate_body("post", f"{APP}/meetings/{{meeting_id}}/active-session/kick-all", {}) == {}
    assert validate_body("GET", f"{APP}/analytics/livestreams/daywise", None) == {}  # SDK-only
    with pytest.raises(BodyError, match=r"^body must be empty: DELETE .* takes no body"):
        validate_body("DELETE", f"{APP}/webhooks/{{webhook_id}}", {"force": True})


def test_method_is_case_insensitive_and_empty_body_reads_as_empty_object() -> None:
    assert validate_body("patch", f"{APP}/meetings/{{meeting_id}}", None) == {}


def test_the_product_does_not_import_the_sdk() -> None:
    code = "import sys, rtk_notebook.spec.bodies; assert 'cloudflare' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# --- (c) cross-check with the SDK's params TypedDicts ---------------------------------------
# Both sides are reduced to the same plain shape: ("object", {wire name: (required, shape)}),
# ("nullable", shape), ("union", shapes), ("list", shape), ("map", shape), ("literal", values),
# ("scalar", name) or ("any",). Everything is compared, at every depth: field names,
# required-ness, null-ness, enum values and scalar types.

Shape = tuple[Any, ...]

# Where the models knowingly accept more than the SDK: the reference's plain-string form.
STRING_FORM_TOO = {"permissions.plugins.config"}


def _required_keys(td: Any, hints: dict[str, Any]) -> set[str]:
    # The SDK's modules use `from __future__ import annotations`, which leaves
    # `__required_keys__` empty on Python 3.11 for `total=False` TypedDicts with `Required[...]`
    # keys, so the evaluated `Required[...]` wrappers are read as well.
    return {
        key
        for key, hint in hints.items()
        if key in td.__required_keys__
        or get_origin(hint) is Required
        or (td.__total__ and get_origin(hint) is not NotRequired)
    }


def _sdk_object(td: Any, skip: frozenset[str] = frozenset()) -> Shape:
    hints = typing.get_type_hints(td, include_extras=True)
    required = _required_keys(td, hints)
    fields = {}
    for key, hint in hints.items():
        if key in skip:
            continue
        fields[_sdk_wire_name(key, hint)] = (key in required, _sdk_shape(hint))
    return ("object", fields)


def _sdk_wire_name(key: str, hint: Any) -> str:
    if get_origin(hint) in (Required, NotRequired):
        hint = get_args(hint)[0]
    if get_origin(hint) is Annotated:
        for meta in hint.__metadata__:  # the SDK's PropertyInfo(alias="1000")
            if getattr(meta, "alias", None):
                return meta.alias
    return key


def _union(members: tuple[Any, ...], shape: Any) -> Shape:
    present = [m for m in members if m is not type(None)]
    inner = shape(present[0]) if len(present) == 1 else ("union", tuple(map(shape, present)))
    return ("nullable", inner) if len(present) < len(members) else inner


def _common_shape(tp: Any, shape: Any) -> Shape | None:
    origin, args = get_origin(tp), get_args(tp)
    if origin is Literal:
        return ("literal", frozenset(args))
    if origin in (Union, types.UnionType):
        return _union(args, shape)
    if origin in (list, collections.abc.Sequence, collections.abc.Iterable):
        return ("list", shape(args[0]))
    if origin is dict:
        return ("map", shape(args[1]))
    if tp in (str, int, float, bool):
        return ("scalar", tp.__name__)
    if tp in (object, Any):
        return ("any",)
    return None


def _sdk_shape(tp: Any) -> Shape:
    if get_origin(tp) in (Required, NotRequired, Annotated):
        return _sdk_shape(get_args(tp)[0])
    if typing_extensions.is_typeddict(tp):
        return _sdk_object(tp)
    shape = _common_shape(tp, _sdk_shape)
    assert shape is not None, f"unexpected SDK type {tp!r}"
    return shape


def _model_object(model: type[BaseModel]) -> Shape:
    fields = {}
    for name, info in model.model_fields.items():
        hint = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        fields[info.alias or name] = (info.is_required(), _model_shape(hint))
    return ("object", fields)


def _model_shape(tp: Any) -> Shape:
    if get_origin(tp) is Annotated:
        inner, *metadata = get_args(tp)
        if any(
            isinstance(m, PlainValidator) and m.func is rq._strict_json_number for m in metadata
        ):
            return ("scalar", "float")
        shape = _model_shape(inner)
        if any(isinstance(m, AfterValidator) and m.func is rq._reject_null for m in metadata):
            assert shape[0] == "nullable", f"{tp!r}: Omittable without None"
            return shape[1]  # omittable, but null is refused
        return shape
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _model_object(tp)
    shape = _common_shape(tp, _model_shape)
    assert shape is not None, f"unexpected model type {tp!r}"
    return shape


def _differences(sdk: Shape, model: Shape, path: str = "") -> list[str]:
    if path in STRING_FORM_TOO and model[0] == "union" and model[1][0] == ("scalar", "str"):
        (model,) = model[1][1:]
    where = path or "<body>"
    if sdk[0] != model[0]:
        return [f"{where}: SDK has {sdk!r}, model has {model!r}"]
    kind = sdk[0]
    if kind == "object":
        problems = []
        for name in sorted(sdk[1].keys() | model[1].keys()):
            sub = f"{path}.{name}" if path else name
            if name not in model[1]:
                problems.append(f"{sub}: missing from the model")
            elif name not in sdk[1]:
                problems.append(f"{sub}: not in the SDK")
            else:
                (sdk_required, sdk_shape), (model_required, model_shape) = (
                    sdk[1][name],
                    model[1][name],
                )
                if sdk_required != model_required:
                    problems.append(f"{sub}: required {sdk_required} in the SDK")
                problems += _differences(sdk_shape, model_shape, sub)
        return problems
    if kind in ("nullable", "list", "map"):
        return _differences(sdk[1], model[1], path)
    if kind == "union":
        if len(sdk[1]) != len(model[1]):
            return [f"{where}: {len(sdk[1])} union members in the SDK, {len(model[1])} here"]
        return [p for s, m in zip(sdk[1], model[1], strict=True) for p in _differences(s, m, path)]
    return [] if sdk == model else [f"{where}: SDK has {sdk!r}, model has {model!r}"]


def _sdk_params(model: type[RequestBody]) -> Any:
    module, name = SDK_PARAMS[model].split(".")
    return getattr(importlib.import_module(f"cloudflare.types.realtime_kit.{module}"), name)


def _path_ids(model: type[RequestBody]) -> frozenset[str]:
    _, path = ROUTE[model]
    return frozenset(part.strip("{}") for part in path.split("/") if part.startswith("{"))


@pytest.mark.parametrize("model", list(SDK_PARAMS), ids=_id)
def test_model_matches_sdk_params(model: type[RequestBody]) -> None:
    # account_id, app_id and ids in the path are path parameters in the SDK's TypedDicts too;
    # `meeting_id` is a body field only where the path has none (starting recordings).
    sdk = _sdk_object(_sdk_params(model), skip=_path_ids(model))
    mine = _model_object(model)
    assert sorted(mine[1]) == sorted(sdk[1])
    assert {k for k, (req, _) in mine[1].items() if req} == {
        k for k, (req, _) in sdk[1].items() if req
    }
    assert _differences(sdk, mine) == []


def test_cross_check_notices_a_difference() -> None:
    sdk = _sdk_object(_sdk_params(rq.MeetingUpdateMeetingByID), skip=frozenset({"app_id"}))
    assert _differences(sdk, _model_object(rq.MeetingUpdateMeetingByID)) == [
        "account_id: missing from the model"
    ]
    assert _differences(
        _sdk_object(_sdk_params(rq.MeetingCreate), skip=frozenset({"account_id"})),
        _model_object(rq.MeetingUpdateMeetingByID),
    ) == [
        "live_stream_on_start: SDK has ('nullable', ('scalar', 'bool')), model has "
        "('scalar', 'bool')",
        "record_on_start: SDK has ('nullable', ('scalar', 'bool')), model has ('scalar', 'bool')",
        "status: not in the SDK",
        "title: SDK has ('nullable', ('scalar', 'str')), model has ('scalar', 'str')",
    ]


def test_reference_only_model_matches_the_reference() -> None:
    # POST .../livestreams is not in the SDK; the reference lists one optional field, `name`.
    assert {n: f.is_required() for n, f in REFERENCE_ONLY.model_fields.items()} == {"name": False}
    assert validate_body("POST", f"{APP}/livestreams", {"name": "Town hall"}) == {
        "name": "Town hall"
    }
