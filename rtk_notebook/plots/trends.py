"""Quality over weeks and months: :func:`trend` and :func:`comparison`.

They draw the store's computed tables (``frames.describe_columns("trend")``,
``"comparison"``, ``"changes"``), never raw quality rows: a quarter of history is a few hundred
rows here whatever the number of peers behind them. Shares are fractions 0..1 in the frames
and percent in the figures; differences of shares are percentage points.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rtk_notebook.api.checks import whole
from rtk_notebook.errors import ValidationError
from rtk_notebook.plots._common import (
    CYCLE,
    auto_height,
    base_layout,
    floats,
    is_empty,
    labels,
    mark_no_data,
    plural,
    require,
    utc_naive,
)
from rtk_notebook.plots._docs import COMPARISON_DOCS, TREND_DOCS, documented
from rtk_notebook.style import INK, PALETTE, VERDICT_COLORS

__all__ = [
    "CHANGE_COLORS",
    "TREND_METRICS",
    "ComparisonData",
    "TrendData",
    "TrendMetric",
    "comparison",
    "prepare_comparison",
    "prepare_trend",
    "trend",
]

NO_DATA_IN_RANGE = "No data in this range"


@dataclass(frozen=True)
class TrendMetric:
    """A metric of the ``trend`` table as drawn: its axis title (with unit), its name in
    titles and hovers, whether it is a share (drawn in percent, with a band from its 95 %
    bounds) and the decimals it is rounded to."""

    column: str
    axis: str
    name: str
    band: tuple[str, str] | None = None
    decimals: int = 1

    @property
    def share(self) -> bool:
        return self.band is not None


TREND_METRICS: dict[str, TrendMetric] = {
    m.column: m
    for m in (
        TrendMetric("poor_share", "Poor peers (% of rated)", "Poor", ("poor_low", "poor_high")),
        TrendMetric(
            "not_good_share",
            "Fair or poor peers (% of rated)",
            "Fair or poor",
            ("not_good_low", "not_good_high"),
        ),
        TrendMetric("mos_median", "MOS, median of peers (1-4.5)", "MOS median", decimals=2),
        TrendMetric("mos_p10", "MOS, 10th percentile of peers (1-4.5)", "MOS p10", decimals=2),
        TrendMetric("rtt_p90_ms", "RTT, 90th percentile of peers (ms)", "RTT p90", decimals=0),
        TrendMetric("loss_avg_pct", "Packet loss, mean of peers (%)", "Loss", decimals=2),
        TrendMetric("peers", "Peers rated (count)", "Peers", decimals=0),
    )
}

_FREQ_UNITS = {"D": "day", "W": "week", "M": "month"}
_UNIT_AXIS = {
    "day": "Day (UTC)",
    "week": "Week (UTC, from Monday)",
    "month": "Month (UTC)",
    "period": "Period (UTC)",
}
_UNIT_HOVER = {"day": "%Y-%m-%d", "week": "week of %Y-%m-%d", "month": "%B %Y"}

#: Rows of the comparison figure: a significant rise of a bad share is worse (the poor
#: colour), a significant fall better (the good colour); the rest is grey.
CHANGE_COLORS: dict[str, str] = {
    "worse": VERDICT_COLORS["poor"],
    "better": VERDICT_COLORS["good"],
    "no clear change": PALETTE["grey"],
}


def _metric(metric: str) -> TrendMetric:
    spec = TREND_METRICS.get(metric)
    if spec is None:
        raise ValidationError(
            f"'metric' must be one of {', '.join(TREND_METRICS)} (got {metric!r})"
        )
    return spec


# ---- trend -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendData:
    """What :func:`trend` draws.

    ``points``: one row per period and drawn segment, segments in ``segments`` order, periods
    ascending: ``period`` (naive UTC), ``segment``, ``value`` (percent for a share, rounded),
    ``low`` and ``high`` (the share's 95 % bounds in percent; NaN for other metrics) and
    ``peers``. ``segments``: the drawn segments, largest first (their colour order).
    ``dropped`` segments were left out (``top``) holding ``dropped_peers`` peers;
    ``total_peers`` counts every peer in the frame, ``periods`` its distinct periods and
    ``unit`` is ``'day'``, ``'week'``, ``'month'`` or ``'period'``.
    """

    points: pd.DataFrame
    segments: list[str]
    dropped: int
    dropped_peers: int
    total_peers: int
    periods: int
    unit: str


def prepare_trend(
    frame: pd.DataFrame,
    metric: str = "poor_share",
    *,
    segments: Sequence[str] | None = None,
    top: int = 8,
    freq: str | None = None,
) -> TrendData:
    """The points of :func:`trend` (no figure); the parameters are the figure's."""
    spec = _metric(metric)
    top = whole("top", top)
    bounds = list(spec.band or ())
    require(frame, ["period", "segment", "peers", metric, *bounds], "trend")
    scale = 100.0 if spec.share else 1.0
    nan = np.full(len(frame), np.nan)
    points = pd.DataFrame(
        {
            "period": utc_naive(frame["period"]).to_numpy(),
            "segment": labels(frame["segment"]).to_numpy(dtype=object),
            "value": np.round(floats(frame[metric]) * scale, spec.decimals),
            "low": np.round(floats(frame[bounds[0]]) * scale, 1) if bounds else nan,
            "high": np.round(floats(frame[bounds[1]]) * scale, 1) if bounds else nan,
            "peers": np.nan_to_num(floats(frame["peers"])).astype("int64"),
        }
    )
    points = points[points["period"].notna()]
    sizes = points.groupby("segment")["peers"].sum()
    ranked = sorted(sizes.index, key=lambda s: (-int(sizes[s]), str(s)))
    wanted = ranked if segments is None else [s for s in segments if s in sizes.index]
    chosen = wanted[:top]
    left_out = [s for s in ranked if s not in chosen]
    order = {s: i for i, s in enumerate(chosen)}
    drawn = points[points["segment"].isin(order)]
    drawn = drawn.assign(rank=drawn["segment"].map(order)).sort_values(["rank", "period"])
    return TrendData(
        points=drawn.drop(columns="rank").reset_index(drop=True),
        segments=chosen,
        dropped=len(left_out),
        dropped_peers=int(sizes[left_out].sum()) if left_out else 0,
        total_peers=int(points["peers"].sum()),
        periods=int(points["period"].nunique()),
        unit=_period_unit(points["period"], freq),
    )


def _period_unit(periods: pd.Series, freq: str | None) -> str:
    """``'day'``, ``'week'`` or ``'month'`` as given or as the periods' starts show."""
    if freq is not None:
        unit = _FREQ_UNITS.get(str(freq).upper()[:1])
        if unit is None:
            raise ValidationError(f"'freq' must be 'D', 'W' or 'M' (got {freq!r})")
        return unit
    starts = pd.Series(sorted(periods.dropna().unique()))
    if len(starts) < 2:
        return "period"
    gap = starts.diff().min()
    if (starts.dt.day == 1).all() and gap >= pd.Timedelta(days=28):
        return "month"
    if (starts.dt.day_of_week == 0).all() and gap >= pd.Timedelta(days=7):
        return "week"
    return "day"


def _rgba(color: str, alpha: float) -> str:
    digits = color.lstrip("#")
    red, green, blue = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"


def segment_style(rank: int) -> tuple[str, str]:
    """(colour, dash) of the segment drawn ``rank``-th (0: the largest): the palette's cycle,
    then the same colours dashed, so a segment keeps its colour when the metric changes."""
    dashes = ("solid", "dash", "dot", "dashdot")
    return CYCLE[rank % len(CYCLE)], dashes[(rank // len(CYCLE)) % len(dashes)]


@documented("frame", "metric", "segments", "top", "by", "freq", "title", **TREND_DOCS)
def trend(
    frame: pd.DataFrame,
    metric: str = "poor_share",
    *,
    segments: Sequence[str] | None = None,
    top: int = 8,
    by: str | None = None,
    freq: str | None = None,
    title: str | None = None,
) -> go.Figure:
    """A metric per period, one line per segment; a share with its 95 % interval as a band.

    ``store.trend(freq="W", by="browser_major")`` gives the frame. Each segment is a line in
    a colour of its own, in the order of its size (peers over the whole range, largest first:
    blue, pink, sky, black...), so switching the metric keeps each segment's colour; at most
    ``top`` segments are drawn and the subtitle counts those left out. A share (poor, fair or
    poor) is drawn in percent of rated peers with its 95 % Wilson interval as a translucent
    band: a period with few peers is drawn, and its wide band says how little it shows (the
    axis fits the values and the intervals of periods with 30 peers or more, so such a band
    may run off the top rather than flatten every other line).
    Hover: the period, the segment, the value (rounded) and its peers. An empty frame (or a
    metric with no value in it) gives a titled figure saying "No data in this range".

    Example::

        frame = store.trend(freq="W", by="browser_major", start="2026-09-01")
        rtk.plots.trend(frame, "poor_share", by="browser_major", top=5)

    {parameters}
    """
    spec = _metric(metric)
    data = (
        None
        if is_empty(frame)
        else prepare_trend(frame, metric, segments=segments, top=top, freq=freq)
    )
    unit = data.unit if data is not None else _period_unit(pd.Series([]), freq)
    per = f" per {unit}" if unit != "period" else ""
    by_text = f" by {by.replace('_', ' ')}" if by else ""
    fig = go.Figure()
    base_layout(
        fig,
        title or f"{spec.axis.split(' (')[0]}{per}{by_text}",
        height=460,
        hovermode="closest",
        legend=dict(title=dict(text=by or "segment")),
        margin=dict(l=10, r=20, t=90, b=50),
    )
    fig.update_xaxes(title_text=_UNIT_AXIS[unit])
    fig.update_yaxes(title_text=spec.axis)
    if data is None or data.points["value"].isna().all():
        return mark_no_data(fig, NO_DATA_IN_RANGE)
    by_segment = [data.points[data.points["segment"] == s] for s in data.segments]
    if spec.share:  # every band first, so that no band covers another segment's line
        for rank, (segment, rows) in enumerate(zip(data.segments, by_segment, strict=True)):
            _add_band(fig, rows, segment, rank)
    for rank, (segment, rows) in enumerate(zip(data.segments, by_segment, strict=True)):
        _add_line(fig, rows, segment, rank, spec, data.unit)
    fig.update_layout(title_subtitle_text=_trend_subtitle(data, spec))
    _trend_axes(fig, data, spec)
    return fig


#: Peers a period needs for its interval to set the height of the axis: fewer, and its band
#: may run off the top (it still shows how uncertain the period is).
FIT_PEERS = 30

#: Labels on a trend's time axis, at most: more would overlap on a notebook's width.
MAX_TICKS = 14


def _trend_axes(fig: go.Figure, data: TrendData, spec: TrendMetric) -> None:
    """Ticks on the periods' starts (every period, or every k-th: at most
    :data:`MAX_TICKS` labels), never between them; a share's axis from 0 to what the values
    need."""
    first = data.points["period"].min()
    step = max(1, -(-data.points["period"].nunique() // MAX_TICKS))  # ceil
    if data.unit == "day":
        fig.update_xaxes(tick0=first, dtick=step * 86_400_000, tickformat="%d %b")
    elif data.unit == "week":
        fig.update_xaxes(tick0=first, dtick=step * 7 * 86_400_000, tickformat="%d %b")
    elif data.unit == "month":
        fig.update_xaxes(tick0=first, dtick=f"M{step}", tickformat="%b %Y")
    fig.update_xaxes(type="date")
    if spec.column == "peers":
        fig.update_yaxes(rangemode="tozero")
    if not spec.share:
        return
    points = data.points
    solid = points.loc[points["peers"] >= FIT_PEERS, "high"]
    top = max(float(points["value"].max()) * 1.15, float(solid.max()) if solid.notna().any() else 0)
    fig.update_yaxes(range=[0, round(min(100.0, max(top, 1.0) + 1.0), 1)], ticksuffix=" %")


def _add_band(fig: go.Figure, rows: pd.DataFrame, segment: str, rank: int) -> None:
    """A segment's 95 % interval: a closed translucent polygon, along the upper bounds and
    back along the lower ones."""
    band = rows[rows["low"].notna() & rows["high"].notna()]
    if band.empty:
        return
    periods = band["period"].to_numpy()
    fig.add_trace(
        go.Scatter(
            x=np.concatenate([periods, periods[::-1]]),
            y=np.concatenate([band["high"].to_numpy(), band["low"].to_numpy()[::-1]]),
            fill="toself",
            fillcolor=_rgba(segment_style(rank)[0], 0.15),
            line=dict(width=0),
            mode="lines",
            name=f"{segment}: 95 % interval",
            legendgroup=segment,
            showlegend=False,
            hoverinfo="skip",
        )
    )


def _add_line(
    fig: go.Figure, rows: pd.DataFrame, segment: str, rank: int, spec: TrendMetric, unit: str
) -> None:
    """A segment's line, hovering its period, value (rounded), interval and peers."""
    color, dash = segment_style(rank)
    x = rows["period"]
    when = x.dt.strftime(_UNIT_HOVER.get(unit, "%Y-%m-%d")).to_numpy(dtype=object)
    value = f"%{{y:.{spec.decimals}f}}" + (" %" if spec.share else "")
    interval = " (95 % CI %{customdata[2]:.1f}–%{customdata[3]:.1f} %)" if spec.share else ""
    fig.add_trace(
        go.Scatter(
            x=x.to_numpy(),
            y=rows["value"].to_numpy(),
            mode="lines+markers",
            name=segment,
            legendgroup=segment,
            line=dict(color=color, width=2, dash=dash),
            marker=dict(color=color, size=6),
            customdata=np.column_stack(
                [
                    when,
                    rows["peers"].to_numpy(),
                    rows["low"].to_numpy(),
                    rows["high"].to_numpy(),
                    np.full(len(rows), html.escape(segment), dtype=object),
                ]
            ),
            hovertemplate=f"<b>%{{customdata[4]}}</b><br>%{{customdata[0]}}<br>{spec.name}: "
            f"{value}{interval}<br>%{{customdata[1]:,}} peers<extra></extra>",
        )
    )


def _trend_subtitle(data: TrendData, spec: TrendMetric) -> str:
    periods = plural(data.periods, data.unit) if data.unit != "period" else f"{data.periods}"
    parts = [f"{data.total_peers:,} peers rated in {periods}"]
    if data.dropped:
        segs = plural(data.dropped, "smaller segment")
        parts.append(f"{segs} not shown ({data.dropped_peers:,} peers)")
    if spec.share:
        parts.append("bands: 95 % intervals")
    return "; ".join(parts)


# ---- comparison ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonData:
    """What :func:`comparison` draws.

    ``rows``: one per drawn segment, top to bottom (largest rise first): ``label`` (the
    segment; 'column = value' from a ``changes`` frame), ``before`` and ``after`` (shares in
    percent), ``diff``, ``low``, ``high`` (percentage points), ``peers_before``,
    ``peers_after``, ``significant``, ``change`` (worse, better or no clear change),
    ``q_value`` (NaN from a ``comparison`` frame) and ``sentence``. ``kind``: the frame's
    table (``'comparison'`` or ``'changes'``); ``total``: its segments with a difference;
    ``dropped``: those left out by ``top``; ``undefined``: rows without a difference (no
    peers on one side), left out.
    """

    rows: pd.DataFrame
    kind: Literal["comparison", "changes"]
    total: int
    dropped: int
    undefined: int


_SIDES = {
    "comparison": ("share_before", "share_after", "peers_before", "peers_after"),
    "changes": ("share_baseline", "share_recent", "peers_baseline", "peers_recent"),
}


def prepare_comparison(frame: pd.DataFrame, *, top: int = 15) -> ComparisonData:
    """The rows of :func:`comparison` (no figure); the parameters are the figure's.

    The rows kept are the significant ones first, then the largest differences (by size,
    either way); they are then ordered by the difference, the largest rise on top.
    """
    top = whole("top", top)
    kind: Literal["comparison", "changes"]
    if "share_baseline" in frame.columns:
        kind = "changes"
    elif "share_before" in frame.columns:
        kind = "comparison"
    else:
        raise ValidationError(
            "comparison: expected a 'comparison' frame (share_before, share_after...) or a "
            f"'changes' frame (share_baseline, share_recent...); it has {list(frame.columns)}"
        )
    before, after, peers_before, peers_after = _SIDES[kind]
    common = ["segment", "diff", "diff_low", "diff_high", "significant", "sentence"]
    require(frame, [before, after, peers_before, peers_after, *common], "comparison")
    segment = labels(frame["segment"])
    if kind == "changes":
        segment = labels(frame["column"]) + " = " + segment if "column" in frame else segment
    diff = floats(frame["diff"]) * 100.0
    rows = pd.DataFrame(
        {
            "label": segment.to_numpy(dtype=object),
            "before": np.round(floats(frame[before]) * 100.0, 1),
            "after": np.round(floats(frame[after]) * 100.0, 1),
            "diff": np.round(diff, 1),
            "low": np.round(floats(frame["diff_low"]) * 100.0, 1),
            "high": np.round(floats(frame["diff_high"]) * 100.0, 1),
            "peers_before": np.nan_to_num(floats(frame[peers_before])).astype("int64"),
            "peers_after": np.nan_to_num(floats(frame[peers_after])).astype("int64"),
            "significant": frame["significant"].astype("boolean").fillna(False).to_numpy(bool),
            "q_value": floats(frame["q_value"]) if "q_value" in frame else np.nan,
            "sentence": labels(frame["sentence"], "").to_numpy(dtype=object),
            "size": np.abs(diff),
        }
    )
    defined = rows[rows["diff"].notna()]
    rows = defined.sort_values(["significant", "size"], ascending=[False, False]).head(top)
    rows = rows.sort_values("diff", ascending=False, kind="stable").drop(columns="size")
    rows["change"] = np.where(
        rows["significant"], np.where(rows["diff"] > 0, "worse", "better"), "no clear change"
    )
    return ComparisonData(
        rows=rows.reset_index(drop=True),
        kind=kind,
        total=len(defined),
        dropped=len(defined) - len(rows),
        undefined=len(frame) - len(defined),
    )


@documented("frame", "top", "title", **COMPARISON_DOCS)
def comparison(frame: pd.DataFrame, *, top: int = 15, title: str | None = None) -> go.Figure:
    """Before against after per segment, as a forest plot of the change in share.

    One row per segment: the change (after minus before, in percentage points) as a point,
    its 95 % interval as a horizontal bar, a vertical line at 0. Rows whose interval
    excludes 0 are highlighted: a rise in the poor colour ("worse"), a fall in the good
    colour ("better"), their labels in bold; the rest is grey. Rows are sorted by the
    change, the largest rise on top; the label says the peers after. Hover: the shares
    before and after, the change with its interval, the peers on each side, the q-value
    (``changes``) and the row's sentence.

    Why a forest plot rather than a dumbbell (before -> after): the question is "did it get
    worse, and are we sure?", and the forest plot draws exactly that, the change with its
    uncertainty against a common zero line, so a small segment's big but uncertain swing
    reads as uncertain and rows compare at a glance. A dumbbell draws the two levels but not
    the uncertainty of their difference, and makes that small segment look as alarming as a
    big one; the levels are in the hover.

    Example::

        rtk.plots.comparison(store.compare(before=(a, b), after=(b, c), by="browser_major"))
        rtk.plots.comparison(store.changes(window="7D", baseline="28D", by=["country"]))

    {parameters}
    """
    fig = go.Figure()
    kind_changes = not is_empty(frame) and "share_baseline" in frame.columns
    default = (
        "What changed lately, per segment" if kind_changes else "Before and after, per segment"
    )
    base_layout(
        fig,
        title or default,
        hovermode="closest",
        legend=dict(orientation="h", x=1.0, xanchor="right", y=1.0, yanchor="bottom"),
        margin=dict(l=10, r=20, t=100, b=50),
    )
    sides = "recent minus baseline" if kind_changes else "after minus before"
    fig.update_xaxes(title_text=f"Change in share, {sides} (percentage points)")
    fig.update_yaxes(title_text="segment")
    if is_empty(frame):
        fig.update_layout(height=360)
        return mark_no_data(fig, NO_DATA_IN_RANGE)
    data = prepare_comparison(frame, top=top)
    if data.rows.empty:
        fig.update_layout(height=360)
        return mark_no_data(fig, NO_DATA_IN_RANGE)
    _add_changes(fig, data)
    _comparison_layout(fig, data)
    return fig


def _signed(x: float) -> str:
    return f"{x:+.1f}"


def _hover(row: pd.Series, kind: str) -> str:
    before, after = ("baseline", "recent") if kind == "changes" else ("before", "after")
    text = (
        f"<b>{html.escape(row['label'])}</b><br>"
        f"{before} {row['before']:.1f} % → {after} {row['after']:.1f} %"
        f"<br>{_signed(row['diff'])} points (95 % CI {_signed(row['low'])} to "
        f"{_signed(row['high'])})<br>{row['peers_before']:,} peers {before}, "
        f"{row['peers_after']:,} {after}"
    )
    if pd.notna(row["q_value"]):
        text += f"<br>q = {row['q_value']:.3f}" if row["q_value"] >= 0.001 else "<br>q < 0.001"
    sentence = html.escape(row["sentence"])
    return text + (f"<br><i>{sentence}</i>" if sentence else "")


def _add_changes(fig: go.Figure, data: ComparisonData) -> None:
    rows = data.rows
    for change, color in CHANGE_COLORS.items():
        sub = rows[rows["change"] == change]
        if sub.empty:
            continue
        significant = change != "no clear change"
        fig.add_trace(
            go.Scatter(
                x=sub["diff"].to_numpy(),
                y=sub.index.to_numpy(),
                mode="markers",
                name=f"{change} (95 % CI excludes 0)" if significant else change,
                marker=dict(color=color, size=11 if significant else 8, symbol="diamond"),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=np.round((sub["high"] - sub["diff"]).to_numpy(), 1),
                    arrayminus=np.round((sub["diff"] - sub["low"]).to_numpy(), 1),
                    color=color,
                    thickness=3 if significant else 1.5,
                    width=0,
                ),
                hovertext=[_hover(r, data.kind) for _, r in sub.iterrows()],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )


def _comparison_layout(fig: go.Figure, data: ComparisonData) -> None:
    rows = data.rows
    fig.add_vline(x=0, line=dict(color=INK, width=1))
    after = "recent" if data.kind == "changes" else "after"
    ticks = [
        (f"<b>{html.escape(r['label'])}</b>" if r["significant"] else html.escape(r["label"]))
        + f" (n={r['peers_after']:,} {after})"
        for _, r in rows.iterrows()
    ]
    fig.update_yaxes(
        tickvals=list(rows.index),
        ticktext=ticks,
        autorange="reversed",
        automargin=True,
        showgrid=False,
        zeroline=False,
    )
    fig.update_xaxes(zeroline=False, ticksuffix=" pts")
    counts = rows["change"].value_counts()
    parts = [f"{len(rows)} of {plural(data.total, 'segment')}"]
    parts.append(f"{counts.get('worse', 0)} worse, {counts.get('better', 0)} better")
    if data.dropped:
        parts.append(f"{data.dropped} with smaller changes not shown")
    if data.undefined:
        parts.append(f"{data.undefined} without peers on one side not shown")
    fig.update_layout(
        title_subtitle_text="; ".join(parts) + "; bars: 95 % intervals",
        height=auto_height(len(rows), per_row=34, base=190, low=320, high=1000),
    )
