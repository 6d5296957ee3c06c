"""``RecordingMonitor(kit)``: recordings by status, with stuck and errored ones called out.

Each row carries the recording's id (shortened; the full id on hover, to send to support)
and, for a stuck or errored one, why: how long it has waited, or the reason it stopped.

Download links are pre-signed (a capability): the panel fetches them masked, so no link is
in its table or its state, and says a download exists; ``RecordingMonitor(kit,
reveal_secrets=True)`` fetches them in the clear and links them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
from typing import Any

import ipywidgets as widgets
import pandas as pd

from rtk_notebook.models._display import fmt_minutes
from rtk_notebook.secrets import reveal_flag
from rtk_notebook.style import INK_SECONDARY, PALETTE, STATUS_COLORS, TINTS, VERDICT_COLORS, badge
from rtk_notebook.widgets._base import MISSING, Panel, id_html, plain, show_figure, table_html

RECORDING_STATUSES = ("UPLOADED", "RECORDING", "PAUSED", "UPLOADING", "INVOKED", "ERRORED")
# A recording still INVOKED or UPLOADING this long after it was started is stuck: uploads
# normally finish within minutes of the session's end.
STUCK_AFTER = pd.Timedelta(hours=2)
TABLE_ROWS = 500
STOP_REASON = "stop_reason"  # the API's stop_reason.reason, named for people (if sent)


def _mark_chosen(change: dict[str, Any]) -> None:
    """A chosen status's toggle is ticked and coloured, so the choice reads at a glance."""
    toggle = change["owner"]
    toggle.icon = "check" if change["new"] else ""
    toggle.button_style = "info" if change["new"] else ""


def stuck_mask(recordings: pd.DataFrame, now: pd.Timestamp) -> pd.Series:
    """Recordings waiting in INVOKED or UPLOADING for longer than ``STUCK_AFTER``."""
    if recordings.empty:
        return pd.Series(False, index=recordings.index)
    since = recordings["stopped_time"].fillna(recordings["invoked_time"])
    waiting = recordings["status"].astype(str).isin(["INVOKED", "UPLOADING"])
    return waiting & ((now - since) > STUCK_AFTER)


