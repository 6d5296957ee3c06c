"""The quality bands the figures draw, from :mod:`rtk_notebook.quality.thresholds`.

Plots sit above the quality layer and import its thresholds directly: change a threshold there
and the rules' findings and the figures' bands follow together.
"""

from __future__ import annotations

import dataclasses

from rtk_notebook.quality import thresholds as limits


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """Band edges the quality figures draw; the defaults are the quality layer's constants.

    Each field is the constant of :mod:`rtk_notebook.quality.thresholds` of the same name in
    upper case (``docs/quality-sources.md`` gives their sources). MOS: good at or above
    ``mos_good``, fair down to ``mos_poor``, poor below it. Loss: good below ``loss_good_pct``,
    fair up to ``loss_poor_pct``, poor above; ``loss_burst_pct`` marks bursts heard as
    dropouts. RTT and jitter: good below ``*_fair_ms``, fair up to ``*_poor_ms``, poor above.
    ``video_min_fps``: a lower frame rate is a visible degradation.
    """

    mos_good: float = limits.MOS_GOOD
    mos_poor: float = limits.MOS_POOR
    loss_good_pct: float = limits.LOSS_GOOD_PCT
    loss_poor_pct: float = limits.LOSS_POOR_PCT
    loss_burst_pct: float = limits.LOSS_BURST_PCT
    rtt_fair_ms: float = limits.RTT_FAIR_MS
    rtt_poor_ms: float = limits.RTT_POOR_MS
    jitter_fair_ms: float = limits.JITTER_FAIR_MS
    jitter_poor_ms: float = limits.JITTER_POOR_MS
    video_min_fps: float = limits.VIDEO_MIN_FPS


def thresholds() -> Thresholds:
    """The band edges the figures draw: those of :mod:`rtk_notebook.quality.thresholds`."""
    return Thresholds()


def band_edges(family: str | None, th: Thresholds) -> tuple[float, float] | None:
    """Where a metric family's verdict changes: (good to fair, fair to poor), else None.

    MOS is better high, so its first edge is the higher one; loss, RTT and jitter are better
    low. ``family`` is :func:`~rtk_notebook.plots._common.metric_family`'s.
    """
    return {
        "mos": (th.mos_good, th.mos_poor),
        "loss": (th.loss_good_pct, th.loss_poor_pct),
        "rtt": (th.rtt_fair_ms, th.rtt_poor_ms),
        "jitter": (th.jitter_fair_ms, th.jitter_poor_ms),
    }.get(family or "")


_UNITS = {"mos": "", "loss": " %", "rtt": " ms", "jitter": " ms"}


def edge_labels(family: str | None, th: Thresholds) -> tuple[str, str] | None:
    """What each of :func:`band_edges`' lines means, to write beside it: ``'fair below
    4'``, ``'poor below 3.6'`` for MOS (better high); ``'fair above 150 ms'``, ``'poor above
    300 ms'`` for loss, RTT and jitter (better low). None where there are no bands."""
    edges = band_edges(family, th)
    if edges is None or family is None:
        return None
    side = "below" if family == "mos" else "above"
    unit = _UNITS[family]
    return tuple(  # type: ignore[return-value]
        f"{verdict} {side} {edge:g}{unit}"
        for verdict, edge in zip(("fair", "poor"), edges, strict=True)
    )


def worst_shown(family: str, th: Thresholds) -> float:
    """The top of a "lower is better" scale: the loss of a burst, twice a poor RTT or jitter."""
    if family == "loss":
        return th.loss_burst_pct
    return th.rtt_poor_ms * 2 if family == "rtt" else th.jitter_poor_ms * 2
