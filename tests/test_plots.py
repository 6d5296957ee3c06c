"""Figures from tidy frames: traces, titles, colours, empty input, JSON size, PNG export.

Session, participant, recording and day-wise frames come from the demo world; per-sample
quality, per-peer quality and findings are synthetic, built here to the column contracts of
``rtk_notebook.plots`` (the analysis module that makes them is written separately).

``RTK_PLOTS_PNG_DIR=/some/dir`` makes the PNG test also write its images there, to look at.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import rtk_notebook as rtk
from rtk_notebook import frames, plots
from rtk_notebook.demo.netsim import mos_from
from tests.factories import ended_session_with_rejoin, make_world

T0 = pd.Timestamp("2026-11-18T10:00:00Z")
MAX_JSON = 2_000_000

# --------------------------------------------------------------------------------------------
# Synthetic fixtures (the column contracts of the quality frames)
# --------------------------------------------------------------------------------------------

_FIRST = ["Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea"]
_LAST = ["Rossi", "Schmidt", "Okafor", "Tanaka", "Novak", "Silva", "Kowalski", "Haddad"]


def _names(n: int) -> list[str]:
    first = [_FIRST[i % len(_FIRST)] for i in range(n)]
    last = [_LAST[(i // len(_FIRST)) % len(_LAST)] for i in range(n)]
    return [f"{a} {b} {i}" for i, (a, b) in enumerate(zip(first, last, strict=True))]


def make_timeseries(
    n_peers: int = 1,
    minutes: float = 60,
    step_s: int = 5,
    *,
    seed: int = 1,
    video: bool = True,
    stagger: bool = True,
) -> pd.DataFrame:
    """Per-sample quality for ``n_peers`` peers: 2 audio + 2 video tracks every ``step_s``."""
    rng = np.random.default_rng(seed)
    n_t = int(minutes * 60 / step_s)
    tracks = [("audio", "producer"), ("audio", "consumer")]
    if video:
        tracks += [("video", "producer"), ("video", "consumer")]
    names = _names(n_peers)
    parts = []
    for p in range(n_peers):
        first = int(rng.integers(0, n_t // 6)) if stagger and p else 0
        last = n_t - (int(rng.integers(0, n_t // 4)) if stagger and p % 3 == 1 else 0)
        t_idx = np.arange(first, last)
        n = len(t_idx)
        base_rtt = rng.choice([20, 45, 90, 180, 320], p=[0.35, 0.3, 0.2, 0.1, 0.05])
        base_jit = rng.choice([3, 8, 20, 45])
        base_loss = rng.choice([0.05, 0.3, 1.5, 4.0], p=[0.4, 0.3, 0.2, 0.1])
        bad = np.zeros(n, bool)
        if n > 120:  # one episode of degradation
            s = int(rng.integers(0, n - 60))
            bad[s : s + int(rng.integers(24, 60))] = True
        for kind, direction in tracks:
            rtt = np.clip(base_rtt + rng.normal(0, base_rtt * 0.15, n) + bad * 250, 1, None)
            jit = np.clip(base_jit + rng.gamma(2, base_jit / 4, n) + bad * 40, 0, None)
            loss = np.clip(base_loss * rng.gamma(1.5, 0.7, n) + bad * 12, 0, 60)
            sent = np.full(n, 250.0 if kind == "audio" else 900.0)
            lost = np.round(sent * loss / 100)
            frame = {
                "timestamp": T0 + pd.to_timedelta(t_idx * step_s, unit="s"),
                "kind": kind,
                "direction": direction,
                "mos": mos_from(loss, rtt, jit),
                "packets_lost": lost,
                "packets_sent": sent,
                "loss_pct": np.round(loss, 2),
                "rtt_ms": np.round(rtt, 1),
                "jitter_ms": np.round(jit, 1),
                "bitrate_kbps": np.round(32 if kind == "audio" else 1500 - bad * 1100, 1),
                "fps": np.where(
                    kind == "video", np.round(29 - bad * 17 + rng.normal(0, 1, n), 1), np.nan
                ),
                "frame_width": np.where(kind == "video", 1280.0, np.nan),
                "frame_height": np.where(kind == "video", 720.0, np.nan),
                "frames_dropped": np.where(kind == "video", bad * 8.0, np.nan),
                "limitation": np.where(kind == "video", np.where(bad, "bandwidth", "none"), None),
                "peer_id": f"peer-{p:04d}",
                "display_name": names[p],
            }
            parts.append(pd.DataFrame(frame))
    df = pd.concat(parts, ignore_index=True)
    df["kind"] = pd.Categorical(df["kind"], categories=["audio", "video", "screenshare"])
    df["direction"] = pd.Categorical(df["direction"], categories=["producer", "consumer"])
    df["limitation"] = pd.Categorical(
        df["limitation"], categories=["none", "bandwidth", "cpu", "other"]
    )
    df["peer_id"] = df["peer_id"].astype("string")
    df["display_name"] = df["display_name"].astype("string")
    return df.sort_values(["timestamp", "peer_id"], kind="stable", ignore_index=True)


def empty_timeseries() -> pd.DataFrame:
    return make_timeseries(1).iloc[:0]


def make_findings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rule": pd.array(["loss_burst", "high_rtt", "jitter"], dtype="string"),
            "severity": pd.Categorical(
                ["critical", "warning", "info"], categories=["info", "warning", "critical"]
            ),
            "start": [T0 + pd.Timedelta("12min"), T0 + pd.Timedelta("30min"), T0],
            "end": [
                T0 + pd.Timedelta("16min"),
                T0 + pd.Timedelta("41min"),
                T0 + pd.Timedelta("2min"),
            ],
            "message": pd.array(
                [
                    "loss bursts >10% in 14% of samples",
                    "relay-only over TCP, RTT p90 420 ms",
                    "jitter above 30 ms while joining",
                ],
                dtype="string",
            ),
        }
    )


def make_quality(n: int = 150, *, seed: int = 3) -> pd.DataFrame:
    """Per-peer quality summaries, one row per peer."""
    rng = np.random.default_rng(seed)
    browsers = rng.choice(
        ["Chrome", "Firefox", "Safari", "Edge", "Opera", "Brave"],
        n,
        p=[0.5, 0.18, 0.16, 0.12, 0.03, 0.01],
    )
    browsers[-2:] = "Vivaldi"  # a group too small to stand alone
    network = rng.choice(["wifi", "ethernet", "4g", "3g"], n, p=[0.5, 0.25, 0.2, 0.05])
    rtt = np.clip(rng.gamma(2, 50, n) + (network == "3g") * 200, 5, None)
    jitter = np.clip(rng.gamma(2, 8, n) + (network == "3g") * 30, 0, None)
    loss = np.clip(rng.gamma(1.2, 1.2, n) + (browsers == "Safari") * 2, 0, 40)
    mos = mos_from(loss, rtt, jitter)
    verdict = np.where(mos >= 4.0, "good", np.where(mos >= 3.6, "fair", "poor"))
    verdict = np.where(rng.random(n) < 0.03, None, verdict)  # a few without a verdict
    cat = pd.Categorical
    return pd.DataFrame(
        {
            "peer_id": pd.array([f"peer-{i:04d}" for i in range(n)], dtype="string"),
            "display_name": pd.array(_names(n), dtype="string"),
            "browser": cat(browsers),
            "os": cat(rng.choice(["Windows", "macOS", "Linux", "iOS", "Android"], n)),
            "network": cat(network),
            "country": cat(rng.choice(["DE", "IN", "US", "BR", "JP"], n)),
            "connection_type": cat(rng.choice(["udp", "relay/udp", "relay/tcp"], n)),
            "mos_avg": mos,
            "loss_avg_pct": np.round(loss, 2),
            "rtt_p90_ms": np.round(rtt * 1.3, 1),
            "jitter_p90_ms": np.round(jitter * 1.4, 1),
            "verdict": cat(verdict, categories=["good", "fair", "poor"]),
        }
    )


def many_participants(n: int = 200, *, seed: int = 5) -> pd.DataFrame:
    """A session_participants frame of ``n`` people (some rejoin, some still in the call)."""
    rng = np.random.default_rng(seed)
    names = _names(n)
    rows = []
    for i, name in enumerate(names):
        joined = T0 + pd.Timedelta(seconds=int(rng.integers(0, 900)))
        left = joined + pd.Timedelta(minutes=float(rng.uniform(5, 55)))
        if i % 10 == 3:  # drops out and rejoins
            gap = left + pd.Timedelta(minutes=2)
            rows.append((name, joined, left))
            rows.append((name, gap, gap + pd.Timedelta(minutes=float(rng.uniform(1, 10)))))
        elif i % 17 == 0:
            rows.append((name, joined, pd.NaT))
        else:
            rows.append((name, joined, left))
    records = [
        {
            "id": f"peer-{k:05d}",
            "session_id": "sess-1",
            "user_id": f"user-{name}",
            "display_name": name,
            "preset_name": "host" if k == 0 else "participant",
            "joined_at": joined.isoformat(),
            "left_at": None if pd.isna(left) else left.isoformat(),
            "updated_at": (T0 + pd.Timedelta("70min")).isoformat(),
        }
        for k, (name, joined, left) in enumerate(rows)
    ]
    df = frames.to_frame("session_participants", records)
    df["verdict"] = pd.Categorical(
        rng.choice(["good", "fair", "poor"], len(df), p=[0.6, 0.25, 0.15]),
        categories=["good", "fair", "poor"],
    )
    return df


# --------------------------------------------------------------------------------------------
# Demo fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    kit = rtk.connect(demo=make_world())
    try:
        sessions = kit.sessions()
        ended = sessions[sessions["status"] == "ENDED"]
        big = ended.sort_values("max_concurrent_participants", ascending=False)["id"].iloc[0]
        parts = kit.session_participants(big)
        live_id = sessions[sessions["status"] == "LIVE"]["id"].iloc[0]
        live_parts = kit.session_participants(live_id)
        small = kit.session_participants(sessions["id"].iloc[5])
        some = sessions["id"].iloc[:40].tolist()
        many_parts = pd.concat([kit.session_participants(s) for s in some], ignore_index=True)
        return {
            "sessions": sessions,
            "participants": parts,
            "live_participants": live_parts,
            "many_participants": many_parts,
            "recordings": kit.recordings(),
            "daywise": kit.daywise(),
            "timeseries": kit.peer_quality(small["id"].iloc[0]).timeseries,
        }
    finally:
        kit.close()


def all_figures(demo: dict[str, pd.DataFrame]) -> dict[str, go.Figure]:
    """One figure of each kind from realistic input (also used by the PNG test)."""
    ts = make_timeseries(1, 45, seed=11)
    verdicts = make_quality(len(demo["participants"]), seed=2)["verdict"].to_numpy()
    parts = demo["participants"].assign(verdict=verdicts)
    return {
        "participant_timeline": plots.participant_timeline(parts),
        "participant_timeline_live": plots.participant_timeline(demo["live_participants"]),
        "quality_over_time": plots.quality_over_time(ts, findings=make_findings()),
        "quality_over_time_demo": plots.quality_over_time(demo["timeseries"]),
        "session_heatmap": plots.session_heatmap(make_timeseries(30, 60, seed=4)),
        "session_heatmap_loss": plots.session_heatmap(
            make_timeseries(30, 60, seed=4), value="loss_pct", sort="worst"
        ),
        "duration_distribution": plots.duration_distribution(demo["sessions"]),
        "stay_distribution": plots.stay_distribution(demo["many_participants"]),
        "participants_per_session": plots.participants_per_session(demo["sessions"]),
        "quality_breakdown": plots.quality_breakdown(make_quality()),
        "quality_breakdown_rtt": plots.quality_breakdown(
            make_quality(), by="network", metric="rtt_p90_ms"
        ),
        "recording_status": plots.recording_status(demo["recordings"]),
        "daywise_usage": plots.daywise_usage(demo["daywise"]),
    }


def empty_figures() -> dict[str, go.Figure]:
    participants = frames.empty_frame("session_participants")
    quality = make_quality(5).iloc[:0]
    return {
        "participant_timeline": plots.participant_timeline(participants),
        "quality_over_time": plots.quality_over_time(empty_timeseries()),
        "session_heatmap": plots.session_heatmap(empty_timeseries()),
        "duration_distribution": plots.duration_distribution(frames.empty_frame("sessions")),
        "stay_distribution": plots.stay_distribution(participants),
        "participants_per_session": plots.participants_per_session(frames.empty_frame("sessions")),
        "quality_breakdown": plots.quality_breakdown(quality),
        "recording_status": plots.recording_status(frames.empty_frame("recordings")),
        "daywise_usage": plots.daywise_usage(frames.empty_frame("daywise")),
    }


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def axis_titles(fig: go.Figure) -> list[str]:
    layout = fig.layout.to_plotly_json()
    return [
        (v.get("title") or {}).get("text") or ""
        for k, v in layout.items()
        if k.startswith(("xaxis", "yaxis"))
    ]


def annotations(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def trace_color(trace: go.BaseTraceType) -> str:
    return trace.marker.color


# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------


def test_palette_and_fixed_colours() -> None:
    assert set(plots.PALETTE.values()) == {
        "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
        "#000000", "#999999",
    }  # fmt: skip
    assert plots.VERDICT_COLORS == {
        "good": "#009E73",
        "fair": "#E69F00",
        "poor": "#D55E00",
        "unknown": "#999999",
        "error": "#999999",
    }
    assert plots.STATUS_COLORS == {
        "UPLOADED": "#009E73",
        "RECORDING": "#0072B2",
        "PAUSED": "#56B4E9",
        "UPLOADING": "#E69F00",
        "INVOKED": "#CC79A7",
        "ERRORED": "#D55E00",
        "LIVE": "#0072B2",
        "ENDED": "#999999",
        "ACTIVE": "#009E73",
        "INACTIVE": "#999999",
        "IDLE": "#999999",
    }
    # Every status of the schemas (recordings, sessions, meetings, livestreams) has its colour.
    for resource in ("recordings", "sessions", "meetings", "livestreams"):
        status = next(c for c in frames.SCHEMAS[resource] if c.name == "status")
        assert set(status.categories) <= set(plots.STATUS_COLORS)


def test_docstrings_document_every_parameter() -> None:
    for name in plots.__all__:
        fn = getattr(plots, name)
        if not inspect.isfunction(fn) or name == "thresholds":
            continue
        doc = fn.__doc__ or ""
        assert "{parameters}" not in doc, name
        for param in inspect.signature(fn).parameters:
            if name == "empty_figure":
                continue
            assert f"\n{param} : " in doc, f"{name}: {param} undocumented"
    # One shared table: the same words for the same parameter in different functions.
    assert plots.quality_over_time.__doc__.count("Figure title") == 1
    title_doc = plots._docs.PARAM_DOCS["title"][1]
    assert title_doc in plots.session_heatmap.__doc__
    assert title_doc in plots.recording_status.__doc__


def test_import_is_lazy() -> None:
    code = "import sys, rtk_notebook; sys.exit('rtk_notebook.plots' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --------------------------------------------------------------------------------------------
# Every function: traces, titles, axis titles; empty frames
# --------------------------------------------------------------------------------------------


def test_every_figure_has_traces_title_and_axis_titles(demo: dict[str, pd.DataFrame]) -> None:
    for name, fig in all_figures(demo).items():
        assert len(fig.data) > 0, name
        assert fig.layout.title.text, name
        titles = [t for t in axis_titles(fig) if t]
        assert titles, name
        assert any("UTC" in t or "(" in t for t in titles), f"{name}: no units in {titles}"
        assert "No data" not in annotations(fig), name


def test_empty_frames_give_titled_empty_figures(demo: dict[str, pd.DataFrame]) -> None:
    full = all_figures(demo)
    for name, fig in empty_figures().items():
        assert all(len(t.x) == 0 for t in fig.data), name  # panels drawn, no points
        assert "No data" in annotations(fig), name
        assert fig.layout.title.text == full[name].layout.title.text, name
        assert [t for t in axis_titles(fig) if t], name
        fig.to_json()  # serialisable


def test_empty_frames_without_any_columns() -> None:
    bare = pd.DataFrame()
    figs = [
        plots.participant_timeline(bare),
        plots.quality_over_time(bare),
        plots.session_heatmap(bare),
        plots.duration_distribution(bare),
        plots.stay_distribution(bare),
        plots.participants_per_session(bare),
        plots.quality_breakdown(bare),
        plots.recording_status(bare),
        plots.daywise_usage(bare),
    ]
    for fig in figs:
        assert "No data" in annotations(fig)
        assert all(len(t.x) == 0 for t in fig.data)


def test_empty_figure_helper() -> None:
    fig = plots.empty_figure("T", "Time (UTC)", "MOS (1-4.5)")
    assert fig.layout.title.text == "T"
    assert fig.layout.xaxis.title.text == "Time (UTC)"
    assert fig.layout.yaxis.title.text == "MOS (1-4.5)"
    assert annotations(fig) == ["No data"]


def test_missing_required_column_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no column"):
        plots.quality_breakdown(make_quality(10), by="planet")


# --------------------------------------------------------------------------------------------
# Colours agree across figures
# --------------------------------------------------------------------------------------------


def test_verdict_colours_are_the_same_everywhere() -> None:
    timeline = plots.participant_timeline(many_participants(40))
    breakdown = plots.quality_breakdown(make_quality())
    for verdict in ("good", "fair", "poor"):
        in_timeline = {trace_color(t) for t in timeline.data if t.name == verdict}
        in_breakdown = {trace_color(t) for t in breakdown.data if t.name == verdict}
        assert in_timeline == in_breakdown == {plots.VERDICT_COLORS[verdict]}, verdict


def test_status_colours_in_recording_status(demo: dict[str, pd.DataFrame]) -> None:
    fig = plots.recording_status(demo["recordings"])
    bars = [t for t in fig.data if t.type == "bar"]
    assert {t.name for t in bars} == set(demo["recordings"]["status"].astype(str))
    for t in bars:
        assert t.marker.color == plots.STATUS_COLORS[t.name]
    errored = [t for t in fig.data if t.type == "scatter" and t.name == "ERRORED"]
    assert errored and errored[0].marker.color == plots.STATUS_COLORS["ERRORED"]


def test_other_categories_avoid_meaning_colours_first() -> None:
    colors = plots._common.color_map(["host", "participant", "poor", "UPLOADED"])
    assert colors["host"] == plots.PALETTE["blue"]
    assert colors["participant"] not in plots.VERDICT_COLORS.values()
    assert colors["poor"] == plots.VERDICT_COLORS["poor"]
    assert colors["UPLOADED"] == plots.STATUS_COLORS["UPLOADED"]


# --------------------------------------------------------------------------------------------
# 1. participant_timeline
# --------------------------------------------------------------------------------------------


def test_timeline_rejoin_has_its_own_row_and_hover_names(demo: dict[str, pd.DataFrame]) -> None:
    parts = demo["participants"]
    assert parts["display_name"].duplicated().any(), "the demo session should have rejoins"
    fig = plots.participant_timeline(parts)
    bars = [t for t in fig.data if t.type == "bar"]
    ys = [y for t in bars for y in t.y]
    assert len(ys) == len(parts) == len(set(ys))  # one bar and one row per join
    rejoins = parts["display_name"][parts["display_name"].duplicated()]
    assert {f"{name} (rejoin)" for name in rejoins} <= set(ys)
    order = list(fig.layout.yaxis.categoryarray)
    assert sorted(order) == sorted(ys)
    for name in rejoins:  # the rejoin sits right under the first join
        assert order.index(f"{name} (rejoin)") == order.index(name) + 1
    # No verdict column: coloured by preset, legend titled so.
    assert {t.name for t in bars} == set(parts["preset_name"].astype(str))
    assert fig.layout.legend.title.text == "preset_name"
    # Hover: names and times, never ids.
    text = fig.to_json()
    assert parts["display_name"].iloc[0] in text
    assert parts["id"].iloc[0] not in text
    assert parts["user_id"].iloc[0] not in text
    assert "stay: %{customdata[4]} min" in bars[0].hovertemplate


def test_timeline_still_in_call_is_drawn_to_now_and_marked(
    demo: dict[str, pd.DataFrame],
) -> None:
    live = demo["live_participants"]
    assert live["left_at"].isna().all()
    fig = plots.participant_timeline(live)
    marks = [t for t in fig.data if t.name == "still in the call"]
    assert len(marks) == 1 and len(marks[0].x) == len(live)
    # Drawn to the frame's snapshot time (updated_at), not zero-length.
    bars = [t for t in fig.data if t.type == "bar"]
    assert all(min(t.x) > 0 for t in bars)
    assert "still in the call" in fig.layout.title.subtitle.text
    # An explicit `now` wins.
    now = live["joined_at"].max() + pd.Timedelta("1h")
    fig2 = plots.participant_timeline(live, now=now)
    assert pd.Timestamp(max(fig2.data[-1].x)) == now.tz_localize(None)


def test_timeline_single_colour_without_colour_columns() -> None:
    parts = many_participants(10).drop(columns=["verdict", "preset_name"])
    fig = plots.participant_timeline(parts, hover_data=["user_id"])
    bars = [t for t in fig.data if t.type == "bar"]
    assert {t.marker.color for t in bars} == {plots.PALETTE["blue"]}
    assert not any(t.showlegend for t in bars)
    assert "user_id" in bars[0].hovertemplate


# --------------------------------------------------------------------------------------------
# 2. quality_over_time
# --------------------------------------------------------------------------------------------


def test_quality_over_time_panels_bands_and_findings() -> None:
    ts = make_timeseries(1, 45, seed=11)
    fig = plots.quality_over_time(ts, findings=make_findings())
    layout = fig.layout
    y_titles = [layout[f"yaxis{i}" if i > 1 else "yaxis"].title.text for i in range(1, 6)]
    assert y_titles == ["MOS (1-4.5)", "Loss (%)", "RTT (ms)", "Jitter (ms)", "Video (fps)"]
    assert layout.xaxis5.title.text == "Time (UTC)"
    # Sent solid, received dashed, on each of the five panels.
    sent = [t for t in fig.data if t.name == "sent"]
    received = [t for t in fig.data if t.name == "received"]
    assert len(sent) == 5 and len(received) == 5
    assert all(t.line.dash == "dash" for t in received)
    # Bands: 3 per audio panel, one under the fps floor.
    rects = [s for s in layout.shapes if s.type == "rect"]
    band_fills = {s.fillcolor for s in rects}
    assert set(plots.VERDICT_COLORS[v] for v in ("good", "fair", "poor")) <= band_fills
    mos_bands = sorted((s.y0, s.y1) for s in rects if s.yref == "y")
    assert (3.6, 4.0) in mos_bands and (4.0, 4.6) in mos_bands
    # Findings: shaded across all five panels in their severity colours, message on hover.
    windows = [s for s in rects if s.yref.endswith("domain")]  # vrects span each panel
    critical = [s for s in windows if s.fillcolor == plots.SEVERITY_COLORS["critical"]]
    warning = [s for s in windows if s.fillcolor == plots.SEVERITY_COLORS["warning"]]
    assert len(critical) == 5 and len(warning) == 5
    marker = next(t for t in fig.data if t.name == "critical finding")
    assert "loss bursts" in marker.hovertext[0]
    assert "3 finding windows shaded" in layout.title.subtitle.text


def test_quality_over_time_call_wide_findings_are_not_shaded() -> None:
    ts = make_timeseries(1, 30, seed=11)
    wide = pd.DataFrame(
        {
            "rule": ["high_rtt", "relay_tcp"],
            "severity": ["warning", "warning"],
            "start": [T0, T0 - pd.Timedelta("1min")],
            "end": [T0 + pd.Timedelta("30min"), pd.NaT],
            "message": ["Round-trip time was high for the call", "Relay over TCP"],
        }
    )
    fig = plots.quality_over_time(ts, findings=pd.concat([wide, make_findings()]))
    windows = [s for s in fig.layout.shapes if s.yref and s.yref.endswith("domain")]
    assert len(windows) == 2 * 5  # the two short windows inside the call, on all five panels
    call_wide = [
        t for t in fig.data if t.name == "warning finding" and "whole call" in t.hovertext[0]
    ]
    assert "high for the call" in call_wide[0].hovertext[0]
    assert "Relay over TCP" in call_wide[0].hovertext[0]
    # The warning window at 30-41 min lies outside this 30-minute call: not drawn.
    assert all(len(t.x) == 1 for t in fig.data if t.name == "warning finding")
    assert "about the whole call" in fig.layout.title.subtitle.text
    assert tuple(pd.Timestamp(x) for x in fig.layout.xaxis.range) == (
        ts["timestamp"].min().tz_localize(None),
        ts["timestamp"].max().tz_localize(None),
    )


def test_quality_over_time_audio_only_and_loss_from_packets() -> None:
    ts = make_timeseries(1, 10, video=False).drop(columns=["loss_pct"])
    ts["packets_lost"] = 5.0
    ts["packets_sent"] = 100.0
    fig = plots.quality_over_time(ts)
    assert "yaxis5" not in fig.layout.to_plotly_json()  # no video panel
    loss = next(t for t in fig.data if t.name == "sent" and t.yaxis == "y2")
    assert np.allclose(loss.y, 5.0)  # 5 lost of 100 sent: the analysis' one loss formula


def test_quality_over_time_from_the_demo_report(demo: dict[str, pd.DataFrame]) -> None:
    fig = plots.quality_over_time(demo["timeseries"])
    assert len([t for t in fig.data if t.name == "sent"]) == 5
    assert fig.layout.yaxis.range == (1.0, 4.6)


def test_quality_over_time_bins_long_series() -> None:
    ts = make_timeseries(1, 180, seed=2)  # 3 h at 5 s: 2160 samples per track
    fig = plots.quality_over_time(ts)
    sent = next(t for t in fig.data if t.name == "sent")
    assert len(sent.x) <= 720
    assert "means" in fig.layout.title.subtitle.text
    forced = plots.quality_over_time(ts.iloc[:400], bin="1min")
    assert "1 min means" in forced.layout.title.subtitle.text


def test_thresholds_come_from_the_thresholds_module(monkeypatch: pytest.MonkeyPatch) -> None:
    from rtk_notebook.quality import thresholds as limits

    # Every band edge is the quality layer's constant of that name (no literal of its own).
    th = plots.thresholds()
    assert th == plots.Thresholds()
    for field in dataclasses.fields(plots.Thresholds):
        assert getattr(th, field.name) == getattr(limits, field.name.upper()), field.name
    fig = plots.quality_over_time(make_timeseries(1, 5))
    assert any(s.y0 == limits.MOS_GOOD for s in fig.layout.shapes if s.yref == "y")
    # Other band edges are drawn where they are.
    moved = plots.Thresholds(mos_good=4.1, rtt_poor_ms=400.0)
    monkeypatch.setattr(plots.quality, "thresholds", lambda: moved)
    fig = plots.quality_over_time(make_timeseries(1, 5))
    assert any(s.y0 == 4.1 for s in fig.layout.shapes if s.yref == "y")
    assert any(s.y0 == 400.0 for s in fig.layout.shapes if s.yref == "y3")


def test_with_the_quality_analysis(demo: dict[str, pd.DataFrame]) -> None:
    """The frames the analysis module makes plot as they come (skipped without it)."""
    quality = pytest.importorskip("rtk_notebook.quality")
    if not hasattr(quality, "analyze"):
        pytest.skip("rtk_notebook.quality has no analyze() yet")
    kit = rtk.connect(demo=make_world())
    try:
        parts = demo["participants"]
        pq = quality.analyze(kit.peer_report(parts["id"].iloc[0]))
    finally:
        kit.close()
    fig = plots.quality_over_time(pq.timeseries, findings=pq.findings)
    assert len([t for t in fig.data if t.name == "sent"]) >= 4
    assert len(fig.to_json()) < MAX_JSON


def _shown_text(fig: go.Figure) -> str:
    """Everything a person reads on a figure: trace names, hover, text, titles, annotations."""
    parts = [fig.layout.title.text or "", fig.layout.title.subtitle.text or ""]
    for trace in fig.data:
        for attr in ("name", "hovertemplate", "hovertext", "text"):
            value = getattr(trace, attr, None)
            parts += [str(v) for v in value] if isinstance(value, tuple) else [str(value or "")]
    parts += [a.text or "" for a in fig.layout.annotations]
    return "\n".join(parts)


def test_quality_figure_fits_a_panel_and_says_sent_and_received() -> None:
    ts = make_timeseries(1, 45, seed=11)
    fig = plots.quality_over_time(ts, findings=make_findings())
    assert fig.layout.yaxis5 is not None  # five panels (video) ...
    assert fig.layout.height <= 600  # ... in a panel's height, the time axis in view
    assert fig.layout.xaxis5.title.text == "Time (UTC)"
    audio = plots.quality_over_time(make_timeseries(1, 10, video=False))
    assert audio.layout.height < fig.layout.height
    shown = _shown_text(fig).lower()
    assert "producer" not in shown and "consumer" not in shown
    assert "sent rtt (ms) (sample)" in shown


def test_quality_figure_hover_names_the_statistic() -> None:
    ts = make_timeseries(1, 180, seed=2)
    binned = plots.quality_over_time(ts)
    rtt = next(t for t in binned.data if t.name == "sent" and t.yaxis == "y3")
    assert "RTT (ms) (15 s mean)" in rtt.hovertemplate  # 3 h in at most 720 points
    raw = plots.quality_over_time(make_timeseries(1, 10, seed=2))
    rtt = next(t for t in raw.data if t.name == "sent" and t.yaxis == "y3")
    assert "RTT (ms) (sample)" in rtt.hovertemplate


def test_quality_figure_legend_uses_the_findings_words() -> None:
    from rtk_notebook.quality import findings_frame, run_rules

    ts = make_timeseries(1, 10, seed=3, stagger=False)
    video = (ts["kind"] == "video").to_numpy()
    ts.loc[video, "limitation"] = "cpu"
    ts.loc[video, "fps"] = 8.0
    found = findings_frame(run_rules(ts, {}))
    (message,) = found.loc[found["rule"] == "video", "message"][:1]
    fig = plots.quality_over_time(ts, findings=found)
    strips = [t for t in fig.data if t.name and "limited" in t.name]
    assert [t.name for t in strips] == ["sent video CPU-limited"]
    assert "Sent video was CPU-limited" in message  # the legend's words, in the finding
    assert "encoder" not in _shown_text(fig)


def test_quality_figure_threshold_lines_say_value_and_meaning() -> None:
    fig = plots.quality_over_time(make_timeseries(1, 20, seed=5))
    notes = {a.text for a in fig.layout.annotations}
    assert {
        "MOS 3.6: poor below",
        "5 %: poor above",
        "10 %: a burst, heard as dropouts",
        "300 ms: poor above, people talk over",
        "50 ms: poor above, choppy audio",
        "15 fps: choppy video below",
    } <= notes
    lines = {round(s.y0, 3) for s in fig.layout.shapes if s.type == "line"}
    assert {3.6, 5.0, 10.0, 300.0, 50.0, 15.0} <= lines


def test_overlapping_finding_markers_are_grouped_with_a_count() -> None:
    from rtk_notebook.plots.quality import group_markers

    ts = make_timeseries(1, 60, seed=11)
    starts = [T0 + pd.Timedelta(t) for t in ("20min", "20min20s", "20min40s", "45min")]
    findings = pd.DataFrame(
        {
            "rule": ["loss_burst", "rtt_spike", "mos_dip", "loss_burst"],
            "severity": ["warning", "critical", "warning", "warning"],
            "start": starts,
            "end": [t + pd.Timedelta("30s") for t in starts],
            "message": ["Burst A.", "Spike B.", "Dip C.", "Burst D."],
        }
    )
    fig = plots.quality_over_time(ts, findings=findings)
    critical = next(t for t in fig.data if t.name == "critical finding")
    warning = next(t for t in fig.data if t.name == "warning finding")
    # The three close together: one marker, coloured by the worst, its count beside it.
    assert list(critical.text) == ["×3"] and len(critical.x) == 1
    assert all(m in critical.hovertext[0] for m in ("Burst A.", "Spike B.", "Dip C."))
    assert "3 findings here" in critical.hovertext[0]
    assert list(warning.text) == [""] and "Burst D." in warning.hovertext[0]
    t0, t1 = ts["timestamp"].min().tz_localize(None), ts["timestamp"].max().tz_localize(None)
    windows = findings.assign(
        start=findings["start"].dt.tz_localize(None), end=findings["end"].dt.tz_localize(None)
    )
    windows = windows.assign(x0=windows["start"], x1=windows["end"])
    assert group_markers(windows, t0, t1)["count"].tolist() == [3, 1]


# --------------------------------------------------------------------------------------------
# 3. session_heatmap
# --------------------------------------------------------------------------------------------


def test_heatmap_rows_bins_and_scales() -> None:
    ts = make_timeseries(12, 30, seed=6)
    fig = plots.session_heatmap(ts)
    heat = fig.data[0]
    assert heat.type == "heatmap"
    assert len(heat.y) == 12 and len(heat.x) == 30
    assert (heat.zmin, heat.zmax) == (1.0, 4.5)
    assert heat.colorscale[0][1] != plots.PALETTE["green"]  # low MOS is not green
    assert heat.colorscale[-1][1] == plots.PALETTE["green"]
    loss = plots.session_heatmap(ts, value="loss_pct", bin="5min").data[0]
    assert loss.colorscale[0][1] == plots.PALETTE["green"]  # reversed: low loss is green
    assert len(loss.x) == 6
    assert fig.layout.xaxis.title.text == "Time (UTC)"
    # Rows by peer id when there is no display name.
    by_id = plots.session_heatmap(ts.drop(columns=["display_name"]))
    assert set(by_id.data[0].y) == set(ts["peer_id"])
    other = plots.session_heatmap(ts, value="bitrate_kbps", kind="video")
    assert other.data[0].colorscale  # a sequential scale for other metrics


def test_heatmap_sort_worst_puts_worst_mos_on_top() -> None:
    ts = make_timeseries(12, 30, seed=6)
    heat = plots.session_heatmap(ts, sort="worst").data[0]
    means = np.nanmean(np.asarray(heat.z, dtype=float), axis=1)
    assert means[0] == means.min()


def test_participant_rows_put_a_rejoin_under_its_first_join() -> None:
    from rtk_notebook.plots._common import participant_rows

    at = [T0 + pd.Timedelta(minutes=m) for m in (5, 0, 40, 8, 50)]
    rows = participant_rows(
        pd.Series(["p1", "p2", "p3", "p4", "p5"]),
        pd.Series(["Ana", "Ben", "Ana", "Cy", "Ana"]),
        pd.Series(at),
    )
    assert rows["label"].tolist() == [
        "Ben",
        "Ana",
        "Ana (rejoin)",
        "Ana (rejoin 2)",
        "Cy",
    ]
    assert rows.index.tolist() == ["p2", "p1", "p3", "p5", "p4"]
    assert rows["row"].tolist() == [0, 1, 2, 3, 4]


def test_a_rejoin_is_its_own_row_in_timeline_and_heatmap_in_one_order() -> None:
    world = make_world()
    kit = rtk.connect(demo=world)
    try:
        session_id, first, again = ended_session_with_rejoin(world)
        parts = kit.session_participants(session_id)
        series = pd.concat(
            [
                kit.peer_quality(peer).timeseries.assign(display_name=name, peer_id=peer)
                for peer, name in zip(parts["id"], parts["display_name"], strict=True)
            ],
            ignore_index=True,
        )
    finally:
        kit.close()
    name = parts.set_index("id").loc[first, "display_name"]
    assert parts.set_index("id").loc[again, "display_name"] == name  # same person, new peer
    timeline = plots.participant_timeline(parts)
    heatmap = plots.session_heatmap(series)
    rows = list(timeline.layout.yaxis.categoryarray)
    assert len(rows) == len(parts)  # one row per join
    assert list(heatmap.data[0].y) == rows  # the same rows, in the same order
    assert rows.index(f"{name} (rejoin)") == rows.index(name) + 1
    bar_rows = {y for t in timeline.data if t.type == "bar" for y in t.y}
    assert f"{name} (rejoin)" in bar_rows
    counted = f"{parts['display_name'].nunique()} participants, {len(parts)} joins"
    assert counted in timeline.layout.title.subtitle.text
    assert counted in heatmap.layout.title.subtitle.text


# --------------------------------------------------------------------------------------------
# 4. distributions
# --------------------------------------------------------------------------------------------


def _median_line(fig: go.Figure) -> float:
    line = next(s for s in fig.layout.shapes if s.type == "line")
    return float(line.x0)


def test_duration_distribution_in_minutes(demo: dict[str, pd.DataFrame]) -> None:
    sessions = demo["sessions"]
    fig = plots.duration_distribution(sessions)
    want = sessions["duration_td"].dropna().dt.total_seconds().median() / 60
    assert _median_line(fig) == pytest.approx(want)
    assert fig.layout.xaxis.title.text == "Session duration (min)"
    assert sum(fig.data[0].y) == sessions["duration_td"].notna().sum()
    consumed = plots.duration_distribution(sessions, column="minutes_consumed", bins=20)
    assert "Participant-minutes" in consumed.layout.xaxis.title.text
    assert len(consumed.data[0].x) == 20
    assert any("median" in a for a in annotations(fig))


def test_stay_distribution_from_td_or_api_minutes(demo: dict[str, pd.DataFrame]) -> None:
    parts = demo["many_participants"]
    fig = plots.stay_distribution(parts)
    want = parts["stay_td"].dropna().dt.total_seconds().median() / 60
    assert _median_line(fig) == pytest.approx(want)
    api = plots.stay_distribution(parts.drop(columns=["stay_td"]))
    assert _median_line(api) == pytest.approx(parts["duration"].median())
    assert api.layout.xaxis.title.text == "Stay (min)"


def test_participants_per_session_from_sessions_or_participants(
    demo: dict[str, pd.DataFrame],
) -> None:
    fig = plots.participants_per_session(demo["sessions"])
    assert sum(fig.data[0].y) == len(demo["sessions"])
    parts = demo["many_participants"]
    by_parts = plots.participants_per_session(parts)
    assert sum(by_parts.data[0].y) == parts["session_id"].nunique()
    assert _median_line(by_parts) == pytest.approx(
        parts.groupby("session_id")["user_id"].nunique().median()
    )


# --------------------------------------------------------------------------------------------
# 5. quality_breakdown
# --------------------------------------------------------------------------------------------


def test_breakdown_merges_small_groups_and_shares_add_up() -> None:
    quality = make_quality()
    counts = quality["browser"].value_counts()
    assert (counts < 3).any(), "fixture should have a small group"
    fig = plots.quality_breakdown(quality)
    ticks = list(fig.layout.yaxis.ticktext)
    assert ticks[-1].startswith("other")
    assert not any(t.startswith("Vivaldi") for t in ticks)
    bars = [t for t in fig.data if t.type == "bar"]
    shares = np.sum([np.asarray(t.x, dtype=float) for t in bars], axis=0)
    assert np.allclose(shares, 100, atol=0.3)
    assert {t.name for t in bars} <= {"good", "fair", "poor", "unknown"}
    assert "of %{customdata[2]} peers" in bars[0].hovertemplate
    points = [t for t in fig.data if t.type.startswith("scatter")]
    assert sum(len(t.x) for t in points) == len(quality)
    assert fig.layout.xaxis.title.text == "MOS, mean (1-4.5)"
    assert fig.layout.xaxis2.title.text == "Share of peers (%)"


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("mos_avg", [("fair below {}", "MOS_GOOD", ""), ("poor below {}", "MOS_POOR", "")]),
        (
            "rtt_p90_ms",
            [("fair above {}", "RTT_FAIR_MS", " ms"), ("poor above {}", "RTT_POOR_MS", " ms")],
        ),
        (
            "loss_avg_pct",
            [("fair above {}", "LOSS_GOOD_PCT", " %"), ("poor above {}", "LOSS_POOR_PCT", " %")],
        ),
    ],
)
def test_breakdown_threshold_lines_are_labelled(
    metric: str, expected: list[tuple[str, str, str]]
) -> None:
    from rtk_notebook.quality import thresholds as limits

    fig = plots.quality_breakdown(make_quality(), metric=metric)
    lines = [shape.x0 for shape in fig.layout.shapes if shape.type == "line"]
    wanted = [text.format(f"{getattr(limits, name):g}") + unit for text, name, unit in expected]
    assert [getattr(limits, name) for _, name, _ in expected] == lines
    assert [a for a in annotations(fig) if a in wanted] == wanted


def test_breakdown_without_verdict_counts_peers() -> None:
    quality = make_quality().drop(columns=["verdict"])
    fig = plots.quality_breakdown(quality, by="os", metric="jitter_p90_ms")
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == 1 and sum(bars[0].x) == len(quality)
    assert fig.layout.xaxis2.title.text == "Peers (count)"


# --------------------------------------------------------------------------------------------
# 6. recording_status
# --------------------------------------------------------------------------------------------


def test_recording_status_stuck_and_errored(demo: dict[str, pd.DataFrame]) -> None:
    recs = demo["recordings"]
    now = recs["invoked_time"].max() + pd.Timedelta("1D")
    fig = plots.recording_status(recs, now=now, stuck_after="2h")
    problems = {t.name: t for t in fig.data if t.type == "scatter"}
    assert len(problems["ERRORED"].x) == (recs["status"] == "ERRORED").sum()
    stuck = recs["status"].isin(["INVOKED", "UPLOADING"]).sum()
    assert sum(len(t.x) for n, t in problems.items() if "stuck" in n) == stuck
    hover = problems["ERRORED"].customdata[0]
    errored = recs[recs["status"] == "ERRORED"]
    assert hover[0] in set(errored["id"]) and hover[1] in set(errored["meeting_title"])
    # Per-day bars count every recording; lengths in minutes.
    bars = [t for t in fig.data if t.type == "bar"]
    assert sum(sum(t.y) for t in bars) == len(recs)
    boxes = [t for t in fig.data if t.type == "box"]
    uploaded = next(t for t in boxes if t.name == "UPLOADED")
    want = recs.loc[recs["status"] == "UPLOADED", "recording_duration"].dropna() / 60
    assert max(uploaded.x) == pytest.approx(want.max())
    # Not stuck within `stuck_after` of being invoked.
    pending = recs[recs["status"].isin(["INVOKED", "UPLOADING"])]
    fresh = plots.recording_status(recs, now=pending["invoked_time"].min() + pd.Timedelta("1h"))
    assert not [t for t in fresh.data if t.type == "scatter" and "stuck" in t.name]


def test_recording_status_with_nothing_wrong() -> None:
    recs = frames.to_frame(
        "recordings",
        [
            {
                "id": f"rec-{i}",
                "status": "UPLOADED",
                "invoked_time": f"2026-11-1{i}T10:00:00Z",
                "recording_duration": 600 + i,
            }
            for i in range(3)
        ],
    )
    fig = plots.recording_status(recs)
    assert "none stuck or errored" in annotations(fig)


# --------------------------------------------------------------------------------------------
# 7. daywise_usage
# --------------------------------------------------------------------------------------------


def test_daywise_usage_axes(demo: dict[str, pd.DataFrame]) -> None:
    day = demo["daywise"]
    fig = plots.daywise_usage(day)
    names = {t.name: t for t in fig.data}
    assert set(names) == {"sessions", "recordings", "session minutes", "recording minutes"}
    assert names["session minutes"].yaxis == "y2" and names["sessions"].yaxis == "y"
    assert list(names["sessions"].y) == day["total_sessions"].astype(float).tolist()
    assert fig.layout.yaxis2.title.text == "Minutes per day (min)"
    partial = plots.daywise_usage(day[["day", "total_sessions"]])
    assert [t.name for t in partial.data] == ["sessions"]


def test_daywise_usage_by_week_and_month_sums_every_day() -> None:
    from rtk_notebook.errors import ValidationError
    from rtk_notebook.plots.usage import prepare_daywise

    days = pd.date_range("2026-01-01", "2026-12-31", tz="UTC")  # a Thursday to a Thursday
    year = pd.DataFrame({"day": days, "total_sessions": np.arange(len(days), dtype=float)})
    weekly = prepare_daywise(year, "W")
    assert weekly["day"].dt.day_of_week.eq(0).all() and len(weekly) == 53
    assert weekly["value"].sum() == year["total_sessions"].sum()
    assert weekly["days"].tolist() == [4, *[7] * 51, 4]  # partial first and last weeks
    fig = plots.daywise_usage(year)  # a year: drawn per week, not per day
    assert fig.layout.title.text == "Usage per week" and len(fig.data[0].x) == 53
    assert fig.data[0].customdata[0] == " (4 of 7 days)" and fig.data[0].customdata[1] == ""
    monthly = plots.daywise_usage(year, freq="M")
    assert list(monthly.data[0].y) == year.groupby(days.month)["total_sessions"].sum().tolist()
    assert monthly.layout.yaxis.title.text == "Sessions, recordings (count per month)"
    assert plots.daywise_usage(year.head(30)).layout.title.text == "Usage per day"
    with pytest.raises(ValidationError, match="'freq'"):
        plots.daywise_usage(year, freq="Y")


# --------------------------------------------------------------------------------------------
# Size: a 200-peer, one-hour session
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_session() -> pd.DataFrame:
    return make_timeseries(200, 60, 5, seed=9)  # 200 peers x 720 samples x 4 tracks


def test_200_peer_figures_stay_small(big_session: pd.DataFrame) -> None:
    assert len(big_session) > 500_000
    heat = plots.session_heatmap(big_session)
    assert len(heat.data[0].y) == 200
    one_peer = big_session[big_session["peer_id"] == "peer-0000"]
    assert len(one_peer) == 4 * 720
    figs = {
        "heatmap": heat,
        "quality_over_time": plots.quality_over_time(one_peer, findings=make_findings()),
        "timeline": plots.participant_timeline(many_participants(200)),
        "quality_over_time_all_peers": plots.quality_over_time(big_session),
    }
    for name, fig in figs.items():
        assert len(fig.to_json()) < MAX_JSON, name


# --------------------------------------------------------------------------------------------
# PNG export (kaleido driving a Chromium)
# --------------------------------------------------------------------------------------------


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true, so this may not skip: {reason}")
    pytest.skip(reason)


def _chromium() -> str | None:
    path = os.environ.get("BROWSER_PATH")
    if path:
        return path if os.access(path, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.mark.slow
def test_figures_render_to_png(
    demo: dict[str, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        import kaleido  # noqa: F401
    except ImportError:
        _skip_or_fail("kaleido is not installed (pip install kaleido, or the 'test' extra)")
    browser = _chromium()
    if browser is None:
        _skip_or_fail("no Chromium for kaleido (apt-get install chromium, or set BROWSER_PATH)")
    monkeypatch.setenv("BROWSER_PATH", browser)
    import plotly.io as pio

    figs: dict[str, go.Figure] = dict(all_figures(demo))
    figs.update({f"empty_{k}": v for k, v in empty_figures().items()})
    out_dirs = [tmp_path]
    if os.environ.get("RTK_PLOTS_PNG_DIR"):
        out_dirs.append(Path(os.environ["RTK_PLOTS_PNG_DIR"]))
    for out in out_dirs:
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / f"{name}.png" for name in figs]
        widths = [1100] * len(figs)
        heights = [int(f.layout.height or 500) for f in figs.values()]
        pio.write_images(list(figs.values()), paths, width=widths, height=heights)
    for name in figs:
        data = (tmp_path / f"{name}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", name
        width = int.from_bytes(data[16:20], "big")
        assert width == 1100, name
        assert len(data) > 8_000, f"{name}: suspiciously small PNG"


# --------------------------------------------------------------------------------------------
# Preparation steps: each figure's tidy frame, before anything is drawn
# --------------------------------------------------------------------------------------------


def test_prepare_timeline_rows_stays_and_now() -> None:
    from rtk_notebook.plots.timeline import prepare_timeline

    parts = frames.to_frame(
        "session_participants",
        [
            {"id": "p1", "display_name": "Ana", "joined_at": "2026-11-18T10:05:00Z",
             "left_at": "2026-11-18T10:35:00Z", "preset_name": "host"},
            {"id": "p2", "display_name": "Ben", "joined_at": "2026-11-18T10:00:00Z",
             "left_at": None, "preset_name": "participant"},
            {"id": "p3", "display_name": "Ana", "joined_at": "2026-11-18T10:40:00Z",
             "left_at": "2026-11-18T10:50:00Z", "preset_name": "host"},
        ],
    )  # fmt: skip
    data = prepare_timeline(
        parts,
        start="joined_at",
        end="left_at",
        name="display_name",
        color="verdict",
        hover_data=["id"],
        now="2026-11-18T11:00:00Z",
    )
    joins = data.joins
    assert data.until == pd.Timestamp("2026-11-18T11:00:00")
    assert data.color_by == "preset_name"  # no verdict column
    assert joins["name"].tolist() == ["Ana", "Ben", "Ana"]
    assert joins["row"].tolist() == [1, 0, 2]  # Ben joined first: top row; a rejoin: its own
    assert joins["label"].tolist() == ["Ana", "Ben", "Ana (rejoin)"]
    assert joins["open"].tolist() == [False, True, False]
    assert joins["stay_min"].tolist() == [30.0, 60.0, 10.0]  # Ben: drawn up to now
    assert joins["group"].tolist() == ["host", "participant", "host"]
    assert data.hover_columns == ["id"] and joins["hover id"].tolist() == ["p1", "p2", "p3"]


def test_prepare_quality_over_time_means_and_findings() -> None:
    from rtk_notebook.plots.quality import prepare_quality_over_time

    ts = make_timeseries(1, 10, video=True, stagger=False)
    data = prepare_quality_over_time(
        ts, findings=make_findings(), kind="audio", bin="1min", max_points=720
    )
    lines = data.lines
    assert [p for p, _ in data.panels] == ["mos", "loss_pct", "rtt_ms", "jitter_ms", "fps"]
    producer_rtt = lines[(lines["metric"] == "rtt_ms") & (lines["direction"] == "producer")]
    audio = ts[(ts["kind"] == "audio") & (ts["direction"] == "producer")]
    first_minute = audio[audio["timestamp"] < T0 + pd.Timedelta("1min")]["rtt_ms"].mean()
    assert producer_rtt["value"].iloc[0] == pytest.approx(first_minute)
    assert producer_rtt["timestamp"].iloc[0] == (T0 + pd.Timedelta("30s")).tz_localize(None)
    assert len(producer_rtt) == 10
    assert set(lines["direction"]) == {"producer", "consumer"}
    assert data.notes == ["Ana Rossi 0", "audio tracks", "1 min means"]
    # Findings within the 10 minutes: the info one (0-2 min); the others start later.
    assert data.findings["rule"].tolist() == ["jitter"]
    assert not data.findings["wide"].any()


def test_prepare_heatmap_cells_are_bin_means() -> None:
    from rtk_notebook.plots.heatmap import prepare_heatmap

    ts = make_timeseries(3, 5, seed=6, stagger=False)
    options = dict(by="display_name", value="mos", bin="1min", kind="audio", direction="producer")
    data = prepare_heatmap(ts, **options, sort="first_seen")
    assert data.grid.shape == (3, 5) and data.samples == 3 * 60
    assert data.notes == ["audio", "sent"]
    ben = ts[
        (ts["display_name"] == "Ben Rossi 1")
        & (ts["kind"] == "audio")
        & (ts["direction"] == "producer")
        & (ts["timestamp"] < T0 + pd.Timedelta("1min"))
    ]
    assert data.grid.loc["Ben Rossi 1"].iloc[0] == pytest.approx(ben["mos"].mean())
    worst = prepare_heatmap(ts, **options, sort="worst").grid
    assert worst.mean(axis=1).is_monotonic_increasing  # the lowest MOS on top


def test_prepare_histogram_bars() -> None:
    from rtk_notebook.plots.distributions import prepare_histogram

    bars = prepare_histogram(np.array([1.0, 2.0, 2.0, 3.0, np.nan]), integer=True)
    assert bars["center"].tolist() == [1.0, 2.0, 3.0]
    assert bars["count"].tolist() == [1, 2, 1]
    assert bars["range"].tolist() == ["1", "2", "3"]
    assert bars["width"].tolist() == [1.0, 1.0, 1.0]
    wide = prepare_histogram(np.arange(100.0), bins=4)
    assert wide["count"].tolist() == [25, 25, 25, 25] and wide["left"].iloc[0] == 0.0
    assert prepare_histogram(np.array([np.nan])).empty


def test_duration_distribution_is_one_function_for_sessions_and_stays(
    demo: dict[str, pd.DataFrame],
) -> None:
    assert plots.stay_distribution is plots.duration_distribution
    stays = plots.duration_distribution(demo["many_participants"])
    assert stays.layout.xaxis.title.text == "Stay (min)"
    assert stays.layout.title.text == "How long participants stay"
    sessions = plots.duration_distribution(demo["sessions"])
    assert sessions.layout.title.text == "How long sessions last"
    no_duration = demo["sessions"].assign(duration_td=pd.NaT)
    consumed = plots.duration_distribution(no_duration)
    assert consumed.layout.xaxis.title.text == "Participant-minutes per session (min)"


def test_prepare_breakdown_groups_and_verdict_counts() -> None:
    from rtk_notebook.plots.breakdowns import prepare_breakdown

    quality = pd.DataFrame(
        {
            "browser": ["Chrome"] * 4 + ["Safari"] * 3 + ["Opera"],
            "mos_avg": [4.3, 4.2, 3.8, 3.0, 3.5, 3.4, 3.3, 3.5],
            "verdict": ["good", "good", "fair", "poor", "poor", "poor", "poor", None],
        }
    )
    data = prepare_breakdown(quality, by="browser", metric="mos_avg", min_peers=3, sort="count")
    groups = data.groups
    assert groups.index.tolist() == ["Chrome", "Safari", "other"]  # by count, "other" last
    assert groups["n"].tolist() == [4, 3, 1]
    assert groups.loc["Chrome", ["good", "fair", "poor"]].tolist() == [2, 1, 1]
    assert groups.loc["other", "unknown"] == 1 and data.merged_groups == 1
    assert groups.loc["Safari", "median"] == pytest.approx(3.4)
    assert data.peers["pos"].tolist() == [0.0] * 4 + [1.0] * 3 + [2.0]
    by_metric = prepare_breakdown(
        quality, by="browser", metric="mos_avg", min_peers=3, sort="metric"
    ).groups
    assert by_metric.index.tolist() == ["Safari", "Chrome", "other"]  # worst median first


def test_prepare_recordings_problems_and_days() -> None:
    from rtk_notebook.plots.recordings import prepare_recordings

    recs = frames.to_frame(
        "recordings",
        [
            {"id": "r1", "status": "UPLOADED", "invoked_time": "2026-11-16T10:00:00Z",
             "recording_duration": 600},
            {"id": "r2", "status": "ERRORED", "invoked_time": "2026-11-18T09:00:00Z"},
            {"id": "r3", "status": "INVOKED", "invoked_time": "2026-11-18T07:00:00Z"},
            {"id": "r4", "status": "UPLOADING", "invoked_time": "2026-11-18T09:30:00Z"},
        ],
    )  # fmt: skip
    data = prepare_recordings(recs, now="2026-11-18T10:00:00Z", stuck_after="2h")
    df = data.recordings.set_index("id")
    assert df["problem"].to_dict() == {
        "r1": "", "r2": "ERRORED", "r3": "INVOKED stuck", "r4": "",
    }  # fmt: skip
    assert df.loc["r3", "age_h"] == 3.0 and df.loc["r1", "minutes"] == 10.0
    assert data.statuses == ["INVOKED", "UPLOADING", "UPLOADED", "ERRORED"]
    assert len(data.per_day) == 3  # 16, 17 (none) and 18 November
    assert data.per_day.sum().to_dict() == {
        "INVOKED": 1, "UPLOADING": 1, "UPLOADED": 1, "ERRORED": 1,
    }  # fmt: skip


def test_prepare_daywise_long_frame(demo: dict[str, pd.DataFrame]) -> None:
    from rtk_notebook.plots.usage import prepare_daywise

    day = demo["daywise"]
    long = prepare_daywise(day)
    assert long["series"].unique().tolist() == [
        "sessions", "recordings", "session minutes", "recording minutes",
    ]  # fmt: skip
    sessions = long[long["series"] == "sessions"]
    assert sessions["value"].tolist() == day["total_sessions"].astype(float).tolist()
    assert prepare_daywise(day[["day"]]).empty
