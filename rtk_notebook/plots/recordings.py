"""Recordings by status, and the ones that need attention: :func:`recording_status`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rtk_notebook.plots._common import (
    base_layout,
    bin_label,
    color_map,
    floats,
    fmt_time,
    is_empty,
    labels,
    mark_no_data,
    minutes,
    naive_utc_timestamp,
    require,
    utc_naive,
)
from rtk_notebook.plots._docs import documented
from rtk_notebook.style import PALETTE

__all__ = ["RecordingsData", "prepare_recordings", "recording_status"]

#: The recording lifecycle, in the order the figure lists statuses.
RECORDING_STATUS_ORDER = ("INVOKED", "RECORDING", "PAUSED", "UPLOADING", "UPLOADED", "ERRORED")
#: Statuses a recording can be stuck in (waiting for the recorder or the upload).
WAITING = ("INVOKED", "UPLOADING")
_PROBLEM_ORDER = ("ERRORED", "UPLOADING stuck", "INVOKED stuck")


@dataclass(frozen=True)
class RecordingsData:
    """What :func:`recording_status` draws.

    ``recordings``: one row per recording: ``status`` (upper case), ``invoked`` (naive UTC),
    ``minutes`` (its length), ``age_h`` (hours from invoked to ``until``), ``problem``
    ("ERRORED", "INVOKED stuck", "UPLOADING stuck" or ""), ``id`` and ``title`` (the
    meeting's). ``per_day``: recordings per day of invoked time (every day from the first to
    the last) by status. ``statuses``: the statuses present, lifecycle order first.
    ``until``: the time the data describe (None: no invoked time at all).
    """

    recordings: pd.DataFrame
    per_day: pd.DataFrame
    statuses: list[str]
    until: pd.Timestamp | None


def prepare_recordings(
    recordings: pd.DataFrame, *, now: Any, stuck_after: str | pd.Timedelta
) -> RecordingsData:
    """The recordings, per-day counts and problems of :func:`recording_status` (no figure);
    the parameters are the figure's.

    A recording is stuck when it is INVOKED or UPLOADING and was invoked more than
    ``stuck_after`` before ``now`` (default: the latest invoked time).
    """
    require(recordings, ["status", "invoked_time"], "recording_status")
    index = recordings.index
    df = pd.DataFrame(
        {
            "status": labels(recordings["status"]).str.upper(),
            "invoked": utc_naive(recordings["invoked_time"]),
        },
        index=index,
    )
    if "recording_duration_td" in recordings.columns:
        df["minutes"] = minutes(recordings["recording_duration_td"])
    elif "recording_duration" in recordings.columns:
        df["minutes"] = floats(recordings["recording_duration"]) / 60.0
    else:
        df["minutes"] = np.nan
    statuses = [s for s in RECORDING_STATUS_ORDER if (df["status"] == s).any()]
    statuses += sorted(set(df["status"]) - set(statuses))

    until = naive_utc_timestamp(now) or naive_utc_timestamp(df["invoked"].max())
    age = (until - df["invoked"]) if until is not None else df["invoked"] - df["invoked"]
    df["age_h"] = (age.dt.total_seconds() / 3600).round(1)
    stuck = df["status"].isin(WAITING) & (age > pd.Timedelta(stuck_after))
    df["problem"] = np.where(
        df["status"] == "ERRORED", "ERRORED", np.where(stuck, df["status"] + " stuck", "")
    )
    df["id"] = labels(recordings["id"], "") if "id" in recordings.columns else ""
    has_title = "meeting_title" in recordings.columns
    df["title"] = labels(recordings["meeting_title"], "(untitled)") if has_title else "(untitled)"

    table = pd.crosstab(df["invoked"].dt.floor("D"), df["status"])
    per_day = table.reindex(columns=statuses, fill_value=0)
    if len(per_day):
        all_days = pd.date_range(per_day.index.min(), per_day.index.max(), freq="D")
        per_day = per_day.reindex(all_days, fill_value=0)
    return RecordingsData(df, per_day, statuses, until)


@documented("recordings", "now", "stuck_after", "height", "title")
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
            f"Errored, or stuck for more than {bin_label(pd.Timedelta(stuck_after))}",
        ),
    )
    base_layout(
        fig,
        title or "Recordings by status",
        height=height or 720,
        barmode="stack",
        margin=dict(l=10, r=20, t=100, b=50),
        legend=dict(title=dict(text="status")),
    )
    for (row, col), (x_title, y_title) in {
        (1, 1): ("Day of invoked time (UTC)", "Recordings (count)"),
        (2, 1): ("Length (min)", "Status"),
        (2, 2): ("Invoked time (UTC)", "Status"),
    }.items():
        fig.update_xaxes(title_text=x_title, row=row, col=col)
        fig.update_yaxes(title_text=y_title, row=row, col=col)
    if is_empty(recordings):
        return mark_no_data(fig)
    data = prepare_recordings(recordings, now=now, stuck_after=stuck_after)
    colors = color_map(data.statuses)
    _add_per_day(fig, data, colors)
    _add_lengths(fig, data, colors)
    _add_problems(fig, data, colors)
    problems = data.recordings["problem"]
    errored, stuck = int((problems == "ERRORED").sum()), int(problems.str.endswith("stuck").sum())
    subtitle = f"{len(problems)} recordings; {errored} errored, {stuck} stuck"
    if data.until is not None:
        subtitle += f" (as of {data.until:%Y-%m-%d %H:%M} UTC)"
    fig.update_layout(title_subtitle_text=subtitle)
    return fig


def _add_per_day(fig: go.Figure, data: RecordingsData, colors: dict) -> None:
    """Top: recordings per day, stacked by status."""
    for status in data.statuses:
        fig.add_trace(
            go.Bar(
                x=data.per_day.index.to_numpy(),
                y=data.per_day[status].to_numpy(),
                name=status,
                legendgroup=status,
                marker=dict(color=colors[status], line=dict(width=0)),
                hovertemplate=f"%{{x|%a %d %b}}: %{{y}} {status}<extra></extra>",
            ),
            row=1,
            col=1,
        )


def _add_lengths(fig: go.Figure, data: RecordingsData, colors: dict) -> None:
    """Bottom left: a box of recording lengths per status."""
    df = data.recordings
    present = []
    for status in data.statuses:
        lengths = df.loc[df["status"] == status, "minutes"].dropna()
        if lengths.empty:
            continue
        present.append(status)
        fig.add_trace(
            go.Box(
                x=lengths.to_numpy(),
                y=[status] * len(lengths),
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
    fig.update_yaxes(categoryorder="array", categoryarray=present[::-1], row=2, col=1)


def _add_problems(fig: go.Figure, data: RecordingsData, colors: dict) -> None:
    """Bottom right: errored and stuck recordings at their invoked time (x for errored)."""
    df = data.recordings
    problems = df[df["problem"] != ""]
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
        return
    present = [p for p in _PROBLEM_ORDER if (problems["problem"] == p).any()]
    for problem in present:
        sub = problems[problems["problem"] == problem]
        status = problem.split()[0]
        custom = [
            sub["id"].to_numpy(dtype=object),
            sub["title"].to_numpy(dtype=object),
            fmt_time(sub["invoked"]),
            sub["age_h"].to_numpy(),
        ]
        fig.add_trace(
            go.Scatter(
                x=sub["invoked"].to_numpy(),
                y=[problem] * len(sub),
                mode="markers",
                marker=dict(
                    symbol="x" if status == "ERRORED" else "circle",
                    size=11,
                    color=colors[status],
                    line=dict(color="white", width=0.5),
                ),
                name=problem,
                legendgroup=status,
                showlegend=False,
                customdata=np.column_stack(custom),
                hovertemplate="<b>%{customdata[1]}</b><br>id: %{customdata[0]}"
                "<br>invoked: %{customdata[2]}<br>age: %{customdata[3]} h"
                f"<br>{problem}<extra></extra>",
            ),
            row=2,
            col=2,
        )
    fig.update_yaxes(categoryorder="array", categoryarray=present[::-1], row=2, col=2)
