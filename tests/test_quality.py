"""Call-quality analysis: tidy frames, hand-checked summaries, every rule, and calibration.

The calibration test analyses hundreds of demo peers and checks that the verdicts recover the
injected ground truth: "not good" (fair or poor) should match "degraded profile or at least one
injected episode". Run with ``-s`` to see precision, recall and the confusion by profile and by
episode kind.
"""

from __future__ import annotations

import ast
import html as html_lib
import json
import re
import sys
import types
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rtk_notebook as rtk
from rtk_notebook.demo import DemoBackend, DemoWorld
from rtk_notebook.demo.netsim import EPISODE_KINDS, HEALTHY_PROFILES, PROFILES
from rtk_notebook.errors import NotFoundError
from rtk_notebook.frames.schemas import RULE_IDS, RULE_LABELS
from rtk_notebook.models.peer import PeerReport
from rtk_notebook.quality import (
    FINDINGS_COLUMNS,
    QUALITY_COLUMNS,
    RULES,
    SUMMARY_COLUMNS,
    TIMESERIES_COLUMNS,
    Context,
    Finding,
    PeerQuality,
    analyze,
    error_row,
    quality_row,
    quality_table,
    summary,
    timeseries,
    top_finding,
    verdict,
)
from rtk_notebook.quality import rules as R
from rtk_notebook.quality.reasons import finding_phrase, verdict_reason
from rtk_notebook.quality.rules import rule_name
from rtk_notebook.quality.tracks import Tracks
from rtk_notebook.quality.windows import finding_when, stay_window
from tests.factories import connect_to, ended_peer_with_profile, make_world, session_of_peer

NOW = "2026-11-18T15:00:00Z"
T0 = pd.Timestamp("2026-11-18T10:00:00Z")
STEP_S = 5
N = 24  # samples per track in the fixtures: 2 minutes at 5 s
PEER = "0b9d2c4e-1111-4222-8333-444455556666"

# ---- hand-built peer reports ------------------------------------------------------------------


