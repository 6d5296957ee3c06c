"""Why a verdict is what it is, in words a person reads: :func:`verdict_reason`.

Each finding becomes a short phrase from its own numbers (:func:`finding_phrase`: ``TURN
relay over TCP``, ``loss bursts 14 % of the call``); the reason is the verdict followed by the
phrases of the findings that decided it (the critical ones for ``poor``, the warnings for
``fair``). A peer rated poor at MOS 4.15 next to a fair peer at 4.12 says why in its own row.

Pure analysis: no HTTP, no plotting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rtk_notebook.frames.schemas import DIRECTION_LABELS, LIMITATION_LABELS, RULE_LABELS
from rtk_notebook.models._coerce import to_float
from rtk_notebook.quality.context import Finding

__all__ = ["MAX_REASONS", "finding_phrase", "verdict_reason"]

#: At most this many findings are named in a reason; the rest are counted ("and 2 more").
MAX_REASONS = 3

# The severity whose findings decide each verdict (see analysis.verdict).
_DECIDING = {"poor": "critical", "fair": "warning"}

_PATHS = {
    "relay/tcp": "TURN relay over TCP",
    "relay/tls": "TURN relay over TLS",
    "relay/udp": "TURN relay over UDP",
}


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value < 120 else f"{value / 60:.1f} min"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _stay_share(finding: Finding, seconds: float | None) -> float | None:
    """The share of the finding's span (the stay, for a recurrent finding) ``seconds`` are."""
    if seconds is None or finding.start is None or finding.end is None:
        return None
    span = (finding.end - finding.start).total_seconds()
    return min(1.0, seconds / span) if span > 0 else None


def _transport(f: Finding, ev: Mapping[str, Any]) -> str:
    path = str(ev.get("connection_type") or "")
    if path in _PATHS:
        return _PATHS[path]
    protocol = path.rsplit("/", 1)[-1].upper() or "TCP"
    return f"{protocol} instead of UDP"


def _loss_burst(f: Finding, ev: Mapping[str, Any]) -> str:
    if "windows" in ev:
        share = _stay_share(f, to_float(ev.get("seconds_total")))
        if share is not None:
            return f"loss bursts {100 * share:.0f} % of the call"
        return f"loss bursts {_times(int(ev['windows']))}"
    mean, seconds = to_float(ev.get("mean")), to_float(ev.get("seconds"))
    if mean is None or seconds is None:
        return RULE_LABELS["loss_burst"]
    return f"a loss burst of {mean:.0f} % for {_seconds(seconds)}"


def _high_loss(f: Finding, ev: Mapping[str, Any]) -> str:
    avg = to_float(ev.get("loss_avg_pct"))
    return RULE_LABELS["high_loss"] if avg is None else f"loss {avg:.1f} % on average"


def _rtt_spike(f: Finding, ev: Mapping[str, Any]) -> str:
    if "windows" in ev:
        return f"RTT spikes {_times(int(ev['windows']))}"
    mean, seconds = to_float(ev.get("mean")), to_float(ev.get("seconds"))
    if mean is None or seconds is None:
        return RULE_LABELS["rtt_spike"]
    return f"an RTT spike to {mean:.0f} ms for {_seconds(seconds)}"


def _high_rtt(f: Finding, ev: Mapping[str, Any]) -> str:
    p50 = to_float(ev.get("rtt_p50_ms"))
    return RULE_LABELS["high_rtt"] if p50 is None else f"RTT median {p50:.0f} ms"


def _high_jitter(f: Finding, ev: Mapping[str, Any]) -> str:
    p50 = to_float(ev.get("jitter_p50_ms"))
    return RULE_LABELS["high_jitter"] if p50 is None else f"jitter median {p50:.0f} ms"


def _reconnection(f: Finding, ev: Mapping[str, Any]) -> str:
    gap = to_float(ev.get("gap_s"))
    if gap is not None:
        return f"no media for {_seconds(gap)}"
    n = int(to_float(ev.get("reconnections")) or 1)
    return f"connection lost {_times(n)}"


def _video(f: Finding, ev: Mapping[str, Any]) -> str:
    direction = DIRECTION_LABELS.get(str(ev.get("direction")), "")
    limited = LIMITATION_LABELS.get(str(ev.get("cause")), "limited")
    share = to_float(ev.get("degraded_share"))
    part = f" {100 * share:.0f} % of the call" if share is not None else ""
    return f"{direction} video {limited}{part}".strip()


def _low_mos(f: Finding, ev: Mapping[str, Any]) -> str:
    avg = to_float(ev.get("mos_avg"))
    return RULE_LABELS["low_mos"] if avg is None else f"MOS {avg:.2f} on average"


def _mos_dip(f: Finding, ev: Mapping[str, Any]) -> str:
    if "windows" in ev:
        return f"MOS dips {_times(int(ev['windows']))}"
    mean, seconds = to_float(ev.get("mean")), to_float(ev.get("seconds"))
    if mean is None or seconds is None:
        return RULE_LABELS["mos_dip"]
    return f"a MOS dip to {mean:.2f} for {_seconds(seconds)}"


def _device_switch(f: Finding, ev: Mapping[str, Any]) -> str:
    n = int(to_float(ev.get("switches")) or 1)
    return f"devices switched {_times(n)}"


_PHRASES: dict[str, Callable[[Finding, Mapping[str, Any]], str]] = {
    "transport": _transport,
    "loss_burst": _loss_burst,
    "high_loss": _high_loss,
    "rtt_spike": _rtt_spike,
    "high_rtt": _high_rtt,
    "high_jitter": _high_jitter,
    "reconnection": _reconnection,
    "video": _video,
    "low_mos": _low_mos,
    "mos_dip": _mos_dip,
    "device_switch": _device_switch,
}


def finding_phrase(finding: Finding) -> str:
    """A few words for one finding, from its evidence (``TURN relay over TCP``, ``RTT median
    320 ms``); the rule's label when the evidence lacks the numbers."""
    phrase = _PHRASES.get(finding.rule)
    evidence = finding.evidence if isinstance(finding.evidence, Mapping) else {}
    if phrase is None:
        return RULE_LABELS.get(finding.rule, finding.rule.replace("_", " "))
    return phrase(finding, evidence)


def _listing(findings: Sequence[Finding]) -> str:
    """The phrases of ``findings`` (one per rule, in the given order), at most MAX_REASONS."""
    phrases: list[str] = []
    seen: set[str] = set()
    for finding in findings:
        if finding.rule not in seen:
            seen.add(finding.rule)
            phrases.append(finding_phrase(finding))
    shown = ", ".join(phrases[:MAX_REASONS])
    more = len(phrases) - MAX_REASONS
    return f"{shown} and {more} more" if more > 0 else shown


def verdict_reason(verdict: str, findings: Sequence[Finding]) -> str:
    """One sentence that says why the verdict is what it is: ``poor: TURN relay over TCP,
    loss bursts 14 % of the call``. ``findings`` most severe first, as
    :func:`~rtk_notebook.quality.analysis.run_rules` sorts them."""
    deciding = _DECIDING.get(verdict)
    if deciding is not None:
        return f"{verdict}: {_listing([f for f in findings if f.severity == deciding])}"
    if verdict == "unknown":
        return "unknown: the report has no quality samples to judge"
    if findings:
        return f"{verdict}: nothing above a note ({_listing(findings)})"
    return f"{verdict}: no findings"
