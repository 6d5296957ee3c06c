"""One peer's stay, end to end: ``simulate_peer`` and what it assembles from the path, the
tracks and the identity (the peer report's metadata, peer_stats and quality_stats)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import numpy as np

from rtk_notebook.demo.netsim.identity import (
    CAMS_DESKTOP,
    CAMS_EXTERNAL,
    CAMS_MOBILE,
    HEADSETS,
    MICS_DESKTOP,
    MICS_MOBILE,
    SDK_NAME,
    TURN_URL_TCP,
    device_entry,
    draw_identity,
)
from rtk_notebook.demo.netsim.profiles import NETWORK_PROFILES, PROFILES, NetworkProfile
from rtk_notebook.demo.netsim.series import (
    Episode,
    PathSeries,
    apply_episodes,
    ar1,
    draw_episodes,
    iso,
    iso_array,
    np_rng,
    path_series,
    py_rng,
    sample_grid,
    to_ms,
)
from rtk_notebook.demo.netsim.tracks import (
    Channel,
    Device,
    Minutes,
    Track,
    audio_track,
    camera_tracks,
    minute_stats,
    rows,
    screenshare_track,
    track_ids,
)


@dataclass(frozen=True, eq=False)
class SampleColumns:
    """One track's samples by field: an array (or list) per varying field, one value per
    constant one."""

    fields: dict[str, Any]
    count: int

    def rows(self) -> list[dict]:
        """The samples as the API lists them: one dict each, keys in alphabetical order."""
        return rows(self.fields, self.count)

    def __eq__(self, other: object) -> bool:
        # By value: the generated __eq__ would compare arrays elementwise, to no bool.
        if not isinstance(other, SampleColumns):
            return NotImplemented
        return (self.count, sorted(self.fields)) == (other.count, sorted(other.fields)) and all(
            np.array_equal(value, other.fields[key])
            if isinstance(value, np.ndarray)
            else value == other.fields[key]
            for key, value in self.fields.items()
        )

    __hash__ = None  # type: ignore[assignment]  # mutable fields, as the generated one


@dataclass(frozen=True)
class PeerSim:
    """Everything the API returns about one simulated peer, plus the injected truth.

    The samples stay as columns (``samples``) until ``peer_report`` asks for them as dicts:
    the demo's server writes its answers from the columns (``quality(encode)``), which spares
    it building the thousands of sample dicts a report holds.
    """

    truth: dict
    metadata: dict
    samples: dict[str, SampleColumns]  # by track name, for the tracks the peer has
    cumulatives: dict[str, dict]  # each track's *_cumulative summary, by track name
    peer_stats_report: dict
    quality_stats_report: dict
    peer_stats_participant: dict
    quality_stats_participant: list

    def quality(self, encode: Callable[[SampleColumns], Any] = SampleColumns.rows) -> dict:
        """peer_report.quality: every track's samples (as ``encode`` gives them) and summary,
        empty for the tracks the peer does not have."""
        quality: dict[str, Any] = {}
        for name in TRACK_NAMES:
            samples = self.samples.get(name)
            quality[name] = encode(samples) if samples is not None else []
            quality[f"{name}_cumulative"] = dict(self.cumulatives.get(name, {}))
        return quality

    @cached_property
    def peer_report(self) -> dict:
        """The peer report's ``peer_report`` object: metadata and per-track quality."""
        return {"metadata": self.metadata, "quality": self.quality()}


TRACK_NAMES = (
    "audio_consumer",
    "audio_producer",
    "screenshare_audio_consumer",
    "screenshare_audio_producer",
    "screenshare_video_consumer",
    "screenshare_video_producer",
    "video_consumer",
    "video_producer",
)


