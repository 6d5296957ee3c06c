"""The raw layer (`kit.api`), the HTTP core's retries and errors, and the sync/async facades."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Iterator

import pytest

import rtk_notebook as rtk
from rtk_notebook import config
from rtk_notebook.api.http import RateLimiter
from rtk_notebook.demo import DemoBackend, DemoServer, DemoTransport, Faults
from rtk_notebook.spec.endpoints import ENDPOINTS
from tests.factories import CALLS, TOKEN, FakeTime, Ids, connect_to, find_ids, make_world

SDK_EXTRAS = {"extra_headers", "extra_query", "extra_body", "timeout"}


@pytest.fixture
def loopback() -> Iterator[tuple[rtk.Kit, DemoBackend, Ids]]:
    """A kit over real HTTP to a loopback demo server with its own world."""
    world = make_world()
    backend = DemoBackend(world, token=TOKEN)
    with DemoServer(backend) as server:
        kit = rtk.connect(
            token=TOKEN,
            account_id=world.account_id,
            app_id=world.apps[0].id,
            base_url=server.base_url,
        )
        try:
            yield kit, backend, find_ids(world)
        finally:
            kit.close()


def _call_args(key: str, ids: Ids) -> tuple[tuple, dict]:
    args, kwargs = CALLS[key](ids)
    kwargs = dict(kwargs)
    kwargs.update(kwargs.pop("extra_query", {}))  # ours takes the reference's `filters` directly
    if kwargs.get("meeting_id") == "":
        kwargs["meeting_id"] = ids.meeting_id
    if key == "active_session.kick_participants":
        kwargs["participant_ids"] = [ids.member_id]
    return args, kwargs


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.in_sdk], ids=lambda e: e.key)
def test_every_operation_through_kit_api_over_loopback(endpoint, loopback) -> None:
    kit, backend, ids = loopback
    if endpoint.key == "livestreams.start_livestreaming_a_meeting":
        kit.api.livestreams.stop_livestreaming_a_meeting(ids.livestream_meeting_id)
    args, kwargs = _call_args(endpoint.key, ids)
    group = getattr(kit.api, endpoint.group)
    body = getattr(group, endpoint.name)(*args, **kwargs)
    assert isinstance(body, dict) and body["success"] is True
    # The SDK has day-wise analytics twice (two groups, one path): the server routes one.
    served = endpoint.key.replace("analytics.", "livestreams.")
    assert backend.calls[served] >= 1
    assert backend.internal_errors == []


def test_every_operation_through_kit_aio_api_in_process() -> None:
    world = make_world()
    backend = DemoBackend(world, token=TOKEN)
    kit = connect_to(backend)
    ids = find_ids(world)

    async def run_all() -> dict[str, bool]:
        results = {}

        # Reads first, then writes, destructive ones last (a deleted member has no token).
        def order(endpoint):
            destructive = endpoint.method == "DELETE" or "kick" in endpoint.name
            return (endpoint.method != "GET", destructive)

        for endpoint in sorted(ENDPOINTS, key=order):
            if not endpoint.in_sdk:
                continue
            if endpoint.key == "livestreams.start_livestreaming_a_meeting":
                with contextlib.suppress(rtk.ValidationError):  # stopped already, or not
                    await kit.aio.api.livestreams.stop_livestreaming_a_meeting(
                        ids.livestream_meeting_id
                    )
            args, kwargs = _call_args(endpoint.key, ids)
            fn = getattr(getattr(kit.aio.api, endpoint.group), endpoint.name)
            assert inspect.iscoroutinefunction(fn)
            body = await fn(*args, **kwargs)
            results[endpoint.key] = body["success"]
        body = await kit.aio.api.livestreams.create_independent_livestream(name="Launch")
        results["livestreams.create_independent_livestream"] = body["success"]
        return results

    results = asyncio.run(run_all())
    assert len(results) == len(ENDPOINTS) and all(results.values())
    assert backend.internal_errors == []
    kit.close()


def test_kit_api_names_and_parameters_match_the_official_sdk() -> None:
    import cloudflare.resources.realtime_kit as rk

    kit = rtk.connect(demo=True)
    checked = 0
    for endpoint in ENDPOINTS:
        ours = inspect.signature(getattr(getattr(kit.api, endpoint.group), endpoint.name))
        if not endpoint.in_sdk:
            continue
        resource = getattr(rk, "".join(p.title() for p in endpoint.group.split("_")) + "Resource")
        sdk = inspect.signature(getattr(resource, endpoint.name))
        sdk_names = [n for n in sdk.parameters if n != "self" and n not in SDK_EXTRAS]
        ours_names = list(ours.parameters)
        assert set(sdk_names) <= set(ours_names), (endpoint.key, set(sdk_names) - set(ours_names))
        # What we take beyond the SDK is what the reference documents (e.g. `filters`).
        reference = {q.name for q in endpoint.query} | set(endpoint.path_params)
        from rtk_notebook.api.operations import body_fields

        reference |= set(body_fields(endpoint))
        assert set(ours_names) - set(sdk_names) <= reference, endpoint.key
        # The same positional parameter first, as in the SDK.
        assert ours_names[0] == sdk_names[0], endpoint.key
        checked += 1
    assert checked == 55  # all but the one the SDK lacks (the table has 56: daywise twice)
    kit.close()


def test_sdk_groups_are_all_there() -> None:
    import cloudflare.resources.realtime_kit as rk

    kit = rtk.connect(demo=True)
    for group in (
        "apps",
        "meetings",
        "presets",
        "sessions",
        "recordings",
        "webhooks",
        "active_session",
        "livestreams",
        "analytics",
    ):
        resource = getattr(rk, "".join(p.title() for p in group.split("_")) + "Resource")
        sdk_methods = {
            n
            for n, v in vars(resource).items()
            if callable(v)
            and not n.startswith("_")
            and n not in ("with_raw_response", "with_streaming_response")
        }
        assert sdk_methods <= set(dir(getattr(kit.api, group))), group
    kit.close()


def test_kit_and_async_kit_offer_the_same_calls() -> None:
    """Each call is written once (on AsyncKit); Kit's twin shows the same signature and doc."""

    def calls(cls: type) -> dict[str, object]:
        return {n: getattr(cls, n) for n in dir(cls) if not n.startswith("_")}

    sync, coroutines = calls(rtk.Kit), calls(rtk.AsyncKit)
    waited = {n for n, f in coroutines.items() if inspect.iscoroutinefunction(f)}
    assert waited - {"aclose"} <= set(sync)
    assert {"session", "quality", "sessions", "daywise"} <= waited
    for name in waited - {"aclose"}:
        twin = sync[name]
        assert not inspect.iscoroutinefunction(twin), name
        assert inspect.signature(twin) == inspect.signature(coroutines[name]), name
        assert twin.__doc__ and twin.__doc__ == coroutines[name].__doc__, name
        assert twin.__qualname__ == f"Kit.{name}", name


