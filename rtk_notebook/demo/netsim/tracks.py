"""Per-track samples as the peer report lists them (audio and video, produced and consumed,
and a screen share), their ``*_cumulative`` summaries and the per-minute ``quality_stats``.

Each track is a view of the path series (``series.PathSeries``) through what the sender
does with it: Opus audio at a steady packet rate; video whose bitrate, resolution and frame
rate follow the bandwidth estimate and, on a starved device, the CPU.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Any

import numpy as np

from rtk_notebook.demo.netsim.mos import mos_from
from rtk_notebook.demo.netsim.series import PathSeries, iso_array, uuid4

AUDIO_PPS = 50  # Opus with 20 ms frames
VIDEO_PKT_BYTES = 1100  # typical RTP video packet incl. headers
CAMERA_MAX_KBPS = {"desktop": 1500.0, "mobile": 1000.0}
SCREEN_MAX_KBPS = 1500.0
SCREEN_MAX_FPS = 15.0
# The resolution ladder a sender steps down (balanced mode), and the simulcast layers an SFU
# forwards.
LADDER_W = np.array([320, 480, 640, 960, 1280])
LADDER_H = np.array([180, 270, 360, 540, 720])
SIMULCAST_W = np.array([320, 640, 1280])
SIMULCAST_H = np.array([180, 360, 720])


def rows(columns: dict[str, Any], n: int) -> list[dict]:
    """Column lists (or arrays)/constants -> n sample dicts, keys in alphabetical order.

    Filled column by column: about a third faster than dict(zip(keys, row)) per row, and
    building these dicts is most of the simulator's time.
    """
    out: list[dict] = [{} for _ in range(n)]
    for key in sorted(columns):
        col = columns[key]
        if isinstance(col, np.ndarray):
            col = col.tolist()
        values = col if isinstance(col, list) else itertools.repeat(col, n)
        for row, value in zip(out, values, strict=False):
            row[key] = value
    return out


def round1(x: np.ndarray) -> np.ndarray:
    return np.round(x, 1)


def _loss_draw(rng: np.random.Generator, sent: np.ndarray, loss_pct: np.ndarray) -> np.ndarray:
    return rng.binomial(sent, np.clip(loss_pct / 100.0, 0.0, 1.0))


_LOSS_LIMITS = np.array([10.0, 25.0, 5.0, 50.0])  # in the order of the summary's keys
_RTT_LIMITS = np.array([100.0, 250.0, 500.0])


def cumulative_summary(mos: np.ndarray, loss_pct: np.ndarray, rtt: np.ndarray) -> dict:
    """The API's *_cumulative summary, computed from the track's own samples.

    Plain sorts and counts rather than np.percentile/np.mean: same numbers (linear
    interpolation between order statistics), a fraction of the call overhead.
    """
    n = int(mos.size)
    if n == 0:
        return {}
    ranked = np.sort(mos).tolist()

    def pct(q: float) -> float:
        h = (n - 1) * q
        lo = int(h)
        hi = min(lo + 1, n - 1)
        return round(ranked[lo] + (h - lo) * (ranked[hi] - ranked[lo]), 2)

    def shares(values: np.ndarray, limits: np.ndarray) -> list[float]:
        # The share of samples at or above each limit: where each limit falls in the sorted
        # values counts those below it, for all limits at once.
        below = np.searchsorted(np.sort(values), limits, side="left").tolist()
        return [round((n - count) / n, 4) for count in below]

    loss10, loss25, loss5, loss50 = shares(loss_pct, _LOSS_LIMITS)
    rtt100, rtt250, rtt500 = shares(rtt, _RTT_LIMITS)
    return {
        "packet_loss": {
            "10_or_greater_event_fraction": loss10,
            "25_or_greater_event_fraction": loss25,
            "5_or_greater_event_fraction": loss5,
            "50_or_greater_event_fraction": loss50,
            "avg": round(float(loss_pct.sum()) / n, 3),  # mean of the per-sample loss %
        },
        "quality_mos": {
            "avg": round(float(mos.sum()) / n, 2),
            "p50": pct(0.50),
            "p75": pct(0.75),
            "p90": pct(0.90),
        },
        "rtt": {
            "100ms_or_greater_event_fraction": rtt100,
            "250ms_or_greater_event_fraction": rtt250,
            "500ms_or_greater_event_fraction": rtt500,
            "avg": round(float(rtt.sum()) / n, 1),
        },
    }


@dataclass
class Track:
    """One track's numeric columns (already rounded as emitted) plus constant fields."""

    cols: dict[str, np.ndarray]
    consts: dict[str, Any]
    idx: np.ndarray  # positions in the (kept) sample grid
    loss_pct: np.ndarray
    mos: np.ndarray

    def columns(self, ts: np.ndarray) -> dict[str, Any]:
        """The samples by field: an array per varying field, a value per constant one; ``ts``
        holds each grid position's timestamp (or anything standing in for it)."""
        columns: dict[str, Any] = dict(self.cols)
        columns.update(self.consts)
        # A track on the whole grid shares ``ts`` (positions are sorted and distinct, so as
        # many as the grid has are all of them): one copy per peer, not one per track.
        columns["timestamp"] = ts if self.idx.size == len(ts) else ts[self.idx]
        return columns

    def cumulative(self) -> dict:
        return cumulative_summary(self.mos, self.loss_pct, self.cols["rtt"])


