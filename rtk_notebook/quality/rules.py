"""The diagnosis rules and every threshold they use, each with its source.

All thresholds live here as named module-level constants; the comment on each says where the
figure comes from (``docs/quality-sources.md`` gathers the sources):

- **ITU-T G.107** (E-model): the user-satisfaction bands of the transmission rating R, in MOS
  (R 80 ~ MOS 4.0 "satisfied", R 70 ~ 3.6 "some users dissatisfied", R 60 ~ 3.1 "many").
- **ITU-T G.114**: one-way delay <= 150 ms acceptable for most applications, > 400 ms
  unacceptable; as round-trip time about 300 ms and 800 ms.
- **The API's own bands**: the peer report's ``*_cumulative`` summaries count the share of
  samples with packet loss >= 5, 10, 25, 50 % and RTT >= 100, 250, 500 ms.
- **Common practice**: the ranges vendors' network guidance agrees on (jitter, loss, RTT, MOS,
  video, transport, device). These are ranges, not one normative number: where a constant picks
  a point inside a range, its comment says which point and why.

A rule is a small function ``rule(ctx: Context) -> list[Finding]``; :data:`RULES` lists them in
priority order (the order breaks ties between findings of the same severity). The
:class:`Context` gives every rule the same view of one peer: its samples per track as numpy columns
(:class:`rtk_notebook.quality.tracks.Tracks`), the summary row as a dict and the parsed
report (for metadata: device, candidate pairs, events, device updates, pre-call test).

Pure analysis: no HTTP, no plotting.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from rtk_notebook.models.peer import PeerReport
    from rtk_notebook.quality.tracks import Track, Tracks

__all__ = [
    "RULES",
    "SEVERITIES",
    "Context",
    "Finding",
    "Rule",
    "Window",
    "find_windows",
    "fmt_clock",
    "fmt_span",
    "merge_windows",
    "rule_name",
]

SEVERITIES: tuple[str, ...] = ("info", "warning", "critical")

# =============================================================================================
# Thresholds
# =============================================================================================

# ---- MOS (1..5, from the report's mos_quality) ----------------------------------------------
# ITU-T G.107 satisfaction bands as MOS: R >= 80 "satisfied" is MOS ~4.0; common practice also
# calls MOS >= 4.0 good. Below it on average over the stay: warning.
MOS_GOOD = 4.0
# ITU-T G.107: R < 70 ("some users dissatisfied" ends) is MOS ~3.6; common practice: below 3.6
# is poor. A median below it (most of the call): critical; samples below it form MOS dips.
MOS_POOR = 3.6
# ITU-T G.107: R < 60 ("many users dissatisfied") is MOS ~3.1. Used to rank how bad a dip was.
MOS_BAD = 3.1

# ---- Round-trip time (ms) -------------------------------------------------------------------
# Common practice: RTT under 150 ms is good, 150-300 ms fair. A median RTT at or above 150 ms
# over the stay: warning (talk-over starts to be noticed).
RTT_FAIR_MS = 150.0
# ITU-T G.114: one-way delay up to 150 ms is acceptable for most applications, i.e. RTT about
# 300 ms; common practice: above 300 ms poor. A median at or above it: critical; samples at or
# above it (and well above the peer's own median, see RTT_SPIKE_FACTOR) form RTT spikes; a TCP
# relay whose 90th percentile reaches it is critical (see RELAY_TCP_SEVERITY).
RTT_POOR_MS = 300.0
# ITU-T G.114: one-way delay above 400 ms is unacceptable for general network planning, i.e.
# RTT about 800 ms. An RTT spike whose median reaches it: critical.
RTT_UNACCEPTABLE_MS = 800.0
# Project choice (no published figure): a spike must also be at least twice the peer's own
# median RTT, so a path that is long all the time (intercontinental, 3G) is reported once as
# high RTT and not again as a spike every time it wanders past 300 ms.
RTT_SPIKE_FACTOR = 2.0
# The API's own RTT bands (share of samples >= 100, 250, 500 ms in ``rtt`` cumulative).
API_RTT_BANDS_MS: tuple[float, ...] = (100.0, 250.0, 500.0)

# ---- Jitter (ms, audio) ---------------------------------------------------------------------
# Common practice: jitter under 30 ms good, 30-50 ms noticeable. A median at or above 30 ms:
# warning.
JITTER_FAIR_MS = 30.0
# Common practice: above 50-100 ms poor. We take the low end of that range (50 ms) for
# critical: the jitter buffer then adds ~100 ms of delay (2 x jitter) on top of the path.
JITTER_POOR_MS = 50.0

# ---- Packet loss (% of packets, per sample) -------------------------------------------------
# Common practice: under 1 % good.
LOSS_GOOD_PCT = 1.0
# Common practice: 1-3 % fair (Opus FEC hides most of it). We warn at the top of that band,
# 3 % average over the stay: below it FEC still conceals the loss, and healthy mobile paths
# (about 1 %) must not be flagged.
LOSS_FAIR_PCT = 3.0
# Common practice: above 5 % poor; also the API's first loss band (>= 5 %). Average at or
# above it: critical.
LOSS_POOR_PCT = 5.0
# Common practice: bursts of 10 % or more are heard as dropouts whatever the average; also the
# API's second loss band (>= 10 %). Consecutive audio samples at or above it: a loss burst.
LOSS_BURST_PCT = 10.0
# The API's third loss band (>= 25 %). A loss burst averaging this much: critical.
LOSS_SEVERE_PCT = 25.0
# The API's own loss bands (share of samples >= 5, 10, 25, 50 % in ``packet_loss`` cumulative).
API_LOSS_BANDS_PCT: tuple[float, ...] = (5.0, 10.0, 25.0, 50.0)
# Project choice: the share of samples at or above LOSS_POOR_PCT (the API's 5 % band) that
# counts as recurrent loss even when the average stays under LOSS_FAIR_PCT. A fifth of the
# call is past "a blip": healthy home Wi-Fi and 4G stay far below it.
LOSS_SHARE_OVER_POOR = 0.2

# ---- Windows (loss bursts, RTT spikes, MOS dips) --------------------------------------------
# Project choice: a window needs at least 2 consecutive samples (10 s at the usual 5 s
# interval), so a single unlucky sample (binomial noise on ~250 audio packets) is not a burst.
WINDOW_MIN_SAMPLES = 2
# Project choice: more windows than this for one rule are reported as one recurrent finding
# over the whole stay (with every window in its evidence) instead of one finding each.
MAX_WINDOW_FINDINGS = 3
# Project choice: a gap between samples longer than this many sampling intervals breaks a
# window (and, with no reconnection event to explain it, is itself reported as a media gap).
GAP_INTERVALS = 3.0
# Project choice: a media gap shorter than this is not reported (stats timers can be late).
MIN_GAP_S = 15.0

# Project choice: a MOS dip (not explained by a loss burst or an RTT spike) shorter than this is
# reported at info level only. docs/quality-sources.md's typical figures give home Wi-Fi "occasional
# short spikes" (contention, 5-15 s) on an otherwise healthy path: worth seeing on a timeline
# when a user says "it was bad at 10:40", not a verdict on the call.
MOS_DIP_MIN_S = 30.0

# ---- Video ----------------------------------------------------------------------------------
# Common practice: a frame rate below 15 fps is a visible degradation.
VIDEO_MIN_FPS = 15.0
# Common practice: "a resolution held far below what was sent". We read "far below" as half the
# track's own highest height or less (720p -> 360p is one simulcast layer down, a visible drop).
VIDEO_HEIGHT_DROP_RATIO = 0.5
# Project choice: the share of a camera track's samples that must be degraded (low fps or held
# resolution, with quality_limitation_reason bandwidth or cpu) for a finding. A quarter of the
# call is something the user noticed; short dips during a loss burst are reported there.
VIDEO_DEGRADED_SHARE = 0.25

# ---- Transport ------------------------------------------------------------------------------
# Common practice: a TURN relay over TCP or TLS (port 443) adds RTT and head-of-line blocking and
# usually means a firewall blocks UDP: warning; critical when the call shows it (RTT p90 >=
# RTT_POOR_MS or median jitter >= JITTER_POOR_MS), so the cause, not its symptoms, tops the
# findings. A relay over UDP adds a detour only: info.
RELAY_TCP_SEVERITY = "warning"
RELAY_UDP_SEVERITY = "info"

# ---- Device ---------------------------------------------------------------------------------
# Common practice: 2 CPU cores or fewer is prone to CPU-limited encoding: warning.
WEAK_DEVICE_MAX_CPUS = 2
# Project choice (no published figure): navigator.deviceMemory buckets are 0.25..8 GB; 2 GB or
# less is the low-end (Android Go class) bucket. Reported with the cores, warning-level too.
WEAK_DEVICE_MAX_MEMORY_GB = 2.0
# Common practice: "a mobile device encoding video is prone to CPU-limited encoding". We report
# it (info only) when the phone also has few cores: 4 or fewer (project choice), so every
# recent phone on a video call is not flagged.
MOBILE_VIDEO_MAX_CPUS = 4

# ---- Pre-call test --------------------------------------------------------------------------
# The in-call thresholds apply to the pre-call test too: RTT >= RTT_POOR_MS (G.114), jitter >=
# JITTER_POOR_MS (common practice), loss >= LOSS_POOR_PCT (common practice, API band).
# Project choice (docs/quality-sources.md gives no figure): under 300 kbps upstream, camera video
# cannot hold 360p at 30 fps next to the audio (libwebrtc's simulcast table targets about
# 500 kbps for 640x360).
PRECALL_MIN_THROUGHPUT_KBPS = 300.0

# ---- Events ---------------------------------------------------------------------------------
# Project choice: device updates this soon after joining are the initial device selection,
# not a switch during the call.
DEVICE_SWITCH_GRACE_S = 10.0
# Project choice: this many reconnections in one stay make the finding critical.
RECONNECTIONS_CRITICAL = 3

_RECONNECTING = frozenset(
    {"reconnecting", "ice_disconnected", "disconnected", "media_reconnecting"}
)
_RECONNECTED = frozenset({"reconnected", "ice_reconnected", "media_reconnected"})
_DEVICE_EVENTS = frozenset({"device_switch", "device_changed", "device_change"})
_CAUSE_WORDS = {"cpu": "CPU", "bandwidth": "bandwidth"}
_DEVICE_KIND_WORDS = {
    "audioinput": "microphone",
    "videoinput": "camera",
    "audiooutput": "speaker",
}


# =============================================================================================
# Findings and the shared context
# =============================================================================================


@dataclass(frozen=True)
class Finding:
    """One diagnosis: which rule, how bad, when, the numbers behind it and what to do.

    ``start``/``end`` are UTC timestamps of the window the finding is about (the whole stay for
    stay-level findings; ``None`` when the report says neither). ``evidence`` holds the numbers
    (plain Python values); ``message`` is one plain sentence with a suggested action.
    """

    rule: str
    severity: str
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    evidence: dict[str, Any]
    message: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")

    @property
    def rank(self) -> int:
        """0 for info, 1 for warning, 2 for critical."""
        return SEVERITIES.index(self.severity)


@dataclass(frozen=True)
class Window:
    """A run of consecutive flagged samples: ``start`` is one sampling interval before the first
    flagged sample (the interval it measured), ``end`` the last flagged sample."""

    start: pd.Timestamp
    end: pd.Timestamp
    samples: int
    peak: float
    mean: float
    low: float

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass
class Context:
    """What every rule sees of one peer.

    ``tracks``: the peer's samples per track as numpy columns
    (:class:`~rtk_notebook.quality.tracks.Tracks`; ``ctx.track("audio", "producer")["rtt_ms"]``
    is a float64 array in time order); ``summary``: the summary row as a dict (``mos_avg``,
    ``rtt_p90_ms``, ``connection_type``...); ``report``: the parsed
    :class:`~rtk_notebook.models.peer.PeerReport` (metadata, events), or ``None``.
    """

    tracks: Tracks
    summary: dict[str, Any]
    report: PeerReport | None = None
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def timeseries(self) -> pd.DataFrame:
        """The tidy time series (built on first use; the rules here read ``tracks``)."""
        if "timeseries" not in self._cache:
            self._cache["timeseries"] = self.tracks.frame()
        return self._cache["timeseries"]

    # ---- the stay -------------------------------------------------------------------------

    @property
    def stay_start(self) -> pd.Timestamp | None:
        value = _ts(self.summary.get("joined_at"))
        return value if value is not None else self.tracks.time_range()[0]

    @property
    def stay_end(self) -> pd.Timestamp | None:
        value = _ts(self.summary.get("left_at"))
        return value if value is not None else self.tracks.time_range()[1]

    # ---- tracks ---------------------------------------------------------------------------

    def track(self, kind: str, direction: str) -> Track:
        """One track's samples in time order (empty if the peer has none)."""
        return self.tracks.track(kind, direction)

    def audio(self) -> tuple[str | None, Track]:
        """The reference audio track: what the peer sent (producer), else what it received."""
        for direction in ("producer", "consumer"):
            part = self.track("audio", direction)
            if len(part):
                return direction, part
        return None, self.track("audio", "producer")

    def audio_quantile(self, column: str, q: float) -> float | None:
        """A quantile (0..1, linear interpolation) of a column over the reference audio."""
        key = ("quantile", column, q)
        if key not in self._cache:
            _, part = self.audio()
            values = part[column]
            values = values[np.isfinite(values)]
            self._cache[key] = float(np.quantile(values, q)) if values.size else None
        return self._cache[key]

    def interval(self) -> pd.Timedelta:
        """The usual sampling interval (median spacing of the reference audio; else 5 s)."""
        if "interval" not in self._cache:
            _, part = self.audio()
            if len(part) < 2:
                for kind in ("video", "screenshare"):
                    for direction in ("producer", "consumer"):
                        if len(part) < 2:
                            part = self.track(kind, direction)
            value = pd.Timedelta(seconds=5)
            if len(part) >= 2:
                ns = part.known_ns()
                steps = np.diff(ns)
                steps = steps[steps > 0]
                if steps.size:
                    value = pd.Timedelta(int(np.median(steps)), unit="ns")
            self._cache["interval"] = value
        return self._cache["interval"]

    def windows(
        self,
        kind: str,
        column: str,
        flag: Callable[[np.ndarray], np.ndarray],
        directions: Sequence[str] = ("producer", "consumer"),
        min_samples: int = WINDOW_MIN_SAMPLES,
    ) -> list[Window]:
        """Windows of consecutive samples where ``flag(values)`` holds, found per track of
        ``kind`` in each direction and merged where they overlap."""
        found: list[Window] = []
        for direction in directions:
            part = self.track(kind, direction)
            if not len(part):
                continue
            values = part[column]
            with np.errstate(invalid="ignore"):
                mask = np.asarray(flag(values), dtype=bool) & ~np.isnan(values)
            found.extend(
                find_windows(
                    part["timestamp"],
                    values,
                    mask,
                    interval=self.interval(),
                    min_samples=min_samples,
                    stay_start=self.stay_start,
                )
            )
        return merge_windows(found)


