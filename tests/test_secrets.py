"""Issue 11, secrets: pre-signed links and the credentials the API returns are masked at their
root (``secrets.mask_secrets`` and the frame, model and widget layers built on it) unless the
call that fetched them passed ``reveal_secrets=True``; an object fetched masked holds no secret
at all (``pickle`` included); a base URL carrying credentials is refused.

Secrets are taken from the demo world or from a ``reveal_secrets=True`` fetch, and looked for
in every output of the masked object: pickle, repr, str, HTML, dumps, frames, widget state.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest

import rtk_notebook as rtk
from rtk_notebook import config, frames, secrets
from rtk_notebook.demo import DemoBackend
from rtk_notebook.demo.routes import all_recordings
from rtk_notebook.demo.world import DemoWorld
from rtk_notebook.models import (
    Livestream,
    MeetingParticipant,
    PeerReport,
    Recording,
    RTKModel,
    SessionParticipant,
)
from rtk_notebook.widgets import RecordingMonitor
from tests.factories import Ids, connect_to, make_world

MASKED = "?…(masked)"

# Pre-signed links as the storage services sign them, each with what masking leaves of it.
SIGNED = {
    "r2_sigv4": (
        "https://acct.r2.cloudflarestorage.com/rec/a%20b.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIDEXAMPLE7Q2%2F20261118%2Fauto%2Fs3%2Faws4_request"
        "&X-Amz-Date=20261118T150000Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=5ec7e7d4c1a8f00d5ec7e7d4c1a8f00d",
        "https://acct.r2.cloudflarestorage.com/rec/a%20b.mp4",
    ),
    "s3_session_token_lowercase": (
        "https://bucket.s3.amazonaws.com/k.mp4?x-amz-security-token=FQoGZXIvYXdzEJrSECRET",
        "https://bucket.s3.amazonaws.com/k.mp4",
    ),
    "cloudfront_expires_signature": (
        "https://d111111abcdef8.cloudfront.net/v.mp4?Expires=1767225600"
        "&Signature=nitfHRCrtziwO2HwPfWwyYDhUF5EwRunQA&Key-Pair-Id=K2JCJMDEHXQW5F",
        "https://d111111abcdef8.cloudfront.net/v.mp4",
    ),
    "azure_sas_sig": (
        "https://acct.blob.core.windows.net/c/b.mp4?sv=2022-11-02&se=2026-11-19&sp=r"
        "&sig=Zm9vYmFyYmF6U0VDUkVU",
        "https://acct.blob.core.windows.net/c/b.mp4",
    ),
    "gcs_goog_signature": (
        "https://storage.googleapis.com/b/o.mp4?X-Goog-Algorithm=GOOG4-RSA-SHA256"
        "&X-Goog-Signature=8a9b7c6d5e4fSECRET",
        "https://storage.googleapis.com/b/o.mp4",
    ),
    "signature": ("https://cdn.example/f.csv?signature=abcSECRET", "https://cdn.example/f.csv"),
    "token": ("https://cdn.example/f.csv?x=1&token=abc123SECRET", "https://cdn.example/f.csv"),
    "access_token": ("https://api.example/f?access_token=ya29SECRET", "https://api.example/f"),
    "auth": ("https://api.example:8443/f?auth=s3cr3tSECRET", "https://api.example:8443/f"),
    "fragment": ("https://app.example/cb#access_token=xyzSECRET", "https://app.example/cb"),
    "userinfo": ("https://user:pa55SECRET@files.example/x", "https://files.example/x"),
}
UNSIGNED = [
    "https://customer-demo.cloudflarestream.invalid/abc/manifest/video.m3u8",
    "https://example.com/search?q=rtk&page=2",
    "rtmps://live.cloudflare.com:443/live/",
    "see https://docs.example/guide?section=recordings for more",
]


@pytest.fixture(scope="module")
def kit(shared_world: DemoWorld) -> Iterator[rtk.Kit]:
    connection = connect_to(DemoBackend(shared_world))
    yield connection
    connection.close()


# ---- helpers --------------------------------------------------------------------------------


def url_secrets(url: str) -> list[str]:
    """What in a demo pre-signed link is a credential: its signature and its access key id."""
    query = parse_qs(urlsplit(url).query)
    return [query["X-Amz-Signature"][0], query["X-Amz-Credential"][0].split("/")[0]]


def outputs(obj: Any) -> dict[str, bytes]:
    """Everything an object shows or keeps: pickle, repr, str, HTML, dumps, frame."""
    found: dict[str, Any] = {"pickle": pickle.dumps(obj)}
    if isinstance(obj, pd.DataFrame):
        found.update(repr=repr(obj), html=obj.to_html(), csv=obj.to_csv())
    else:
        found.update(
            repr=repr(obj),
            str=str(obj),
            html=obj._repr_html_(),
            dump=repr(obj.model_dump()),
            dump_json=obj.model_dump_json(),
            frame=pickle.dumps(obj.to_frame()),
            rich=repr(list(obj.__repr_args__())),
        )
    return {k: v.encode() if isinstance(v, str) else v for k, v in found.items()}


def leaks(obj: Any, values: list[str]) -> list[str]:
    """Where any of ``values`` shows up in ``obj``'s outputs (empty: nowhere)."""
    assert values and all(len(v) >= 8 for v in values)
    return [
        f"{v[:6]}… in {where}"
        for where, blob in outputs(obj).items()
        for v in values
        if v.encode() in blob
    ]