def simulate_peer(
    seed: str,
    profile: str,
    joined_at: datetime,
    left_at: datetime,
    *,
    peer_id: str,
    video: bool = True,
    screenshare: bool = False,
    episodes: bool = True,
    path_profile: NetworkProfile | None = None,
) -> PeerSim:
    """Simulate one peer's stay and return what the API reports about it.

    ``seed`` is a string (e.g. ``f"{world_seed}:{peer_id}"``); the same arguments always give
    identical output. ``joined_at``/``left_at`` must be timezone-aware. ``video`` adds the
    camera producer and a consumed remote camera; ``screenshare`` one share during the stay;
    ``episodes=False`` turns degradation episodes off. ``path_profile`` replaces the path
    the media crosses (RTT, jitter, loss, bandwidth) while the peer stays who it is (device,
    browser, place and transport still follow ``profile``): how a regression degrades a peer.
    """
    if profile not in NETWORK_PROFILES:
        raise ValueError(f"unknown profile {profile!r}; expected one of {PROFILES}")
    join_ms, left_ms = to_ms(joined_at), to_ms(left_at)
    if left_ms < join_ms:
        raise ValueError("left_at is before joined_at")
    ident = draw_identity(py_rng(seed, "identity"), profile, joined_at.astimezone(UTC))
    is_mobile = bool(ident["device"]["is_mobile"])
    relay_only = profile == "relay_tcp"
    net = NETWORK_PROFILES[profile] if path_profile is None else path_profile
    stay = _stay(seed, net, join_ms, left_ms, episodes)
    tracks, share = _tracks(seed, profile, stay, is_mobile, video, screenshare)

    events_rng = py_rng(seed, "events")  # the timeline's draws, then quality_stats'
    timeline = _timeline(
        events_rng, stay.episodes, join_ms, stay.media_ms, left_ms, video, share, is_mobile
    )
    precall_rng = np_rng(seed, "precall")
    precall_ms = join_ms - int(1000 * precall_rng.uniform(4.0, 25.0))  # run before joining
    precall = _precall(precall_rng, stay.path.levels, ident["net_type"], relay_only)
    metadata = _metadata(ident, timeline, relay_only, tracks, stay, precall["rtt"])
    stats_report, stats_participant = _peer_stats(
        ident, precall, precall_ms, timeline.events, relay_only
    )
    qs_report, qs_participant = _quality_stats(tracks, stay, peer_id, events_rng)
    truth = {
        "profile": profile,
        "episodes": [
            {"start": iso(ep.start_ms), "end": iso(ep.end_ms), "kind": ep.kind}
            for ep in stay.episodes
        ],
    }
    return PeerSim(
        truth=truth,
        metadata=metadata,
        samples=_sample_columns(tracks, stay.ts_ms),
        cumulatives={name: track.cumulative() for name, track in tracks.items()},
        peer_stats_report=stats_report,
        quality_stats_report=qs_report,
        peer_stats_participant=stats_participant,
        quality_stats_participant=[qs_participant],
    )


@dataclass(frozen=True)
class _Stay:
    """The stay on its sampling grid: the samples that exist and the network at each."""

    join_ms: int
    left_ms: int
    media_ms: int  # when media connected
    interval_s: float
    ts_ms: np.ndarray  # sample times (those lost to a reconnection removed)
    path: PathSeries  # the network at each of those samples
    episodes: list[Episode]


def _stay(seed: str, net: NetworkProfile, join_ms: int, left_ms: int, episodes: bool) -> _Stay:
    interval_s, media_ms, ts_full = sample_grid(np_rng(seed, "grid"), net, join_ms, left_ms)
    full = path_series(np_rng(seed, "path"), net, ts_full.size, interval_s)
    # Episodes go where samples exist: after media connects, before the last sample.
    step_ms = int(interval_s * 1000)
    eps = draw_episodes(
        py_rng(seed, "episodes"), media_ms + step_ms, left_ms - step_ms, interval_s, episodes
    )
    # Most peers have no episode: their stream is never drawn from, so never made.
    effects = np_rng(seed, "episode-effects") if eps else None
    keep = apply_episodes(effects, full, eps, ts_full)
    if keep.all():  # no reconnection gap: every sample stays, no copies needed
        return _Stay(join_ms, left_ms, media_ms, interval_s, ts_full, full, eps)
    return _Stay(join_ms, left_ms, media_ms, interval_s, ts_full[keep], full.select(keep), eps)


