"""The demo API's behaviour: paging, filters, validation, auth, writes, determinism."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import httpx
import pytest

from rtk_notebook.demo import DemoBackend, DemoTransport, DemoWorld
from tests.factories import NOW, SEED, TOKEN, Ids, error_of, find_ids, kit_path, make_world

# -- the world -----------------------------------------------------------------------------


def test_world_has_the_size_the_issue_asks_for(shared_world: DemoWorld) -> None:
    app = shared_world.apps[0]
    assert len(shared_world.apps) >= 2
    assert len(app.meetings) >= 30
    assert app.session_count >= 300
    joins = sum(len(a.joins(i)) for a in shared_world.apps for i in range(a.session_count))
    assert joins >= 3000
    first = dt.datetime.fromtimestamp(float(app.start_ts[0]), dt.UTC)
    assert NOW - first >= dt.timedelta(days=30)


def test_sessions_follow_a_weekly_and_daily_rhythm(shared_world: DemoWorld) -> None:
    app = shared_world.apps[0]
    starts = [dt.datetime.fromtimestamp(float(t), dt.UTC) for t in app.start_ts]
    weekday = sum(1 for s in starts if s.weekday() < 5) / 5
    weekend = sum(1 for s in starts if s.weekday() >= 5) / 2
    assert weekday > 2.5 * weekend
    office = sum(1 for s in starts if 7 <= s.hour < 18)
    assert office > 0.75 * len(starts)


def test_world_is_deterministic_and_seed_dependent() -> None:
    a, b = make_world(), make_world()
    assert a.app_ids == b.app_ids
    assert list(a.apps[0].start_ts) == list(b.apps[0].start_ts)
    c = DemoWorld(seed=SEED + 1, now=NOW)
    assert c.app_ids != a.app_ids


def test_same_seed_and_clock_give_the_same_bytes() -> None:
    def fetch_all(world: DemoWorld) -> list[bytes]:
        ids = find_ids(world)
        backend = DemoBackend(world)
        client = httpx.Client(
            transport=DemoTransport(backend),
            base_url="https://x/client/v4",
            headers={"Authorization": "Bearer any"},
        )
        paths = [
            kit_path(ids, "/sessions?per_page=50"),
            kit_path(ids, "/meetings"),
            kit_path(ids, "/recordings?per_page=100"),
            kit_path(ids, f"/sessions/{ids.ended_session_id}/participants?per_page=100"),
            kit_path(ids, f"/sessions/peer-report/{ids.peer_id}"),
            kit_path(ids, "/analytics/daywise"),
        ]
        return [client.get(p).content for p in paths]

    assert fetch_all(make_world()) == fetch_all(make_world())


def test_scale_grows_the_world_lazily() -> None:
    big = DemoWorld(seed=SEED, now=NOW, scale=240)
    sessions = sum(a.session_count for a in big.apps)
    assert 90_000 <= sessions <= 120_000
    # Only the skeleton exists: no session has had its participants generated yet.
    assert all(not a._session_cache for a in big.apps)
    skeleton = sum(a.start_ts.nbytes + a.minutes.nbytes + a.meeting_idx.nbytes for a in big.apps)
    assert skeleton < 5_000_000


# -- paging --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rest, list_of",
    [
        ("/sessions", lambda b: b["data"]["sessions"]),
        ("/meetings", lambda b: b["data"]),
        ("/recordings", lambda b: b["data"]),
        ("/presets", lambda b: b["data"]),
    ],
)
def test_paging_covers_every_item_once(http: httpx.Client, ids: Ids, rest, list_of) -> None:
    seen: list[str] = []
    page, total = 1, None
    while True:
        body = http.get(kit_path(ids, rest), params={"page_no": page, "per_page": 7}).json()
        paging = body.get("paging") or body["data"]["paging"]
        total = paging["total_count"]
        items = list_of(body)
        if not items:
            break
        assert paging["start_offset"] == (page - 1) * 7 + 1
        assert paging["end_offset"] == paging["start_offset"] + len(items) - 1
        seen.extend(item["id"] for item in items)
        page += 1
    assert len(seen) == total == len(set(seen))
    assert page > 3 or rest == "/presets"


def test_session_participants_page_with_paging_under_data(http: httpx.Client, ids: Ids) -> None:
    path = kit_path(ids, f"/sessions/{ids.ended_session_id}/participants")
    first = http.get(path, params={"per_page": 2}).json()["data"]
    total = first["paging"]["total_count"]
    everyone = http.get(path, params={"per_page": 100}).json()["data"]["participants"]
    assert len(everyone) == total >= 2
    assert first["participants"] == everyone[:2]


def test_per_page_over_the_limit_is_refused_naming_it(http: httpx.Client, ids: Ids) -> None:
    status, _, message = error_of(http.get(kit_path(ids, "/sessions"), params={"per_page": 500}))
    assert status == 400 and "per_page" in message


# -- filters ---------------------------------------------------------------------------------


def all_sessions(http: httpx.Client, ids: Ids, **params: object) -> list[dict]:
    out, page = [], 1
    while True:
        body = http.get(
            kit_path(ids, "/sessions"), params={**params, "page_no": page, "per_page": 100}
        ).json()
        items = body["data"]["sessions"]
        out.extend(items)
        if len(items) < 100:
            return out
        page += 1


def test_session_filters(http: httpx.Client, ids: Ids, shared_world: DemoWorld) -> None:
    everything = all_sessions(http, ids)
    assert len(everything) == shared_world.apps[0].session_count
    live = all_sessions(http, ids, status="LIVE")
    assert live and all(s["status"] == "LIVE" and "ended_at" not in s for s in live)
    assert all(s["live_participants"] > 0 for s in live)
    ended = all_sessions(http, ids, status="ENDED")
    assert len(live) + len(ended) == len(everything)
    start, end = "2026-11-09T00:00:00Z", "2026-11-10T00:00:00Z"
    window = all_sessions(http, ids, start_time=start, end_time=end)
    assert window and all(start <= s["started_at"] <= end for s in window)
    meeting = all_sessions(http, ids, associated_id=ids.meeting_id)
    assert meeting and all(s["associated_id"] == ids.meeting_id for s in meeting)
    title = meeting[0]["meeting_display_name"]
    by_title = all_sessions(http, ids, search=title.split(" · ")[0].upper())
    assert {s["id"] for s in meeting} <= {s["id"] for s in by_title}
    by_id = all_sessions(http, ids, search=ids.ended_session_id)
    assert ids.ended_session_id in {s["id"] for s in by_id}
    newest_first = [s["started_at"] for s in everything]
    assert newest_first == sorted(newest_first, reverse=True)
    asc = all_sessions(http, ids, sort_order="ASC")
    assert [s["id"] for s in asc] == [s["id"] for s in reversed(everything)]
    by_minutes = all_sessions(http, ids, sort_by="minutesConsumed", sort_order="DESC")
    minutes = [s["minutes_consumed"] for s in by_minutes]
    assert minutes == sorted(minutes, reverse=True)


def test_recording_filters(http: httpx.Client, ids: Ids) -> None:
    rows = http.get(
        kit_path(ids, "/recordings"), params={"per_page": 100, "status": ["ERRORED", "PAUSED"]}
    ).json()["data"]
    assert rows and {r["status"] for r in rows} == {"ERRORED", "PAUSED"}
    comma = http.get(
        kit_path(ids, "/recordings"), params={"per_page": 100, "status": "ERRORED,PAUSED"}
    ).json()["data"]
    assert [r["id"] for r in comma] == [r["id"] for r in rows]
    status, _, message = error_of(http.get(kit_path(ids, "/recordings"), params={"status": "DONE"}))
    assert status == 400 and "status" in message and "'DONE'" in message


def test_every_recording_status_occurs_and_some_are_stuck(http: httpx.Client, ids: Ids) -> None:
    rows, page = [], 1
    while batch := http.get(
        kit_path(ids, "/recordings"), params={"per_page": 100, "page_no": page}
    ).json()["data"]:
        rows.extend(batch)
        page += 1
    statuses = {r["status"] for r in rows}
    assert statuses == {"INVOKED", "RECORDING", "UPLOADING", "UPLOADED", "ERRORED", "PAUSED"}
    stuck = [
        r
        for r in rows
        if r["status"] in ("UPLOADING", "INVOKED")
        and r["invoked_time"] < (NOW - dt.timedelta(hours=6)).isoformat()
    ]
    assert stuck
    uploaded = [r for r in rows if r["status"] == "UPLOADED"]
    assert all(r["download_url"] and r["file_size"] > 0 for r in uploaded)


@pytest.mark.parametrize("hours", range(0, 24, 3))
def test_a_recording_starts_and_stops_inside_its_call(hours: int) -> None:
    from rtk_notebook.demo.routes.recordings import all_recordings

    # Short calls are recorded too: their recorder must start (and stop) inside the call.
    world = DemoWorld(seed=SEED, now=NOW + dt.timedelta(hours=hours))
    rows = [r for app in world.apps for r in all_recordings(app)]
    timed = [r for r in rows if r["started_time"] and r["stopped_time"]]
    assert len(timed) > 100
    assert all(r["invoked_time"] < r["started_time"] < r["stopped_time"] for r in timed)
    assert all(r["recording_duration"] > 0 for r in timed)


def test_peer_report_filters(http: httpx.Client, ids: Ids) -> None:
    path = kit_path(ids, f"/sessions/peer-report/{ids.peer_id}")
    full = http.get(path).json()["data"]["participant"]
    assert {"device_info", "ip_information", "precall_network_information", "events"} <= set(
        full["peer_stats"]
    )
    only = http.get(path, params={"filters": "device_info,quality_stats"}).json()["data"]
    stats = only["participant"]["peer_stats"]
    assert "device_info" in stats and "ip_information" not in stats
    assert "quality_stats" in only["participant"]
    status, _, message = error_of(http.get(path, params={"filters": "device_info, events"}))
    assert status == 400 and "filters" in message


# -- ids that connect ------------------------------------------------------------------------


def test_ids_resolve_across_resources(http: httpx.Client, ids: Ids) -> None:
    session = http.get(kit_path(ids, f"/sessions/{ids.ended_session_id}")).json()["data"]["session"]
    meeting = http.get(kit_path(ids, f"/meetings/{session['associated_id']}")).json()["data"]
    assert meeting["title"] == session["meeting_display_name"]
    roster = http.get(
        kit_path(ids, f"/meetings/{meeting['id']}/participants"), params={"per_page": 100}
    ).json()["data"]
    members = {m["id"]: m for m in roster}
    people = http.get(
        kit_path(ids, f"/sessions/{session['id']}/participants"), params={"per_page": 100}
    ).json()["data"]["participants"]
    for person in people:
        member = members[person["user_id"]]  # a session participant's user is on the roster
        assert member["custom_participant_id"] == person["custom_participant_id"]
        report = http.get(kit_path(ids, f"/sessions/peer-report/{person['id']}")).json()
        assert report["data"]["participant"]["id"] == person["id"]  # the id is the peer id
        detail = http.get(kit_path(ids, f"/sessions/{session['id']}/participants/{person['id']}"))
        assert detail.status_code == 200
    total_minutes = sum(p["duration"] for p in people)
    assert total_minutes == pytest.approx(session["minutes_consumed"], abs=0.05)


def test_a_rejoin_is_a_second_session_participant(shared_world: DemoWorld) -> None:
    app = shared_world.apps[0]
    rejoins = [(i, j) for i in range(app.session_count) for j in app.joins(i) if j.rejoin]
    assert rejoins
    i, again = rejoins[0]
    same_user = [j for j in app.joins(i) if j.member_id == again.member_id]
    assert len(same_user) == 2 and len({j.peer_id for j in same_user}) == 2


def test_recordings_and_livestreams_point_at_real_objects(http: httpx.Client, ids: Ids) -> None:
    recs = http.get(kit_path(ids, "/recordings"), params={"per_page": 30}).json()["data"]
    for rec in recs:
        assert http.get(kit_path(ids, f"/sessions/{rec['session_id']}")).status_code == 200
        assert http.get(kit_path(ids, f"/meetings/{rec['meeting']['id']}")).status_code == 200
    listed = http.get(kit_path(ids, "/livestreams")).json()["data"]
    assert listed["paging"]["total_count"] >= 1
    for ls in listed["livestreams"]:
        assert http.get(kit_path(ids, f"/meetings/{ls['meeting_id']}")).status_code == 200
        detail = http.get(kit_path(ids, f"/livestreams/{ls['id']}")).json()["data"]
        for s in detail["sessions"]:
            again = http.get(kit_path(ids, f"/livestreams/sessions/{s['id']}")).json()["data"]
            assert again == s


def test_daywise_adds_up_to_sessions_and_recordings(http: httpx.Client, ids: Ids) -> None:
    start, end = "2026-10-20", "2026-11-18"
    data = http.get(
        kit_path(ids, "/analytics/daywise"), params={"start_date": start, "end_date": end}
    ).json()["data"]
    sessions = all_sessions(
        http, ids, start_time=f"{start}T00:00:00Z", end_time=f"{end}T23:59:59.999Z"
    )
    stats = data["session_stats"]
    assert len(stats["day_stats"]) == 30
    assert (
        stats["sessions_count"]
        == len(sessions)
        == sum(d["total_sessions"] for d in stats["day_stats"])
    )
    assert stats["sessions_minutes_consumed"] == pytest.approx(
        sum(s["minutes_consumed"] for s in sessions), abs=0.5
    )
    for day in stats["day_stats"]:
        on_day = [s for s in sessions if s["started_at"][:10] == day["day"]]
        assert day["total_sessions"] == len(on_day)
    recs = http.get(
        kit_path(ids, "/recordings"),
        params={
            "per_page": 100,
            "start_time": f"{start}T00:00:00Z",
            "end_time": f"{end}T23:59:59.999Z",
        },
    )
    assert data["recording_stats"]["recording_count"] == recs.json()["paging"]["total_count"]


# -- validation and auth -----------------------------------------------------------------------


def test_unknown_ids_are_404(http: httpx.Client, ids: Ids) -> None:
    bogus = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
    for rest in (
        f"/sessions/{bogus}",
        f"/meetings/{bogus}",
        f"/recordings/{bogus}",
        f"/sessions/peer-report/{bogus}",
        f"/webhooks/{bogus}",
        f"/presets/{bogus}",
        f"/livestreams/{bogus}",
        f"/meetings/{bogus}/active-session",
    ):
        status, _, message = error_of(http.get(kit_path(ids, rest)))
        assert status == 404 and bogus in message, rest
    # An existing id of the wrong kind is not found either.
    status, _, _ = error_of(http.get(kit_path(ids, f"/sessions/{ids.meeting_id}")))
    assert status == 404
    # An unknown app.
    path = f"/accounts/{ids.account_id}/realtime/kit/{bogus}/sessions"
    assert error_of(http.get(path))[0] == 404


def test_unknown_route_and_method(http: httpx.Client, ids: Ids) -> None:
    assert error_of(http.get(kit_path(ids, "/nothing-here")))[:2] == (404, 7003)
    assert error_of(http.delete(kit_path(ids, "/sessions")))[:2] == (405, 7000)


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"preset_name": "group_call_participant"}, "custom_participant_id", "required"),
        (
            {"custom_participant_id": 5, "preset_name": "group_call_participant"},
            "custom_participant_id",
            "string",
        ),
        ({"custom_participant_id": "x", "preset_name": "no_such_preset"}, "preset_name", "preset"),
    ],
)
def test_bad_bodies_get_400_naming_the_field(
    fresh_http: httpx.Client, body: dict, field: str, words: str
) -> None:
    ids = find_ids(fresh_http._transport.backend.world)  # type: ignore[attr-defined]
    status, code, message = error_of(
        fresh_http.post(kit_path(ids, f"/meetings/{ids.meeting_id}/participants"), json=body)
    )
    assert status == 400 and code == 10001
    assert field in message and words in message


def test_bad_enum_and_type_in_a_meeting_body(fresh_http: httpx.Client) -> None:
    ids = find_ids(fresh_http._transport.backend.world)  # type: ignore[attr-defined]
    path = kit_path(ids, f"/meetings/{ids.meeting_id}")
    status, _, message = error_of(fresh_http.patch(path, json={"status": "PAUSED"}))
    assert status == 400 and "status" in message and "PAUSED" in message
    status, _, message = error_of(fresh_http.patch(path, json={"record_on_start": "yes"}))
    assert status == 400 and "record_on_start" in message
    status, _, message = error_of(
        fresh_http.post(
            kit_path(ids, "/meetings"),
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
    )
    assert status == 400 and "JSON" in message
    status, _, message = error_of(
        fresh_http.get(kit_path(ids, "/sessions"), params={"start_time": "last tuesday"})
    )
    assert status == 400 and "start_time" in message


def test_auth(server, ids: Ids) -> None:
    url = server.base_url + kit_path(ids, "/sessions")
    missing = httpx.get(url)
    assert error_of(missing)[:2] == (401, 10000)
    wrong = httpx.get(url, headers={"Authorization": "Bearer not-the-token"})
    assert error_of(wrong)[:2] == (403, 10000)
    other_account = server.base_url + f"/accounts/{'0' * 32}/realtime/kit/{ids.app_id}/sessions"
    forbidden = httpx.get(other_account, headers={"Authorization": f"Bearer {TOKEN}"})
    assert error_of(forbidden)[:2] == (403, 9109)


def test_any_token_is_accepted_when_none_is_configured() -> None:
    world = make_world()
    ids = find_ids(world)
    client = httpx.Client(
        transport=DemoTransport(DemoBackend(world)), base_url="https://x/client/v4"
    )
    assert (
        client.get(
            kit_path(ids, "/sessions"), headers={"Authorization": "Bearer whatever"}
        ).status_code
        == 200
    )
    assert (
        client.get(kit_path(ids, "/sessions"), headers={"Authorization": "Bearer "}).status_code
        == 401
    )


# -- the command line ----------------------------------------------------------------------


def test_cli_serves_and_stops_on_ctrl_c() -> None:
    import signal
    import time

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rtk_notebook.demo",
            "--port",
            "0",
            "--seed",
            "3",
            "--now",
            "2026-11-18T15:00:00Z",
            "--token",
            "cli-token",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = [proc.stdout.readline() for _ in range(3)]
        base_url = banner[0].split(" at ")[1].strip()
        account = banner[1].split(":")[1].strip()
        app_id = banner[2].split(":")[1].split()[0]
        response = httpx.get(
            f"{base_url}/accounts/{account}/realtime/kit/{app_id}/sessions",
            headers={"Authorization": "Bearer cli-token"},
            timeout=10,
        )
        assert response.status_code == 200 and response.json()["data"]["sessions"]
        apps = httpx.get(
            f"{base_url}/accounts/{account}/realtime/kit/apps",
            headers={"Authorization": "Bearer cli-token"},
        ).json()
        assert app_id in {a["id"] for a in apps["data"]}
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    time.sleep(0)


def test_cli_options_make_the_world_and_its_rate_limit() -> None:
    from rtk_notebook.demo.__main__ import _faults, parse_args
    from rtk_notebook.demo.world import DAYS

    args = parse_args(["--days", "90", "--rate-limit", "--rate-limit-requests", "60",
                       "--rate-limit-window-s", "15"])  # fmt: skip
    faults = _faults(args)
    assert args.days == 90
    assert (faults.rate_limit, faults.rate_limit_requests, faults.rate_limit_window_s) == (
        True, 60, 15.0,
    )  # fmt: skip
    plain = parse_args([])
    assert plain.days == DAYS
    assert (_faults(plain).rate_limit_requests, _faults(plain).rate_limit_window_s) == (1200, 300)


def test_json_is_compact_and_utf8(http: httpx.Client, ids: Ids) -> None:
    response = http.get(kit_path(ids, "/meetings"))
    assert response.headers["content-type"] == "application/json"
    assert json.loads(response.content) == response.json()


def test_cli_show_tours_the_api_over_http() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rtk_notebook.demo", "--port", "0", "--now",
         "2026-11-18T15:00:00Z", "--show", "--once"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "sessions; newest:" in done.stdout and "lowest audio MOS" in done.stdout
    assert "LIVE" in done.stdout
