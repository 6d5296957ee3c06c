"""Who was in a session when: :func:`participant_timeline`, a Gantt chart of the joins."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rtk_notebook.plots._common import (
    TIME_TITLE,
    VERDICT_ORDER,
    auto_height,
    base_layout,
    color_map,
    empty_figure,
    fmt_time,
    is_empty,
    join_key,
    labels,
    naive_utc_timestamp,
    participant_rows,
    plural,
    require,
    utc_naive,
)
from rtk_notebook.plots._docs import documented
from rtk_notebook.style import PALETTE, VERDICT_COLORS

__all__ = ["TimelineData", "participant_timeline", "prepare_timeline"]

_HOVER = "hover "  # prefix of the joins' columns that ``hover_data`` asked for


@dataclass(frozen=True)
class TimelineData:
    """What :func:`participant_timeline` draws.

    ``joins``: one row per join, in the participants' order: ``name``, ``start``, ``end``
    (naive UTC; NaT while in the call), ``open`` (still in the call), ``draw_end`` (``end``, or
    ``until`` for an open join), ``stay_min``, ``preset``, ``group`` (the value coloured by),
    ``label`` (the row's name: a rejoin reads ``Ana (rejoin)``) and ``row`` (0 on top, in
    :func:`~rtk_notebook.plots._common.participant_rows` order, which the heatmap shares); a
    ``hover <column>`` column per ``hover_data`` column. ``until``: the time the data describe
    ("now"). ``color_by``: the column the groups come from (None: one colour).
    """

    joins: pd.DataFrame
    until: pd.Timestamp | None
    color_by: str | None

    @property
    def hover_columns(self) -> list[str]:
        return [c[len(_HOVER) :] for c in self.joins.columns if c.startswith(_HOVER)]


def prepare_timeline(
    participants: pd.DataFrame,
    *,
    start: str,
    end: str,
    name: str,
    color: str | None,
    hover_data: Sequence[str] | None,
    now: Any,
) -> TimelineData:
    """The joins of :func:`participant_timeline` as a tidy frame (no figure); the parameters
    are the figure's, whose defaults they take when it calls this.

    Joins without a start time are left out. Named by ``display_name``, each join (``peer_id``,
    else ``id``) is a row of its own, so a person who rejoins has two; otherwise a name is a
    row.
    ``color`` falls back to ``preset_name``, then to one group; "now" is ``now``, else the
    frame's latest timestamp (``updated_at`` is the snapshot time).
    """
    if is_empty(participants):
        return TimelineData(pd.DataFrame(columns=["name", "start", "label", "row"]), None, None)
    require(participants, [start, name], "participant_timeline")
    index = participants.index
    no_end = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    df = pd.DataFrame(
        {
            "start": utc_naive(participants[start]),
            "end": utc_naive(participants[end]) if end in participants.columns else no_end,
            "name": labels(participants[name], "(no name)"),
        },
        index=index,
    )
    df = df[df["start"].notna()]
    if df.empty:
        return TimelineData(df.assign(label=df["name"], row=0), None, None)
    rows = participants.loc[df.index]
    color_by = next((c for c in (color, "preset_name") if c and c in rows.columns), None)
    df["group"] = labels(rows[color_by]) if color_by else "participant"
    has_preset = "preset_name" in rows.columns
    df["preset"] = labels(rows["preset_name"], "-") if has_preset else "-"

    stamps = [df["start"].max(), df["end"].max()]
    if "updated_at" in participants.columns:
        stamps.append(utc_naive(participants["updated_at"]).max())
    until = naive_utc_timestamp(now) or max(t for t in stamps if pd.notna(t))
    df["open"] = df["end"].isna()
    df["draw_end"] = df["end"].where(~df["open"], until)
    df["draw_end"] = df[["draw_end", "start"]].max(axis=1)  # never before the join
    df["stay_min"] = (df["draw_end"] - df["start"]).dt.total_seconds() / 60.0
    key = join_key(rows, name)
    keys = df["name"] if key is None else labels(rows[key], "").where(rows[key].notna(), df["name"])
    order = participant_rows(keys, df["name"], df["start"])
    df["label"] = keys.map(order["label"])
    df["row"] = keys.map(order["row"])
    for col in hover_data or []:
        if col in rows.columns:
            df[_HOVER + col] = labels(rows[col], "")
    return TimelineData(df, until, color_by)


@documented("participants", "start", "end", "name", "color", "hover_data", "now", "height", "title")
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
    """A Gantt chart of a session's participants: one bar and one row per join.

    People are ordered by first join (earliest on top); someone who left and came back (a new
    peer, same name) gets a row of their own under their first, labelled ``(rejoin)``, in the
    order :func:`session_heatmap` uses too. Bars
    are coloured by ``color`` (verdict colours are fixed). A participant still in the call
    (``end`` is NaT) is drawn up to ``now`` with a hatched bar and a ▶ marker. Hover shows
    the name, preset, join and leave times and the stay in minutes, never ids.

    {parameters}
    """
    title = title or "Participants over time"
    data = prepare_timeline(
        participants,
        start=start,
        end=end,
        name=name,
        color=color,
        hover_data=hover_data,
        now=now,
    )
    if data.joins.empty:
        return empty_figure(title, TIME_TITLE, "Participant")
    fig = go.Figure()
    customdata, hovertemplate = _hover(data)
    _add_bars(fig, data, customdata, hovertemplate)
    joins = data.joins
    if joins["open"].any():
        open_ = joins[joins["open"]]
        fig.add_trace(
            go.Scatter(
                x=open_["draw_end"].to_numpy(),
                y=open_["label"].to_numpy(dtype=object),
                mode="markers",
                marker=dict(symbol="triangle-right", size=9, color=PALETTE["black"]),
                name="still in the call",
                customdata=customdata[joins["open"].to_numpy()],
                hovertemplate=hovertemplate,
            )
        )
        fig.add_vline(x=data.until, line=dict(color=PALETTE["grey"], dash="dot", width=1))
    _layout(fig, data, title, height)
    return fig


def _hover(data: TimelineData) -> tuple[np.ndarray, str]:
    """Each join's hover values, and the template that shows them (names and times, no ids)."""
    joins = data.joins
    left = np.where(
        joins["open"], "still in the call", fmt_time(joins["end"].fillna(pd.Timestamp(0)))
    )
    custom = [
        joins["label"].to_numpy(dtype=object),
        joins["preset"].to_numpy(dtype=object),
        fmt_time(joins["start"]),
        left,
        np.round(joins["stay_min"].to_numpy(dtype=float), 1),
        joins["group"].to_numpy(dtype=object),
    ]
    extra_lines = ""
    for i, col in enumerate(data.hover_columns):
        custom.append(joins[_HOVER + col].to_numpy(dtype=object))
        extra_lines += f"<br>{col}: %{{customdata[{6 + i}]}}"
    group_line = f"<br>{data.color_by}: %{{customdata[5]}}" if data.color_by else ""
    hovertemplate = (
        "<b>%{customdata[0]}</b><br>preset: %{customdata[1]}<br>joined: %{customdata[2]}"
        "<br>left: %{customdata[3]}<br>stay: %{customdata[4]} min"
        + group_line
        + extra_lines
        + "<extra></extra>"
    )
    return np.column_stack(custom), hovertemplate