# -- arguments are checked before any request -------------------------------------------------


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda k: k.api.sessions.get_sessions(status="DONE"), "'status' must be one of"),
        (lambda k: k.api.sessions.get_sessions(bogus=1), "unexpected keyword argument 'bogus'"),
        (lambda k: k.api.sessions.get_sessions(start_time="last week"), "start_time"),
        (lambda k: k.api.sessions.get_sessions(per_page="10"), "per_page"),
        (lambda k: k.api.meetings.add_participant("m", preset_name="x"), "custom_participant_id"),
        (lambda k: k.api.meetings.update_meeting_by_id("m", status="PAUSED"), "status"),
        (lambda k: k.api.recordings.pause_resume_stop_recording("r", action="rewind"), "action"),
        (lambda k: k.api.sessions.get_session_details(), "session_id"),
        (lambda k: k.api.sessions.get_session_details(42), "string"),
        (lambda k: k.sessions(status="DONE"), "'status' must be one of"),
        (lambda k: k.sessions(nonsense=True), "nonsense"),
        (lambda k: k.sessions(limit="ten"), "limit"),
        (lambda k: k.recordings(status=["UPLOADED", "LOST"]), "LOST"),
    ],
)
def test_bad_arguments_fail_before_any_request(call, words: str) -> None:
    backend = DemoBackend(make_world(), token=TOKEN)
    kit = connect_to(backend)
    with pytest.raises(rtk.ValidationError, match=words.replace("(", r"\(")):
        call(kit)
    assert backend.request_count == 0
    assert kit.stats.requests == 0
    kit.close()