def _tracks(
    seed: str, profile: str, stay: _Stay, is_mobile: bool, video: bool, screenshare: bool
) -> tuple[dict[str, Track], tuple[int, int] | None]:
    """The peer's tracks by name, and the screen share's window if it shared."""
    path, interval_s, n = stay.path, stay.interval_s, int(stay.ts_ms.size)
    ids = py_rng(seed, "ids")
    audio_rng = np_rng(seed, "audio")
    whole = np.arange(n)
    tracks: dict[str, Track] = {}
    for name, jitter, loss, consumer in (
        ("audio_producer", path.jit_up, path.loss_up, False),
        ("audio_consumer", path.jit_down, path.loss_down, True),
    ):
        channel = Channel(whole, path.rtt, jitter, loss)
        tracks[name] = audio_track(audio_rng, interval_s, channel, track_ids(ids, "0"), consumer)
    video_rng = np_rng(seed, "video")
    # Device load: a CPU-starved phone is CPU-limited most of the time.
    wobble = ar1(video_rng, n, interval_s, (90.0, 40.0, 40.0, 60.0))
    cpu_limited = wobble[0] > -1.0 if profile == "cpu_starved_mobile" else np.zeros(n, dtype=bool)
    burst_jitter = float(video_rng.uniform(1.2, 1.6))  # video packets leave in bursts
    device = Device(ids, path, interval_s, is_mobile, cpu_limited, wobble, burst_jitter)
    if video:
        tracks.update(camera_tracks(video_rng, device))
    share: tuple[int, int] | None = None
    if screenshare:
        share_rng = np_rng(seed, "screenshare")
        span = max(0, stay.left_ms - stay.media_ms)
        s0 = stay.media_ms + int(span * share_rng.uniform(0.05, 0.5))
        share = (s0, min(stay.left_ms, s0 + int(span * share_rng.uniform(0.2, 0.6))))
        tracks["screenshare_video_producer"] = screenshare_track(
            share_rng, device, stay.ts_ms, share
        )
    return tracks, share


def _sample_columns(tracks: dict[str, Track], ts_ms: np.ndarray) -> dict[str, SampleColumns]:
    """Every track's samples by field, timestamps included."""
    ts = iso_array(ts_ms)
    return {
        name: SampleColumns(track.columns(ts), int(track.idx.size))
        for name, track in tracks.items()
    }


def _metadata(
    ident: dict[str, Any],
    timeline: Timeline,
    relay_only: bool,
    tracks: dict[str, Track],
    stay: _Stay,
    precall_rtt_ms: float,
) -> dict[str, Any]:
    """peer_report.metadata: devices, browser, network, events and ICE candidate pairs."""
    country, city, region, tz, _lat, _lon, _postal = ident["loc"]
    pairs = _candidate_pairs(ident, relay_only, tracks, stay.ts_ms, stay.path, precall_rtt_ms)
    return {
        "audio_devices_updates": timeline.audio_devices,
        "browser_metadata": dict(ident["browser"]),
        "candidate_pairs": pairs,
        "device_info": dict(ident["device"]),
        "events": timeline.events,
        "ip_information": {
            "asn": dict(ident["asn"]),
            "city": city,
            "country": country,
            "ipv4": ident["ipv4"],
            "org": ident["org"],
            "region": region,
            "timezone": tz,
        },
        "pc_metadata": [
            {
                "effective_network_type": ident["net_type"],
                "reflexive_connectivity": not relay_only,
                "relay_connectivity": True,
                "timestamp": iso(t),
                "turn_connectivity": True,
            }
            for t in timeline.pc_times
        ],
        "room_view_type": "GROUP_CALL",
        "sdk_name": SDK_NAME,
        "sdk_version": ident["sdk_version"],
        "selected_device_updates": timeline.selected,
        "speaker_devices_updates": [],
        "video_devices_updates": timeline.video_devices,
    }


@dataclass
class Timeline:
    events: list[dict]  # metadata.events: {name, timestamp[, metadata]}
    selected: list[dict]
    audio_devices: list[dict]
    video_devices: list[dict]
    pc_times: list[int]  # ICE (re)connections, for pc_metadata