def widget_state(widget: Any) -> str:
    """The synced state of a widget and all its descendants, as JSON text."""
    parts, todo, seen = [], [widget], set()
    while todo:
        w = todo.pop()
        if id(w) in seen:
            continue
        seen.add(id(w))
        parts.append(json.dumps(w.get_state(), default=str))
        todo.extend(getattr(w, "children", ()))
    return "\n".join(parts)


def uploaded(world: DemoWorld) -> list[dict[str, Any]]:
    return [r for r in all_recordings(world.apps[0]) if r["download_url"]]


def storage_meeting_id(world: DemoWorld) -> str:
    return next(
        m.record["id"]
        for m in world.apps[0].meetings.values()
        if m.record.get("recording_config", {}).get("storage_config")
    )


# ---- the rule: secrets.py --------------------------------------------------------------------


@pytest.mark.parametrize("name", SIGNED)
def test_signed_urls_keep_scheme_host_and_path(name: str) -> None:
    url, kept = SIGNED[name]
    assert secrets.is_signed_url(url)
    assert secrets.mask_url(url) == kept + MASKED
    assert secrets.mask_text(url) == kept + MASKED
    assert secrets.mask_secrets({"anything": url}) == {"anything": kept + MASKED}
    assert "SECRET" not in secrets.mask_text(f"link: {url} (expires soon)")
    assert secrets.mask_url(kept + MASKED) == kept + MASKED  # masking again changes nothing


@pytest.mark.parametrize("text", UNSIGNED)
def test_urls_without_credentials_stay(text: str) -> None:
    assert secrets.mask_text(text) == text
    assert secrets.mask_secrets({"url": text}) == {"url": text}


@pytest.mark.parametrize(
    "key",
    ["download_url", "audio_download_url", "chat_download_url", "transcript_download_url",
     "downloadUrl", "my_download_url"],
)  # fmt: skip
def test_download_links_lose_any_query(key: str) -> None:
    # Under a download-link key the query goes whatever it carries; without one, nothing to do.
    url = "https://files.example/rec/f.mp4?response-content-disposition=attachment"
    assert secrets.mask_secrets({key: url}) == {key: "https://files.example/rec/f.mp4" + MASKED}
    plain = "https://files.example/rec/f.mp4"
    assert secrets.mask_secrets({key: plain}) == {key: plain}
    assert secrets.mask_secrets({"download_url_expiry": "2026-11-25T15:00:00Z"}) == {
        "download_url_expiry": "2026-11-25T15:00:00Z"
    }


def test_mask_secrets_finds_links_and_keys_wherever_they_are() -> None:
    url, kept = SIGNED["r2_sigv4"]
    samples = [{"t": i, "rtt": 20.5, "mid": "0", "peer": f"p{i}"} for i in range(40)]
    samples[23] = {**samples[23], "debug": url}  # deep in a long run of flat records
    data = {
        "a": [{"b": {"c": url}}, url, f"notes: {url}"],
        "streamKey": "sk-0123456789abcdef",
        "samples": samples,
        "clean": [{"t": i, "mid": "0"} for i in range(40)],
    }
    before = copy.deepcopy(data)
    masked = secrets.mask_secrets(data)
    assert data == before  # the input is untouched
    assert masked["a"] == [{"b": {"c": kept + MASKED}}, kept + MASKED, f"notes: {kept}{MASKED}"]
    assert masked["streamKey"] == "****cdef"
    assert masked["samples"][23]["debug"] == kept + MASKED
    assert masked["samples"][:23] == samples[:23] and masked["clean"] == data["clean"]
    assert "X-Amz" not in json.dumps(masked)
    assert secrets.mask_secrets(masked) == masked
    assert secrets.mask_secrets(data, reveal=True) is data


