"""The panels, tested as ipywidgets' own tests do: set traits, assert on the state."""

from __future__ import annotations

import asyncio
import html
import re
import threading
from typing import Any

import pandas as pd
import pytest

import rtk_notebook as rtk
from rtk_notebook.demo import DemoBackend, Faults
from rtk_notebook.quality import VERDICTS
from rtk_notebook.widgets import PeerQualityPanel, RecordingMonitor, SessionExplorer, UsageDashboard
from rtk_notebook.widgets.recordings import RECORDING_STATUSES
from tests.factories import (
    TOKEN,
    PathLog,
    connect_to,
    ended_peer_with_profile,
    make_world,
)


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
    explorer.end.value = "2026-11-10"  # before 'From', the 11th
    assert explorer.error == (
        "ValidationError: 'To' (2026-11-10) must be on or after 'From' (2026-11-11)"
    )
    assert "Traceback" not in explorer.status.value and "⚠" in explorer.status.value


def test_explorer_dates_apply_once_and_refuse_old_years(kit: rtk.Kit) -> None:
    explorer = SessionExplorer(kit)
    assert explorer.start.continuous_update is False  # a year typed is sent on Enter or blur
    requests, sessions = kit.stats.requests, explorer.sessions
    explorer.start.value = "0002-11-11"  # would page through every session ever held
    assert explorer.error == "ValidationError: 'From' is before 2000 (got 0002-11-11)"
    explorer.start.value = "2025-01-01"
    assert "at most 400" in explorer.error
    assert kit.stats.requests == requests and explorer.sessions is sessions
    explorer.start.value = "2026-11-17"
    assert explorer.error is None and kit.stats.requests == requests + 1
    assert explorer.visible["started_at"].min() >= pd.Timestamp("2026-11-17", tz="UTC")


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
    monitor.status_toggles["PAUSED"].value = True
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
    dashboard.start.value = "2026-11-01"
    dashboard.end.value = "2026-11-07"
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


# -- issue 14: the panels' bugs, one test each ------------------------------------------------


@pytest.fixture
def logged() -> tuple[rtk.Kit, PathLog]:
    """A kit whose requests are logged by path, to count what a change of a control fetches."""
    world = make_world()
    transport = PathLog(DemoBackend(world))
    connection = rtk.connect(demo=world, transport=transport)  # the demo's clock, logged
    yield connection, transport
    connection.close()


def _fetches(log: PathLog, fragment: str) -> int:
    return sum(fragment in path for path in log.paths)


def _explorer_with_a_peer_open(kit: rtk.Kit) -> tuple[SessionExplorer, str, PeerQualityPanel]:
    explorer = SessionExplorer(kit)
    # An ended session with few people, not the first of the list: a sort or a filter that
    # moved another one to the top would show up as a change of the chosen one.
    ended = explorer.visible[explorer.visible["status"].astype(str) == "ENDED"]
    session_id = str(ended["id"].iloc[3])
    explorer.sessions_list.value = session_id
    explorer.peers_list.value = explorer.peers_list.options[0][1]
    assert explorer.peer_panel is not None and explorer.peer_panel.error is None
    return explorer, session_id, explorer.peer_panel


def test_explorer_sort_keeps_the_open_session_and_its_peer_panel(
    logged: tuple[rtk.Kit, PathLog],
) -> None:
    kit, log = logged
    explorer, session_id, panel = _explorer_with_a_peer_open(kit)
    before = len(log.paths)
    for sort in ("oldest first", "most participants", "longest"):
        explorer.sort.value = sort
        assert explorer.sessions_list.value == session_id, sort
    assert log.paths[before:] == []  # nothing reloaded
    assert explorer.session_id == session_id
    assert explorer.peer_panel is panel and explorer.peer_box.children == (panel,)