def _timeline(
    rng: random.Random,
    eps: list[Episode],
    join_ms: int,
    media_ms: int,
    left_ms: int,
    video: bool,
    share: tuple[int, int] | None,
    is_mobile: bool,
) -> Timeline:
    """Lifecycle events and device changes, in time order."""
    raw: list[tuple[int, str, dict[str, Any] | None]] = [
        (join_ms, "peer_joined", None),
        (media_ms, "media_connected", None),
        (min(left_ms, media_ms + rng.randint(50, 400)), "audio_on", None),
    ]
    if video:
        raw.append((min(left_ms, media_ms + rng.randint(200, 900)), "video_on", None))
    if share is not None:
        raw.append((share[0], "screenshare_started", None))
        raw.append((share[1], "screenshare_stopped", None))
    tl = Timeline([], [], [], [], [media_ms])
    for ep in eps:
        if ep.kind == "reconnection":
            raw.append((ep.start_ms, "reconnecting", {"reason": "ice_disconnected"}))
            raw.append((ep.end_ms, "reconnected", {"ice_restart": True}))
            tl.pc_times.append(ep.end_ms)
        elif ep.kind == "device_switch":
            # A headset (or external camera) is plugged in and selected; at the end of the
            # window it is unplugged and the built-in device is selected again.
            if video and rng.random() < 0.4:
                kind, updates = "videoinput", tl.video_devices
                builtin = rng.choice(CAMS_MOBILE if is_mobile else CAMS_DESKTOP)
                new = rng.choice(CAMS_EXTERNAL)
            else:
                kind, updates = "audioinput", tl.audio_devices
                builtin = rng.choice(MICS_MOBILE if is_mobile else MICS_DESKTOP)
                new = rng.choice(HEADSETS)
            dev_new, dev_old = device_entry(rng, kind, new), device_entry(rng, kind, builtin)
            s, e = iso(ep.start_ms), iso(ep.end_ms)
            updates.append({"added": [dict(dev_new)], "removed": [], "timestamp": s})
            updates.append({"added": [], "removed": [dict(dev_new)], "timestamp": e})
            tl.selected.append({"device": dict(dev_new), "timestamp": s})
            tl.selected.append({"device": dev_old, "timestamp": e})
            raw.append((ep.start_ms, "device_switch", {"kind": kind, "label": new}))
            raw.append((ep.end_ms, "device_switch", {"kind": kind, "label": builtin}))
    raw.append((left_ms, "peer_left", None))
    raw.sort(key=lambda ev: ev[0])  # stable: same-time events keep their causal order
    for t, name, md in raw:
        ev: dict[str, Any] = {"name": name, "timestamp": iso(t)}
        if md:
            ev["metadata"] = md
        tl.events.append(ev)
    return tl


def _precall(
    rng: np.random.Generator, levels: dict[str, float], net_type: str, relay_only: bool
) -> dict[str, Any]:
    """The pre-call network test, from the same path levels the call then sees."""
    return {
        "backend_rtt": round(
            levels["rtt"] * float(rng.uniform(1.1, 1.6)) + float(rng.uniform(5, 25)), 1
        ),
        "effective_networktype": net_type,
        "fractional_loss": round(levels["loss"] / 100.0 * float(rng.uniform(0.5, 1.5)), 4),
        "jitter": round(levels["jitter"] * float(rng.uniform(0.8, 1.3)), 1),
        "reflexive_connectivity": not relay_only,  # UDP blocked: no server-reflexive path
        "relay_connectivity": True,
        "rtt": round(levels["rtt"] * float(rng.uniform(0.9, 1.25)), 1),
        "throughput": int(round(levels["bw_up"] * float(rng.uniform(0.9, 1.3)))),  # kbps
        "turn_connectivity": True,
    }


