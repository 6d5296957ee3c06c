"""Quality by group (browser, network, country...): :func:`quality_breakdown`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rtk_notebook.plots._bands import band_edges, edge_labels, thresholds
from rtk_notebook.plots._common import (
    VERDICT_ORDER,
    auto_height,
    base_layout,
    floats,
    is_empty,
    label,
    labels,
    mark_no_data,
    metric_family,
    peer_column,
    plural,
    require,
    scatter_type,
)
from rtk_notebook.plots._docs import documented
from rtk_notebook.style import PALETTE, VERDICT_COLORS

__all__ = ["BreakdownData", "prepare_breakdown", "quality_breakdown"]

OTHER = "other"  # the group that merges groups with too few peers


@dataclass(frozen=True)
class BreakdownData:
    """What :func:`quality_breakdown` draws.

    ``peers``: one row per peer: ``group`` (small groups merged into "other", a missing
    value "unknown"), ``value`` (the metric), ``verdict`` (good, fair, poor or unknown),
    ``who`` (its name for hover) and ``pos`` (its group's row, 0 on top). ``groups``: one row
    per group in display order: ``n``, ``median`` and the number of peers per verdict.
    ``merged_groups``: how many small groups "other" merges. ``has_verdict``: whether the
    input had verdicts (else the right panel counts peers).
    """

    peers: pd.DataFrame
    groups: pd.DataFrame
    merged_groups: int
    has_verdict: bool


def prepare_breakdown(
    quality: pd.DataFrame, *, by: str, metric: str, min_peers: int, sort: str
) -> BreakdownData:
    """The peers and groups of :func:`quality_breakdown` (no figure); the parameters are the
    figure's.

    Groups with fewer than ``min_peers`` peers become "other" (all of them, when every group
    is that small). Groups are ordered by peer count (then median), or with ``sort='metric'``
    worst median first; "other" comes last.
    """
    require(quality, [by, metric], "quality_breakdown")
    has_verdict = "verdict" in quality.columns
    unknown = pd.Series("unknown", index=quality.index)
    peers = pd.DataFrame(
        {
            "group": labels(quality[by]),
            "value": floats(quality[metric]),
            "verdict": labels(quality["verdict"]).str.lower() if has_verdict else unknown,
        },
        index=quality.index,
    )
    peers.loc[~peers["verdict"].isin(VERDICT_COLORS), "verdict"] = "unknown"
    who = peer_column(quality)
    peers["who"] = labels(quality[who], "") if who else ""
    counts = peers["group"].value_counts()
    small = counts[counts < min_peers].index
    if len(small) and len(small) < len(counts):
        peers.loc[peers["group"].isin(small), "group"] = OTHER
    elif len(small) == len(counts) and len(counts) > 1:
        peers["group"] = OTHER
    merged = len(small) if OTHER in set(peers["group"]) and int(counts[small].sum()) else 0

    stats = peers.groupby("group").agg(n=("value", "size"), median=("value", "median"))
    if sort == "metric":
        worst_first = metric_family(metric) != "mos"
        stats = stats.sort_values("median", ascending=not worst_first)
    else:
        stats = stats.sort_values(["n", "median"], ascending=[False, True])
    order = [g for g in stats.index if g != OTHER] + ([OTHER] if OTHER in stats.index else [])
    peers["pos"] = peers["group"].map({g: i for i, g in enumerate(order)}).astype(float)
    verdicts = pd.crosstab(peers["group"], peers["verdict"])
    groups = stats.loc[order].join(verdicts).fillna(0)
    return BreakdownData(peers, groups, merged, has_verdict)


@documented("quality", "by", "metric", "min_peers", "sort", "height", "title")
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
    group_title = by.replace("_", " ")
    has_verdict = is_empty(quality) or "verdict" in quality.columns
    fig = make_subplots(
        rows=1, cols=2, shared_yaxes=True, column_widths=[0.62, 0.38], horizontal_spacing=0.03
    )
    base_layout(
        fig,
        title or f"Call quality by {group_title}",
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
    fig.update_xaxes(title_text=label(metric), row=1, col=1)
    right_title = "Share of peers (%)" if has_verdict else "Peers (count)"
    fig.update_xaxes(title_text=right_title, row=1, col=2)
    fig.update_yaxes(title_text=group_title, row=1, col=1)
    if is_empty(quality):
        fig.update_layout(height=360)
        return mark_no_data(fig)
    data = prepare_breakdown(quality, by=by, metric=metric, min_peers=min_peers, sort=sort)
    _add_spread(fig, data, metric, group_title)
    _add_verdict_shares(fig, data)
    _layout(fig, data, metric, min_peers, height)
    return fig


def _add_spread(fig: go.Figure, data: BreakdownData, metric: str, group_title: str) -> None:
    """Left: boxes (no points of their own), a jittered strip of peers coloured by verdict,
    and the metric's band edges."""
    peers, metric_title = data.peers, label(metric)
    fig.add_trace(
        go.Box(
            x=peers["value"].to_numpy(),
            y=peers["pos"].to_numpy(),
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
    jitter = np.random.default_rng(0).uniform(-0.28, 0.28, len(peers))
    for verdict in VERDICT_ORDER:
        mask = (peers["verdict"] == verdict).to_numpy()
        if not mask.any():
            continue
        sub = peers[mask]
        fig.add_trace(
            scatter_type(int(mask.sum()))(
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
    family, th = metric_family(metric), thresholds()
    edges, labels = band_edges(family, th), edge_labels(family, th)
    for x, worse_side, text, lift in zip(
        edges or (), ("fair", "poor"), labels or (), (0, 14), strict=False
    ):
        line = dict(color=VERDICT_COLORS[worse_side], dash="dot", width=1.2)
        # Each line labelled above the panel, on its worse side (left for MOS, right for the
        # others); the poor label a line higher, so that two close edges stay legible.
        fig.add_vline(
            x=x,
            line=line,
            row=1,
            col=1,
            annotation=dict(
                text=text,
                font=dict(size=11, color=VERDICT_COLORS[worse_side]),
                xanchor="right" if family == "mos" else "left",
                yanchor="bottom",
                yshift=lift,
                showarrow=False,
            ),
            annotation_position="top",
        )


def _add_verdict_shares(fig: go.Figure, data: BreakdownData) -> None:
    """Right: each group's share of peers per verdict (stacked), or its peer count."""
    groups = data.groups
    names, totals = groups.index.to_numpy(dtype=object), groups["n"].to_numpy()
    rows = list(range(len(groups)))
    if not data.has_verdict:
        fig.add_trace(
            go.Bar(
                x=totals,
                y=rows,
                orientation="h",
                name="peers",
                marker=dict(color=PALETTE["blue"]),
                customdata=names,
                hovertemplate="%{customdata}: %{x} peers<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=2,
        )
        return
    for verdict in (v for v in VERDICT_ORDER if v in groups.columns):
        n = groups[verdict].to_numpy().astype(int)
        fig.add_trace(
            go.Bar(
                x=np.round(n / totals * 100.0, 1),
                y=rows,
                orientation="h",
                name=verdict,
                legendgroup=verdict,
                marker=dict(color=VERDICT_COLORS[verdict], line=dict(color="white", width=0.5)),
                customdata=np.column_stack([names, n, totals]),
                hovertemplate="%{customdata[0]}: %{customdata[1]} of %{customdata[2]} peers "
                + verdict
                + " (%{x:.0f} %)<extra></extra>",
            ),
            row=1,
            col=2,
        )
    fig.update_xaxes(range=[0, 100], row=1, col=2)


def _layout(
    fig: go.Figure, data: BreakdownData, metric: str, min_peers: int, height: int | None
) -> None:
    groups = data.groups
    fig.update_yaxes(
        tickvals=list(range(len(groups))),
        ticktext=[f"{g} (n={int(n)})" for g, n in groups["n"].items()],
        autorange="reversed",
        automargin=True,
        showgrid=False,
        zeroline=False,
        row=1,
        col=1,
    )
    fig.update_yaxes(showgrid=False, zeroline=False, row=1, col=2)
    if metric_family(metric) == "mos":
        # The data and both band edges in view; MOS tops out at 4.5.
        th, values = thresholds(), data.peers["value"]
        low = float(np.nanmin(values)) if values.notna().any() else th.mos_poor
        fig.update_xaxes(range=[max(1.0, min(low, th.mos_poor) - 0.15), 4.6], row=1, col=1)
    subtitle = f"{len(data.peers)} peers in {plural(len(groups), 'group')}"
    if data.merged_groups:
        merged = plural(data.merged_groups, "group")
        subtitle += f"; 'other' merges {merged} with fewer than {min_peers} peers"
    fig.update_layout(
        title_subtitle_text=subtitle,
        barmode="stack",
        height=height or auto_height(len(groups), per_row=46, base=200, low=360, high=1400),
        showlegend=data.has_verdict,
    )
