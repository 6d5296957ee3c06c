"""One peer's report turned into a tidy time series, a one-row summary, findings and a verdict.

- :func:`timeseries`: one row per sample and track (the samples of
  ``PeerReport.tracks_frame()`` as the analysis reads them).
- :func:`summary`: one row of per-peer numbers and device/network facts.
- :func:`verdict` / :func:`top_finding`: the judgement the findings add up to.
- :func:`analyze`: all of it at once, as a :class:`PeerQuality`.
- :data:`QUALITY_COLUMNS`, :func:`quality_row`, :func:`error_row`, :func:`quality_table`: the
  per-peer table ``kit.session_quality`` / ``kit.quality`` return (one row per peer, fetched
  and analysed elsewhere; rows of peers whose report failed carry the error instead).
- :func:`condense`, :func:`row_from_condensed`: an analysed peer condensed to what its row
  needs (plain JSON values, so it can come back from a worker process or the cache).

Every frame here is a table declared in :mod:`rtk_notebook.frames.schemas` (``summary``,
``findings``, ``timeseries``, ``quality``). The rules are in :mod:`rtk_notebook.quality.rules`,
their thresholds in :mod:`rtk_notebook.quality.thresholds`. Pure analysis: no HTTP, and
plotting is imported only when :meth:`PeerQuality.plot` is called.
"""

from __future__ import annotations

import base64
import datetime
import functools
import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rtk_notebook import style
from rtk_notebook.frames import TABLES, from_rows, is_missing
from rtk_notebook.frames.scalars import utc_timestamp
from rtk_notebook.frames.schemas import DEVICE_COLUMNS, METRIC_COLUMNS, SEVERITIES, VERDICTS
from rtk_notebook.models.peer import DeviceInfo, PeerReport
from rtk_notebook.quality.context import Context, Finding
from rtk_notebook.quality.reasons import verdict_reason
from rtk_notebook.quality.rules import RULES
from rtk_notebook.quality.tracks import (
    DIRECTIONS,
    LIMITATIONS,
    MEDIA_KINDS,
    TIMESERIES_COLUMNS,
    Tracks,
    mean,
    sorted_quantile,
)
from rtk_notebook.quality.windows import finding_when, stay_window

if TYPE_CHECKING:
    from rtk_notebook.quality.context import Rule
    from rtk_notebook.quality.tracks import Track

__all__ = [
    "DIRECTIONS",
    "FINDINGS_COLUMNS",
    "LIMITATIONS",
    "MEDIA_KINDS",
    "QUALITY_COLUMNS",
    "SUMMARY_COLUMNS",
    "TIMESERIES_COLUMNS",
    "VERDICTS",
    "PeerQuality",
    "analyze",
    "condense",
    "error_row",
    "findings_frame",
    "quality_row",
    "quality_table",
    "row_from_condensed",
    "run_rules",
    "summary",
    "timeseries",
    "top_finding",
    "verdict",
]

SUMMARY_COLUMNS: tuple[str, ...] = TABLES["summary"].names
QUALITY_COLUMNS: tuple[str, ...] = TABLES["quality"].names
FINDINGS_COLUMNS: tuple[str, ...] = TABLES["findings"].names


# ---- the time series ------------------------------------------------------------------------


def _as_report(obj: Any) -> PeerReport:
    """A ``PeerReport`` from itself, a whole response body, or the participant record."""
    if isinstance(obj, PeerReport):
        return obj
    if isinstance(obj, Mapping) and "data" not in obj and "success" not in obj:
        inner = obj.get("participant")
        return PeerReport.from_record(inner if isinstance(inner, Mapping) else obj)
    return PeerReport.from_response(obj)