Rule = Callable[[Context], list[Finding]]


# =============================================================================================
# Helpers
# =============================================================================================


def _ts(value: Any) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _num(value: Any) -> float | None:
    """A finite float, or None (NaN, NA and None alike)."""
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def fmt_clock(value: pd.Timestamp | None) -> str:
    """``10:40:05`` (UTC); ``?`` for an unknown time."""
    return "?" if value is None else value.tz_convert("UTC").strftime("%H:%M:%S")


def fmt_span(start: pd.Timestamp | None, end: pd.Timestamp | None) -> str:
    """``10:40:05-10:41:30 UTC (85 s)``."""
    if start is None or end is None:
        return "at an unknown time"
    seconds = max(0.0, (end - start).total_seconds())
    length = f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"
    return f"{fmt_clock(start)}-{fmt_clock(end)} UTC ({length})"


def find_windows(
    times: pd.Series,
    values: np.ndarray,
    mask: np.ndarray,
    *,
    interval: pd.Timedelta,
    min_samples: int = WINDOW_MIN_SAMPLES,
    stay_start: pd.Timestamp | None = None,
) -> list[Window]:
    """Runs of at least ``min_samples`` consecutive flagged samples of one track.

    A gap longer than :data:`GAP_INTERVALS` sampling intervals between two samples ends a run.
    A window starts one ``interval`` before its first sample (the span that sample measured,
    never before ``stay_start``) and ends at its last sample.
    """
    stamps = pd.DatetimeIndex(times)
    flagged = np.flatnonzero(mask)
    if flagged.size == 0:
        return []
    gap_ns = (interval * GAP_INTERVALS).value
    ns = stamps.asi8
    # A run goes on while the next flagged sample is the next sample, no later than the gap.
    goes_on = (np.diff(flagged) == 1) & (np.diff(ns[flagged]) <= gap_ns)
    breaks = np.flatnonzero(~goes_on)
    firsts = np.concatenate(([flagged[0]], flagged[breaks + 1]))
    lasts = np.concatenate((flagged[breaks], [flagged[-1]]))
    out: list[Window] = []
    for i, j in zip(firsts.tolist(), lasts.tolist(), strict=True):
        if j - i + 1 < min_samples:
            continue
        start = stamps[i] - interval
        if stay_start is not None and start < stay_start:
            start = stay_start
        run = values[i : j + 1]
        out.append(
            Window(
                start=start,
                end=stamps[j],
                samples=j - i + 1,
                peak=float(np.nanmax(run)),
                mean=float(np.nanmean(run)),
                low=float(np.nanmin(run)),
            )
        )
    return out


