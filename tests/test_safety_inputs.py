"""Every value that goes into a request is checked before anything is sent.

A token can write: an id that is not exactly one path segment could reach another resource,
a line break could split a request, a truthy string could reveal secrets. Each case here was
reproduced against the demo backend before the checks existed (issue 11).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import rtk_notebook as rtk
from rtk_notebook._json import loads
from rtk_notebook.demo import DemoBackend, DemoTransport
from rtk_notebook.spec.endpoints import ENDPOINTS
from tests.factories import TOKEN, Ids, connect_to, find_ids, make_world


@pytest.fixture
def setup() -> Iterator[tuple[rtk.Kit, DemoBackend, Ids]]:
    backend = DemoBackend(make_world(), token=TOKEN)
    kit = connect_to(backend)
    yield kit, backend, find_ids(backend.world)
    kit.close()


def refused(
    kit: rtk.Kit, backend: DemoBackend, call: Callable[[], Any], *words: str
) -> rtk.ValidationError:
    """``call()`` raises ValidationError whose message holds ``words``; nothing was sent."""
    sent = backend.request_count
    with pytest.raises(rtk.ValidationError) as caught:
        call()
    for word in words:
        assert word in str(caught.value), (word, str(caught.value))
    assert backend.request_count == sent, "a request went out before the check"
    return caught.value


# -- ids in paths ----------------------------------------------------------------------------


def test_a_traversal_in_an_id_cannot_delete_another_resource(setup) -> None:
    kit, backend, ids = setup
    presets = len(kit.presets())
    refused(
        kit,
        backend,
        lambda: kit.api.webhooks.delete_webhook("../presets/" + ids.preset_id),
        "webhook_id",
        "../presets/",
    )
    assert len(kit.presets()) == presets  # the preset is still there...
    assert kit.api.presets.get_preset_by_id(ids.preset_id)["data"]["id"] == ids.preset_id


@pytest.mark.parametrize(
    "suffix",
    ["/participants", "?x=1", "#x", "/../" + "x", "%2Fparticipants", " ", "\n", ";x", "\\x"],
)
def test_an_id_with_more_than_one_segment_is_refused(setup, suffix: str) -> None:
    kit, backend, ids = setup
    refused(kit, backend, lambda: kit.session(ids.ended_session_id + suffix), "session_id")


BAD_IDS: list[Any] = [
    None,
    42,
    3.5,
    b"bytes",
    "",
    ".",
    "..",
    "a/b",
    "a?b",
    "a#b",
    "a%2e",
    "x" * 201,
    "é",
    "a b",
]


def _operations_with_ids() -> list[tuple[str, str, str]]:
    out = []
    for endpoint in ENDPOINTS:
        for name in endpoint.path_params:
            if name != "account_id":
                out.append((endpoint.group, endpoint.name, name))
    return out


@pytest.mark.parametrize(("group", "name", "param"), _operations_with_ids())
def test_every_path_parameter_of_every_operation_is_one_safe_segment(
    setup, group: str, name: str, param: str
) -> None:
    kit, backend, _ = setup
    operation = getattr(getattr(kit.api, group), name)
    endpoint = next(e for e in ENDPOINTS if (e.group, e.name) == (group, name))
    for bad in BAD_IDS:
        if param == "app_id" and bad in (None, ""):
            continue  # no app id means the connection's own
        kwargs = {p: "x" for p in endpoint.path_params if p not in ("account_id", "app_id")}
        kwargs[param] = bad
        refused(kit, backend, lambda kw=kwargs: operation(**kw), f"'{param}'")


def test_an_id_at_the_limit_and_every_allowed_character_passes_the_check(setup) -> None:
    kit, backend, _ = setup
    for value in ("a" * 200, "A-z_0.9~:@x", "...", "a..b"):
        with pytest.raises(rtk.NotFoundError):  # sent, and the server says it has no such session
            kit.session(value)


def test_ids_from_the_frame_methods_models_fanout_and_widgets(setup) -> None:
    kit, backend, ids = setup
    sid = ids.ended_session_id
    refused(kit, backend, lambda: kit.session_participants(sid + "/x"), "session_id")
    refused(kit, backend, lambda: kit.meeting_participants("../" + ids.meeting_id), "meeting_id")
    refused(kit, backend, lambda: kit.peer_report(None), "peer_id")
    refused(kit, backend, lambda: kit.peer_quality(ids.peer_id + "?a"), "peer_id")
    refused(kit, backend, lambda: kit.recording(7), "recording_id")
    refused(kit, backend, lambda: kit.session_quality(sid + "#"), "session_id")
    refused(kit, backend, lambda: kit.quality([None]), "sessions[0]", "None")
    refused(kit, backend, lambda: kit.quality([sid, sid + "/.."]), "sessions[1]")
    refused(kit, backend, lambda: kit.quality(123), "sessions must be", "int")
    refused(kit, backend, lambda: kit.quality({"id": sid}), "sessions must be")
    frame = kit.sessions(limit=2)
    frame.loc[frame.index[1], "id"] = "../x"
    refused(kit, backend, lambda: kit.quality(frame), "sessions['id'][1]")

    from rtk_notebook.widgets import PeerQualityPanel

    refused(kit, backend, lambda: PeerQualityPanel(kit, "../" + ids.peer_id), "peer_id")


def test_the_async_face_checks_the_same(setup) -> None:
    import asyncio

    kit, backend, ids = setup

    async def go() -> None:
        await kit.aio.api.webhooks.delete_webhook("../presets/" + ids.preset_id)

    refused(kit, backend, lambda: asyncio.run(go()), "webhook_id")
    refused(kit, backend, lambda: asyncio.run(kit.aio.quality([None])), "sessions[0]")


def test_a_bad_id_sent_by_the_server_becomes_that_peers_error_not_a_request(setup) -> None:
    """The fan-out puts ids from a participants list into paths: they are checked too."""
    _, backend, ids = setup
    inner = DemoTransport(backend)
    evil = "../../recordings/" + ids.recording_id

    class Rewriting(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await inner.handle_async_request(request)
            if request.url.path.endswith("/participants"):
                body = loads(response.content)
                body["data"]["participants"][0]["id"] = evil
                return httpx.Response(200, json=body)
            return response

    kit = connect_to(backend, transport=Rewriting())
    frame = kit.session_quality(ids.ended_session_id, progress=False)
    kit.close()
    bad = frame[frame["peer_id"] == evil]
    assert len(bad) == 1 and "peer_id" in bad["error"].iloc[0]
    assert frame["error"].isna().sum() == len(frame) - 1  # the others were analysed
    assert backend.calls.get("recordings.get_one_recording", 0) == 0


# -- query values and bodies -------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["a\r\nX-Injected: 1", "a\nb", "nul\x00", "bell\x07", "del\x7f"])
def test_control_characters_in_query_values_are_refused(setup, bad: str) -> None:
    kit, backend, _ = setup
    refused(kit, backend, lambda: kit.sessions(search=bad), "'search'", "control character")
    refused(kit, backend, lambda: kit.api.apps.get(search=bad), "'search'")


def test_control_characters_in_bodies_are_refused_naming_the_field(setup) -> None:
    kit, backend, _ = setup
    refused(kit, backend, lambda: kit.api.meetings.create(title="a\r\nb"), "'title'")
    refused(
        kit,
        backend,
        lambda: kit.api.webhooks.create_webhook(
            name="w", url="https://example.com/h\x00", events=["meeting.started"]
        ),
        "'url'",
    )
    refused(
        kit,
        backend,
        lambda: kit.api.meetings.create(title="ok", recording_config={"file_name_prefix": "a\nb"}),
        "recording_config.file_name_prefix",
    )
    kit.api.meetings.create(title="tabs\tare fine")  # a tab is not a control we refuse


def test_a_url_that_would_be_too_long_is_a_clear_error(setup) -> None:
    kit, backend, _ = setup
    error = refused(kit, backend, lambda: kit.sessions(search="x" * 200_000), "'search'", "long")
    assert "200,000" in str(error)
    refused(kit, backend, lambda: kit.sessions(search="x" * 20_000), "'search'")
    assert len(kit.sessions(search="x" * 1_000)) == 0  # long but fine: sent, nothing matches


# -- flags ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["no", "False", 0, 1, None, "true"])
def test_flags_are_booleans_only(setup, value: Any) -> None:
    kit, backend, ids = setup
    if value is not None:
        refused(kit, backend, lambda: kit.recordings(reveal_secrets=value), "reveal_secrets")
        refused(
            kit, backend, lambda: kit.recording(ids.recording_id, reveal_secrets=value), "reveal"
        )
        refused(
            kit,
            backend,
            lambda: kit.meeting_participants(ids.meeting_id, reveal_secrets=value),
            "reveal_secrets",
        )
    refused(
        kit,
        backend,
        lambda: kit.api.sessions.get_session_details(
            ids.ended_session_id, include_breakout_rooms=value if value is not None else "x"
        ),
        "include_breakout_rooms",
    )
    refused(
        kit,
        backend,
        lambda: kit.session_quality(ids.ended_session_id, progress=value if value else "yes"),
        "progress",
    )
    refused(kit, backend, lambda: kit.recordings(expired="no"), "expired")


def test_a_string_flag_does_not_reveal_secrets(setup) -> None:
    kit, backend, ids = setup
    with pytest.raises(rtk.ValidationError, match="reveal_secrets"):
        kit.meeting_participants(ids.meeting_id, reveal_secrets="no")
    masked = kit.meeting_participants(ids.meeting_id)
    assert masked["token"].str.startswith("****").all()


# -- the other arguments --------------------------------------------------------------------


@pytest.mark.parametrize("limit", [-1, 0, "5", 2.5, True, math.nan])
def test_limit_must_be_a_positive_whole_number(setup, limit: Any) -> None:
    kit, backend, _ = setup
    refused(kit, backend, lambda: kit.sessions(limit=limit), "'limit'")
    refused(kit, backend, lambda: kit.webhooks(limit=limit), "'limit'")


@pytest.mark.parametrize("per_page", [0, -5, 101, 1000, "10", True])
def test_per_page_is_between_1_and_100(setup, per_page: Any) -> None:
    kit, backend, _ = setup
    refused(kit, backend, lambda: kit.api.sessions.get_sessions(per_page=per_page), "per_page")
    refused(kit, backend, lambda: kit.api.meetings.get(per_page=per_page), "per_page")
    assert len(kit.api.meetings.get(per_page=100)["data"]) > 0


def test_a_range_that_ends_before_it_starts_is_refused_everywhere(setup) -> None:
    kit, backend, ids = setup
    later, earlier = "2026-11-10", "2026-11-01T12:00:00Z"
    for call in (
        lambda: kit.sessions(start_time=later, end_time=earlier),
        lambda: kit.meetings(start_time=later, end_time=earlier),
        lambda: kit.recordings(start_time=later, end_time=earlier),
        lambda: kit.livestreams(start_time=later, end_time=earlier),
        lambda: kit.quality(start_time=later, end_time=earlier),
        lambda: kit.api.livestreams.get_livestream_analytics_complete(
            start_time=later, end_time=earlier
        ),
    ):
        refused(kit, backend, call, "'start_time'", "after", "'end_time'")
    refused(kit, backend, lambda: kit.daywise("2026-11-10", "2026-11-01"), "'start_date'")
    assert len(kit.daywise("2026-11-01", "2026-11-01")) == 1  # one day is a range


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"timeout": 0}, "'timeout'"),
        ({"timeout": -1}, "'timeout'"),
        ({"timeout": math.nan}, "'timeout'"),
        ({"timeout": math.inf}, "'timeout'"),
        ({"timeout": "30"}, "'timeout'"),
        ({"cache": 5}, "'cache'"),
        ({"cache": object()}, "'cache'"),
        ({"max_concurrency": 0}, "'max_concurrency'"),
        ({"max_concurrency": 2.0}, "'max_concurrency'"),
        ({"max_retries": -1}, "'max_retries'"),
        ({"rate_limit": "no"}, "'rate_limit'"),
        ({"rate_limit": (60,)}, "'rate_limit' must be"),
        ({"rate_limit": (0, 15.0)}, r"'rate_limit\[0\]"),
        ({"rate_limit": (60.5, 15.0)}, r"'rate_limit\[0\]"),
        ({"rate_limit": (60, 0)}, r"'rate_limit\[1\]"),
        ({"rate_limit": (60, "15")}, r"'rate_limit\[1\]"),
        ({"workers": -1}, "'workers'"),
        ({"app_id": "../other-app"}, "'app_id'"),
        ({"account_id": "acc/x"}, "'account_id'"),
        ({"token": 12345}, "'token'"),
        ({"base_url": "http://api.example.com/client/v4"}, "must use https"),
        ({"base_url": "api.cloudflare.com/client/v4"}, "https:// URL"),
    ],
)
def test_connect_checks_its_arguments(kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(rtk.ValidationError, match=words):
        rtk.connect(demo=True, **kwargs)


def test_plain_http_only_to_this_machine() -> None:
    for url in ("http://127.0.0.1:8787/client/v4", "http://localhost/client/v4"):
        kit = rtk.connect(token=TOKEN, account_id="acc", app_id="app", base_url=url)
        assert kit._core.settings.base_url == url
        kit.close()


@pytest.mark.parametrize("cache", [False, True])
def test_a_closed_connection_says_so(tmp_path, monkeypatch, cache: bool) -> None:
    import asyncio

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    backend = DemoBackend(make_world(), token=TOKEN)
    kit = connect_to(backend, cache=cache)
    ids = find_ids(backend.world)
    assert len(kit.webhooks()) == 3
    kit.close()
    kit.close()  # closing twice is harmless
    sent = backend.request_count
    for call in (
        lambda: kit.webhooks(),
        lambda: kit.session(ids.ended_session_id),
        lambda: kit.api.webhooks.get_webhooks(),
        lambda: kit.quality([ids.ended_session_id]),
        lambda: kit.daywise(),
        lambda: asyncio.run(kit.aio.sessions()),
        lambda: asyncio.run(kit.aio.api.apps.get()),
    ):
        with pytest.raises(rtk.RTKError, match="this connection is closed"):
            call()
    assert backend.request_count == sent