def iso(t: pd.Timestamp) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def at(seconds: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(seconds=seconds)


def track(base: dict[str, Any], n: int = N, **per_index: dict[int, dict[str, Any]]) -> list[dict]:
    """``n`` samples every 5 s from T0+5 s; ``over={i: {...}}`` overrides sample ``i``."""
    over = per_index.get("over", {})
    return [{"timestamp": iso(at(STEP_S * (i + 1))), **base, **over.get(i, {})} for i in range(n)]


AUDIO_UP = {
    "mos_quality": 4.4,
    "packets_sent": 250,
    "packets_lost": 0,
    "rtt": 20.0,
    "jitter": 3.0,
    "bytes_sent": 25000,
}
AUDIO_DOWN = {
    "mos_quality": 4.4,
    "packets_sent": 250,
    "packets_received": 250,
    "packets_lost": 0,
    "rtt": 20.0,
    "jitter": 3.0,
    "bytes_received": 25000,
}
VIDEO_UP = {
    "mos_quality": 4.4,
    "packets_sent": 700,
    "packets_lost": 0,
    "rtt": 20.0,
    "jitter": 4.0,
    "bitrate": 1500.0,
    "bytes_sent": 937500,
    "frames_per_second": 30.0,
    "frame_width": 1280,
    "frame_height": 720,
    "frames_dropped": 0,
    "quality_limitation_reason": "none",
}


def clean_parts() -> dict[str, Any]:
    """The pieces of a healthy peer's report: desktop on fibre, host/udp, fine pre-call."""
    left = at(STEP_S * (N + 1))
    return {
        "left": left,
        "quality": {
            "audio_producer": track(AUDIO_UP),
            "audio_consumer": track(AUDIO_DOWN),
            "video_producer": track(VIDEO_UP),
        },
        "device_info": {"cpus": 8, "is_mobile": False, "os": "macOS", "os_version": "10.15.7"},
        "browser_metadata": {"browser": "Chrome", "browser_version": "140.0.0.0"},
        "memory": 8,
        "pair": {
            "nominated": True,
            "local_candidate_type": "host",
            "local_candidate_protocol": "udp",
            "remote_candidate_type": "host",
            "remote_candidate_protocol": "udp",
            "current_round_trip_time": 0.02,
        },
        "events": [
            {"name": "peer_joined", "timestamp": iso(T0)},
            {"name": "media_connected", "timestamp": iso(at(1))},
            {"name": "peer_left", "timestamp": iso(left)},
        ],
        "selected_device_updates": [],
        "audio_devices_updates": [],
        "precall": {
            "rtt": 25.0,
            "jitter": 3.0,
            "fractional_loss": 0.001,
            "throughput": 5000,
            "reflexive_connectivity": True,
            "relay_connectivity": True,
            "turn_connectivity": True,
            "effective_networktype": "ethernet",
        },
        "ip_information": {
            "city": "Mumbai",
            "region": "Maharashtra",
            "country": "IN",
            "asn": {"asn": "AS24560", "name": "Bharti Airtel Ltd."},
            "org": "AS24560 Bharti Airtel Ltd.",
        },
    }


def build(parts: dict[str, Any]) -> dict[str, Any]:
    """A whole peer-report response body from the pieces."""
    left = parts["left"]
    quality = {k: v for k, v in parts["quality"].items()}
    participant = {
        "id": PEER,
        "user_id": "user-1",
        "display_name": "Ada <b>Lovelace</b>",
        "preset_name": "group_call_participant",
        "joined_at": iso(T0),
        "left_at": iso(left),
        "duration": (left - T0).total_seconds() / 60,
        "peer_report": {
            "metadata": {
                "device_info": parts["device_info"],
                "browser_metadata": parts["browser_metadata"],
                "candidate_pairs": {"producing_transport": [parts["pair"]]},
                "events": parts["events"],
                "ip_information": parts["ip_information"],
                "sdk_version": "1.2.1",
                "pc_metadata": [
                    {
                        "effective_network_type": parts["precall"]["effective_networktype"],
                        "timestamp": iso(at(1)),
                    }
                ],
                "selected_device_updates": parts["selected_device_updates"],
                "audio_devices_updates": parts["audio_devices_updates"],
                "video_devices_updates": [],
                "speaker_devices_updates": [],
            },
            "quality": quality,
        },
        "peer_stats": {
            "device_info": {**parts["device_info"], "memory": parts["memory"]},
            "precall_network_information": parts["precall"],
        },
    }
    return {"success": True, "data": {"participant": participant}}


def clean_body() -> dict[str, Any]:
    return build(clean_parts())


def with_changes(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    parts = clean_parts()
    change(parts)
    return build(parts)


def context(body: dict[str, Any]) -> Context:
    report = PeerReport.from_response(body)
    ts = timeseries(report)
    row = summary(report, ts).iloc[0].to_dict()
    return Context(tracks=Tracks.from_frame(ts), summary=row, report=report)


def _set_all(parts: dict[str, Any], key: str, **values: Any) -> None:
    for sample in parts["quality"][key]:
        sample.update(values)


def _set_range(parts: dict[str, Any], keys: tuple[str, ...], idx: range, **values: Any) -> None:
    for key in keys:
        for i in idx:
            parts["quality"][key][i].update(values)


def _drop(parts: dict[str, Any], idx: range) -> None:
    for key in ("audio_producer", "audio_consumer", "video_producer"):
        parts["quality"][key] = [s for i, s in enumerate(parts["quality"][key]) if i not in idx]


def fx_transport(p: dict[str, Any]) -> None:
    p["pair"].update(local_candidate_type="relay", local_candidate_protocol="tcp")
    p["precall"]["reflexive_connectivity"] = False


def fx_loss_burst(p: dict[str, Any]) -> None:  # 20 % loss for 30 s (samples 10..15)
    _set_range(p, ("audio_producer",), range(10, 16), packets_lost=50)


def fx_high_loss(p: dict[str, Any]) -> None:  # 4 % all along, never a 10 % burst
    _set_all(p, "audio_producer", packets_lost=10)
    _set_all(p, "audio_consumer", packets_lost=10, packets_received=240)


def fx_rtt_spike(p: dict[str, Any]) -> None:  # 600 ms for 25 s over a 20 ms path
    _set_range(p, ("audio_producer", "audio_consumer"), range(10, 15), rtt=600.0)


def fx_high_rtt(p: dict[str, Any]) -> None:
    _set_all(p, "audio_producer", rtt=200.0)
    _set_all(p, "audio_consumer", rtt=200.0)


def fx_high_jitter(p: dict[str, Any]) -> None:
    _set_all(p, "audio_producer", jitter=40.0)
    _set_all(p, "audio_consumer", jitter=40.0)


def fx_reconnection(p: dict[str, Any]) -> None:  # no samples 45..70 s, events around it
    _drop(p, range(8, 14))
    p["events"][2:2] = [
        {"name": "reconnecting", "timestamp": iso(at(41))},
        {"name": "reconnected", "timestamp": iso(at(71))},
    ]


def fx_video(p: dict[str, Any]) -> None:
    _set_all(p, "video_producer", frames_per_second=8.0, quality_limitation_reason="cpu")


def fx_low_mos(p: dict[str, Any]) -> None:
    _set_all(p, "audio_producer", mos_quality=3.8)


def fx_mos_dip(p: dict[str, Any]) -> None:  # 40 s at MOS 3.0, nothing else wrong
    _set_range(p, ("audio_producer",), range(5, 13), mos_quality=3.0)


def fx_device_switch(p: dict[str, Any]) -> None:
    device = {"kind": "audioinput", "label": "Jabra Evolve2 65", "device_id": "abc"}
    p["selected_device_updates"] = [{"device": device, "timestamp": iso(at(60))}]
    p["events"].insert(2, {"name": "device_switch", "timestamp": iso(at(60))})


def fx_weak_device(p: dict[str, Any]) -> None:
    p["device_info"].update(cpus=2, is_mobile=True, os="Android", os_version="10")
    p["memory"] = 2


def fx_precall(p: dict[str, Any]) -> None:
    p["precall"].update(throughput=120, effective_networktype="3g")


def fx_no_data(p: dict[str, Any]) -> None:
    p["quality"] = {}


FIXTURES: dict[str, Callable[[dict[str, Any]], None]] = {
    "transport": fx_transport,
    "loss_burst": fx_loss_burst,
    "high_loss": fx_high_loss,
    "rtt_spike": fx_rtt_spike,
    "high_rtt": fx_high_rtt,
    "high_jitter": fx_high_jitter,
    "reconnection": fx_reconnection,
    "video": fx_video,
    "low_mos": fx_low_mos,
    "mos_dip": fx_mos_dip,
    "device_switch": fx_device_switch,
    "weak_device": fx_weak_device,
    "precall": fx_precall,
    "no_data": fx_no_data,
}

# ---- the time series ------------------------------------------------------------------------

TS_DTYPES = {
    "timestamp": "datetime64[ns, UTC]",
    "kind": "category",
    "direction": "category",
    **{
        c: "float64"
        for c in (
            "mos",
            "packets_lost",
            "loss_pct",
            "rtt_ms",
            "jitter_ms",
            "bitrate_kbps",
            "fps",
            "frame_width",
            "frame_height",
            "frames_dropped",
        )
    },
    "limitation": "category",
}


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {c: str(t) for c, t in frame.dtypes.items()}


def test_timeseries_columns_dtypes_and_categories() -> None:
    ts = timeseries(clean_body())
    assert tuple(ts.columns) == TIMESERIES_COLUMNS
    assert _dtypes(ts) == TS_DTYPES
    assert list(ts["kind"].cat.categories) == ["audio", "video", "screenshare"]
    assert list(ts["direction"].cat.categories) == ["producer", "consumer"]
    assert list(ts["limitation"].cat.categories) == ["none", "bandwidth", "cpu", "other"]
    assert len(ts) == 3 * N
    assert ts["timestamp"].is_monotonic_increasing
    counts = ts.groupby(["kind", "direction"], observed=True).size().to_dict()
    assert counts == {("audio", "producer"): N, ("audio", "consumer"): N, ("video", "producer"): N}
    # Audio carries no limitation reason; video does.
    assert ts.loc[ts["kind"] == "audio", "limitation"].isna().all()
    assert (ts.loc[ts["kind"] == "video", "limitation"] == "none").all()


def test_empty_report_gives_empty_frames_with_schema() -> None:
    pq = analyze(with_changes(fx_no_data))
    assert pq.timeseries.empty and tuple(pq.timeseries.columns) == TIMESERIES_COLUMNS
    assert _dtypes(pq.timeseries) == TS_DTYPES
    assert len(pq.summary) == 1 and tuple(pq.summary.columns) == SUMMARY_COLUMNS
    assert np.isnan(pq.summary.loc[0, "mos_avg"])
    assert tuple(pq.findings.columns) == FINDINGS_COLUMNS
    # No samples: nothing to judge, so the verdict does not claim "good".
    assert pq.verdict == "unknown"
    assert list(pq.findings["rule"]) == ["no_data"]
    assert list(pq.findings["severity"].astype(str)) == ["info"]
    assert pq.top_finding is not None and "no quality samples" in pq.top_finding


def test_timeseries_loss_bitrate_and_kind_mapping() -> None:
    def change(p: dict[str, Any]) -> None:
        # A consumer sample that reports what arrived, not what was sent.
        p["quality"]["audio_consumer"][0] = {
            "timestamp": iso(at(5)),
            "packets_received": 90,
            "packets_lost": 10,
            "bytes_received": 12500,
            "rtt": 30.0,
            "jitter": 2.0,
            "mos_quality": 4.0,
        }
        p["quality"]["audio_producer"][3]["packets_lost"] = 25  # 10 % of 250
        p["quality"]["screenshare_video_producer"] = track(
            {**VIDEO_UP, "bitrate": 800.0, "frames_per_second": 5.0}, n=2
        )

    ts = timeseries(with_changes(change))
    up = ts[(ts["kind"] == "audio") & (ts["direction"] == "producer")].reset_index(drop=True)
    down = ts[(ts["kind"] == "audio") & (ts["direction"] == "consumer")].reset_index(drop=True)
    assert up.loc[3, "loss_pct"] == pytest.approx(10.0)
    assert down.loc[0, "loss_pct"] == pytest.approx(10.0)  # 10 / (90 + 10)
    # Audio has no bitrate field: bytes over the 5 s between samples (first: the median step).
    assert up.loc[1, "bitrate_kbps"] == pytest.approx(25000 * 8 / 5 / 1000)
    assert up.loc[0, "bitrate_kbps"] == pytest.approx(40.0)
    assert down.loc[0, "bitrate_kbps"] == pytest.approx(12500 * 8 / 5 / 1000)
    share = ts[ts["kind"] == "screenshare"]
    assert len(share) == 2 and (share["direction"] == "producer").all()
    assert list(share["bitrate_kbps"]) == [800.0, 800.0]


# ---- the summary, by hand -------------------------------------------------------------------


def _five_sample_body(consumer_only: bool = False) -> dict[str, Any]:
    mos = [4.0, 4.2, 3.0, 4.4, 3.5]
    lost = [0, 25, 50, 5, 0]  # of 250: 0, 10, 20, 2, 0 %
    rtt = [20.0, 40.0, 60.0, 80.0, 100.0]
    jitter = [1.0, 2.0, 3.0, 4.0, 10.0]
    over = {
        i: {"mos_quality": mos[i], "packets_lost": lost[i], "rtt": rtt[i], "jitter": jitter[i]}
        for i in range(5)
    }
    parts = clean_parts()
    parts["left"] = at(30)
    audio = track(AUDIO_UP, n=5, over=over)
    # What it received is different (and perfect): the summary must use what it sent.
    received = track({**AUDIO_DOWN, "mos_quality": 4.5, "rtt": 1.0, "jitter": 0.5}, n=5)
    video = track(VIDEO_UP, n=5, over={0: {"frames_per_second": 10.0, "frame_height": 360}})
    if consumer_only:
        parts["quality"] = {
            "audio_consumer": [
                {**s, "packets_received": 250 - s["packets_lost"], "bytes_received": 1}
                for s in audio
            ],
            "video_consumer": video,
        }
    else:
        parts["quality"] = {
            "audio_producer": audio,
            "audio_consumer": received,
            "video_producer": video,
        }
    return build(parts)


def test_summary_agrees_with_hand_computed_values() -> None:
    row = summary(_five_sample_body()).iloc[0]
    assert row["mos_avg"] == pytest.approx(19.1 / 5)
    assert row["mos_p50"] == pytest.approx(4.0)
    assert row["mos_p10"] == pytest.approx(3.2)  # 3.0 + 0.4 x (3.5 - 3.0)
    assert row["loss_avg_pct"] == pytest.approx(32.0 / 5)
    assert row["loss_share_over_5"] == pytest.approx(0.4)
    assert row["loss_share_over_10"] == pytest.approx(0.4)  # >= 10, like the API's bands
    assert row["loss_share_over_25"] == pytest.approx(0.0)
    assert row["rtt_avg_ms"] == pytest.approx(60.0)
    assert row["rtt_p90_ms"] == pytest.approx(92.0)  # 80 + 0.6 x 20
    assert row["jitter_avg_ms"] == pytest.approx(4.0)
    assert row["jitter_p90_ms"] == pytest.approx(7.6)  # 4 + 0.6 x 6
    assert row["video_fps_p50"] == pytest.approx(30.0)
    assert row["video_height_p50"] == pytest.approx(720.0)
    assert row["stay_min"] == pytest.approx(0.5)


def test_summary_falls_back_to_what_was_received() -> None:
    row = summary(_five_sample_body(consumer_only=True)).iloc[0]
    assert row["mos_avg"] == pytest.approx(19.1 / 5)
    assert row["mos_p10"] == pytest.approx(3.2)
    assert row["loss_avg_pct"] == pytest.approx(32.0 / 5)
    assert row["rtt_p90_ms"] == pytest.approx(92.0)


SUMMARY_DTYPES = {
    "peer_id": "string",
    "display_name": "string",
    "joined_at": "datetime64[ns, UTC]",
    "left_at": "datetime64[ns, UTC]",
    **{
        c: "float64"
        for c in (
            "stay_min",
            "mos_avg",
            "mos_p50",
            "mos_p10",
            "loss_avg_pct",
            "loss_share_over_5",
            "loss_share_over_10",
            "loss_share_over_25",
            "rtt_avg_ms",
            "rtt_p50_ms",
            "rtt_p90_ms",
            "jitter_avg_ms",
            "jitter_p50_ms",
            "jitter_p90_ms",
            "video_fps_p50",
            "video_height_p50",
            "memory_gb",
        )
    },
    "connection_type": "category",
    "device": "string",
    "os": "category",
    "browser": "category",
    "browser_major": "category",
    "is_mobile": "boolean",
    "device_type": "category",
    "cpus": "Int64",
    "network": "category",
    "city": "string",
    "country": "category",
    "region": "category",
    "location": "string",
    "asn_org": "string",
    "sdk_version": "category",
}


def test_summary_identity_device_and_network_fields() -> None:
    frame = summary(with_changes(fx_weak_device))
    assert tuple(frame.columns) == SUMMARY_COLUMNS
    assert {c: _dtypes(frame)[c] for c in SUMMARY_DTYPES} == SUMMARY_DTYPES
    row = frame.iloc[0]
    assert row["peer_id"] == PEER
    assert row["joined_at"] == T0
    assert row["connection_type"] == "host/udp"
    assert row["device"] == "Android 10 · mobile · 2 cores · 2 GB"
    assert (row["os"], row["browser"]) == ("Android", "Chrome")
    assert bool(row["is_mobile"]) is True
    assert row["cpus"] == 2 and row["memory_gb"] == 2.0
    assert row["network"] == "ethernet"
    assert (row["city"], row["country"], row["location"]) == ("Mumbai", "IN", "Mumbai, IN")
    assert row["asn_org"] == "AS24560 Bharti Airtel Ltd."
    # The segments a regression shows in: a browser release, a device type, a region, an SDK.
    assert (row["browser_major"], row["device_type"]) == ("Chrome 140", "mobile")
    assert (row["region"], row["sdk_version"]) == ("Maharashtra", "1.2.1")


# ---- rules ----------------------------------------------------------------------------------


def test_every_rule_has_a_fixture() -> None:
    assert {rule_name(rule) for rule in RULES} == set(FIXTURES)


def test_clean_fixture_is_good_with_no_findings() -> None:
    pq = analyze(clean_body())
    assert pq.findings.empty, pq.findings["message"].tolist()
    assert pq.verdict == "good"
    assert pq.top_finding is None


@pytest.mark.parametrize("rule", RULES, ids=rule_name)
def test_rule_fires_on_its_fixture_and_is_quiet_on_a_clean_one(rule: R.Rule) -> None:
    name = rule_name(rule)
    assert rule(context(clean_body())) == []
    found = rule(context(with_changes(FIXTURES[name])))
    assert found, f"{name} did not fire on its fixture"
    for finding in found:
        assert isinstance(finding, Finding) and finding.rule == name
        assert finding.message.strip() and finding.message[0].isupper()
        assert isinstance(finding.evidence, dict) and finding.evidence
    expected = {"info"} if name == "no_data" else {"warning", "critical"}
    assert {f.severity for f in found} <= expected
    # And through analyze(): the finding is in the frame and the verdict follows it.
    pq = analyze(with_changes(FIXTURES[name]))
    assert name in set(pq.findings["rule"])
    assert pq.verdict == "unknown" if name == "no_data" else pq.verdict in ("fair", "poor")


def test_loss_burst_window_and_severity() -> None:
    (finding,) = R.rule_loss_burst(context(with_changes(fx_loss_burst)))
    # Samples 10..15 sit at 55..80 s; the window starts one interval before the first.
    assert finding.start == at(50) and finding.end == at(80)
    assert finding.evidence["samples"] == 6 and finding.evidence["mean"] == pytest.approx(20.0)
    assert finding.severity == "warning"  # 20 % < the API's 25 % band


def test_rtt_spike_and_mos_dip_windows() -> None:
    (spike,) = R.rule_rtt_spike(context(with_changes(fx_rtt_spike)))
    assert (spike.start, spike.end) == (at(50), at(75))
    (dip,) = R.rule_mos_dip(context(with_changes(fx_mos_dip)))
    assert (dip.start, dip.end) == (at(25), at(65))
    assert dip.severity == "critical"  # 40 s below MOS 3.1 (G.107 "many dissatisfied")


def test_short_mos_dip_is_info_only() -> None:
    body = with_changes(lambda p: _set_range(p, ("audio_producer",), range(5, 7), mos_quality=3.4))
    pq = analyze(body)
    assert list(pq.findings["rule"]) == ["mos_dip"]
    assert pq.findings["severity"].astype(str).tolist() == ["info"]
    assert pq.verdict == "good"


def test_reconnection_from_events_spans_the_outage() -> None:
    (finding,) = R.rule_reconnection(context(with_changes(fx_reconnection)))
    assert (finding.start, finding.end) == (at(41), at(71))
    assert finding.evidence["seconds"] == pytest.approx(30.0)


def test_gap_without_events_is_reported_as_a_media_gap() -> None:
    (finding,) = R.rule_reconnection(context(with_changes(lambda p: _drop(p, range(8, 14)))))
    assert (finding.start, finding.end) == (at(40), at(75))
    assert finding.evidence["gap_s"] == pytest.approx(35.0)


def test_relay_over_tcp_message_names_the_fix() -> None:
    (finding,) = R.rule_transport(context(with_changes(fx_transport)))
    assert finding.evidence["connection_type"] == "relay/tcp"
    assert finding.evidence["udp_blocked_precall"] is True
    assert "UDP" in finding.message and "TCP" in finding.message
    assert (finding.start, finding.end) == (T0, at(STEP_S * (N + 1)))


def test_video_rule_tells_cpu_from_bandwidth() -> None:
    (cpu,) = R.rule_video(context(with_changes(fx_video)))
    assert cpu.evidence["cause"] == "cpu" and "CPU-limited" in cpu.message

    def bandwidth(p: dict[str, Any]) -> None:
        _set_all(
            p,
            "video_producer",
            frame_height=180,
            frame_width=320,
            quality_limitation_reason="bandwidth",
        )
        p["quality"]["video_producer"][0].update(frame_height=720, frame_width=1280)

    (bw,) = R.rule_video(context(with_changes(bandwidth)))
    assert bw.evidence["cause"] == "bandwidth" and "bandwidth-limited" in bw.message


def test_verdict_and_top_finding_rules() -> None:
    def f(rule: str, severity: str) -> Finding:
        return Finding(rule, severity, None, None, {}, f"{rule} {severity}.")

    assert verdict([]) == "good" and top_finding([]) is None
    assert verdict([f("a", "info")]) == "good"
    assert verdict([f("a", "info"), f("b", "warning")]) == "fair"
    assert verdict([f("b", "warning"), f("c", "critical")]) == "poor"
    assert verdict([f("no_data", "info")]) == "unknown"
    assert top_finding([f("a", "warning"), f("c", "critical"), f("d", "critical")]) == (
        "c critical."
    )
    with pytest.raises(ValueError):
        Finding("x", "fatal", None, None, {}, "No.")


def test_findings_frame_schema_and_order() -> None:
    pq = analyze(with_changes(lambda p: (fx_loss_burst(p), fx_weak_device(p), fx_transport(p))))
    frame = pq.findings
    assert tuple(frame.columns) == FINDINGS_COLUMNS
    assert _dtypes(frame) == {
        "rule": "string",
        "severity": "category",
        "start": "datetime64[ns, UTC]",
        "end": "datetime64[ns, UTC]",
        "evidence": "object",
        "message": "string",
    }
    assert frame["severity"].cat.ordered
    assert list(frame["severity"].cat.categories) == ["info", "warning", "critical"]
    ranks = frame["severity"].cat.codes.tolist()
    assert ranks == sorted(ranks, reverse=True)  # most severe first
    assert pq.top_finding == frame["message"].iloc[0]


def test_analyze_accepts_body_text_record_and_report() -> None:
    body = with_changes(fx_high_rtt)
    report = PeerReport.from_response(body)
    results = [
        analyze(body),
        analyze(json.dumps(body)),
        analyze(body["data"]["participant"]),
        analyze(body["data"]),
        analyze(report),
    ]
    assert {r.verdict for r in results} == {"fair"}
    assert {r.peer_id for r in results} == {PEER}
    assert results[-1].peer_report is report
    assert isinstance(results[0], PeerQuality)


def test_html_card_is_escaped_and_coloured() -> None:
    pq = analyze(with_changes(fx_transport))
    page = pq._repr_html_()
    assert "<b>Lovelace</b>" not in page and "&lt;b&gt;Lovelace&lt;/b&gt;" in page
    assert "#E69F00" in page and "FAIR" in page  # Okabe-Ito orange for fair
    assert "relay/tcp" in page and "transport" in page
    assert "#009E73" in analyze(clean_body())._repr_html_()
    assert "PeerQuality(" in repr(pq) and "fair" in repr(pq)


def test_plot_passes_timeseries_findings_and_title(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    fake = types.ModuleType("rtk_notebook.plots")

    def quality_over_time(frame: pd.DataFrame, **kw: Any) -> str:
        calls.append((frame, kw))
        return "figure"

    fake.quality_over_time = quality_over_time  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "rtk_notebook.plots", fake)
    monkeypatch.setattr(rtk, "plots", fake, raising=False)
    pq = analyze(with_changes(fx_loss_burst))
    assert pq.plot(height=300) == "figure"
    ((frame, kw),) = calls
    assert frame is pq.timeseries and kw["findings"] is pq.findings
    assert "Lovelace" in kw["title"] and kw["height"] == 300


def test_plot_with_the_real_plots_module() -> None:
    pytest.importorskip("rtk_notebook.plots", reason="rtk_notebook.plots is not written yet")
    figure = analyze(with_changes(fx_loss_burst)).plot()
    assert figure is not None


def _plots_imports(tree: ast.AST, where: tuple[str, ...] = ()) -> list[str]:
    """Where (``Class.method``, or ``<module>``) ``tree`` imports ``rtk_notebook.plots``."""
    found: list[str] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            found += _plots_imports(node, (*where, node.name))
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        if any(n == "rtk_notebook.plots" or n.startswith("rtk_notebook.plots.") for n in names):
            found.append(".".join(where) or "<module>")
        found += _plots_imports(node, where)
    return found


def test_only_peer_quality_plot_imports_the_plots() -> None:
    """Layers point one way: quality/ imports plots nowhere but in the ``PeerQuality.plot``
    convenience (imported when called), which is documented as one."""
    package = Path(sys.modules[PeerQuality.__module__].__file__ or "").parent
    found = [
        f"{path.name}:{where}"
        for path in sorted(package.glob("*.py"))
        for where in _plots_imports(ast.parse(path.read_text(), filename=str(path)))
    ]
    assert found == ["analysis.py:PeerQuality.plot"], found
    assert "convenience" in (PeerQuality.plot.__doc__ or "")


# ---- the per-peer table ---------------------------------------------------------------------

QUALITY_DTYPES = {
    "session_id": "string",
    "peer_id": "string",
    "display_name": "string",
    "preset_name": "category",
    "user_id": "string",
    "joined_at": "datetime64[ns, UTC]",
    "left_at": "datetime64[ns, UTC]",
    **{c: SUMMARY_DTYPES[c] for c in SUMMARY_DTYPES if c not in ("peer_id", "display_name")},
    "verdict": "category",
    "verdict_reason": "string",
    "top_rule": "category",
    "top_severity": "category",
    "top_finding": "string",
    "findings": "Int64",
    "error": "string",
}
QUALITY_DTYPES = {c: QUALITY_DTYPES[c] for c in QUALITY_COLUMNS}


def _check_quality_schema(frame: pd.DataFrame) -> None:
    assert tuple(frame.columns) == QUALITY_COLUMNS
    assert _dtypes(frame) == QUALITY_DTYPES
    assert frame["verdict"].cat.ordered
    assert list(frame["verdict"].cat.categories) == ["unknown", "good", "fair", "poor"]
    assert list(frame["top_rule"].cat.categories) == [rule_name(rule) for rule in RULES]
    assert frame["top_severity"].cat.ordered


def test_quality_columns_order() -> None:
    assert QUALITY_COLUMNS[:8] == (
        "session_id",
        "peer_id",
        "display_name",
        "preset_name",
        "user_id",
        "joined_at",
        "left_at",
        "stay_min",
    )
    assert QUALITY_COLUMNS[-7:] == (
        "verdict",
        "verdict_reason",
        "top_rule",
        "top_severity",
        "top_finding",
        "findings",
        "error",
    )
    assert set(SUMMARY_COLUMNS) <= set(QUALITY_COLUMNS)


def test_quality_table_with_analysed_and_error_rows() -> None:
    participant = {
        "id": PEER,
        "display_name": "Ada",
        "preset_name": "group_call_host",
        "user_id": "user-9",
        "joined_at": iso(T0),
        "left_at": iso(at(125)),
        "duration": 125 / 60,
        "session_id": "session-1",
    }
    good = quality_row(analyze(clean_body()), participant)
    poor = quality_row(analyze(with_changes(fx_transport)), None, session_id="session-1")
    missing = error_row(
        "peer-404",
        {"display_name": "Bob", "joined_at": iso(T0)},
        NotFoundError("Peer peer-404 not found", status=404),
        session_id="session-1",
    )
    frame = quality_table([good, poor, missing])
    _check_quality_schema(frame)
    assert frame["verdict"].iloc[:2].tolist() == ["good", "fair"]
    assert pd.isna(frame.loc[2, "verdict"])
    assert (
        frame.loc[0, "display_name"] == "Ada" and frame.loc[0, "preset_name"] == "group_call_host"
    )
    assert frame.loc[1, "display_name"] == "Ada <b>Lovelace</b>"  # from the report
    assert frame.loc[1, "preset_name"] == "group_call_participant"
    assert frame["session_id"].tolist() == ["session-1"] * 3
    assert frame["findings"].tolist()[:2] == [0, 1] and pd.isna(frame.loc[2, "findings"])
    assert pd.isna(frame.loc[0, "error"]) and pd.isna(frame.loc[0, "top_finding"])
    assert frame.loc[2, "error"] == "NotFoundError: HTTP 404: Peer peer-404 not found"
    assert frame.loc[2, "peer_id"] == "peer-404" and pd.isna(frame.loc[2, "mos_avg"])
    assert frame.loc[1, "connection_type"] == "relay/tcp"
    assert frame.loc[0, "mos_avg"] == pytest.approx(4.4)
    # Why each verdict: the good row says so, the fair one names the TCP relay in its reason.
    assert frame.loc[0, "verdict_reason"] == "good: no findings"
    assert pd.isna(frame.loc[0, "top_rule"]) and pd.isna(frame.loc[0, "top_severity"])
    assert frame.loc[1, "verdict_reason"] == "fair: TURN relay over TCP"
    assert (frame.loc[1, "top_rule"], frame.loc[1, "top_severity"]) == ("transport", "warning")
    assert pd.isna(frame.loc[2, "verdict_reason"]) and pd.isna(frame.loc[2, "top_rule"])


def test_quality_table_empty_and_errors_only_keep_the_schema() -> None:
    _check_quality_schema(quality_table([]))
    assert quality_table([]).empty
    only = quality_table([error_row("p1", None, TimeoutError("read timed out\nafter 30 s"))])
    _check_quality_schema(only)
    assert only.loc[0, "error"] == "TimeoutError: read timed out after 30 s"
    assert (only.groupby("verdict", observed=False).size() == 0).all()


# ---- why the verdict: top rule, top severity, verdict_reason ----------------------------------


def test_rule_labels_name_every_rule_in_priority_order() -> None:
    assert tuple(rule_name(rule) for rule in RULES) == RULE_IDS
    assert all(RULE_LABELS[name] and "_" not in RULE_LABELS[name] for name in RULE_IDS)


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        (fx_transport, "fair: TURN relay over TCP"),
        (fx_loss_burst, "poor: loss 5.0 % on average"),  # the burst is a warning
        (fx_high_rtt, "fair: RTT median 200 ms"),
        (fx_high_jitter, "fair: jitter median 40 ms"),
        (fx_reconnection, "fair: connection lost once"),
        (fx_video, "fair: sent video CPU-limited 100 % of the call"),
        (fx_device_switch, "fair: devices switched once"),
        (fx_no_data, "unknown: the report has no quality samples to judge"),
    ],
    ids=lambda v: v.__name__ if callable(v) else "",
)
def test_verdict_reason_says_what_the_rules_decided(
    fixture: Callable[[dict[str, Any]], None], reason: str
) -> None:
    pq = analyze(with_changes(fixture))
    assert pq.verdict_reason == reason
    assert pq.top_rule == pq.findings["rule"].iloc[0]
    assert pq.top_severity == str(pq.findings["severity"].iloc[0])


