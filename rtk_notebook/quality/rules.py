"""The diagnosis rules.

Every threshold they use lives in :mod:`rtk_notebook.quality.thresholds`, each with its source
(``docs/quality-sources.md`` gathers them).

A rule is a small function ``rule(ctx: Context) -> list[Finding]``; :data:`RULES` lists them in
priority order (the order breaks ties between findings of the same severity). The
:class:`~rtk_notebook.quality.context.Context` gives every rule the same view of one peer: its
samples per track as numpy columns (:class:`rtk_notebook.quality.tracks.Tracks`), the summary
row as a dict and the parsed report (for metadata: device, candidate pairs, events, device
updates, pre-call test); :mod:`rtk_notebook.quality.windows` finds the runs of flagged samples.

Pure analysis: no HTTP, no plotting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from rtk_notebook.frames.scalars import utc_timestamp
from rtk_notebook.frames.schemas import DIRECTION_LABELS, LIMITATION_LABELS
from rtk_notebook.models._coerce import to_float
from rtk_notebook.quality.context import SEVERITIES, Context, Finding, Rule
from rtk_notebook.quality.thresholds import (
    DEVICE_SWITCH_GRACE_S,
    GAP_INTERVALS,
    JITTER_FAIR_MS,
    JITTER_POOR_MS,
    LOSS_BURST_PCT,
    LOSS_FAIR_PCT,
    LOSS_POOR_PCT,
    LOSS_SEVERE_PCT,
    LOSS_SHARE_OVER_POOR,
    MAX_WINDOW_FINDINGS,
    MIN_GAP_S,
    MOBILE_VIDEO_MAX_CPUS,
    MOS_BAD,
    MOS_DIP_MIN_S,
    MOS_GOOD,
    MOS_POOR,
    PRECALL_MIN_THROUGHPUT_KBPS,
    RECONNECTIONS_CRITICAL,
    RELAY_TCP_SEVERITY,
    RELAY_UDP_SEVERITY,
    RTT_FAIR_MS,
    RTT_POOR_MS,
    RTT_SPIKE_FACTOR,
    RTT_UNACCEPTABLE_MS,
    VIDEO_DEGRADED_SHARE,
    VIDEO_HEIGHT_DROP_RATIO,
    VIDEO_MIN_FPS,
    WEAK_DEVICE_MAX_CPUS,
    WEAK_DEVICE_MAX_MEMORY_GB,
    WINDOW_MIN_SAMPLES,
)
from rtk_notebook.quality.tracks import mean
from rtk_notebook.quality.windows import Window, fmt_clock, fmt_span

__all__ = [
    "RULES",
    "rule_name",
]


_RECONNECTING = frozenset(
    {"reconnecting", "ice_disconnected", "disconnected", "media_reconnecting"}
)
_RECONNECTED = frozenset({"reconnected", "ice_reconnected", "media_reconnected"})
_DEVICE_EVENTS = frozenset({"device_switch", "device_changed", "device_change"})
# Made once: a Timedelta from seconds costs more than the comparisons that use it.
_MIN_GAP = pd.Timedelta(seconds=MIN_GAP_S)
_DEVICE_SWITCH_GRACE = pd.Timedelta(seconds=DEVICE_SWITCH_GRACE_S)
_DEVICE_KIND_WORDS = {
    "audioinput": "microphone",
    "videoinput": "camera",
    "audiooutput": "speaker",
}


# =============================================================================================
# Helpers
# =============================================================================================


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


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
    return mean(flag[valid]) if valid.any() else 0.0


# =============================================================================================
# The rules
# =============================================================================================


def rule_no_data(ctx: Context) -> list[Finding]:
    """No quality samples at all: nothing can be judged (the verdict becomes "unknown")."""
    if ctx.tracks.samples:
        return []
    stay = to_float(ctx.summary.get("stay_min"))
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
    rtt_p90 = to_float(ctx.summary.get("rtt_p90_ms"))
    jitter_p50 = ctx.audio_quantile("jitter_ms", 0.5)
    udp_blocked = _udp_blocked(ctx)
    evidence = {
        "connection_type": chosen,
        "rtt_p90_ms": _r(rtt_p90),
        "jitter_p50_ms": _r(jitter_p50),
        "udp_blocked_precall": udp_blocked,
    }
    # The statistics the severity below is judged on: RTT p90 and the median jitter.
    numbers = ", ".join(
        p
        for p in (
            f"RTT p90 {rtt_p90:.0f} ms" if rtt_p90 is not None else "",
            f"jitter median {jitter_p50:.0f} ms" if jitter_p50 is not None else "",
        )
        if p
    )
    numbers = f"; {numbers}" if numbers else ""
    start, end = _stay(ctx)
    if tcp:
        what = "a TURN relay over TCP" if chosen.startswith("relay/") else "TCP"
        hint = " (the pre-call test found no UDP path)" if udp_blocked else ""
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
    avg = to_float(ctx.summary.get("loss_avg_pct"))
    share5 = to_float(ctx.summary.get("loss_share_over_5"))
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
                "loss_share_over_10": _r(to_float(ctx.summary.get("loss_share_over_10")), 3),
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
    p90 = to_float(ctx.summary.get("rtt_p90_ms"))
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
                "rtt_avg_ms": _r(to_float(ctx.summary.get("rtt_avg_ms"))),
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
    p90 = to_float(ctx.summary.get("jitter_p90_ms"))
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
    avg = to_float(ctx.summary.get("mos_avg"))
    p50 = to_float(ctx.summary.get("mos_p50"))
    if avg is None:
        return []
    if p50 is not None and p50 < MOS_POOR:
        severity = "critical"
    elif avg < MOS_GOOD:
        severity = "warning"
    else:
        return []
    p10 = to_float(ctx.summary.get("mos_p10"))
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
    median = to_float(ctx.summary.get("mos_p50"))
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
        limited = (reason == "bandwidth") | (reason == "cpu")  # np.isin sorts: 5x slower
        top = np.nanmax(height) if np.isfinite(height).any() else np.nan
        with np.errstate(invalid="ignore"):
            low_fps = fps < VIDEO_MIN_FPS
            low_res = height <= VIDEO_HEIGHT_DROP_RATIO * top
        degraded = limited & (low_fps | low_res)
        share = mean(degraded)
        if share < VIDEO_DEGRADED_SHARE:
            continue
        cpu = int((degraded & (reason == "cpu")).sum())
        bandwidth = int((degraded & (reason == "bandwidth")).sum())
        cause = "cpu" if cpu > bandwidth else "bandwidth"
        fps_p50 = float(np.nanmedian(fps[degraded])) if np.isfinite(fps[degraded]).any() else None
        h_p50 = (
            float(np.nanmedian(height[degraded])) if np.isfinite(height[degraded]).any() else None
        )
        what = DIRECTION_LABELS[direction].capitalize()
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
                    "height_max": _r(to_float(top), 0),
                    "cpu_samples": cpu,
                    "bandwidth_samples": bandwidth,
                },
                f"{what} video was {LIMITATION_LABELS[cause]} ({shape}) for "
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
    cpus = to_float(ctx.summary.get("cpus"))
    memory = to_float(ctx.summary.get("memory_gb"))
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
    rtt = to_float(precall.rtt)
    jitter = to_float(precall.jitter)
    loss = to_float(precall.fractional_loss)
    loss_pct = None if loss is None else 100.0 * loss
    throughput = to_float(precall.throughput_kbps)
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
    loss = to_float(ctx.summary.get("loss_avg_pct"))
    rtt = to_float(ctx.summary.get("rtt_avg_ms"))
    jitter = to_float(ctx.summary.get("jitter_avg_ms"))
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
        return utc_timestamp(value)
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
    for event in ctx.events():
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
    ns = part.known_ns()  # in time order; sorted and unique, as the gaps need:
    if not (ns[1:] > ns[:-1]).all():  # np.unique only where a time repeats (it sorts)
        ns = np.unique(ns)
    limit = max(ctx.interval() * GAP_INTERVALS, _MIN_GAP)
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
    grace = _DEVICE_SWITCH_GRACE

    def after_grace(when: pd.Timestamp) -> bool:
        return joined is None or when >= joined + grace

    found: list[tuple[pd.Timestamp, str, str]] = []
    # 1. The selected-device list: one entry per selection.
    for item in (meta.selected_device_updates if meta is not None else None) or []:
        if not isinstance(item, dict):
            continue
        when = _event_time(item.get("timestamp"))
        device = item.get("device")
        device = device if isinstance(device, dict) else {}
        if when is not None and after_grace(when):
            found.append((when, str(device.get("kind") or ""), str(device.get("label") or "")))
    # 2. Device events (when the selected list is absent).
    if not found and report is not None:
        for event in ctx.events():
            if (event.label or "").lower() not in _DEVICE_EVENTS:
                continue
            when = _event_time(event.timestamp)
            extra = dict(event.metadata.model_extra or {}) if event.metadata is not None else {}
            if when is not None and after_grace(when):
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
                if when is not None and after_grace(when):
                    found.append((when, kind, label))
    found.sort(key=lambda t: t[0])
    return found