def merge_windows(windows: Iterable[Window]) -> list[Window]:
    """Overlapping windows (from different tracks) merged into one, in time order."""
    ordered = sorted(windows, key=lambda w: w.start)
    merged: list[Window] = []
    for w in ordered:
        if merged and w.start <= merged[-1].end:
            last = merged[-1]
            total = last.samples + w.samples
            merged[-1] = Window(
                start=last.start,
                end=max(last.end, w.end),
                samples=max(last.samples, w.samples),
                peak=max(last.peak, w.peak),
                mean=(last.mean * last.samples + w.mean * w.samples) / total,
                low=min(last.low, w.low),
            )
        else:
            merged.append(w)
    return merged


def _overlaps(w: Window, others: Iterable[Window]) -> bool:
    return any(w.start <= o.end and o.start <= w.end for o in others)


def _window_evidence(windows: Sequence[Window], digits: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "start": w.start.isoformat(),
            "end": w.end.isoformat(),
            "seconds": round(w.seconds, 1),
            "samples": w.samples,
            "peak": round(w.peak, digits),
            "low": round(w.low, digits),
            "mean": round(w.mean, digits),
        }
        for w in windows
    ]


def _window_findings(
    ctx: Context,
    rule: str,
    windows: Sequence[Window],
    severity_of: Callable[[Window], str],
    one: Callable[[Window], str],
    many: Callable[[Sequence[Window]], str],
    extra: dict[str, Any] | None = None,
    digits: int = 1,
) -> list[Finding]:
    """One finding per window, or one recurrent finding over the stay when there are more than
    :data:`MAX_WINDOW_FINDINGS` windows."""
    if not windows:
        return []
    extra = extra or {}
    if len(windows) <= MAX_WINDOW_FINDINGS:
        return [
            Finding(
                rule,
                severity_of(w),
                w.start,
                w.end,
                {**extra, **_window_evidence([w], digits)[0]},
                one(w),
            )
            for w in windows
        ]
    worst = max(SEVERITIES.index(severity_of(w)) for w in windows)
    start = ctx.stay_start or windows[0].start
    end = ctx.stay_end or windows[-1].end
    evidence = {
        **extra,
        "windows": len(windows),
        "seconds_total": round(sum(w.seconds for w in windows), 1),
        "peak": round(max(w.peak for w in windows), digits),
        "details": _window_evidence(windows, digits),
    }
    return [Finding(rule, SEVERITIES[worst], start, end, evidence, many(windows))]