def test_verdict_reason_names_only_the_deciding_findings() -> None:
    # Critical jitter decides "poor"; the TCP relay (a warning, RTT fine) is not the reason.
    body = with_changes(
        lambda p: (
            fx_transport(p),
            _set_all(p, "audio_producer", jitter=60.0),
            _set_all(p, "audio_consumer", jitter=60.0),
        )
    )
    pq = analyze(body)
    assert pq.verdict == "poor"
    # Jitter at 60 ms makes the TCP relay critical too: both are named, the cause first.
    assert pq.verdict_reason == "poor: TURN relay over TCP, jitter median 60 ms"
    assert (pq.top_rule, pq.top_severity) == ("transport", "critical")
    good = analyze(
        with_changes(lambda p: _set_range(p, ("audio_producer",), range(5, 7), mos_quality=3.4))
    )
    assert good.verdict_reason == "good: nothing above a note (a MOS dip to 3.40 for 10 s)"


def test_verdict_reason_counts_what_it_does_not_name() -> None:
    def f(rule: str) -> Finding:
        return Finding(rule, "warning", None, None, {}, f"{rule}.")

    found = [f("high_rtt"), f("high_jitter"), f("weak_device"), f("precall"), f("low_mos")]
    assert verdict_reason("fair", found) == (
        "fair: high round-trip time, high jitter, low-end device and 2 more"
    )


