"""Everyone in a session at a glance: :func:`session_heatmap`, peers by time bins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rtk_notebook.frames.schemas import DIRECTION_LABELS
from rtk_notebook.plots._bands import Thresholds, band_edges, thresholds, worst_shown
from rtk_notebook.plots._common import (
    TIME_TITLE,
    auto_height,
    base_layout,
    bin_label,
    empty_figure,
    floats,
    is_empty,
    join_key,
    keep_value,
    label,
    labels,
    metric_family,
    participant_rows,
    peer_column,
    plural,
    prepare_timeseries,
    require,
    utc_naive,
)
from rtk_notebook.plots._docs import documented
from rtk_notebook.style import CANVAS, GOOD_LIGHT, PALETTE, POOR_DARK

__all__ = ["HeatmapData", "prepare_heatmap", "session_heatmap"]

_EPS = 1e-3  # a band edge in a colour scale: the colour steps within this fraction


@dataclass(frozen=True)
class HeatmapData:
    """What :func:`session_heatmap` draws.

    ``grid``: one row per peer (in display order, top first; labelled with the name, a rejoin
    ``Ana (rejoin)``), one column per time bin (its
    start, naive UTC, every bin from the first to the last), each cell the mean of the value
    in that bin (NaN: no sample). ``step``: the bin. ``notes``: the subtitle's parts.
    ``samples``: how many samples the grid was made of (some, yet an empty grid: none of them
    had a value). ``people``: how many names the rows are (fewer than rows when someone
    rejoined).
    """

    grid: pd.DataFrame
    step: pd.Timedelta
    notes: list[str]
    samples: int = 0
    people: int = 0


def prepare_heatmap(
    timeseries: pd.DataFrame,
    *,
    by: str,
    value: str,
    bin: str,
    kind: str | None,
    direction: str | None,
    sort: str,
) -> HeatmapData:
    """The grid of :func:`session_heatmap` (no figure): peers by time bins, cell means; the
    parameters are the figure's.

    ``kind`` and ``direction`` keep those tracks when there are any (else every track). With
    a ``peer_id`` column, each peer is a row (someone who rejoined has two, the second
    labelled ``(rejoin)``), in the timeline's order (:func:`~rtk_notebook.plots._common.
    participant_rows`, by ``joined_at`` when the frame has it, else by first sample).
    """
    step = pd.Timedelta(bin)
    if is_empty(timeseries):
        return HeatmapData(pd.DataFrame(), step, [])
    by_col = by if by in timeseries.columns else peer_column(timeseries)
    if by_col is None:
        raise ValueError(
            f"session_heatmap: no {by!r} (nor display_name/peer_id) column to make rows of"
        )
    df = prepare_timeseries(timeseries)
    require(df, ["timestamp", value], "session_heatmap")
    df, kept_kind = keep_value(df, "kind", kind)
    df, kept_direction = keep_value(df, "direction", direction)
    notes = [str(kind)] if kept_kind else []
    notes += [DIRECTION_LABELS.get(str(direction), str(direction))] if kept_direction else []
    names = labels(df[by_col], "(unknown)")
    key = join_key(df, by_col)
    frame = pd.DataFrame(
        {
            # One row per join: a person who rejoined (a new peer, same name) has two.
            "row": names if key is None or key == by_col else labels(df[key], "(unknown)"),
            "t": df["timestamp"].dt.floor(step),
            "v": floats(df[value]),
        }
    )
    grid = frame.pivot_table(index="row", columns="t", values="v", aggfunc="mean", sort=True)
    if grid.empty:  # no sample has a value
        return HeatmapData(grid, step, notes, len(df))
    # Every bin from first to last, so gaps show as gaps.
    grid = grid.reindex(columns=pd.date_range(grid.columns.min(), grid.columns.max(), freq=step))
    # The timeline's order and labels: by join time when the frame has it, else first sample.
    firsts = utc_naive(df["joined_at"]) if "joined_at" in df.columns else df["timestamp"]
    rows = participant_rows(frame["row"], names, firsts.fillna(df["timestamp"]))
    if sort == "worst":
        order: Any = grid.mean(axis=1).sort_values(ascending=metric_family(value) == "mos").index
    elif sort == "name":
        order = sorted(grid.index, key=lambda k: str(rows.at[k, "label"]))
    else:
        order = [k for k in rows.index if k in grid.index]
    grid = grid.loc[list(order)]
    grid.index = pd.Index([rows.at[k, "label"] for k in grid.index], name="row")
    return HeatmapData(grid, step, notes, len(df), int(names.nunique()))


@documented("timeseries", "by", "value", "bin", "kind", "direction", "sort", "height", "title")
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
    Blank cells: the peer sent no sample then (not in the call). Rows are the peers in the
    order of :func:`participant_timeline` (a rejoin is a row of its own, ``Ana (rejoin)``);
    ``sort='worst'`` puts the peers with the worst mean on top.

    {parameters}
    """
    th = thresholds()
    scale, zmin, zmax, bar_title = _heat_scale(value, th)
    title = title or f"{bar_title} per participant over time"
    y_title = "Participant" if by in ("display_name", "name") else by.replace("_", " ")
    data = prepare_heatmap(
        timeseries, by=by, value=value, bin=bin, kind=kind, direction=direction, sort=sort
    )
    grid, step = data.grid, data.step
    if grid.empty:
        subtitle = f"no {value} values" if data.samples else None
        return empty_figure(title, TIME_TITLE, y_title, subtitle=subtitle)
    n_rows = len(grid)
    fmt = ".2f" if metric_family(value) == "mos" else ".1f"
    fig = go.Figure(
        go.Heatmap(
            z=np.round(grid.to_numpy(dtype=float), 3),
            x=(pd.DatetimeIndex(grid.columns) + step / 2).to_numpy(),
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
    joins = f", {n_rows} joins" if 0 < data.people < n_rows else ""
    notes = [*data.notes, f"{plural(data.people or n_rows, 'participant')}{joins}"]
    notes.append(f"{bin_label(step)} bins")
    fig_height = height or auto_height(n_rows, per_row=18, base=170, low=300, high=2200)
    plot_px = max(fig_height - 130, 100)  # less the top and bottom margins
    fig.update_traces(
        colorbar=dict(len=min(1.0, 420 / plot_px), lenmode="fraction", y=1.0, yanchor="top")
    )
    base_layout(
        fig,
        title,
        subtitle=" · ".join(notes),
        height=fig_height,
        margin=dict(l=10, r=20, t=80, b=50),
        plot_bgcolor=CANVAS,
    )
    fig.update_xaxes(title_text=TIME_TITLE, type="date", showgrid=False)
    fig.update_yaxes(
        title_text=y_title, autorange="reversed", type="category", automargin=True, showgrid=False
    )
    return fig


def _heat_colorbar(value: str, title: str, th: Thresholds, zmax: float | None) -> dict:
    """Colour bar ticks at the band edges; the top of a clipped scale reads "≥"."""
    family = metric_family(value)
    edges = band_edges(family, th)
    bar: dict[str, Any] = dict(title=dict(text=title), thickness=14)
    if edges is None or family is None:
        return bar
    if family == "mos":
        ticks = [1.0, 2.0, 3.0, edges[1], edges[0], 4.5]
    else:
        ticks = [0.0, *edges, worst_shown(family, th)]
    text = [f"{t:g}" for t in ticks]
    if family != "mos" and zmax is not None:
        text[-1] = f"≥{zmax:g}"
    bar.update(tickmode="array", tickvals=ticks, ticktext=text)
    return bar


_HEAT_TITLES = {"mos": "MOS", "loss": "Loss (%)", "rtt": "RTT (ms)", "jitter": "Jitter (ms)"}


def _heat_scale(value: str, th: Thresholds) -> tuple[Any, float | None, float | None, str]:
    """(colorscale, zmin, zmax, colour-bar title) for a metric.

    Within a band the colour shades; at a band edge it steps: poor is vermillion to dark
    brown, fair orange to yellow, good light to full green (lightness differs too, so the
    bands stay apart for colour-blind readers). Other metrics: a sequential scale.
    """
    family = metric_family(value)
    edges = band_edges(family, th)
    if edges is None or family is None:
        return "Cividis", None, None, label(value)
    good_to_fair, fair_to_poor = edges
    if family == "mos":  # better high: poor at the bottom of 1..4.5
        lo, hi = 1.0, 4.5

        def at(x: float) -> float:
            return min(max((x - lo) / (hi - lo), _EPS), 1 - _EPS)

        poor, good = at(fair_to_poor), at(good_to_fair)
        scale = [
            [0.0, POOR_DARK],
            [poor - _EPS, PALETTE["vermillion"]],
            [poor, PALETTE["orange"]],
            [good - _EPS, PALETTE["yellow"]],
            [good, GOOD_LIGHT],
            [1.0, PALETTE["green"]],
        ]
        return scale, lo, hi, _HEAT_TITLES[family]
    top = worst_shown(family, th)
    fair, poor = good_to_fair / top, fair_to_poor / top
    scale = [
        [0.0, PALETTE["green"]],
        [fair - _EPS, GOOD_LIGHT],
        [fair, PALETTE["yellow"]],
        [poor - _EPS, PALETTE["orange"]],
        [poor, PALETTE["vermillion"]],
        [1.0, POOR_DARK],
    ]
    return scale, 0.0, top, _HEAT_TITLES[family]
