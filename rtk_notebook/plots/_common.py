"""What every figure shares: colours from :mod:`rtk_notebook.style`, layout, and frame helpers.

Layout: :func:`base_layout` (title, subtitle, font, palette, legend) and the "No data" figure
(:func:`mark_no_data`, :func:`empty_figure`). Frames: times as naive UTC (plotly draws wall
times; the axes say UTC), numbers as floats, categories as plain strings, time bins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rtk_notebook.quality.tracks import loss_percent
from rtk_notebook.style import CATEGORY_COLORS, INK, INK_SECONDARY, PALETTE, RULE

# ---- colours ---------------------------------------------------------------------------------

# Colours for other categories (presets, browsers...): the ones that mean nothing yet first,
# the verdict colours last, yellow (weak on white) at the very end.
CYCLE = (
    PALETTE["blue"],
    PALETTE["pink"],
    PALETTE["sky"],
    PALETTE["black"],
    PALETTE["orange"],
    PALETTE["green"],
    PALETTE["vermillion"],
    PALETTE["yellow"],
)
VERDICT_ORDER = ("good", "fair", "poor", "unknown")
#: What a peer sends (solid) and receives (dashed) in the quality figures.
DIRECTION_LINES: dict[str, dict[str, Any]] = {
    "producer": dict(color=PALETTE["blue"], width=1.8),
    "consumer": dict(color=PALETTE["black"], width=1.4, dash="dash"),
}


def color_map(values: Iterable[Any], *, known: Mapping[str, str] = CATEGORY_COLORS) -> dict:
    """A colour for each value: the fixed one for a verdict or status, else the cycle."""
    out: dict[Any, str] = {}
    i = 0
    for value in values:
        if value in out:
            continue
        key = str(value)
        color = known.get(key) or known.get(key.lower()) or known.get(key.upper())
        if color is None:
            color = CYCLE[i % len(CYCLE)]
            i += 1
        out[value] = color
    return out


# ---- labels ----------------------------------------------------------------------------------

NO_DATA = "No data"
TIME_TITLE = "Time (UTC)"

METRIC_LABELS: dict[str, str] = {
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


def label(column: str) -> str:
    return METRIC_LABELS.get(column, column.replace("_", " "))


def metric_family(column: str) -> str | None:
    """``'mos'``, ``'loss'``, ``'rtt'``, ``'jitter'`` or ``'fps'`` for a metric column."""
    col = column.lower()
    for family in ("mos", "loss", "rtt", "jitter", "fps"):
        if family in col:
            return family
    return None


def plural(n: int, word: str) -> str:
    """``'1 participant'``, ``'3 participants'``."""
    return f"{n} {word}{'s' * (n != 1)}"


# ---- layout ----------------------------------------------------------------------------------

_FONT = dict(family="Arial, Helvetica, sans-serif", size=13, color=INK)


def base_layout(fig: go.Figure, title: str, *, subtitle: str | None = None, **kw: Any) -> None:
    layout_title: dict[str, Any] = dict(text=title, x=0.01, xanchor="left", font=dict(size=18))
    if subtitle:
        layout_title["subtitle"] = dict(text=subtitle, font=dict(size=12, color=INK_SECONDARY))
    legend = {"bgcolor": "rgba(255,255,255,0.8)", **kw.pop("legend", {})}
    fig.update_layout(
        template="plotly_white",
        title=layout_title,
        font=_FONT,
        colorway=list(CYCLE),
        hoverlabel=dict(font_size=12),
        legend=legend,
        **kw,
    )


def mark_no_data(fig: go.Figure, text: str = NO_DATA) -> go.Figure:
    """Turn a figure's laid-out but empty panels into a readable "No data" figure.

    Every panel gets a frame, its axis titles, no meaningless default ticks, and a "No data"
    annotation (or ``text``) in its middle. (A point-less trace per panel makes plotly draw
    the panel.)
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
            text=text,
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
        linecolor=RULE,
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
    base_layout(fig, title, subtitle=subtitle, height=360)
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return mark_no_data(fig)


def auto_height(rows: int, *, per_row: int, base: int, low: int, high: int) -> int:
    return int(min(max(base + per_row * rows, low), high))


def scatter_type(n_points: int) -> type:
    """``go.Scattergl`` for long traces (small JSON, fast drawing), else ``go.Scatter``."""
    return go.Scattergl if n_points > 1000 else go.Scatter


# ---- frames ----------------------------------------------------------------------------------


def is_empty(frame: pd.DataFrame | None) -> bool:
    return frame is None or len(frame) == 0


def require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what}: the frame has no column(s) {missing}; it has {list(frame.columns)}"
        )