def _add_bars(fig: go.Figure, data: TimelineData, customdata: np.ndarray, template: str) -> None:
    """One bar per join; per group, closed and still-open joins in separate traces (so the
    legend swatch is plain), the open ones hatched."""
    joins = data.joins
    present = joins["group"].unique().tolist()
    if data.color_by == "verdict" or set(present) <= set(VERDICT_COLORS):
        groups = [g for g in VERDICT_ORDER if g in present]
        groups += [g for g in present if g not in VERDICT_ORDER]
    else:
        groups = sorted(present)
    colors = color_map(groups) if data.color_by else {"participant": PALETTE["blue"]}
    duration_ms = ((joins["draw_end"] - joins["start"]).dt.total_seconds() * 1000.0).to_numpy()
    hatched = dict(shape="/", fgcolor="white", size=6, solidity=0.3)
    for group in groups:
        in_group = (joins["group"] == group).to_numpy()
        legend_shown = False
        for is_open in (False, True):
            mask = in_group & (joins["open"].to_numpy() == is_open)
            if not mask.any():
                continue
            fig.add_trace(
                go.Bar(
                    orientation="h",
                    base=joins["start"].to_numpy()[mask],
                    x=duration_ms[mask],
                    y=joins["label"].to_numpy(dtype=object)[mask],
                    name=str(group),
                    legendgroup=str(group),
                    marker=dict(
                        color=colors[group],
                        line=dict(color="white", width=0.5),
                        pattern=hatched if is_open else None,
                    ),
                    customdata=customdata[mask],
                    hovertemplate=template,
                    showlegend=bool(data.color_by) and not legend_shown,
                )
            )
            legend_shown = True


def _layout(fig: go.Figure, data: TimelineData, title: str, height: int | None) -> None:
    joins = data.joins
    n_rows = int(joins["row"].max()) + 1
    subtitle = f"{plural(joins['name'].nunique(), 'participant')}, {plural(len(joins), 'join')}"
    if joins["open"].any():
        subtitle += f"; {int(joins['open'].sum())} still in the call at {data.until:%H:%M} UTC"
    fig_height = height or auto_height(n_rows, per_row=22, base=210, low=340, high=2200)
    base_layout(
        fig,
        title,
        subtitle=subtitle,
        barmode="overlay",
        bargap=0.25,
        height=fig_height,
        legend=dict(title=dict(text=data.color_by or ""), orientation="h", y=-0.01, yanchor="top"),
        margin=dict(l=10, r=20, t=150, b=60),
    )
    # The time axis is on top (long rosters): keep the title above its labels.
    fig.update_layout(title=dict(yref="container", y=1 - 14 / fig_height, yanchor="top"))
    fig.update_xaxes(type="date", title_text=TIME_TITLE, side="top")
    order = joins.drop_duplicates("row").sort_values("row")["label"].tolist()
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=order,
        autorange="reversed",
        title_text="Participant",
        automargin=True,
    )