def _card_text(pq: PeerQuality) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", pq._repr_html_())))


def test_card_prints_each_window_once_and_whole_call_findings_say_so() -> None:
    burst = analyze(with_changes(fx_loss_burst))
    window = "10:00:50-10:01:20 UTC (30 s)"
    (message,) = burst.findings.loc[burst.findings["rule"] == "loss_burst", "message"]
    assert window in message
    (finding,) = R.rule_loss_burst(context(with_changes(fx_loss_burst)))
    assert finding_phrase(finding) == "a loss burst of 20 % for 30 s"
    assert _card_text(burst).count(window) == 1
    stay = analyze(with_changes(lambda p: (fx_high_rtt(p), fx_high_jitter(p))))
    text = _card_text(stay)
    assert text.count("whole call") == 2
    assert "10:00:00-10:02:05" not in text  # the stay's span, not repeated per finding


def test_a_peer_still_in_the_call_reads_whole_call_up_to_its_latest_finding() -> None:
    joined = pd.Timestamp("2026-11-30 23:35:08.1", tz="UTC")
    last = pd.Timestamp("2026-11-30 23:59:55.759", tz="UTC")
    burst = (pd.Timestamp("2026-11-30 23:40", tz="UTC"), pd.Timestamp("2026-11-30 23:41", tz="UTC"))
    # No left_at yet: without the findings' latest end, every whole-call window was printed.
    assert finding_when(joined, last, "loss", stay=(joined, None)) != "whole call"
    stay = stay_window(joined, None, pd.Series([last, burst[1], pd.NaT]))
    assert stay == (joined, last)
    assert finding_when(joined, last, "loss", stay=stay) == "whole call"
    assert finding_when(*burst, "burst", stay=stay) == "23:40:00-23:41:00 UTC (60 s)"
    assert stay_window(joined, last + pd.Timedelta("1min"), [last]) == (
        joined,
        last + pd.Timedelta("1min"),
    )