def _stay(ctx: Context) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    return ctx.stay_start, ctx.stay_end


def _longest(windows: Sequence[Window]) -> Window:
    return max(windows, key=lambda w: (w.seconds, w.peak))


def _share(values: np.ndarray, flag: np.ndarray) -> float:
    valid = ~np.isnan(values)
    return float(flag[valid].mean()) if valid.any() else 0.0


# =============================================================================================
# The rules
# =============================================================================================


def rule_no_data(ctx: Context) -> list[Finding]:
    """No quality samples at all: nothing can be judged (the verdict becomes "unknown")."""
    if ctx.tracks.samples:
        return []
    stay = _num(ctx.summary.get("stay_min"))
    length = f" (stay {stay:.1f} min)" if stay is not None else ""
    start, end = _stay(ctx)
    return [
        Finding(
            "no_data",
            "info",
            start,
            end,
            {"samples": 0, "stay_min": _r(stay, 2)},
            f"The report has no quality samples{length}; the peer may have left before media "
            "connected, so ask the user whether they could join at all.",
        )
    ]


def rule_transport(ctx: Context) -> list[Finding]:
    """TURN relay and/or TCP on the nominated candidate pair."""
    kinds = _transports(ctx)
    if not kinds:
        return []
    tcp = [k for k in kinds if k.endswith("/tcp") or k.endswith("/tls")]
    relay = [k for k in kinds if k.startswith("relay/")]
    if not tcp and not relay:
        return []
    chosen = (tcp or relay)[0]
    rtt_p90 = _num(ctx.summary.get("rtt_p90_ms"))
    jitter = _num(ctx.summary.get("jitter_avg_ms"))
    udp_blocked = _udp_blocked(ctx)
    evidence = {
        "connection_type": chosen,
        "rtt_p90_ms": _r(rtt_p90),
        "jitter_avg_ms": _r(jitter),
        "udp_blocked_precall": udp_blocked,
    }
    numbers = ", ".join(
        p
        for p in (
            f"RTT p90 {rtt_p90:.0f} ms" if rtt_p90 is not None else "",
            f"jitter {jitter:.0f} ms avg" if jitter is not None else "",
        )
        if p
    )
    numbers = f"; {numbers}" if numbers else ""
    start, end = _stay(ctx)
    if tcp:
        what = "a TURN relay over TCP" if chosen.startswith("relay/") else "TCP"
        hint = " (the pre-call test found no UDP path)" if udp_blocked else ""
        jitter_p50 = ctx.audio_quantile("jitter_ms", 0.5)
        hurts = (rtt_p90 is not None and rtt_p90 >= RTT_POOR_MS) or (
            jitter_p50 is not None and jitter_p50 >= JITTER_POOR_MS
        )
        return [
            Finding(
                "transport",
                "critical" if hurts else RELAY_TCP_SEVERITY,
                start,
                end,
                evidence,
                f"Peer was on {what} for the whole call{numbers}{hint}. Check that the "
                "firewall allows UDP 3478 and the media port range, or at least UDP 443.",
            )
        ]
    return [
        Finding(
            "transport",
            RELAY_UDP_SEVERITY,
            start,
            end,
            evidence,
            f"Peer's media went through a TURN relay over UDP{numbers}; a direct path would be "
            "shorter, so check whether a VPN or NAT blocks peer-to-SFU UDP.",
        )
    ]


def rule_loss_burst(ctx: Context) -> list[Finding]:
    """Windows of consecutive audio samples with loss >= LOSS_BURST_PCT (either direction)."""
    windows = _loss_windows(ctx)

    def severity(w: Window) -> str:
        return "critical" if w.mean >= LOSS_SEVERE_PCT else "warning"

    def one(w: Window) -> str:
        return (
            f"Packet loss burst of {w.mean:.0f} % (peak {w.peak:.0f} %) {fmt_span(w.start, w.end)}"
            ", heard as dropouts; check the peer's Wi-Fi or mobile signal at that time."
        )

    def many(ws: Sequence[Window]) -> str:
        share = _loss_share(ctx, LOSS_BURST_PCT)
        longest = _longest(ws)
        return (
            f"Recurrent packet loss bursts >= {LOSS_BURST_PCT:.0f} %: {len(ws)} windows, "
            f"{100 * share:.0f} % of samples, longest {fmt_span(longest.start, longest.end)}; "
            "move closer to the access point or use a wired or less loaded network."
        )

    return _window_findings(
        ctx, "loss_burst", windows, severity, one, many, {"threshold_pct": LOSS_BURST_PCT}
    )


