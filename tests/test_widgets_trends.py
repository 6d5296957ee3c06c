"""``TrendDashboard``, tested on its traits: set controls, count the store's calls, read the
figure, the table and the status line. The store is a fake with the two methods the panel
uses, returning frames made to the declared ``trend`` and ``changes`` tables."""

from __future__ import annotations

import ast
import asyncio
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import rtk_notebook as rtk
from rtk_notebook import frames
from rtk_notebook.errors import RTKError, ValidationError
from rtk_notebook.style import TINTS, VERDICT_COLORS
from rtk_notebook.widgets import TrendDashboard
from rtk_notebook.widgets.trends import DEFAULT_CHANGES_BY, changes_table
from tests.factories import changes_frame, trend_frame

START, END = "2026-09-07", "2026-11-30"  # twelve weeks, Monday to Monday
PERIOD_DAYS = {"D": 1, "W": 7, "M": 30}
CHANGES = [  # (column, (segment, peers baseline, poor, peers recent, poor)), q-value
    (("browser_major", ("Chrome 142", 400, 12, 412, 58)), 0.0004),
    (("connection_type", ("relay/tcp", 300, 30, 300, 9)), 0.002),
    (("country", ("<DE>", 60, 3, 50, 4)), 0.6),
]


class FakeStore:
    """The two methods the panel calls, counting the calls; ``fail`` makes one raise."""

    def __init__(self, *, empty: bool = False) -> None:
        self.trend_calls: list[dict[str, Any]] = []
        self.changes_calls: list[dict[str, Any]] = []
        self.fail: dict[str, Exception] = {}
        self.empty = empty

    def trend(self, *, freq: str, by: str | None, start: Any, end: Any) -> pd.DataFrame:
        self.trend_calls.append(dict(freq=freq, by=by, start=start, end=end))
        if "trend" in self.fail:
            raise self.fail["trend"]
        if self.empty:
            return frames.empty_frame("trend")
        n = max(1, (end - start).days // PERIOD_DAYS[freq])
        names = [f"{by} a", f"{by} b"] if by else ["all"]
        shares = {name: [0.05 + 0.01 * (i % 3) for i in range(n)] for name in names}
        peers = {name: [100 if j == 0 else 50] * n for j, name in enumerate(names)}
        return trend_frame(shares, peers, start=start.date().isoformat(), freq=freq)

    def changes(self, *, window: str, baseline: str, by: list[str], end: Any) -> pd.DataFrame:
        self.changes_calls.append(dict(window=window, baseline=baseline, by=by, end=end))
        if "changes" in self.fail:
            raise self.fail["changes"]
        if self.empty:
            return frames.empty_frame("changes")
        return changes_frame([row for row, _ in CHANGES], [q for _, q in CHANGES])


def calls(store: FakeStore) -> tuple[int, int]:
    return len(store.trend_calls), len(store.changes_calls)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def panel(store: FakeStore) -> TrendDashboard:
    return TrendDashboard(store, start=START, end=END)


def utc(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)


def figure_lines(panel: TrendDashboard) -> list[str]:
    return [t.name for t in panel.figure.data if t.fill != "toself"]


# ---- what it shows ----------------------------------------------------------------------------


def test_shows_the_trend_the_changes_and_what_is_shown(
    panel: TrendDashboard, store: FakeStore
) -> None:
    assert store.trend_calls == [dict(freq="W", by="browser_major", start=utc(START), end=utc(END))]
    assert store.changes_calls == [
        dict(window="7D", baseline="28D", by=list(DEFAULT_CHANGES_BY), end=utc(END))
    ]
    assert panel.error is None and not panel.loading
    assert figure_lines(panel) == ["browser_major a", "browser_major b"]
    assert panel.figure.layout.yaxis.title.text == "Poor peers (% of rated)"
    assert panel.figure.layout.title.text == "Poor peers per week by browser major"
    assert len(panel.plot.outputs) == 1  # drawn in the Output
    assert panel.summary() == (
        "1,800 peers, 12 weeks, by browser_major (from 2026-09-07 until 2026-11-30 UTC)"
        " · lately 1 worse, 1 better"
    )
    assert "1,800 peers, 12 weeks, by browser_major" in panel.status.value
    table = panel.changes_html.value
    assert "the 7 days before 2026-11-30 against the 28 days before them" in table
    assert "browser_major = Chrome 142" in table and "transport = relay/tcp" in table
    assert "3.0 % → 14.1 %" in table and "<b>+11.1 pts</b>" in table and "< 0.001" in table
    assert "country = &lt;DE&gt;" in table and "<DE>" not in table


def test_changes_table_orders_tints_and_badges() -> None:
    rows = [row for row, _ in CHANGES]
    frame = changes_frame(rows[::-1], [0.6, 0.002, 0.0004])  # the unclear one first
    html = changes_table(frame)
    body = html.split("<tbody>")[1]
    order = [m for m in re.findall(r"(\w+(?:_\w+)?) = ", body)]
    assert order == ["transport", "browser_major", "country"]  # significant ones first
    rows_html = body.split("<tr")[1:]
    assert f"background:{TINTS['poor']}" in rows_html[1]  # the worse one is tinted
    assert (
        f"background:{VERDICT_COLORS['poor']}" in rows_html[1] and ">worse</span>" in rows_html[1]
    )
    assert (
        f"background:{VERDICT_COLORS['good']}" in rows_html[0] and ">better</span>" in rows_html[0]
    )
    assert "TINTS" not in rows_html[0] and "no clear change" in rows_html[2]
    assert "0.002" in rows_html[0] and "0.600" in rows_html[2]
    assert "… and 1 more" in changes_table(frame, rows=2)
    assert "No segment had enough peers" in changes_table(frames.empty_frame("changes"))


def test_an_empty_store_range_says_so(store: FakeStore) -> None:
    store.empty = True
    panel = TrendDashboard(store, start=START, end=END, by=None)
    annotations = [a.text for a in panel.figure.layout.annotations]
    assert annotations == ["No data in this range"]
    assert panel.summary() == "0 peers, 0 weeks, all peers (from 2026-09-07 until 2026-11-30 UTC)"
    assert "No segment had enough peers" in panel.changes_html.value


# ---- one call per applied change --------------------------------------------------------------


def test_each_applied_change_asks_the_store_once(panel: TrendDashboard, store: FakeStore) -> None:
    assert calls(store) == (1, 1)
    panel.metric.value = "mos_median"  # the last trend holds every metric: a redraw
    assert calls(store) == (1, 1)
    assert panel.figure.layout.yaxis.title.text == "MOS, median of peers (1-4.5)"
    panel.freq.value = "D"
    assert calls(store) == (2, 1) and store.trend_calls[-1]["freq"] == "D"
    assert "84 days" in panel.status.value
    panel.by.value = "connection_type"
    assert calls(store) == (3, 1) and store.trend_calls[-1]["by"] == "connection_type"
    assert "by transport" in panel.status.value
    assert panel.figure.layout.legend.title.text == "transport"
    panel.by.value = ""
    assert store.trend_calls[-1]["by"] is None and "all peers" in panel.status.value
    panel.start.value = "2026-10-05"  # the changes end with the range: not asked again
    assert calls(store) == (5, 1) and store.trend_calls[-1]["start"] == utc("2026-10-05")
    panel.end.value = "2026-11-23"
    assert calls(store) == (6, 2) and store.changes_calls[-1]["end"] == utc("2026-11-23")
    panel.end.value = "2026-11-23"  # the same value: no change, no call
    panel.refresh_button.click()
    assert calls(store) == (7, 3)


def test_typing_a_date_fetches_nothing_until_it_is_a_valid_range(
    panel: TrendDashboard, store: FakeStore
) -> None:
    assert panel.start.continuous_update is False and panel.end.continuous_update is False
    for partial in ("2", "20", "2026-", "2026-1", "2026-10-0"):  # as if applied per keystroke
        panel.start.value = partial
        assert panel.error == (
            f"ValidationError: 'From' must be a day as YYYY-MM-DD (got '{partial}')"
        )
    assert calls(store) == (1, 1)
    panel.start.value = "2026-10-05"
    assert calls(store) == (2, 1) and panel.error is None
    assert "⚠" not in panel.status.value and "peers" in panel.status.value


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-02-30", END, "'From' is not a day of the calendar (got '2026-02-30')"),
        ("1999-12-01", END, "'From' is before 2000 (got 1999-12-01)"),
        (START, "2026-09-07", "'Until' (2026-09-07) must be after 'From' (2026-09-07)"),
        (START, "2026-09-01", "'Until' (2026-09-01) must be after 'From' (2026-09-07)"),
        ("2025-09-01", END, "the range is 455 days; at most 400 are shown at once"),
    ],
)
def test_bad_ranges_are_one_line_and_fetch_nothing(
    panel: TrendDashboard, store: FakeStore, start: str, end: str, message: str
) -> None:
    panel.update(start=start, end=end)
    assert panel.error is not None and message in panel.error
    assert "\n" not in panel.error and "⚠" in panel.status.value
    assert calls(store) == (1, 1)
    panel.update(start=START, end=END)  # back to what is shown: nothing to fetch, no message
    assert calls(store) == (1, 1)
    assert panel.error is None and "1,800 peers" in panel.status.value