def test_card_and_findings_quote_the_same_rtt_statistic() -> None:
    pq = analyze(with_changes(lambda p: _set_all(p, "audio_producer", rtt=200.0)))
    (message,) = pq.findings.loc[pq.findings["rule"] == "high_rtt", "message"]
    assert "median 200 ms" in message
    text = _card_text(pq)
    assert "RTT median 200 ms · p90 200 ms" in text
    assert "ms avg" not in text  # RTT and jitter: the median and p90, as the findings say
    assert pq.summary.loc[0, "rtt_p50_ms"] == pytest.approx(200.0)


def test_demo_tcp_relay_peer_says_why_in_its_row() -> None:
    world = make_world()
    kit = connect_to(DemoBackend(world))
    try:
        peer_id = ended_peer_with_profile(world, "relay_tcp")
        rows = kit.session_quality(session_of_peer(world, peer_id), progress=False)
        pq = kit.peer_quality(peer_id)
    finally:
        kit.close()
    row = rows.set_index("peer_id").loc[peer_id]
    assert row["connection_type"] == "relay/tcp" and row["verdict"] in ("fair", "poor")
    assert row["top_rule"] == "transport"
    assert str(row["verdict_reason"]).startswith(f"{row['verdict']}: TURN relay over TCP")
    assert (row["verdict_reason"], row["top_severity"]) == (pq.verdict_reason, pq.top_severity)
    rated = rows[rows["error"].isna()]
    assert all(
        reason.startswith(f"{verdict}: ")
        for verdict, reason in zip(rated["verdict"], rated["verdict_reason"], strict=True)
    )


