"""The peer simulator: determinism, E-model, profiles, episodes and the API's shapes."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cloudflare.types.realtime_kit import (
    SessionGetParticipantDataFromPeerIDResponse,
    SessionGetSessionParticipantDetailsResponse,
)

from rtk_notebook.demo.netsim import (
    EPISODE_KINDS,
    HEALTHY_PROFILES,
    PROFILES,
    PeerSim,
    SampleColumns,
    choose_profile,
    mos_from,
    simulate_peer,
)
from rtk_notebook.demo.wire import sample_rows, to_json

JOIN = datetime(2026, 11, 20, 10, 0, 0, 39_000, tzinfo=UTC)
ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
TRACKS = (
    "audio_consumer",
    "audio_producer",
    "screenshare_audio_consumer",
    "screenshare_audio_producer",
    "screenshare_video_consumer",
    "screenshare_video_producer",
    "video_consumer",
    "video_producer",
)
AUDIO_KEYS = {
    "bytes_sent",
    "jitter",
    "mid",
    "mos_quality",
    "packets_lost",
    "packets_sent",
    "producer_id",
    "rtt",
    "ssrc",
    "timestamp",
}
CONSUMER_EXTRA = {"bytes_received", "packets_received"}
VIDEO_EXTRA = {
    "bitrate",
    "frame_height",
    "frame_width",
    "frames_dropped",
    "frames_per_second",
    "quality_limitation_reason",
}
DEGRADED = tuple(p for p in PROFILES if p not in HEALTHY_PROFILES)
REFERENCE = Path(__file__).parent / "data" / "reference_examples.json"


def sim(
    seed: str = "w:peer-1",
    profile: str = "home_wifi",
    minutes: float = 30,
    **kw: Any,
) -> PeerSim:
    kw.setdefault("peer_id", "peer-1")
    return simulate_peer(seed, profile, JOIN, JOIN + timedelta(minutes=minutes), **kw)


def parse(ts: str) -> datetime:
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def loss_pct(sample: dict) -> float:
    return 100.0 * sample["packets_lost"] / sample["packets_sent"]


def quality(s: PeerSim) -> dict[str, Any]:
    return s.peer_report["quality"]


def find_with_episode(
    kind: str, profiles: tuple[str, ...], want: int, minutes: float = 15, **kw: Any
) -> list[PeerSim]:
    """Scan seeds for peers that drew an episode of ``kind`` (about 15 % draw any)."""
    found: list[PeerSim] = []
    for i in range(20_000):
        s = sim(f"ep:{kind}:{i}", profiles[i % len(profiles)], minutes, **kw)
        if any(e["kind"] == kind for e in s.truth["episodes"]):
            found.append(s)
            if len(found) == want:
                return found
    raise AssertionError(f"only {len(found)} peers with a {kind} episode")


def walk(obj: Any) -> Any:
    """Yield every leaf value of a JSON-like structure."""
    if isinstance(obj, dict):
        for v in obj.values():
            yield from walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from walk(v)
    else:
        yield obj


# --- Interface ------------------------------------------------------------------------------


def test_public_constants() -> None:
    assert len(PROFILES) == 8 and len(set(PROFILES)) == 8
    assert frozenset({"fibre", "home_wifi", "4g"}) == HEALTHY_PROFILES
    assert set(EPISODE_KINDS) == {"loss_burst", "rtt_spike", "reconnection", "device_switch"}


def test_choose_profile_mix_is_realistic_and_deterministic() -> None:
    rng = random.Random(1)
    counts = Counter(choose_profile(rng) for _ in range(20_000))
    expected = {
        "fibre": 0.22,
        "home_wifi": 0.28,
        "4g": 0.14,
        "congested_wifi": 0.10,
        "3g": 0.05,
        "relay_tcp": 0.08,
        "intercontinental": 0.08,
        "cpu_starved_mobile": 0.05,
    }
    for profile, share in expected.items():
        assert counts[profile] / 20_000 == pytest.approx(share, abs=0.015), profile
    a, b = random.Random("x"), random.Random("x")
    assert [choose_profile(a) for _ in range(50)] == [choose_profile(b) for _ in range(50)]


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError):
        sim(profile="dialup")
    with pytest.raises(ValueError):
        simulate_peer("s", "fibre", JOIN, JOIN - timedelta(seconds=1), peer_id="p")
    with pytest.raises(ValueError):
        naive = datetime(2026, 1, 1)
        simulate_peer("s", "fibre", naive, naive + timedelta(minutes=5), peer_id="p")


# --- Determinism ----------------------------------------------------------------------------


def dump(s: PeerSim) -> str:
    return json.dumps(
        [
            s.truth,
            s.peer_report,
            s.peer_stats_report,
            s.quality_stats_report,
            s.peer_stats_participant,
            s.quality_stats_participant,
        ]
    )


@pytest.mark.parametrize("profile", PROFILES)
def test_same_arguments_give_identical_output(profile: str) -> None:
    kw = {"video": True, "screenshare": True}
    a = sim("world:abc", profile, 20, **kw)
    b = sim("world:abc", profile, 20, **kw)
    assert a == b
    assert dump(a) == dump(b)


def test_different_seeds_give_different_output() -> None:
    a, b = sim("world:abc"), sim("world:abd")
    assert dump(a) != dump(b)
    rtts = [x["rtt"] for x in quality(a)["audio_producer"]]
    assert rtts != [x["rtt"] for x in quality(b)["audio_producer"]]


def test_output_is_plain_json_types() -> None:
    s = sim(profile="cpu_starved_mobile", video=True, screenshare=True)
    for leaf in walk(json.loads(dump(s))):
        assert leaf is None or type(leaf) in (str, int, float, bool)
    # json round trip changes nothing: no numpy scalars, tuples or NaN anywhere
    for leaf in walk([s.peer_report, s.quality_stats_report, s.quality_stats_participant]):
        assert leaf is None or type(leaf) in (str, int, float, bool), type(leaf)
        assert not (isinstance(leaf, float) and np.isnan(leaf))


def test_the_served_samples_are_the_bytes_of_the_sample_dicts() -> None:
    # The demo's server writes the samples from their columns; what it writes must be what
    # encoding the dicts of `peer_report` gives, byte for byte, for every kind of track.
    for s in (
        sim("wire:a", "cpu_starved_mobile", 30, video=True, screenshare=True),
        sim("wire:b", "relay_tcp", 5, video=False),
        sim("wire:c", "3g", 0.05, video=True),  # too short for a sample: empty tracks
    ):
        assert to_json(s.quality(sample_rows)) == to_json(s.peer_report["quality"])


@pytest.mark.parametrize(
    ("fields", "count"),
    [
        ({"a": [1, 2.5, None], "b": "x", "c": [True, False, True]}, 3),
        ({"only": "constant", "n": 7}, 2),  # no varying field
        ({"text": ["a,b", "c", "d"], "x": [1, 2, 3]}, 3),  # a comma inside a value
        ({"nested": [[1, 2], [3], []], "x": [1, 2, 3]}, 3),  # arrays inside values
        ({"short": [1, 2], "x": [1, 2, 3]}, 3),  # a column shorter than the track
        ({"100%": ["%s", "%b", "%%"], "p": "%d"}, 3),  # format characters
        ({"x": [float("nan"), 1e-7, 1e22]}, 3),
        ({"x": []}, 0),
        ({}, 2),
        # Numpy columns, as the simulator keeps them.
        ({"i": np.array([0, -3, 2**40]), "f": np.array([0.1, -0.0, 1e-5]), "k": "c"}, 3),
        ({"s": np.array(["a,b", 'q"', "é"]), "o": np.array(["x", 1, None], dtype=object)}, 3),
        ({"a b": np.array([1.5, 2.25]), "class": np.array([True, False])}, 2),  # odd keys
        ({"short": np.array([1]), "x": np.array([1, 2])}, 2),
    ],
)
def test_sample_rows_writes_what_the_dicts_encode_to(fields: dict[str, Any], count: int) -> None:
    samples = SampleColumns(fields, count)
    assert bytes(sample_rows(samples)) == to_json(samples.rows())


def test_toggling_video_leaves_the_audio_untouched() -> None:
    with_video = sim("w:v", "4g", video=True, screenshare=True)
    without = sim("w:v", "4g", video=False)
    assert quality(with_video)["audio_producer"] == quality(without)["audio_producer"]
    assert with_video.truth == without.truth


# --- Sampling grid and tracks ----------------------------------------------------------------


def test_samples_every_five_seconds_inside_the_stay() -> None:
    s = sim(minutes=60, episodes=False)
    left = JOIN + timedelta(minutes=60)
    for name in ("audio_producer", "audio_consumer", "video_producer", "video_consumer"):
        times = [parse(x["timestamp"]) for x in quality(s)[name]]
        assert all(ISO_MS.match(x["timestamp"]) for x in quality(s)[name])
        assert 700 <= len(times) <= 720
        assert times[0] > JOIN and times[-1] <= left
        gaps = np.diff([t.timestamp() for t in times])
        assert np.all((gaps > 4.9) & (gaps < 5.1))


def test_long_stays_use_a_longer_interval() -> None:
    s = sim(minutes=200, episodes=False, screenshare=True)
    for name in TRACKS:
        assert len(quality(s)[name]) <= 720
    times = [parse(x["timestamp"]).timestamp() for x in quality(s)["audio_producer"]]
    assert np.median(np.diff(times)) == pytest.approx(20.0, abs=0.1)


def test_tiny_and_empty_stays_do_not_break() -> None:
    for seconds in (0, 1, 4, 12):
        s = simulate_peer("w:t", "3g", JOIN, JOIN + timedelta(seconds=seconds), peer_id="p")
        q = quality(s)
        assert len(q) == 16
        if not q["audio_producer"]:
            assert q["audio_producer_cumulative"] == {}
        assert s.quality_stats_report["peer_ids"] == ["p"]
        SessionGetParticipantDataFromPeerIDResponse.model_validate(peer_envelope(s))


@pytest.mark.parametrize(("video", "screenshare"), [(True, True), (True, False), (False, False)])
def test_track_presence(video: bool, screenshare: bool) -> None:
    s = sim(video=video, screenshare=screenshare)
    q = quality(s)
    assert set(q) == set(TRACKS) | {f"{t}_cumulative" for t in TRACKS}
    present = {"audio_producer", "audio_consumer"}
    if video:
        present |= {"video_producer", "video_consumer"}
    if screenshare:
        present.add("screenshare_video_producer")
    for name in TRACKS:
        if name in present:
            assert q[name], name
            assert set(q[f"{name}_cumulative"]) == {"quality_mos", "packet_loss", "rtt"}
        else:
            assert q[name] == [] and q[f"{name}_cumulative"] == {}, name
    events = {e["name"] for e in s.peer_report["metadata"]["events"]}
    assert ("video_on" in events) == video
    assert ("screenshare_started" in events) == screenshare


def test_sample_fields_follow_the_reference() -> None:
    q = quality(sim(profile="congested_wifi", video=True, screenshare=True))
    assert all(set(x) == AUDIO_KEYS for x in q["audio_producer"])
    assert all(set(x) == AUDIO_KEYS | CONSUMER_EXTRA for x in q["audio_consumer"])
    assert all(set(x) == AUDIO_KEYS | VIDEO_EXTRA for x in q["video_producer"])
    assert all(set(x) == AUDIO_KEYS | VIDEO_EXTRA for x in q["screenshare_video_producer"])
    assert all(set(x) == AUDIO_KEYS | VIDEO_EXTRA | CONSUMER_EXTRA for x in q["video_consumer"])
    for x in q["audio_producer"]:
        assert 248 <= x["packets_sent"] <= 252  # Opus 20 ms: ~50 packets/s over 5 s
        assert 0 <= x["packets_lost"] <= x["packets_sent"]
    for x in q["audio_consumer"] + q["video_consumer"]:
        assert x["packets_received"] == x["packets_sent"] - x["packets_lost"]
        assert x["bytes_received"] <= x["bytes_sent"]
    for x in q["video_producer"]:
        assert x["quality_limitation_reason"] in {"none", "bandwidth", "cpu"}
        assert (x["frame_width"], x["frame_height"]) in {
            (320, 180),
            (480, 270),
            (640, 360),
            (960, 540),
            (1280, 720),
        }
        assert x["bitrate"] == pytest.approx(x["bytes_sent"] * 8 / 5 / 1000, abs=0.06)


# --- E-model ---------------------------------------------------------------------------------


def test_mos_from_follows_the_e_model() -> None:
    # By hand (G.107 simplified, Ie = 0, Bpl = 25.1): one-way d = 100/2 + 2*10 + 10 = 80 ms;
    # Id = 0.024 * 80 = 1.920; Ie_eff = 95 * 2 / (2 + 25.1) = 7.011; R = 93.2 - 1.920 - 7.011
    # = 84.269; MOS = 1 + 0.035 R + 7e-6 R (R - 60)(100 - R) = 1 + 2.949 + 0.225 = 4.17.
    assert mos_from(2.0, 100.0, 10.0) == 4.17
    # Beyond 177.3 ms one-way the delay impairment steepens: d = 300/2 + 2*50 + 10 = 260 ms;
    # Id = 0.024 * 260 + 0.11 * (260 - 177.3) = 6.240 + 9.097 = 15.337; R = 93.2 - 15.337
    # = 77.863; MOS = 1 + 2.725 + 0.216 = 3.94.
    assert mos_from(0.0, 300.0, 50.0) == 3.94
    assert mos_from(0.0, 0.0, 0.0) == pytest.approx(4.4, abs=0.01)
    assert mos_from(100.0, 3000.0, 500.0) == 1.0
    assert isinstance(mos_from(1.0, 20.0, 3.0), float)
    grid = mos_from(np.array([0.0, 1.0, 5.0, 20.0]), np.full(4, 40.0), np.full(4, 5.0))
    assert list(grid) == sorted(grid, reverse=True)
    # The G.107 satisfaction bands as the thresholds use them.
    assert mos_from(0.0, 20.0, 2.0) >= 4.3
    assert mos_from(10.0, 20.0, 2.0) < 3.6


@pytest.mark.parametrize("profile", PROFILES)
def test_every_sample_mos_is_the_e_model_of_its_own_figures(profile: str) -> None:
    s = sim(f"mos:{profile}", profile, 20, video=True, screenshare=True)
    for name in TRACKS:
        samples = quality(s)[name]
        if not samples:
            continue
        loss = np.array([loss_pct(x) for x in samples])
        rtt = np.array([x["rtt"] for x in samples])
        jit = np.array([x["jitter"] for x in samples])
        mos = [x["mos_quality"] for x in samples]
        assert list(mos_from(loss, rtt, jit)) == mos, name
        for x in samples[:20]:
            assert mos_from(loss_pct(x), x["rtt"], x["jitter"]) == x["mos_quality"]
        assert all(1.0 <= m <= 4.5 for m in mos)


def recompute_cumulative(samples: list[dict]) -> dict:
    loss = np.array([loss_pct(x) for x in samples])
    rtt = np.array([x["rtt"] for x in samples])
    mos = np.array([x["mos_quality"] for x in samples])
    p50, p75, p90 = np.percentile(mos, [50, 75, 90])
    return {
        "packet_loss": {
            "10_or_greater_event_fraction": np.mean(loss >= 10),
            "25_or_greater_event_fraction": np.mean(loss >= 25),
            "5_or_greater_event_fraction": np.mean(loss >= 5),
            "50_or_greater_event_fraction": np.mean(loss >= 50),
            "avg": loss.mean(),
        },
        "quality_mos": {"avg": mos.mean(), "p50": p50, "p75": p75, "p90": p90},
        "rtt": {
            "100ms_or_greater_event_fraction": np.mean(rtt >= 100),
            "250ms_or_greater_event_fraction": np.mean(rtt >= 250),
            "500ms_or_greater_event_fraction": np.mean(rtt >= 500),
            "avg": rtt.mean(),
        },
    }


@pytest.mark.parametrize("profile", ["fibre", "3g", "congested_wifi", "relay_tcp"])
def test_cumulatives_are_computed_from_the_samples(profile: str) -> None:
    for i in range(3):
        s = sim(f"cum:{profile}:{i}", profile, 25, video=True, screenshare=True)
        for name in TRACKS:
            samples = quality(s)[name]
            if not samples:
                continue
            got = quality(s)[f"{name}_cumulative"]
            want = recompute_cumulative(samples)
            assert set(got) == set(want)
            for group, fields in want.items():
                assert set(got[group]) == set(fields)
                for field, value in fields.items():
                    # Emitted rounded: RTT avg to 0.1 ms, the rest to 0.01 or finer.
                    tol = 0.051 if (group, field) == ("rtt", "avg") else 0.0051
                    assert got[group][field] == pytest.approx(value, abs=tol), (name, field)


# --- Profiles: healthy against degraded, over many peers --------------------------------------


@dataclass
class Summary:
    profile: str
    episodes: int
    mos_p50: float
    loss: float  # median per-sample loss %
    loss_avg: float
    rtt: float  # median ms
    jitter: float  # median ms
    fps: float  # median video producer fps
    cpu_share: float
    bandwidth_share: float
    height: float
    pair: dict
    pc: dict
    precall: dict
    device: dict
    ip: dict


def summarise(s: PeerSim) -> Summary:
    q = quality(s)
    ap, vp = q["audio_producer"], q["video_producer"]
    reasons = Counter(x["quality_limitation_reason"] for x in vp)
    meta = s.peer_report["metadata"]
    return Summary(
        profile=s.truth["profile"],
        episodes=len(s.truth["episodes"]),
        mos_p50=q["audio_producer_cumulative"]["quality_mos"]["p50"],
        loss=float(np.median([loss_pct(x) for x in ap])),
        loss_avg=q["audio_producer_cumulative"]["packet_loss"]["avg"],
        rtt=float(np.median([x["rtt"] for x in ap])),
        jitter=float(np.median([x["jitter"] for x in ap])),
        fps=float(np.median([x["frames_per_second"] for x in vp])),
        cpu_share=reasons["cpu"] / len(vp),
        bandwidth_share=reasons["bandwidth"] / len(vp),
        height=float(np.median([x["frame_height"] for x in vp])),
        pair=meta["candidate_pairs"]["producing_transport"][0],
        pc=meta["pc_metadata"][0],
        precall=s.peer_stats_report["precall_network_information"],
        device={**meta["device_info"], **s.peer_stats_participant["device_info"]},
        ip=meta["ip_information"],
    )


@pytest.fixture(scope="module")
def population() -> dict[str, list[Summary]]:
    """200 peers per profile, 15-minute stays with video, episodes as they fall."""
    return {
        p: [summarise(sim(f"pop:{p}:{i}", p, 15, peer_id=f"p{i}")) for i in range(200)]
        for p in PROFILES
    }


def med(rows: list[Summary], field: str) -> float:
    return float(np.median([getattr(r, field) for r in rows]))


@pytest.mark.slow
def test_healthy_peers_without_episodes_have_good_mos(population: dict) -> None:
    for profile in HEALTHY_PROFILES:
        calm = [r for r in population[profile] if r.episodes == 0]
        assert len(calm) > 140
        assert min(r.mos_p50 for r in calm) >= 4.0, profile
        assert med(calm, "fps") >= 25


@pytest.mark.slow
def test_3g_is_lossier_and_slower_than_fibre(population: dict) -> None:
    g3, fibre = population["3g"], population["fibre"]
    assert med(g3, "loss") > 2.0 > 0.1 > med(fibre, "loss")
    assert med(g3, "rtt") > 150 > 30 > med(fibre, "rtt")
    assert med(g3, "jitter") > 30
    # Over 90 % of 3G peers are worse than the worst calm fibre peer on both counts.
    calm = [r for r in fibre if r.episodes == 0]
    worst_loss = max(r.loss_avg for r in calm)
    worst_rtt = max(r.rtt for r in calm)
    assert np.mean([r.loss_avg > worst_loss for r in g3]) > 0.9
    assert np.mean([r.rtt > worst_rtt for r in g3]) > 0.9
    # Low throughput: small, low-frame-rate video, limited by bandwidth.
    assert med(g3, "fps") < 15 and med(g3, "height") <= 270
    assert med(g3, "bandwidth_share") > 0.8


@pytest.mark.slow
def test_relay_tcp_uses_a_relay_over_tcp(population: dict) -> None:
    for r in population["relay_tcp"]:
        assert r.pair["nominated"] is True
        assert r.pair["local_candidate_type"] == "relay"
        assert r.pair["local_candidate_protocol"] == "tcp"
        assert r.pc["reflexive_connectivity"] is False and r.pc["relay_connectivity"] is True
        assert r.precall["reflexive_connectivity"] is False
        assert r.precall["relay_connectivity"] is True
    for profile in PROFILES:
        if profile == "relay_tcp":
            continue
        for r in population[profile]:
            assert r.pair["local_candidate_type"] in {"host", "srflx"}
            assert r.pair["local_candidate_protocol"] == "udp"
            assert r.pc["reflexive_connectivity"] is True
    relay = population["relay_tcp"]
    assert med(relay, "rtt") > 100 and med(relay, "jitter") > 30
    assert med(relay, "loss") < 0.5  # TCP retransmits hide the loss
    assert {r.ip["asn"]["type"] for r in relay} == {"business"}


@pytest.mark.slow
def test_cpu_starved_mobile_video_is_cpu_limited(population: dict) -> None:
    rows = population["cpu_starved_mobile"]
    assert med(rows, "fps") < 15
    assert np.mean([r.fps < 15 for r in rows]) > 0.9
    assert med(rows, "cpu_share") > 0.7
    assert med(rows, "mos_p50") >= 4.0  # the path itself is fine
    for r in rows:
        assert r.device["is_mobile"] is True and r.device["cpus"] == 2
        assert r.device["memory"] <= 2
    for profile in PROFILES:
        if profile != "cpu_starved_mobile":
            assert med(population[profile], "cpu_share") == 0.0


@pytest.mark.slow
def test_intercontinental_peers_are_far_away(population: dict) -> None:
    rows = population["intercontinental"]
    assert {r.ip["country"] for r in rows} <= {"AU", "IN", "BR", "ZA", "NZ"}
    assert med(rows, "rtt") > 150
    assert not {r.ip["country"] for r in population["fibre"]} & {"AU", "IN", "BR", "ZA", "NZ"}


# Common-practice thresholds of docs/quality-sources.md, "bad" side.
THRESHOLDS = {
    "mos_p50": lambda v: v < 4.0,
    "loss": lambda v: v > 3.0,
    "rtt": lambda v: v > 150.0,
    "jitter": lambda v: v > 30.0,
    "fps": lambda v: v < 15.0,
}


@pytest.mark.slow
@pytest.mark.parametrize("profile", DEGRADED)
def test_each_degraded_profile_is_clearly_worse_than_fibre(population: dict, profile: str) -> None:
    fibre = population["fibre"]
    rows = population[profile]
    crossed = [m for m, bad in THRESHOLDS.items() if bad(med(rows, m))]
    assert crossed, f"{profile} crosses no threshold"
    for metric in THRESHOLDS:
        assert not THRESHOLDS[metric](med(fibre, metric)), metric
    # ... and for most peers of the profile, not only the median one.
    for metric in crossed:
        assert np.mean([THRESHOLDS[metric](getattr(r, metric)) for r in rows]) > 0.6, metric


@pytest.mark.slow
def test_precall_agrees_with_the_profile(population: dict) -> None:
    for rows in population.values():
        for r in rows:
            assert r.precall["effective_networktype"] == r.pc["effective_network_type"]
            assert 0.0 <= r.precall["fractional_loss"] < 1.0
    assert med(population["3g"], "rtt") > 3 * med(population["fibre"], "rtt")
    g3 = np.median([r.precall["rtt"] for r in population["3g"]])
    fib = np.median([r.precall["rtt"] for r in population["fibre"]])
    assert g3 > 5 * fib
    tp = {p: np.median([r.precall["throughput"] for r in rows]) for p, rows in population.items()}
    assert tp["3g"] < tp["congested_wifi"] < tp["home_wifi"] < tp["fibre"]
    assert {r.pc["effective_network_type"] for r in population["3g"]} == {"3g"}
    assert {r.pc["effective_network_type"] for r in population["4g"]} <= {"4g", "wifi"}


@pytest.mark.slow
def test_devices_agree_with_browsers(population: dict) -> None:
    for rows in population.values():
        for r in rows:
            ua, d = r.device["user_agent"], r.device
            assert d["is_mobile"] == ("Mobile" in ua)
            assert d["engine"] == {"Chrome": "Blink", "Edge": "Blink", "Firefox": "Gecko"}.get(
                d["browser"], "WebKit"
            )
            assert d["browser_version"].split(".")[0] in ua
            assert re.match(r"^(198\.51\.100|203\.0\.113)\.\d+$", r.ip["ipv4"])


# --- Episodes --------------------------------------------------------------------------------


def test_episodes_are_rare_inside_the_stay_and_recorded() -> None:
    with_any = 0
    kinds: Counter[str] = Counter()
    for i in range(600):
        minutes = 5 + i % 40
        s = sim(f"eps:{i}", PROFILES[i % 8], minutes, video=False)
        left = JOIN + timedelta(minutes=minutes)
        eps = s.truth["episodes"]
        with_any += bool(eps)
        assert len(eps) <= 2
        for e in eps:
            kinds[e["kind"]] += 1
            start, end = parse(e["start"]), parse(e["end"])
            assert JOIN < start < end < left
            assert 30 <= (end - start).total_seconds() <= 180
        if len(eps) == 2:
            assert parse(eps[0]["end"]) < parse(eps[1]["start"])
    assert 0.10 < with_any / 600 < 0.20
    assert set(kinds) == set(EPISODE_KINDS)
    assert not any(
        sim(f"eps:{i}", "fibre", 20, episodes=False).truth["episodes"] for i in range(60)
    )


def in_window(samples: list[dict], episode: dict) -> list[dict]:
    return [x for x in samples if episode["start"] <= x["timestamp"] <= episode["end"]]


def test_loss_bursts_show_in_the_samples() -> None:
    for s in find_with_episode("loss_burst", tuple(sorted(HEALTHY_PROFILES)), 12, video=True):
        for e in (e for e in s.truth["episodes"] if e["kind"] == "loss_burst"):
            for name in ("audio_producer", "audio_consumer", "video_producer"):
                window = in_window(quality(s)[name], e)
                assert len(window) >= 5
                assert np.mean([loss_pct(x) for x in window]) >= 10.0
                assert np.median([x["mos_quality"] for x in window]) < 3.6


def test_rtt_spikes_show_in_the_samples() -> None:
    for s in find_with_episode("rtt_spike", tuple(sorted(HEALTHY_PROFILES)), 12):
        ap = quality(s)["audio_producer"]
        for e in (e for e in s.truth["episodes"] if e["kind"] == "rtt_spike"):
            window = in_window(ap, e)
            outside = [x["rtt"] for x in ap if x not in window]
            assert np.median([x["rtt"] for x in window]) > np.median(outside) + 250
            assert np.median([x["mos_quality"] for x in window]) < 3.6


def test_reconnections_leave_a_gap_and_events() -> None:
    for s in find_with_episode("reconnection", PROFILES, 8, video=True):
        e = next(e for e in s.truth["episodes"] if e["kind"] == "reconnection")
        start, end = parse(e["start"]), parse(e["end"])
        for name in ("audio_producer", "audio_consumer", "video_producer", "video_consumer"):
            times = [parse(x["timestamp"]) for x in quality(s)[name]]
            assert not [t for t in times if start <= t <= end], name
            before = max(t for t in times if t < start)
            after = min(t for t in times if t > end)
            assert (after - before).total_seconds() >= (end - start).total_seconds()
        meta = s.peer_report["metadata"]
        named = {(x["name"], x["timestamp"]) for x in meta["events"]}
        assert ("reconnecting", e["start"]) in named and ("reconnected", e["end"]) in named
        typed = {(x["type"], x["timestamp"]) for x in s.peer_stats_report["events"]}
        assert ("reconnecting", e["start"]) in typed and ("reconnected", e["end"]) in typed
        typed_p = {(x["type"], x["timestamp"]) for x in s.peer_stats_participant["events"]}
        assert ("reconnected", e["end"]) in typed_p
        assert [p["timestamp"] for p in meta["pc_metadata"]][-1] == e["end"]


def test_device_switches_are_recorded() -> None:
    for s in find_with_episode("device_switch", PROFILES, 8, video=True):
        meta = s.peer_report["metadata"]
        e = next(e for e in s.truth["episodes"] if e["kind"] == "device_switch")
        selected = [u["timestamp"] for u in meta["selected_device_updates"]]
        assert e["start"] in selected and e["end"] in selected
        updates = meta["audio_devices_updates"] + meta["video_devices_updates"]
        assert {u["timestamp"] for u in updates} >= {e["start"], e["end"]}
        added = next(u for u in updates if u["timestamp"] == e["start"])["added"][0]
        assert added["kind"] in {"audioinput", "videoinput"} and added["label"]
        assert ("device_switch", e["start"]) in {
            (x["name"], x["timestamp"]) for x in meta["events"]
        }


def test_peers_without_episodes_have_no_episode_traces() -> None:
    s = sim("calm", "fibre", 20, episodes=False)
    meta = s.peer_report["metadata"]
    assert s.truth["episodes"] == []
    assert meta["selected_device_updates"] == [] and len(meta["pc_metadata"]) == 1
    names = [e["name"] for e in meta["events"]]
    assert names[0] == "peer_joined" and names[-1] == "peer_left"
    assert "media_connected" in names and "reconnecting" not in names


# --- Summaries, totals and metadata -------------------------------------------------------------


def test_quality_stats_agree_with_the_samples() -> None:
    s = sim("qs", "congested_wifi", 30, video=True, peer_id="peer-qs")
    q = quality(s)
    ac, vc = q["audio_consumer"], q["video_consumer"]
    rep = s.quality_stats_report
    assert rep["peer_ids"] == ["peer-qs"]
    assert rep["total_audio_packets"] == sum(x["packets_received"] for x in ac)
    assert rep["total_audio_packets_lost"] == sum(x["packets_lost"] for x in ac)
    assert rep["total_video_packets"] == sum(x["packets_received"] for x in vc)
    assert rep["total_video_packets_lost"] == sum(x["packets_lost"] for x in vc)
    assert rep["average_quality"] == pytest.approx(
        np.mean([x["mos_quality"] for x in ac]), abs=0.006
    )
    assert rep["audio_bandwidth"] == pytest.approx(
        sum(x["bytes_received"] for x in ac) * 8 / (len(ac) * 5) / 1000, abs=0.06
    )
    assert rep["start"] == "2026-11-20T10:00:00.039Z"
    assert rep["end"] == "2026-11-20T10:30:00.039Z"
    assert rep["first_audio_packet_received"] <= ac[0]["timestamp"]
    assert rep["last_audio_packet_received"] == ac[-1]["timestamp"]
    assert rep["last_video_packet_received"] == vc[-1]["timestamp"]
    assert len(rep["audio_stats"]) == 30
    assert sum(m["packets_lost"] for m in rep["audio_stats"]) == rep["total_audio_packets_lost"]
    assert sum(m["frames_dropped"] for m in rep["video_stats"]) == sum(
        x["frames_dropped"] for x in vc
    )
    mos = [x["mos_quality"] for x in ac]
    assert all(min(mos) <= m["quality"] <= max(mos) for m in rep["audio_stats"])
    for m in rep["audio_stats"]:
        assert ISO_MS.match(m["timestamp"]) and m["concealment_events"] <= m["packets_lost"]

    (part,) = s.quality_stats_participant
    assert part["peer_id"] == "peer-qs"
    assert part["audio_stats"] == rep["audio_stats"]
    assert part["average_quality"] == rep["average_quality"]
    lost = rep["total_audio_packets_lost"]
    assert part["audio_packet_loss"] == pytest.approx(
        100 * lost / (lost + rep["total_audio_packets"]), abs=0.001
    )
    assert set(part["video_stats"][0]) == {
        "frame_height",
        "frame_width",
        "frames_dropped",
        "frames_per_second",
        "jitter",
        "packets_lost",
        "quality",
        "timestamp",
    }


def test_candidate_pairs_agree_with_the_samples() -> None:
    s = sim("pairs", "intercontinental", 20, video=True)
    q = quality(s)
    pairs = s.peer_report["metadata"]["candidate_pairs"]
    (prod,) = pairs["producing_transport"]
    (cons,) = pairs["consuming_transport"]
    sent = sum(x["bytes_sent"] for x in q["audio_producer"] + q["video_producer"])
    assert prod["bytes_sent"] == sent
    got = sum(x["bytes_received"] for x in q["audio_consumer"] + q["video_consumer"])
    assert cons["bytes_received"] == got
    # getStats reports RTT in seconds.
    rtt_s = prod["current_round_trip_time"]
    assert 0.1 < rtt_s < 1.0
    assert rtt_s == pytest.approx(q["audio_producer"][-1]["rtt"] / 1000, rel=0.2)
    assert prod["nominated"] and cons["nominated"]


def test_participant_peer_stats_use_the_api_spelling() -> None:
    s = sim("spell", "4g")
    pre = s.peer_stats_participant["precall_network_information"]
    assert "throughtput" in pre and "throughput" not in pre
    assert pre["throughtput"] == s.peer_stats_report["precall_network_information"]["throughput"]
    assert s.peer_stats_report["events"][0]["type"] == "precall_end"
    conn = s.peer_stats_report["events"][0]["metadata"]["connection_info"]
    assert conn["r_t_t"] == pre["rtt"] and conn["connectivity"]["relay"] is True


# --- Shapes: the reference examples and the official SDK's types ------------------------------


def reference(title: str) -> dict:
    examples = json.loads(REFERENCE.read_text())
    return next(e for e in examples if e["title"] == title)["response"]["data"]["participant"]


# Keys the simulator adds beyond the reference example, each one known to the SDK's types
# or, for samples, named in the brief (WebRTC getStats names).
EXTRA_OK = {
    "org",  # metadata.ip_information
    "name",  # metadata.ip_information.asn
    "domain",
    "type",
    "metadata",  # metadata.events[*]
    "available_incoming_bitrate",  # consuming transport
    "local_candidate_url",  # relay candidates
}
# Keys the simulator may leave out where they do not apply.
MISSING_OK = {
    "local_candidate_related_address",  # host candidates have no related address
    "local_candidate_related_port",
    "metadata",  # only the pre-call event carries connection_info
    "available_outgoing_bitrate",  # on the consuming transport
}


def assert_shape(ref: Any, got: Any, where: str = "") -> None:
    if isinstance(ref, dict):
        assert isinstance(got, dict), where
        if not ref:
            return  # typed "unknown" in the reference
        missing = set(ref) - set(got)
        extra = set(got) - set(ref)
        assert missing <= MISSING_OK, (where, missing)
        assert extra <= EXTRA_OK, (where, extra)
        for k in set(ref) & set(got):
            assert_shape(ref[k], got[k], f"{where}.{k}")
    elif isinstance(ref, list):
        assert isinstance(got, list), where
        if ref and ref[0]:
            for i, item in enumerate(got):
                assert_shape(ref[0], item, f"{where}[{i}]")
    elif isinstance(ref, bool):
        assert isinstance(got, bool), where
    elif isinstance(ref, (int, float)):
        assert isinstance(got, (int, float)) and not isinstance(got, bool), where
    elif isinstance(ref, str):
        assert got is None or isinstance(got, str), where


def shape_cases() -> list[PeerSim]:
    return [
        sim("shape:a", "relay_tcp", 12, video=True, screenshare=True),
        sim("shape:b", "fibre", 12, video=False),
        *find_with_episode("device_switch", ("home_wifi",), 1, video=True),
        *find_with_episode("reconnection", ("3g",), 1, video=True),
    ]


def peer_envelope(s: PeerSim) -> dict:
    return {
        "success": True,
        "data": {
            "participant": {
                "id": "peer-1",
                "joined_at": "2026-11-20T10:00:00.039Z",
                "peer_report": s.peer_report,
                "peer_stats": s.peer_stats_report,
                "quality_stats": s.quality_stats_report,
            }
        },
    }


def participant_envelope(s: PeerSim) -> dict:
    return {
        "success": True,
        "data": {
            "participant": {
                "id": "peer-1",
                "peer_stats": s.peer_stats_participant,
                "quality_stats": s.quality_stats_participant,
            }
        },
    }


def test_peer_report_matches_the_reference_shape() -> None:
    ref = reference("Fetch details of peer")
    for s in shape_cases():
        assert_shape(ref["peer_report"], s.peer_report, "peer_report")
        assert_shape(ref["peer_stats"], s.peer_stats_report, "peer_stats")
        assert_shape(ref["quality_stats"], s.quality_stats_report, "quality_stats")
        assert set(s.peer_stats_report) == set(ref["peer_stats"])
        assert set(s.quality_stats_report) == set(ref["quality_stats"])


def test_participant_details_match_the_reference_shape() -> None:
    ref = reference("Fetch details of a participant")
    for s in shape_cases():
        assert set(s.peer_stats_participant) == set(ref["peer_stats"])
        assert_shape(ref["peer_stats"], s.peer_stats_participant, "peer_stats")
        assert_shape(ref["quality_stats"], s.quality_stats_participant, "quality_stats")
        for key in ("device_info", "ip_information", "precall_network_information"):
            assert set(s.peer_stats_participant[key]) == set(ref["peer_stats"][key]), key


def test_validates_against_the_sdk_peer_report_type() -> None:
    for s in shape_cases():
        model = SessionGetParticipantDataFromPeerIDResponse.model_validate(peer_envelope(s))
        report = model.data.participant.peer_report
        q = report.quality
        # Audio samples carry exactly what the SDK types: nothing lands in "extras".
        assert q.audio_producer and all(x.model_extra == {} for x in q.audio_producer)
        assert all(x.model_extra == {} for x in q.audio_producer_cumulative.__dict__.values() if x)
        md = report.metadata
        pair = md.candidate_pairs.producing_transport[0]
        assert pair.model_extra == {} and pair.nominated is True
        assert md.device_info.model_extra == {} and md.browser_metadata.model_extra == {}
        for v in q.video_producer or []:
            assert v.quality_limitation_reason in {"none", "bandwidth", "cpu"}
        for u in md.selected_device_updates or []:
            assert u.device is not None and u.device.kind in {"audioinput", "videoinput"}


def test_validates_against_the_sdk_participant_details_type() -> None:
    for s in shape_cases():
        model = SessionGetSessionParticipantDetailsResponse.model_validate(participant_envelope(s))
        assert model.success is True
        assert model.data.participant.id == "peer-1"
