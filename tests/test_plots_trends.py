"""The trend and comparison figures, on frames made to the store's declared tables.

The frames come from ``tests.factories`` (``trend_frame``, ``comparison_frame``,
``changes_frame``), built with ``frames.from_rows`` to the schemas ``trend``, ``comparison``
and ``changes``; the assertions are on the figures' traces, data and layout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from rtk_notebook import frames, plots
from rtk_notebook.errors import ValidationError
from rtk_notebook.plots._common import CYCLE
from rtk_notebook.plots.trends import (
    CHANGE_COLORS,
    TREND_METRICS,
    prepare_comparison,
    prepare_trend,
)
from rtk_notebook.style import PALETTE, VERDICT_COLORS
from tests.factories import changes_frame, comparison_frame, trend_frame

# Four segments over four weeks: Chrome the largest, Edge the smallest.
SHARES = {
    "Chrome 142": [0.05, 0.06, 0.12, 0.15],
    "Safari 18": [0.03, 0.03, 0.04, 0.03],
    "Firefox 130": [0.10, 0.08, 0.09, 0.10],
    "Edge 141": [0.0, 0.5, 0.0, 0.0],
}
PEERS = {
    "Chrome 142": [400, 420, 410, 430],
    "Safari 18": [200, 210, 190, 205],
    "Firefox 130": [100, 100, 100, 100],
    "Edge 141": [3, 2, 4, 3],
}


@pytest.fixture(scope="module")
def weekly() -> pd.DataFrame:
    return trend_frame(SHARES, PEERS)


def lines(fig: go.Figure) -> list[go.Scatter]:
    return [t for t in fig.data if t.fill != "toself" and len(t.x)]


def bands(fig: go.Figure) -> list[go.Scatter]:
    return [t for t in fig.data if t.fill == "toself"]


def annotations(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


# ---- trend: the tidy step ----------------------------------------------------------------------


def test_prepare_trend_ranks_segments_by_peers_and_draws_shares_in_percent(
    weekly: pd.DataFrame,
) -> None:
    data = prepare_trend(weekly, "poor_share", top=3)
    assert data.segments == ["Chrome 142", "Safari 18", "Firefox 130"]
    assert (data.dropped, data.dropped_peers) == (1, 12)
    assert data.total_peers == sum(map(sum, PEERS.values())) == 2877
    assert (data.periods, data.unit) == (4, "week")
    chrome = data.points[data.points["segment"] == "Chrome 142"]
    assert chrome["value"].tolist() == [5.0, 6.0, 12.0, 14.9]  # 64 of 430 is 14.9 %
    assert chrome["peers"].tolist() == [400, 420, 410, 430]
    assert chrome["period"].is_monotonic_increasing
    assert chrome["period"].iloc[0] == pd.Timestamp("2026-09-07")  # naive UTC
    assert (chrome["low"] < chrome["value"]).all() and (chrome["value"] < chrome["high"]).all()
    expected_low = np.round(weekly.loc[weekly["segment"] == "Chrome 142", "poor_low"] * 100, 1)
    assert chrome["low"].tolist() == expected_low.tolist()
    # Other metrics: their own unit, rounded, and no bounds.
    rtt = prepare_trend(weekly, "rtt_p90_ms").points
    assert rtt["value"].iloc[0] == 150.0 and rtt["low"].isna().all()
    mos = prepare_trend(weekly, "mos_p10").points
    assert mos["value"].iloc[0] == 3.5


def test_prepare_trend_explicit_segments_keep_their_order(weekly: pd.DataFrame) -> None:
    data = prepare_trend(weekly, segments=["Edge 141", "Chrome 142", "Opera 1"])
    assert data.segments == ["Edge 141", "Chrome 142"]  # a segment not in the frame is skipped
    assert data.dropped == 2 and data.dropped_peers == 805 + 400


def test_prepare_trend_infers_the_period_unit() -> None:
    daily = trend_frame({"all": [0.1, 0.2, 0.1]}, freq="D", start="2026-11-02")
    monthly = trend_frame({"all": [0.1, 0.2, 0.1]}, freq="M", start="2026-08-01")
    assert prepare_trend(daily).unit == "day"
    assert prepare_trend(monthly).unit == "month"
    assert prepare_trend(trend_frame({"all": [0.1]})).unit == "period"  # one period: unknown
    assert prepare_trend(trend_frame({"all": [0.1]}), freq="W").unit == "week"


# ---- trend: the figure ---------------------------------------------------------------------------


def test_trend_one_line_and_band_per_segment_in_palette_order(weekly: pd.DataFrame) -> None:
    fig = plots.trend(weekly, by="browser_major")
    assert [t.name for t in lines(fig)] == ["Chrome 142", "Safari 18", "Firefox 130", "Edge 141"]
    assert [t.line.color for t in lines(fig)] == list(CYCLE[:4])
    assert len(bands(fig)) == 4
    for band, line in zip(bands(fig), lines(fig), strict=True):
        assert band.legendgroup == line.legendgroup == line.name
        assert band.showlegend is False and band.hoverinfo == "skip"
        red, green, blue = (int(line.line.color[i : i + 2], 16) for i in (1, 3, 5))
        assert band.fillcolor == f"rgba({red},{green},{blue},0.15)"
    chrome_band, chrome = bands(fig)[0], lines(fig)[0]
    # The band goes along the upper bounds and back along the lower ones.
    highs = np.round(weekly.loc[weekly["segment"] == "Chrome 142", "poor_high"] * 100, 1)
    lows = np.round(weekly.loc[weekly["segment"] == "Chrome 142", "poor_low"] * 100, 1)
    assert list(chrome_band.y) == highs.tolist() + lows.tolist()[::-1]
    assert list(chrome.y) == [5.0, 6.0, 12.0, 14.9]
    assert fig.layout.yaxis.title.text == "Poor peers (% of rated)"
    assert fig.layout.xaxis.title.text == "Week (UTC, from Monday)"
    assert fig.layout.xaxis.dtick == 7 * 86_400_000  # a tick per week, on its Monday
    assert pd.Timestamp(fig.layout.xaxis.tick0) == pd.Timestamp("2026-09-07")
    assert fig.layout.title.text == "Poor peers per week by browser major"
    assert fig.layout.legend.title.text == "browser_major"
    assert fig.layout.title.subtitle.text == "2,877 peers rated in 4 weeks; bands: 95 % intervals"


def test_trend_ticks_fall_on_periods_and_stay_few() -> None:
    """Two days are labelled as two days (not every three hours between them); a long run of
    periods is labelled every k-th period, never between two."""
    two_days = plots.trend(trend_frame({"all": [0.2, 0.0]}, freq="D", start="2026-11-14"))
    assert two_days.layout.xaxis.dtick == 86_400_000 and two_days.layout.xaxis.tickformat
    assert pd.Timestamp(two_days.layout.xaxis.tick0) == pd.Timestamp("2026-11-14")
    days = plots.trend(trend_frame({"all": [0.1] * 60}, freq="D", start="2026-09-01"))
    assert days.layout.xaxis.dtick == 5 * 86_400_000  # 60 days: every 5th, 12 labels
    weeks = plots.trend(trend_frame({"all": [0.1] * 30}, freq="W"))
    assert weeks.layout.xaxis.dtick == 3 * 7 * 86_400_000
    months = plots.trend(trend_frame({"all": [0.1] * 24}, freq="M", start="2024-12-01"))
    assert months.layout.xaxis.dtick == "M2"


def test_trend_hover_says_period_segment_rounded_value_and_peers(weekly: pd.DataFrame) -> None:
    chrome = lines(plots.trend(weekly))[0]
    assert "%{y:.1f} %" in chrome.hovertemplate
    assert "95 % CI %{customdata[2]:.1f}–%{customdata[3]:.1f} %" in chrome.hovertemplate
    assert "%{customdata[1]:,} peers" in chrome.hovertemplate
    first = list(chrome.customdata[0])
    assert first[0] == "week of 2026-09-07" and first[1] == 400 and first[4] == "Chrome 142"
    rtt = lines(plots.trend(weekly, "rtt_p90_ms"))[0]
    assert "RTT p90: %{y:.0f}<br>" in rtt.hovertemplate and "CI" not in rtt.hovertemplate


def test_trend_top_drops_the_smallest_and_says_so(weekly: pd.DataFrame) -> None:
    fig = plots.trend(weekly, top=2)
    assert [t.name for t in lines(fig)] == ["Chrome 142", "Safari 18"]
    assert "2 smaller segments not shown (412 peers)" in fig.layout.title.subtitle.text


def test_trend_colours_follow_size_not_metric(weekly: pd.DataFrame) -> None:
    colours = {
        metric: {t.name: t.line.color for t in lines(plots.trend(weekly, metric))}
        for metric in TREND_METRICS
    }
    assert all(c == colours["poor_share"] for c in colours.values())
    # Past the eight colours of the cycle, the colours repeat dashed.
    many = trend_frame({f"s{i:02d}": [0.1, 0.2] for i in range(10)}, 100)
    drawn = lines(plots.trend(many, top=10))
    assert [t.line.dash for t in drawn] == ["solid"] * 8 + ["dash"] * 2
    assert drawn[8].line.color == drawn[0].line.color


@pytest.mark.parametrize(
    ("metric", "axis", "first"),
    [
        ("not_good_share", "Fair or poor peers (% of rated)", 10.0),
        ("mos_median", "MOS, median of peers (1-4.5)", 4.2),
        ("mos_p10", "MOS, 10th percentile of peers (1-4.5)", 3.5),
        ("rtt_p90_ms", "RTT, 90th percentile of peers (ms)", 150.0),
        ("loss_avg_pct", "Packet loss, mean of peers (%)", 0.8),
        ("peers", "Peers rated (count)", 400.0),
    ],
)
def test_trend_metrics_axes_and_bands(
    weekly: pd.DataFrame, metric: str, axis: str, first: float
) -> None:
    fig = plots.trend(weekly, metric)
    assert fig.layout.yaxis.title.text == axis
    assert lines(fig)[0].y[0] == pytest.approx(first)
    assert len(bands(fig)) == (4 if metric == "not_good_share" else 0)


def test_trend_share_axis_fits_values_and_intervals_of_enough_peers(weekly: pd.DataFrame) -> None:
    yaxis = plots.trend(weekly).layout.yaxis
    assert yaxis.ticksuffix == " %"
    # Edge's 50 % (2 peers) sets the top: 50 * 1.15 + 1; its 90 % bound runs off the chart.
    assert list(yaxis.range) == [0, 58.5]
    without_edge = weekly[weekly["segment"] != "Edge 141"]
    highest = without_edge["poor_high"].max() * 100  # 100 peers or more: their bounds count
    assert plots.trend(without_edge).layout.yaxis.range[1] == round(highest + 1, 1)


def test_trend_period_with_few_peers_is_drawn_with_a_wide_band() -> None:
    frame = trend_frame({"all": [0.05, 0.05, 0.5]}, {"all": [500, 500, 2]})
    fig = plots.trend(frame)
    (line,) = lines(fig)
    assert list(line.y) == [5.0, 5.0, 50.0]
    band = np.asarray(bands(fig)[0].y, dtype=float)
    widths = band[:3] - band[::-1][:3]
    assert widths[2] > 10 * widths[0]  # 2 peers: an interval of most of the axis


def test_trend_empty_frames_say_no_data_in_this_range(weekly: pd.DataFrame) -> None:
    for empty in (frames.empty_frame("trend"), pd.DataFrame(), weekly.assign(mos_p10=np.nan)):
        fig = plots.trend(empty, "mos_p10", freq="W")
        assert annotations(fig) == ["No data in this range"]
        assert all(len(t.x) == 0 for t in fig.data)
        assert fig.layout.title.text == "MOS, 10th percentile of peers per week"
        assert fig.layout.yaxis.title.text == "MOS, 10th percentile of peers (1-4.5)"
        fig.to_json()


def test_trend_bad_arguments_are_validation_errors(weekly: pd.DataFrame) -> None:
    with pytest.raises(ValidationError, match="'metric' must be one of poor_share"):
        plots.trend(weekly, "poor")
    with pytest.raises(ValidationError, match="'top'"):
        plots.trend(weekly, top=0)
    with pytest.raises(ValidationError, match="'freq'"):
        plots.trend(weekly, freq="Q")
    with pytest.raises(ValueError, match="no column"):
        plots.trend(weekly.drop(columns="poor_low"))


# ---- comparison ----------------------------------------------------------------------------------

ROWS = [  # (segment, peers before, poor before, peers after, poor after)
    ("Chrome 142", 400, 12, 412, 58),  # +11 points: worse
    ("Safari 18", 300, 30, 300, 9),  # -7 points: better
    ("Firefox 130", 60, 3, 50, 4),  # +3 points on few peers: not clear
    ("Edge 141", 40, 2, 30, 1),  # -1.7 points: not clear
]


def test_prepare_comparison_sorts_by_change_and_flags_significant() -> None:
    data = prepare_comparison(comparison_frame(ROWS))
    rows = data.rows
    assert rows["label"].tolist() == ["Chrome 142", "Firefox 130", "Edge 141", "Safari 18"]
    assert rows["change"].tolist() == ["worse", "no clear change", "no clear change", "better"]
    chrome = rows.iloc[0]
    assert (chrome["before"], chrome["after"], chrome["diff"]) == (3.0, 14.1, 11.1)
    assert chrome["low"] < chrome["diff"] < chrome["high"] and chrome["low"] > 0
    assert (chrome["peers_before"], chrome["peers_after"]) == (400, 412)
    assert (data.kind, data.total, data.dropped, data.undefined) == ("comparison", 4, 0, 0)


def test_prepare_comparison_top_keeps_significant_rows_first() -> None:
    data = prepare_comparison(comparison_frame(ROWS), top=2)
    assert set(data.rows["label"]) == {"Chrome 142", "Safari 18"}
    assert data.dropped == 2


def test_comparison_is_a_forest_plot_in_percentage_points() -> None:
    fig = plots.comparison(comparison_frame(ROWS))
    by_name = {t.name: t for t in fig.data}
    worse = by_name["worse (95 % CI excludes 0)"]
    better = by_name["better (95 % CI excludes 0)"]
    unclear = by_name["no clear change"]
    assert worse.marker.color == VERDICT_COLORS["poor"] == CHANGE_COLORS["worse"]
    assert better.marker.color == VERDICT_COLORS["good"]
    assert unclear.marker.color == PALETTE["grey"]
    assert list(worse.x) == [11.1] and list(worse.y) == [0]  # on top
    assert list(better.y) == [3] and list(unclear.y) == [1, 2]
    data = prepare_comparison(comparison_frame(ROWS)).rows
    assert list(worse.error_x.array) == [round(data["high"][0] - data["diff"][0], 1)]
    assert list(worse.error_x.arrayminus) == [round(data["diff"][0] - data["low"][0], 1)]
    assert worse.error_x.symmetric is False
    (zero,) = fig.layout.shapes
    assert (zero.x0, zero.x1, zero.type) == (0, 0, "line")
    assert fig.layout.xaxis.title.text == (
        "Change in share, after minus before (percentage points)"
    )
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.yaxis.ticktext[0] == "<b>Chrome 142</b> (n=412 after)"
    assert fig.layout.yaxis.ticktext[1] == "Firefox 130 (n=50 after)"
    hover = worse.hovertext[0]
    assert "before 3.0 % → after 14.1 %" in hover and "+11.1 points (95 % CI +" in hover
    assert "400 peers before, 412 after" in hover and "Poor calls on Chrome 142" in hover
    assert fig.layout.title.text == "Before and after, per segment"
    assert fig.layout.title.subtitle.text == (
        "4 of 4 segments; 1 worse, 1 better; bars: 95 % intervals"
    )


def test_comparison_accepts_a_changes_frame() -> None:
    rows = [("browser_major", ROWS[0]), ("country", ("DE", 200, 10, 50, 3)), ("os", ROWS[1])]
    fig = plots.comparison(changes_frame(rows, [0.0004, 0.8, 0.01]), top=2)
    assert fig.layout.title.text == "What changed lately, per segment"
    assert "recent minus baseline" in fig.layout.xaxis.title.text
    assert list(fig.layout.yaxis.ticktext) == [
        "<b>browser_major = Chrome 142</b> (n=412 recent)",
        "<b>os = Safari 18</b> (n=300 recent)",
    ]
    worse = fig.data[0]
    assert (
        "q < 0.001" in worse.hovertext[0] and "baseline 3.0 % → recent 14.1 %" in worse.hovertext[0]
    )
    assert "1 with smaller changes not shown" in fig.layout.title.subtitle.text


def test_comparison_empty_or_undefined_says_no_data_and_bad_frames_fail() -> None:
    for empty in (frames.empty_frame("comparison"), frames.empty_frame("changes"), pd.DataFrame()):
        fig = plots.comparison(empty)
        assert annotations(fig) == ["No data in this range"]
        assert fig.layout.xaxis.title.text.endswith("(percentage points)")
    no_diff = comparison_frame(ROWS[:1]).assign(diff=np.nan)
    assert annotations(plots.comparison(no_diff)) == ["No data in this range"]
    with pytest.raises(ValidationError, match="expected a 'comparison' frame"):
        plots.comparison(frames.from_rows("trend", [{"segment": "all", "peers": 3}]))


def test_labels_and_sentences_are_escaped_in_hovers_and_ticks() -> None:
    frame = comparison_frame([("<script>", 400, 12, 412, 58)])
    fig = plots.comparison(frame)
    assert (
        "&lt;script&gt;" in fig.data[0].hovertext[0] and "<script>" not in fig.data[0].hovertext[0]
    )
    assert "<script>" not in fig.layout.yaxis.ticktext[0]
    line = lines(plots.trend(trend_frame({"<b>x": [0.1, 0.2]})))[0]
    assert line.customdata[0][4] == "&lt;b&gt;x"


def test_help_explains_both_figures() -> None:
    trend_doc, comparison_doc = plots.trend.__doc__ or "", plots.comparison.__doc__ or ""
    for metric in TREND_METRICS:
        assert f"``'{metric}'``" in trend_doc
    assert "store.trend(" in trend_doc and "95 % Wilson interval" in trend_doc
    assert "Why a forest plot rather than a dumbbell" in comparison_doc
    assert "store.changes(" in comparison_doc and "\nframe : DataFrame" in comparison_doc