# ---- calibration against the demo world's ground truth ----------------------------------------


def _population(seed: int, limit: int) -> list[tuple[PeerQuality, dict[str, Any]]]:
    world = DemoWorld(seed=seed, now=NOW)
    kit = rtk.connect(demo=world)
    out: list[tuple[PeerQuality, dict[str, Any]]] = []
    try:
        for app in world.apps:
            for i in range(app.session_count):
                if app.is_live(i):
                    continue
                for join in app.joins(i):
                    if join.left is None:
                        continue
                    body = kit.api.sessions.get_participant_data_from_peer_id(join.peer_id)
                    out.append((analyze(body), world.peer_truth(join.peer_id)))
                    if len(out) >= limit:
                        return out
    finally:
        kit.close()
    return out


@pytest.fixture(scope="module")
def population() -> list[tuple[PeerQuality, dict[str, Any]]]:
    """Ended-session peers of two demo worlds (seeds 7 and 11), analysed, with their truth."""
    return _population(7, 300) + _population(11, 200)


def _degraded(truth: dict[str, Any]) -> bool:
    return truth["profile"] not in HEALTHY_PROFILES or bool(truth["episodes"])


@pytest.mark.slow
def test_verdicts_recover_the_injected_truth(
    population: list[tuple[PeerQuality, dict[str, Any]]],
) -> None:
    judged = [(pq, t) for pq, t in population if pq.verdict != "unknown"]
    unknown = len(population) - len(judged)
    assert len(judged) >= 400
    predicted = [pq.verdict in ("fair", "poor") for pq, _ in judged]
    actual = [_degraded(t) for _, t in judged]
    tp = sum(p and a for p, a in zip(predicted, actual, strict=True))
    fp = sum(p and not a for p, a in zip(predicted, actual, strict=True))
    fn = sum(a and not p for p, a in zip(predicted, actual, strict=True))
    tn = len(judged) - tp - fp - fn
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)

    by_profile: dict[str, Counter[str]] = defaultdict(Counter)
    by_episode: dict[str, Counter[str]] = defaultdict(Counter)
    for pq, truth in judged:
        label = "clean" if not truth["episodes"] else "with episodes"
        by_profile[truth["profile"]][pq.verdict] += 1
        by_profile[truth["profile"]][label] += 1
        for kind in {e["kind"] for e in truth["episodes"]}:
            by_episode[kind][pq.verdict] += 1
    print()
    print(
        f"quality calibration: {len(judged)} peers judged ({unknown} unknown); "
        f"precision {precision:.3f}, recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn}, tn {tn})"
    )
    print(f"  {'profile':20s} {'healthy':>7s} {'good':>5s} {'fair':>5s} {'poor':>5s}  episodes")
    for profile in PROFILES:
        c = by_profile.get(profile, Counter())
        healthy = "yes" if profile in HEALTHY_PROFILES else "no"
        print(
            f"  {profile:20s} {healthy:>7s} {c['good']:5d} {c['fair']:5d} {c['poor']:5d}"
            f"  {c['with episodes']} of {c['clean'] + c['with episodes']}"
        )
    print(f"  {'episode kind':20s} {'':>7s} {'good':>5s} {'fair':>5s} {'poor':>5s}")
    for kind in EPISODE_KINDS:
        c = by_episode.get(kind, Counter())
        print(f"  {kind:20s} {'':>7s} {c['good']:5d} {c['fair']:5d} {c['poor']:5d}")

    assert precision >= 0.9, f"precision {precision:.3f}"
    assert recall >= 0.9, f"recall {recall:.3f}"
    # Every degraded profile and every episode kind was represented.
    assert set(by_profile) == set(PROFILES)
    assert set(by_episode) == set(EPISODE_KINDS)


