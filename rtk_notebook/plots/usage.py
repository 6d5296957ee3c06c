"""Usage per day: :func:`daywise_usage`, sessions and recordings with their minutes."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rtk_notebook.plots._common import (
    base_layout,
    floats,
    is_empty,
    mark_no_data,
    require,
    utc_naive,
)
from rtk_notebook.plots._docs import documented
from rtk_notebook.style import PALETTE

__all__ = ["daywise_usage", "prepare_daywise"]


class _Series(NamedTuple):
    column: str
    label: str
    minutes: bool  # a line of minutes on the right axis; else bars of counts on the left
    color: str


_SERIES = (
    _Series("total_sessions", "sessions", False, PALETTE["blue"]),
    _Series("total_recordings", "recordings", False, PALETTE["sky"]),
    _Series("total_session_minutes", "session minutes", True, PALETTE["black"]),
    _Series("total_recording_minutes", "recording minutes", True, PALETTE["pink"]),
)


def prepare_daywise(daywise: pd.DataFrame) -> pd.DataFrame:
    """The series of :func:`daywise_usage` as a long frame (no figure).

    One row per series and day: ``series`` (sessions, recordings, session minutes,
    recording minutes: those the frame has), ``day`` (naive UTC midnight) and ``value``.
    """
    require(daywise, ["day"], "daywise_usage")
    day = utc_naive(daywise["day"]).dt.floor("D").to_numpy()
    parts = [
        pd.DataFrame({"series": s.label, "day": day, "value": floats(daywise[s.column])})
        for s in _SERIES
        if s.column in daywise.columns
    ]
    columns = ["series", "day", "value"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


@documented("daywise", "title")
def daywise_usage(daywise: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Sessions and recordings per day (bars) and minutes per day (lines, right axis).

    {parameters}
    """
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    base_layout(
        fig,
        title or "Usage per day",
        height=430,
        barmode="group",
        hovermode="x unified",
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1.0, xanchor="right"),
        margin=dict(l=10, r=20, t=100, b=50),
    )
    fig.update_xaxes(title_text="Day (UTC)")
    fig.update_yaxes(title_text="Sessions, recordings (count per day)", secondary_y=False)
    fig.update_yaxes(title_text="Minutes per day (min)", secondary_y=True, showgrid=False)
    if is_empty(daywise):
        return mark_no_data(fig)
    long = prepare_daywise(daywise)
    for series in _SERIES:
        rows = long[long["series"] == series.label]
        if rows.empty:
            continue
        x, y = rows["day"].to_numpy(), rows["value"].to_numpy(dtype=float)
        trace: Any
        if series.minutes:
            trace = go.Scatter(
                x=x,
                y=np.round(y, 1),
                name=series.label,
                mode="lines+markers",
                line=dict(
                    color=series.color,
                    width=2,
                    dash="solid" if "session" in series.label else "dash",
                ),
                marker=dict(size=5),
                hovertemplate=f"{series.label}: %{{y:,.0f}} min<extra></extra>",
            )
        else:
            trace = go.Bar(
                x=x,
                y=y,
                name=series.label,
                marker=dict(color=series.color),
                hovertemplate=f"{series.label}: %{{y:.0f}}<extra></extra>",
            )
        fig.add_trace(trace, secondary_y=series.minutes)
    fig.update_xaxes(type="date", tickformat="%d %b")
    fig.update_yaxes(rangemode="tozero", secondary_y=False)
    fig.update_yaxes(rangemode="tozero", secondary_y=True, tickmode="auto", tickformat="~s")
    return fig