def rule_high_loss(ctx: Context) -> list[Finding]:
    """Loss over the whole stay: the average, and the share of samples in the API's 5 % band."""
    avg = _num(ctx.summary.get("loss_avg_pct"))
    share5 = _num(ctx.summary.get("loss_share_over_5"))
    if avg is None:
        return []
    if avg >= LOSS_POOR_PCT:
        severity = "critical"
    elif avg >= LOSS_FAIR_PCT or (share5 is not None and share5 >= LOSS_SHARE_OVER_POOR):
        severity = "warning"
    else:
        return []
    start, end = _stay(ctx)
    share_text = f", {100 * share5:.0f} % of samples >= 5 %" if share5 is not None else ""
    return [
        Finding(
            "high_loss",
            severity,
            start,
            end,
            {
                "loss_avg_pct": _r(avg, 2),
                "loss_share_over_5": _r(share5, 3),
                "loss_share_over_10": _r(_num(ctx.summary.get("loss_share_over_10")), 3),
                "threshold_pct": LOSS_POOR_PCT if severity == "critical" else LOSS_FAIR_PCT,
            },
            f"Packet loss averaged {avg:.1f} %{share_text}, more than Opus FEC hides; check "
            "the peer's network (congested Wi-Fi, weak mobile signal) or suggest a wired link.",
        )
    ]


def rule_rtt_spike(ctx: Context) -> list[Finding]:
    """Windows of audio RTT >= RTT_POOR_MS and >= RTT_SPIKE_FACTOR x the peer's median."""
    windows = _rtt_windows(ctx)

    def severity(w: Window) -> str:
        return "critical" if w.mean >= RTT_UNACCEPTABLE_MS else "warning"

    def one(w: Window) -> str:
        return (
            f"RTT spiked to {w.mean:.0f} ms (peak {w.peak:.0f} ms) {fmt_span(w.start, w.end)}, "
            "causing talk-over; look for an upload or other traffic filling the link then "
            "(bufferbloat)."
        )

    def many(ws: Sequence[Window]) -> str:
        longest = _longest(ws)
        return (
            f"RTT spiked past {RTT_POOR_MS:.0f} ms {len(ws)} times, longest "
            f"{fmt_span(longest.start, longest.end)} at {longest.mean:.0f} ms; look for "
            "competing traffic on the peer's link (bufferbloat) or a flaky path."
        )

    median = ctx.audio_quantile("rtt_ms", 0.5)
    return _window_findings(
        ctx,
        "rtt_spike",
        windows,
        severity,
        one,
        many,
        {"threshold_ms": max(RTT_POOR_MS, RTT_SPIKE_FACTOR * (median or 0.0))},
        digits=0,
    )


def rule_high_rtt(ctx: Context) -> list[Finding]:
    """RTT over the whole stay: the median against 150 ms (warning) and 300 ms (critical)."""
    p50 = ctx.audio_quantile("rtt_ms", 0.5)
    p90 = _num(ctx.summary.get("rtt_p90_ms"))
    if p50 is None or p50 < RTT_FAIR_MS:
        return []  # a high p90 over a low median is spikes: rule_rtt_spike reports those
    severity = "critical" if p50 >= RTT_POOR_MS else "warning"
    start, end = _stay(ctx)
    where = _where(ctx)
    p90_text = f", p90 {p90:.0f} ms" if p90 is not None else ""
    return [
        Finding(
            "high_rtt",
            severity,
            start,
            end,
            {
                "rtt_p50_ms": _r(p50),
                "rtt_p90_ms": _r(p90),
                "rtt_avg_ms": _r(_num(ctx.summary.get("rtt_avg_ms"))),
                "threshold_ms": RTT_POOR_MS if severity == "critical" else RTT_FAIR_MS,
            },
            f"Round-trip time was high for the call (median {p50:.0f} ms{p90_text}{where}), "
            "so people talk over each other; check that the peer reaches a nearby media region "
            "and is not on a VPN, relay or satellite/3G link.",
        )
    ]


def rule_high_jitter(ctx: Context) -> list[Finding]:
    """Audio jitter over the whole stay (median) against 30/50 ms."""
    p50 = ctx.audio_quantile("jitter_ms", 0.5)
    if p50 is None or p50 < JITTER_FAIR_MS:
        return []
    severity = "critical" if p50 >= JITTER_POOR_MS else "warning"
    p90 = _num(ctx.summary.get("jitter_p90_ms"))
    start, end = _stay(ctx)
    p90_text = f", p90 {p90:.0f} ms" if p90 is not None else ""
    return [
        Finding(
            "high_jitter",
            severity,
            start,
            end,
            {
                "jitter_p50_ms": _r(p50),
                "jitter_p90_ms": _r(p90),
                "threshold_ms": JITTER_POOR_MS if severity == "critical" else JITTER_FAIR_MS,
            },
            f"Audio jitter was high (median {p50:.0f} ms{p90_text}), which adds delay and "
            "choppy audio; typical of congested Wi-Fi, cellular or TCP paths, so try a wired or "
            "less loaded network.",
        )
    ]


def rule_low_mos(ctx: Context) -> list[Finding]:
    """MOS over the whole stay: the average against 4.0, the median against 3.6."""
    avg = _num(ctx.summary.get("mos_avg"))
    p50 = _num(ctx.summary.get("mos_p50"))
    if avg is None:
        return []
    if p50 is not None and p50 < MOS_POOR:
        severity = "critical"
    elif avg < MOS_GOOD:
        severity = "warning"
    else:
        return []
    p10 = _num(ctx.summary.get("mos_p10"))
    cause = _mos_cause(ctx)
    start, end = _stay(ctx)
    p10_text = f", p10 {p10:.2f}" if p10 is not None else ""
    return [
        Finding(
            "low_mos",
            severity,
            start,
            end,
            {
                "mos_avg": _r(avg, 2),
                "mos_p50": _r(p50, 2),
                "mos_p10": _r(p10, 2),
                "threshold": MOS_POOR if severity == "critical" else MOS_GOOD,
            },
            f"Audio quality was {'poor' if severity == 'critical' else 'fair'} for the call "
            f"(MOS {avg:.2f} average{p10_text}){cause}; see the other findings for what to fix.",
        )
    ]