# ---- frames ----------------------------------------------------------------------------------


def test_recordings_frame_masks_download_links(kit: rtk.Kit, shared_world: DemoWorld) -> None:
    raw = {r["id"]: r for r in uploaded(shared_world)}
    masked = kit.recordings()
    shown = kit.recordings(reveal_secrets=True)
    assert masked["download_url"].notna().sum() == len(raw) > 10
    for column in ("download_url", "audio_download_url"):
        for rid, value, revealed in zip(masked["id"], masked[column], shown[column], strict=True):
            if rid not in raw:
                assert pd.isna(value) and pd.isna(revealed)
                continue
            link = raw[rid][column]
            assert value == link.split("?")[0] + MASKED
            assert revealed == link
    keys = [s for r in raw.values() for s in url_secrets(r["download_url"])]
    assert leaks(masked, keys) == []
    assert leaks(shown, keys)  # revealed on request
    assert shown["storage_config_secret"].notna().any()  # and the storage credentials too
    assert masked["storage_config_secret"].dropna().str.startswith("****").all()


def test_frames_mask_signed_links_in_every_kind_of_column() -> None:
    url, kept = SIGNED["r2_sigv4"]
    sig = "5ec7e7d4c1a8f00d5ec7e7d4c1a8f00d"
    records = [
        {
            "id": "s1",
            "meeting_display_name": f"notes at {url}",  # declared text, link inside
            "status": url,  # declared category
            "breakout_rooms": [{"id": "r1", "recording": url}],  # declared object
            "meta": {"link": url, "chat_download_url": "https://h/c.csv?x=1"},  # extra, nested
            "note": url,  # extra: text in one record, a number in the other (object column)
            "transcript_download_url": "https://h/t.csv?X-Amz-Signature=" + sig,
        },
        {"id": "s2", "note": 5, "meeting_display_name": "Standup"},
    ]
    before = copy.deepcopy(records)
    frame = frames.to_frame("sessions", records, extra={"shared": url})
    assert records == before
    assert sig not in frame.astype(str).to_csv() and sig.encode() not in pickle.dumps(frame)
    assert frame["meeting_display_name"][0] == f"notes at {kept}{MASKED}"
    assert frame["status"][0] == kept + MASKED
    assert frame["breakout_rooms"][0] == [{"id": "r1", "recording": kept + MASKED}]
    assert frame["meta_link"][0] == kept + MASKED
    assert frame["meta_chat_download_url"][0] == "https://h/c.csv" + MASKED
    assert frame["note"].tolist() == [kept + MASKED, 5]
    assert frame["transcript_download_url"][0] == "https://h/t.csv" + MASKED
    assert (frame["shared"] == kept + MASKED).all()
    # the same as masking each whole record first
    by_record = frames.to_frame(
        "sessions",
        [secrets.mask_secrets(r) for r in records],
        extra={"shared": kept + MASKED},
        reveal_secrets=True,
    )
    pd.testing.assert_frame_equal(frame, by_record)
    shown = frames.to_frame("sessions", records, extra={"shared": url}, reveal_secrets=True)
    assert shown["note"][0] == url and shown["meta_link"][0] == url and shown["status"][0] == url


# ---- models: masked when made, so nothing is kept ---------------------------------------------


def test_recording_model_keeps_no_link_or_storage_key(
    kit: rtk.Kit, shared_world: DemoWorld
) -> None:
    raw = next(r for r in uploaded(shared_world) if r.get("storage_config"))
    store = raw["storage_config"]
    keys = [
        *url_secrets(raw["download_url"]),
        *url_secrets(raw["audio_download_url"]),
        store["access_key"],
        store["secret"],
    ]
    masked = kit.recording(raw["id"])
    assert leaks(masked, keys) == []
    assert leaks(masked.storage_config, keys) == []
    assert masked.download_url == raw["download_url"].split("?")[0] + MASKED
    assert masked.audio_download_url == raw["audio_download_url"].split("?")[0] + MASKED
    assert masked.storage_config.secret.is_masked
    assert pickle.loads(pickle.dumps(masked)) == masked
    revealed = kit.recording(raw["id"], reveal_secrets=True)
    assert revealed.download_url == raw["download_url"]
    assert revealed.model_dump()["audio_download_url"] == raw["audio_download_url"]
    assert revealed.to_frame()["download_url"][0] == raw["download_url"]
    assert revealed.storage_config.secret.reveal() == store["secret"]
    for key in keys:
        assert key.encode() in pickle.dumps(revealed)