def test_explorer_filter_hiding_the_session_opens_no_other(
    logged: tuple[rtk.Kit, PathLog],
) -> None:
    kit, log = logged
    explorer, session_id, panel = _explorer_with_a_peer_open(kit)
    people = int(explorer.sessions.set_index("id").at[session_id, "max_concurrent_participants"])
    before = len(log.paths)
    explorer.min_participants.value = people + 1  # hides the open session, keeps others
    assert len(explorer.visible) > 0 and session_id not in set(explorer.visible["id"])
    assert explorer.sessions_list.value is None  # no row chosen, none opened by itself
    assert "not in this list" in explorer.sessions_header.value
    explorer.search.value = "no meeting is called this"  # a refetch that lists nothing
    explorer.search.value = ""  # and back: the open session is listed again
    explorer.min_participants.value = 0
    assert explorer.sessions_list.value == session_id
    assert [p for p in log.paths[before:] if not p.endswith("/sessions")] == []  # lists only
    assert explorer.session_id == session_id and explorer.peer_panel is panel
    assert explorer.peer_box.children == (panel,)


def test_explorer_another_session_opens_no_peer_by_itself(kit: rtk.Kit) -> None:
    explorer, session_id, _ = _explorer_with_a_peer_open(kit)
    other = next(i for i in explorer.visible["id"].iloc[4:] if i != session_id)
    explorer.sessions_list.value = other
    assert set(explorer.quality["session_id"]) == {other}
    assert explorer.peers_list.value is None  # its first peer was not opened by the list
    assert explorer.peer_panel is None and explorer.peer_box.children == ()
    assert explorer.session_id == other