def rule_mos_dip(ctx: Context) -> list[Finding]:
    """Windows of audio MOS < MOS_POOR not already explained by a loss burst or RTT spike, on a
    call whose median MOS is fine (else they are the call, not dips)."""
    median = _num(ctx.summary.get("mos_p50"))
    if median is None or median < MOS_POOR:
        return []  # low for most of the call: rule_low_mos says so, these are not dips
    explained = _loss_windows(ctx) + _rtt_windows(ctx)
    windows = [
        w
        for w in ctx.windows("audio", "mos", lambda v: v < MOS_POOR)
        if not _overlaps(w, explained)
    ]

    def severity(w: Window) -> str:
        if w.seconds < MOS_DIP_MIN_S:
            return "info"
        return "critical" if w.mean < MOS_BAD else "warning"

    def one(w: Window) -> str:
        return (
            f"Audio quality dipped to MOS {w.mean:.2f} (low {w.low:.2f}) "
            f"{fmt_span(w.start, w.end)}; check the loss, RTT and jitter at that time."
        )

    def many(ws: Sequence[Window]) -> str:
        longest = _longest(ws)
        return (
            f"Audio quality dipped below MOS {MOS_POOR} {len(ws)} times, longest "
            f"{fmt_span(longest.start, longest.end)}; the network was unstable, so check "
            "loss, RTT and jitter over time."
        )

    return _window_findings(
        ctx, "mos_dip", windows, severity, one, many, {"threshold": MOS_POOR}, digits=2
    )


def rule_reconnection(ctx: Context) -> list[Finding]:
    """Reconnecting/reconnected events, and gaps in the samples no event explains."""
    out: list[Finding] = []
    pairs = _reconnections(ctx)
    for start, end in pairs:
        seconds = (end - start).total_seconds() if start is not None and end is not None else None
        severity = "critical" if len(pairs) >= RECONNECTIONS_CRITICAL else "warning"
        length = f" for {seconds:.0f} s" if seconds is not None else ""
        out.append(
            Finding(
                "reconnection",
                severity,
                start,
                end,
                {"reconnections": len(pairs), "seconds": _r(seconds)},
                f"Peer lost its connection at {fmt_clock(start)} UTC and was away{length} "
                "until it reconnected, unheard and unseen; check for Wi-Fi roaming, a mobile "
                "handover or a VPN reconnecting.",
            )
        )
    for start, end in _unexplained_gaps(ctx, pairs):
        seconds = (end - start).total_seconds()
        out.append(
            Finding(
                "reconnection",
                "warning",
                start,
                end,
                {"gap_s": round(seconds, 1), "reconnections": len(pairs)},
                f"No media stats for {seconds:.0f} s ({fmt_span(start, end)}): the connection "
                "probably dropped; check the peer's network stability at that time.",
            )
        )
    return out


def rule_video(ctx: Context) -> list[Finding]:
    """Camera video held at low frame rate or far below its resolution, and why
    (``quality_limitation_reason``: bandwidth or cpu)."""
    out: list[Finding] = []
    for direction in ("producer", "consumer"):
        part = ctx.track("video", direction)
        if len(part) < WINDOW_MIN_SAMPLES:
            continue
        fps = part["fps"]
        height = part["frame_height"]
        reason = part["limitation"]
        limited = np.isin(reason, ("bandwidth", "cpu"))
        top = np.nanmax(height) if np.isfinite(height).any() else np.nan
        with np.errstate(invalid="ignore"):
            low_fps = fps < VIDEO_MIN_FPS
            low_res = height <= VIDEO_HEIGHT_DROP_RATIO * top
        degraded = limited & (low_fps | low_res)
        share = float(degraded.mean())
        if share < VIDEO_DEGRADED_SHARE:
            continue
        cpu = int((degraded & (reason == "cpu")).sum())
        bandwidth = int((degraded & (reason == "bandwidth")).sum())
        cause = "cpu" if cpu > bandwidth else "bandwidth"
        fps_p50 = float(np.nanmedian(fps[degraded])) if np.isfinite(fps[degraded]).any() else None
        h_p50 = (
            float(np.nanmedian(height[degraded])) if np.isfinite(height[degraded]).any() else None
        )
        what = "Sent" if direction == "producer" else "Received"
        shape = " at ".join(
            p
            for p in (
                f"{h_p50:.0f}p" if h_p50 is not None else "",
                f"{fps_p50:.0f} fps" if fps_p50 is not None else "",
            )
            if p
        )
        if cause == "cpu":
            action = (
                "the device could not keep up, so close other apps and tabs, or turn off "
                "background effects or video on this device"
            )
        elif direction == "producer":
            action = "the uplink was too slow, so suggest a better network or audio only"
        else:
            action = "the downlink was too slow, so suggest a better network or fewer videos"
        start, end = _stay(ctx)
        out.append(
            Finding(
                "video",
                "warning",
                start,
                end,
                {
                    "direction": direction,
                    "cause": cause,
                    "degraded_share": round(share, 3),
                    "fps_p50": _r(fps_p50),
                    "height_p50": _r(h_p50, 0),
                    "height_max": _r(_num(top), 0),
                    "cpu_samples": cpu,
                    "bandwidth_samples": bandwidth,
                },
                f"{what} video was {_CAUSE_WORDS[cause]}-limited ({shape}) for "
                f"{100 * share:.0f} % of the call; {action}.",
            )
        )
    return out


