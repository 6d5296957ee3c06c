"""Figures from tidy frames, in the style of plotly express.

A frame plus column names in, a :class:`plotly.graph_objects.Figure` out. No HTTP and no
JSON parsing here (``docs/architecture.md``): the frames come from :mod:`rtk_notebook.frames` (the
columns and dtypes of ``frames.SCHEMAS``) and from the quality analysis.

Conventions every figure keeps:

- a title, and axis titles with their units; times are drawn in UTC and say so;
- the Okabe-Ito palette (:data:`PALETTE`), safe for the common kinds of colour blindness;
- one colour per verdict and per status in every figure (:data:`VERDICT_COLORS`,
  :data:`STATUS_COLORS`, merged in :data:`CATEGORY_COLORS`), so "poor" is the same
  vermillion in a timeline and in a breakdown;
- an empty frame gives a readable empty figure (same title and axes, and a "No data"
  annotation), never an exception; optional columns that are missing are worked around
  (no ``verdict`` column: bars coloured by ``preset_name``, or one colour);
- small figure JSON: long series are averaged into time bins, heatmaps are binned, and
  ``go.Scattergl`` is used for traces with many points, so a 200-peer, one-hour session
  stays well under 2 MB of ``fig.to_json()``.

Quality thresholds (MOS, loss, RTT, jitter, frame rate bands) are read from
``rtk_notebook.quality.rules`` when that module exists: a mapping or object named
``THRESHOLDS`` with the field names of :class:`Thresholds`, or module constants named as
those fields in upper case (``MOS_GOOD``, ``MOS_POOR``, ``LOSS_GOOD_PCT``, ``LOSS_POOR_PCT``,
``LOSS_BURST_PCT``, ``RTT_FAIR_MS``, ``RTT_POOR_MS``, ``JITTER_FAIR_MS``, ``JITTER_POOR_MS``,
``VIDEO_MIN_FPS``; a constant may be a number or an object with a ``value``). Whatever is not
found there keeps the defaults of :class:`Thresholds`, the figures of
``docs/quality-sources.md``.

Importing this module imports plotly; nothing else in the package imports it eagerly.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

__all__ = [
    "CATEGORY_COLORS",
    "PALETTE",
    "SEVERITY_COLORS",
    "STATUS_COLORS",
    "VERDICT_COLORS",
    "Thresholds",
    "daywise_usage",
    "duration_distribution",
    "empty_figure",
    "participant_timeline",
    "participants_per_session",
    "quality_breakdown",
    "quality_over_time",
    "recording_status",
    "session_heatmap",
    "stay_distribution",
    "thresholds",
]

# --------------------------------------------------------------------------------------------
# Colours
# --------------------------------------------------------------------------------------------

#: The Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008), by name.
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "pink": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#999999",
}

#: A peer's (or a sample's) quality verdict.
VERDICT_COLORS: dict[str, str] = {
    "good": PALETTE["green"],
    "fair": PALETTE["orange"],
    "poor": PALETTE["vermillion"],
    "unknown": PALETTE["grey"],
    "error": PALETTE["grey"],
}

#: Recording status (the API's lifecycle) and session status.
STATUS_COLORS: dict[str, str] = {
    "UPLOADED": PALETTE["green"],
    "RECORDING": PALETTE["blue"],
    "PAUSED": PALETTE["sky"],
    "UPLOADING": PALETTE["orange"],
    "INVOKED": PALETTE["pink"],
    "ERRORED": PALETTE["vermillion"],
    "LIVE": PALETTE["blue"],
    "ENDED": PALETTE["grey"],
}

#: Severity of a diagnosis finding (shaded windows in :func:`quality_over_time`).
SEVERITY_COLORS: dict[str, str] = {
    "info": PALETTE["sky"],
    "warning": PALETTE["orange"],
    "critical": PALETTE["vermillion"],
}

#: The one mapping every figure colours verdicts and statuses by.
CATEGORY_COLORS: dict[str, str] = {**VERDICT_COLORS, **STATUS_COLORS}

# Colours for other categories (presets, browsers...): the ones that mean nothing yet first,
# the verdict colours last, yellow (weak on white) at the very end.
_CYCLE = (
    PALETTE["blue"],
    PALETTE["pink"],
    PALETTE["sky"],
    PALETTE["black"],
    PALETTE["orange"],
    PALETTE["green"],
    PALETTE["vermillion"],
    PALETTE["yellow"],
)
_VERDICT_ORDER = ("good", "fair", "poor", "unknown")
_RECORDING_STATUS_ORDER = ("INVOKED", "RECORDING", "PAUSED", "UPLOADING", "UPLOADED", "ERRORED")
_PRODUCER = PALETTE["blue"]
_LIGHT_GOOD = "#80CEB9"  # the verdict green halfway to white (heatmaps)
_DARK_POOR = "#7A3500"  # the verdict vermillion darkened (heatmaps)
_CONSUMER = PALETTE["black"]


def _color_map(values: Iterable[Any], *, known: Mapping[str, str] = CATEGORY_COLORS) -> dict:
    """A colour for each value: the fixed one for a verdict or status, else the cycle."""
    out: dict[Any, str] = {}
    i = 0
    for value in values:
        if value in out:
            continue
        key = str(value)
        color = known.get(key) or known.get(key.lower()) or known.get(key.upper())
        if color is None:
            color = _CYCLE[i % len(_CYCLE)]
            i += 1
        out[value] = color
    return out


# --------------------------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """Band edges the quality figures draw (defaults: ``docs/quality-sources.md``).

    Field names are those of the constants in ``rtk_notebook.quality.rules``, lower-cased.
    MOS: good at or above ``mos_good``, fair down to ``mos_poor``, poor below it. Loss: good
    below ``loss_good_pct``, fair up to ``loss_poor_pct``, poor above; ``loss_burst_pct``
    marks bursts heard as dropouts. RTT and jitter: good below ``*_fair_ms``, fair up to
    ``*_poor_ms``, poor above. ``video_min_fps``: a lower frame rate is a visible degradation.
    """

    mos_good: float = 4.0
    mos_poor: float = 3.6
    loss_good_pct: float = 1.0
    loss_poor_pct: float = 5.0
    loss_burst_pct: float = 10.0
    rtt_fair_ms: float = 150.0
    rtt_poor_ms: float = 300.0
    jitter_fair_ms: float = 30.0
    jitter_poor_ms: float = 50.0
    video_min_fps: float = 15.0


def _number(value: Any) -> float | None:
    value = getattr(value, "value", value)
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def thresholds() -> Thresholds:
    """The thresholds in force: ``rtk_notebook.quality.rules`` where it has them, else defaults."""
    try:
        from rtk_notebook.quality import rules  # type: ignore[attr-defined]
    except ImportError:
        return Thresholds()
    table = getattr(rules, "THRESHOLDS", None)
    found: dict[str, float] = {}
    for field in dataclasses.fields(Thresholds):
        candidates: list[Any] = []
        if isinstance(table, Mapping):
            candidates.append(table.get(field.name))
        elif table is not None:
            candidates.append(getattr(table, field.name, None))
        candidates.append(getattr(rules, field.name.upper(), None))
        for candidate in candidates:
            number = _number(candidate)
            if number is not None:
                found[field.name] = number
                break
    result = Thresholds(**found)
    default = Thresholds()
    # Bands must be ordered; a set that is not (a misread constant) is not drawn half-wrong.
    ordered = (
        result.mos_poor < result.mos_good
        and result.loss_good_pct < result.loss_poor_pct <= result.loss_burst_pct
        and result.rtt_fair_ms < result.rtt_poor_ms
        and result.jitter_fair_ms < result.jitter_poor_ms
    )
    return result if ordered else default


# --------------------------------------------------------------------------------------------
# Shared parameter docs (as plotly express does: one table, many docstrings)
# --------------------------------------------------------------------------------------------

_PARAM_DOCS: dict[str, tuple[str, str]] = {
    "participants": (
        "DataFrame",
        "A session's participants, one row per join (``kit.session_participants(id)``, "
        "schema ``frames.SCHEMAS['session_participants']``), optionally with a per-peer "
        "``verdict`` column merged in.",
    ),
    "timeseries": (
        "DataFrame",
        "Per-sample quality: ``timestamp`` (datetime, UTC), ``kind`` (audio/video/"
        "screenshare), ``direction`` (producer/consumer), ``mos``, ``loss_pct`` (or "
        "``packets_lost`` and ``packets_sent``), ``rtt_ms``, ``jitter_ms``, ``fps``, "
        "``limitation``; optionally ``peer_id``/``display_name``. Missing metric columns "
        "leave their panel empty.",
    ),
    "findings": (
        "DataFrame or None",
        "Diagnosis findings to shade: ``rule``, ``severity`` (info/warning/critical), "
        "``start``, ``end`` (datetimes), ``message`` (shown on hover).",
    ),
    "sessions": (
        "DataFrame",
        "Sessions (``kit.sessions()``, schema ``frames.SCHEMAS['sessions']``).",
    ),
    "quality": (
        "DataFrame",
        "Per-peer quality summary: grouping columns (``browser``, ``os``, ``network``, "
        "``country``, ``connection_type``...), metrics (``mos_avg``, ``loss_avg_pct``, "
        "``rtt_p90_ms``, ``jitter_p90_ms``) and ``verdict`` (good/fair/poor); "
        "``display_name`` or ``peer_id`` named on hover when present.",
    ),
    "recordings": (
        "DataFrame",
        "Recordings (``kit.recordings()``, schema ``frames.SCHEMAS['recordings']``).",
    ),
    "daywise": (
        "DataFrame",
        "Day-wise usage (``kit.daywise()``, schema ``frames.SCHEMAS['daywise']``).",
    ),
    "start": ("str", "Column of join times (datetime)."),
    "end": ("str", "Column of leave times (datetime; NaT while still in the call)."),
    "name": (
        "str",
        "Column naming each bar's row; joins with the same name (rejoins) share a row.",
    ),
    "color": (
        "str or None",
        "Column to colour by. Verdicts and statuses keep their fixed colours "
        "(:data:`CATEGORY_COLORS`). If the column is missing, ``preset_name`` is used, then "
        "one colour.",
    ),
    "hover_data": ("list of str or None", "Extra columns to show on hover."),
    "now": (
        "datetime-like or None",
        "The time the data describe ('still in the call', 'stuck for'); default: the "
        "frame's latest timestamp.",
    ),
    "by": ("str", "Column to group by."),
    "value": (
        "str",
        "Metric to colour by: ``mos``, ``loss_pct``, ``rtt_ms``, ``jitter_ms`` (band "
        "colours), or any other numeric column (a sequential scale).",
    ),
    "bin": (
        "str or None",
        "Time bin as a pandas frequency (``'30s'``, ``'1min'``); ``None`` picks one that "
        "keeps each series under ``max_points``.",
    ),
    "max_points": ("int", "Most points one series is drawn with before it is binned."),
    "kind": (
        "str or None",
        "Track kind to keep (``'audio'``, ``'video'``...); ``None`` keeps every kind.",
    ),
    "direction": (
        "str or None",
        "Track direction to keep (``'producer'``, ``'consumer'``); ``None`` keeps both.",
    ),
    "metric": (
        "str",
        "Numeric column to compare groups by (``mos_avg``, ``loss_avg_pct``, "
        "``rtt_p90_ms``, ``jitter_p90_ms``...).",
    ),
    "min_peers": ("int", "Groups with fewer peers than this are merged into 'other'."),
    "sort": (
        "str",
        "Order of the rows: ``'first_seen'``, ``'name'``, ``'worst'`` (heatmap) or "
        "``'count'``, ``'metric'`` (breakdown).",
    ),
    "column": ("str or None", "Column to take the values from; ``None`` picks the default."),
    "bins": ("int or None", "Number of histogram bins; ``None`` lets numpy choose."),
    "stuck_after": (
        "str or timedelta",
        "An INVOKED or UPLOADING recording older than this (before ``now``) counts as stuck.",
    ),
    "height": ("int or None", "Figure height in pixels; ``None`` sizes it to the content."),
    "title": ("str or None", "Figure title; ``None`` gives a descriptive default."),
}

_F = TypeVar("_F", bound=Callable[..., Any])


def _documented(*names: str, **overrides: str) -> Callable[[_F], _F]:
    """Fill a docstring's ``{parameters}`` from the shared table :data:`_PARAM_DOCS`."""

    def decorate(fn: _F) -> _F:
        lines = ["Parameters", "----------"]
        for name in names:
            kind, text = _PARAM_DOCS[name]
            lines.append(f"{name} : {kind}")
            lines += textwrap.wrap(
                overrides.get(name, text), 88, initial_indent="    ", subsequent_indent="    "
            )
        lines += [
            "",
            "Returns",
            "-------",
            "plotly.graph_objects.Figure",
            "    Titled, with axis titles and units; an empty input gives the same layout",
            "    with a 'No data' annotation.",
        ]
        fn.__doc__ = inspect.cleandoc(fn.__doc__ or "").replace("{parameters}", "\n".join(lines))
        return fn

    return decorate


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