_EPISODE_RULE = {k: k for k in EPISODE_KINDS}  # each episode kind has a rule of its name


def _spans(finding: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """A finding's window(s): one recurrent finding lists every window in its evidence."""
    details = finding["evidence"].get("details") if finding["evidence"].get("windows") else None
    if details:
        return [(pd.Timestamp(d["start"]), pd.Timestamp(d["end"])) for d in details]
    return [(finding["start"], finding["end"])]


@pytest.mark.slow
def test_each_injected_episode_is_found_where_it_happened(
    population: list[tuple[PeerQuality, dict[str, Any]]],
) -> None:
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for pq, truth in population:
        for episode in truth["episodes"]:
            start, end = pd.Timestamp(episode["start"]), pd.Timestamp(episode["end"])
            total[episode["kind"]] += 1
            rows = pq.findings[pq.findings["rule"] == _EPISODE_RULE[episode["kind"]]]
            if any(a <= end and start <= b for _, row in rows.iterrows() for a, b in _spans(row)):
                found[episode["kind"]] += 1
    print()
    print(
        "episodes found by their rule, overlapping in time:",
        {k: f"{found[k]}/{total[k]}" for k in total},
    )
    assert set(total) == set(EPISODE_KINDS)
    for kind in EPISODE_KINDS:
        assert found[kind] / total[kind] >= 0.9, (kind, found[kind], total[kind])


@pytest.mark.slow
def test_a_loss_burst_window_overlaps_its_truth_episode(
    population: list[tuple[PeerQuality, dict[str, Any]]],
) -> None:
    pq, truth = next(
        (pq, t)
        for pq, t in population
        if any(e["kind"] == "loss_burst" for e in t["episodes"])
        and t["profile"] in HEALTHY_PROFILES
    )
    episode = next(e for e in truth["episodes"] if e["kind"] == "loss_burst")
    start, end = pd.Timestamp(episode["start"]), pd.Timestamp(episode["end"])
    bursts = pq.findings[pq.findings["rule"] == "loss_burst"]
    assert len(bursts)
    overlapping = [
        row for _, row in bursts.iterrows() if row["start"] <= end and start <= row["end"]
    ]
    assert overlapping, (episode, bursts[["start", "end"]])
    window = overlapping[0]
    # The window is the burst, give or take a sample or two, not the whole stay.
    slack = pd.Timedelta(seconds=30)
    assert abs(window["start"] - start) <= slack and abs(window["end"] - end) <= slack
    assert window["evidence"]["mean"] >= 10.0


@pytest.mark.slow
def test_finding_windows_lie_inside_the_stay(
    population: list[tuple[PeerQuality, dict[str, Any]]],
) -> None:
    checked = 0
    for pq, _ in population:
        row = pq.summary.iloc[0]
        joined, left = row["joined_at"], row["left_at"]
        for _, finding in pq.findings.iterrows():
            for a, b in _spans(finding):
                if pd.isna(a) or pd.isna(b):
                    continue
                assert joined <= a <= b <= left, (pq.peer_id, finding["rule"], a, b)
                checked += 1
    assert checked > 500


@pytest.mark.slow
def test_demo_frames_are_consistent(
    population: list[tuple[PeerQuality, dict[str, Any]]],
) -> None:
    rows = [quality_row(pq, None, session_id="s") for pq, _ in population[:60]]
    frame = quality_table(rows)
    _check_quality_schema(frame)
    assert frame["error"].isna().all()
    assert (frame["findings"] >= 0).all()
    for pq, _ in population[:60]:
        assert _dtypes(pq.timeseries) == TS_DTYPES
        summ = pq.summary.iloc[0]
        # The summary's MOS matches the API's own cumulative figure for the same track.
        cumulative = pq.peer_report.quality.audio_producer_cumulative
        assert summ["mos_avg"] == pytest.approx(cumulative.quality_mos.avg, abs=0.006)
        assert summ["loss_share_over_5"] == pytest.approx(
            cumulative.packet_loss["5_or_greater_event_fraction"], abs=1e-4
        )
        assert pq.verdict in ("good", "fair", "poor")


# ---- robustness and documentation -----------------------------------------------------------


def test_rules_run_on_frames_alone_and_odd_samples() -> None:
    def odd(p: dict[str, Any]) -> None:
        p["quality"]["video_producer"][0]["quality_limitation_reason"] = "thermal"
        p["quality"]["audio_producer"][1] = {"timestamp": iso(at(10))}  # every measure missing
        p["quality"]["audio_producer"][2]["packets_sent"] = 0  # nothing sent: no loss figure

    body = with_changes(odd)
    ts = timeseries(body)
    video = ts[ts["kind"] == "video"]
    assert video["limitation"].iloc[0] == "other"
    up = ts[(ts["kind"] == "audio") & (ts["direction"] == "producer")].reset_index(drop=True)
    assert np.isnan(up.loc[1, "mos"]) and np.isnan(up.loc[1, "loss_pct"])
    assert np.isnan(up.loc[2, "loss_pct"])
    row = summary(body, ts).iloc[0].to_dict()
    # Without the report (no metadata), every rule still runs on the frames alone.
    ctx = Context(tracks=Tracks.from_frame(ts), summary=row, report=None)
    for rule in RULES:
        assert rule(ctx) == [], rule_name(rule)
    assert analyze(body).verdict == "good"


def test_every_threshold_constant_cites_its_source() -> None:
    import inspect
    import re

    from rtk_notebook.quality import thresholds

    lines = inspect.getsource(thresholds).split('"""', 2)[2].splitlines()
    sources = ("G.107", "G.114", "API", "common practice", "project choice")
    constants = 0
    for i, line in enumerate(lines):
        match = re.match(r"^([A-Z][A-Z0-9_]+)\s*(?::[^=]*)?=", line)
        if not match:
            continue
        constants += 1
        comment: list[str] = []
        j = i - 1
        while j >= 0 and lines[j].strip() and not lines[j].startswith("# ----"):
            if lines[j].startswith("#"):
                comment.append(lines[j])
            j -= 1
        text = " ".join(comment).lower()
        assert any(s.lower() in text for s in sources), f"{match.group(1)} cites no source"
    assert constants >= 25