def rule_device_switch(ctx: Context) -> list[Finding]:
    """Microphone/camera/speaker changes during the call (device-update lists and events)."""
    switches = _device_switches(ctx)
    if not switches:
        return []
    kinds = sorted({kind for _, kind, _ in switches})
    words = " and ".join(_DEVICE_KIND_WORDS.get(k, k or "device") for k in kinds) or "device"
    steps = ", ".join(
        f"{fmt_clock(t)} {label}" if label else fmt_clock(t) for t, _, label in switches[:4]
    )
    more = ", ..." if len(switches) > 4 else ""
    start = switches[0][0]
    end = switches[-1][0]
    times = "time" if len(switches) == 1 else "times"
    return [
        Finding(
            "device_switch",
            "warning",
            start,
            end,
            {
                "switches": len(switches),
                "kinds": kinds,
                "details": [
                    {"timestamp": t.isoformat(), "kind": k, "label": label}
                    for t, k, label in switches
                ],
            },
            f"Peer switched {words} {len(switches)} {times} during the call ({steps}{more} "
            "UTC); each switch interrupts the media, so if others lost their audio or video "
            "then, have the user pick devices before joining.",
        )
    ]


def rule_weak_device(ctx: Context) -> list[Finding]:
    """Few CPU cores or little memory (warning); a phone with few cores sending video (info)."""
    cpus = _num(ctx.summary.get("cpus"))
    memory = _num(ctx.summary.get("memory_gb"))
    mobile = ctx.summary.get("is_mobile")
    mobile = bool(mobile) if mobile is not None and mobile is not pd.NA else None
    device = ctx.summary.get("device")
    device = device if isinstance(device, str) else "device"
    weak = (cpus is not None and cpus <= WEAK_DEVICE_MAX_CPUS) or (
        memory is not None and memory <= WEAK_DEVICE_MAX_MEMORY_GB
    )
    sends_video = len(ctx.track("video", "producer")) > 0
    evidence = {"cpus": _r(cpus, 0), "memory_gb": memory, "is_mobile": mobile}
    start, end = _stay(ctx)
    if weak:
        return [
            Finding(
                "weak_device",
                "warning",
                start,
                end,
                evidence,
                f"Low-end device ({device}), prone to CPU-limited encoding and decoding; "
                "suggest closing other apps, turning video off, or joining from a laptop.",
            )
        ]
    if mobile and sends_video and cpus is not None and cpus <= MOBILE_VIDEO_MAX_CPUS:
        return [
            Finding(
                "weak_device",
                "info",
                start,
                end,
                evidence,
                f"Mobile device with {cpus:.0f} cores sending video ({device}); if its frame "
                "rate drops, suggest turning video off on the phone.",
            )
        ]
    return []


def rule_precall(ctx: Context) -> list[Finding]:
    """The pre-call network test against the in-call thresholds and a minimum throughput."""
    precall = ctx.report.precall if ctx.report is not None else None
    if precall is None:
        return []
    problems: list[str] = []
    rtt = _num(precall.rtt)
    jitter = _num(precall.jitter)
    loss = _num(precall.fractional_loss)
    loss_pct = None if loss is None else 100.0 * loss
    throughput = _num(precall.throughput_kbps)
    if rtt is not None and rtt >= RTT_POOR_MS:
        problems.append(f"RTT {rtt:.0f} ms")
    if jitter is not None and jitter >= JITTER_POOR_MS:
        problems.append(f"jitter {jitter:.0f} ms")
    if loss_pct is not None and loss_pct >= LOSS_POOR_PCT:
        problems.append(f"loss {loss_pct:.1f} %")
    if throughput is not None and throughput < PRECALL_MIN_THROUGHPUT_KBPS:
        problems.append(f"throughput {throughput:.0f} kbps")
    if not problems:
        return []
    start, end = _stay(ctx)
    network = precall.effective_networktype
    on = f" on {network}" if network else ""
    return [
        Finding(
            "precall",
            "warning",
            start,
            end,
            {
                "rtt_ms": _r(rtt),
                "jitter_ms": _r(jitter),
                "loss_pct": _r(loss_pct, 2),
                "throughput_kbps": _r(throughput, 0),
                "network": network,
                "reflexive_connectivity": precall.reflexive_connectivity,
            },
            f"The pre-call test already showed a poor network{on} ({', '.join(problems)}); "
            "suggest a better connection before joining, or audio only.",
        )
    ]


# Priority order: it breaks ties between findings of the same severity (the first is the top
# finding). Network causes first, then their symptoms, then the device and the pre-call test.
RULES: tuple[Rule, ...] = (
    rule_transport,
    rule_loss_burst,
    rule_high_loss,
    rule_rtt_spike,
    rule_high_rtt,
    rule_high_jitter,
    rule_reconnection,
    rule_video,
    rule_low_mos,
    rule_mos_dip,
    rule_device_switch,
    rule_weak_device,
    rule_precall,
    rule_no_data,
)


def rule_name(rule: Rule) -> str:
    """The id a rule's findings carry (``rule_loss_burst`` -> ``loss_burst``)."""
    name = getattr(rule, "__name__", str(rule))
    return name.removeprefix("rule_")


# =============================================================================================
# Rule internals
# =============================================================================================


def _transports(ctx: Context) -> list[str]:
    """``relay/tcp``-style transports of the nominated pairs (producing, then consuming)."""
    out: list[str] = []
    report = ctx.report
    meta = report.metadata if report is not None else None
    pairs = meta.candidate_pairs if meta is not None else None
    for group in (
        (pairs.producing_transport if pairs is not None else None) or [],
        (pairs.consuming_transport if pairs is not None else None) or [],
    ):
        for pair in group:
            if not pair.nominated:
                continue
            kind = pair.transport
            url = (pair.local_candidate_url or "").lower()
            if kind and url.startswith("turns:"):
                kind = kind.split("/")[0] + "/tls"
            if kind and kind not in out:
                out.append(kind)
    summary_kind = ctx.summary.get("connection_type")
    if isinstance(summary_kind, str) and summary_kind and summary_kind not in out:
        out.append(summary_kind)
    return out


def _udp_blocked(ctx: Context) -> bool | None:
    precall = ctx.report.precall if ctx.report is not None else None
    if precall is None or precall.reflexive_connectivity is None:
        return None
    return not precall.reflexive_connectivity