def test_a_call_needing_an_app_lists_the_apps() -> None:
    world = make_world()
    kit = rtk.connect(
        token=TOKEN,
        account_id=world.account_id,
        base_url="https://x/client/v4",
        transport=DemoTransport(DemoBackend(world)),
    )
    assert len(kit.api.apps.get()["data"]) == 2
    with pytest.raises(rtk.AppRequiredError) as caught:
        kit.api.sessions.get_sessions()
    message = str(caught.value)
    assert "RTK_APP_ID" in message
    assert all(app.id in message for app in world.apps)
    assert "acme-production" in message
    with pytest.raises(rtk.AppRequiredError, match="acme-staging"):
        kit.sessions()
    # An app id given per call works without one on the connection.
    assert kit.api.sessions.get_sessions(world.apps[1].id, per_page=1)["data"]["sessions"]
    kit.close()


# -- errors ----------------------------------------------------------------------------------


def test_each_error_type(loopback) -> None:
    kit, backend, ids = loopback
    bogus = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
    with pytest.raises(rtk.NotFoundError) as nf:
        kit.api.sessions.get_session_details(bogus)
    assert (nf.value.status, nf.value.code, nf.value.method) == (404, 10002, "GET")
    assert bogus in nf.value.path and bogus in str(nf.value)
    with pytest.raises(rtk.ValidationError) as bad:  # the server's 400
        kit.api.meetings.add_participant(
            ids.meeting_id, custom_participant_id="x", preset_name="no_such_preset"
        )
    assert bad.value.status == 400 and "preset_name" in str(bad.value)
    recording = ids.active_recording_id
    with pytest.raises(rtk.ConflictError) as conflict:
        kit.api.recordings.start_recordings(meeting_id=ids.meeting_id)
    assert conflict.value.status == 409 and recording
    wrong = rtk.connect(
        token="wrong-token",
        account_id=ids.account_id,
        app_id=ids.app_id,
        base_url=kit._core.settings.base_url,
    )
    with pytest.raises(rtk.AuthError) as auth:
        wrong.api.sessions.get_sessions()
    assert auth.value.status == 403 and auth.value.code == 10000
    assert "wrong-token" not in str(auth.value)
    wrong.close()


def faulty(**faults: object) -> tuple[rtk.Kit, DemoBackend]:
    backend = DemoBackend(make_world(), token=TOKEN, faults=Faults(**faults))  # type: ignore[arg-type]
    kit = connect_to(backend, max_retries=2)
    kit._core.http.retry = type(kit._core.http.retry)(max_retries=2, backoff_s=0.001)
    return kit, backend


def test_rate_limited_error_after_retries() -> None:
    kit, backend = faulty(rate_429=1.0, retry_after_s=0)
    with pytest.raises(rtk.RateLimitedError) as caught:
        kit.api.webhooks.get_webhooks()
    assert caught.value.status == 429 and caught.value.retry_after == 0
    assert backend.statuses[429] == 3  # the first try and two retries
    kit.close()


def test_connect_takes_a_rate_limit_as_requests_per_window_or_a_limiter() -> None:
    world = make_world()
    limits = {}
    for choice in (None, True, False, (60, 15.0), [5, 2]):
        kit = rtk.connect(demo=world, rate_limit=choice)
        limiter = kit._core.http.rate_limiter
        limits[str(choice)] = None if limiter is None else (limiter.requests, limiter.per_s)
        kit.close()
    assert limits == {
        "None": None,  # the demo: off unless asked
        "True": (1200, 300.0),  # Cloudflare's
        "False": None,
        "(60, 15.0)": (60, 15.0),
        "[5, 2]": (5, 2.0),
    }
    # A limiter of one's own paces the kit (shared by kits on one token, it paces them all).
    fake = FakeTime()
    shared = RateLimiter(requests=2, per_s=10.0, clock=fake, sleep=fake.sleep)
    kit = connect_to(DemoBackend(world, token=TOKEN), rate_limit=shared)
    assert kit._core.http.rate_limiter is shared
    for _ in range(5):
        kit.api.webhooks.get_webhooks()
    kit.close()
    assert fake.slept == [10.0, 10.0] and shared.waited_s == 20.0  # two a window, never three


def test_server_error_after_retries_with_the_edges_html_page() -> None:
    kit, backend = faulty(rate_5xx=1.0, seed=2)
    with pytest.raises(rtk.ServerError) as caught:
        kit.api.webhooks.get_webhooks()
    assert caught.value.status in (500, 502, 503, 504)
    assert backend.request_count == 3
    kit.close()


