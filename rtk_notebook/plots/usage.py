"""Usage per day, week or month: :func:`daywise_usage`, sessions and recordings with their
minutes."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rtk_notebook.errors import ValidationError
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

__all__ = ["daywise_usage", "pick_freq", "prepare_daywise"]

# The longest range drawn per day, then per week: a figure of at most ~60 bars per series.
MAX_DAILY_DAYS = 62
MAX_WEEKLY_DAYS = 420
_UNITS = {"D": "day", "W": "week", "M": "month"}
_FREQ_DOC = (
    "str or None",
    "Draw per ``'D'`` (day), ``'W'`` (week, from Monday) or ``'M'`` (month); ``None`` picks "
    f"by the range's length: up to {MAX_DAILY_DAYS} days per day, up to {MAX_WEEKLY_DAYS} "
    "per week, longer per month.",
)


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


def pick_freq(daywise: pd.DataFrame) -> str:
    """``'D'``, ``'W'`` or ``'M'``: the finest period that keeps the figure small."""
    days = utc_naive(daywise["day"]).dropna()
    span = (days.max() - days.min()).days + 1 if len(days) else 0
    return "D" if span <= MAX_DAILY_DAYS else "W" if span <= MAX_WEEKLY_DAYS else "M"


def _period_start(day: pd.Series, freq: str) -> pd.Series:
    if freq == "W":
        return day - pd.to_timedelta(day.dt.day_of_week, unit="D")  # back to Monday
    if freq == "M":
        return day - pd.to_timedelta(day.dt.day - 1, unit="D")
    return day


def prepare_daywise(daywise: pd.DataFrame, freq: str = "D") -> pd.DataFrame:
    """The series of :func:`daywise_usage` as a long frame (no figure).

    One row per series and period: ``series`` (sessions, recordings, session minutes,
    recording minutes: those the frame has), ``day`` (naive UTC midnight the period starts
    at), ``value`` (the period's sum) and ``days`` (how many of its days the frame has, so a
    partial week or month at either end can say so).
    """
    require(daywise, ["day"], "daywise_usage")
    if freq not in _UNITS:
        raise ValidationError(f"'freq' must be 'D', 'W' or 'M' (got {freq!r})")
    day = utc_naive(daywise["day"]).dt.floor("D")
    columns = ["series", "day", "value", "days"]
    parts = [
        pd.DataFrame({"series": s.label, "day": day.to_numpy(), "value": floats(daywise[s.column])})
        for s in _SERIES
        if s.column in daywise.columns
    ]
    if not parts:
        return pd.DataFrame(columns=columns)
    long = pd.concat(parts, ignore_index=True)
    long["day"] = _period_start(long["day"], freq)
    grouped = long.groupby(["series", "day"], sort=False)["value"]
    out = grouped.sum(min_count=1).to_frame().assign(days=grouped.size()).reset_index()
    return out[columns]


def _period_note(days: pd.Series, periods: pd.Series, freq: str) -> np.ndarray | None:
    """`` (5 of 7 days)`` for a period the frame covers only part of, else empty; None per day."""
    if freq == "D":
        return None
    length = periods.dt.days_in_month.to_numpy() if freq == "M" else np.full(len(days), 7)
    counted = days.to_numpy()
    return np.array(
        [f" ({n} of {m} days)" if n < m else "" for n, m in zip(counted, length, strict=True)],
        dtype=object,
    )


@documented("daywise", "freq", "title", freq=_FREQ_DOC)
def daywise_usage(
    daywise: pd.DataFrame, *, freq: str | None = None, title: str | None = None
) -> go.Figure:
    """Sessions and recordings (bars) and their minutes (lines, right axis) per day, week or
    month.

    {parameters}
    """
    if freq is not None and freq not in _UNITS:
        raise ValidationError(f"'freq' must be 'D', 'W', 'M' or None (got {freq!r})")
    if freq is None:
        freq = "D" if is_empty(daywise) else pick_freq(daywise)
    unit = _UNITS[freq]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    base_layout(
        fig,
        title or f"Usage per {unit}",
        height=430,
        barmode="group",
        hovermode="x unified",
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1.0, xanchor="right"),
        margin=dict(l=10, r=20, t=100, b=50),
    )
    axis = {"D": "Day (UTC)", "W": "Week (UTC, from Monday)", "M": "Month (UTC)"}[freq]
    fig.update_xaxes(title_text=axis)
    fig.update_yaxes(title_text=f"Sessions, recordings (count per {unit})", secondary_y=False)
    fig.update_yaxes(title_text=f"Minutes per {unit} (min)", secondary_y=True, showgrid=False)
    if is_empty(daywise):
        return mark_no_data(fig)
    long = prepare_daywise(daywise, freq)
    for series in _SERIES:
        rows = long[long["series"] == series.label]
        if rows.empty:
            continue
        x, y = rows["day"].to_numpy(), rows["value"].to_numpy(dtype=float)
        # A partial week or month at either end says so, once (on the first series).
        first = series.label == long["series"].iloc[0]
        note = _period_note(rows["days"], rows["day"], freq) if first else None
        more = "%{customdata}" if note is not None else ""
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
                customdata=note,
                hovertemplate=f"{series.label}: %{{y:,.0f}} min{more}<extra></extra>",
            )
        else:
            trace = go.Bar(
                x=x,
                y=y,
                name=series.label,
                marker=dict(color=series.color),
                customdata=note,
                hovertemplate=f"{series.label}: %{{y:.0f}}{more}<extra></extra>",
            )
        fig.add_trace(trace, secondary_y=series.minutes)
    tick = {"D": "%d %b", "W": "%d %b", "M": "%b %Y"}[freq]
    hover = {"D": "%a %d %b %Y", "W": "week of %d %b %Y", "M": "%B %Y"}[freq]
    fig.update_xaxes(type="date", tickformat=tick, hoverformat=hover)
    fig.update_yaxes(rangemode="tozero", secondary_y=False)
    fig.update_yaxes(rangemode="tozero", secondary_y=True, tickmode="auto", tickformat="~s")
    return fig
