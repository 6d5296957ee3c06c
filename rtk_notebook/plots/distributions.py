"""How values spread: histograms of durations (sessions, stays) and of participants per session."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rtk_notebook.plots._common import (
    base_layout,
    empty_figure,
    floats,
    is_empty,
    minutes,
    require,
)
from rtk_notebook.plots._docs import documented
from rtk_notebook.style import PALETTE

__all__ = [
    "duration_distribution",
    "participants_per_session",
    "prepare_histogram",
    "stay_distribution",
]


@dataclass(frozen=True)
class _Measure:
    """What a duration column measures, and how its histogram is labelled."""

    title: str
    x_title: str
    y_title: str
    counted: str  # what one count is
    color: str


_SESSIONS = _Measure(
    "How long sessions last",
    "Session duration (min)",
    "Sessions (count)",
    "sessions",
    PALETTE["blue"],
)
_CONSUMED = _Measure(
    "Participant-minutes per session",
    "Participant-minutes per session (min)",
    "Sessions (count)",
    "sessions",
    PALETTE["blue"],
)
_STAYS = _Measure(
    "How long participants stay", "Stay (min)", "Joins (count)", "joins", PALETTE["sky"]
)

#: The duration columns a frame may have, in the order the default is picked: a session's
#: wall time, else its participant-minutes; a join's stay, else the API's minutes.
_DURATIONS: dict[str, _Measure] = {
    "duration_td": _SESSIONS,
    "minutes_consumed": _CONSUMED,
    "stay_td": _STAYS,
    "duration": _STAYS,
}


def _duration_column(frame: pd.DataFrame) -> str:
    """The first duration column with a value; else the first there; else ``duration_td``."""
    present = [c for c in _DURATIONS if c in frame.columns]
    with_values = [c for c in present if frame[c].notna().any()]
    return (with_values or present or ["duration_td"])[0]


@documented(
    "frame",
    "column",
    "bins",
    "title",
    column="The first of ``'duration_td'`` (wall time, ended sessions), "
    "``'minutes_consumed'`` (participant-minutes), ``'stay_td'`` (left_at - joined_at) and "
    "``'duration'`` (the API's minutes of a stay) that has values, by default.",
)
def duration_distribution(
    frame: pd.DataFrame,
    *,
    column: str | None = None,
    bins: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """Histogram of durations in minutes, with the median marked: how long sessions last
    (a sessions frame) or how long participants stay (a participants frame).

    ``stay_distribution`` is this function under the name a participants frame reads best
    with.

    {parameters}
    """
    column = column or _duration_column(frame)
    stays = {"stay_td", "duration", "joined_at"} & set(frame.columns)
    measure = _DURATIONS.get(column) or (_STAYS if stays else _SESSIONS)
    title = title or measure.title
    if is_empty(frame):
        return empty_figure(title, measure.x_title, measure.y_title)
    require(frame, [column], "duration_distribution")
    values = minutes(frame[column]).to_numpy(dtype=float, na_value=np.nan)
    return _histogram(values, measure, title=title, unit="min", bins=bins)


#: The same figure for a participants frame (``plots.stay_distribution(participants)``).
stay_distribution = duration_distribution


@documented(
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
    measure = _Measure(
        title,
        "Participants per session (count)",
        "Sessions (count)",
        "sessions",
        PALETTE["blue"],
    )
    if is_empty(sessions):
        return empty_figure(title, measure.x_title, measure.y_title)
    if "max_concurrent_participants" in sessions.columns:
        values = floats(sessions["max_concurrent_participants"])
        measure = dataclasses.replace(measure, x_title="Most participants at once (count)")
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
    return _histogram(values, measure, title=title, unit="participants", bins=bins, integer=True)


def prepare_histogram(
    values: np.ndarray, *, bins: int | None = None, integer: bool = False
) -> pd.DataFrame:
    """The bars of a histogram of the finite ``values``: one row per bin.

    Columns: ``left``, ``right`` (the bin's edges), ``center``, ``width``, ``count`` and
    ``range`` (the bin as hover text). ``integer``: one bin per whole number (or per run of
    whole numbers, at most ``bins`` or 40 bars); else numpy's "auto" bins, at most 60.
    """
    values = values[np.isfinite(values)]
    if values.size == 0:
        return pd.DataFrame(columns=["left", "right", "center", "width", "count", "range"])
    step = 0
    if integer:
        lo, hi = math.floor(values.min()), math.ceil(values.max())
        step = max(1, math.ceil((hi - lo + 1) / (bins or 40)))
        edges = np.arange(lo - 0.5, hi + step + 0.5, step, dtype=float)
    else:
        edges = np.histogram_bin_edges(values, bins=bins or "auto")
        if len(edges) > 61:
            edges = np.histogram_bin_edges(values, bins=60)
    counts, edges = np.histogram(values, bins=edges)
    bars = pd.DataFrame({"left": edges[:-1], "right": edges[1:], "count": counts})
    bars["center"] = (bars["left"] + bars["right"]) / 2
    bars["width"] = bars["right"] - bars["left"]
    if step == 1:
        bars["range"] = [f"{int(c)}" for c in bars["center"]]
    else:
        bars["range"] = [f"{a:.3g}–{b:.3g}" for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return bars[["left", "right", "center", "width", "count", "range"]]


def _histogram(
    values: np.ndarray,
    measure: _Measure,
    *,
    title: str,
    unit: str,
    bins: int | None,
    integer: bool = False,
) -> go.Figure:
    """The bars of :func:`prepare_histogram`, the median as a dashed line, n and p90 above."""
    bars = prepare_histogram(values, bins=bins, integer=integer)
    if bars.empty:
        return empty_figure(title, measure.x_title, measure.y_title)
    what = measure.counted
    fig = go.Figure(
        go.Bar(
            x=bars["center"].to_numpy(),
            y=bars["count"].to_numpy(),
            width=bars["width"].to_numpy(),
            marker=dict(color=measure.color, line=dict(color="white", width=0.5)),
            customdata=bars["range"].to_numpy(dtype=object),
            hovertemplate=f"%{{customdata}} {unit}: %{{y}} {what}<extra></extra>",
            name=what,
            showlegend=False,
        )
    )
    values = values[np.isfinite(values)]
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
    p90 = float(np.quantile(values, 0.9))
    subtitle = f"{values.size} {what}; median {median:.3g} {unit}, 90th percentile {p90:.3g} {unit}"
    base_layout(fig, title, subtitle=subtitle, height=420, bargap=0.02, margin=dict(t=110))
    fig.update_xaxes(title_text=measure.x_title)
    fig.update_yaxes(title_text=measure.y_title, range=[0, max(1, int(bars["count"].max())) * 1.06])
    return fig