def test_explorer_draws_the_timeline_before_the_quality_arrives(
    kit: rtk.Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a kernel (a running loop): the participants and the quality are fetched at once; the
    timeline shows as soon as the participants are in, coloured by verdict once scored."""
    explorer = SessionExplorer(kit)
    session_id = str(explorer.visible["id"].iloc[2])
    scored = kit.aio.session_quality
    gate, started = asyncio.Event(), []

    async def held_quality(sid: str, **kw: object) -> pd.DataFrame:
        started.append(sid)
        await gate.wait()  # the reports are "still coming" until the test says so
        return await scored(sid, **kw)

    def verdict_colours() -> set[str]:
        return {str(trace.name) for trace in explorer.timeline_figure.data} & set(VERDICTS)

    async def kernel() -> None:
        explorer.open_session(session_id)
        async with asyncio.timeout(60):  # the old explorer waited for both: it never got here
            while explorer.participants is None:
                await asyncio.sleep(0.01)
        assert started == [session_id]  # asked for at the same time as the participants
        assert explorer.quality is None and explorer.loading
        assert "Scoring" in explorer.status.value
        assert explorer.timeline_figure is not None and verdict_colours() == set()
        gate.set()
        await explorer.wait()

    monkeypatch.setattr(kit.aio, "session_quality", held_quality)
    asyncio.run(kernel())
    assert explorer.error is None and not explorer.loading and explorer.status.value == ""
    assert set(explorer.quality["peer_id"]) == set(explorer.participants["id"])
    assert verdict_colours()  # coloured by verdict now
    assert len(explorer.peers_list.options) == len(explorer.quality)


def test_explorer_fills_the_peer_table_as_the_peers_are_scored(
    kit: rtk.Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a kernel: while a session's reports are still coming, the peer table already lists
    the peers scored so far, and the status line counts them."""
    explorer = SessionExplorer(kit)
    session_id = str(explorer.visible["id"].iloc[2])
    scored = kit.aio.session_quality
    release = threading.Event()  # the kit's thread holds after the second row until set
    seen: list[str] = []

    async def held_quality(sid: str, *, on_row: Any = None, **kw: object) -> pd.DataFrame:
        def each(row: dict[str, Any]) -> None:
            on_row(row)
            seen.append(str(row["peer_id"]))
            if len(seen) == 2:
                assert release.wait(60), "the test never released the scoring"

        return await scored(sid, on_row=each, **kw)

    async def kernel() -> None:
        explorer.open_session(session_id)
        async with asyncio.timeout(60):  # an explorer showing nothing until the end stays here
            while len(explorer.peers_list.options) < 2:
                await asyncio.sleep(0.01)
        assert explorer.quality is None and explorer.loading
        assert {value for _, value in explorer.peers_list.options} == set(seen[:2])
        total = len(explorer.participants)
        assert f"2 of {total} done" in explorer.status.value
        assert explorer.peer_table.value.count("<tr") == 3  # the header and the two peers
        release.set()
        await explorer.wait()

    monkeypatch.setattr(kit.aio, "session_quality", held_quality)
    try:
        asyncio.run(kernel())
    finally:
        release.set()
    assert explorer.error is None and not explorer.loading and explorer.status.value == ""
    assert len(explorer.peers_list.options) == len(explorer.quality) == len(seen) > 2


def test_usage_dates_apply_once_and_refuse_old_years_and_long_ranges(
    logged: tuple[rtk.Kit, PathLog],
) -> None:
    kit, log = logged
    dashboard = UsageDashboard(kit)
    assert _fetches(log, "/analytics/daywise") == 1
    for field in (dashboard.start, dashboard.end):  # applied on Enter or blur, not per key
        assert field.continuous_update is False
    figure = dashboard.figure
    dashboard.start.value = "0002-11-01"
    assert dashboard.error == "ValidationError: 'From' is before 2000 (got 0002-11-01)"
    assert "\n" not in dashboard.error and "⚠" in dashboard.status.value
    dashboard.start.value = "2025-01-01"  # 687 days
    assert "at most 400" in dashboard.error
    dashboard.start.value = "2026-13-01"
    assert "not a day of the calendar" in dashboard.error
    assert _fetches(log, "/analytics/daywise") == 1 and dashboard.figure is figure
    dashboard.start.value = "2026-11-01"
    assert dashboard.error is None and len(dashboard.daywise) == 18
    assert _fetches(log, "/analytics/daywise") == 2


def test_usage_long_ranges_are_drawn_by_week_or_month(kit: rtk.Kit) -> None:
    dashboard = UsageDashboard(kit)
    dashboard.start.value = "2025-10-20"  # 395 days up to the world's today
    assert dashboard.error is None and len(dashboard.daywise) == 395
    figure = dashboard.figure
    points = sum(len(trace.x) for trace in figure.data)
    assert points <= 4 * 60  # four series of at most 60 weeks, not 4 x 395 days
    assert len(figure.to_json()) < 100_000
    assert "per week" in figure.layout.title.text or "per month" in figure.layout.title.text
    sessions = next(t for t in figure.data if t.name == "sessions")
    assert sum(sessions.y) == dashboard.daywise["total_sessions"].sum()  # every day counted


def test_recording_monitor_header_counts_what_the_filter_shows(kit: rtk.Kit) -> None:
    monitor = RecordingMonitor(kit)
    total = len(monitor.recordings)
    assert f"{total} recordings" in monitor.counts_html.value
    monitor.only_problems.value = True
    shown = len(monitor.visible)
    assert 0 < shown < total
    assert f"{shown} of {total} recordings" in monitor.counts_html.value


def test_recording_monitor_shows_ids_and_error_reasons(kit: rtk.Kit) -> None:
    monitor = RecordingMonitor(kit)
    errored = monitor.recordings[monitor.recordings["status"].astype(str) == "ERRORED"]
    full_id = str(errored["id"].iloc[0])
    table = monitor.table.value
    assert f'title="{full_id}"' in table and f">{full_id[:8]}…<" in table
    assert "INTERNAL_ERROR" in table  # why it failed, to quote to support
    assert re.search(r"last refreshed \d\d:\d\d:\d\d UTC", monitor.refreshed_html.value)


def test_recording_monitor_chooses_several_statuses_without_ctrl_click(kit: rtk.Kit) -> None:
    import ipywidgets as widgets

    monitor = RecordingMonitor(kit)
    toggles = monitor.status_toggles
    assert set(toggles) == set(RECORDING_STATUSES)
    assert all(isinstance(t, widgets.ToggleButton) for t in toggles.values())
    toggles["PAUSED"].value = True
    toggles["ERRORED"].value = True
    assert toggles["ERRORED"].icon == "check" and toggles["UPLOADED"].icon == ""
    assert set(monitor.visible["status"].astype(str)) == {"PAUSED", "ERRORED"}
    assert len(monitor.visible) == monitor.counts["PAUSED"] + monitor.counts["ERRORED"]
    toggles["PAUSED"].value = toggles["ERRORED"].value = False  # none chosen: every status
    assert len(monitor.visible) == len(monitor.recordings)