_FONT = dict(family="Arial, Helvetica, sans-serif", size=13, color="#222222")
_NO_DATA = "No data"
_TIME_TITLE = "Time (UTC)"

_METRIC_LABELS: dict[str, str] = {
    "mos": "MOS (1-4.5)",
    "mos_avg": "MOS, mean (1-4.5)",
    "mos_p50": "MOS, median (1-4.5)",
    "loss_pct": "Packet loss (%)",
    "loss_avg_pct": "Packet loss, mean (%)",
    "rtt_ms": "RTT (ms)",
    "rtt_avg_ms": "RTT, mean (ms)",
    "rtt_p90_ms": "RTT, p90 (ms)",
    "jitter_ms": "Jitter (ms)",
    "jitter_avg_ms": "Jitter, mean (ms)",
    "jitter_p90_ms": "Jitter, p90 (ms)",
    "bitrate_kbps": "Bitrate (kbit/s)",
    "fps": "Frame rate (fps)",
    "frames_dropped": "Frames dropped (count)",
}


def _label(column: str) -> str:
    return _METRIC_LABELS.get(column, column.replace("_", " "))


def _metric_family(column: str) -> str | None:
    """``'mos'``, ``'loss'``, ``'rtt'``, ``'jitter'`` or ``'fps'`` for a metric column."""
    col = column.lower()
    for family in ("mos", "loss", "rtt", "jitter", "fps"):
        if family in col:
            return family
    return None


def _base_layout(fig: go.Figure, title: str, *, subtitle: str | None = None, **kw: Any) -> None:
    layout_title: dict[str, Any] = dict(text=title, x=0.01, xanchor="left", font=dict(size=18))
    if subtitle:
        layout_title["subtitle"] = dict(text=subtitle, font=dict(size=12, color="#555555"))
    legend = {"bgcolor": "rgba(255,255,255,0.8)", **kw.pop("legend", {})}
    fig.update_layout(
        template="plotly_white",
        title=layout_title,
        font=_FONT,
        colorway=list(_CYCLE),
        hoverlabel=dict(font_size=12),
        legend=legend,
        **kw,
    )


def _mark_no_data(fig: go.Figure) -> go.Figure:
    """Turn a figure's laid-out but empty panels into a readable "No data" figure.

    Every panel gets a frame, its axis titles, no meaningless default ticks, and a "No data"
    annotation in its middle. (A point-less trace per panel makes plotly draw the panel.)
    """
    layout = fig.layout.to_plotly_json()
    panels = []
    for key, axis in layout.items():
        if key.startswith("yaxis"):
            y = "y" + key[len("yaxis") :]
            panels.append((axis.get("anchor") or "x", y, bool(axis.get("overlaying"))))
    for x, y, overlay in panels or [("x", "y", False)]:
        fig.add_trace(go.Scatter(x=[], y=[], xaxis=x, yaxis=y, showlegend=False, hoverinfo="skip"))
        if overlay:  # a secondary axis: drawn with its title, annotated with its panel
            continue
        fig.add_annotation(
            text=_NO_DATA,
            xref=f"{x} domain",
            yref=f"{y} domain",
            x=0.5,
            y=0.5,
            showarrow=False,
            font=dict(size=18, color=PALETTE["grey"]),
        )
    frame = dict(
        showticklabels=False,
        showgrid=False,
        zeroline=False,
        showline=True,
        linecolor="#CCCCCC",
        mirror=True,
    )
    fig.update_xaxes(**frame)
    fig.update_yaxes(**frame)
    fig.update_layout(showlegend=False)
    return fig


def empty_figure(
    title: str, x_title: str, y_title: str, *, subtitle: str | None = None
) -> go.Figure:
    """A figure with a title, axis titles and a "No data" annotation, and no traces."""
    fig = go.Figure()
    _base_layout(fig, title, subtitle=subtitle, height=360)
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return _mark_no_data(fig)


def _is_empty(frame: pd.DataFrame | None) -> bool:
    return frame is None or len(frame) == 0


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what}: the frame has no column(s) {missing}; it has {list(frame.columns)}"
        )