def test_meeting_model_keeps_no_storage_credentials(kit: rtk.Kit, shared_world: DemoWorld) -> None:
    meeting_id = storage_meeting_id(shared_world)
    store = shared_world.apps[0].meetings[meeting_id].record["recording_config"]["storage_config"]
    keys = [store["access_key"], store["secret"]]
    masked = kit.meeting(meeting_id)
    assert leaks(masked, keys) == []
    assert str(masked.recording_config.storage_config.access_key) == "****" + keys[0][-4:]
    revealed = kit.meeting(meeting_id, reveal_secrets=True)
    assert revealed.recording_config.storage_config.access_key.reveal() == keys[0]
    assert all(k.encode() in pickle.dumps(revealed) for k in keys)


def test_livestreams_keep_no_stream_key(kit: rtk.Kit) -> None:
    shown = kit.livestreams(reveal_secrets=True)
    keys = shown["stream_key"].dropna().tolist()
    assert len(keys) >= 2 and all(len(k) >= 16 for k in keys)
    assert leaks(kit.livestreams(), keys) == []
    assert leaks(shown, keys)
    body = kit.api.livestreams.get_all_livestreams()
    records = body["data"]["livestreams"] if isinstance(body["data"], dict) else body["data"]
    record = next(r for r in records if r.get("stream_key"))
    masked = Livestream.from_record(record)
    assert leaks(masked, [record["stream_key"]]) == []
    assert str(masked.stream_key) == "****" + record["stream_key"][-4:]
    revealed = Livestream.from_record(record, reveal_secrets=True)
    assert revealed.stream_key.reveal() == record["stream_key"]
    assert record["stream_key"].encode() in pickle.dumps(revealed)


def test_meeting_participants_keep_no_token(fresh_backend: DemoBackend) -> None:
    writer = connect_to(fresh_backend)
    meeting_id = next(iter(fresh_backend.world.apps[0].meetings))
    added = writer.api.meetings.add_participant(
        meeting_id, preset_name="group_call_participant", custom_participant_id="y@acme.example"
    )
    refreshed = writer.api.meetings.refresh_participant_token(
        added["data"]["id"], meeting_id=meeting_id
    )
    writer.close()
    token = added["data"]["token"]
    assert leaks(frames.to_frame("meeting_participants", [added["data"]]), [token]) == []
    revealed_frame = frames.to_frame("meeting_participants", [added["data"]], reveal_secrets=True)
    assert revealed_frame["token"][0] == token
    for body in (added, refreshed):
        token = body["data"]["token"]
        assert leaks(MeetingParticipant.from_response(body), [token]) == []
        revealed = MeetingParticipant.from_response(body, reveal_secrets=True)
        assert revealed.token.reveal() == token
        assert token.encode() in pickle.dumps(revealed)


def _with_secrets(participant: dict[str, Any]) -> list[str]:
    """Put a token and signed links where a participant record could carry them (a top-level
    token, unknown fields, free-form events, a peer report's metadata and one of its samples);
    return the secret values."""
    token = "eyJhbGciOiJSUzI1NiJ9.a-participant-token-0123456789"
    link, _ = SIGNED["r2_sigv4"]
    other, _ = SIGNED["azure_sas_sig"]
    participant["token"] = token
    participant["recording_link"] = link
    participant["peer_events"] = [{"event": "joined", "debug": {"upload": other}}]
    report = participant.get("peer_report")
    if report:
        report["metadata"]["support_note"] = f"logs at {other}"
        samples = report["quality"]["audio_producer"]
        assert len(samples) > 100
        samples[100] = {**samples[100], "trace_url": link}
    return [token, "5ec7e7d4c1a8f00d5ec7e7d4c1a8f00d", "AKIDEXAMPLE7Q2", "Zm9vYmFyYmF6U0VDUkVU"]