def test_a_range_fixed_later_fetches_what_changed_meanwhile(
    panel: TrendDashboard, store: FakeStore
) -> None:
    panel.end.value = "2026-09-01"  # before the start: refused
    panel.by.value = "os"  # refused too: the range is still invalid
    assert calls(store) == (1, 1)
    panel.start.value = "2026-08-03"
    assert calls(store) == (2, 2)  # the new end reaches the changes as well
    assert store.trend_calls[-1] == dict(
        freq="W", by="os", start=utc("2026-08-03"), end=utc("2026-09-01")
    )


def test_update_changes_several_controls_with_one_call(
    panel: TrendDashboard, store: FakeStore
) -> None:
    panel.update(start=dt.date(2026, 6, 1), freq="M", by="country", metric="rtt_p90_ms")
    assert calls(store) == (2, 1)
    assert store.trend_calls[-1] == dict(
        freq="M", by="country", start=utc("2026-06-01"), end=utc(END)
    )
    assert panel.figure.layout.yaxis.title.text == "RTT, 90th percentile of peers (ms)"
    assert panel.start.value == "2026-06-01"
    with panel.hold():
        panel.freq.value = "D"
        panel.by.value = "region"
        assert calls(store) == (2, 1)
    assert calls(store) == (3, 1)
    with pytest.raises(ValidationError, match="update\\(\\) takes start"):
        panel.update(colour="red")