def test_transport_error_after_retries() -> None:
    kit, backend = faulty(rate_drop=1.0)
    with pytest.raises(rtk.TransportError) as caught:
        kit.api.webhooks.get_webhooks()
    assert "RemoteProtocolError" in str(caught.value) and "/webhooks" in str(caught.value)
    assert backend.request_count == 3
    kit.close()


def test_malformed_body_is_a_response_error() -> None:
    kit, backend = faulty(rate_malformed=1.0)
    with pytest.raises(rtk.ResponseError, match="not valid JSON"):
        kit.api.webhooks.get_webhooks()
    kit.close()


def test_all_errors_share_one_base_and_stay_picklable() -> None:
    import pickle

    for cls in (
        rtk.AuthError,
        rtk.NotFoundError,
        rtk.RateLimitedError,
        rtk.ValidationError,
        rtk.ServerError,
        rtk.TransportError,
        rtk.ResponseError,
        rtk.ConflictError,
    ):
        assert issubclass(cls, rtk.RTKError)
        err = cls("boom", status=500, code=1, method="GET", path="/x")
        again = pickle.loads(pickle.dumps(err))
        assert (type(again), str(again)) == (cls, str(err))


# -- retries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["rate_429", "rate_5xx", "rate_drop", "rate_malformed"])
def test_transient_faults_are_retried_until_success(fault: str) -> None:
    backend = DemoBackend(
        make_world(), token=TOKEN, faults=Faults(**{fault: 0.5}, retry_after_s=0, seed=3)
    )
    kit = connect_to(backend, max_retries=12)
    kit._core.http.retry = type(kit._core.http.retry)(max_retries=12, backoff_s=0.001)
    frame_ids = []
    for _ in range(10):
        body = kit.api.sessions.get_sessions(per_page=5)
        frame_ids.append(body["data"]["sessions"][0]["id"])
    assert len(set(frame_ids)) == 1
    assert kit.stats.retries > 0
    assert backend.request_count == kit.stats.requests == 10 + kit.stats.retries
    kit.close()


def test_a_post_that_may_have_been_applied_is_not_retried() -> None:
    kit, backend = faulty(rate_drop=1.0)
    world = backend.world
    before = len(world.apps[0].meetings)
    with pytest.raises(rtk.TransportError):
        kit.api.meetings.create(title="Once only")
    assert backend.calls["meetings.create"] == 1  # sent once...
    assert len(world.apps[0].meetings) == before + 1  # ...and applied once
    kit.close()
    kit, backend = faulty(rate_5xx=1.0)
    with pytest.raises(rtk.ServerError):
        kit.api.meetings.create(title="Once only")
    assert backend.request_count == 1
    kit.close()


def test_a_post_refused_with_429_is_retried() -> None:
    backend = DemoBackend(
        make_world(), token=TOKEN, faults=Faults(rate_429=0.6, retry_after_s=0, seed=4)
    )
    kit = connect_to(backend, max_retries=20)
    kit._core.http.retry = type(kit._core.http.retry)(max_retries=20, backoff_s=0.001)
    created = kit.api.meetings.create(title="Eventually")
    assert created["data"]["title"] == "Eventually"
    assert backend.calls["meetings.create"] == 1  # 429s were refused before any work
    kit.close()


def test_no_retry_on_a_4xx_that_will_not_change(loopback) -> None:
    kit, backend, _ = loopback
    before = backend.request_count
    with pytest.raises(rtk.NotFoundError):
        kit.api.webhooks.get_webhook_by_id("182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e")
    assert backend.request_count == before + 1


def test_retry_after_is_honoured() -> None:
    from rtk_notebook.api.http import RetryPolicy, parse_retry_after

    policy = RetryPolicy(backoff_s=0.5, max_backoff_s=20)
    assert policy.wait(0, 7.0) == 7.0
    assert policy.wait(5, None) <= 20 and policy.wait(0, None) <= 0.5
    assert parse_retry_after("3") == 3.0 and parse_retry_after(None) is None
    assert 0 <= parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # a past date


# -- the facades --------------------------------------------------------------------------------