def track_ids(ids: random.Random, mid: str) -> dict[str, Any]:
    """A track's constant fields: its transceiver mid, producer id and SSRC."""
    return {"mid": mid, "producer_id": uuid4(ids), "ssrc": ids.getrandbits(32)}


@dataclass(frozen=True)
class Channel:
    """What the network does to one track's packets, at the samples where the track exists."""

    idx: np.ndarray  # positions in the (kept) sample grid
    rtt: np.ndarray
    jitter: np.ndarray
    loss_pct: np.ndarray


def _finish_track(
    cols: dict[str, np.ndarray],
    consts: dict[str, Any],
    idx: np.ndarray,
    lost: np.ndarray,
    sent: np.ndarray,
    consumer: bool,
) -> Track:
    loss_pct = np.where(sent > 0, 100.0 * lost / np.maximum(sent, 1), 0.0)
    mos = mos_from(loss_pct, cols["rtt"], cols["jitter"])
    cols["mos_quality"] = mos
    cols["packets_lost"] = lost
    cols["packets_sent"] = sent
    if consumer:
        # Consumer tracks: what the SFU sent towards this peer, what arrived, what was lost.
        cols["packets_received"] = sent - lost
    return Track(cols=cols, consts=consts, idx=idx, loss_pct=loss_pct, mos=mos)


def audio_track(
    rng: np.random.Generator,
    interval_s: float,
    channel: Channel,
    consts: dict[str, Any],
    consumer: bool,
) -> Track:
    n = channel.rtt.size
    # ~50 packets/s; +-1 from where the 20 ms ticks fall within the stats interval.
    sent = int(AUDIO_PPS * interval_s) + rng.integers(-1, 2, n)
    lost = _loss_draw(rng, sent, channel.loss_pct)
    bytes_per_pkt = rng.uniform(92, 112, n)  # Opus ~32 kbps VBR + RTP/SRTP headers
    nbytes = np.round(sent * bytes_per_pkt).astype(np.int64)
    cols = {
        "jitter": round1(channel.jitter * np.exp(0.08 * rng.standard_normal(n))),
        "rtt": round1(channel.rtt * np.exp(0.03 * rng.standard_normal(n))),
        "bytes_sent": nbytes,
    }
    if consumer:
        cols["bytes_received"] = np.round((sent - lost) * bytes_per_pkt).astype(np.int64)
    return _finish_track(cols, consts, channel.idx, lost, sent, consumer)


@dataclass(frozen=True)
class VideoSend:
    """What a video sender does at each sample: bitrate, resolution, frames."""

    kbps: np.ndarray
    width: np.ndarray
    height: np.ndarray
    fps: np.ndarray
    dropped: np.ndarray  # frames dropped in the interval
    reason: list[str]  # quality_limitation_reason: "none", "bandwidth" or "cpu"


def video_track(
    rng: np.random.Generator,
    interval_s: float,
    channel: Channel,
    send: VideoSend,
    consts: dict[str, Any],
    consumer: bool,
) -> Track:
    n = channel.idx.size
    nbytes = np.round(send.kbps * 125.0 * interval_s).astype(np.int64)
    sent = np.maximum(1, np.ceil(nbytes / VIDEO_PKT_BYTES).astype(np.int64))
    lost = _loss_draw(rng, sent, channel.loss_pct)
    cols: dict[str, Any] = {
        "jitter": round1(channel.jitter * np.exp(0.1 * rng.standard_normal(n))),
        "rtt": round1(channel.rtt * np.exp(0.03 * rng.standard_normal(n))),
        "bytes_sent": nbytes,
        "frame_width": send.width.astype(np.int64),
        "frame_height": send.height.astype(np.int64),
        "frames_per_second": round1(send.fps),
        "frames_dropped": send.dropped.astype(np.int64),
    }
    if consumer:
        got = np.round(nbytes * (1.0 - lost / sent)).astype(np.int64)
        cols["bytes_received"] = got
        cols["bitrate"] = round1(got * 8.0 / interval_s / 1000.0)
    else:
        cols["bitrate"] = round1(nbytes * 8.0 / interval_s / 1000.0)
    track = _finish_track(cols, consts, channel.idx, lost, sent, consumer)
    track.cols["quality_limitation_reason"] = np.array(send.reason, dtype=object)
    return track