def test_in_a_running_kernel_changes_of_one_turn_make_one_call(store: FakeStore) -> None:
    async def kernel() -> TrendDashboard:
        panel = TrendDashboard(store, start=START, end=END)
        await panel.wait()
        panel.freq.value = "D"  # three controls changed in one cell
        panel.by.value = "os"
        panel.metric.value = "loss_avg_pct"
        await panel.wait()
        return panel

    panel = asyncio.run(kernel())
    assert calls(store) == (2, 1)
    assert store.trend_calls[-1]["freq"] == "D" and store.trend_calls[-1]["by"] == "os"
    assert panel.figure.layout.yaxis.title.text == "Packet loss, mean of peers (%)"
    assert panel.error is None and "by os" in panel.status.value


# ---- errors and arguments -----------------------------------------------------------------------


def test_store_errors_are_one_line_and_the_same_values_retry(store: FakeStore) -> None:
    store.fail["trend"] = ValidationError("'by': the quality rows have no column 'region'")
    store.fail["changes"] = RTKError("the store is locked by another sync")
    panel = TrendDashboard(store, start=START, end=END)
    assert panel.error == (  # both, in one line
        "ValidationError: 'by': the quality rows have no column 'region'"
        " · RTKError: the store is locked by another sync"
    )
    assert "Traceback" not in panel.status.value and "⚠" in panel.status.value
    assert panel.trend_frame is None and panel.changes_frame is None
    store.fail.clear()
    panel.update(start=START)  # the same values again: asked again, since they failed
    assert calls(store) == (2, 2)
    assert panel.error is None and "1,800 peers" in panel.status.value


def test_one_failure_stays_in_the_status_line_while_the_other_succeeds(
    store: FakeStore,
) -> None:
    store.fail["changes"] = RTKError("the store is locked by another sync")
    panel = TrendDashboard(store, start=START, end=END)
    assert panel.trend_frame is not None and len(panel.figure.data) > 0
    assert panel.error == "RTKError: the store is locked by another sync"
    panel.metric.value = "peers"  # a redraw keeps the failure in view
    assert panel.error == "RTKError: the store is locked by another sync"


def test_arguments_are_checked_and_defaults_follow_the_stores_clock(store: FakeStore) -> None:
    bad: list[dict[str, Any]] = [
        dict(freq="Q"),
        dict(by="colour"),
        dict(metric="poor"),
        dict(start="2026-13-01"),
        dict(start=END, end=START),
        dict(changes_by=["browser", "shoe_size"]),
    ]
    for kwargs in bad:
        with pytest.raises(ValidationError):
            TrendDashboard(store, **kwargs)
    assert calls(store) == (0, 0)
    store.now = dt.datetime(2026, 11, 18, 15, 0, tzinfo=dt.UTC)  # type: ignore[attr-defined]
    panel = TrendDashboard(store, changes_by="country", by=None, freq="M")
    assert (panel.start.value, panel.end.value) == ("2026-08-27", "2026-11-19")
    assert store.changes_calls[-1]["by"] == ["country"] and store.trend_calls[-1]["by"] is None
    assert panel.freq.value == "M"


def test_the_panel_is_duck_typed_and_lazy() -> None:
    source = Path(rtk.__file__).parent / "widgets" / "trends.py"
    imported = {
        getattr(node, "module", None) or alias.name
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any(name.startswith("rtk_notebook.store") for name in imported)
    assert rtk.TrendDashboard is TrendDashboard
    code = "import sys, rtk_notebook; sys.exit('ipywidgets' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
