"""One peer's call over time: :func:`quality_over_time`, small multiples with bands and findings."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rtk_notebook.frames.schemas import DIRECTION_LABELS, LIMITATION_LABELS
from rtk_notebook.plots._bands import Thresholds, band_edges, thresholds
from rtk_notebook.plots._common import (
    DIRECTION_LINES,
    METRIC_LABELS,
    TIME_TITLE,
    auto_bin,
    base_layout,
    bin_label,
    floats,
    is_empty,
    labels,
    mark_no_data,
    metric_family,
    peer_column,
    plural,
    prepare_timeseries,
    scatter_type,
    utc_naive,
)
from rtk_notebook.plots._docs import documented
from rtk_notebook.style import PALETTE, SEVERITY_COLORS, VERDICT_COLORS

__all__ = ["QualityOverTimeData", "prepare_quality_over_time", "quality_over_time"]

#: The panels, top to bottom; the video panel only when there are video frame rates.
PANELS: tuple[tuple[str, str], ...] = (
    ("mos", METRIC_LABELS["mos"]),
    ("loss_pct", "Loss (%)"),
    ("rtt_ms", "RTT (ms)"),
    ("jitter_ms", "Jitter (ms)"),
)
VIDEO_PANEL = ("fps", "Video (fps)")
_SEVERITIES = ("critical", "warning", "info")
_LIMITED_Y = 1.5  # the limited-video strip runs along the video panel's floor
_MARKER_Y = 4.5  # finding markers sit at the top of the MOS panel
# Finding markers closer than this share of the time axis would overlap: one marker, a count.
_MARKER_GAP = 0.02
# The figure fits a notebook output or a panel without scrolling (the time axis in view).
_TOP_PX, _PANEL_PX = 120, 86


@dataclass(frozen=True)
class QualityOverTimeData:
    """What :func:`quality_over_time` draws.

    ``lines``: one row per panel ``metric``, track ``direction`` and ``timestamp`` (naive UTC)
    with its ``value``: the mean per time bin (per sample when not binned), and a NaN row
    inside every long gap so that the line breaks there. ``limited``: the sent video's bins
    whose encoder was limited: ``timestamp``, ``fps``, ``why`` (bandwidth, cpu...).
    ``findings``: the findings within the samples' span, with ``x0``/``x1`` (drawn, clipped
    to the span) and ``wide`` (about most of the call: not shaded). ``span``: the first and
    last sample (None: no samples). ``notes``: the subtitle's parts. ``bin``: the time bin
    the lines are means of (None: one point per sample), which hover says.
    """

    panels: list[tuple[str, str]]
    lines: pd.DataFrame
    limited: pd.DataFrame
    findings: pd.DataFrame
    span: tuple[pd.Timestamp, pd.Timestamp] | None
    notes: list[str] = field(default_factory=list)
    bin: pd.Timedelta | None = None


def prepare_quality_over_time(
    timeseries: pd.DataFrame,
    *,
    findings: pd.DataFrame | None,
    kind: str | None,
    bin: str | None,
    max_points: int,
) -> QualityOverTimeData:
    """The lines, encoder-limited bins and findings of :func:`quality_over_time` (no figure);
    the parameters are the figure's.

    Samples of ``kind`` (all tracks when there are none) are averaged per time bin: ``bin``,
    else one that keeps a series under ``max_points``, always when several peers are in the
    frame (their samples never line up). The video panel's frame rates come from every
    video track, binned on their own when long.
    """
    df = None if is_empty(timeseries) else prepare_timeseries(timeseries)
    empty = pd.DataFrame(columns=["metric", "direction", "timestamp", "value"])
    limited = pd.DataFrame(columns=["timestamp", "fps", "why"])
    if df is None or df.empty:
        return QualityOverTimeData(list(PANELS), empty, limited, _findings_frame(None), None)
    notes: list[str] = []
    who = peer_column(df)
    n_peers = df[who].nunique() if who is not None else 0
    if n_peers == 1:
        notes.append(str(df[who].dropna().iloc[0]))
    elif n_peers > 1:
        notes.append(f"mean of {n_peers} peers")
    tracks = df
    if kind is not None and "kind" in df.columns:
        of_kind = df["kind"].astype("object") == kind
        tracks = df[of_kind] if of_kind.any() else df
        notes.append(f"{kind} tracks" if of_kind.any() else "all tracks")
    bin_ = _choose_bin(tracks, bin, max_points, several_peers=n_peers > 1)
    if bin_ is not None:
        notes.append(f"{bin_label(bin_)} means")
    metrics = [m for m, _ in PANELS if m in tracks.columns]
    parts = [_means(sub, metrics, bin_, d) for d, sub in _directions(tracks)]
    panels = list(PANELS)
    video = _video(df)
    if not video.empty:
        panels.append(VIDEO_PANEL)
        if bin_ is None and len(video) > 2 * max_points:
            bin_ = auto_bin(video["timestamp"].max() - video["timestamp"].min(), max_points)
        parts += [_means(sub, ["fps"], bin_, d) for d, sub in _directions(video, other=False)]
        limited = _limited(video, bin_)
    span = (df["timestamp"].min(), df["timestamp"].max())
    found = _finding_windows(_findings_frame(findings), *span)
    lines = pd.concat(parts, ignore_index=True) if parts else empty
    return QualityOverTimeData(panels, lines, limited, found, span, notes, bin_)


def _choose_bin(
    tracks: pd.DataFrame, bin: str | None, max_points: int, *, several_peers: bool
) -> pd.Timedelta | None:
    if bin is not None:
        return pd.Timedelta(bin)
    if "direction" in tracks.columns:
        longest = int(tracks["direction"].astype("object").value_counts().max())
    else:
        longest = len(tracks)
    if longest > max_points or several_peers:
        return auto_bin(tracks["timestamp"].max() - tracks["timestamp"].min(), max_points)
    return None


def _directions(tracks: pd.DataFrame, *, other: bool = True) -> list[tuple[str, pd.DataFrame]]:
    """The tracks by direction: producer, consumer, then any ``other`` direction by name."""
    if "direction" not in tracks.columns:
        return [("producer", tracks)]
    dirs = tracks["direction"].astype("object")
    names = [d for d in ("producer", "consumer") if (dirs == d).any()]
    names += sorted(set(dirs.dropna()) - {"producer", "consumer"}) if other else []
    return [(d, tracks[dirs == d]) for d in names]


def _video(df: pd.DataFrame) -> pd.DataFrame:
    """Samples of video tracks with a frame rate (none when the frame has no such columns)."""
    if "kind" not in df.columns or "fps" not in df.columns:
        return df.iloc[:0]
    return df[(df["kind"].astype("object") == "video") & df["fps"].notna()]


def _means(
    tracks: pd.DataFrame, metrics: Sequence[str], bin_: pd.Timedelta | None, direction: str
) -> pd.DataFrame:
    """Long rows (metric, direction, timestamp, value) of the per-bin means of ``metrics``."""
    wide = _binned(tracks, metrics, bin_)
    long = wide.reset_index(names="timestamp").melt(
        id_vars="timestamp", value_vars=list(metrics), var_name="metric", value_name="value"
    )
    return long.assign(direction=direction)[["metric", "direction", "timestamp", "value"]]


def _binned(df: pd.DataFrame, columns: Sequence[str], bin_: pd.Timedelta | None) -> pd.DataFrame:
    """Mean of ``columns`` per time bin (per timestamp when ``bin_`` is None)."""
    key = df["timestamp"].dt.floor(bin_) if bin_ is not None else df["timestamp"]
    data = {c: pd.to_numeric(df[c], errors="coerce") for c in columns}
    frame = pd.DataFrame(data, index=df.index)
    frame["t"] = key
    out = frame.groupby("t", sort=True).mean()
    if bin_ is not None:
        out.index = out.index + bin_ / 2  # draw a bin's mean at its middle
    return _break_gaps(out)


def _break_gaps(frame: pd.DataFrame, factor: float = 2.5) -> pd.DataFrame:
    """A NaN row inside every gap longer than ``factor`` usual steps, so that lines break
    there (a reconnection's missing minute is a hole, not a straight line across it)."""
    if len(frame) < 3:
        return frame
    steps = np.diff(frame.index.to_numpy()).astype("timedelta64[ns]").astype("int64")
    usual = np.median(steps)
    gaps = np.flatnonzero(steps > factor * usual)
    if usual <= 0 or not len(gaps):
        return frame
    index = frame.index.to_numpy()
    holes = index[gaps] + (index[gaps + 1] - index[gaps]) / 2
    filler = pd.DataFrame(
        np.nan, index=pd.Index(holes, name=frame.index.name), columns=frame.columns
    )
    if isinstance(frame.index, pd.DatetimeIndex) and frame.index.tz is not None:
        filler.index = pd.DatetimeIndex(holes).tz_localize("UTC").tz_convert(frame.index.tz)
    return pd.concat([frame, filler]).sort_index()


def _limited(video: pd.DataFrame, bin_: pd.Timedelta | None) -> pd.DataFrame:
    """The producer's video bins whose encoder said it was limited, and by what (the mode)."""
    columns = ["timestamp", "fps", "why"]
    if "limitation" not in video.columns:
        return pd.DataFrame(columns=columns)
    producer = dict(_directions(video, other=False)).get("producer", video.iloc[:0])
    why = producer["limitation"].astype("object")
    limited = producer[why.notna() & ~why.isin(["none", ""])]
    if limited.empty:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(
        {
            "t": limited["timestamp"].dt.floor(bin_) + bin_ / 2
            if bin_ is not None
            else limited["timestamp"],
            "fps": floats(limited["fps"]),
            "why": limited["limitation"].astype("object").map(str),
        }
    )
    agg = frame.groupby("t", sort=True).agg(fps=("fps", "mean"))
    # Each bin's most frequent reason (ties: the first by name, as Series.mode), vectorised.
    counted = frame.groupby(["t", "why"], sort=True).size().rename("n").reset_index()
    counted = counted.sort_values(["t", "n", "why"], ascending=[True, False, True], kind="stable")
    agg["why"] = counted.drop_duplicates("t").set_index("t")["why"]
    return agg.reset_index(names="timestamp")[columns]


def _findings_frame(findings: pd.DataFrame | None) -> pd.DataFrame:
    if findings is None or len(findings) == 0 or "start" not in findings.columns:
        return pd.DataFrame(columns=["start", "end", "severity", "rule", "message"])
    out = pd.DataFrame(index=findings.index)
    out["start"] = utc_naive(findings["start"])
    # No end column: points in time; an end that is NaT: to the end of the samples.
    end = findings["end"] if "end" in findings.columns else findings["start"]
    out["end"] = utc_naive(end)
    for col, default in (("severity", "warning"), ("rule", "finding"), ("message", "")):
        out[col] = labels(findings[col], default) if col in findings.columns else default
    out["severity"] = out["severity"].str.lower()
    return out[out["start"].notna()]


def _clip(times: pd.Series, t0: pd.Timestamp, t1: pd.Timestamp) -> pd.Series:
    return times.mask(times < t0, t0).mask(times > t1, t1)


def _finding_windows(findings: pd.DataFrame, t0: pd.Timestamp, t1: pd.Timestamp) -> pd.DataFrame:
    """The findings that touch the samples' span, with what is drawn: ``x0``, ``x1`` (clipped
    to the span; hover keeps the real times) and ``wide`` (a window over half the span or more,
    as the rules give for "high RTT for the call": shading it would tint everything)."""
    span = t1 - t0
    f = findings.reset_index(drop=True)
    if f.empty:
        return f.assign(x0=f["start"], x1=f["end"], wide=pd.Series(dtype=bool))
    f = f[(f["start"] <= t1) & (f["end"].fillna(t1) >= t0)]
    f = f.assign(x0=_clip(f["start"], t0, t1), x1=_clip(f["end"].fillna(t1), t0, t1))
    return f.assign(wide=(f["x1"] - f["x0"]) >= span / 2 if span > pd.Timedelta(0) else False)


@documented("timeseries", "findings", "kind", "bin", "max_points", "height", "title")
def quality_over_time(
    timeseries: pd.DataFrame,
    *,
    findings: pd.DataFrame | None = None,
    kind: str | None = "audio",
    bin: str | None = None,
    max_points: int = 720,
    height: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """Small multiples sharing time: MOS, packet loss, RTT and jitter of one peer.

    What the peer sent is a solid line, what it received dashed (hover says whether a point
    is a sample or a bin's mean). Each panel has its good/fair/poor bands
    (:func:`thresholds`), the poor edge drawn and labelled with its value and meaning.
    Finding windows are shaded across every panel (warning orange, critical vermillion) with
    a ▼ marker on top whose hover gives the message; markers that would overlap are one ▼
    with their count. When video samples with a frame rate exist, a fifth panel shows it,
    with a strip along its floor where the sent video was bandwidth-limited (sky) or
    CPU-limited (pink), the findings' words. Several peers in one frame are averaged (the
    subtitle says so). About 500 px tall (600 with video), so the time axis stays in view.

    {parameters}
    """
    data = prepare_quality_over_time(
        timeseries, findings=findings, kind=kind, bin=bin, max_points=max_points
    )
    panels = data.panels
    fig = make_subplots(rows=len(panels), cols=1, shared_xaxes=True, vertical_spacing=0.035)
    base_layout(
        fig,
        title or "Call quality over time",
        height=height or _TOP_PX + _PANEL_PX * len(panels) + 50,
        hovermode="x unified",
        margin=dict(l=10, r=20, t=_TOP_PX, b=50),
        legend=dict(orientation="h", y=1.005, yanchor="bottom", x=1.0, xanchor="right"),
    )
    for row, (_, label) in enumerate(panels, start=1):
        fig.update_yaxes(title_text=label, row=row, col=1, automargin=True)
    fig.update_xaxes(title_text=TIME_TITLE, row=len(panels), col=1)
    if data.span is None:
        return mark_no_data(fig)
    th = thresholds()
    maxima = _add_lines(fig, data)
    _add_bands(fig, panels, th, maxima)
    t0, t1 = data.span
    if t1 > t0:
        fig.update_xaxes(range=[t0, t1])
    _add_findings(fig, data.findings, t0, t1)
    _add_limited(fig, data.limited, len(panels))  # the video panel is the last
    wide = int(data.findings["wide"].sum())
    notes = list(data.notes)
    if shaded := len(data.findings) - wide:
        notes.append(f"{plural(shaded, 'finding window')} shaded")
    if wide:
        notes.append(f"{plural(wide, 'finding')} about the whole call (▼ at left)")
    fig.update_layout(title_subtitle_text=" · ".join(notes) if notes else None)
    return fig


def _add_lines(fig: go.Figure, data: QualityOverTimeData) -> dict[str, float]:
    """A line per metric and direction in its panel; returns each metric's highest value."""
    rows = {metric: row for row, (metric, _) in enumerate(data.panels, start=1)}
    titles = dict(data.panels)
    statistic = "sample" if data.bin is None else f"{bin_label(data.bin)} mean"
    maxima: dict[str, float] = {}
    grouped = data.lines.groupby(["direction", "metric"], sort=False)
    for (direction_key, metric_key), line in grouped:
        direction, metric = str(direction_key), str(metric_key)
        y = line["value"].to_numpy(dtype=float)
        if np.isfinite(y).any():
            maxima[metric] = max(maxima.get(metric, 0.0), float(np.nanmax(y)))
        video = metric == "fps"
        said = DIRECTION_LABELS.get(direction, direction)  # sent / received, never producer
        fig.add_trace(
            scatter_type(len(y))(
                x=line["timestamp"].to_numpy(),
                y=np.round(y, 2 if video else 3),
                mode="lines",
                name=said,
                legendgroup=direction,
                showlegend=rows[metric] == 1,
                line=DIRECTION_LINES.get(direction, dict(color=PALETTE["pink"], width=1.2)),
                hovertemplate=f"{said} video ({statistic}): %{{y:.1f}} fps<extra></extra>"
                if video
                else f"{said} {titles[metric]} ({statistic}): %{{y:.2f}}<extra></extra>",
                connectgaps=None if video else False,
            ),
            row=rows[metric],
            col=1,
        )
    return maxima


_LIMITED_COLORS = {"cpu": PALETTE["pink"], "bandwidth": PALETTE["sky"]}


def _add_limited(fig: go.Figure, limited: pd.DataFrame, row: int) -> None:
    """A strip along the video panel's floor (the last panel), one trace per reason named as
    the findings name it (``sent video CPU-limited``: cpu pink, bandwidth sky)."""
    if limited.empty:  # only ever filled when the figure has its video panel
        return
    for why, part in limited.groupby("why", sort=True):
        words = f"sent video {LIMITATION_LABELS.get(str(why), f'limited ({why})')}"
        fps = np.round(part["fps"].to_numpy(dtype=float), 1)
        fig.add_trace(
            scatter_type(len(part))(
                x=part["timestamp"].to_numpy(),
                y=np.full(len(part), _LIMITED_Y),
                mode="markers",
                name=words,
                marker=dict(
                    symbol="square", size=7, color=_LIMITED_COLORS.get(str(why), PALETTE["black"])
                ),
                customdata=fps,
                hovertemplate=f"{words} (%{{customdata}} fps)<extra></extra>",
            ),
            row=row,
            col=1,
        )


def _add_bands(
    fig: go.Figure, panels: list[tuple[str, str]], th: Thresholds, maxima: dict[str, float]
) -> None:
    """Each panel's good/fair/poor bands, with explicit ranges so the bands never stretch the
    axes; each panel's poor edge and the loss-burst line, labelled with value and meaning."""
    ranges = {
        "mos": (1.0, 4.6),
        "loss_pct": (0.0, max(th.loss_burst_pct * 1.25, maxima.get("loss_pct", 0) * 1.08)),
        "rtt_ms": (0.0, max(th.rtt_poor_ms * 1.35, maxima.get("rtt_ms", 0) * 1.08)),
        "jitter_ms": (0.0, max(th.jitter_poor_ms * 1.4, maxima.get("jitter_ms", 0) * 1.08)),
        "fps": (0.0, max(32.0, maxima.get("fps", 0) * 1.08)),
    }
    poor_line = dict(color=VERDICT_COLORS["poor"], dash="dot", width=1)
    note = dict(size=10, color=VERDICT_COLORS["poor"])
    # Shapes and labels are built as plain dicts and set once: plotly's add_hrect/add_hline
    # re-validate every shape already there on each call (a second per figure with ~20). Set
    # by assignment: update_layout(shapes=...) validates them again as a relayout (5x slower).
    shapes: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []

    def line(row: int, y: float, text: str, where: str) -> None:
        x, yref = _axes(fig, row)
        shapes.append(
            dict(type="line", xref=f"{x} domain", x0=0, x1=1, yref=yref, y0=y, y1=y,
                 line=poor_line)
        )  # fmt: skip
        vertical, side = where.split()
        labels.append(
            dict(xref=f"{x} domain", yref=yref, x=0 if side == "left" else 1, y=y, xanchor=side,
                 yanchor="top" if vertical == "bottom" else "bottom", text=text,
                 showarrow=False, font=note, bgcolor="rgba(255,255,255,0.75)")
        )  # fmt: skip

    for row, (metric, _) in enumerate(panels, start=1):
        lo, hi = ranges[metric]
        fig.update_yaxes(range=[lo, hi], row=row, col=1)
        x, yref = _axes(fig, row)
        for y0, y1, verdict in _bands(metric, th, hi):
            shapes.append(
                dict(type="rect", xref=f"{x} domain", x0=0, x1=1, yref=yref, y0=y0, y1=y1,
                     fillcolor=VERDICT_COLORS[verdict], opacity=0.1, line_width=0,
                     layer="below")
            )  # fmt: skip
        value, meaning = threshold_lines(th)[metric]
        line(row, value, meaning, "bottom right" if metric == "mos" else "top right")
    burst, meaning = threshold_lines(th)["loss_burst"]
    line(2, burst, meaning, "top left")
    fig.layout.shapes = [*fig.layout.shapes, *shapes]
    fig.layout.annotations = [*fig.layout.annotations, *labels]


def _axes(fig: go.Figure, row: int) -> tuple[str, str]:
    """The x and y axis references (``"x2"``, ``"y2"``) of the figure's panel ``row``."""
    subplot = fig.get_subplot(row, 1)
    return (
        subplot.xaxis.plotly_name.replace("axis", ""),
        subplot.yaxis.plotly_name.replace("axis", ""),
    )


def threshold_lines(th: Thresholds) -> dict[str, tuple[float, str]]:
    """The lines the figure draws, by panel metric: (value, its label: value and meaning)."""
    return {
        "mos": (th.mos_poor, f"MOS {th.mos_poor:g}: poor below"),
        "loss_pct": (th.loss_poor_pct, f"{th.loss_poor_pct:g} %: poor above"),
        "loss_burst": (th.loss_burst_pct, f"{th.loss_burst_pct:g} %: a burst, heard as dropouts"),
        "rtt_ms": (th.rtt_poor_ms, f"{th.rtt_poor_ms:g} ms: poor above, people talk over"),
        "jitter_ms": (th.jitter_poor_ms, f"{th.jitter_poor_ms:g} ms: poor above, choppy audio"),
        "fps": (th.video_min_fps, f"{th.video_min_fps:g} fps: choppy video below"),
    }


def _bands(metric: str, th: Thresholds, top: float) -> list[tuple[float, float, str]]:
    """(low, high, verdict) of a panel's bands, up to the panel's ``top``."""
    if metric == "fps":
        return [(0, th.video_min_fps, "poor")]
    edges = band_edges(metric_family(metric), th)
    assert edges is not None, metric  # every other panel is a banded metric
    first, second = edges
    if metric == "mos":  # better high
        return [(first, 4.6, "good"), (second, first, "fair"), (1, second, "poor")]
    return [(0, first, "good"), (first, second, "fair"), (second, top, "poor")]


def _add_findings(
    fig: go.Figure, findings: pd.DataFrame, t0: pd.Timestamp, t1: pd.Timestamp
) -> None:
    """Shade finding windows across every panel; ▼ markers on top carry the messages.

    Windows whose markers would overlap share one ▼ (the worst severity's colour) with their
    count beside it and every message on its hover. A finding about most of the call is not
    shaded: such findings share one ▼ per severity at the left edge.
    """
    windows, wide = findings[~findings["wide"]], findings[findings["wide"]]
    rows = len(fig._grid_ref)  # one shaded window per panel, all set at once (see _add_bands)
    shades = []
    for r in windows.to_dict("records"):
        end = r["x1"] if r["x1"] > r["x0"] else r["x0"] + pd.Timedelta("5s")
        color = SEVERITY_COLORS.get(r["severity"], PALETTE["grey"])
        for row in range(1, rows + 1):
            x, y = _axes(fig, row)
            shades.append(
                dict(type="rect", xref=x, x0=r["x0"], x1=end, yref=f"{y} domain", y0=0, y1=1,
                     fillcolor=color, opacity=0.1 if r["severity"] == "info" else 0.16,
                     line=dict(color=color, width=1), layer="below")
            )  # fmt: skip
    if shades:
        fig.layout.shapes = [*fig.layout.shapes, *shades]
    groups = group_markers(windows, t0, t1)
    for severity in _SEVERITIES:
        color = SEVERITY_COLORS.get(severity, PALETTE["grey"])
        marker = dict(symbol="triangle-down", size=11, color=color, line=dict(color="white"))
        sub = groups[groups["severity"] == severity]
        if not sub.empty:
            fig.add_trace(_window_markers(sub, severity, marker), row=1, col=1)
        sub = wide[wide["severity"] == severity]
        if not sub.empty:
            # Side by side at the left edge: critical, warning, info.
            at = t0 + (t1 - t0) * (0.012 * _SEVERITIES.index(severity))
            lines = [
                f"<b>{r['rule']}</b>: {_wrap_html(r['message'])}" for r in sub.to_dict("records")
            ]
            head = f"<b>{len(sub)} {severity} finding(s) about the whole call</b><br>"
            shown = (groups["severity"] == severity).any()
            fig.add_trace(
                go.Scatter(
                    x=[at],
                    y=[_MARKER_Y],
                    cliponaxis=False,
                    mode="markers",
                    marker={**marker, "size": 14},
                    name=f"{severity} finding",
                    legendgroup=f"finding-{severity}",
                    showlegend=not shown,
                    hovertext=[head + "<br>".join(lines)],
                    hoverinfo="text",
                ),
                row=1,
                col=1,
            )


def group_markers(windows: pd.DataFrame, t0: pd.Timestamp, t1: pd.Timestamp) -> pd.DataFrame:
    """The ▼ markers of finding windows, those that would overlap (middles closer than
    :data:`_MARKER_GAP` of the time axis) grouped: one row per marker with ``x`` (the group's
    first middle), ``severity`` (the worst), ``count`` and ``hover`` (every finding's rule,
    severity, times and message)."""
    columns = ["x", "severity", "count", "hover"]
    if windows.empty:
        return pd.DataFrame(columns=columns)
    found = windows.assign(mid=windows["x0"] + (windows["x1"] - windows["x0"]) / 2)
    found = found.sort_values("mid", kind="stable")
    gap = (t1 - t0) * _MARKER_GAP
    group = (found["mid"].diff() > gap).cumsum().to_numpy()
    rows = []
    for _, part in found.groupby(group, sort=True):
        records = part.to_dict("records")
        worst = min((r["severity"] for r in records), key=_severity_order)
        texts = [_marker_text(r) for r in records]
        head = f"<b>{len(records)} findings here</b><br><br>" if len(records) > 1 else ""
        hover = head + "<br><br>".join(texts)
        rows.append((records[0]["mid"], worst, len(records), hover))
    return pd.DataFrame(rows, columns=columns)


def _severity_order(severity: str) -> int:
    return _SEVERITIES.index(severity) if severity in _SEVERITIES else len(_SEVERITIES)


def _marker_text(r: dict) -> str:
    return (
        f"<b>{r['rule']}</b> ({r['severity']})<br>{r['start']:%H:%M:%S}–"
        + (f"{r['end']:%H:%M:%S} UTC" if pd.notna(r["end"]) else "the end")
        + f"<br>{_wrap_html(r['message'])}"
    )


def _window_markers(groups: pd.DataFrame, severity: str, marker: dict) -> go.Scatter:
    """A ▼ per marker group of one (worst) severity, with the group's count beside it when
    it holds several findings; hover: each finding's rule, times and message."""
    counts = groups["count"].to_numpy(dtype=int)
    return go.Scatter(
        x=groups["x"].to_numpy(),
        y=np.full(len(groups), _MARKER_Y),
        mode="markers+text",
        marker=marker,
        text=[f"×{n}" if n > 1 else "" for n in counts],
        textposition="middle right",
        textfont=dict(size=10, color=marker["color"]),
        name=f"{severity} finding",
        legendgroup=f"finding-{severity}",
        hovertext=groups["hover"].tolist(),
        hoverinfo="text",
    )


def _wrap_html(text: str, width: int = 60) -> str:
    return "<br>".join(textwrap.wrap(str(text), width)) or ""
