"""Writes change the world: what one call does, the next read shows."""

from __future__ import annotations

import httpx

from tests.factories import Ids, error_of, find_ids, kit_path


def ids_of(client: httpx.Client) -> Ids:
    return find_ids(client._transport.backend.world)  # type: ignore[attr-defined]


def test_meeting_create_update_replace(fresh_http: httpx.Client) -> None:
    ids = ids_of(fresh_http)
    created = fresh_http.post(kit_path(ids, "/meetings"), json={"title": "Quarterly planning"})
    assert created.status_code == 201
    meeting = created.json()["data"]
    listed = fresh_http.get(kit_path(ids, "/meetings"), params={"search": "quarterly planning"})
    assert meeting["id"] in {m["id"] for m in listed.json()["data"]}
    path = kit_path(ids, f"/meetings/{meeting['id']}")
    fresh_http.patch(path, json={"status": "INACTIVE", "record_on_start": True})
    again = fresh_http.get(path).json()["data"]
    assert again["status"] == "INACTIVE" and again["record_on_start"] is True
    assert again["title"] == "Quarterly planning"
    fresh_http.put(path, json={"title": "Replaced"})
    replaced = fresh_http.get(path).json()["data"]
    assert replaced["title"] == "Replaced" and replaced["status"] == "ACTIVE"
    assert replaced["record_on_start"] is False and replaced["created_at"] == meeting["created_at"]


def test_meeting_participants_add_edit_token_delete(fresh_http: httpx.Client) -> None:
    ids = ids_of(fresh_http)
    roster = kit_path(ids, f"/meetings/{ids.meeting_id}/participants")
    before = fresh_http.get(roster, params={"per_page": 100}).json()["paging"]["total_count"]
    added = fresh_http.post(
        roster,
        json={
            "custom_participant_id": "new@acme.example",
            "preset_name": "group_call_participant",
            "name": "New Person",
        },
    ).json()["data"]
    assert added["token"]
    assert fresh_http.get(roster).json()["paging"]["total_count"] == before + 1
    duplicate = fresh_http.post(
        roster,
        json={"custom_participant_id": "new@acme.example", "preset_name": "group_call_participant"},
    )
    assert error_of(duplicate)[0] == 409
    one = f"{roster}/{added['id']}"
    fresh_http.patch(one, json={"name": "Renamed Person"})
    assert fresh_http.get(one).json()["data"]["name"] == "Renamed Person"
    first = fresh_http.post(f"{one}/token").json()["data"]["token"]
    second = fresh_http.post(f"{one}/token").json()["data"]["token"]
    assert first != second != added["token"]
    deleted = fresh_http.delete(one).json()["data"]
    assert deleted["custom_participant_id"] == "new@acme.example" and deleted["preset_id"]
    assert fresh_http.get(one).status_code == 404
    assert fresh_http.get(roster).json()["paging"]["total_count"] == before


def test_presets_crud(fresh_http: httpx.Client) -> None:
    ids = ids_of(fresh_http)
    presets = kit_path(ids, "/presets")
    body = fresh_http.get(kit_path(ids, f"/presets/{ids.preset_id}")).json()["data"]
    clone = {k: body[k] for k in ("config", "ui")} | {
        "name": "clone",
        "permissions": body["permissions"],
    }
    created = fresh_http.post(presets, json=clone).json()["data"]
    assert created["name"] == "clone" and created["created_at"]
    one = f"{presets}/{created['id']}"
    fresh_http.patch(one, json={"config": {"view_type": "WEBINAR"}})
    patched = fresh_http.get(one).json()["data"]
    assert patched["config"]["view_type"] == "WEBINAR"
    assert patched["config"]["max_video_streams"] == body["config"]["max_video_streams"]
    fresh_http.put(one, json={**clone, "name": "clone-2"})
    assert fresh_http.get(one).json()["data"]["name"] == "clone-2"
    assert fresh_http.delete(one).status_code == 200
    assert fresh_http.get(one).status_code == 404


def test_webhooks_crud(fresh_http: httpx.Client) -> None:
    ids = ids_of(fresh_http)
    hooks = kit_path(ids, "/webhooks")
    count = len(fresh_http.get(hooks).json()["data"])
    created = fresh_http.post(
        hooks, json={"name": "n", "url": "https://x.example/h", "events": ["meeting.ended"]}
    ).json()["data"]
    assert len(fresh_http.get(hooks).json()["data"]) == count + 1
    one = f"{hooks}/{created['id']}"
    fresh_http.patch(one, json={"enabled": False})
    assert fresh_http.get(one).json()["data"]["enabled"] is False
    fresh_http.put(
        one, json={"name": "m", "url": "https://x.example/i", "events": ["meeting.started"]}
    )
    replaced = fresh_http.get(one).json()["data"]
    assert replaced["events"] == ["meeting.started"] and replaced["enabled"] is True
    bad = fresh_http.post(hooks, json={"name": "n", "url": "https://x", "events": ["nope"]})
    assert error_of(bad)[0] == 400 and "events" in error_of(bad)[2]
    fresh_http.delete(one)
    assert len(fresh_http.get(hooks).json()["data"]) == count