def _where(ctx: Context) -> str:
    location = ctx.summary.get("location")
    return f", from {location}" if isinstance(location, str) and location else ""


def _loss_windows(ctx: Context) -> list[Window]:
    key = "loss_windows"
    if key not in ctx._cache:
        ctx._cache[key] = ctx.windows("audio", "loss_pct", lambda v: v >= LOSS_BURST_PCT)
    return ctx._cache[key]


def _rtt_windows(ctx: Context) -> list[Window]:
    key = "rtt_windows"
    if key not in ctx._cache:
        median = ctx.audio_quantile("rtt_ms", 0.5) or 0.0
        threshold = max(RTT_POOR_MS, RTT_SPIKE_FACTOR * median)
        ctx._cache[key] = ctx.windows("audio", "rtt_ms", lambda v: v >= threshold)
    return ctx._cache[key]


def _loss_share(ctx: Context, threshold: float) -> float:
    _, part = ctx.audio()
    values = part["loss_pct"]
    with np.errstate(invalid="ignore"):
        return _share(values, values >= threshold)


def _mos_cause(ctx: Context) -> str:
    """``, mostly from packet loss`` etc.: which E-model impairment dominated."""
    loss = _num(ctx.summary.get("loss_avg_pct"))
    rtt = _num(ctx.summary.get("rtt_avg_ms"))
    jitter = _num(ctx.summary.get("jitter_avg_ms"))
    if loss is None or rtt is None or jitter is None:
        return ""
    # The two impairments of the E-model (G.107, Cole & Rosenbluth simplification), with the
    # G.711+PLC figures of G.113 Appendix I (Ie 0, Bpl 25.1), as the simulator and most
    # monitoring tools use them. Only used to name the dominant cause in the message.
    d = rtt / 2.0 + 2.0 * jitter + 10.0
    delay = 0.024 * d + 0.11 * max(0.0, d - 177.3)
    loss_imp = 95.0 * loss / (loss + 25.1)
    if max(delay, loss_imp) < 3.0:
        return ""
    return ", mostly from packet loss" if loss_imp >= delay else ", mostly from delay and jitter"


def _event_time(value: Any) -> pd.Timestamp | None:
    try:
        return _ts(value)
    except (TypeError, ValueError):
        return None


def _reconnections(ctx: Context) -> list[tuple[pd.Timestamp | None, pd.Timestamp | None]]:
    """(reconnecting, reconnected) times from the peer's events, in order."""
    report = ctx.report
    if report is None:
        return []
    pairs: list[tuple[pd.Timestamp | None, pd.Timestamp | None]] = []
    open_at: pd.Timestamp | None = None
    pending = False
    for event in report.events:
        label = (event.label or "").lower()
        when = _event_time(event.timestamp)
        if label in _RECONNECTING:
            if pending:
                pairs.append((open_at, None))
            open_at, pending = when, True
        elif label in _RECONNECTED:
            pairs.append((open_at if pending else None, when))
            open_at, pending = None, False
    if pending:
        pairs.append((open_at, None))
    return pairs


def _unexplained_gaps(
    ctx: Context, pairs: Sequence[tuple[pd.Timestamp | None, pd.Timestamp | None]]
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Gaps in the reference audio longer than GAP_INTERVALS intervals and MIN_GAP_S seconds
    that no reconnection event overlaps."""
    _, part = ctx.audio()
    if len(part) < 2:
        return []
    ns = np.unique(part.known_ns())  # sorted, as the gaps need
    limit = max(ctx.interval() * GAP_INTERVALS, pd.Timedelta(seconds=MIN_GAP_S))
    out = []
    for i in np.flatnonzero(np.diff(ns) > limit.value):  # a handful: box only these
        a, b = pd.Timestamp(int(ns[i]), tz="UTC"), pd.Timestamp(int(ns[i + 1]), tz="UTC")
        covered = any(
            (s is None or s <= b) and (e is None or e >= a) and (s is not None or e is not None)
            for s, e in pairs
        )
        if not covered:
            out.append((a, b))
    return out


def _device_switches(ctx: Context) -> list[tuple[pd.Timestamp, str, str]]:
    """(time, kind, label) of each device change after the initial selection."""
    report = ctx.report
    meta = report.metadata if report is not None else None
    joined = ctx.stay_start
    grace = pd.Timedelta(seconds=DEVICE_SWITCH_GRACE_S)

    def after_grace(when: pd.Timestamp | None) -> bool:
        return when is not None and (joined is None or when >= joined + grace)

    found: list[tuple[pd.Timestamp, str, str]] = []
    # 1. The selected-device list: one entry per selection.
    for item in (meta.selected_device_updates if meta is not None else None) or []:
        if not isinstance(item, dict):
            continue
        when = _event_time(item.get("timestamp"))
        device = item.get("device") if isinstance(item.get("device"), dict) else {}
        if after_grace(when):
            found.append((when, str(device.get("kind") or ""), str(device.get("label") or "")))
    # 2. Device events (when the selected list is absent).
    if not found and report is not None:
        for event in report.events:
            if (event.label or "").lower() not in _DEVICE_EVENTS:
                continue
            when = _event_time(event.timestamp)
            extra = dict(event.metadata.model_extra or {}) if event.metadata is not None else {}
            if after_grace(when):
                found.append((when, str(extra.get("kind") or ""), str(extra.get("label") or "")))
    # 3. Added/removed device lists (when neither of the above says anything).
    if not found and meta is not None:
        lists = (
            ("audioinput", meta.audio_devices_updates),
            ("videoinput", meta.video_devices_updates),
            ("audiooutput", meta.speaker_devices_updates),
        )
        for kind, updates in lists:
            for item in updates or []:
                if not isinstance(item, dict):
                    continue
                when = _event_time(item.get("timestamp"))
                added = [d for d in item.get("added") or [] if isinstance(d, dict)]
                label = str(added[0].get("label") or "") if added else "device removed"
                if after_grace(when):
                    found.append((when, kind, label))
    found.sort(key=lambda t: t[0])
    return found