def test_peer_report_and_session_participant_keep_no_secret(kit: rtk.Kit, ids: Ids) -> None:
    report_body = kit.api.sessions.get_participant_data_from_peer_id(ids.peer_id)
    keys = _with_secrets(report_body["data"]["participant"])
    before = copy.deepcopy(report_body)
    masked = PeerReport.from_response(report_body)
    assert report_body == before
    assert leaks(masked, keys) == []
    assert masked.tracks_frame().shape == kit.peer_report(ids.peer_id).tracks_frame().shape
    revealed = PeerReport.from_response(report_body, reveal_secrets=True)
    assert all(k.encode() in pickle.dumps(revealed) for k in keys)
    # the quality analysis reads the report masked too
    from rtk_notebook.quality import analyze

    assert not any(k.encode() in pickle.dumps(analyze(report_body).peer_report) for k in keys)

    detail = kit.api.sessions.get_session_participant_details(
        ids.peer_id, session_id=ids.ended_session_id
    )
    keys = _with_secrets(detail["data"]["participant"])
    assert leaks(SessionParticipant.from_response(detail), keys[:2]) == []
    revealed_detail = SessionParticipant.from_response(detail, reveal_secrets=True)
    assert revealed_detail.token.reveal() == keys[0]


def test_the_workers_body_reader_keeps_no_secret(kit: rtk.Kit, ids: Ids) -> None:
    # The analysis workers read a body apart (samples to numpy, the rest through the model):
    # what reaches a user from there (the condensed analysis, its findings, the report it
    # holds) is masked as kit.peer_report is.
    from rtk_notebook.quality.body import read_body
    from rtk_notebook.quality.parallel import condense_json

    body = kit.api.sessions.get_participant_data_from_peer_id(ids.peer_id)
    participant = body["data"]["participant"]
    keys = _with_secrets(participant)
    link, masked_link = SIGNED["r2_sigv4"]
    # A device label quoted by a finding's message: a signed link there must arrive masked.
    middle = participant["peer_report"]["quality"]["audio_producer"][60]["timestamp"]
    participant["peer_report"]["metadata"]["selected_device_updates"] = [
        {"timestamp": middle, "device": {"kind": "audioinput", "label": f"mic {link}"}}
    ]
    raw = json.dumps(body).encode()
    read = read_body(raw)
    assert read is not None
    assert leaks(read[0], keys) == []
    detail = condense_json(raw, detail=True)
    text = json.dumps(detail)
    assert not any(k in text for k in keys)
    switch = next(f for f in detail["finding_records"] if f["rule"] == "device_switch")
    assert f"mic {masked_link}" in switch["message"]


def test_chat_and_transcript_links_are_masked(kit: rtk.Kit, ids: Ids) -> None:
    chat = kit.api.sessions.get_session_chat(ids.ended_session_id)["data"]
    transcript = kit.api.sessions.get_session_transcripts(ids.ended_session_id)["data"]
    for key, data in (("chat_download_url", chat), ("transcript_download_url", transcript)):
        link = data[key]
        keys = url_secrets(link)
        body = {"success": True, "data": data}
        model = RTKModel.from_response(body)  # unknown fields, masked all the same
        assert getattr(model, key) == link.split("?")[0] + MASKED
        assert leaks(model, keys) == []
        frame = frames.to_frame("sessions", [{"id": ids.ended_session_id, **data}])
        assert frame[key][0] == link.split("?")[0] + MASKED and leaks(frame, keys) == []
        assert getattr(RTKModel.from_response(body, reveal_secrets=True), key) == link


def test_a_masked_object_says_it_cannot_reveal(kit: rtk.Kit, shared_world: DemoWorld) -> None:
    raw = next(r for r in uploaded(shared_world) if r.get("storage_config"))
    masked = kit.recording(raw["id"])
    error = rtk.SecretsMaskedError
    for ask in (
        masked.reveal,
        lambda: masked.model_dump(reveal_secrets=True),
        lambda: masked.model_dump_json(reveal_secrets=True),
        lambda: masked.to_frame(reveal_secrets=True),
        masked.storage_config.secret.reveal,
        lambda: Recording.from_record(masked, reveal_secrets=True),
    ):
        with pytest.raises(error, match="reveal_secrets=True"):
            ask()
    revealed = kit.recording(raw["id"], reveal_secrets=True)
    assert revealed.reveal()["download_url"] == raw["download_url"]
    shareable = revealed.model_dump(reveal_secrets=False)
    assert shareable["download_url"] == raw["download_url"].split("?")[0] + MASKED
    assert shareable["storage_config"]["secret"] == "****" + raw["storage_config"]["secret"][-4:]
    copy_masked = Recording.from_record(revealed)  # a masked copy of a revealed object
    assert not copy_masked.secrets_revealed
    assert leaks(copy_masked, url_secrets(raw["download_url"])) == []