def _layer_from_kbps(kbps: np.ndarray) -> np.ndarray:
    """Index into the resolution ladder a sender picks for a bitrate (balanced mode)."""
    return np.searchsorted(np.array([120.0, 250.0, 500.0, 1000.0]), kbps, side="right")


def _fps_from_kbps(kbps: np.ndarray, full_at: float) -> np.ndarray:
    return np.clip(30.0 * np.minimum(1.0, kbps / full_at) ** 0.8, 4.0, 30.0)


@dataclass(frozen=True)
class Device:
    """What one peer's video tracks share: its ids stream, its path, its device's load."""

    ids: random.Random
    path: PathSeries
    interval_s: float
    is_mobile: bool
    cpu_limited: np.ndarray  # per sample: the CPU limits the encoder and decoder
    wobble: np.ndarray  # AR(1) rows: 1 frame rate, 2 CPU-bound frame rate, 3 bitrate
    burst_jitter: float  # video packets leave in per-frame bursts: jitter multiplier


def camera_tracks(rng: np.random.Generator, device: Device) -> dict[str, Track]:
    """Camera producer and the remote camera this peer consumes."""
    producer = _camera_producer(rng, device)
    consumer = _camera_consumer(rng, device)
    return {"video_producer": producer, "video_consumer": consumer}


def _camera_producer(rng: np.random.Generator, device: Device) -> Track:
    """Camera up to 720p; the bandwidth estimate caps the bitrate, which drives resolution
    and frame rate (Chrome's "balanced" degradation preference)."""
    path, cpu_lim, vz, interval_s = (
        device.path,
        device.cpu_limited,
        device.wobble,
        device.interval_s,
    )
    cap = CAMERA_MAX_KBPS["mobile" if device.is_mobile else "desktop"]
    budget = 0.85 * path.avail_up
    kbps = np.minimum(cap, budget) * np.exp(0.05 * vz[3])
    bw_lim = budget < 0.9 * cap
    layer = _layer_from_kbps(kbps)
    fps = _fps_from_kbps(kbps, 450.0) - np.abs(0.6 * vz[1])
    reason = np.where(bw_lim, "bandwidth", "none").astype(object)
    if cpu_lim.any():
        # An overloaded encoder drops frames first, then downscales (to 360p at most).
        fps_cpu = np.clip(10.0 + 2.2 * vz[2], 4.0, 14.5)
        fps = np.where(cpu_lim, np.minimum(fps, fps_cpu), np.minimum(fps, 24.0))
        layer = np.where(cpu_lim, np.minimum(layer, 2), layer)
        reason = np.where(cpu_lim, "cpu", reason).astype(object)
    lam = cpu_lim * (30.0 - fps) * interval_s * 0.6 + (~cpu_lim) * (0.1 + 0.4 * bw_lim)
    channel = Channel(
        np.arange(path.rtt.size), path.rtt, path.jit_up * device.burst_jitter, path.loss_up
    )
    send = VideoSend(kbps, LADDER_W[layer], LADDER_H[layer], fps, rng.poisson(lam), reason.tolist())
    return video_track(rng, interval_s, channel, send, track_ids(device.ids, "1"), False)


def _camera_consumer(rng: np.random.Generator, device: Device) -> Track:
    """The SFU forwards the simulcast layer the downlink allows (720p / 360p / 180p, then 180p
    at 15 or 7.5 fps); small screens get 360p at most."""
    path, cpu_lim, vz, interval_s = (
        device.path,
        device.cpu_limited,
        device.wobble,
        device.interval_s,
    )
    budget = 0.85 * path.avail_down
    top = 1 if device.is_mobile else 2
    lay = np.minimum(np.select([budget >= 1200, budget >= 450], [2, 1], 0), top)
    lay_fps = np.where(lay > 0, 30.0, np.select([budget >= 150, budget >= 90], [30, 15], 7.5))
    br = np.array([150.0, 450.0, 1200.0])[lay]
    br = np.where(lay_fps < 30, br * lay_fps / 30.0 * 1.2, br)
    fps = lay_fps - np.abs(0.5 * vz[1])
    reason = np.where((lay < top) | (lay_fps < 30), "bandwidth", "none").astype(object)
    if cpu_lim.any():
        fps_dec = np.clip(11.0 + 2.5 * vz[2], 5.0, 18.0)  # decoder overloaded too
        fps = np.where(cpu_lim, np.minimum(fps, fps_dec), fps)
        reason = np.where(cpu_lim, "cpu", reason).astype(object)
    # Late or incomplete frames are dropped by the decoder: loss- and CPU-driven.
    lam = (path.loss_down / 100.0 * 2.0 + cpu_lim * 0.25) * fps * interval_s + 0.02 * interval_s
    channel = Channel(
        np.arange(path.rtt.size), path.rtt, path.jit_down * device.burst_jitter, path.loss_down
    )
    kbps = br * np.exp(0.06 * vz[3])
    send = VideoSend(
        kbps, SIMULCAST_W[lay], SIMULCAST_H[lay], fps, rng.poisson(lam), reason.tolist()
    )
    return video_track(rng, interval_s, channel, send, track_ids(device.ids, "1"), True)