def _peer_stats(
    ident: dict[str, Any],
    precall: dict[str, Any],
    precall_ms: int,
    events: list[dict],
    relay_only: bool,
) -> tuple[dict, dict]:
    """``peer_stats`` of the peer-report endpoint and of the participant-details endpoint."""
    country, city, region, tz, lat, lon, postal = ident["loc"]
    ip_location = f"{lat:.4f},{lon:.4f}"
    device = {
        **ident["browser"],
        **ident["device"],
        "sdk_name": SDK_NAME,
        "sdk_version": ident["sdk_version"],
    }
    connection_info = {
        "backend_r_t_t": precall["backend_rtt"],
        "connectivity": {"host": True, "reflexive": not relay_only, "relay": True},
        "effective_network_type": precall["effective_networktype"],
        "fractional_loss": precall["fractional_loss"],
        "ip_details": {
            "asn": {"asn": ident["asn"]["asn"]},
            "city": city,
            "country": country,
            "ip": ident["ipv4"],
            "loc": ip_location,
            "postal": postal,
            "region": region,
            "timezone": tz,
        },
        "jitter": precall["jitter"],
        "location": {"coords": {"latitude": lat, "longitude": lon}},
        "r_t_t": precall["rtt"],
        "throughput": precall["throughput"],
        "turn_connectivity": True,
    }
    first = {
        "metadata": {"connection_info": connection_info},
        "timestamp": iso(precall_ms),
        "type": "precall_end",
    }
    report = {
        "device_info": dict(sorted(device.items())),
        "events": [first] + [{"timestamp": e["timestamp"], "type": e["name"]} for e in events],
        "ip_information": {
            "asn": {"asn": ident["asn"]["asn"]},
            "city": city,
            "country": country,
            "ip_location": ip_location,
            "ipv4": ident["ipv4"],
            "org": ident["org"],
            "region": region,
            "timezone": tz,
        },
        "precall_network_information": dict(precall),
    }
    pre_p = {k: v for k, v in precall.items() if k != "throughput"}
    pre_p["throughtput"] = precall["throughput"]  # sic: the API's own spelling here
    participant = {
        "config": "default",
        "device_info": dict(sorted({**device, "memory": ident["memory"]}.items())),
        "events": [{"timestamp": e["timestamp"], "type": e["type"]} for e in report["events"]],
        "ip_information": {
            "city": city,
            "country": country,
            "ip_location": ip_location,
            "ipv4": ident["ipv4"],
            "org": ident["org"],
            "portal": postal,  # the API's "portal" is the postal code (cf. ip_details.postal)
            "region": region,
            "timezone": tz,
        },
        "precall_network_information": dict(sorted(pre_p.items())),
        "status": "left",
    }
    return report, participant


def _candidate_pairs(
    ident: dict[str, Any],
    relay_only: bool,
    tracks: dict[str, Track],
    ts_ms: np.ndarray,
    p: PathSeries,
    fallback_rtt_ms: float,
) -> dict[str, list[dict]]:
    """The nominated ICE candidate pair of each transport, with getStats-like totals."""

    def total(names: Iterable[str], col: str) -> int:
        return int(sum(int(tracks[k].cols[col].sum()) for k in names if k in tracks))

    n = int(ts_ms.size)
    last_ms = float(ts_ms[-1]) if n else 0.0
    cur_rtt_ms = float(p.rtt[-1]) if n else fallback_rtt_ms
    # One consent-freshness STUN check per stats interval.
    total_rtt = round(float(p.rtt.sum()) / 1000.0, 3)

    def pair(i: int, sent_b: int, sent_p: int, recv_b: int, recv_p: int) -> dict[str, Any]:
        if relay_only:
            ltype, proto, laddr = "relay", "tcp", ident["turn_ip"]
            related: tuple[str, int] | None = (ident["ipv4"], ident["ports"][i + 2])
        elif ident["host_first"]:
            ltype, proto, laddr = "host", "udp", ident["private_ip"]
            related = None
        else:
            ltype, proto, laddr = "srflx", "udp", ident["ipv4"]
            related = (ident["private_ip"], ident["ports"][i + 2])
        out: dict[str, Any] = {
            "bytes_discarded_on_send": 0,
            "bytes_received": recv_b,
            "bytes_sent": sent_b,
            "current_round_trip_time": round(cur_rtt_ms / 1000.0, 3),  # seconds, as getStats
            "last_packet_received_timestamp": last_ms,
            "last_packet_sent_timestamp": last_ms,
            "local_candidate_address": laddr,
            "local_candidate_id": f"I{ident['cand_ids'][i]}",
            "local_candidate_network_type": ident["cand_net_type"],
            "local_candidate_port": ident["ports"][i],
            "local_candidate_protocol": proto,
            "local_candidate_type": ltype,
            "nominated": True,
            "packets_discarded_on_send": 0,
            "packets_received": recv_p,
            "packets_sent": sent_p,
            "remote_candidate_address": ident["sfu_ip"],
            "remote_candidate_id": f"I{ident['cand_ids'][i + 2]}",
            "remote_candidate_port": ident["sfu_ports"][i],
            "remote_candidate_protocol": "udp",
            "remote_candidate_type": "host",
            "total_round_trip_time": total_rtt,
        }
        if related is not None:
            out["local_candidate_related_address"] = related[0]
            out["local_candidate_related_port"] = related[1]
        if relay_only:
            out["local_candidate_url"] = TURN_URL_TCP
        return out

    up = ("audio_producer", "video_producer", "screenshare_video_producer")
    down = ("audio_consumer", "video_consumer")
    up_b, up_p = total(up, "bytes_sent"), total(up, "packets_sent")
    dn_b, dn_p = total(down, "bytes_received"), total(down, "packets_received")
    # RTCP feedback flows the other way: ~2 % of the media packets, ~80 bytes each.
    producing = pair(0, up_b, up_p, int(up_p * 0.02) * 80, int(up_p * 0.02))
    producing["available_outgoing_bitrate"] = int(round(float(p.avail_up[-1]) * 1000)) if n else 0
    consuming = pair(1, int(dn_p * 0.02) * 80, int(dn_p * 0.02), dn_b, dn_p)
    consuming["available_incoming_bitrate"] = int(round(float(p.avail_down[-1]) * 1000)) if n else 0
    producing, consuming = dict(sorted(producing.items())), dict(sorted(consuming.items()))
    return {"consuming_transport": [consuming], "producing_transport": [producing]}