class RecordingMonitor(Panel):
    """Counts by status, a filterable table (stuck and errored highlighted), refresh.

    ``reveal_secrets=True`` fetches the download links unmasked and makes them links in the
    table (and so in the widget's state, which a saved notebook keeps).
    """

    def __init__(
        self, kit: Any, *, auto_refresh_s: int = 60, reveal_secrets: bool = False, **kwargs: Any
    ) -> None:
        self.reveal_secrets = reveal_flag(reveal_secrets)
        super().__init__(kit, **kwargs)
        self.counts_html = widgets.HTML()
        # One toggle per status: several are chosen with plain clicks (no Ctrl-click).
        self.status_toggles = {
            status: widgets.ToggleButton(
                description=status,
                tooltip=f"show {status} recordings (none chosen: every status)",
                layout=widgets.Layout(width="auto"),
            )
            for status in RECORDING_STATUSES
        }
        for toggle in self.status_toggles.values():
            toggle.observe(_mark_chosen, names="value")
        self.status_filter = widgets.HBox(
            [widgets.Label("Status"), *self.status_toggles.values()],
            layout=widgets.Layout(flex_flow="row wrap"),
        )
        self.only_problems = widgets.Checkbox(description="Only stuck or errored", value=False)
        self.search = widgets.Text(
            description="Search", placeholder="meeting or file name", continuous_update=False
        )
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.auto = widgets.Checkbox(description="Auto-refresh", value=False)
        self.interval = widgets.BoundedIntText(
            description="every (s)",
            value=auto_refresh_s,
            min=5,
            max=3600,
            layout=widgets.Layout(width="160px"),
        )
        self.refreshed_html = widgets.HTML()  # "last refreshed 14:03:07 UTC"
        self.table = widgets.HTML()
        self.plot = widgets.Output()
        self.recordings: pd.DataFrame | None = None
        self.visible: pd.DataFrame | None = None
        self.counts: dict[str, int] = {}
        self.figure: Any = None
        self.refreshed = 0
        self.refreshed_at: dt.datetime | None = None  # wall-clock time of the last refresh
        self._auto_task: asyncio.Task[Any] | None = None
        self.children = [
            self.counts_html,
            self.status_filter,
            widgets.HBox([self.search, self.only_problems]),
            widgets.HBox([self.refresh_button, self.refreshed_html, self.auto, self.interval]),
            self.status,
            self.table,
            self.plot,
        ]
        for control in (*self.status_toggles.values(), self.only_problems, self.search):
            control.observe(lambda _: self._show(), names="value")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.auto.observe(self._on_auto, names="value")
        self.refresh()

    @property
    def chosen_statuses(self) -> tuple[str, ...]:
        """The statuses toggled on; none means every status."""
        return tuple(s for s, toggle in self.status_toggles.items() if toggle.value)

    def now(self) -> pd.Timestamp:
        demo = getattr(self.kit, "demo", None)
        return pd.Timestamp(demo.now if demo is not None else dt.datetime.now(dt.UTC))

    def refresh(self) -> None:
        self.run(
            "recordings",
            "Loading recordings",
            lambda: self.kit.aio.recordings(reveal_secrets=self.reveal_secrets),
            self._apply,
        )

    def _apply(self, frame: pd.DataFrame) -> None:
        from rtk_notebook import plots

        self.recordings = frame
        self.refreshed += 1
        self.refreshed_at = dt.datetime.now(dt.UTC)
        self.refreshed_html.value = (
            f"<span style='color:{INK_SECONDARY}'>last refreshed "
            f"{self.refreshed_at:%H:%M:%S} UTC</span>"
        )
        status = frame["status"].astype(str)
        self.counts = {s: int((status == s).sum()) for s in RECORDING_STATUSES}
        for name, toggle in self.status_toggles.items():
            toggle.description = f"{name} {self.counts[name]}"
        self.figure = plots.recording_status(frame, now=self.now())
        show_figure(self.plot, self.figure)
        self._show()

    def _header(self, shown: int, stuck: int) -> str:
        """'21 of 155 recordings' (what the table shows), the pills of all, when refreshed."""
        assert self.recordings is not None
        total = len(self.recordings)
        count = f"{shown} of {total}" if shown != total else f"{total}"
        count = f"<b>{count} recordings</b>"
        pills = " ".join(badge(f"{s} {n}", STATUS_COLORS[s]) for s, n in self.counts.items())
        warn = f" · <b style='color:{VERDICT_COLORS['poor']}'>{stuck} stuck</b>" if stuck else ""
        return f"<div>{count} · all: {pills}{warn}</div>"

    def _show(self) -> None:
        frame = self.recordings
        if frame is None:
            return
        now = self.now()
        stuck = stuck_mask(frame, now)
        errored = frame["status"].astype(str) == "ERRORED"
        keep = pd.Series(True, index=frame.index)
        if self.chosen_statuses:
            keep &= frame["status"].astype(str).isin(self.chosen_statuses)
        if self.only_problems.value:
            keep &= stuck | errored
        text = self.search.value.strip().lower()
        if text:
            haystack = (
                frame["meeting_title"].fillna("") + " " + frame["output_file_name"].fillna("")
            )
            keep &= haystack.str.lower().str.contains(text, regex=False)
        visible = frame[keep]
        self.visible = visible
        self.counts_html.value = self._header(len(visible), int(stuck.sum()))
        rows, styles = [], []
        for index, r in visible.head(TABLE_ROWS).iterrows():
            note = "stuck" if stuck.at[index] else ("errored" if errored.at[index] else "")
            rows.append(self._row(r, note, now))
            tint = {"stuck": TINTS["warning"], "errored": TINTS["poor"]}.get(note)
            styles.append(f"background:{tint}" if tint else "")
        more = len(visible) - TABLE_ROWS
        header = ["status", "id", "invoked\u00a0(UTC)", "meeting", "length", "file", "download"]
        self.table.value = table_html(rows, [*header, "problem"], row_styles=styles) + (
            f"<p>… and {more} more</p>" if more > 0 else ""
        )

    def _row(self, r: pd.Series, note: str, now: pd.Timestamp) -> list[str]:
        """One recording's cells: escaped text, its id shortened with the full id on hover."""
        full_id = plain(r["id"])
        minutes = r["recording_duration"] / 60 if pd.notna(r["recording_duration"]) else None
        invoked = r["invoked_time"]
        return [
            badge(str(r["status"])),
            id_html(full_id),
            f"<span style='white-space:nowrap'>{invoked:%Y-%m-%d %H:%M}</span>"
            if pd.notna(invoked)
            else MISSING,
            html.escape(plain(r["meeting_title"])),
            MISSING if minutes is None else f"{minutes:.0f} min",
            html.escape(plain(r["output_file_name"])),
            self._download_cell(r["download_url"]),
            self._problem_cell(r, note, now),
        ]

    @staticmethod
    def _problem_cell(r: pd.Series, note: str, now: pd.Timestamp) -> str:
        """Why a recording needs a look: how long a stuck one has waited, or the reason an
        errored one stopped (as the API words it, to quote to support)."""
        if note == "stuck":
            since = r["stopped_time"] if pd.notna(r["stopped_time"]) else r["invoked_time"]
            waited = fmt_minutes((now - since).total_seconds() / 60)
            return f"<b>stuck</b>: {html.escape(str(r['status']))} for {waited}"
        if note == "errored":
            reason = plain(r.get(STOP_REASON))
            return f"<b>errored</b>: {html.escape(reason)}"
        return ""

    def _download_cell(self, url: Any) -> str:
        if pd.isna(url) or not url:
            return "–"
        if not self.reveal_secrets:  # the frame holds only the masked link: say it exists
            hint = "pre-signed link, masked: RecordingMonitor(kit, reveal_secrets=True) shows it"
            grey = PALETTE["grey"]
            return f'<span style="color:{grey}" title="{html.escape(hint)}">masked</span>'
        return f'<a href="{html.escape(str(url))}" target="_blank" rel="noopener">download</a>'

    # -- auto-refresh: a loop task on the kernel's event loop -------------------------------------

    def _on_auto(self, change: dict[str, Any]) -> None:
        if change["new"]:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self._show_note("auto-refresh needs a running event loop (a notebook kernel)")
                self.auto.value = False
                return
            self._auto_task = loop.create_task(self._auto_loop())
        elif self._auto_task is not None:
            self._auto_task.cancel()
            self._auto_task = None

    async def _auto_loop(self) -> None:
        while self.auto.value:
            await asyncio.sleep(self.interval.value)
            if not self.auto.value:
                break
            self.refresh()
            await super().wait()

    def close(self) -> None:
        auto = getattr(self, "auto", None)  # None when __init__ refused its arguments
        if auto is not None:
            auto.value = False
        super().close()