def _utc_naive(values: Any) -> pd.Series:
    """Datetimes as naive UTC (plotly draws wall times; the axes say UTC)."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC")
    else:
        s = pd.to_datetime(s, utc=True, errors="coerce")
    return s.dt.tz_localize(None)


def _ts(value: Any) -> pd.Timestamp | None:
    """One datetime-like as a naive UTC Timestamp (``None`` for missing)."""
    if value is None:
        return None
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        return None
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts


def _floats(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _labels(s: pd.Series, missing: str = "unknown") -> pd.Series:
    """A category/string column as plain python strings, NA as ``missing``."""
    out = s.astype("object").where(s.notna(), missing)
    return out.map(str)


def _minutes(s: pd.Series) -> pd.Series:
    """A timedelta column, or float minutes, as float minutes."""
    if pd.api.types.is_timedelta64_dtype(s.dtype):
        return s.dt.total_seconds() / 60.0
    return pd.to_numeric(s, errors="coerce").astype("float64")


def _fmt_time(s: pd.Series) -> np.ndarray:
    """Naive-UTC datetimes as readable strings for hover text."""
    return s.dt.strftime("%Y-%m-%d %H:%M:%S UTC").fillna("").to_numpy(dtype=object)


_NICE_BINS = tuple(
    pd.Timedelta(b)
    for b in (
        "1s",
        "5s",
        "10s",
        "15s",
        "30s",
        "1min",
        "2min",
        "5min",
        "10min",
        "15min",
        "30min",
        "1h",
        "2h",
        "6h",
        "1D",
    )
)


def _auto_bin(span: pd.Timedelta, max_points: int) -> pd.Timedelta:
    """The smallest nice bin that draws ``span`` in at most ``max_points`` points."""
    for b in _NICE_BINS:
        if span / b <= max_points:
            return b
    return _NICE_BINS[-1]


def _bin_label(b: pd.Timedelta) -> str:
    seconds = int(b.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def _scatter(n_points: int) -> type:
    return go.Scattergl if n_points > 1000 else go.Scatter


def _auto_height(rows: int, *, per_row: int, base: int, low: int, high: int) -> int:
    return int(min(max(base + per_row * rows, low), high))


# --------------------------------------------------------------------------------------------
# 1. Participant timeline
# --------------------------------------------------------------------------------------------


@_documented(
    "participants", "start", "end", "name", "color", "hover_data", "now", "height", "title"
)
def participant_timeline(
    participants: pd.DataFrame,
    *,
    start: str = "joined_at",
    end: str = "left_at",
    name: str = "display_name",
    color: str | None = "verdict",
    hover_data: Sequence[str] | None = None,
    now: Any = None,
    height: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """A Gantt chart of a session's participants: one bar per join, one row per name.

    Rows are ordered by first join (earliest on top); a rejoin shares its name's row. Bars
    are coloured by ``color`` (verdict colours are fixed). A participant still in the call
    (``end`` is NaT) is drawn up to ``now`` with a hatched bar and a ▶ marker. Hover shows
    the name, preset, join and leave times and the stay in minutes, never ids.

    {parameters}
    """
    title = title or "Participants over time"
    x_title, y_title = _TIME_TITLE, "Participant"
    if _is_empty(participants):
        return empty_figure(title, x_title, y_title)
    _require(participants, [start, name], "participant_timeline")

    df = pd.DataFrame(
        {
            "start": _utc_naive(participants[start]),
            "end": _utc_naive(participants[end])
            if end in participants.columns
            else pd.Series(pd.NaT, index=participants.index, dtype="datetime64[ns]"),
            "name": _labels(participants[name], "(no name)"),
        },
        index=participants.index,
    )
    df = df[df["start"].notna()]
    if df.empty:
        return empty_figure(title, x_title, y_title)

    color_col = None
    for candidate in (color, "preset_name"):
        if candidate and candidate in participants.columns:
            color_col = candidate
            break
    if color_col is not None:
        df["group"] = _labels(participants.loc[df.index, color_col])
    else:
        df["group"] = "participant"

    # "Now": given, else the frame's latest timestamp (updated_at is the snapshot time).
    stamps = [df["start"].max(), df["end"].max()]
    if "updated_at" in participants.columns:
        stamps.append(_utc_naive(participants["updated_at"]).max())
    latest = max(t for t in stamps if pd.notna(t))
    until = _ts(now) or latest
    df["open"] = df["end"].isna()
    df["draw_end"] = df["end"].where(~df["open"], until)
    df["draw_end"] = df[["draw_end", "start"]].max(axis=1)
    stay_min = (df["draw_end"] - df["start"]).dt.total_seconds() / 60.0

    order = df.groupby("name", sort=False)["start"].min().sort_values().index.tolist()

    hover_cols = [c for c in (hover_data or []) if c in participants.columns]
    preset = (
        _labels(participants.loc[df.index, "preset_name"], "-")
        if "preset_name" in participants.columns
        else pd.Series("-", index=df.index)
    )
    left_text = np.where(
        df["open"], "still in the call", _fmt_time(df["end"].fillna(pd.Timestamp(0)))
    )
    custom = [
        df["name"].to_numpy(dtype=object),
        preset.to_numpy(dtype=object),
        _fmt_time(df["start"]),
        left_text,
        np.round(stay_min.to_numpy(dtype=float), 1),
        df["group"].to_numpy(dtype=object),
    ]
    extra_lines = ""
    for i, col in enumerate(hover_cols):
        custom.append(_labels(participants.loc[df.index, col], "").to_numpy(dtype=object))
        extra_lines += f"<br>{col}: %{{customdata[{6 + i}]}}"
    customdata = np.column_stack(custom)
    group_label = color_col or "group"
    hovertemplate = (
        "<b>%{customdata[0]}</b><br>preset: %{customdata[1]}<br>joined: %{customdata[2]}"
        "<br>left: %{customdata[3]}<br>stay: %{customdata[4]} min"
        + (f"<br>{group_label}: %{{customdata[5]}}" if color_col else "")
        + extra_lines
        + "<extra></extra>"
    )

    groups = df["group"].unique().tolist()
    if color_col == "verdict" or set(groups) <= set(VERDICT_COLORS):
        groups = [g for g in _VERDICT_ORDER if g in groups] + [
            g for g in groups if g not in _VERDICT_ORDER
        ]
    else:
        groups = sorted(groups)
    colors = _color_map(groups) if color_col else {"participant": PALETTE["blue"]}

    fig = go.Figure()
    duration_ms = (df["draw_end"] - df["start"]).dt.total_seconds() * 1000.0
    for group in groups:
        in_group = (df["group"] == group).to_numpy()
        legend_shown = False
        # Closed and still-open joins in separate traces, so the legend swatch is plain.
        for is_open in (False, True):
            mask = in_group & (df["open"].to_numpy() == is_open)
            if not mask.any():
                continue
            sub = df[mask]
            fig.add_trace(
                go.Bar(
                    orientation="h",
                    base=sub["start"].to_numpy(),
                    x=duration_ms[mask].to_numpy(),
                    y=sub["name"].to_numpy(dtype=object),
                    name=str(group),
                    legendgroup=str(group),
                    marker=dict(
                        color=colors[group],
                        line=dict(color="white", width=0.5),
                        pattern=dict(shape="/", fgcolor="white", size=6, solidity=0.3)
                        if is_open
                        else None,
                    ),
                    customdata=customdata[mask],
                    hovertemplate=hovertemplate,
                    showlegend=bool(color_col) and not legend_shown,
                )
            )
            legend_shown = True
    if df["open"].any():
        open_ = df[df["open"]]
        fig.add_trace(
            go.Scatter(
                x=open_["draw_end"].to_numpy(),
                y=open_["name"].to_numpy(dtype=object),
                mode="markers",
                marker=dict(symbol="triangle-right", size=9, color=PALETTE["black"]),
                name="still in the call",
                customdata=customdata[df["open"].to_numpy()],
                hovertemplate=hovertemplate,
            )
        )
        fig.add_vline(x=until, line=dict(color=PALETTE["grey"], dash="dot", width=1))

    n_rows = len(order)
    n_joins = len(df)
    subtitle = f"{n_rows} participant{'s' * (n_rows != 1)}, {n_joins} join{'s' * (n_joins != 1)}"
    if df["open"].any():
        subtitle += f"; {int(df['open'].sum())} still in the call at {until:%H:%M} UTC"
    fig_height = height or _auto_height(n_rows, per_row=22, base=210, low=340, high=2200)
    _base_layout(
        fig,
        title,
        subtitle=subtitle,
        barmode="overlay",
        bargap=0.25,
        height=fig_height,
        legend=dict(title=dict(text=color_col or ""), orientation="h", y=-0.01, yanchor="top"),
        margin=dict(l=10, r=20, t=150, b=60),
    )
    # The time axis is on top (long rosters): keep the title above its labels.
    fig.update_layout(title=dict(yref="container", y=1 - 14 / fig_height, yanchor="top"))
    fig.update_xaxes(type="date", title_text=x_title, side="top")
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=order,
        autorange="reversed",
        title_text=y_title,
        automargin=True,
    )
    return fig


# --------------------------------------------------------------------------------------------
# 2. Quality over time
# --------------------------------------------------------------------------------------------


def _prepare_timeseries(ts: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as naive UTC, ``loss_pct`` derived when only packet counts are given."""
    df = ts.copy()
    df["timestamp"] = _utc_naive(df["timestamp"])
    df = df[df["timestamp"].notna()]
    if "loss_pct" not in df.columns and {"packets_lost", "packets_sent"} <= set(df.columns):
        lost = _floats(df["packets_lost"])
        sent = _floats(df["packets_sent"])
        with np.errstate(invalid="ignore", divide="ignore"):
            df["loss_pct"] = np.where(lost + sent > 0, lost / (lost + sent) * 100.0, np.nan)
    return df


def _peer_column(df: pd.DataFrame) -> str | None:
    for col in ("display_name", "peer_id"):
        if col in df.columns:
            return col
    return None


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


def _findings_frame(findings: pd.DataFrame | None) -> pd.DataFrame:
    if findings is None or len(findings) == 0 or "start" not in findings.columns:
        return pd.DataFrame(columns=["start", "end", "severity", "rule", "message"])
    out = pd.DataFrame(index=findings.index)
    out["start"] = _utc_naive(findings["start"])
    # No end column: points in time; an end that is NaT: to the end of the samples.
    end = findings["end"] if "end" in findings.columns else findings["start"]
    out["end"] = _utc_naive(end)
    for col, default in (("severity", "warning"), ("rule", "finding"), ("message", "")):
        out[col] = _labels(findings[col], default) if col in findings.columns else default
    out["severity"] = out["severity"].str.lower()
    return out[out["start"].notna()]