def screenshare_track(
    rng: np.random.Generator, device: Device, ts: np.ndarray, window: tuple[int, int]
) -> Track:
    """One screen share over ``window``: full resolution, frame rate gives way instead."""
    path = device.path
    sidx = np.flatnonzero((ts >= window[0]) & (ts <= window[1]))
    m = sidx.size
    if device.is_mobile:
        sw, sh = 720, 1600
    else:
        sw, sh = [(1920, 1080), (1440, 900), (2560, 1440)][int(rng.integers(0, 3))]
    # Screen content keeps its resolution and gives up frame rate (content hint "detail").
    budget = 0.85 * path.avail_up[sidx] * 0.6  # the camera keeps the rest
    kbps = np.minimum(SCREEN_MAX_KBPS, budget) * np.exp(0.15 * rng.standard_normal(m))
    fps = SCREEN_MAX_FPS * np.minimum(1.0, kbps / 600.0) ** 0.7
    fps = np.clip(fps - np.abs(1.5 * rng.standard_normal(m)), 1.0, SCREEN_MAX_FPS)
    reason = np.where(budget < 600.0, "bandwidth", "none").astype(object)
    lim = device.cpu_limited[sidx]
    fps = np.where(lim, np.minimum(fps, 5.0), fps)
    reason = np.where(lim, "cpu", reason).astype(object)
    channel = Channel(
        sidx, path.rtt[sidx], path.jit_up[sidx] * device.burst_jitter, path.loss_up[sidx]
    )
    send = VideoSend(
        kbps, np.full(m, sw), np.full(m, sh), fps, rng.poisson(0.2, m), reason.tolist()
    )
    return video_track(rng, device.interval_s, channel, send, track_ids(device.ids, "2"), False)


# --- Per-minute summaries (quality_stats) -------------------------------------------------------


@dataclass(frozen=True)
class Minutes:
    """A track's samples bucketed by minute of the stay: where each bucket starts, its size
    and the minute's timestamp. Tracks sampled at the same instants share one."""

    idx: np.ndarray  # the samples' positions in the grid, as the tracks' ``idx``
    starts: np.ndarray
    sizes: np.ndarray
    timestamps: list[str]

    @classmethod
    def of(cls, idx: np.ndarray, ts_ms: np.ndarray, join_ms: int) -> Minutes:
        """The buckets of the grid positions ``idx`` (sample times ``ts_ms[idx]``, sorted)."""
        if idx.size == 0:
            empty = np.zeros(0, dtype=np.int64)
            return cls(idx, empty, empty, [])
        minute = (ts_ms[idx] - join_ms) // 60000
        starts = np.flatnonzero(minute[1:] != minute[:-1]) + 1
        starts = np.concatenate(([0], starts))
        sizes = np.diff(starts, append=idx.size)
        return cls(idx, starts, sizes, iso_array(join_ms + 60000 * minute[starts]).tolist())

    def fits(self, idx: np.ndarray) -> bool:
        return np.array_equal(self.idx, idx)


def _concealment(lost: np.ndarray) -> np.ndarray:
    # Concealment events count loss bursts, not packets: with the mostly-isolated losses of
    # these paths, about one event per 1.6 lost packets.
    return np.ceil(lost / 1.6).astype(np.int64)


def minute_stats(track: Track, minutes: Minutes) -> list[dict]:
    """One row per minute of the stay: the track's means and totals over that minute (and,
    for video, the resolution in force at its end)."""
    starts, sizes = minutes.starts, minutes.sizes
    if starts.size == 0:
        return []
    cols = track.cols

    def total(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, starts)

    columns: dict[str, Any] = {
        "jitter": round1(total(cols["jitter"]) / sizes).tolist(),
        "packets_lost": total(cols["packets_lost"]).tolist(),
        "quality": np.round(total(track.mos) / sizes, 2).tolist(),
        "timestamp": minutes.timestamps,
    }
    if "frame_width" in cols:
        last = starts + sizes - 1
        columns["frame_height"] = cols["frame_height"][last].tolist()
        columns["frame_width"] = cols["frame_width"][last].tolist()
        columns["frames_dropped"] = total(cols["frames_dropped"]).tolist()
        columns["frames_per_second"] = round1(total(cols["frames_per_second"]) / sizes).tolist()
    else:
        columns["concealment_events"] = total(_concealment(cols["packets_lost"])).tolist()
    return rows(columns, int(starts.size))