def test_sync_facade_in_a_plain_script(tmp_path) -> None:
    import subprocess
    import sys

    script = tmp_path / "script.py"
    script.write_text(
        "import rtk_notebook as rtk\n"
        "kit = rtk.connect()\n"
        "body = kit.api.sessions.get_sessions(per_page=3)\n"
        "print(len(body['data']['sessions']), body['paging']['total_count'] > 100)\n"
        "kit.close()\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("rtk_notebook: no credentials found") and len(lines) == 2
    assert lines[1] == "3 True"


def test_sync_facade_inside_a_running_event_loop() -> None:
    """As in a Jupyter cell: the kernel's loop is running while the cell calls kit.api."""
    kit = rtk.connect(demo=True)

    async def cell() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        assert loop.is_running()
        sync = kit.api.sessions.get_sessions(per_page=2)  # the sync facade, in a running loop
        both = await asyncio.gather(
            kit.aio.api.sessions.get_sessions(per_page=3), kit.aio.api.webhooks.get_webhooks()
        )
        return len(sync["data"]["sessions"]), len(both[0]["data"]["sessions"])

    assert asyncio.run(cell()) == (2, 3)
    kit.close()


def test_sync_facade_from_an_ipywidgets_callback() -> None:
    import ipywidgets as widgets

    kit = rtk.connect(demo=True)
    button = widgets.Button(description="Load")
    output: dict[str, object] = {}

    def on_click(_: widgets.Button) -> None:
        output["total"] = kit.api.sessions.get_sessions(per_page=1)["paging"]["total_count"]

    button.on_click(on_click)

    async def kernel() -> None:  # widget callbacks run on the kernel's thread, loop running
        button.click()

    asyncio.run(kernel())
    assert isinstance(output["total"], int) and output["total"] > 100
    kit.close()


def test_the_token_never_shows(loopback) -> None:
    secret = "sk-live-0123456789abcdef-DO-NOT-SHOW"
    kit, _, ids = loopback
    base_url = kit._core.settings.base_url
    other = rtk.connect(
        token=secret, account_id=ids.account_id, app_id=ids.app_id, base_url=base_url
    )
    texts = [
        repr(other),
        str(other),
        repr(other.aio),
        repr(other.api),
        repr(other.api.sessions),
        repr(other._core.settings),
        repr(other._core.http),
        repr(other.stats),
    ]
    try:
        other.api.sessions.get_sessions()
    except rtk.RTKError as exc:
        texts += [str(exc), repr(exc), repr(exc.args)]
    try:
        other.api.sessions.get_session_details(secret)  # even when the caller pastes it into a path
    except rtk.RTKError as exc:
        texts += [str(exc), repr(exc)]
    assert texts and not any(secret in text for text in texts)
    other.close()


def test_connect_reads_the_environment(monkeypatch) -> None:
    world = make_world()
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", world.account_id)
    monkeypatch.setenv("RTK_APP_ID", world.apps[1].id)
    with DemoServer(DemoBackend(world, token=TOKEN)) as server:
        monkeypatch.setenv("CLOUDFLARE_BASE_URL", server.base_url)
        kit = rtk.connect()
        assert not kit.is_demo and kit.app_id == world.apps[1].id
        body = kit.api.sessions.get_sessions(per_page=1)
        assert body["data"]["sessions"][0]["organization_id"] == world.apps[1].id
        kit.close()
    monkeypatch.delenv("CLOUDFLARE_ACCOUNT_ID")
    with pytest.raises(ValueError, match="CLOUDFLARE_ACCOUNT_ID"):
        rtk.connect()


def test_demo_choices() -> None:
    world = make_world()
    kit = rtk.connect(demo=world)
    assert kit.demo is world and kit.is_demo and kit.app_id == world.apps[0].id
    kit.close()
    with pytest.raises(rtk.ValidationError, match="'demo' must be"):
        rtk.connect(demo="yes")
    with pytest.raises(ValueError, match="no API token") as refused:
        rtk.connect(demo=False, account_id="a")
    assert all(name in str(refused.value) for name in config.CREDENTIAL_VARIABLES)


def test_announces_the_demo_once(capsys, monkeypatch) -> None:
    import rtk_notebook.kit as kit_module

    for name in (
        "CLOUDFLARE_API_TOKEN",
        "CLOUDFLARE_ACCOUNT_ID",
        "RTK_APP_ID",
        "CLOUDFLARE_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(kit_module, "_announced", False)
    rtk.connect().close()
    rtk.connect().close()
    rtk.connect(demo=True).close()
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "demo backend" in out[0]
    # It names every variable your own account needs, the app's included.
    assert "CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID and RTK_APP_ID" in out[0]


def test_livestream_create_is_reachable_although_the_sdk_lacks_it() -> None:
    kit = rtk.connect(demo=make_world())
    body = kit.api.livestreams.create_independent_livestream(name="Town hall")
    assert body["data"]["name"] == "Town hall"
    kit.close()