def timeseries(report: PeerReport | Mapping[str, Any]) -> pd.DataFrame:
    """The peer's samples, tidy: one row per sample and track, in time order.

    Columns: ``timestamp`` (datetime64[ns, UTC]); ``kind`` (category: audio, video,
    screenshare; screen-share audio and video are both ``screenshare``); ``direction``
    (category: producer = sent by this peer, consumer = received); float64 ``mos`` (1..5),
    ``packets_lost`` (in the sample's interval), ``loss_pct`` (packets_lost / packets_sent x 100;
    where packets_sent is missing, / (packets_received + packets_lost):
    :func:`~rtk_notebook.quality.tracks.loss_percent`), ``rtt_ms``,
    ``jitter_ms``, ``bitrate_kbps`` (the sample's ``bitrate``; where missing, bytes received
    (consumer) or sent (producer) over the time since the track's previous sample), ``fps``,
    ``frame_width``, ``frame_height``, ``frames_dropped``; ``limitation`` (category: none,
    bandwidth, cpu, other; NaN where the track reports none, e.g. audio).

    A report without samples gives an empty frame with these columns and dtypes. The table is
    ``timeseries`` (``describe_columns("timeseries")``); ``PeerReport.tracks_frame()`` gives
    the same samples as the API sent them (its names, raw counters, nothing computed).
    """
    return Tracks.from_quality(_as_report(report).quality).frame()


# ---- the summary ----------------------------------------------------------------------------


def _values(part: Track, column: str) -> np.ndarray:
    values = part[column]
    return values[np.isfinite(values)]


def _mean(values: np.ndarray) -> float | None:
    return mean(values) if values.size else None


def _quantile(values: np.ndarray, q: float) -> float | None:
    return sorted_quantile(np.sort(values), q) if values.size else None


def _share_at_least(values: np.ndarray, threshold: float) -> float | None:
    return mean(values >= threshold) if values.size else None


def _quantiles(values: np.ndarray, qs: tuple[float, float]) -> tuple[float | None, ...]:
    """Two quantiles of one sort (each as ``np.quantile`` gives it)."""
    if not values.size:
        return None, None
    ordered = np.sort(values)
    return tuple(sorted_quantile(ordered, q) for q in qs)


def _measures(tracks: Tracks) -> dict[str, float | None]:
    audio = tracks.reference("audio")
    video = tracks.reference("video")
    mos = _values(audio, "mos")
    loss = _values(audio, "loss_pct")
    rtt = _values(audio, "rtt_ms")
    jitter = _values(audio, "jitter_ms")
    mos_p50, mos_p10 = _quantiles(mos, (0.5, 0.1))
    rtt_p50, rtt_p90 = _quantiles(rtt, (0.5, 0.9))
    jitter_p50, jitter_p90 = _quantiles(jitter, (0.5, 0.9))
    return {
        "mos_avg": _mean(mos),
        "mos_p50": mos_p50,
        "mos_p10": mos_p10,
        "loss_avg_pct": _mean(loss),
        "loss_share_over_5": _share_at_least(loss, 5.0),
        "loss_share_over_10": _share_at_least(loss, 10.0),
        "loss_share_over_25": _share_at_least(loss, 25.0),
        "rtt_avg_ms": _mean(rtt),
        "rtt_p50_ms": rtt_p50,
        "rtt_p90_ms": rtt_p90,
        "jitter_avg_ms": _mean(jitter),
        "jitter_p50_ms": jitter_p50,
        "jitter_p90_ms": jitter_p90,
        "video_fps_p50": _quantile(_values(video, "fps"), 0.5),
        "video_height_p50": _quantile(_values(video, "frame_height"), 0.5),
    }


def _network_type(report: PeerReport) -> str | None:
    meta = report.metadata
    for item in reversed((meta.pc_metadata if meta is not None else None) or []):
        if item.effective_network_type:
            return str(item.effective_network_type)
    precall = report.precall
    return str(precall.effective_networktype) if precall and precall.effective_networktype else None


def _device_text(device: Any) -> str | None:
    """``Android 10 · mobile · 2 cores · 2 GB``."""
    if device is None:
        return None
    parts = [
        " ".join(p for p in (device.os, device.os_version) if p),
        "" if device.is_mobile is None else ("mobile" if device.is_mobile else "desktop"),
        f"{device.cpus} cores" if device.cpus is not None else "",
        f"{device.memory:g} GB" if device.memory is not None else "",
    ]
    return " · ".join(p for p in parts if p) or None