# ---- flags and settings -------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["no", "False", 0, 1, None, np.True_])
def test_reveal_secrets_must_be_a_bool(
    bad: Any, kit: rtk.Kit, shared_world: DemoWorld, ids: Ids
) -> None:
    record = next(r for r in uploaded(shared_world) if r.get("storage_config"))
    body = {"success": True, "data": record}
    model = Recording.from_record(record)
    calls = [
        lambda: frames.to_frame("recordings", [record], reveal_secrets=bad),
        lambda: Recording.from_record(record, reveal_secrets=bad),
        lambda: Recording.from_response(body, reveal_secrets=bad),
        lambda: RecordingMonitor(kit, reveal_secrets=bad),
        lambda: kit.recording(ids.recording_id, reveal_secrets=bad),
    ]
    if bad is not None:  # None: "as the object was made"
        calls += [
            lambda: model.model_dump(reveal_secrets=bad),
            lambda: model.to_frame(reveal_secrets=bad),
        ]
    for call in calls:
        with pytest.raises(rtk.ValidationError, match="reveal_secrets"):
            call()


CREDENTIAL_URLS = [
    "https://alice:s3cretT0kenXYZ@api.cloudflare.com/client/v4",
    "https://s3cretT0kenXYZ@api.cloudflare.com/client/v4",
    "https://alice:s3cretT0kenXYZ@127.0.0.1:8787/client/v4?x=1",
    "alice:s3cretT0kenXYZ@api.cloudflare.com/client/v4",
]


def _said(error: BaseException) -> str:
    return " ".join(
        [str(error), repr(error), repr(error.args), str(error.__cause__), str(error.__context__)]
    )


@pytest.mark.parametrize("url", CREDENTIAL_URLS)
def test_base_url_with_credentials_is_refused(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(rtk.ValidationError, match="base_url") as info:
        rtk.connect(token="t", account_id="a", base_url=url)
    assert "s3cretT0kenXYZ" not in _said(info.value) and "alice" not in _said(info.value)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "t")
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", "a")
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", url)
    with pytest.raises(rtk.ValidationError, match="CLOUDFLARE_BASE_URL") as info:
        rtk.connect()
    assert "s3cretT0kenXYZ" not in _said(info.value) and "alice" not in _said(info.value)


def test_base_url_without_credentials_is_kept() -> None:
    # An @ after the host is part of the path, not a credential.
    settings = config.resolve("t", "a", None, "https://api.example/client/v4/@scope/")
    assert settings.base_url == "https://api.example/client/v4/@scope"


# ---- widgets ------------------------------------------------------------------------------------


def test_recording_monitor_state_holds_no_link(kit: rtk.Kit, shared_world: DemoWorld) -> None:
    keys = [s for r in uploaded(shared_world) for s in url_secrets(r["download_url"])]
    monitor = RecordingMonitor(kit)
    assert monitor.error is None and len(monitor.recordings) > 100
    state = widget_state(monitor)
    assert not [k for k in keys if k in state]
    for frame in (monitor.recordings, monitor.visible):
        assert leaks(frame, keys) == []
    assert ">masked<" in monitor.table.value  # it says a download exists
    revealed = RecordingMonitor(kit, reveal_secrets=True)
    assert revealed.error is None
    assert any(k in revealed.table.value for k in keys) and ">download</a>" in revealed.table.value


# ---- the demo serves links shaped like real pre-signed ones --------------------------------------


def test_demo_links_are_presigned_like_r2(kit: rtk.Kit, shared_world: DemoWorld, ids: Ids) -> None:
    wanted = {
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
    }
    records = uploaded(shared_world)
    for record in records:
        for key in ("download_url", "audio_download_url"):
            query = parse_qs(urlsplit(record[key]).query)
            assert set(query) == wanted and query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
            assert len(query["X-Amz-Signature"][0]) == 64
        query = parse_qs(urlsplit(record["download_url"]).query)
        signed = dt.datetime.strptime(query["X-Amz-Date"][0] + "+0000", "%Y%m%dT%H%M%SZ%z")
        expiry = signed + dt.timedelta(seconds=int(query["X-Amz-Expires"][0]))
        served = dt.datetime.fromisoformat(record["download_url_expiry"].replace("Z", "+00:00"))
        assert abs(served - expiry) < dt.timedelta(seconds=1)
    # deterministic: the same world serves the same links
    again = {r["id"]: r["download_url"] for r in uploaded(make_world())}
    assert again == {r["id"]: r["download_url"] for r in records}
    chat = kit.api.sessions.get_session_chat(ids.ended_session_id)["data"]["chat_download_url"]
    assert set(parse_qs(urlsplit(chat).query)) == wanted