def _quality_stats(
    tracks: dict[str, Track], stay: _Stay, peer_id: str, rng: random.Random
) -> tuple[dict, dict]:
    """quality_stats of both endpoints, from what this peer received (consumer tracks)."""
    ts_ms, join_ms, left_ms = stay.ts_ms, stay.join_ms, stay.left_ms
    media_ms, interval_s = stay.media_ms, stay.interval_s
    audio = tracks["audio_consumer"]
    vid = tracks.get("video_consumer")
    minutes = Minutes.of(audio.idx, ts_ms, join_ms)
    audio_stats = minute_stats(audio, minutes)
    video_stats: list[dict] = []
    if vid is not None:
        if not minutes.fits(vid.idx):
            minutes = Minutes.of(vid.idx, ts_ms, join_ms)
        video_stats = minute_stats(vid, minutes)

    def kbps(tr: Track | None) -> float:
        if tr is None or tr.idx.size == 0:
            return 0.0
        return round(
            float(tr.cols["bytes_received"].sum()) * 8 / (tr.idx.size * interval_s) / 1000, 1
        )

    def loss_pct(tr: Track | None) -> float:
        if tr is None or tr.idx.size == 0:
            return 0.0
        lost = int(tr.cols["packets_lost"].sum())
        return round(100.0 * lost / max(1, int(tr.cols["packets_sent"].sum())), 3)

    def first_last(tr: Track | None) -> tuple[str | None, str | None]:
        if tr is None or tr.idx.size == 0:
            return None, None
        first = min(int(ts_ms[tr.idx[0]]), media_ms + rng.randint(40, 400))
        return iso(first), iso(int(ts_ms[tr.idx[-1]]))

    fa, la = first_last(audio)
    fv, lv = first_last(vid)
    avg_q = round(float(audio.mos.mean()), 2) if audio.idx.size else None
    report = {
        "audio_bandwidth": kbps(audio),  # kbps received
        "audio_stats": audio_stats,
        "average_quality": avg_q,
        "end": iso(left_ms),
        "first_audio_packet_received": fa,
        "first_video_packet_received": fv,
        "last_audio_packet_received": la,
        "last_video_packet_received": lv,
        "peer_ids": [peer_id],
        "start": iso(join_ms),
        # Totals of what arrived; the *_lost totals are what did not.
        "total_audio_packets": int(audio.cols["packets_received"].sum()),
        "total_audio_packets_lost": int(audio.cols["packets_lost"].sum()),
        "total_video_packets": int(vid.cols["packets_received"].sum()) if vid is not None else 0,
        "total_video_packets_lost": int(vid.cols["packets_lost"].sum()) if vid is not None else 0,
        "video_bandwidth": kbps(vid),
        "video_stats": video_stats,
    }
    participant = {
        "audio_bandwidth": report["audio_bandwidth"],
        "audio_packet_loss": loss_pct(audio),
        "audio_stats": [dict(d) for d in audio_stats],
        "average_quality": avg_q,
        "end": report["end"],
        "peer_id": peer_id,
        "start": report["start"],
        "video_bandwidth": report["video_bandwidth"],
        "video_packet_loss": loss_pct(vid),
        "video_stats": [dict(d) for d in video_stats],
    }
    return report, participant