def _summary_record(report: PeerReport, tracks: Tracks) -> dict[str, Any]:
    device = report.device
    location = report.location
    joined, left = report.joined_at, report.left_at
    stay = (left - joined).total_seconds() / 60.0 if joined and left else report.duration
    place = None
    if location is not None:
        place = ", ".join(p for p in (location.city, location.country) if p) or None
    org = None
    if location is not None:
        org = location.org or location.asn
    return {
        "peer_id": report.id,
        "display_name": report.display_name,
        "joined_at": joined,
        "left_at": left,
        "stay_min": stay,
        **_measures(tracks),
        "connection_type": report.transport,
        "device": _device_text(device),
        "os": device.os if device is not None else None,
        "browser": device.browser if device is not None else None,
        "browser_major": _browser_major(device),
        "is_mobile": device.is_mobile if device is not None else None,
        "device_type": _device_type(device),
        "cpus": device.cpus if device is not None else None,
        "memory_gb": device.memory if device is not None else None,
        "network": _network_type(report),
        "city": location.city if location is not None else None,
        "country": location.country if location is not None else None,
        "region": location.region if location is not None else None,
        "location": place,
        "asn_org": org,
        "sdk_version": _sdk_version(report, device),
    }


def _browser_major(device: DeviceInfo | None) -> str | None:
    """``Chrome 142`` from browser ``Chrome`` and version ``142.0.0.0``: the segment a browser
    release's regression shows in."""
    if device is None or not device.browser:
        return None
    major = (device.browser_version or "").split(".", 1)[0].strip()
    return f"{device.browser} {major}" if major else device.browser


def _device_type(device: DeviceInfo | None) -> str | None:
    if device is None or device.is_mobile is None:
        return None
    return "mobile" if device.is_mobile else "desktop"


def _sdk_version(report: PeerReport, device: DeviceInfo | None) -> str | None:
    if device is not None and device.sdk_version:
        return device.sdk_version
    meta = getattr(report, "metadata", None)
    return getattr(meta, "sdk_version", None) if meta is not None else None


