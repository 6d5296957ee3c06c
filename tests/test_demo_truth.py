"""The injected ground truth agrees with what the API reports for the same peer."""

from __future__ import annotations

import statistics

import httpx
import pytest

from rtk_notebook.demo import DemoWorld
from rtk_notebook.demo.netsim import HEALTHY_PROFILES, PROFILES
from tests.factories import Ids, kit_path


def peers_by_profile(world: DemoWorld, limit: int = 12) -> dict[str, list[str]]:
    app = world.apps[0]
    found: dict[str, list[str]] = {p: [] for p in PROFILES}
    for i in range(app.session_count):
        if app.is_live(i):
            continue
        for join in app.joins(i):
            bucket = found[join.profile]
            if len(bucket) < limit:
                bucket.append(join.peer_id)
        if all(len(b) >= limit for b in found.values()):
            break
    return found


@pytest.fixture(scope="module")
def by_profile(shared_world: DemoWorld) -> dict[str, list[str]]:
    return peers_by_profile(shared_world)


def report(http: httpx.Client, ids: Ids, peer_id: str) -> dict:
    response = http.get(kit_path(ids, f"/sessions/peer-report/{peer_id}"))
    assert response.status_code == 200
    return response.json()["data"]["participant"]


def test_every_profile_occurs_and_truth_names_it(
    shared_world: DemoWorld, by_profile: dict[str, list[str]]
) -> None:
    for profile, peers in by_profile.items():
        assert len(peers) >= 5, profile
        for peer in peers[:3]:
            truth = shared_world.peer_truth(peer)
            assert truth["profile"] == profile
            assert isinstance(truth["episodes"], list)


def test_unknown_peer_has_no_truth(shared_world: DemoWorld) -> None:
    with pytest.raises(KeyError):
        shared_world.peer_truth("182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e")


def test_relay_tcp_peers_use_a_relay_over_tcp(
    http: httpx.Client, ids: Ids, by_profile: dict[str, list[str]]
) -> None:
    for peer in by_profile["relay_tcp"][:5]:
        pairs = report(http, ids, peer)["peer_report"]["metadata"]["candidate_pairs"]
        nominated = [p for p in pairs["producing_transport"] if p.get("nominated")]
        assert nominated, peer
        assert nominated[0]["local_candidate_type"] == "relay"
        assert nominated[0]["local_candidate_protocol"] == "tcp"
    for peer in by_profile["fibre"][:5]:
        pairs = report(http, ids, peer)["peer_report"]["metadata"]["candidate_pairs"]
        nominated = [p for p in pairs["producing_transport"] if p.get("nominated")]
        assert nominated[0]["local_candidate_type"] != "relay"


def _audio(participant: dict) -> dict:
    return participant["peer_report"]["quality"]["audio_producer_cumulative"]


def test_3g_is_worse_than_fibre_in_loss_and_rtt(
    http: httpx.Client, ids: Ids, by_profile: dict[str, list[str]]
) -> None:
    def medians(profile: str) -> tuple[float, float, float]:
        summaries = [_audio(report(http, ids, p)) for p in by_profile[profile][:8]]
        return (
            statistics.median(s["packet_loss"]["avg"] for s in summaries),
            statistics.median(s["rtt"]["avg"] for s in summaries),
            statistics.median(s["quality_mos"]["avg"] for s in summaries),
        )

    loss_3g, rtt_3g, mos_3g = medians("3g")
    loss_fibre, rtt_fibre, mos_fibre = medians("fibre")
    assert loss_3g > loss_fibre and rtt_3g > rtt_fibre and mos_3g < mos_fibre


def test_degraded_profiles_have_noticeably_worse_calls(
    http: httpx.Client, ids: Ids, by_profile: dict[str, list[str]]
) -> None:
    """Each degraded profile is clearly worse than every healthy one on some measure."""

    def figures(profile: str) -> dict[str, float]:
        reports = [report(http, ids, p)["peer_report"]["quality"] for p in by_profile[profile][:6]]
        fps = [
            statistics.median(s["frames_per_second"] for s in q["video_producer"])
            for q in reports
            if q["video_producer"]
        ]
        return {
            "mos": statistics.median(
                q["audio_producer_cumulative"]["quality_mos"]["avg"] for q in reports
            ),
            "rtt": statistics.median(q["audio_producer_cumulative"]["rtt"]["avg"] for q in reports),
            "loss": statistics.median(
                q["audio_producer_cumulative"]["packet_loss"]["avg"] for q in reports
            ),
            "fps": statistics.median(fps) if fps else 30.0,
        }

    healthy = [figures(p) for p in HEALTHY_PROFILES]
    for profile in sorted(set(PROFILES) - HEALTHY_PROFILES):
        f = figures(profile)
        worse = {
            "mos": f["mos"] < min(h["mos"] for h in healthy) - 0.2,
            "rtt": f["rtt"] > 1.8 * max(h["rtt"] for h in healthy),
            "loss": f["loss"] > 3 * max(h["loss"] for h in healthy),
            "fps": f["fps"] < 15 <= min(h["fps"] for h in healthy),
        }
        assert any(worse.values()), (profile, f, healthy)


def test_the_participant_details_agree_with_the_peer_report(
    http: httpx.Client, ids: Ids, shared_world: DemoWorld
) -> None:
    app = shared_world.apps[0]
    i = app.session_index(ids.ended_session_id)
    join = app.joins(i)[1]
    detail = http.get(
        kit_path(ids, f"/sessions/{ids.ended_session_id}/participants/{join.peer_id}")
    ).json()["data"]["participant"]
    peer = report(http, ids, join.peer_id)
    assert detail["peer_stats"]["device_info"]["os"] == peer["peer_stats"]["device_info"]["os"]
    assert detail["quality_stats"][0]["average_quality"] == pytest.approx(
        peer["quality_stats"]["average_quality"], abs=0.05
    )