def utc_naive(values: Any) -> pd.Series:
    """Datetimes as naive UTC (plotly draws wall times; the axes say UTC)."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC")
    else:
        s = pd.to_datetime(s, utc=True, errors="coerce")
    return s.dt.tz_localize(None)


def naive_utc_timestamp(value: Any) -> pd.Timestamp | None:
    """One datetime-like as a naive UTC Timestamp (``None`` for missing): a given ``now``."""
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    if stamp is pd.NaT:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp


def floats(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def labels(s: pd.Series, missing: str = "unknown") -> pd.Series:
    """A category/string column as plain python strings, NA as ``missing``."""
    out = s.astype("object").where(s.notna(), missing)
    return out.map(str)


def minutes(s: pd.Series) -> pd.Series:
    """A timedelta column, or float minutes, as float minutes."""
    if pd.api.types.is_timedelta64_dtype(s.dtype):
        return s.dt.total_seconds() / 60.0
    return pd.to_numeric(s, errors="coerce").astype("float64")


def fmt_time(s: pd.Series) -> np.ndarray:
    """Naive-UTC datetimes as readable strings for hover text."""
    return s.dt.strftime("%Y-%m-%d %H:%M:%S UTC").fillna("").to_numpy(dtype=object)


def peer_column(df: pd.DataFrame) -> str | None:
    """The column that names a peer: ``display_name``, else ``peer_id``."""
    for col in ("display_name", "peer_id"):
        if col in df.columns:
            return col
    return None


#: The columns that tell one join from another (a rejoin is a new peer with the same name).
JOIN_KEYS = ("peer_id", "id")


def join_key(df: pd.DataFrame, name: str) -> str | None:
    """The column that identifies a join when rows are named by ``display_name`` (people):
    ``peer_id``, else ``id`` (a participants frame); None for other names (a session's
    ``id`` is no join)."""
    if name != "display_name":
        return None
    return next((c for c in JOIN_KEYS if c in df.columns), None)


def participant_rows(keys: pd.Series, names: pd.Series, firsts: pd.Series) -> pd.DataFrame:
    """The rows of a per-participant figure, in the order the timeline and the heatmap share.

    ``keys`` identify joins (peer ids: someone who rejoins is a new peer), ``names`` are what a
    person reads, ``firsts`` when each row was first seen (the join, else the first sample);
    the three are aligned, several entries per key allowed. People come in the order they
    first joined, each person's joins below one another in time order, so a rejoin sits
    under its first join. Returns one row per key (the index), with ``label`` (the name; a
    second join ``Ana (rejoin)``, a third ``Ana (rejoin 2)``) and ``row`` (0 on top).
    """
    frame = pd.DataFrame(
        {"key": keys.to_numpy(dtype=object), "name": names.to_numpy(dtype=object)}
    ).assign(first=pd.to_datetime(firsts.to_numpy()))
    per_key = frame.groupby("key", sort=False).agg(name=("name", "first"), first=("first", "min"))
    per_key["person_first"] = per_key.groupby("name")["first"].transform("min")
    per_key = per_key.sort_values(["person_first", "name", "first"], kind="stable")
    nth = per_key.groupby("name", sort=False).cumcount().to_numpy()
    names_ = per_key["name"].to_numpy(dtype=object)
    per_key["label"] = [
        name if n == 0 else f"{name} (rejoin)" if n == 1 else f"{name} (rejoin {n})"
        for name, n in zip(names_, nth, strict=True)
    ]
    per_key["row"] = np.arange(len(per_key))
    return per_key[["label", "row"]]


def prepare_timeseries(ts: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as naive UTC, ``loss_pct`` derived when only packet counts are given."""
    df = ts.copy()
    df["timestamp"] = utc_naive(df["timestamp"])
    df = df[df["timestamp"].notna()]
    if "loss_pct" not in df.columns and {"packets_lost", "packets_sent"} <= set(df.columns):
        received = floats(df["packets_received"]) if "packets_received" in df else np.nan
        df["loss_pct"] = loss_percent(
            floats(df["packets_lost"]), floats(df["packets_sent"]), received
        )
    return df


def keep_value(df: pd.DataFrame, column: str, value: str | None) -> tuple[pd.DataFrame, bool]:
    """Rows whose ``column`` is ``value``, if any are (else all rows); and whether it kept."""
    if value is None or column not in df.columns:
        return df, False
    keep = df[column].astype("object") == value
    return (df[keep], True) if keep.any() else (df, False)


# ---- time bins -------------------------------------------------------------------------------

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


def auto_bin(span: pd.Timedelta, max_points: int) -> pd.Timedelta:
    """The smallest nice bin that draws ``span`` in at most ``max_points`` points."""
    for b in _NICE_BINS:
        if span / b <= max_points:
            return b
    return _NICE_BINS[-1]


def bin_label(b: pd.Timedelta) -> str:
    seconds = int(b.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"