def summary(report: PeerReport | Mapping[str, Any], ts: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row about the peer: who, when, how the call went, on what device and network.

    Audio measures come from the audio this peer sent (producer), or what it received when it
    sent none: ``mos_avg``/``mos_p50``/``mos_p10`` (p10 = the bad tail), ``loss_avg_pct`` (the
    mean of the per-sample loss %, as the API's own ``packet_loss.avg``),
    ``loss_share_over_5``/``_10``/``_25`` (share of samples with loss >= 5/10/25 %, the API's
    bands), ``rtt_avg_ms``/``rtt_p50_ms``/``rtt_p90_ms``,
    ``jitter_avg_ms``/``jitter_p50_ms``/``jitter_p90_ms`` (the rules judge the medians). Video:
    ``video_fps_p50``, ``video_height_p50`` of the camera sent (else received). Percentiles
    interpolate linearly. ``stay_min`` is left_at - joined_at in minutes (else the API's
    ``duration``).

    Then ``connection_type`` (``relay/tcp``, ``host/udp``...), ``device`` (readable), ``os``,
    ``browser``, ``is_mobile``, ``cpus``, ``memory_gb`` (when reported), ``network`` (effective
    network type), ``city``, ``country``, ``location`` (``Mumbai, IN``) and ``asn_org``.
    Dtypes: string for ids and text, category for os/browser/network/country/connection_type,
    datetime64[ns, UTC], float64 measures, Int64 ``cpus``, boolean ``is_mobile``.
    """
    report = _as_report(report)
    tracks = Tracks.from_quality(report.quality) if ts is None else Tracks.from_frame(ts)
    return from_rows("summary", [_summary_record(report, tracks)])


# ---- findings and the verdict ---------------------------------------------------------------


def run_rules(
    ts: pd.DataFrame | Tracks,
    summary_row: Mapping[str, Any] | pd.DataFrame,
    report: PeerReport | None = None,
    rules: Iterable[Rule] = RULES,
) -> list[Finding]:
    """Every rule over one peer, findings sorted most severe first (then rule order, time).

    ``ts``: the tidy time series, or the :class:`~rtk_notebook.quality.tracks.Tracks` it is
    built from."""
    if isinstance(summary_row, pd.DataFrame):
        row = {str(k): v for k, v in summary_row.iloc[0].items()} if len(summary_row) else {}
    else:
        row = dict(summary_row)
    tracks = ts if isinstance(ts, Tracks) else Tracks.from_frame(ts)
    ctx = Context(tracks=tracks, summary=row, report=report)
    found: list[tuple[int, int, Finding]] = []
    for order, rule in enumerate(rules):
        for finding in rule(ctx):
            found.append((order, len(found), finding))
    far = pd.Timestamp.max.tz_localize("UTC")
    found.sort(key=lambda t: (-t[2].rank, t[0], t[2].start or far, t[1]))
    return [f for _, _, f in found]


def findings_frame(findings: Sequence[Finding]) -> pd.DataFrame:
    """Findings as a frame: ``rule`` (string), ``severity`` (ordered category info < warning <
    critical), ``start``/``end`` (datetime64[ns, UTC]), ``evidence`` (dicts), ``message``."""
    records = [
        {
            "rule": f.rule,
            "severity": f.severity,
            "start": f.start,
            "end": f.end,
            "evidence": f.evidence,
            "message": f.message,
        }
        for f in findings
    ]
    return from_rows("findings", records)


def _finding_rows(findings: Sequence[Finding] | pd.DataFrame) -> list[tuple[str, str, str]]:
    """(rule, severity, message) of each finding, in the given order."""
    if isinstance(findings, pd.DataFrame):
        return [
            (str(r), str(s), str(m))
            for r, s, m in zip(
                findings["rule"], findings["severity"], findings["message"], strict=True
            )
        ]
    return [(f.rule, f.severity, f.message) for f in findings]


def verdict(findings: Sequence[Finding] | pd.DataFrame) -> str:
    """``poor`` if any finding is critical, ``fair`` if any is a warning, ``unknown`` if the
    report had no samples to judge (a ``no_data`` finding) and nothing else is wrong, else
    ``good``."""
    rows = _finding_rows(findings)
    severities = {s for _, s, _ in rows}
    if "critical" in severities:
        return "poor"
    if "warning" in severities:
        return "fair"
    if any(rule == "no_data" for rule, _, _ in rows):
        return "unknown"
    return "good"


def _top(rows: Sequence[tuple[str, str, str]]) -> tuple[str, str, str] | None:
    """(rule, severity, message) of the most severe finding (ties: the first), or None."""
    if not rows:
        return None
    best = max(range(len(rows)), key=lambda i: (SEVERITIES.index(rows[i][1]), -i))
    return rows[best]


def top_finding(findings: Sequence[Finding] | pd.DataFrame) -> str | None:
    """The message of the most severe finding (ties: the first in rule priority), or None."""
    top = _top(_finding_rows(findings))
    return None if top is None else top[2]


# ---- the result -----------------------------------------------------------------------------

_TONES = {
    "good": style.tone("good"),
    "fair": style.tone("fair"),
    "poor": style.tone("poor"),
    "unknown": style.tone("unknown"),
}
_SEVERITY_TONES = {
    "critical": style.tone("critical"),
    "warning": style.tone("warning"),
    "info": style.tone("info"),
}


def _pill(text: str, tone: tuple[str, str]) -> str:
    background, colour = tone
    return (
        f'<span style="background:{background};color:{colour};border-radius:9px;'
        f"padding:1px 8px;font-size:11px;font-weight:600;letter-spacing:0.03em;"
        f'white-space:nowrap">{html.escape(text)}</span>'
    )


@dataclass(repr=False, eq=False)
class PeerQuality:
    """One peer's call quality: ``timeseries``, ``summary`` (one row), ``findings`` (frame),
    ``verdict`` (good, fair, poor, or unknown when there were no samples), ``top_finding``
    (the most severe finding's message) and the parsed ``peer_report``.

    ``plot()`` draws MOS, loss, RTT and jitter over time with the findings' windows;
    ``report()`` makes a shareable HTML report of the peer; in Jupyter the object shows a card
    with the verdict, key numbers and the findings.
    """

    peer_id: str | None
    tracks: Tracks
    summary_record: dict[str, Any]
    finding_list: list[Finding]
    verdict: str
    top_finding: str | None
    peer_report: PeerReport | None = None

    # The frames are built on first use: a fan-out over hundreds of peers needs only the
    # record and the findings' count, and building frames costs more than the rules.
    @functools.cached_property
    def timeseries(self) -> pd.DataFrame:
        """One row per sample and track, in time order (see :func:`timeseries`)."""
        return self.tracks.frame()

    @functools.cached_property
    def summary(self) -> pd.DataFrame:
        """One row: who, when, how the call went, on what device and network."""
        return from_rows("summary", [self.summary_record])

    @functools.cached_property
    def findings(self) -> pd.DataFrame:
        """The findings, most severe first: rule, severity, start, end, evidence, message."""
        return findings_frame(self.finding_list)

    @property
    def display_name(self) -> str | None:
        value = self.summary["display_name"].iloc[0] if len(self.summary) else None
        return None if is_missing(value) else str(value)

    @property
    def top_rule(self) -> str | None:
        """The rule of the most severe finding (the one :attr:`top_finding` is), or None."""
        top = _top(_finding_rows(self.finding_list))
        return None if top is None else top[0]

    @property
    def top_severity(self) -> str | None:
        """The severity of the most severe finding, or None."""
        top = _top(_finding_rows(self.finding_list))
        return None if top is None else top[1]

    @property
    def verdict_reason(self) -> str:
        """Why the verdict is what it is, one sentence (:func:`~rtk_notebook.quality.reasons.
        verdict_reason`): ``poor: TURN relay over TCP, loss bursts 14 % of the call``."""
        return verdict_reason(self.verdict, self.finding_list)

    def plot(self, **kw: Any) -> Any:
        """MOS, loss, RTT and jitter over time, findings shaded.

        A convenience, as pandas' ``DataFrame.plot`` is: it calls
        ``rtk_notebook.plots.quality_over_time(self.timeseries, findings=self.findings)``
        (``kw`` go to it), importing the plots only now. The one place in ``quality/`` that
        reaches up to the plots layer (a test checks it).
        """
        from rtk_notebook import plots

        kw.setdefault("title", self._title())
        return plots.quality_over_time(self.timeseries, findings=self.findings, **kw)

    def report(self, *, plotlyjs: str = "inline") -> Any:
        """A report of this peer to share (``.save("peer.html")``): its numbers, quality over
        time, findings and the thresholds, in one self-contained HTML file without secrets
        (``rtk_notebook.report.peer_report``; ``plotlyjs="cdn"`` for a small file). Like
        ``plot()``, it imports the layer above only now (a test checks it).
        """
        from rtk_notebook.report import peer_report

        return peer_report(self, plotlyjs=plotlyjs)

    def _title(self) -> str:
        who = self.display_name or self.peer_id or "peer"
        return f"Call quality: {who} ({self.verdict})"

    def __repr__(self) -> str:
        who = self.display_name or self.peer_id
        top = f": {self.top_finding}" if self.top_finding else ""
        return (
            f"PeerQuality({who!r}, verdict={self.verdict!r}, findings={len(self.findings)}, "
            f"samples={self.tracks.samples}{top})"
        )

    def _key_numbers(self) -> list[tuple[str, str | None]]:
        row = self.summary.iloc[0] if len(self.summary) else pd.Series(dtype=object)

        def get(name: str) -> Any:
            return row.get(name) if name in row else None

        mos = style.fmt_measure(get("mos_avg"), "{:.2f}")
        p10 = style.fmt_measure(get("mos_p10"), "{:.2f}")
        # RTT and jitter as the findings quote them: the median the rules judge, and p90.
        rtt = style.fmt_measure(get("rtt_p50_ms"), "{:.0f} ms")
        rtt90 = style.fmt_measure(get("rtt_p90_ms"), "{:.0f} ms")
        jit = style.fmt_measure(get("jitter_p50_ms"), "{:.0f} ms")
        jit90 = style.fmt_measure(get("jitter_p90_ms"), "{:.0f} ms")
        loss = style.fmt_measure(get("loss_avg_pct"), "{:.1f} %")
        over10 = style.fmt_measure(
            None
            if is_missing(get("loss_share_over_10"))
            else 100 * float(get("loss_share_over_10")),
            "{:.0f} %",
        )
        fps = style.fmt_measure(get("video_fps_p50"), "{:.0f} fps")
        height = style.fmt_measure(get("video_height_p50"), "{:.0f}p")
        stay = style.fmt_measure(get("stay_min"), "{:.1f} min")

        def text(name: str) -> str | None:
            value = get(name)
            return None if is_missing(value) else str(value)

        return [
            ("MOS", f"{mos} avg · p10 {p10}" if mos else None),
            ("loss", f"{loss} avg · {over10} of samples ≥ 10 %" if loss else None),
            ("RTT", f"median {rtt} · p90 {rtt90}" if rtt else None),
            ("jitter", f"median {jit} · p90 {jit90}" if jit else None),
            ("video", " · ".join(p for p in (height, fps) if p) or None),
            ("connection", text("connection_type")),
            ("network", text("network")),
            ("device", " · ".join(p for p in (text("device"), text("browser")) if p) or None),
            ("location", " · ".join(p for p in (text("location"), text("asn_org")) if p) or None),
            ("stay", stay),
            ("samples", str(self.tracks.samples)),
        ]

    def _repr_html_(self) -> str:
        who = self.display_name or self.peer_id or "peer"
        tone = _TONES.get(self.verdict, _TONES["unknown"])
        head = (
            '<div style="font-family:system-ui,-apple-system,Segoe UI,sans-serif;'
            'font-size:13px;max-width:880px">'
            f'<div style="margin-bottom:6px"><span style="color:{style.INK_LABEL}">'
            "Call quality</span> "
            f"<b>{html.escape(who)}</b> {_pill(self.verdict.upper(), tone)} "
            f'<span style="color:{style.INK_LABEL}">'
            f"{html.escape(self.verdict_reason.partition(': ')[2])}</span></div>"
        )
        rows = "".join(
            f'<tr><td style="color:{style.INK_LABEL};padding:1px 12px 1px 0;text-align:left;'
            f'vertical-align:top">{html.escape(label)}</td>'
            f'<td style="text-align:left">{html.escape(value)}</td></tr>'
            for label, value in self._key_numbers()
            if value
        )
        table = f'<table style="border-collapse:collapse;margin-bottom:6px">{rows}</table>'
        items = []
        stay = stay_window(
            utc_timestamp(self.summary_record.get("joined_at")),
            utc_timestamp(self.summary_record.get("left_at")),
            self.findings["end"],
        )
        for rule, severity, start, end, message in zip(
            self.findings["rule"],
            self.findings["severity"],
            self.findings["start"],
            self.findings["end"],
            self.findings["message"],
            strict=True,
        ):
            when = finding_when(
                None if is_missing(start) else start,
                None if is_missing(end) else end,
                str(message),
                stay=stay,
            )
            items.append(
                f'<li style="margin:2px 0">{_pill(str(severity), _SEVERITY_TONES[str(severity)])}'
                f' <code style="font-size:11px">{html.escape(str(rule))}</code> '
                f"{html.escape(str(message))} "
                f'<span style="color:{style.INK_FAINT};font-size:11px">'
                f"{html.escape(when)}</span></li>"
            )
        listing = (
            f'<ul style="margin:0;padding-left:18px">{"".join(items)}</ul>'
            if items
            else f'<div style="color:{style.INK_LABEL}">No findings.</div>'
        )
        return head + table + listing + "</div>"


def analyze(body_or_report: Any, tracks: Tracks | None = None) -> PeerQuality:
    """Analyse one peer: a ``PeerReport``, or the raw peer-report response body (the whole
    ``{"success": true, "data": {"participant": ...}}``, its text, or the participant record).

    ``tracks``: the report's samples when they were read apart from it (the worker's body
    reader, :func:`~rtk_notebook.quality.body.read_body`); by default, the report's own.
    """
    report = _as_report(body_or_report)
    if tracks is None:
        tracks = Tracks.from_quality(report.quality)
    record = _summary_record(report, tracks)
    found = run_rules(tracks, record, report)
    return PeerQuality(
        peer_id=report.id,
        tracks=tracks,
        summary_record=record,
        finding_list=found,
        verdict=verdict(found),
        top_finding=top_finding(found),
        peer_report=report,
    )


# ---- the per-peer table ---------------------------------------------------------------------


def _participant_dict(participant: Any) -> dict[str, Any]:
    if participant is None:
        return {}
    if isinstance(participant, Mapping):
        return dict(participant)
    dump = getattr(participant, "model_dump", None)
    if callable(dump):
        return dict(dump())
    return {k: v for k, v in vars(participant).items() if not k.startswith("_")}


_IDENTITY = ("display_name", "preset_name", "user_id", "joined_at", "left_at")


def _identity(
    participant: Mapping[str, Any], session_id: str | None, peer_id: str | None
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "session_id": session_id or participant.get("session_id"),
        "peer_id": peer_id or participant.get("peer_id") or participant.get("id"),
    }
    for name in _IDENTITY:
        row[name] = participant.get(name)
    duration = participant.get("duration")
    row["stay_min"] = duration if not is_missing(duration) else None
    return row


def condense(pq: PeerQuality, *, jsonable: bool = False) -> dict[str, Any]:
    """An analysed peer condensed to what its row of the per-peer table needs (see
    :func:`row_from_condensed`): ``peer_id``, the ``summary`` record, ``preset_name``,
    ``user_id``, ``verdict``, ``verdict_reason``, ``top_rule``, ``top_severity``,
    ``top_finding`` and the number of ``findings``.

    ``jsonable=True`` gives plain JSON values (times as ISO strings, NaN as None), so that it
    can cross to another process or be kept in the cache.
    """
    report = pq.peer_report
    condensed: dict[str, Any] = {
        "peer_id": pq.peer_id,
        "summary": dict(pq.summary_record),
        "preset_name": report.preset_name if report is not None else None,
        "user_id": report.user_id if report is not None else None,
        "verdict": pq.verdict,
        "verdict_reason": pq.verdict_reason,
        "top_rule": pq.top_rule,
        "top_severity": pq.top_severity,
        "top_finding": pq.top_finding,
        "findings": len(pq.finding_list),
    }
    if jsonable:
        condensed["summary"] = {k: _plain(v) for k, v in condensed["summary"].items()}
    return condensed


def condense_detail(pq: PeerQuality) -> dict[str, Any]:
    """:func:`condense` (as JSON values) plus what a store of history keeps of the peer: its
    ``findings`` (records) and its ``timeseries`` packed by :func:`pack_columns` (some 1,200
    samples cross from a worker process as a few base64 strings, not 17,000 JSON numbers)."""
    condensed = condense(pq, jsonable=True)
    condensed["finding_records"] = [
        {
            "rule": f.rule,
            "severity": f.severity,
            "start": _plain(f.start),
            "end": _plain(f.end),
            "evidence": _plain_tree(f.evidence),
            "message": f.message,
        }
        for f in pq.finding_list
    ]
    condensed["samples"] = pack_columns(pq.timeseries)
    return condensed


def pack_columns(frame: pd.DataFrame) -> dict[str, Any]:
    """A frame of float, datetime and categorical columns as JSON-safe values: each column's
    numpy bytes in base64 (floats as float64 with NaN, times as int64 nanoseconds with NaT,
    categories as int16 codes of the dtype's categories); :func:`unpack_columns` reverses it."""
    packed: dict[str, Any] = {"rows": len(frame)}
    for name in frame.columns:
        values = frame[name]
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes = values.cat.codes.to_numpy(dtype=np.int16)
            packed[name] = {
                "i2": _b64(codes),
                "categories": [str(c) for c in values.cat.categories],
            }
        elif values.dtype.kind == "M":
            stamps = values.dt.tz_convert("UTC").dt.as_unit("ns").array.asi8
            packed[name] = {"M8": _b64(stamps)}
        else:
            packed[name] = {"f8": _b64(values.to_numpy(dtype=np.float64, na_value=np.nan))}
    return packed


def unpack_columns(packed: Mapping[str, Any]) -> dict[str, Any]:
    """The columns :func:`pack_columns` packed, as numpy arrays and pandas extension arrays."""
    columns: dict[str, Any] = {}
    for name, spec in packed.items():
        if name == "rows":
            continue
        if "i2" in spec:
            codes = np.frombuffer(base64.b64decode(spec["i2"]), dtype=np.int16)
            columns[name] = pd.Categorical.from_codes(codes, categories=spec["categories"])
        elif "M8" in spec:
            stamps = np.frombuffer(base64.b64decode(spec["M8"]), dtype=np.int64)
            columns[name] = pd.DatetimeIndex(stamps.view("datetime64[ns]")).tz_localize("UTC")
        else:
            columns[name] = np.frombuffer(base64.b64decode(spec["f8"]), dtype=np.float64)
    return columns


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def _plain_tree(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_tree(v) for v in value]
    return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime):  # pd.Timestamp too
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def quality_row(
    pq: PeerQuality, participant: Any = None, *, session_id: str | None = None
) -> dict[str, Any]:
    """One row of the per-peer table (:data:`QUALITY_COLUMNS`) for an analysed peer.

    ``participant`` is the session's participant record (``id``, ``display_name``,
    ``preset_name``, ``user_id``, ``joined_at``, ``left_at``, ``duration``, optionally
    ``session_id``); its identity fields win, the report fills what it lacks.
    """
    return row_from_condensed(condense(pq), participant, session_id=session_id)


def row_from_condensed(
    condensed: Mapping[str, Any], participant: Any = None, *, session_id: str | None = None
) -> dict[str, Any]:
    """:func:`quality_row` from a peer's :func:`condense` (analysed elsewhere)."""
    part = _participant_dict(participant)
    row = _identity(part, session_id, condensed.get("peer_id"))
    summ = condensed.get("summary") or {}
    for name in ("display_name", "joined_at", "left_at", "stay_min"):
        if is_missing(row.get(name)):
            row[name] = summ.get(name)
    for name in ("preset_name", "user_id"):
        if is_missing(row.get(name)):
            row[name] = condensed.get(name)
    for name in (*DEVICE_COLUMNS, *METRIC_COLUMNS):
        row[name] = summ.get(name)
    for name in ("verdict", "verdict_reason", "top_rule", "top_severity", "top_finding"):
        row[name] = condensed.get(name)
    row["findings"] = condensed.get("findings")
    row["error"] = None
    return {name: row.get(name) for name in QUALITY_COLUMNS}


def error_row(
    peer_id: str | None, participant: Any, exc: BaseException, *, session_id: str | None = None
) -> dict[str, Any]:
    """A row for a peer whose report could not be fetched or analysed: identity from the
    participant record, measures NA, ``error`` one readable line (``NotFoundError: ...``)."""
    part = _participant_dict(participant)
    row = _identity(part, session_id, peer_id)
    text = " ".join(str(exc).split()) or repr(exc)
    if len(text) > 300:
        text = text[:299] + "…"
    kind = getattr(exc, "kind", None) or type(exc).__name__  # `kind`: raised in a worker
    row["error"] = f"{kind}: {text}"
    return {name: row.get(name) for name in QUALITY_COLUMNS}


def quality_table(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The per-peer table from :func:`quality_row` / :func:`error_row` rows.

    Columns :data:`QUALITY_COLUMNS`: ``session_id``, ``peer_id``, ``display_name``,
    ``preset_name``, ``user_id``, ``joined_at``, ``left_at``, ``stay_min``, the summary's device
    and network columns, its metrics, ``verdict`` (ordered category unknown < good < fair <
    poor), ``verdict_reason`` (string: why), ``top_rule`` (category of rule ids),
    ``top_severity`` (ordered category), ``top_finding`` (string: the message of that
    finding), ``findings`` (Int64 count) and ``error`` (string; NA when
    the peer was analysed). Keys a row has beyond these are ignored. No rows, or only error
    rows, still give every column with its dtype.
    """
    return from_rows("quality", list(rows))