@_documented("timeseries", "findings", "kind", "bin", "max_points", "height", "title")
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

    The producer track (what the peer sends) is a solid line, the consumer track (what it
    receives) dashed. Each panel has its good/fair/poor bands (:func:`thresholds`). Finding
    windows are shaded across every panel (warning orange, critical vermillion) with a ▼
    marker on top whose hover gives the message. When video samples with a frame rate
    exist, a fifth panel shows it, with a strip along its floor where the encoder said it
    was limited by bandwidth (sky) or CPU (pink). Several peers in one frame are averaged
    (the subtitle says so).

    {parameters}
    """
    th = thresholds()
    panels: list[tuple[str, str]] = [
        ("mos", _METRIC_LABELS["mos"]),
        ("loss_pct", "Loss (%)"),
        ("rtt_ms", "RTT (ms)"),
        ("jitter_ms", "Jitter (ms)"),
    ]
    df = None if _is_empty(timeseries) else _prepare_timeseries(timeseries)
    has_video = (
        df is not None
        and "kind" in df.columns
        and "fps" in df.columns
        and bool(((df["kind"].astype("object") == "video") & df["fps"].notna()).any())
    )
    if has_video:
        panels.append(("fps", "Video (fps)"))
    title = title or "Call quality over time"

    fig = make_subplots(rows=len(panels), cols=1, shared_xaxes=True, vertical_spacing=0.035)
    _base_layout(
        fig,
        title,
        height=height or 150 + 170 * len(panels),
        hovermode="x unified",
        margin=dict(l=10, r=20, t=125, b=50),
        legend=dict(orientation="h", y=1.005, yanchor="bottom", x=1.0, xanchor="right"),
    )
    for row, (_, label) in enumerate(panels, start=1):
        fig.update_yaxes(title_text=label, row=row, col=1, automargin=True)
    fig.update_xaxes(title_text=_TIME_TITLE, row=len(panels), col=1)

    if df is None or df.empty:
        return _mark_no_data(fig)

    notes: list[str] = []
    peer_col = _peer_column(df)
    n_peers = df[peer_col].nunique() if peer_col is not None else 0
    if n_peers == 1:
        notes.append(str(df[peer_col].dropna().iloc[0]))
    elif n_peers > 1:
        notes.append(f"mean of {n_peers} peers")

    audio = df
    if kind is not None and "kind" in df.columns:
        kinds = df["kind"].astype("object")
        if (kinds == kind).any():
            audio = df[kinds == kind]
            notes.append(f"{kind} tracks")
        else:
            notes.append("all tracks")
    metrics = [m for m, _ in panels[:4] if m in audio.columns]

    span = audio["timestamp"].max() - audio["timestamp"].min()
    if "direction" in audio.columns:
        n_max = int(audio["direction"].astype("object").value_counts().max())
    else:
        n_max = len(audio)
    if bin is not None:
        bin_: pd.Timedelta | None = pd.Timedelta(bin)
    elif n_max > max_points or n_peers > 1:  # several peers: their samples never line up
        bin_ = _auto_bin(span, max_points)
    else:
        bin_ = None
    if bin_ is not None:
        notes.append(f"{_bin_label(bin_)} means")

    directions: list[tuple[str, pd.DataFrame]]
    if "direction" in audio.columns:
        dirs = audio["direction"].astype("object")
        directions = [(d, audio[dirs == d]) for d in ("producer", "consumer") if (dirs == d).any()]
        others = sorted(set(dirs.dropna()) - {"producer", "consumer"})
        directions += [(d, audio[dirs == d]) for d in others]
    else:
        directions = [("producer", audio)]
    styles = {
        "producer": dict(color=_PRODUCER, width=1.8),
        "consumer": dict(color=_CONSUMER, width=1.4, dash="dash"),
    }
    maxima: dict[str, float] = {}
    for direction, sub in directions:
        binned = _binned(sub, metrics, bin_)
        x = binned.index.to_numpy()
        for row, (metric, label) in enumerate(panels[:4], start=1):
            if metric not in binned.columns:
                continue
            y = binned[metric].to_numpy(dtype=float)
            if np.isfinite(y).any():
                maxima[metric] = max(maxima.get(metric, 0.0), float(np.nanmax(y)))
            trace = _scatter(len(x))
            fig.add_trace(
                trace(
                    x=x,
                    y=np.round(y, 3),
                    mode="lines",
                    name=direction,
                    legendgroup=direction,
                    showlegend=row == 1,
                    line=styles.get(direction, dict(color=PALETTE["pink"], width=1.2)),
                    hovertemplate=f"{direction} {label}: %{{y:.2f}}<extra></extra>",
                    connectgaps=False,
                ),
                row=row,
                col=1,
            )

    if has_video:
        _add_fps_panel(fig, df, bin_, max_points, len(panels), th, maxima)

    # Bands, with explicit ranges so the bands never stretch the axes.
    ranges = {
        "mos": (1.0, 4.6),
        "loss_pct": (0.0, max(th.loss_burst_pct * 1.25, maxima.get("loss_pct", 0) * 1.08)),
        "rtt_ms": (0.0, max(th.rtt_poor_ms * 1.35, maxima.get("rtt_ms", 0) * 1.08)),
        "jitter_ms": (0.0, max(th.jitter_poor_ms * 1.4, maxima.get("jitter_ms", 0) * 1.08)),
        "fps": (0.0, max(32.0, maxima.get("fps", 0) * 1.08)),
    }
    bands = {
        "mos": [
            (th.mos_good, 4.6, "good"),
            (th.mos_poor, th.mos_good, "fair"),
            (1, th.mos_poor, "poor"),
        ],
        "loss_pct": [
            (0, th.loss_good_pct, "good"),
            (th.loss_good_pct, th.loss_poor_pct, "fair"),
            (th.loss_poor_pct, None, "poor"),
        ],
        "rtt_ms": [
            (0, th.rtt_fair_ms, "good"),
            (th.rtt_fair_ms, th.rtt_poor_ms, "fair"),
            (th.rtt_poor_ms, None, "poor"),
        ],
        "jitter_ms": [
            (0, th.jitter_fair_ms, "good"),
            (th.jitter_fair_ms, th.jitter_poor_ms, "fair"),
            (th.jitter_poor_ms, None, "poor"),
        ],
        "fps": [(0, th.video_min_fps, "poor")],
    }
    for row, (metric, _) in enumerate(panels, start=1):
        lo, hi = ranges[metric]
        fig.update_yaxes(range=[lo, hi], row=row, col=1)
        for y0, y1, verdict in bands[metric]:
            fig.add_hrect(
                y0=y0,
                y1=hi if y1 is None else y1,
                fillcolor=VERDICT_COLORS[verdict],
                opacity=0.1,
                line_width=0,
                layer="below",
                row=row,
                col=1,
            )
    fig.add_hline(
        y=th.loss_burst_pct,
        line=dict(color=VERDICT_COLORS["poor"], dash="dot", width=1),
        row=2,
        col=1,
        annotation_text=f"burst {th.loss_burst_pct:g} %",
        annotation_position="top left",
        annotation_font=dict(size=10, color=VERDICT_COLORS["poor"]),
    )

    t0, t1 = df["timestamp"].min(), df["timestamp"].max()
    if t1 > t0:
        fig.update_xaxes(range=[t0, t1])
    shaded, wide = _add_findings(fig, _findings_frame(findings), t0, t1)
    if shaded:
        notes.append(f"{shaded} finding window{'s' * (shaded != 1)} shaded")
    if wide:
        notes.append(f"{wide} finding{'s' * (wide != 1)} about the whole call (▼ at left)")
    fig.update_layout(title_subtitle_text=" · ".join(notes) if notes else None)
    return fig


def _add_fps_panel(
    fig: go.Figure,
    df: pd.DataFrame,
    bin_: pd.Timedelta | None,
    max_points: int,
    row: int,
    th: Thresholds,
    maxima: dict[str, float],
) -> None:
    video = df[(df["kind"].astype("object") == "video") & df["fps"].notna()]
    dirs = (
        video["direction"].astype("object")
        if "direction" in video.columns
        else pd.Series("producer", index=video.index)
    )
    if bin_ is None and len(video) > 2 * max_points:
        bin_ = _auto_bin(video["timestamp"].max() - video["timestamp"].min(), max_points)
    for direction, style in (
        ("producer", dict(color=_PRODUCER, width=1.8)),
        ("consumer", dict(color=_CONSUMER, width=1.4, dash="dash")),
    ):
        sub = video[dirs == direction]
        if sub.empty:
            continue
        binned = _binned(sub, ["fps"], bin_)
        y = binned["fps"].to_numpy(dtype=float)
        maxima["fps"] = max(maxima.get("fps", 0.0), float(np.nanmax(y)))
        fig.add_trace(
            _scatter(len(y))(
                x=binned.index.to_numpy(),
                y=np.round(y, 2),
                mode="lines",
                name=direction,
                legendgroup=direction,
                showlegend=False,
                line=style,
                hovertemplate=f"{direction} video: %{{y:.1f}} fps<extra></extra>",
            ),
            row=row,
            col=1,
        )
        if direction != "producer" or "limitation" not in sub.columns:
            continue
        lim = sub["limitation"].astype("object")
        limited = sub[lim.notna() & ~lim.isin(["none", ""])]
        if limited.empty:
            continue
        key = limited["timestamp"].dt.floor(bin_) + bin_ / 2 if bin_ is not None else None
        frame = pd.DataFrame(
            {
                "t": key if key is not None else limited["timestamp"],
                "fps": _floats(limited["fps"]),
                "why": limited["limitation"].astype("object").map(str),
            }
        )
        agg = frame.groupby("t", sort=True).agg(
            fps=("fps", "mean"), why=("why", lambda s: s.mode().iat[0])
        )
        # A strip along the panel's floor, coloured by reason (cpu pink, bandwidth sky).
        colors = agg["why"].map({"cpu": PALETTE["pink"], "bandwidth": PALETTE["sky"]})
        fig.add_trace(
            _scatter(len(agg))(
                x=agg.index.to_numpy(),
                y=np.full(len(agg), 1.5),
                mode="markers",
                name="encoder limited",
                marker=dict(
                    symbol="square",
                    size=7,
                    color=colors.fillna(PALETTE["black"]).tolist(),
                ),
                customdata=np.column_stack(
                    [agg["why"].to_numpy(dtype=object), np.round(agg["fps"].to_numpy(), 1)]
                ),
                hovertemplate="limited by %{customdata[0]} (%{customdata[1]} fps)<extra></extra>",
            ),
            row=row,
            col=1,
        )
    fig.add_hline(
        y=th.video_min_fps,
        line=dict(color=VERDICT_COLORS["poor"], dash="dot", width=1),
        row=row,
        col=1,
    )


def _add_findings(
    fig: go.Figure, findings: pd.DataFrame, t0: pd.Timestamp, t1: pd.Timestamp
) -> tuple[int, int]:
    """Shade finding windows across every panel; ▼ markers on top carry the messages.

    A finding about most of the call (a window over half the samples' span or more, as the
    rules give for "high RTT for the call") is not shaded, which would tint everything:
    such findings share one ▼ per severity at the left edge, their messages on its hover.
    Returns (windows shaded, call-wide findings).
    """
    if findings.empty:
        return 0, 0
    span = t1 - t0
    f = findings.reset_index(drop=True)
    f = f[(f["start"] <= t1) & (f["end"].fillna(t1) >= t0)]  # outside the samples: not drawn
    if f.empty:
        return 0, 0
    f["x0"] = f["start"].clip(lower=t0, upper=t1)  # what is drawn; hover keeps the real times
    f["x1"] = f["end"].fillna(t1).clip(lower=t0, upper=t1)
    f["wide"] = (f["x1"] - f["x0"]) >= span / 2 if span > pd.Timedelta(0) else False
    windows, wide = f[~f["wide"]], f[f["wide"]]
    for r in windows.itertuples():
        end = r.x1 if r.x1 > r.x0 else r.x0 + pd.Timedelta("5s")
        color = SEVERITY_COLORS.get(r.severity, PALETTE["grey"])
        fig.add_vrect(
            x0=r.x0,
            x1=end,
            fillcolor=color,
            opacity=0.1 if r.severity == "info" else 0.16,
            line=dict(color=color, width=1),
            layer="below",
            row="all",
            col=1,
        )
    for severity in ("critical", "warning", "info"):
        color = SEVERITY_COLORS.get(severity, PALETTE["grey"])
        marker = dict(symbol="triangle-down", size=11, color=color, line=dict(color="white"))
        sub = windows[windows["severity"] == severity]
        shown = False
        if not sub.empty:
            text = [
                f"<b>{r.rule}</b> ({severity})<br>{r.start:%H:%M:%S}–"
                + (f"{r.end:%H:%M:%S} UTC" if pd.notna(r.end) else "the end")
                + f"<br>{_wrap_html(r.message)}"
                for r in sub.itertuples()
            ]
            fig.add_trace(
                go.Scatter(
                    x=(sub["x0"] + (sub["x1"] - sub["x0"]) / 2).to_numpy(),
                    y=np.full(len(sub), 4.5),
                    mode="markers",
                    marker=marker,
                    name=f"{severity} finding",
                    legendgroup=f"finding-{severity}",
                    hovertext=text,
                    hoverinfo="text",
                ),
                row=1,
                col=1,
            )
            shown = True
        sub = wide[wide["severity"] == severity]
        if not sub.empty:
            # Side by side at the left edge: critical, warning, info.
            at = t0 + span * (0.012 * ("critical", "warning", "info").index(severity))
            lines = [f"<b>{r.rule}</b>: {_wrap_html(r.message)}" for r in sub.itertuples()]
            text = f"<b>{len(sub)} {severity} finding(s) about the whole call</b><br>"
            fig.add_trace(
                go.Scatter(
                    x=[at],
                    y=[4.5],
                    cliponaxis=False,
                    mode="markers",
                    marker={**marker, "size": 14},
                    name=f"{severity} finding",
                    legendgroup=f"finding-{severity}",
                    showlegend=not shown,
                    hovertext=[text + "<br>".join(lines)],
                    hoverinfo="text",
                ),
                row=1,
                col=1,
            )
    return len(windows), len(wide)


def _wrap_html(text: str, width: int = 60) -> str:
    return "<br>".join(textwrap.wrap(str(text), width)) or ""


# --------------------------------------------------------------------------------------------
# 3. Session heatmap
# --------------------------------------------------------------------------------------------


def _heat_colorbar(value: str, title: str, th: Thresholds, zmax: float | None) -> dict:
    """Colour bar ticks at the band edges; the top of a clipped scale reads "≥"."""
    family = _metric_family(value)
    ticks = {
        "mos": [1.0, 2.0, 3.0, th.mos_poor, th.mos_good, 4.5],
        "loss": [0.0, th.loss_good_pct, th.loss_poor_pct, th.loss_burst_pct],
        "rtt": [0.0, th.rtt_fair_ms, th.rtt_poor_ms, th.rtt_poor_ms * 2],
        "jitter": [0.0, th.jitter_fair_ms, th.jitter_poor_ms, th.jitter_poor_ms * 2],
    }.get(family or "")
    bar: dict[str, Any] = dict(title=dict(text=title), thickness=14)
    if ticks:
        text = [f"{t:g}" for t in ticks]
        if family != "mos" and zmax is not None:
            text[-1] = f"≥{zmax:g}"
        bar.update(tickmode="array", tickvals=ticks, ticktext=text)
    return bar


def _heat_scale(value: str, th: Thresholds) -> tuple[list, float, float, str]:
    """(colorscale, zmin, zmax, colour-bar title) for a metric."""
    # Within a band the colour shades; at a band edge it steps: poor is vermillion to dark
    # brown, fair orange to yellow, good light to full green (lightness differs too, so the
    # bands stay apart for colour-blind readers).
    eps = 1e-3
    family = _metric_family(value)
    if family == "mos":
        lo, hi = 1.0, 4.5

        def at(x: float) -> float:
            return min(max((x - lo) / (hi - lo), eps), 1 - eps)

        poor, good = at(th.mos_poor), at(th.mos_good)
        scale = [
            [0.0, _DARK_POOR],
            [poor - eps, PALETTE["vermillion"]],
            [poor, PALETTE["orange"]],
            [good - eps, PALETTE["yellow"]],
            [good, _LIGHT_GOOD],
            [1.0, PALETTE["green"]],
        ]
        return scale, lo, hi, "MOS"
    edges = {
        "loss": (th.loss_good_pct, th.loss_poor_pct, th.loss_burst_pct, "Loss (%)"),
        "rtt": (th.rtt_fair_ms, th.rtt_poor_ms, th.rtt_poor_ms * 2, "RTT (ms)"),
        "jitter": (th.jitter_fair_ms, th.jitter_poor_ms, th.jitter_poor_ms * 2, "Jitter (ms)"),
    }
    if family in edges:
        fair_at, poor_at, top, label = edges[family]
        fair, poor = fair_at / top, poor_at / top
        scale = [
            [0.0, PALETTE["green"]],
            [fair - eps, _LIGHT_GOOD],
            [fair, PALETTE["yellow"]],
            [poor - eps, PALETTE["orange"]],
            [poor, PALETTE["vermillion"]],
            [1.0, _DARK_POOR],
        ]
        return scale, 0.0, top, label
    return "Cividis", None, None, _label(value)  # type: ignore[return-value]


@_documented("timeseries", "by", "value", "bin", "kind", "direction", "sort", "height", "title")
def session_heatmap(
    timeseries: pd.DataFrame,
    *,
    by: str = "display_name",
    value: str = "mos",
    bin: str = "1min",
    kind: str | None = "audio",
    direction: str | None = "producer",
    sort: str = "first_seen",
    height: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """Peers (rows) by time (binned columns), each cell the mean of ``value`` in that bin.

    MOS goes from vermillion (low) through yellow to green (high) on a fixed 1-4.5 range
    with the band edges where the verdicts change; loss, RTT and jitter the other way round.
    Blank cells: the peer sent no sample then (not in the call). ``sort='worst'`` puts the
    peers with the worst mean on top.

    {parameters}
    """
    th = thresholds()
    scale, zmin, zmax, bar_title = _heat_scale(value, th)
    title = title or f"{bar_title} per participant over time"
    y_title = "Participant" if by in ("display_name", "name") else by.replace("_", " ")
    if _is_empty(timeseries):
        fig = empty_figure(title, _TIME_TITLE, y_title)
        return fig
    by_col = by if by in timeseries.columns else _peer_column(timeseries)
    if by_col is None:
        raise ValueError(
            f"session_heatmap: no {by!r} (nor display_name/peer_id) column to make rows of"
        )
    df = _prepare_timeseries(timeseries)
    _require(df, ["timestamp", value], "session_heatmap")
    notes = []
    if kind is not None and "kind" in df.columns:
        keep = df["kind"].astype("object") == kind
        if keep.any():
            df = df[keep]
            notes.append(f"{kind}")
    if direction is not None and "direction" in df.columns:
        keep = df["direction"].astype("object") == direction
        if keep.any():
            df = df[keep]
            notes.append(direction)
    if df.empty:
        return empty_figure(title, _TIME_TITLE, y_title)

    step = pd.Timedelta(bin)
    frame = pd.DataFrame(
        {
            "row": _labels(df[by_col], "(unknown)"),
            "t": df["timestamp"].dt.floor(step),
            "v": _floats(df[value]),
        }
    )
    grid = frame.pivot_table(index="row", columns="t", values="v", aggfunc="mean", sort=True)
    if grid.empty:  # no sample has a value
        return empty_figure(title, _TIME_TITLE, y_title, subtitle=f"no {value} values")
    # Every bin from first to last, so gaps show as gaps.
    full = pd.date_range(grid.columns.min(), grid.columns.max(), freq=step)
    grid = grid.reindex(columns=full)
    if sort == "worst":
        means = grid.mean(axis=1)
        order = means.sort_values(ascending=_metric_family(value) == "mos").index
    elif sort == "name":
        order = sorted(grid.index)
    else:
        order = frame.groupby("row")["t"].min().sort_values(kind="stable").index
    grid = grid.loc[list(order)]

    n_rows, n_cols = grid.shape
    fmt = ".2f" if _metric_family(value) == "mos" else ".1f"
    z = np.round(grid.to_numpy(dtype=float), 3)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=(grid.columns + step / 2).to_numpy(),
            y=grid.index.to_numpy(dtype=object),
            colorscale=scale,
            zmin=zmin,
            zmax=zmax,
            colorbar=_heat_colorbar(value, bar_title, th, zmax),  # sized below
            hovertemplate=f"%{{y}}<br>%{{x|%H:%M}} UTC<br>{bar_title}: %{{z:{fmt}}}<extra></extra>",
            hoverongaps=False,
            xgap=0,
            ygap=1 if n_rows <= 60 else 0,
        )
    )
    notes.append(f"{n_rows} participants, {_bin_label(step)} bins")
    fig_height = height or _auto_height(n_rows, per_row=18, base=170, low=300, high=2200)
    plot_px = max(fig_height - 130, 100)  # less the top and bottom margins
    fig.update_traces(
        colorbar=dict(len=min(1.0, 420 / plot_px), lenmode="fraction", y=1.0, yanchor="top")
    )
    _base_layout(
        fig,
        title,
        subtitle=" · ".join(notes),
        height=fig_height,
        margin=dict(l=10, r=20, t=80, b=50),
        plot_bgcolor="#F2F2F2",
    )
    fig.update_xaxes(title_text=_TIME_TITLE, type="date", showgrid=False)
    fig.update_yaxes(
        title_text=y_title, autorange="reversed", type="category", automargin=True, showgrid=False
    )
    return fig


# --------------------------------------------------------------------------------------------
# 4. Distributions
# --------------------------------------------------------------------------------------------


def _histogram(
    values: np.ndarray,
    *,
    title: str,
    x_title: str,
    y_title: str,
    unit: str,
    what: str,
    bins: int | None,
    integer: bool = False,
    color: str = PALETTE["blue"],
    subtitle: str | None = None,
) -> go.Figure:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return empty_figure(title, x_title, y_title, subtitle=subtitle)
    if integer:
        lo, hi = math.floor(values.min()), math.ceil(values.max())
        step = max(1, math.ceil((hi - lo + 1) / (bins or 40)))
        edges = np.arange(lo - 0.5, hi + step + 0.5, step, dtype=float)
    else:
        edges = np.histogram_bin_edges(values, bins=bins or "auto")
        if len(edges) > 61:
            edges = np.histogram_bin_edges(values, bins=60)
    counts, edges = np.histogram(values, bins=edges)
    centers = (edges[:-1] + edges[1:]) / 2
    widths = np.diff(edges)
    if integer and step == 1:
        ranges = [f"{int(c)}" for c in centers]
    else:
        ranges = [f"{a:.3g}–{b:.3g}" for a, b in zip(edges[:-1], edges[1:], strict=True)]
    fig = go.Figure(
        go.Bar(
            x=centers,
            y=counts,
            width=widths,
            marker=dict(color=color, line=dict(color="white", width=0.5)),
            customdata=np.array(ranges, dtype=object),
            hovertemplate=f"%{{customdata}} {unit}: %{{y}} {what}<extra></extra>",
            name=what,
            showlegend=False,
        )
    )
    median = float(np.median(values))
    fig.add_vline(x=median, line=dict(color=PALETTE["black"], dash="dash", width=1.5))
    fig.add_annotation(
        x=median,
        y=1.0,
        xref="x",
        yref="paper",
        yanchor="bottom",
        xanchor="left",
        text=f"median {median:.3g} {unit}",
        showarrow=False,
        font=dict(size=12),
    )
    n = values.size
    p90 = float(np.quantile(values, 0.9))
    sub = subtitle or f"{n} {what}; median {median:.3g} {unit}, 90th percentile {p90:.3g} {unit}"
    _base_layout(fig, title, subtitle=sub, height=420, bargap=0.02, margin=dict(t=110))
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, range=[0, max(1, int(counts.max())) * 1.06])
    return fig


@_documented(
    "sessions",
    "column",
    "bins",
    "title",
    column="``'duration_td'`` (wall time, ended sessions) by default, falling back to "
    "``'minutes_consumed'`` (participant-minutes) when there is no duration.",
)
def duration_distribution(
    sessions: pd.DataFrame,
    *,
    column: str | None = None,
    bins: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """Histogram of session durations in minutes, with the median marked.

    {parameters}
    """
    if column is None:
        column = "duration_td"
        if column not in sessions.columns or (
            len(sessions) and sessions[column].notna().sum() == 0
        ):
            column = "minutes_consumed" if "minutes_consumed" in sessions.columns else column
    consumed = column == "minutes_consumed"
    x_title = "Participant-minutes per session (min)" if consumed else "Session duration (min)"
    title = title or ("Participant-minutes per session" if consumed else "How long sessions last")
    if _is_empty(sessions):
        return empty_figure(title, x_title, "Sessions (count)")
    _require(sessions, [column], "duration_distribution")
    values = _minutes(sessions[column]).to_numpy(dtype=float, na_value=np.nan)
    return _histogram(
        values,
        title=title,
        x_title=x_title,
        y_title="Sessions (count)",
        unit="min",
        what="sessions",
        bins=bins,
    )


@_documented(
    "participants",
    "column",
    "bins",
    "title",
    column="``'stay_td'`` (left_at - joined_at) by default, else ``'duration'`` (the API's "
    "minutes).",
)
def stay_distribution(
    participants: pd.DataFrame,
    *,
    column: str | None = None,
    bins: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """Histogram of how long participants stayed, in minutes, with the median marked.

    {parameters}
    """
    title = title or "How long participants stay"
    x_title = "Stay (min)"
    if _is_empty(participants):
        return empty_figure(title, x_title, "Joins (count)")
    if column is None:
        column = "stay_td"
        if column not in participants.columns or participants[column].notna().sum() == 0:
            column = "duration" if "duration" in participants.columns else column
    _require(participants, [column], "stay_distribution")
    values = _minutes(participants[column]).to_numpy(dtype=float, na_value=np.nan)
    return _histogram(
        values,
        title=title,
        x_title=x_title,
        y_title="Joins (count)",
        unit="min",
        what="joins",
        bins=bins,
        color=PALETTE["sky"],
    )


@_documented(
    "sessions",
    "bins",
    "title",
    sessions="Sessions with ``max_concurrent_participants``, or participants with "
    "``session_id`` (people are counted per session: distinct ``user_id`` when present, "
    "else rows).",
)
def participants_per_session(
    sessions: pd.DataFrame,
    *,
    bins: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """Histogram of participants per session, with the median marked.

    {parameters}
    """
    title = title or "Participants per session"
    x_title = "Participants per session (count)"
    if _is_empty(sessions):
        return empty_figure(title, x_title, "Sessions (count)")
    if "max_concurrent_participants" in sessions.columns:
        values = _floats(sessions["max_concurrent_participants"])
        x_title = "Most participants at once (count)"
    elif "session_id" in sessions.columns:
        key = "user_id" if "user_id" in sessions.columns else None
        grouped = sessions.groupby(sessions["session_id"].astype("object"), sort=False)
        counts = grouped[key].nunique() if key else grouped.size()
        values = counts.to_numpy(dtype=float)
    else:
        raise ValueError(
            "participants_per_session: need max_concurrent_participants (sessions) or "
            f"session_id (participants); the frame has {list(sessions.columns)}"
        )
    return _histogram(
        values,
        title=title,
        x_title=x_title,
        y_title="Sessions (count)",
        unit="participants",
        what="sessions",
        bins=bins,
        integer=True,
        color=PALETTE["blue"],
    )


# --------------------------------------------------------------------------------------------
# 5. Quality breakdown
# --------------------------------------------------------------------------------------------


def _metric_lines(metric: str, th: Thresholds) -> list[tuple[float, str]]:
    """Band edges of a metric, each with the verdict on its worse side."""
    family = _metric_family(metric)
    return {
        "mos": [(th.mos_poor, "poor"), (th.mos_good, "fair")],
        "loss": [(th.loss_good_pct, "fair"), (th.loss_poor_pct, "poor")],
        "rtt": [(th.rtt_fair_ms, "fair"), (th.rtt_poor_ms, "poor")],
        "jitter": [(th.jitter_fair_ms, "fair"), (th.jitter_poor_ms, "poor")],
    }.get(family or "", [])


@_documented("quality", "by", "metric", "min_peers", "sort", "height", "title")
def quality_breakdown(
    quality: pd.DataFrame,
    *,
    by: str = "browser",
    metric: str = "mos_avg",
    min_peers: int = 3,
    sort: str = "count",
    height: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """Quality by group: the metric's spread per group, and each group's share of verdicts.

    Left: a box per group with every peer as a point (coloured by verdict) and the band
    edges as dotted lines. Right: stacked bars of the share of good/fair/poor peers, counts
    on hover. Groups with fewer than ``min_peers`` peers are merged into "other"; a missing
    group value is "unknown". Without a ``verdict`` column the right panel shows peer counts.

    {parameters}
    """
    th = thresholds()
    group_title = by.replace("_", " ")
    title = title or f"Call quality by {group_title}"
    metric_title = _label(metric)
    has_verdict = _is_empty(quality) or "verdict" in quality.columns
    right_title = "Share of peers (%)" if has_verdict else "Peers (count)"
    fig = make_subplots(
        rows=1, cols=2, shared_yaxes=True, column_widths=[0.62, 0.38], horizontal_spacing=0.03
    )
    _base_layout(
        fig,
        title,
        margin=dict(l=10, r=20, t=100, b=50),
        legend=dict(
            title=dict(text="verdict"),
            orientation="h",
            x=1.0,
            xanchor="right",
            y=1.0,
            yanchor="bottom",
        ),
    )
    fig.update_xaxes(title_text=metric_title, row=1, col=1)
    fig.update_xaxes(title_text=right_title, row=1, col=2)
    fig.update_yaxes(title_text=group_title, row=1, col=1)
    if _is_empty(quality):
        fig.update_layout(height=360)
        return _mark_no_data(fig)
    _require(quality, [by, metric], "quality_breakdown")

    df = pd.DataFrame(
        {
            "group": _labels(quality[by]),
            "value": _floats(quality[metric]),
            "verdict": _labels(quality["verdict"]).str.lower()
            if has_verdict
            else pd.Series("unknown", index=quality.index),
        },
        index=quality.index,
    )
    df.loc[~df["verdict"].isin(VERDICT_COLORS), "verdict"] = "unknown"
    who = _peer_column(quality)
    df["who"] = _labels(quality[who], "") if who else ""
    counts = df["group"].value_counts()
    small = counts[counts < min_peers].index
    if len(small) and len(small) < len(counts):
        df.loc[df["group"].isin(small), "group"] = "other"
    elif len(small) == len(counts) and len(counts) > 1:
        df["group"] = "other"

    stats = df.groupby("group").agg(n=("value", "size"), median=("value", "median"))
    if sort == "metric":
        worst_first = _metric_family(metric) != "mos"
        stats = stats.sort_values("median", ascending=not worst_first)
    else:
        stats = stats.sort_values(["n", "median"], ascending=[False, True])
    groups = [g for g in stats.index if g != "other"]
    groups += ["other"] if "other" in stats.index else []
    pos = {g: i for i, g in enumerate(groups)}
    df["pos"] = df["group"].map(pos).astype(float)

    # Left: boxes (no points of their own) and a jittered strip of peers coloured by verdict.
    fig.add_trace(
        go.Box(
            x=df["value"].to_numpy(),
            y=df["pos"].to_numpy(),
            orientation="h",
            boxpoints=False,
            fillcolor="rgba(0,0,0,0)",
            line=dict(color=PALETTE["black"], width=1.2),
            name=metric_title,
            showlegend=False,
            hoverinfo="skip",
        ),
        row=1,
        col=1,
    )
    rng = np.random.default_rng(0)
    jitter = rng.uniform(-0.28, 0.28, len(df))
    for verdict in _VERDICT_ORDER:
        mask = (df["verdict"] == verdict).to_numpy()
        if not mask.any():
            continue
        sub = df[mask]
        fig.add_trace(
            _scatter(int(mask.sum()))(
                x=sub["value"].to_numpy(),
                y=sub["pos"].to_numpy() + jitter[mask],
                mode="markers",
                marker=dict(
                    color=VERDICT_COLORS[verdict],
                    size=6,
                    opacity=0.75,
                    line=dict(color="white", width=0.4),
                ),
                name=verdict,
                legendgroup=verdict,
                showlegend=False,
                customdata=np.column_stack(
                    [sub["group"].to_numpy(dtype=object), sub["who"].to_numpy(dtype=object)]
                ),
                hovertemplate=f"%{{customdata[1]}}<br>{group_title}: %{{customdata[0]}}"
                f"<br>{metric_title}: %{{x:.2f}}<br>verdict: {verdict}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for x, verdict in _metric_lines(metric, th):
        fig.add_vline(
            x=x,
            line=dict(color=VERDICT_COLORS[verdict], dash="dot", width=1.2),
            row=1,
            col=1,
        )

    # Right: verdict shares (or counts).
    table = pd.crosstab(df["group"], df["verdict"]).reindex(index=groups, fill_value=0)
    totals = table.sum(axis=1)
    if has_verdict:
        for verdict in _VERDICT_ORDER:
            if verdict not in table.columns:
                continue
            n = table[verdict].to_numpy()
            share = np.round(n / totals.to_numpy() * 100.0, 1)
            fig.add_trace(
                go.Bar(
                    x=share,
                    y=[pos[g] for g in groups],
                    orientation="h",
                    name=verdict,
                    legendgroup=verdict,
                    marker=dict(color=VERDICT_COLORS[verdict], line=dict(color="white", width=0.5)),
                    customdata=np.column_stack([groups, n, totals.to_numpy()]),
                    hovertemplate="%{customdata[0]}: %{customdata[1]} of %{customdata[2]} peers "
                    + verdict
                    + " (%{x:.0f} %)<extra></extra>",
                ),
                row=1,
                col=2,
            )
        fig.update_xaxes(range=[0, 100], row=1, col=2)
    else:
        fig.add_trace(
            go.Bar(
                x=totals.to_numpy(),
                y=[pos[g] for g in groups],
                orientation="h",
                name="peers",
                marker=dict(color=PALETTE["blue"]),
                customdata=np.array(groups, dtype=object),
                hovertemplate="%{customdata}: %{x} peers<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=2,
        )

    ticktext = [f"{g} (n={int(totals[g])})" for g in groups]
    fig.update_yaxes(
        tickvals=list(range(len(groups))),
        ticktext=ticktext,
        autorange="reversed",
        automargin=True,
        showgrid=False,
        zeroline=False,
        row=1,
        col=1,
    )
    fig.update_yaxes(showgrid=False, zeroline=False, row=1, col=2)
    if _metric_family(metric) == "mos":
        # The data and both band edges in view; MOS tops out at 4.5.
        low = float(np.nanmin(df["value"])) if df["value"].notna().any() else th.mos_poor
        fig.update_xaxes(range=[max(1.0, min(low, th.mos_poor) - 0.15), 4.6], row=1, col=1)
    n_merged = int(counts[small].sum()) if len(small) else 0
    subtitle = f"{len(df)} peers in {len(groups)} group{'s' * (len(groups) != 1)}"
    if n_merged and "other" in groups:
        merged = f"{len(small)} group{'s' * (len(small) != 1)}"
        subtitle += f"; 'other' merges {merged} with fewer than {min_peers} peers"
    fig.update_layout(
        title_subtitle_text=subtitle,
        barmode="stack",
        height=height or _auto_height(len(groups), per_row=46, base=200, low=360, high=1400),
        showlegend=has_verdict,
    )
    return fig


# --------------------------------------------------------------------------------------------
# 6. Recording status
# --------------------------------------------------------------------------------------------


@_documented("recordings", "now", "stuck_after", "height", "title")
def recording_status(
    recordings: pd.DataFrame,
    *,
    now: Any = None,
    stuck_after: str | pd.Timedelta = "2h",
    height: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """Recordings per day by status, their lengths, and the ones that need attention.

    Top: stacked bars of recordings per day of ``invoked_time``, in the status colours.
    Bottom left: recording length (minutes) per status. Bottom right: every ERRORED
    recording and every INVOKED/UPLOADING one older than ``stuck_after`` at ``now``, at its
    invoked time; hover gives the id, meeting title and invoked time.

    {parameters}
    """
    title = title or "Recordings by status"
    stuck_td = pd.Timedelta(stuck_after)
    fig = make_subplots(
        rows=2,
        cols=2,
        specs=[[{"colspan": 2}, None], [{}, {}]],
        row_heights=[0.55, 0.45],
        vertical_spacing=0.17,
        horizontal_spacing=0.2,
        subplot_titles=(
            "Recordings per day",
            "Recording length",
            f"Errored, or stuck for more than {_bin_label(stuck_td)}",
        ),
    )
    _base_layout(
        fig,
        title,
        height=height or 720,
        barmode="stack",
        margin=dict(l=10, r=20, t=100, b=50),
        legend=dict(title=dict(text="status")),
    )
    fig.update_xaxes(title_text="Day of invoked time (UTC)", row=1, col=1)
    fig.update_yaxes(title_text="Recordings (count)", row=1, col=1)
    fig.update_xaxes(title_text="Length (min)", row=2, col=1)
    fig.update_yaxes(title_text="Status", row=2, col=1)
    fig.update_xaxes(title_text="Invoked time (UTC)", row=2, col=2)
    fig.update_yaxes(title_text="Status", row=2, col=2)
    if _is_empty(recordings):
        return _mark_no_data(fig)
    _require(recordings, ["status", "invoked_time"], "recording_status")

    df = pd.DataFrame(
        {
            "status": _labels(recordings["status"]).str.upper(),
            "invoked": _utc_naive(recordings["invoked_time"]),
        },
        index=recordings.index,
    )
    if "recording_duration_td" in recordings.columns:
        df["minutes"] = _minutes(recordings["recording_duration_td"])
    elif "recording_duration" in recordings.columns:
        df["minutes"] = _floats(recordings["recording_duration"]) / 60.0
    else:
        df["minutes"] = np.nan
    statuses = [s for s in _RECORDING_STATUS_ORDER if (df["status"] == s).any()]
    statuses += sorted(set(df["status"]) - set(statuses))
    colors = _color_map(statuses)

    # Top: per day.
    day = df["invoked"].dt.floor("D")
    table = pd.crosstab(day, df["status"]).reindex(columns=statuses, fill_value=0)
    if len(table):
        all_days = pd.date_range(table.index.min(), table.index.max(), freq="D")
        table = table.reindex(all_days, fill_value=0)
    for status in statuses:
        fig.add_trace(
            go.Bar(
                x=table.index.to_numpy(),
                y=table[status].to_numpy(),
                name=status,
                legendgroup=status,
                marker=dict(color=colors[status], line=dict(width=0)),
                hovertemplate=f"%{{x|%a %d %b}}: %{{y}} {status}<extra></extra>",
            ),
            row=1,
            col=1,
        )

    # Bottom left: lengths per status.
    for status in statuses:
        minutes = df.loc[df["status"] == status, "minutes"].dropna()
        if minutes.empty:
            continue
        fig.add_trace(
            go.Box(
                x=minutes.to_numpy(),
                y=[status] * len(minutes),
                orientation="h",
                name=status,
                legendgroup=status,
                showlegend=False,
                marker=dict(color=colors[status], size=4),
                line=dict(color=colors[status]),
                boxpoints="outliers",
                hovertemplate=f"{status}: %{{x:.1f}} min<extra></extra>",
            ),
            row=2,
            col=1,
        )
    present = [s for s in statuses if df.loc[df["status"] == s, "minutes"].notna().any()]
    fig.update_yaxes(categoryorder="array", categoryarray=present[::-1], row=2, col=1)

    # Bottom right: problems.
    until = _ts(now) or _ts(df["invoked"].max())  # None: no invoked time at all
    age = (until - df["invoked"]) if until is not None else df["invoked"] - df["invoked"]
    stuck = df["status"].isin(["INVOKED", "UPLOADING"]) & (age > stuck_td)
    errored = df["status"] == "ERRORED"
    problems = df[stuck | errored].copy()
    problems["problem"] = np.where(
        problems["status"] == "ERRORED", "ERRORED", problems["status"] + " stuck"
    )
    problem_order = ["ERRORED", "UPLOADING stuck", "INVOKED stuck"]
    if problems.empty:
        fig.add_annotation(
            text="none stuck or errored",
            xref="x3 domain",
            yref="y3 domain",
            x=0.5,
            y=0.5,
            showarrow=False,
            font=dict(color=PALETTE["grey"], size=14),
        )
        fig.update_xaxes(showticklabels=False, row=2, col=2)
        fig.update_yaxes(showticklabels=False, row=2, col=2)
    else:
        idx = problems.index
        ids = _labels(recordings.loc[idx, "id"], "") if "id" in recordings.columns else ""
        mtitle = (
            _labels(recordings.loc[idx, "meeting_title"], "(untitled)")
            if "meeting_title" in recordings.columns
            else pd.Series("(untitled)", index=idx)
        )
        hours = (age[idx].dt.total_seconds() / 3600).round(1)
        for problem in problem_order:
            mask = (problems["problem"] == problem).to_numpy()
            if not mask.any():
                continue
            status = problem.split()[0]
            sub = problems[mask]
            custom = np.column_stack(
                [
                    np.asarray(ids)[mask] if not isinstance(ids, str) else [""] * mask.sum(),
                    mtitle.to_numpy(dtype=object)[mask],
                    _fmt_time(sub["invoked"]),
                    hours.to_numpy()[mask],
                ]
            )
            fig.add_trace(
                go.Scatter(
                    x=sub["invoked"].to_numpy(),
                    y=[problem] * len(sub),
                    mode="markers",
                    marker=dict(
                        symbol="x" if status == "ERRORED" else "circle",
                        size=11,
                        color=colors.get(status, STATUS_COLORS.get(status, PALETTE["grey"])),
                        line=dict(color="white", width=0.5),
                    ),
                    name=problem,
                    legendgroup=status,
                    showlegend=False,
                    customdata=custom,
                    hovertemplate="<b>%{customdata[1]}</b><br>id: %{customdata[0]}"
                    "<br>invoked: %{customdata[2]}<br>age: %{customdata[3]} h"
                    f"<br>{problem}<extra></extra>",
                ),
                row=2,
                col=2,
            )
        present_problems = [p for p in problem_order if (problems["problem"] == p).any()]
        fig.update_yaxes(categoryorder="array", categoryarray=present_problems[::-1], row=2, col=2)
    subtitle = f"{len(df)} recordings; {int(errored.sum())} errored, {int(stuck.sum())} stuck"
    if until is not None:
        subtitle += f" (as of {until:%Y-%m-%d %H:%M} UTC)"
    fig.update_layout(title_subtitle_text=subtitle)
    return fig


# --------------------------------------------------------------------------------------------
# 7. Day-wise usage
# --------------------------------------------------------------------------------------------


@_documented("daywise", "title")
def daywise_usage(daywise: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Sessions and recordings per day (bars) and minutes per day (lines, right axis).

    {parameters}
    """
    title = title or "Usage per day"
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    _base_layout(
        fig,
        title,
        height=430,
        barmode="group",
        hovermode="x unified",
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1.0, xanchor="right"),
        margin=dict(l=10, r=20, t=100, b=50),
    )
    fig.update_xaxes(title_text="Day (UTC)")
    fig.update_yaxes(title_text="Sessions, recordings (count per day)", secondary_y=False)
    fig.update_yaxes(title_text="Minutes per day (min)", secondary_y=True, showgrid=False)
    if _is_empty(daywise):
        return _mark_no_data(fig)
    _require(daywise, ["day"], "daywise_usage")
    day = _utc_naive(daywise["day"]).dt.floor("D")
    x = day.to_numpy()
    series = [
        ("total_sessions", "sessions", "bar", PALETTE["blue"], False),
        ("total_recordings", "recordings", "bar", PALETTE["sky"], False),
        ("total_session_minutes", "session minutes", "line", PALETTE["black"], True),
        ("total_recording_minutes", "recording minutes", "line", PALETTE["pink"], True),
    ]
    for column, label, kind, color, secondary in series:
        if column not in daywise.columns:
            continue
        y = _floats(daywise[column])
        if kind == "bar":
            trace: Any = go.Bar(
                x=x,
                y=y,
                name=label,
                marker=dict(color=color),
                hovertemplate=f"{label}: %{{y:.0f}}<extra></extra>",
            )
        else:
            trace = go.Scatter(
                x=x,
                y=np.round(y, 1),
                name=label,
                mode="lines+markers",
                line=dict(color=color, width=2, dash="solid" if "session" in label else "dash"),
                marker=dict(size=5),
                hovertemplate=f"{label}: %{{y:,.0f}} min<extra></extra>",
            )
        fig.add_trace(trace, secondary_y=secondary)
    fig.update_xaxes(type="date", tickformat="%d %b")
    fig.update_yaxes(rangemode="tozero", secondary_y=False)
    fig.update_yaxes(rangemode="tozero", secondary_y=True, tickmode="auto", tickformat="~s")
    return fig