def test_recording_lifecycle(fresh_http: httpx.Client) -> None:
    ids = ids_of(fresh_http)
    recordings = kit_path(ids, "/recordings")
    active = fresh_http.get(kit_path(ids, f"/recordings/active-recording/{ids.meeting_id}"))
    if active.status_code == 200:  # the meeting is being recorded already: stop that first
        fresh_http.put(f"{recordings}/{active.json()['data']['id']}", json={"action": "stop"})
    started = fresh_http.post(recordings, json={"meeting_id": ids.meeting_id})
    assert started.status_code == 201, started.text
    rec = started.json()["data"]
    assert rec["status"] == "INVOKED"
    again = fresh_http.post(recordings, json={"meeting_id": ids.meeting_id})
    assert error_of(again)[0] == 409
    one = f"{recordings}/{rec['id']}"
    assert fresh_http.get(one).json()["data"]["status"] == "RECORDING"
    active = fresh_http.get(kit_path(ids, f"/recordings/active-recording/{ids.meeting_id}"))
    assert active.json()["data"]["id"] == rec["id"]
    assert fresh_http.put(one, json={"action": "pause"}).json()["data"]["status"] == "PAUSED"
    bad = fresh_http.put(one, json={"action": "pause"})
    assert error_of(bad)[0] == 400 and "PAUSED" in error_of(bad)[2]
    assert fresh_http.put(one, json={"action": "resume"}).json()["data"]["status"] == "RECORDING"
    stopped = fresh_http.put(one, json={"action": "stop"}).json()["data"]
    assert stopped["status"] == "UPLOADING" and stopped["stopped_time"]
    assert fresh_http.get(one).json()["data"]["status"] == "UPLOADING"
    done = fresh_http.get(one).json()["data"]
    assert done["status"] == "UPLOADED" and done["download_url"]
    listed = fresh_http.get(recordings, params={"meeting_id": ids.meeting_id, "per_page": 100})
    assert rec["id"] in {r["id"] for r in listed.json()["data"]}
    bad_action = fresh_http.put(one, json={"action": "rewind"})
    assert error_of(bad_action)[0] == 400 and "action" in error_of(bad_action)[2]


def test_kick_and_kick_all(fresh_http: httpx.Client) -> None:
    ids = ids_of(fresh_http)
    session_path = kit_path(ids, f"/meetings/{ids.meeting_id}/active-session")
    session = fresh_http.get(session_path).json()["data"]
    people = fresh_http.get(
        kit_path(ids, f"/sessions/{session['id']}/participants"), params={"per_page": 100}
    ).json()["data"]["participants"]
    still_in = [p for p in people if "left_at" not in p]
    assert len(still_in) == session["live_participants"] >= 2
    target = still_in[-1]
    kicked = fresh_http.post(
        f"{session_path}/kick", json={"custom_participant_ids": [target["custom_participant_id"]]}
    )
    assert kicked.json()["data"]["participants"][0]["id"] == target["user_id"]
    after = fresh_http.get(session_path).json()["data"]
    assert after["live_participants"] == session["live_participants"] - 1
    person = fresh_http.get(kit_path(ids, f"/sessions/{session['id']}/participants/{target['id']}"))
    assert person.json()["data"]["participant"]["left_at"]
    result = fresh_http.post(f"{session_path}/kick-all").json()["data"]
    assert result["kicked_participants_count"] == session["live_participants"] - 1
    assert error_of(fresh_http.get(session_path))[0] == 404
    ended = fresh_http.get(kit_path(ids, f"/sessions/{session['id']}")).json()["data"]["session"]
    assert ended["status"] == "ENDED" and ended["ended_at"] and ended["live_participants"] == 0


def test_poll(fresh_http: httpx.Client) -> None:
    ids = ids_of(fresh_http)
    path = kit_path(ids, f"/meetings/{ids.meeting_id}/active-session/poll")
    poll = fresh_http.post(path, json={"question": "Lunch?", "options": ["now", "later"]})
    assert poll.status_code == 201
    assert [o["text"] for o in poll.json()["data"]["poll"]["options"]] == ["now", "later"]
    missing = fresh_http.post(path, json={"options": ["a", "b"]})
    assert error_of(missing)[0] == 400 and "question" in error_of(missing)[2]


def test_livestream_start_and_stop(fresh_http: httpx.Client) -> None:
    ids = ids_of(fresh_http)
    world = fresh_http._transport.backend.world  # type: ignore[attr-defined]
    from rtk_notebook.demo.routes import active_session_index

    app = world.apps[0]
    live_ls = [
        m
        for m in app.meetings.values()
        if m.kind.livestream and active_session_index(app, m) is not None
    ]
    meeting_id = live_ls[0].record["id"] if live_ls else ids.livestream_meeting_id
    active = kit_path(ids, f"/meetings/{meeting_id}/active-livestream")
    if not live_ls:
        assert (
            error_of(fresh_http.post(kit_path(ids, f"/meetings/{meeting_id}/livestreams")))[0]
            == 400
        )
        return
    assert fresh_http.get(active).json()["data"]["status"] == "LIVE"
    assert fresh_http.post(f"{active}/stop").json()["data"]["message"]
    assert error_of(fresh_http.get(active))[0] == 404
    started = fresh_http.post(kit_path(ids, f"/meetings/{meeting_id}/livestreams"), json={})
    assert started.status_code == 201 and started.json()["data"]["status"] == "INVOKED"
    assert fresh_http.get(active).json()["data"]["status"] == "LIVE"
