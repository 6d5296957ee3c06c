"""The panels, tested as ipywidgets' own tests do: set traits, assert on the state."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import re

import pandas as pd
import pytest

import rtk_notebook as rtk
from rtk_notebook.demo import DemoBackend, Faults
from rtk_notebook.widgets import PeerQualityPanel, RecordingMonitor, SessionExplorer, UsageDashboard
from tests.factories import TOKEN, connect_to, ended_peer_with_profile, make_world


@pytest.fixture(scope="module")
def kit() -> rtk.Kit:
    connection = rtk.connect(demo=make_world())
    yield connection
    connection.close()


def test_session_explorer_filters_sorts_and_opens(kit: rtk.Kit) -> None:
    explorer = SessionExplorer(kit)
    assert explorer.error is None and not explorer.loading
    everything = len(explorer.visible)
    assert everything == len(explorer.sessions_list.options) > 20
    assert explorer.visible["started_at"].is_monotonic_decreasing
    # The date range is the world's last 7 days.
    assert explorer.visible["started_at"].min() >= pd.Timestamp("2026-11-11", tz="UTC")

    explorer.sort.value = "most participant-minutes"
    minutes = explorer.visible["minutes_consumed"].tolist()
    assert minutes == sorted(minutes, reverse=True)
    assert explorer.sessions_list.options[0][1] == explorer.visible["id"].iloc[0]

    explorer.min_participants.value = 10
    assert (explorer.visible["max_concurrent_participants"] >= 10).all()
    assert len(explorer.visible) < everything

    explorer.status_filter.value = "LIVE"
    assert set(explorer.visible["status"].astype(str)) == {"LIVE"}
    explorer.status_filter.value = ""
    explorer.min_participants.value = 0
    explorer.search.value = "standup"
    assert explorer.visible["meeting_display_name"].str.contains("standup", case=False).all()
    explorer.search.value = ""

    session_id = explorer.visible["id"].iloc[2]
    explorer.sessions_list.value = session_id
    assert explorer.error is None
    assert explorer.participants is not None and len(explorer.participants) > 0
    assert set(explorer.quality["peer_id"]) == set(explorer.participants["id"])
    assert len(explorer.timeline_figure.data) > 0
    assert len(explorer.peers_list.options) == len(explorer.quality)
    assert "verdict" in explorer.peer_table.value

    peer_id = explorer.peers_list.options[0][1]
    explorer.peers_list.value = peer_id
    panel = explorer.peer_panel
    assert isinstance(panel, PeerQualityPanel) and panel.peer_id == peer_id
    assert panel.error is None and panel.quality is not None
    assert explorer.peer_box.children == (panel,)


def test_bad_date_range_shows_one_line_not_a_traceback(kit: rtk.Kit) -> None:
    explorer = SessionExplorer(kit)
    explorer.end.value = explorer.start.value - dt.timedelta(days=1)
    assert explorer.error == "ValueError: 'To' is before 'From'"
    assert "Traceback" not in explorer.status.value and "⚠" in explorer.status.value


def test_peer_panel_shows_plot_findings_and_cards(kit: rtk.Kit) -> None:
    panel = PeerQualityPanel(kit, ended_peer_with_profile(kit.demo, "relay_tcp"))
    assert panel.error is None
    assert panel.quality.verdict in ("fair", "poor")
    assert "relay" in panel.cards.value and "Device" in panel.cards.value
    assert "Findings" in panel.findings_html.value
    assert len(panel.figure.data) > 0
    assert str(panel.quality.verdict) in panel.header.value


def test_peer_panel_fits_and_speaks_plainly(kit: rtk.Kit) -> None:
    panel = PeerQualityPanel(kit, ended_peer_with_profile(kit.demo, "relay_tcp"))
    quality = panel.quality
    # The figure fits the panel with its time axis in view, not 1,000 px tall.
    assert panel.figure.layout.height <= 600
    # Why the verdict, in the header: the TCP relay, as the row's verdict_reason says.
    reason = quality.verdict_reason
    assert reason.startswith(f"{quality.verdict}: TURN relay over TCP")
    assert html.escape(reason.partition(": ")[2]) in panel.header.value
    # Sent / received, never the API's producer / consumer, in what a person reads.
    names = {t.name for t in panel.figure.data}
    assert {"sent", "received"} <= names
    shown = " ".join([panel.header.value, panel.findings_html.value, panel.cards.value])
    shown += " ".join(str(t.name) + str(t.hovertemplate or "") for t in panel.figure.data)
    assert "producer" not in shown.lower() and "consumer" not in shown.lower()
    # One statistic per place: the cards quote RTT and jitter as the findings do.
    assert "RTT median / p90" in panel.cards.value and "avg / p90" not in panel.cards.value
    median = f"{quality.summary.loc[0, 'rtt_p50_ms']:.0f} ms"
    assert median in panel.cards.value


def test_peer_panel_prints_each_window_once(kit: rtk.Kit) -> None:
    panel = PeerQualityPanel(kit, ended_peer_with_profile(kit.demo, "relay_tcp"))
    items = re.findall(r"<li>(.*?)</li>", panel.findings_html.value)
    assert len(items) == len(panel.quality.findings)
    spans = re.compile(r"\d\d:\d\d:\d\d[-–]\d\d:\d\d:\d\d")
    for item in items:
        assert len(spans.findall(item)) <= 1, item  # a window in the message is not repeated
    whole = [i for i in items if "whole call" in i]
    assert whole  # the transport finding is about the whole stay
    assert not any(spans.search(i.split("whole call")[-1]) for i in whole)


def test_peer_panel_error_is_one_readable_line(kit: rtk.Kit) -> None:
    panel = PeerQualityPanel(kit, "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e")
    assert panel.error.startswith("NotFoundError: HTTP 404")
    assert panel.quality is None and "\n" not in panel.error


def test_recording_monitor(kit: rtk.Kit) -> None:
    monitor = RecordingMonitor(kit)
    assert monitor.error is None and monitor.refreshed == 1
    assert sum(monitor.counts.values()) == len(monitor.recordings)
    assert all(monitor.counts[s] > 0 for s in ("UPLOADED", "ERRORED", "UPLOADING", "INVOKED"))
    assert "stuck" in monitor.counts_html.value
    monitor.only_problems.value = True
    statuses = set(monitor.visible["status"].astype(str))
    assert statuses <= {"ERRORED", "UPLOADING", "INVOKED"} and "ERRORED" in statuses
    assert "background:#F9E0D4" in monitor.table.value  # errored rows highlighted
    monitor.only_problems.value = False
    monitor.status_filter.value = ("PAUSED",)
    assert monitor.visible["status"].astype(str).tolist() == ["PAUSED"]
    monitor.refresh_button.click()
    assert monitor.refreshed == 2
    monitor.auto.value = True  # no running loop here: it says so and switches itself off
    assert monitor.auto.value is False and "event loop" in monitor.status.value


def test_recording_monitor_auto_refresh_in_a_running_loop(kit: rtk.Kit) -> None:
    async def kernel() -> int:
        monitor = RecordingMonitor(kit)
        await monitor.wait()
        monitor.interval.value = 5
        monitor.interval.min = 0
        monitor.interval.value = 0
        monitor.auto.value = True
        for _ in range(50):
            await asyncio.sleep(0.05)
            if monitor.refreshed >= 3:
                break
        monitor.auto.value = False
        await monitor.wait()
        return monitor.refreshed

    assert asyncio.run(kernel()) >= 3


def test_usage_dashboard(kit: rtk.Kit) -> None:
    dashboard = UsageDashboard(kit)
    assert dashboard.error is None and len(dashboard.daywise) == 30
    assert "sessions" in dashboard.totals.value and len(dashboard.figure.data) > 0
    dashboard.start.value = dt.date(2026, 11, 1)
    dashboard.end.value = dt.date(2026, 11, 7)
    assert len(dashboard.daywise) == 7
    total = int(dashboard.daywise["total_sessions"].sum())
    assert f"<b>{total}</b> sessions" in dashboard.totals.value


def test_panels_fetch_without_blocking_the_kernel_loop() -> None:
    """In a kernel the fetch is a task: the loop keeps turning while the panel loads."""
    backend = DemoBackend(make_world(), token=TOKEN, faults=Faults(latency_ms=150))
    slow = connect_to(backend)

    async def kernel() -> tuple[bool, int, bool]:
        dashboard = UsageDashboard(slow)
        loading_at_once = dashboard.loading and "Loading" in dashboard.status.value
        ticks = 0
        while dashboard.loading:  # other work (other cells, other widgets) goes on
            await asyncio.sleep(0.01)
            ticks += 1
        await dashboard.wait()
        return loading_at_once, ticks, dashboard.daywise is not None

    loading_at_once, ticks, loaded = asyncio.run(kernel())
    assert loading_at_once and loaded and ticks > 3
    slow.close()


def test_only_the_latest_request_wins() -> None:
    kit = rtk.connect(demo=make_world())

    async def kernel() -> SessionExplorer:
        explorer = SessionExplorer(kit)
        explorer.status_filter.value = "LIVE"  # supersedes the first load before it lands
        await explorer.wait()
        return explorer

    explorer = asyncio.run(kernel())
    assert set(explorer.visible["status"].astype(str)) == {"LIVE"}
    kit.close()


def badge_colors(html: str, text: str) -> set[str]:
    """The background colours of the badges whose text matches the pattern ``text``."""
    return set(re.findall(r"background:(#[0-9A-Fa-f]{6});[^>]*>" + text + "</span>", html))


def test_a_word_has_one_colour_in_figures_cards_and_panels(kit: rtk.Kit) -> None:
    from rtk_notebook import plots
    from rtk_notebook.models import Recording, Session

    # Recording statuses: the figure's bars, a recording's card, the monitor's pills and rows.
    monitor = RecordingMonitor(kit)
    figure = plots.recording_status(monitor.recordings)
    bars = {t.name: t.marker.color for t in figure.data if t.type == "bar"}
    assert {"INVOKED", "UPLOADING", "UPLOADED", "ERRORED"} <= set(bars)
    for status, color in bars.items():
        card = Recording.from_record({"id": "r", "status": status})._repr_html_()
        assert badge_colors(card, status) == {color}, status
        assert badge_colors(monitor.counts_html.value, status + r" \d+") == {color}, status
        if status in set(monitor.visible["status"].head(500).astype(str)):
            assert badge_colors(monitor.table.value, status) == {color}, status
    assert bars["INVOKED"] == "#CC79A7"  # pink, not the orange of UPLOADING

    # Session statuses: bars coloured by status in a figure, a session's card.
    sessions = kit.sessions()
    spans = plots.participant_timeline(
        sessions, start="started_at", end="ended_at", name="id", color="status"
    )
    for status in ("LIVE", "ENDED"):
        (color,) = {t.marker.color for t in spans.data if t.name == status}
        card = Session.from_record({"id": "s", "status": status})._repr_html_()
        assert badge_colors(card, status) == {color}, status

    # Verdicts and severities: a peer's figure, its quality card, its panel.
    panel = PeerQualityPanel(kit, ended_peer_with_profile(kit.demo, "relay_tcp"))
    quality = panel.quality
    card = quality._repr_html_()
    verdict = str(quality.verdict)
    peers = quality.summary.assign(browser="any", verdict=verdict)
    breakdown = plots.quality_breakdown(peers, min_peers=1)
    (color,) = {t.marker.color for t in breakdown.data if t.name == verdict}
    assert badge_colors(card, verdict.upper()) == {color}
    assert badge_colors(panel.header.value, verdict) == {color}
    severities = set(quality.findings["severity"].astype(str))
    assert severities
    for severity in severities:
        markers = {t.marker.color for t in panel.figure.data if t.name == f"{severity} finding"}
        assert len(markers) == 1, severity
        assert badge_colors(card, severity) == markers, severity
        assert badge_colors(panel.findings_html.value, severity) == markers, severity
